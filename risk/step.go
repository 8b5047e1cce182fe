package risk

import (
	"fmt"
	"strings"
)

// Step is one of the framework's six steps, in the paper's order.
type Step int

// The six steps of the framework (Kapoor et al., 2024, §5.1).
const (
	ThreatIdentification Step = iota // who misuses a model, how, and with what resources
	ExistingRisk                     // the risk society already bears without open models
	ExistingDefenses                 // the technical and regulatory defenses already in place
	MarginalRisk                     // evidence of the risk open release adds over a baseline
	EaseOfDefense                    // how readily defenses can adapt to the new risk
	Uncertainty                      // the assumptions and uncertainties the analysis rests on
)

// NumSteps is the number of steps in the framework.
const NumSteps = 6

// AllSteps returns the six steps in the paper's order.
func AllSteps() [NumSteps]Step {
	return [NumSteps]Step{ThreatIdentification, ExistingRisk, ExistingDefenses, MarginalRisk, EaseOfDefense, Uncertainty}
}

// Key is the step's field name in an assessment file and in JSON reports.
func (s Step) Key() string {
	switch s {
	case ThreatIdentification:
		return "threat_identification"
	case ExistingRisk:
		return "existing_risk"
	case ExistingDefenses:
		return "existing_defenses"
	case MarginalRisk:
		return "marginal_risk"
	case EaseOfDefense:
		return "ease_of_defense"
	case Uncertainty:
		return "uncertainty"
	}
	return fmt.Sprintf("step(%d)", int(s))
}

// Name is the step's column heading in the paper's Table 1.
func (s Step) Name() string {
	switch s {
	case ThreatIdentification:
		return "Threat identification"
	case ExistingRisk:
		return "Existing risk (absent open FMs)"
	case ExistingDefenses:
		return "Existing defenses (absent open FMs)"
	case MarginalRisk:
		return "Evidence of marginal risk"
	case EaseOfDefense:
		return "Ease of defense"
	case Uncertainty:
		return "Uncertainty/assumptions"
	}
	return s.Key()
}

// Question says, in a line, what the step asks of an analysis; templates
// and reports show it.
func (s Step) Question() string {
	switch s {
	case ThreatIdentification:
		return "What is the misuse vector, how would the misuse be carried out, and by whom, with what resources?"
	case ExistingRisk:
		return "How much of this risk does society already bear without open foundation models?"
	case ExistingDefenses:
		return "Which technical and regulatory defenses already address the risk, and how well?"
	case MarginalRisk:
		return "What evidence shows that open release adds risk over the baseline (the status quo, or e.g. an API-only release)?"
	case EaseOfDefense:
		return "How readily can defenses be built or adapted against the new risk?"
	case Uncertainty:
		return "Which assumptions and uncertainties does the analysis rest on, and how could they fail?"
	}
	return ""
}

// stepByKey finds a step from its Key.
func stepByKey(key string) (Step, bool) {
	for _, s := range AllSteps() {
		if s.Key() == key {
			return s, true
		}
	}
	return 0, false
}

// stepKeys lists the valid step keys for error messages.
func stepKeys() string {
	var keys []string
	for _, s := range AllSteps() {
		keys = append(keys, s.Key())
	}
	return strings.Join(keys, ", ")
}

// Grade says how fully an analysis addresses a step, as Table 1 marks it.
// The zero value means the step has not been graded.
type Grade int

// The grades of Table 1, and Ungraded.
const (
	Ungraded  Grade = iota // no grade given yet
	Absent                 // ○: the step is absent from the analysis
	Partial                // ◐: the step is partially addressed
	Addressed              // ●: the step is clearly addressed
)

// String is the grade's name in assessment files and JSON reports:
// "addressed", "partial" or "absent", and "" for Ungraded.
func (g Grade) String() string {
	switch g {
	case Absent:
		return "absent"
	case Partial:
		return "partial"
	case Addressed:
		return "addressed"
	}
	return ""
}

// Symbol is the grade's mark in the paper's table: ●, ◐ or ○, and – for
// Ungraded.
func (g Grade) Symbol() string {
	switch g {
	case Absent:
		return "○"
	case Partial:
		return "◐"
	case Addressed:
		return "●"
	}
	return "–"
}

// ParseGrade reads a grade's name. The paper's own words ("partially
// addressed") are accepted too.
func ParseGrade(s string) (Grade, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "addressed", "clearly addressed":
		return Addressed, nil
	case "partial", "partially addressed":
		return Partial, nil
	case "absent":
		return Absent, nil
	case "":
		return Ungraded, nil
	}
	return Ungraded, fmt.Errorf("%q is not a grade; expected addressed, partial or absent", s)
}

// Release is how a model's weights are, or would be, released.
type Release string

// The kinds of release an assessment can be about.
const (
	OpenWeights Release = "open-weights" // weights widely available for download
	APIOnly     Release = "api"          // served behind an API; weights kept
	Staged      Release = "staged"       // released in stages of growing access
	Closed      Release = "closed"       // not available outside the developer
	Unreleased  Release = "unreleased"   // a release still being decided on
)

func parseRelease(s string) (Release, error) {
	switch r := Release(s); r {
	case OpenWeights, APIOnly, Staged, Closed, Unreleased, "":
		return r, nil
	}
	return "", fmt.Errorf("%q is not a release kind; expected open-weights, api, staged, closed or unreleased", s)
}

// Level is a conclusion's judgement of the marginal risk.
type Level string

// Levels of marginal risk. Table 2 of the paper finds "low" for automated
// vulnerability detection and "considerable" for digitally altered
// intimate imagery.
const (
	LevelLow          Level = "low"
	LevelModerate     Level = "moderate"
	LevelConsiderable Level = "considerable"
	LevelHigh         Level = "high"
	LevelUnclear      Level = "unclear"
)

func parseLevel(s string) (Level, error) {
	switch l := Level(s); l {
	case LevelLow, LevelModerate, LevelConsiderable, LevelHigh, LevelUnclear, "":
		return l, nil
	}
	return "", fmt.Errorf("%q is not a level of marginal risk; expected low, moderate, considerable, high or unclear", s)
}

// Defense is a conclusion's judgement of how hard the new risk is to defend
// against.
type Defense string

// Judgements of defense.
const (
	DefenseFeasible Defense = "feasible" // defenses exist or can be built
	DefenseHard     Defense = "hard"     // plausible defenses seem hard
	DefenseUnclear  Defense = "unclear"
)

func parseDefense(s string) (Defense, error) {
	switch d := Defense(s); d {
	case DefenseFeasible, DefenseHard, DefenseUnclear, "":
		return d, nil
	}
	return "", fmt.Errorf("%q is not a judgement of defense; expected feasible, hard or unclear", s)
}
