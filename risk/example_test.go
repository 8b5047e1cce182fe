package risk_test

import (
	"fmt"
	"os"

	"github.com/fmkit/fmkit/risk"
)

// Example prints the paper's Table 1 from the shipped examples: one row per
// published study, one mark per step of the framework.
func Example() {
	studies, err := risk.ExampleSet(risk.Table1)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range studies {
		marks := ""
		for _, s := range risk.AllSteps() {
			marks += a.Finding(s).Grade.Symbol()
		}
		fmt.Printf("%-32s %-21s %s complete=%v\n", a.MisuseVector, a.Study.Short, marks, a.Complete())
	}
	// Output:
	// Spear-phishing scams             Hazell (2023)         ●◐◐○◐○ complete=false
	// Cybersecurity risk               Seger et al. (2023)   ◐○◐○◐◐ complete=false
	// Disinformation                   Musser (2023)         ●◐◐◐◐● complete=false
	// Biosecurity risk                 Gopal et al. (2023)   ●○◐○◐○ complete=false
	// Voice-cloning scams              Ovadya et al. (2019)  ●◐◐◐◐● complete=false
	// Non-consensual intimate imagery  Lakatos (2023)        ●◐○◐◐○ complete=false
	// Child sexual abuse material      Thiel et al. (2023)   ●●●●●● complete=true
}

// ExampleCheck checks an assessment that cites an fmkit evaluation's
// results: the numbers it quotes still match the file.
func ExampleCheck() {
	a, err := risk.Load("testdata/release-tiny.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("problems:", len(risk.Check(a, nil)))

	// The same assessment, checked against a results file whose accuracy
	// has changed since it was cited. (Its digest changed too; that is
	// reported on its own only when the cited values all still match.)
	dir, _ := os.MkdirTemp("", "risk")
	defer os.RemoveAll(dir)
	changed := []byte(`{"results": {"risk_arc_local": {"acc,none": 0.4, "acc_norm,none": 0.2}}, "n-samples": {"risk_arc_local": {"effective": 5}}}`)
	os.MkdirAll(dir+"/results", 0o755)
	os.WriteFile(dir+"/results/tiny-arc.json", changed, 0o644)
	for _, p := range risk.Check(a, &risk.CheckOptions{Dir: dir}) {
		fmt.Println(p.Kind, p.Field)
	}
	// Output:
	// problems: 0
	// value-changed steps.marginal_risk.evidence[0].values[0]
}
