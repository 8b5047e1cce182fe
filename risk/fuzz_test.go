package risk

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/fmkit/fmkit/internal/memtest"
	"github.com/google/go-cmp/cmp"
)

// FuzzParse feeds arbitrary bytes to the loader: it must return an
// assessment or a *FieldError, never panic; what it accepts must survive
// Marshal and Parse unchanged, and Check and every report must run on it.
func FuzzParse(f *testing.F) {
	for _, name := range Examples() {
		data, _ := ExampleSource(name)
		f.Add(data)
	}
	for _, path := range []string{"testdata/release-tiny.yaml"} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	tmpl, _ := Template(TemplateOptions{})
	f.Add(tmpl)
	f.Add([]byte(complete))
	f.Add([]byte(minimal + "title: &a x\nbaseline: *a\n"))
	f.Add([]byte("fmkit_risk: 1\nsteps: {uncertainty: {evidence: [{results: r, values: [{pointer: /a, value: .nan}]}]}}\n"))
	f.Add([]byte("{"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		var a *Assessment
		var err error
		n := memtest.AllocatedBytes(func() { a, err = Parse("fuzz.yaml", data) })
		if limit := uint64(256*len(data) + 4<<20); n > limit {
			t.Fatalf("parsing %d bytes allocated %d (limit %d)", len(data), n, limit)
		}
		if err != nil {
			if _, ok := err.(*FieldError); !ok {
				t.Fatalf("error %T %v is not a *FieldError", err, err)
			}
			return
		}
		if diff := cmp.Diff(a, roundTrip(t, a), sameAssessment...); diff != "" {
			t.Fatalf("round trip changed the assessment (-before +after):\n%s", diff)
		}
		// Absolute results paths would read this machine's files; keep the
		// check inside an empty folder.
		for _, f := range a.Steps {
			if f == nil {
				continue
			}
			for i := range f.Evidence {
				if f.Evidence[i].Results != "" {
					f.Evidence[i].Results = filepath.Base(f.Evidence[i].Results)
				}
			}
		}
		Check(a, &CheckOptions{Dir: dir})
		for _, format := range []Format{Markdown, HTML, JSON} {
			if err := WriteReport(discard{}, []*Assessment{a}, format); err != nil {
				t.Fatalf("%s report: %v", format, err)
			}
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
