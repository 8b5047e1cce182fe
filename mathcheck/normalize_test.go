package mathcheck

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"testing"
)

type normalizeCase struct {
	From   string  `json:"from"`
	Input  string  `json:"input"`
	Output *string `json:"output"`
}

func readNormalizeFixture(t *testing.T) []normalizeCase {
	t.Helper()
	f, err := os.Open("testdata/normalize.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []normalizeCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var c normalizeCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	if len(cases) < 500 {
		t.Fatalf("fixture has %d cases, want at least 500", len(cases))
	}
	return cases
}

// TestNormalizeCompatFixture checks MinervaCompat against the published
// Python functions' outputs (testdata/gen/mathcheck/normalize_fixtures.py).
func TestNormalizeCompatFixture(t *testing.T) {
	for i, c := range readNormalizeFixture(t) {
		src, err := ParseSource(c.From)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Extract(c.Input, src, MinervaCompat)
		switch {
		case c.Output == nil && err == nil:
			t.Errorf("case %d (%s %q): got %q, want no answer", i, c.From, c.Input, got)
		case c.Output == nil && !errors.Is(err, ErrNoAnswer) && !errors.Is(err, ErrNotBoxed):
			t.Errorf("case %d (%s %q): error %v is neither ErrNoAnswer nor ErrNotBoxed", i, c.From, c.Input, err)
		case c.Output != nil && err != nil:
			t.Errorf("case %d (%s %q): error %v, want %q", i, c.From, c.Input, err, *c.Output)
		case c.Output != nil && got != *c.Output:
			t.Errorf("case %d (%s %q):\n got %q\nwant %q", i, c.From, c.Input, got, *c.Output)
		}
	}
}

// TestNormalizeFixed checks each documented fix against the published
// behaviour (which the compat column must keep).
func TestNormalizeFixed(t *testing.T) {
	for _, tc := range []struct{ in, fixed, compat string }{
		// Deletions no longer cut command names.
		{`\left( 3, \frac{\pi}{2} \right)`, `\left(3,\frac{\pi}{2}\right)`, `\le(3,\frac{\pi}{2}\right)`},
		{`(-\infty, 3]`, `(-\infty,3]`, `(-\iny,3]`},
		{`\leftarrow`, `\leftarrow`, `\learrow`},
		{`\square`, `\square`, `\`},
		{`\sigma^2`, `\sigma^2`, `\sia^2`},
		{`\left[ 0, 1 \right)`, `\left[0,1\right)`, `\le[0,1\right)`},
		// Unit words still go, inside and outside \text.
		{`24 \text{ square feet}`, `24`, `24`},
		{`5\text{ cm}`, `5`, `5`},
		{`7 ft`, `7`, `7`},
		{`4\pi\text{ square units}`, `4\pi`, `4\pi`},
		// Articles only as whole words.
		{`\tan x`, `\tan x`, `\tx`},
		{`\alpha x`, `\alpha x`, `\alphx`},
		{`a square`, ``, ``},
		{`an apple`, `apple`, `apple`},
		// A space that ends a command before a letter stays.
		{`\pi r^2`, `\pi r^2`, `\pir^2`},
		{`\pi square units`, `\pi`, `\pi`},
		// Brace-matched unwrapping.
		{`\text{\frac{1}{2} cm}`, `\frac{1}{2}`, `\frac{1{2}}`},
		{`\boxed{x}, \boxed{y}`, `x,y`, `x},\boxed{y`},
		{`\boxed{1}, \boxed{2}`, `12`, `1},\boxed{2`}, // then digits lose their commas
		{`\overline{AB}`, `AB`, `AB`},
		{`\textbf{(E)}`, `(E)`, `(E)`},
		// Matrix rows stay apart; repeating decimals keep their bar.
		{`\begin{pmatrix} 3 \\ 2 \end{pmatrix}`, `\begin{pmatrix}3\\2\end{pmatrix}`, `\begin{pmatrix}3\2\end{pmatrix}`},
		{`0.8\overline{3}`, `0.8\overline{3}`, `0.83`},
		{`1.\overline{27}`, `1.\overline{27}`, `1.27`},
		// Shorthand only for letters and digits.
		{`\frac12`, `\frac{1}{2}`, `\frac{1}{2}`},
		{`\sqrt2`, `\sqrt{2}`, `\sqrt{2}`},
		{`\sqrt[3]{2}`, `\sqrt[3]{2}`, `\sqrt{[}3]{2}`},
		{`\frac\pi2`, `\frac\pi2`, `\frac{\}{p}i2`},
		// Unchanged steps.
		{`x = 4`, `4`, `4`},
		{`1,000`, `1000`, `1000`},
		{`\$18.90`, `18.90`, `18.90`},
		{`$5$ dollars`, `5`, `5`},
		{`30^\circ`, `30`, `30`},
		{`x,\text{and} y`, `x,y`, `x,y`},
	} {
		if got := Normalize(tc.in, Fixed); got != tc.fixed {
			t.Errorf("Fixed %q: got %q, want %q", tc.in, got, tc.fixed)
		}
		if got := Normalize(tc.in, MinervaCompat); got != tc.compat {
			t.Errorf("MinervaCompat %q: got %q, want %q", tc.in, got, tc.compat)
		}
	}
}

func TestSolutionAnswer(t *testing.T) {
	for _, tc := range []struct {
		in, fixed, compat string
		compatErr         error
	}{
		{`So $\boxed{5}$.`, `5`, `5`, nil},
		{`$\boxed{\frac{1}{2}}$`, `\frac{1}{2}`, `\frac{1}{2}`, nil},
		{`The answer is $\fbox{12}$.`, `12`, ``, ErrNotBoxed},
		{`We get $\boxed 7$, but earlier $\boxed{8}$.`, `8`, `7`, nil},
		{`We get $\boxed{8}$, and then $\boxed 9$.`, `9`, `9`, nil},
		{`No box.`, ``, ``, ErrNoAnswer},
		{`$\boxed{\{1, 2\}}$`, `\{1, 2\}`, `\{1, 2\}`, nil},
	} {
		got, err := SolutionAnswer(tc.in, Fixed)
		if tc.fixed == "" {
			if !errors.Is(err, ErrNoAnswer) {
				t.Errorf("Fixed %q: %q, %v; want ErrNoAnswer", tc.in, got, err)
			}
		} else if err != nil || got != tc.fixed {
			t.Errorf("Fixed %q: %q, %v; want %q", tc.in, got, err, tc.fixed)
		}
		got, err = SolutionAnswer(tc.in, MinervaCompat)
		if tc.compatErr != nil {
			if !errors.Is(err, tc.compatErr) {
				t.Errorf("MinervaCompat %q: %q, %v; want %v", tc.in, got, err, tc.compatErr)
			}
		} else if err != nil || got != tc.compat {
			t.Errorf("MinervaCompat %q: %q, %v; want %q", tc.in, got, err, tc.compat)
		}
	}
}

func TestGenerationAnswer(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"Final Answer: The final answer is $24$. I hope it is correct.", "$24$", true},
		// Generation stopped at the stop sequence "I hope it is correct.".
		{"Final Answer: The final answer is $24$. ", "$24$", true},
		{"Final Answer: The final answer is $x = 3$. I hope it is correct.\n\nProblem: more", "$x = 3$", true},
		// The dots of the published pattern match any character.
		{"Final Answer: The final answer is 5! I hope it is correct!", "5", true},
		{"Final Answer: The final answer is\n$5$. I hope it is correct.", "", false},
		{"The answer is 5.", "", false},
	} {
		got, ok := GenerationAnswer(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q: got %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseSource(t *testing.T) {
	for _, s := range []string{"answer", "solution", "generation"} {
		if _, err := ParseSource(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	if _, err := ParseSource("prompt"); err == nil {
		t.Error("ParseSource(prompt): no error")
	}
}
