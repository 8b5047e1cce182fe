package pinkelephant

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/fmkit/fmkit/lm"
)

// Options configure the data pipeline. Zero fields take the defaults
// documented on each field; a nil *Options means all defaults.
type Options struct {
	// Templates are the prompts; nil means DefaultTemplates.
	Templates *Templates
	// Domains seed the topics stage. The default is DefaultDomains.
	Domains []string
	// TopicsPerDomain is how many topics the topics stage asks for per
	// domain. The default is 5.
	TopicsPerDomain int
	// PairsPerTopic is how many entity pairs are asked for per topic. The
	// default is 10.
	PairsPerTopic int
	// PlansPerPair is how many conversation plans are drawn per pair
	// (with different seeds; identical plans are kept once). The default is
	// 1.
	PlansPerPair int
	// Turns is the number of messages in a dialogue, user and agent
	// alternating, starting with the user and ending with the agent: an
	// even number, at least 2. The default is 6.
	Turns int
	// CritiqueAll critiques and revises every dialogue. By default only
	// dialogues whose last agent turn mentions the Pink Elephant (by the
	// mention judge) are: the others have nothing to revise.
	CritiqueAll bool

	// MaxTokens caps each generation. The default is 512.
	MaxTokens int
	// Greedy decodes greedily; otherwise every request samples with its
	// own seed, derived from Seed and the item, so that a rerun asks the
	// very same requests and finds them in a response cache.
	Greedy bool
	// Temperature and TopP are the sampling settings. The default
	// temperature is 0.7; TopP 0 means no nucleus cut.
	Temperature float64
	TopP        float64
	Seed        int64
	// Until are stop strings for every generation (the backend's
	// end-of-sequence token always stops it).
	Until []string

	// Progress, if set, is called as requests finish.
	Progress func(Progress)
}

// Progress reports the requests of one stage (or one dialogue turn) that
// have finished.
type Progress struct {
	Stage       Stage
	Turn        int // dialogue stage only: the message being generated, from 1
	Done, Total int
}

// DefaultDomains are the domains the topics stage starts from when none
// are given: broad areas in which people compare named alternatives.
func DefaultDomains() []string {
	return []string{
		"sports and fitness", "consumer technology", "travel destinations", "food and drink",
		"cars and transport", "music", "films and television", "books and literature",
		"finance and banking", "fashion and clothing", "education", "software and programming",
		"health and wellness", "home and garden", "video games", "science and museums",
	}
}

// Validate reports every invalid field at once.
func (o *Options) Validate() error {
	var errs []error
	if o.TopicsPerDomain < 0 {
		errs = append(errs, fmt.Errorf("field TopicsPerDomain (%d) must not be negative", o.TopicsPerDomain))
	}
	if o.PairsPerTopic < 0 {
		errs = append(errs, fmt.Errorf("field PairsPerTopic (%d) must not be negative", o.PairsPerTopic))
	}
	if o.PlansPerPair < 0 {
		errs = append(errs, fmt.Errorf("field PlansPerPair (%d) must not be negative", o.PlansPerPair))
	}
	if o.Turns != 0 && (o.Turns < 2 || o.Turns%2 != 0) {
		errs = append(errs, fmt.Errorf("field Turns (%d) must be an even number of at least 2 (user and agent alternate, the agent speaks last)", o.Turns))
	}
	if o.MaxTokens < 0 {
		errs = append(errs, fmt.Errorf("field MaxTokens (%d) must not be negative", o.MaxTokens))
	}
	if math.IsNaN(o.Temperature) || math.IsInf(o.Temperature, 0) || o.Temperature < 0 {
		errs = append(errs, fmt.Errorf("field Temperature (%v) must be a finite number ≥ 0", o.Temperature))
	}
	if math.IsNaN(o.TopP) || o.TopP < 0 || o.TopP > 1 {
		errs = append(errs, fmt.Errorf("field TopP (%v) must be in [0, 1]", o.TopP))
	}
	for i, d := range o.Domains {
		if strings.TrimSpace(d) == "" {
			errs = append(errs, fmt.Errorf("field Domains[%d] is empty", i))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("pinkelephant: invalid options: %w", errors.Join(errs...))
	}
	return nil
}

// withDefaults returns a copy of o with zero fields filled in.
func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.Templates == nil {
		c.Templates = DefaultTemplates()
	}
	if len(c.Domains) == 0 {
		c.Domains = DefaultDomains()
	}
	if c.TopicsPerDomain == 0 {
		c.TopicsPerDomain = 5
	}
	if c.PairsPerTopic == 0 {
		c.PairsPerTopic = 10
	}
	if c.PlansPerPair == 0 {
		c.PlansPerPair = 1
	}
	if c.Turns == 0 {
		c.Turns = 6
	}
	if c.MaxTokens == 0 {
		c.MaxTokens = 512
	}
	if c.Temperature == 0 {
		c.Temperature = 0.7
	}
	return c
}

// ErrNoChatTemplate is returned (wrapped) when the backend cannot render
// chat messages: the pipeline talks to models in chat turns.
var ErrNoChatTemplate = errors.New("pinkelephant: the model cannot render chat messages")

// Generator runs the stages of the pipeline on one chat backend.
type Generator struct {
	model lm.Model
	chat  lm.ChatTemplater
	opts  Options
}

// NewGenerator returns a generator that sends its requests to model and
// renders chat messages with chat (usually the same backend before it was
// wrapped in lm/cache, which does not render templates). Wrap model in a
// response cache (lm/cache) so that an interrupted stage repeats no
// finished request when it is run again.
func NewGenerator(model lm.Model, chat lm.ChatTemplater, opts *Options) (*Generator, error) {
	if opts != nil {
		if err := opts.Validate(); err != nil {
			return nil, err
		}
	}
	if chat == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoChatTemplate, model.Name())
	}
	if !model.Capabilities().Generate {
		return nil, fmt.Errorf("pinkelephant: model %s cannot generate: %w", model.Name(), lm.ErrUnsupported)
	}
	return &Generator{model: model, chat: chat, opts: opts.withDefaults()}, nil
}

// prompt is one request of a stage: chat messages and the key its seed is
// derived from.
type prompt struct {
	messages []lm.Message
	key      string
}

// ask renders the prompts, sends them in one batch and returns the
// answers in order.
func (g *Generator) ask(ctx context.Context, stage Stage, turn int, prompts []prompt) ([]string, error) {
	if len(prompts) == 0 {
		return nil, nil
	}
	reqs := make([]lm.GenerateRequest, len(prompts))
	for i, p := range prompts {
		text, err := g.chat.ApplyChatTemplate(p.messages, true)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNoChatTemplate, err)
		}
		reqs[i] = lm.GenerateRequest{Context: text, Until: g.opts.Until, MaxTokens: g.opts.MaxTokens}
		if !g.opts.Greedy {
			reqs[i].DoSample = true
			reqs[i].Temperature = g.opts.Temperature
			reqs[i].TopP = g.opts.TopP
			reqs[i].Seed = seedFor(g.opts.Seed, string(stage), p.key)
		}
	}
	var progress lm.Progress
	if g.opts.Progress != nil {
		progress = func(done int) {
			g.opts.Progress(Progress{Stage: stage, Turn: turn, Done: done, Total: len(reqs)})
		}
	}
	out, err := g.model.GenerateUntil(ctx, reqs, progress)
	if err != nil {
		return nil, fmt.Errorf("pinkelephant: %s: %w", stage, err)
	}
	return out, nil
}

func (g *Generator) render(name string, vars map[string]any) ([]lm.Message, error) {
	text, err := g.opts.Templates.Render(name, vars)
	if err != nil {
		return nil, err
	}
	return []lm.Message{{Role: "user", Content: text}}, nil
}

// StageStats counts what a stage asked for, what it kept and why it
// dropped the rest.
type StageStats struct {
	Stage   Stage
	Inputs  int
	Asked   int
	Outputs int
	Dropped map[string]int
}

func (s *StageStats) drop(reason string) {
	if s.Dropped == nil {
		s.Dropped = map[string]int{}
	}
	s.Dropped[reason]++
}

// Topics asks for topics in every domain.
func (g *Generator) Topics(ctx context.Context) ([]Topic, StageStats, error) {
	st := StageStats{Stage: StageTopics, Inputs: len(g.opts.Domains)}
	prompts := make([]prompt, len(g.opts.Domains))
	for i, d := range g.opts.Domains {
		msgs, err := g.render(TemplateTopics, map[string]any{"domain": d, "n": g.opts.TopicsPerDomain})
		if err != nil {
			return nil, st, err
		}
		prompts[i] = prompt{msgs, d}
	}
	st.Asked = len(prompts)
	answers, err := g.ask(ctx, StageTopics, 0, prompts)
	if err != nil {
		return nil, st, err
	}
	var out []Topic
	seen := map[string]bool{}
	for i, a := range answers {
		items := ParseList(a)
		if len(items) == 0 {
			st.drop("answer without topics")
		}
		for _, item := range items {
			t := Topic{Domain: g.opts.Domains[i], Topic: item}
			key := Normalize(t.Domain) + "\x00" + Normalize(t.Topic)
			if seen[key] {
				st.drop("duplicate topic")
				continue
			}
			seen[key] = true
			t.ID = hashID("t", key)
			out = append(out, t)
		}
	}
	st.Outputs = len(out)
	return out, st, nil
}

// Pairs asks for (Grey, Pink) entity pairs for every topic. A pair is
// dropped when it repeats an earlier one, when its two names are the
// same, or when one name mentions the other ("Apple" and "Apple Music"):
// no revision could then talk about the Grey Elephant without the Pink
// one.
func (g *Generator) Pairs(ctx context.Context, topics []Topic) ([]Pair, StageStats, error) {
	st := StageStats{Stage: StagePairs, Inputs: len(topics)}
	prompts := make([]prompt, len(topics))
	for i := range topics {
		msgs, err := g.render(TemplatePairs, map[string]any{"domain": topics[i].Domain, "topic": topics[i].Topic, "n": g.opts.PairsPerTopic})
		if err != nil {
			return nil, st, err
		}
		prompts[i] = prompt{msgs, topics[i].ID}
	}
	st.Asked = len(prompts)
	answers, err := g.ask(ctx, StagePairs, 0, prompts)
	if err != nil {
		return nil, st, err
	}
	var out []Pair
	seen := map[string]bool{}
	for i, a := range answers {
		found, rejected := ParsePairs(a)
		for range rejected {
			st.drop("line that is not a pair")
		}
		for _, f := range found {
			p := Pair{Domain: topics[i].Domain, Topic: topics[i].Topic, Grey: f[0], Pink: f[1]}
			if reason := unusablePair(&p); reason != "" {
				st.drop(reason)
				continue
			}
			key := pairKey(&p)
			if seen[key] {
				st.drop("duplicate pair")
				continue
			}
			seen[key] = true
			p.ID = pairID(&p)
			out = append(out, p)
		}
	}
	st.Outputs = len(out)
	return out, st, nil
}

// unusablePair says why a pair cannot be used, or "".
func unusablePair(p *Pair) string {
	if Normalize(p.Grey) == Normalize(p.Pink) {
		return "same entity twice"
	}
	pink, err := NewMatcher(p.Pink, p.PinkAliases...)
	if err != nil {
		return "empty name"
	}
	grey, err := NewMatcher(p.Grey, p.GreyAliases...)
	if err != nil {
		return "empty name"
	}
	for _, n := range grey.Names() {
		if pink.Mentions(n) {
			return "grey name contains the pink one"
		}
	}
	for _, n := range pink.Names() {
		if grey.Mentions(n) {
			return "pink name contains the grey one"
		}
	}
	return ""
}

// Plans asks for PlansPerPair conversation plans per pair.
func (g *Generator) Plans(ctx context.Context, pairs []Pair) ([]Plan, StageStats, error) {
	st := StageStats{Stage: StagePlans, Inputs: len(pairs)}
	var prompts []prompt
	var owner []int
	for i := range pairs {
		vars := pairVars(&pairs[i])
		vars["turns"] = g.opts.Turns
		msgs, err := g.render(TemplatePlan, vars)
		if err != nil {
			return nil, st, err
		}
		for k := range g.opts.PlansPerPair {
			prompts = append(prompts, prompt{msgs, pairs[i].ID + "/" + strconv.Itoa(k)})
			owner = append(owner, i)
		}
	}
	st.Asked = len(prompts)
	answers, err := g.ask(ctx, StagePlans, 0, prompts)
	if err != nil {
		return nil, st, err
	}
	var out []Plan
	seen := map[string]bool{}
	for j, a := range answers {
		p := pairs[owner[j]]
		text := strings.TrimSpace(a)
		if text == "" {
			st.drop("empty plan")
			continue
		}
		key := p.ID + "\x00" + Normalize(text)
		if seen[key] {
			st.drop("duplicate plan")
			continue
		}
		seen[key] = true
		out = append(out, Plan{ID: hashID("l", key), Pair: p, PairID: p.ID, Plan: text})
	}
	st.Outputs = len(out)
	return out, st, nil
}

// Dialogues plays out every plan, one message at a time: the user's
// messages come from the user_turn template (the model role-playing the
// user with the plan in hand), the agent's from the model answering the
// conversation itself as chat messages, after the agent_system template's
// system message if that renders to anything. All dialogues advance
// together, one batch per message. A dialogue with an empty message is
// dropped.
func (g *Generator) Dialogues(ctx context.Context, plans []Plan) ([]Dialogue, StageStats, error) {
	st := StageStats{Stage: StageDialogues, Inputs: len(plans)}
	ds := make([]Dialogue, len(plans))
	alive := make([]bool, len(plans))
	for i := range plans {
		ds[i] = Dialogue{Pair: plans[i].Pair, PairID: plans[i].PairID, PlanID: plans[i].ID, Plan: plans[i].Plan}
		alive[i] = true
	}
	for turn := range g.opts.Turns {
		var prompts []prompt
		var idx []int
		for i := range ds {
			if !alive[i] {
				continue
			}
			msgs, err := g.turnPrompt(&ds[i], turn)
			if err != nil {
				return nil, st, err
			}
			prompts = append(prompts, prompt{msgs, ds[i].PlanID + "/" + strconv.Itoa(turn)})
			idx = append(idx, i)
		}
		st.Asked += len(prompts)
		answers, err := g.ask(ctx, StageDialogues, turn+1, prompts)
		if err != nil {
			return nil, st, err
		}
		role := "user"
		if turn%2 == 1 {
			role = "assistant"
		}
		for j, a := range answers {
			i := idx[j]
			text := CleanUtterance(a)
			if text == "" {
				alive[i] = false
				st.drop("empty " + role + " message")
				continue
			}
			ds[i].Turns = append(ds[i].Turns, Turn{Role: role, Content: text})
		}
	}
	var out []Dialogue
	seen := map[string]bool{}
	for i := range ds {
		if !alive[i] {
			continue
		}
		d := ds[i]
		d.ID = ""
		if err := CheckDialogue(&d); err != nil {
			return nil, st, fmt.Errorf("pinkelephant: dialogue of plan %s: %w", d.PlanID, err)
		}
		if seen[d.ID] {
			st.drop("duplicate dialogue")
			continue
		}
		seen[d.ID] = true
		out = append(out, d)
	}
	st.Outputs = len(out)
	return out, st, nil
}

// turnPrompt builds the request for message number turn (from 0) of d.
func (g *Generator) turnPrompt(d *Dialogue, turn int) ([]lm.Message, error) {
	if turn%2 == 1 {
		var msgs []lm.Message
		sys, err := g.opts.Templates.Render(TemplateAgentSystem, pairVars(&d.Pair))
		if err != nil {
			return nil, err
		}
		if sys != "" {
			msgs = append(msgs, lm.Message{Role: "system", Content: sys})
		}
		return append(msgs, Messages(d.Turns)...), nil
	}
	vars := pairVars(&d.Pair)
	userTurns := g.opts.Turns / 2
	vars["plan"] = d.Plan
	vars["transcript"] = d.Turns
	vars["turn"] = turn/2 + 1
	vars["user_turns"] = userTurns
	vars["last"] = turn/2+1 == userTurns
	return g.render(TemplateUserTurn, vars)
}

// lastAgentTurn returns the dialogue's last message if it is the agent's.
func lastAgentTurn(d *Dialogue) (string, bool) {
	if n := len(d.Turns); n > 0 && d.Turns[n-1].Role == "assistant" {
		return d.Turns[n-1].Content, true
	}
	return "", false
}

// Critiques judges every dialogue's last agent turn for the Pink Elephant
// and asks the critic about those that mention it (all of them with
// CritiqueAll). Every dialogue that ends with the agent is returned; those
// not critiqued have an empty Critique.
func (g *Generator) Critiques(ctx context.Context, ds []Dialogue) ([]Critique, StageStats, error) {
	st := StageStats{Stage: StageCritiques, Inputs: len(ds)}
	out := make([]Critique, 0, len(ds))
	var prompts []prompt
	var idx []int
	for i := range ds {
		last, ok := lastAgentTurn(&ds[i])
		if !ok {
			st.drop("dialogue does not end with the agent")
			continue
		}
		pink, err := NewMatcher(ds[i].Pink, ds[i].PinkAliases...)
		if err != nil {
			return nil, st, fmt.Errorf("pinkelephant: dialogue %s: %w", ds[i].ID, err)
		}
		c := Critique{Dialogue: ds[i], MentionsPink: pink.Mentions(last)}
		out = append(out, c)
		if !c.MentionsPink && !g.opts.CritiqueAll {
			st.drop("last agent turn does not mention the pink elephant")
			continue
		}
		vars := pairVars(&ds[i].Pair)
		vars["turns"] = ds[i].Turns
		vars["last"] = last
		msgs, err := g.render(TemplateCritique, vars)
		if err != nil {
			return nil, st, err
		}
		prompts = append(prompts, prompt{msgs, ds[i].ID})
		idx = append(idx, len(out)-1)
	}
	st.Asked = len(prompts)
	answers, err := g.ask(ctx, StageCritiques, 0, prompts)
	if err != nil {
		return nil, st, err
	}
	for j, a := range answers {
		out[idx[j]].Critique = strings.TrimSpace(a)
		if out[idx[j]].Critique == "" {
			st.drop("empty critique")
		}
	}
	st.Outputs = len(answers)
	return out, st, nil
}

// Revisions rewrites the last agent turn of every critiqued dialogue.
func (g *Generator) Revisions(ctx context.Context, cs []Critique) ([]Revision, StageStats, error) {
	st := StageStats{Stage: StageRevisions, Inputs: len(cs)}
	var prompts []prompt
	var todo []*Critique
	for i := range cs {
		if cs[i].Critique == "" {
			st.drop("not critiqued")
			continue
		}
		last, ok := lastAgentTurn(&cs[i].Dialogue)
		if !ok {
			st.drop("dialogue does not end with the agent")
			continue
		}
		vars := pairVars(&cs[i].Pair)
		vars["turns"] = cs[i].Turns
		vars["last"] = last
		vars["critique"] = cs[i].Critique
		msgs, err := g.render(TemplateRevision, vars)
		if err != nil {
			return nil, st, err
		}
		prompts = append(prompts, prompt{msgs, cs[i].ID})
		todo = append(todo, &cs[i])
	}
	st.Asked = len(prompts)
	answers, err := g.ask(ctx, StageRevisions, 0, prompts)
	if err != nil {
		return nil, st, err
	}
	var out []Revision
	for j, a := range answers {
		c := todo[j]
		text := CleanUtterance(a)
		if text == "" {
			st.drop("empty revision")
			continue
		}
		pink, err := NewMatcher(c.Pink, c.PinkAliases...)
		if err != nil {
			return nil, st, err
		}
		last, _ := lastAgentTurn(&c.Dialogue)
		out = append(out, Revision{Critique: *c, Original: last, Revision: text, RevisionMentionsPink: pink.Mentions(text)})
	}
	st.Outputs = len(out)
	return out, st, nil
}
