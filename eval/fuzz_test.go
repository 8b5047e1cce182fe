package eval

import (
	"testing"
	"testing/fstest"
)

// FuzzTaskYAML feeds arbitrary task files through the index and config
// parser: errors are fine, panics are not.
func FuzzTaskYAML(f *testing.F) {
	f.Add("task: t\ndataset_path: json\ntest_split: test\noutput_type: multiple_choice\ndoc_to_choice: [\"A\"]\ndoc_to_text: \"{{q}}\"\n")
	f.Add("group: g\ntask:\n  - t\naggregate_metric_list:\n  - metric: acc\n")
	f.Add("task: t\ninclude: base.yaml\nprocess_docs: !function utils.x\n")
	f.Fuzz(func(t *testing.T, src string) {
		fsys := fstest.MapFS{"t.yaml": {Data: []byte(src)}, "base.yaml": {Data: []byte("test_split: test\n")}}
		ix, err := NewIndex(TaskSource{Name: "fuzz", FS: fsys})
		if err != nil {
			return
		}
		for _, e := range ix.Entries() {
			ix.Load([]string{e.Name})
		}
	})
}
