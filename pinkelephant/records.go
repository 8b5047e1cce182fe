package pinkelephant

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"strings"

	"github.com/fmkit/fmkit/internal/atomicfile"
	"github.com/fmkit/fmkit/lm"
)

// Topic is one line of topics.jsonl: a subject within a domain that
// entity pairs are drawn from.
type Topic struct {
	ID     string `json:"id"`
	Domain string `json:"domain"`
	Topic  string `json:"topic"`
}

// Pair is one line of pairs.jsonl: the Grey Elephant a conversation is
// about and the Pink Elephant, a close alternative, that the agent should
// not mention. Aliases are other names of the same entity; the mention
// judge looks for all of them.
type Pair struct {
	ID          string   `json:"id"`
	Domain      string   `json:"domain"`
	Topic       string   `json:"topic,omitempty"`
	Grey        string   `json:"grey"`
	Pink        string   `json:"pink"`
	GreyAliases []string `json:"grey_aliases,omitempty"`
	PinkAliases []string `json:"pink_aliases,omitempty"`
}

// Plan is one line of plans.jsonl: how a conversation about the Grey
// Elephant drifts towards the Pink one.
type Plan struct {
	ID string `json:"id"`
	Pair
	PairID string `json:"pair_id"`
	Plan   string `json:"plan"`
}

// Turn is one utterance of a dialogue; Role is "user" or "assistant" (the
// agent), as chat messages name them.
type Turn struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Dialogue is one line of dialogues.jsonl (and of a test set): a
// conversation between a user and the agent, alternating and starting with
// the user. In generated dialogues the last turn is the agent's; a test set
// may end with the user's turn instead.
type Dialogue struct {
	ID string `json:"id"`
	Pair
	PairID string `json:"pair_id"`
	PlanID string `json:"plan_id,omitempty"`
	Plan   string `json:"plan,omitempty"`
	Turns  []Turn `json:"turns"`
}

// Critique is one line of critiques.jsonl: the critic's reading of the
// agent's last utterance, and whether the mention judge finds the Pink
// Elephant in it.
type Critique struct {
	Dialogue
	Critique     string `json:"critique"`
	MentionsPink bool   `json:"mentions_pink"`
}

// Revision is one line of revisions.jsonl: the agent's last utterance
// (Original) rewritten to steer back to the Grey Elephant.
type Revision struct {
	Critique
	Original string `json:"original"`
	Revision string `json:"revision"`
	// RevisionMentionsPink is the mention judge's verdict on the revision.
	RevisionMentionsPink bool `json:"revision_mentions_pink"`
}

// Preference is one line of the DPO trainer's input (dpf.jsonl): the
// conversation up to the last user turn as chat messages, the revision as
// the chosen response and the original last turn as the rejected one.
type Preference struct {
	Prompt   []Turn `json:"prompt"`
	Chosen   string `json:"chosen"`
	Rejected string `json:"rejected"`
	// ID, Domain, Pink and Grey say where the pair came from; the trainer
	// ignores them.
	ID     string `json:"id"`
	Domain string `json:"domain"`
	Pink   string `json:"pink"`
	Grey   string `json:"grey"`
}

// Messages returns the turns as lm chat messages.
func Messages(turns []Turn) []lm.Message {
	out := make([]lm.Message, len(turns))
	for i, t := range turns {
		out[i] = lm.Message{Role: t.Role, Content: t.Content}
	}
	return out
}

// LineError is a JSONL line that cannot be read; it names the file and
// line.
type LineError struct {
	File string
	Line int
	Err  error
}

func (e *LineError) Error() string {
	return fmt.Sprintf("pinkelephant: %s line %d: %v", e.File, e.Line, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// ErrMissingField is wrapped by a LineError for a record that lacks a
// required field.
var ErrMissingField = errors.New("missing field")

// ReadJSONL reads a JSONL file of records of type T, one per non-blank
// line; check (if not nil) validates each one. Unknown fields are errors,
// so that a file of another stage is not read as this one.
func ReadJSONL[T any](path string, check func(*T) error) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pinkelephant: %w", err)
	}
	defer f.Close()
	return DecodeJSONL(f, path, check)
}

// DecodeJSONL is ReadJSONL on a reader; name is used in errors.
func DecodeJSONL[T any](r io.Reader, name string, check func(*T) error) ([]T, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	var out []T
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var v T
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			return nil, &LineError{File: name, Line: line, Err: err}
		}
		if dec.More() {
			return nil, &LineError{File: name, Line: line, Err: errors.New("more than one JSON value on the line")}
		}
		if check != nil {
			if err := check(&v); err != nil {
				return nil, &LineError{File: name, Line: line, Err: err}
			}
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("pinkelephant: read %s: %w", name, err)
	}
	return out, nil
}

// WriteJSONL writes records one per line, atomically.
func WriteJSONL[T any](path string, recs []T) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		for i := range recs {
			if err := enc.Encode(&recs[i]); err != nil {
				return err
			}
		}
		return bw.Flush()
	})
}

func need(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%w %q", ErrMissingField, field)
	}
	return nil
}

// CheckTopic validates a topics.jsonl record.
func CheckTopic(t *Topic) error {
	return errors.Join(need("domain", t.Domain), need("topic", t.Topic))
}

// CheckPair validates a pairs.jsonl record, filling in a missing id.
func CheckPair(p *Pair) error {
	if err := errors.Join(need("domain", p.Domain), need("grey", p.Grey), need("pink", p.Pink)); err != nil {
		return err
	}
	if p.ID == "" {
		p.ID = pairID(p)
	}
	return nil
}

// CheckPlan validates a plans.jsonl record.
func CheckPlan(p *Plan) error {
	// The pair's own "id" is shadowed by the plan's in JSON; pair_id
	// carries it.
	p.Pair.ID = p.PairID
	if err := errors.Join(CheckPair(&p.Pair), need("id", p.ID), need("plan", p.Plan)); err != nil {
		return err
	}
	p.PairID = p.Pair.ID
	return nil
}

// CheckDialogue validates a dialogue: the pair's fields and turns that
// alternate user, assistant, ..., starting with the user. A missing id is
// filled in from the content.
func CheckDialogue(d *Dialogue) error {
	d.Pair.ID = d.PairID
	if err := CheckPair(&d.Pair); err != nil {
		return err
	}
	d.PairID = d.Pair.ID
	if len(d.Turns) == 0 {
		return fmt.Errorf("%w \"turns\"", ErrMissingField)
	}
	for i, t := range d.Turns {
		want := "user"
		if i%2 == 1 {
			want = "assistant"
		}
		if t.Role != want {
			return fmt.Errorf("turn %d has role %q, expected %q (turns alternate user, assistant, starting with the user)", i, t.Role, want)
		}
	}
	if d.ID == "" {
		var b strings.Builder
		for _, t := range d.Turns {
			b.WriteString(t.Role + "\x00" + t.Content + "\x00")
		}
		d.ID = hashID("d", d.Pair.ID, b.String())
	}
	return nil
}

// hashID derives a short stable identifier from parts.
func hashID(prefix string, parts ...string) string {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return fmt.Sprintf("%s%012x", prefix, h.Sum64()&(1<<48-1))
}

// pairKey identifies a pair for deduplication: the two normalized names.
func pairKey(p *Pair) string { return Normalize(p.Grey) + "\x00" + Normalize(p.Pink) }

func pairID(p *Pair) string { return hashID("p", pairKey(p)) }

// seedFor derives a request's sampling seed from the run's seed and the
// item, so that a rerun asks for exactly the same sample (and finds it in
// the cache).
func seedFor(base int64, parts ...string) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d", base)
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return int64(h.Sum64() & (1<<31 - 1))
}
