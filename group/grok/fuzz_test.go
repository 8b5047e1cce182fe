package grok

import "testing"

// FuzzParseMetrics feeds arbitrary bytes to the metrics.jsonl parser,
// which must return metrics or an error, never panic.
func FuzzParseMetrics(f *testing.F) {
	f.Add([]byte("{\"epoch\": 0, \"train_loss\": 4.8}\n{\"epoch\": 10, \"test_acc\": 0.5}\n"))
	f.Add([]byte("{\"epoch\": 1}\n{\"epo"))
	f.Add([]byte("{\"epoch\": -1}\n"))
	f.Add([]byte("\n\n[]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ms, err := parseMetrics("metrics.jsonl", b)
		if err == nil {
			for _, m := range ms {
				if m.Epoch < 0 {
					t.Fatalf("negative epoch accepted")
				}
			}
		}
	})
}
