package shapes

import (
	"strings"
	"testing"
)

// TestDefaultGPUs checks the embedded table has every GPU the issue names
// with the SM counts it gives (and the datasheet peaks for two of them).
func TestDefaultGPUs(t *testing.T) {
	gpus := DefaultGPUs()
	sms := map[string]int{
		"a100-40gb": 108, "a100-80gb": 108, "h100-sxm": 132, "h100-pcie": 114, "h200": 132, "v100": 80,
		"a10": 72, "l4": 58, "l40s": 142, "rtx4090": 128, "mi250x": 220, "mi300x": 304,
	}
	for name, want := range sms {
		g, err := FindGPU(gpus, name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if g.SMs != want {
			t.Errorf("%s: %d SMs, want %d", name, g.SMs, want)
		}
		if g.Source == "" || g.MemoryGB <= 0 || g.BandwidthGBs <= 0 {
			t.Errorf("%s: missing source, memory or bandwidth: %+v", name, g)
		}
	}
	for _, tt := range []struct {
		gpu  string
		d    Dtype
		want float64
	}{{"a100", "bf16", 312}, {"h100", "fp16", 989.5}, {"v100", "fp16", 125}, {"mi300x", "fp8", 2614.9}} {
		g, _ := FindGPU(gpus, tt.gpu)
		if p, err := g.Peak(tt.d); err != nil || p != tt.want {
			t.Errorf("%s %s peak = %v, %v; want %v", tt.gpu, tt.d, p, err, tt.want)
		}
	}
	v100, _ := FindGPU(gpus, "V100")
	if _, err := v100.Peak("bf16"); err == nil || !strings.Contains(err.Error(), "gpu v100 has no bf16 peak; it has fp16, fp32, fp64") {
		t.Errorf("v100 bf16: %v", err)
	}
	if _, err := FindGPU(gpus, "tpu"); err == nil || !strings.Contains(err.Error(), `unknown gpu "tpu"; expected one of v100, a100-40gb`) {
		t.Errorf("unknown gpu: %v", err)
	}
}

func TestReadGPUsErrors(t *testing.T) {
	for _, tt := range []struct{ name, yaml, want string }{
		{"empty", "", "gpu table is empty"},
		{"no entries", "gpus: []\n", "no entries"},
		{"unknown field", "gpus:\n  - name: x\n    smz: 3\n", "field smz not found"},
		{"bad values", "gpus:\n  - name: x\n    sms: 0\n    align_bytes: 100\n    tflops: {fp12: 5, fp16: -1}\n",
			"gpu x: sms is 0, expected a positive count; gpu x: align_bytes is 100, expected a positive power of two"},
		{"bad dtype", "gpus:\n  - name: x\n    sms: 4\n    align_bytes: 16\n    tflops: {fp12: 5}\n", `unknown dtype "fp12"`},
		{"duplicate", "gpus:\n  - {name: x, sms: 1, align_bytes: 16, tflops: {fp16: 1}}\n  - {name: X, sms: 1, align_bytes: 16, tflops: {fp16: 1}}\n", `name "X" is used twice`},
		{"not yaml", "gpus: [", "gpu table"},
	} {
		_, err := ReadGPUs(strings.NewReader(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

func TestMergeGPUs(t *testing.T) {
	over, err := ReadGPUs(strings.NewReader(`gpus:
  - {name: a100-80gb, sms: 100, align_bytes: 128, tflops: {bf16: 300}}
  - {name: b200, sms: 148, align_bytes: 128, tflops: {bf16: 2250}}
`))
	if err != nil {
		t.Fatal(err)
	}
	gpus := MergeGPUs(DefaultGPUs(), over)
	if len(gpus) != len(DefaultGPUs())+1 {
		t.Errorf("merged table has %d GPUs, want %d", len(gpus), len(DefaultGPUs())+1)
	}
	a, _ := FindGPU(gpus, "a100-80gb")
	b, err := FindGPU(gpus, "b200")
	if a.SMs != 100 || err != nil || b.SMs != 148 {
		t.Errorf("override not applied: a100 %d SMs, b200 %v %v", a.SMs, b, err)
	}
}

func FuzzReadGPUs(f *testing.F) {
	f.Add(embeddedGPUs)
	f.Add([]byte("gpus:\n  - {name: x, sms: 1, align_bytes: 16, tflops: {fp16: 1}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		gpus, err := ReadGPUs(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		for _, g := range gpus {
			if g.Name == "" || g.SMs <= 0 || g.AlignBytes <= 0 || len(g.TFLOPS) == 0 {
				t.Fatalf("accepted an invalid entry %+v", g)
			}
			for d := range g.TFLOPS {
				if _, err := g.Machine(d); err != nil {
					t.Fatalf("accepted entry %s fails Machine(%s): %v", g.Name, d, err)
				}
			}
		}
	})
}
