package pinkelephant

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"path/filepath"
	"slices"
	"strings"
)

// Stage is one step of the data pipeline.
type Stage string

// The stages, in order. Each writes one JSONL file named after it in the
// run's folder (export writes dpf.jsonl and test.jsonl).
const (
	StageTopics    Stage = "topics"
	StagePairs     Stage = "pairs"
	StagePlans     Stage = "plans"
	StageDialogues Stage = "dialogues"
	StageCritiques Stage = "critiques"
	StageRevisions Stage = "revisions"
	StageExport    Stage = "export"
)

// Stages returns every stage in pipeline order.
func Stages() []Stage {
	return []Stage{StageTopics, StagePairs, StagePlans, StageDialogues, StageCritiques, StageRevisions, StageExport}
}

// ErrUnknownStage is returned (wrapped) by ParseStage.
var ErrUnknownStage = errors.New("pinkelephant: unknown stage")

// ParseStage parses a stage name.
func ParseStage(s string) (Stage, error) {
	for _, st := range Stages() {
		if string(st) == s {
			return st, nil
		}
	}
	names := make([]string, 0, 7)
	for _, st := range Stages() {
		names = append(names, string(st))
	}
	return "", fmt.Errorf("%w %q (expected one of %s)", ErrUnknownStage, s, strings.Join(names, ", "))
}

// File returns the file a stage writes in the run's folder.
func (s Stage) File() string {
	if s == StageExport {
		return "dpf.jsonl"
	}
	return string(s) + ".jsonl"
}

// TestFile is the held-out dialogues the export stage writes beside
// dpf.jsonl.
const TestFile = "test.jsonl"

// ExportOptions configure the export to the DPO trainer.
type ExportOptions struct {
	// Templates render the avoidance instruction; nil means the defaults.
	Templates *Templates
	// NoInstruction leaves the avoidance instruction out of the prompts.
	// By default each prompt starts with it as a system message, so that
	// the trained model learns to follow the instruction (the behaviour
	// evaluated with the instruction on) rather than to avoid one entity
	// unconditionally.
	NoInstruction bool
	// KeepAll exports every revision. By default a pair is exported only
	// when the mention judge finds the Pink Elephant in the original turn
	// and not in the revision.
	KeepAll bool
	// TestFraction is the share of entity pairs held out: their dialogues
	// go to test.jsonl, not to the training pairs, so that an evaluation
	// on them measures avoidance of entities never trained on. Zero holds
	// nothing out.
	TestFraction float64
}

// Validate reports every invalid field at once.
func (o *ExportOptions) Validate() error {
	if math.IsNaN(o.TestFraction) || o.TestFraction < 0 || o.TestFraction >= 1 {
		return fmt.Errorf("pinkelephant: invalid export options: TestFraction (%v) must be in [0, 1)", o.TestFraction)
	}
	return nil
}

// heldOut says whether a pair belongs to the test split: a hash of its
// names, so that the split does not depend on the order or number of
// pairs.
func heldOut(p *Pair, fraction float64) bool {
	if fraction <= 0 {
		return false
	}
	h := fnv.New64a()
	h.Write([]byte(pairKey(p)))
	return float64(h.Sum64()>>11)/(1<<53) < fraction
}

// Export turns revisions into DPO preference pairs: the prompt is the
// dialogue up to its last user turn (after the avoidance instruction as a
// system message, unless NoInstruction), chosen is the revision and
// rejected the original last agent turn. The dialogues of held-out pairs
// (all of dialogues, revised or not) are returned as the test set.
func Export(revs []Revision, dialogues []Dialogue, opts *ExportOptions) ([]Preference, []Dialogue, StageStats, error) {
	var o ExportOptions
	if opts != nil {
		o = *opts
	}
	st := StageStats{Stage: StageExport, Inputs: len(revs)}
	if err := o.Validate(); err != nil {
		return nil, nil, st, err
	}
	if o.Templates == nil {
		o.Templates = DefaultTemplates()
	}
	var train []Preference
	for i := range revs {
		r := &revs[i]
		switch {
		case heldOut(&r.Pair, o.TestFraction):
			st.drop("pair held out for testing")
			continue
		case !o.KeepAll && !r.MentionsPink:
			st.drop("original does not mention the pink elephant")
			continue
		case !o.KeepAll && r.RevisionMentionsPink:
			st.drop("revision mentions the pink elephant")
			continue
		case r.Revision == r.Original:
			st.drop("revision equals the original")
			continue
		}
		prompt := slices.Clone(r.Turns[:len(r.Turns)-1])
		if !o.NoInstruction {
			instr, err := o.Templates.Render(TemplateInstruction, pairVars(&r.Pair))
			if err != nil {
				return nil, nil, st, err
			}
			prompt = append([]Turn{{Role: "system", Content: instr}}, prompt...)
		}
		train = append(train, Preference{Prompt: prompt, Chosen: r.Revision, Rejected: r.Original,
			ID: r.ID, Domain: r.Domain, Pink: r.Pink, Grey: r.Grey})
	}
	var test []Dialogue
	for i := range dialogues {
		if heldOut(&dialogues[i].Pair, o.TestFraction) {
			test = append(test, dialogues[i])
		}
	}
	st.Outputs = len(train)
	return train, test, st, nil
}

// RunOptions say which stages Run runs and where.
type RunOptions struct {
	// Dir holds the stage files; the stage before From must have left its
	// file there (for From = pairs, a topics.jsonl; for plans, a
	// pairs.jsonl written by hand will do).
	Dir string
	// From and To bound the stages run; empty means the first and the
	// last.
	From, To Stage
	Export   ExportOptions
}

// Run runs stages From through To, each reading the file of the stage
// before it and writing its own atomically when it is done. Nothing is
// kept of a stage that is interrupted except what the model's response
// cache holds, which is everything it asked: rerunning it asks nothing
// twice. It returns each stage's counts.
func Run(ctx context.Context, g *Generator, ro RunOptions) ([]StageStats, error) {
	if ro.From == "" {
		ro.From = StageTopics
	}
	if ro.To == "" {
		ro.To = StageExport
	}
	all := Stages()
	from, to := slices.Index(all, ro.From), slices.Index(all, ro.To)
	if from < 0 || to < 0 || from > to {
		return nil, fmt.Errorf("pinkelephant: stages %q to %q: expected two stages in pipeline order", ro.From, ro.To)
	}
	if err := ro.Export.Validate(); err != nil {
		return nil, err
	}
	if ro.Export.Templates == nil {
		ro.Export.Templates = g.opts.Templates
	}
	r := &runner{g: g, dir: ro.Dir, exp: ro.Export}
	var stats []StageStats
	for _, s := range all[from : to+1] {
		st, err := r.stage(ctx, s)
		if err != nil {
			return stats, err
		}
		stats = append(stats, st)
	}
	return stats, nil
}

// runner holds the records of the stages run so far, so that each stage
// reads its input from memory when the stage before ran in the same Run.
type runner struct {
	g   *Generator
	dir string
	exp ExportOptions

	topics    []Topic
	pairs     []Pair
	plans     []Plan
	dialogues []Dialogue
	critiques []Critique
	revisions []Revision
}

func (r *runner) path(s Stage) string { return filepath.Join(r.dir, s.File()) }

func (r *runner) stage(ctx context.Context, s Stage) (StageStats, error) {
	var st StageStats
	var err error
	switch s {
	case StageTopics:
		if r.topics, st, err = r.g.Topics(ctx); err == nil {
			err = WriteJSONL(r.path(s), r.topics)
		}
	case StagePairs:
		if err = load(r.path(StageTopics), &r.topics, CheckTopic); err != nil {
			return st, err
		}
		if r.pairs, st, err = r.g.Pairs(ctx, r.topics); err == nil {
			err = WriteJSONL(r.path(s), r.pairs)
		}
	case StagePlans:
		if err = load(r.path(StagePairs), &r.pairs, CheckPair); err != nil {
			return st, err
		}
		if r.plans, st, err = r.g.Plans(ctx, r.pairs); err == nil {
			err = WriteJSONL(r.path(s), r.plans)
		}
	case StageDialogues:
		if err = load(r.path(StagePlans), &r.plans, CheckPlan); err != nil {
			return st, err
		}
		if r.dialogues, st, err = r.g.Dialogues(ctx, r.plans); err == nil {
			err = WriteJSONL(r.path(s), r.dialogues)
		}
	case StageCritiques:
		if err = load(r.path(StageDialogues), &r.dialogues, CheckDialogue); err != nil {
			return st, err
		}
		if r.critiques, st, err = r.g.Critiques(ctx, r.dialogues); err == nil {
			err = WriteJSONL(r.path(s), r.critiques)
		}
	case StageRevisions:
		if err = load(r.path(StageCritiques), &r.critiques, checkCritique); err != nil {
			return st, err
		}
		if r.revisions, st, err = r.g.Revisions(ctx, r.critiques); err == nil {
			err = WriteJSONL(r.path(s), r.revisions)
		}
	case StageExport:
		err = r.export(&st)
	}
	return st, err
}

func (r *runner) export(st *StageStats) error {
	if err := load(r.path(StageRevisions), &r.revisions, checkRevision); err != nil {
		return err
	}
	if err := load(r.path(StageDialogues), &r.dialogues, CheckDialogue); err != nil {
		return err
	}
	train, test, s, err := Export(r.revisions, r.dialogues, &r.exp)
	*st = s
	if err != nil {
		return err
	}
	if err := WriteJSONL(r.path(StageExport), train); err != nil {
		return err
	}
	if r.exp.TestFraction > 0 {
		return WriteJSONL(filepath.Join(r.dir, TestFile), test)
	}
	return nil
}

// load reads a stage file into *recs unless an earlier stage of this run
// has filled it already.
func load[T any](path string, recs *[]T, check func(*T) error) error {
	if *recs != nil {
		return nil
	}
	v, err := ReadJSONL(path, check)
	if err != nil {
		return err
	}
	if v == nil {
		v = []T{}
	}
	*recs = v
	return nil
}

func checkCritique(c *Critique) error { return CheckDialogue(&c.Dialogue) }

func checkRevision(r *Revision) error {
	if err := checkCritique(&r.Critique); err != nil {
		return err
	}
	return errors.Join(need("original", r.Original), need("revision", r.Revision))
}
