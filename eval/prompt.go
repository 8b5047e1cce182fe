package eval

import (
	"fmt"
	"unicode/utf8"

	"github.com/fmkit/fmkit/data"
	"github.com/fmkit/fmkit/internal/py"
	"github.com/fmkit/fmkit/lm"
)

// PromptOptions are the run-wide prompt settings.
type PromptOptions struct {
	SystemInstruction string
	// ChatTemplate, when set, renders the prompt as chat messages
	// (--apply-chat-template).
	ChatTemplate lm.ChatTemplater
	// FewshotAsMultiturn keeps few-shot examples as separate turns.
	FewshotAsMultiturn bool
}

type message struct {
	role, content, delim string
}

// qaTurn is lm-eval's build_qa_turn.
func qaTurn(q string, choices []string, a any, hasAnswer bool, genPrefix, tgtDelim, fewDelim string) ([]message, error) {
	userDelim := ""
	if hasAnswer && genPrefix == "" {
		userDelim = tgtDelim
	} else if genPrefix != "" && requiresDelimiter(q, genPrefix) {
		userDelim = tgtDelim
	}
	msgs := []message{{"user", q, userDelim}}
	if hasAnswer {
		text, err := answerText(a, choices)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, message{"assistant", maybeDelimit(genPrefix, text, " "), fewDelim})
	} else if genPrefix != "" {
		msgs = append(msgs, message{"assistant", genPrefix, ""})
	}
	return msgs, nil
}

func hasAnswer(a any) bool {
	if a == nil {
		return false
	}
	if s, ok := a.(string); ok {
		return s != ""
	}
	return true
}

func isSpaceRune(s string, last bool) bool {
	var r rune
	if last {
		r, _ = utf8.DecodeLastRuneInString(s)
	} else {
		r, _ = utf8.DecodeRuneInString(s)
	}
	return py.IsSpace(r)
}

// maybeDelimit joins with delimiter unless either side has whitespace at
// the join.
func maybeDelimit(prefix, suffix, delimiter string) string {
	if prefix == "" {
		return suffix
	}
	if suffix == "" {
		return prefix
	}
	if isSpaceRune(prefix, true) || isSpaceRune(suffix, false) {
		return prefix + suffix
	}
	return prefix + delimiter + suffix
}

func requiresDelimiter(prefix, suffix string) bool {
	if prefix == "" {
		return false
	}
	return !(isSpaceRune(prefix, true) || (suffix != "" && isSpaceRune(suffix, false)))
}

// fewshotTurn caches one few-shot document's rendered turn.
type fewshotTurn struct {
	msgs []message
	err  error
}

// promptBuilder builds the contexts of one task's documents in order; the
// sampler's random state advances per document exactly as lm-eval's does.
type promptBuilder struct {
	t          *Task
	opts       PromptOptions
	numFewshot int
	rnd        *py.Random
	turns      map[int]*fewshotTurn
}

func newPromptBuilder(t *Task, opts PromptOptions, set settings) *promptBuilder {
	return &promptBuilder{t: t, opts: opts, numFewshot: set.numFewshot, rnd: py.NewRandom(set.fewshotSeed), turns: map[int]*fewshotTurn{}}
}

func (b *promptBuilder) turn(i int) ([]message, error) {
	if ft, ok := b.turns[i]; ok {
		return ft.msgs, ft.err
	}
	t, fc := b.t, &b.t.Config.Fewshot
	doc := t.fewshotDocs[i]
	ft := &fewshotTurn{}
	q, err := t.docText(doc, fc.DocToText)
	if err == nil {
		var choices []string
		if fc.DocToChoice != nil {
			choices, err = t.docChoices(doc, fc.DocToChoice)
		}
		var a any
		if err == nil {
			a, err = t.docTarget(doc, fc.DocToTarget)
		}
		if err == nil && t.multipleInput {
			// For multiple inputs doc_to_text is the index of the right
			// choice, and the example shows that choice's text as its
			// question: q = c[q], no choices.
			q, err = choiceAt(q, choices)
			choices = nil
		}
		if err == nil {
			qs, ok := q.(string)
			if !ok {
				err = fmt.Errorf("few-shot doc_to_text gave %s, expected text", describe(q))
			} else {
				genPrefix, gerr := t.genPrefix(doc, fc.GenPrefix)
				err = gerr
				if err == nil {
					ft.msgs, err = qaTurn(qs, choices, a, hasAnswer(a), genPrefix, fc.TargetDelimiter, fc.FewshotDelimiter)
				}
			}
		}
	}
	if err != nil {
		ft.err = fmt.Errorf("few-shot example %d: %w", i, err)
	}
	b.turns[i] = ft
	return ft.msgs, ft.err
}

func (t *Task) genPrefix(doc data.Doc, spec string) (string, error) {
	if spec == "" {
		return "", nil
	}
	if v, ok := doc.Get(spec); ok {
		return py.Str(v), nil
	}
	tp, err := t.template(spec)
	if err != nil {
		return "", err
	}
	return tp.Render(doc)
}

// sample returns the indices of the few-shot documents for one evaluation
// document (lm-eval's ContextSampler / FirstNSampler).
func (b *promptBuilder) sample(doc data.Doc, n int) ([]int, error) {
	t := b.t
	pool := t.fewshotDocs
	exclude := t.Config.Fewshot.Split == t.Config.TestSplit
	if t.Config.Fewshot.Sampler == "first_n" {
		var idx []int
		for i := range pool {
			if exclude && data.Equal(pool[i], doc) {
				continue
			}
			idx = append(idx, i)
		}
		if n > len(idx) {
			return nil, fmt.Errorf("%d few-shot examples requested but only %d are available", n, len(idx))
		}
		return idx[:n], nil
	}
	k := n
	if exclude {
		k = n + 1
	}
	if len(pool) == 0 {
		return nil, fmt.Errorf("no documents available for few-shot sampling")
	}
	if k > len(pool) {
		return nil, fmt.Errorf("%d few-shot examples requested (sample of %d) but the few-shot split has %d documents", n, k, len(pool))
	}
	picked := b.rnd.SampleIndices(len(pool), k)
	if !exclude {
		return picked, nil
	}
	out := make([]int, 0, n)
	for _, i := range picked {
		if !data.Equal(pool[i], doc) {
			out = append(out, i)
		}
	}
	if len(out) > n {
		out = out[:n]
	}
	if len(out) != n {
		return nil, fmt.Errorf("number of few-shot samples (%d) not equal to the number requested (%d)", len(out), n)
	}
	return out, nil
}

// choiceAt returns choices[i] for a multiple-input document's index.
func choiceAt(i any, choices []string) (string, error) {
	n, ok := i.(int64)
	if !ok {
		return "", fmt.Errorf("doc_to_text gave %s, but this is a multiple-input task: expected the index of a choice", describe(i))
	}
	if n < 0 || n >= int64(len(choices)) {
		return "", fmt.Errorf("doc_to_text index %d is out of range for %d choices", n, len(choices))
	}
	return choices[n], nil
}

// contexts builds the prompts of one evaluation document (lm-eval's
// fewshot_context): one prompt, or for a multiple-input task one prompt per
// choice, each ending in that choice's text.
func (b *promptBuilder) contexts(doc data.Doc) ([]string, error) {
	t := b.t
	var msgs []message
	description := ""
	if d := t.Config.Description; d != "" {
		if v, ok := doc.Get(d); ok {
			description = py.Str(v)
		} else {
			tp, err := t.template(d)
			if err != nil {
				return nil, err
			}
			if description, err = tp.Render(doc); err != nil {
				return nil, fmt.Errorf("description: %w", err)
			}
		}
	}
	if sys := maybeDelimit(b.opts.SystemInstruction, description, t.Config.FewshotDelimiter); sys != "" {
		msgs = append(msgs, message{"system", sys, ""})
	}
	if b.numFewshot > 0 {
		idx, err := b.sample(doc, b.numFewshot)
		if err != nil {
			return nil, err
		}
		for _, i := range idx {
			turn, err := b.turn(i)
			if err != nil {
				return nil, err
			}
			msgs = append(msgs, turn...)
		}
	}
	genPrefix, err := t.genPrefix(doc, t.Config.GenPrefix)
	if err != nil {
		return nil, fmt.Errorf("gen_prefix: %w", err)
	}
	if t.multipleInput {
		// lm-eval's multiple_input_context: the shared messages, then each
		// choice as the question, with no target delimiter after it.
		choices, err := t.docChoices(doc, t.Config.DocToChoice)
		if err != nil {
			return nil, err
		}
		out := make([]string, len(choices))
		for i, c := range choices {
			turn, _ := qaTurn(c, nil, nil, false, genPrefix, "", "")
			if out[i], err = b.render(append(msgs[:len(msgs):len(msgs)], turn...), genPrefix); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	q, err := t.docText(doc, t.Config.DocToText)
	if err != nil {
		return nil, fmt.Errorf("doc_to_text: %w", err)
	}
	qs, ok := q.(string)
	if !ok {
		return nil, fmt.Errorf("doc_to_text gave %s, expected text", describe(q))
	}
	turn, _ := qaTurn(qs, nil, nil, false, genPrefix, t.Config.TargetDelimiter, "")
	one, err := b.render(append(msgs, turn...), genPrefix)
	if err != nil {
		return nil, err
	}
	return []string{one}, nil
}

// render joins messages as plain text, or through the chat template.
func (b *promptBuilder) render(msgs []message, genPrefix string) (string, error) {
	if b.opts.ChatTemplate != nil {
		return b.chat(msgs, genPrefix == "")
	}
	n := 0
	for _, m := range msgs {
		n += len(m.content) + len(m.delim)
	}
	out := make([]byte, 0, n)
	for _, m := range msgs {
		out = append(out, m.content...)
		out = append(out, m.delim...)
	}
	return string(out), nil
}

// chat renders messages with the model's chat template, collapsing the
// few-shot turns into one user message unless FewshotAsMultiturn.
func (b *promptBuilder) chat(msgs []message, addGenerationPrompt bool) (string, error) {
	var out []lm.Message
	if b.opts.FewshotAsMultiturn {
		for _, m := range msgs {
			out = append(out, lm.Message{Role: m.role, Content: m.content})
		}
	} else {
		rest := msgs
		if len(rest) > 0 && rest[0].role == "system" {
			out = append(out, lm.Message{Role: "system", Content: rest[0].content})
			rest = rest[1:]
		}
		var last *message
		if len(rest) > 0 && rest[len(rest)-1].role == "assistant" {
			last = &rest[len(rest)-1]
			rest = rest[:len(rest)-1]
		}
		text := ""
		for i, m := range rest {
			text += m.content
			if i < len(rest)-1 {
				text += m.delim
			}
		}
		out = append(out, lm.Message{Role: "user", Content: text})
		if last != nil {
			out = append(out, lm.Message{Role: "assistant", Content: last.content})
		}
	}
	return b.opts.ChatTemplate.ApplyChatTemplate(out, addGenerationPrompt)
}
