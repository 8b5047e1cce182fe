package eval

import "sort"

// Served says what runs a `!function`.
type Served string

// How a function is served.
const (
	ServedByGo     Served = "go"     // a native port
	ServedByPython Served = "python" // the Python worker
)

// A Diagnosis says whether a task can run here and what runs its Python
// functions (`fmkit tasks doctor`).
type Diagnosis struct {
	Name string
	// Functions maps each `!function` the task uses ("utils.process_docs
	// (race/race.yaml)") to what serves it, for those that resolved.
	Functions map[string]Served
	// Err is why the task cannot run; nil when it can.
	Err error
}

// Names returns the diagnosis's function names served by how, sorted.
func (d Diagnosis) Names(how Served) []string {
	var out []string
	for n, h := range d.Functions {
		if h == how {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Diagnose resolves the task, group or tag name as Load does and reports
// what serves each of its `!function` references (a Go port or the Python
// worker) and, when it cannot run, why. With a Python worker in use it
// imports the task modules. Diagnose is not safe to call concurrently with
// other calls on the Index.
func (ix *Index) Diagnose(name string) Diagnosis {
	rec := &resolver{python: ix.res.python, checked: ix.res.checked, used: map[string]Served{}}
	view := &Index{entries: ix.entries, notices: ix.notices, res: rec}
	_, err := view.Load([]string{name})
	return Diagnosis{Name: name, Functions: rec.used, Err: err}
}
