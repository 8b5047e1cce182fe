package eval

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/fmkit/fmkit/internal/memtest"
)

// billionLaughs is the 770-byte task file of issue 24: nine levels of nine
// aliases, 9^9 strings once expanded.
func billionLaughs() string {
	var b strings.Builder
	b.WriteString("task: laughs\ndataset_path: json\na0: &a0 [lol]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [", i, i)
		for j := 0; j < 9; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// includeFan is a set of files each including the next one nine times:
// 9^9 file loads without any alias.
func includeFan() fstest.MapFS {
	fsys := fstest.MapFS{}
	for i := 0; i < 9; i++ {
		inc := strings.Repeat(fmt.Sprintf("f%d.yaml, ", i+1), 9)
		fsys[fmt.Sprintf("f%d.yaml", i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf("include: [%s]\nk%d: v\n", strings.TrimSuffix(inc, ", "), i))}
	}
	fsys["f9.yaml"] = &fstest.MapFile{Data: []byte("k9: v\n")}
	fsys["top.yaml"] = &fstest.MapFile{Data: []byte("task: fan\ninclude: f0.yaml\n")}
	return fsys
}

// TestIndexLimits feeds hostile task files to the loader NewIndex uses:
// each must fail fast with ErrYAMLLimit (or, for the include fan-out, load
// at once), allocating a bounded amount of memory.
func TestIndexLimits(t *testing.T) {
	one := func(name, src string) fstest.MapFS { return fstest.MapFS{name: {Data: []byte(src)}} }
	// The biggest file the default size limit lets through: a flow list
	// of 512Ki one-letter items.
	bigList := "task: big\nx: [" + strings.Repeat("a,", (1<<20-20)/2) + "a]\n"
	cases := []struct {
		name     string
		fsys     fstest.MapFS
		top      string
		limits   YAMLLimits
		want     string
		maxBytes uint64
	}{
		{"billion laughs", one("laughs.yaml", billionLaughs()), "laughs.yaml", YAMLLimits{},
			"expands to more than 100000 values", 32 << 20},
		{"billion laughs, lower limit", one("laughs.yaml", billionLaughs()), "laughs.yaml", YAMLLimits{MaxValues: 1000},
			"expands to more than 1000 values", 1 << 20},
		{"alias inside its own anchor", one("self.yaml", "task: self\na: &a [x, *a]\n"), "self.yaml", YAMLLimits{},
			"expands to more than 100000 values", 32 << 20},
		// Each file is read once however often it is included.
		{"include fan-out", includeFan(), "top.yaml", YAMLLimits{}, "", 1 << 20},
		{"file too large", one("big.yaml", "task: big\nx: \""+strings.Repeat("a", 2<<20)+"\"\n"), "big.yaml", YAMLLimits{},
			"file is larger than 1048576 bytes", 4 << 20},
		{"largest file, too many values", one("big.yaml", bigList), "big.yaml", YAMLLimits{},
			"expands to more than 100000 values", 256 << 20},
		{"file above a lower size limit", one("t.yaml", "task: t\ndataset_path: json\n"), "t.yaml", YAMLLimits{MaxFileBytes: 10},
			"file is larger than 10 bytes", 1 << 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			start := time.Now()
			n := memtest.AllocatedBytes(func() {
				_, err = loadYAMLWithin(c.fsys, c.top, map[string]bool{}, newYAMLBudget(c.limits))
			})
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("err = %v, want none", err)
			case c.want != "" && (!errors.Is(err, ErrYAMLLimit) || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("err = %v, want ErrYAMLLimit with %q", err, c.want)
			}
			if n > c.maxBytes {
				t.Errorf("allocated %d bytes, want at most %d", n, c.maxBytes)
			}
			t.Logf("failed after %v and %d allocated bytes: %v", time.Since(start), n, err)
		})
	}
}

func TestYAMLLimitsValidate(t *testing.T) {
	err := YAMLLimits{MaxFileBytes: -1, MaxValues: -2}.Validate()
	if err == nil || !strings.Contains(err.Error(), "MaxFileBytes (-1)") || !strings.Contains(err.Error(), "MaxValues (-2)") {
		t.Errorf("Validate = %v, want both fields named", err)
	}
}

// TestAliasesWithinLimitExpand checks the limit leaves ordinary aliases
// alone: a shared list used twice is expanded twice.
func TestAliasesWithinLimitExpand(t *testing.T) {
	src := "task: t\ndataset_path: json\nbase: &b [x, y]\nother: *b\n"
	ix, err := NewIndex(TaskSource{Name: "t", FS: fstest.MapFS{"t.yaml": {Data: []byte(src)}}})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := ix.entries["t"].raw.dict.Get("other")
	if l, ok := v.([]any); !ok || len(l) != 2 || l[1] != "y" {
		t.Errorf("other = %#v, want [x y]", v)
	}
}
