package ifeval

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/fmkit/fmkit/eval/ifeval/internal/langdetect"
	"github.com/fmkit/fmkit/eval/ifeval/internal/nltk"
	"github.com/fmkit/fmkit/internal/py"
)

// ErrUnknownInstruction is returned for an instruction id that lm-eval's
// INSTRUCTION_DICT does not hold.
var ErrUnknownInstruction = errors.New("unknown instruction")

// ErrArgument is returned for an instruction argument that is missing,
// of the wrong type or out of range, or that the instruction does not
// take.
var ErrArgument = errors.New("bad instruction argument")

// DefaultLanguageSeed seeds langdetect's generator (see Checker.LanguageSeed).
const DefaultLanguageSeed = 0

// Input is one IFEval prompt: its instructions and their keyword arguments
// (one map per instruction, as the dataset's kwargs column holds them).
type Input struct {
	Prompt         string
	InstructionIDs []string
	Kwargs         []map[string]any
}

// Result is the verdict on one response: each instruction followed or
// not, and whether all were.
type Result struct {
	FollowAll bool
	Follow    []bool
}

// Checker checks responses against IFEval instructions. It holds the
// tokenizers and the language identifier; it is safe for concurrent use.
type Checker struct {
	sents *nltk.SentenceTokenizer
	words *nltk.WordTokenizer
	lang  *langdetect.Detector
	// LanguageSeed seeds langdetect's random draws for each text. lm-eval
	// leaves langdetect unseeded, so its answers on texts whose languages
	// are close vary between runs; the default, 0, is the seed
	// langdetect's documentation recommends for reproducible results.
	LanguageSeed int64
}

// New returns a Checker. The first call parses the embedded Punkt
// parameters and language profiles (about a second).
func New() (*Checker, error) {
	sents, err := nltk.English()
	if err != nil {
		return nil, fmt.Errorf("ifeval: %w", err)
	}
	words, err := nltk.NewWordTokenizer(sents)
	if err != nil {
		return nil, fmt.Errorf("ifeval: %w", err)
	}
	lang, err := langdetect.New()
	if err != nil {
		return nil, fmt.Errorf("ifeval: %w", err)
	}
	return &Checker{sents: sents, words: words, lang: lang, LanguageSeed: DefaultLanguageSeed}, nil
}

// Instructions returns the instruction ids the checker knows, sorted.
func Instructions() []string {
	var ids []string
	for id := range builders {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// detect is langdetect.detect; ok is false when langdetect finds nothing
// to judge (its LangDetectException).
func (c *Checker) detect(s string) (lang string, ok bool, err error) {
	lang, err = c.lang.Detect(s, c.LanguageSeed)
	if errors.Is(err, langdetect.ErrNoFeatures) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("ifeval: %w", err)
	}
	return lang, true, nil
}

// build reads the arguments of every instruction of in.
func build(in Input) ([]check, error) {
	if len(in.Kwargs) != len(in.InstructionIDs) {
		return nil, fmt.Errorf("ifeval: %d instructions but %d kwargs: %w", len(in.InstructionIDs), len(in.Kwargs), ErrArgument)
	}
	checks := make([]check, len(in.InstructionIDs))
	for i, id := range in.InstructionIDs {
		b, ok := builders[id]
		if !ok {
			return nil, fmt.Errorf("ifeval: instruction %q: %w", id, ErrUnknownInstruction)
		}
		a := newArgs(id, in.Kwargs[i])
		ch, err := b(a)
		if err != nil {
			return nil, err
		}
		if err := a.done(); err != nil {
			return nil, err
		}
		checks[i] = ch
	}
	return checks, nil
}

// Strict is test_instruction_following_strict: each instruction checked
// on the response as it is (a blank response follows nothing).
func (c *Checker) Strict(in Input, response string) (Result, error) {
	return c.follow(in, []string{response})
}

// Loose is test_instruction_following_loose: an instruction is followed
// when any of eight variants of the response follows it (as is, without
// its first line, last line or both, each also without asterisks).
func (c *Checker) Loose(in Input, response string) (Result, error) {
	lines := strings.Split(response, "\n")
	join := func(l []string) string { return py.Strip(strings.Join(l, "\n"), nil) }
	first, last := join(lines[1:]), join(lines[:len(lines)-1])
	both := ""
	if len(lines) > 2 {
		both = join(lines[1 : len(lines)-1])
	}
	noStars := func(s string) string { return strings.ReplaceAll(s, "*", "") }
	return c.follow(in, []string{response, noStars(response), first, last, both, noStars(first), noStars(last), noStars(both)})
}

func (c *Checker) follow(in Input, variants []string) (Result, error) {
	checks, err := build(in)
	if err != nil {
		return Result{}, err
	}
	res := Result{FollowAll: true, Follow: make([]bool, len(checks))}
	for i, ch := range checks {
		for _, v := range variants {
			if py.Strip(v, nil) == "" {
				continue
			}
			ok, err := ch(c, v)
			if err != nil {
				return Result{}, fmt.Errorf("ifeval: %s: %w", in.InstructionIDs[i], err)
			}
			if ok {
				res.Follow[i] = true
				break
			}
		}
		res.FollowAll = res.FollowAll && res.Follow[i]
	}
	return res, nil
}

// InstructionAccuracy is agg_inst_level_acc: the share of followed
// instructions over all prompts' instructions.
func InstructionAccuracy(follow [][]bool) (float64, error) {
	n, k := 0, 0
	for _, f := range follow {
		for _, ok := range f {
			n++
			if ok {
				k++
			}
		}
	}
	if n == 0 {
		return 0, errors.New("ifeval: instruction accuracy of no instructions")
	}
	return float64(k) / float64(n), nil
}
