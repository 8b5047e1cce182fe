package eval

import (
	"testing"
	"testing/fstest"

	"github.com/fmkit/fmkit/internal/memtest"
)

// FuzzTaskYAML feeds arbitrary task files through the index and config
// parser: errors are fine, panics are not, and a small file allocates
// little however it nests its aliases (YAMLLimits).
func FuzzTaskYAML(f *testing.F) {
	f.Add("task: t\ndataset_path: json\ntest_split: test\noutput_type: multiple_choice\ndoc_to_choice: [\"A\"]\ndoc_to_text: \"{{q}}\"\n")
	f.Add("group: g\ntask:\n  - t\naggregate_metric_list:\n  - metric: acc\n")
	f.Add("task: t\ninclude: base.yaml\nprocess_docs: !function utils.x\n")
	f.Add("task: t\na: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n")
	f.Add("task: t\na: &a {k: v}\nb:\n  <<: *a\n  k2: *a\n")
	f.Fuzz(func(t *testing.T, src string) {
		fsys := fstest.MapFS{"t.yaml": {Data: []byte(src)}, "base.yaml": {Data: []byte("test_split: test\n")}}
		n := memtest.AllocatedBytes(func() {
			ix, err := NewIndex(TaskSource{Name: "fuzz", FS: fsys, Limits: YAMLLimits{MaxValues: 10_000}})
			if err != nil {
				return
			}
			for _, e := range ix.Entries() {
				ix.Load([]string{e.Name})
			}
		})
		// Loading the index reads the file once; 10,000 values of
		// expansion cost a few megabytes at most.
		if limit := uint64(2048*len(src) + 16<<20); n > limit {
			t.Fatalf("a %d-byte task file allocated %d bytes (limit %d)", len(src), n, limit)
		}
	})
}

// FuzzParseArgs feeds arbitrary --gen-kwargs strings (k=v,... with Python
// literal values) to ParseArgs: errors are fine, panics are not.
func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{
		"temperature=0.7,top_p=0.95,do_sample=True",
		"until=['\\n\\n', 'Q:'],max_gen_toks=256",
		"temperature=nan",
		"a=1e400,b=-inf",
		"x=,=y,,",
		"k=[[[[[[[[[[1]]]]]]]]]]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ParseArgs(s)
	})
}
