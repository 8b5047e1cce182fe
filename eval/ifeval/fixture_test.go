package ifeval

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"sync"
	"testing"
)

// fixture is testdata/ifeval.json.gz, written by
// testdata/gen/eval/ifeval_fixtures.py from lm-eval's own checkers.
type fixture struct {
	Instructions []string `json:"instructions"`
	Probes       []string `json:"probes"`
	Checks       []struct {
		ID     string         `json:"id"`
		Kwargs map[string]any `json:"kwargs"`
		Prompt string         `json:"prompt"`
		Strict string         `json:"strict"`
		Loose  string         `json:"loose"`
	} `json:"checks"`
	Tokenize []struct {
		Text      string   `json:"text"`
		Sentences []string `json:"sentences"`
		Words     []string `json:"words"`
		Language  *string  `json:"language"`
	} `json:"tokenize"`
	Languages []struct {
		Text  string    `json:"text"`
		Seeds []*string `json:"seeds"`
	} `json:"languages"`
}

var loadFixture = sync.OnceValues(func() (*fixture, error) {
	f, err := os.Open("testdata/ifeval.json.gz")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	var fx fixture
	d := json.NewDecoder(zr)
	d.UseNumber()
	return &fx, d.Decode(&fx)
})

func readFixture(t testing.TB) *fixture {
	t.Helper()
	fx, err := loadFixture()
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

// pyKwargs turns JSON numbers into the int64 and float64 values that
// data.Doc holds.
func pyKwargs(kw map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range kw {
		out[k] = pyValue(v)
	}
	return out
}

func pyValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = pyValue(e)
		}
		return out
	}
	return v
}
