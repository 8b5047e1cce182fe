package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/fmkit/fmkit/nn"
	"github.com/fmkit/fmkit/tokenizer"
)

// ErrData is returned (wrapped, naming the file and line) for a JSONL line
// that is not a training sequence.
var ErrData = errors.New("train: bad data")

// Dataset is the token sequences of a JSONL file, each with the line it
// came from.
type Dataset struct {
	// Path names the source in messages.
	Path string
	ids  []int32 // all sequences, end to end
	off  []int   // sequence i is ids[off[i]:off[i+1]]
	line []int   // its line number
	// text marks sequences that came from "text" (they get an EOS when
	// packed; "ids" are used exactly as given).
	text []bool
}

// Len returns the number of sequences.
func (d *Dataset) Len() int { return len(d.line) }

// Tokens returns the number of tokens in all sequences.
func (d *Dataset) Tokens() int { return len(d.ids) }

// Seq returns sequence i.
func (d *Dataset) Seq(i int) []int32 { return d.ids[d.off[i]:d.off[i+1]] }

// ReadFile reads training data: JSON Lines (a .jsonl, .json or .ndjson
// file, see ReadJSONL) or, for any other name, plain text encoded by tok,
// cut into sequences as Hugging Face's "text" datasets do with sample_by:
// "line" (each non-empty line, the default), "paragraph" (text between
// blank lines) or "document" (the whole file).
func ReadFile(path string, tok *tokenizer.Tokenizer, sampleBy string) (*Dataset, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".json", ".ndjson":
		return ReadJSONL(path, tok)
	}
	if sampleBy == "" {
		sampleBy = "line"
	}
	if sampleBy != "line" && sampleBy != "paragraph" && sampleBy != "document" {
		return nil, fmt.Errorf("train: sample_by %q: expected line, paragraph or document", sampleBy)
	}
	if tok == nil {
		return nil, fmt.Errorf("%w: %s is plain text and needs a tokenizer (--tokenizer); JSONL data can give \"ids\" instead", ErrData, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	d := &Dataset{Path: path, off: []int{0}}
	for _, p := range splitText(string(b), sampleBy) {
		d.addSeq(tok.Encode(p.text, true), true, p.line)
	}
	if d.Len() == 0 {
		return nil, fmt.Errorf("%w: %s holds no text", ErrData, path)
	}
	return d, nil
}

// textPiece is one sequence of a text file and the line it starts on.
type textPiece struct {
	text string
	line int
}

// splitText cuts text into lines, paragraphs or one document, dropping
// pieces that are only white space and the line breaks that end them.
func splitText(text, sampleBy string) []textPiece {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if sampleBy == "document" {
		if strings.TrimSpace(text) == "" {
			return nil
		}
		return []textPiece{{strings.TrimRight(text, "\n"), 1}}
	}
	var out []textPiece
	var cur []string
	start := 0
	flush := func() {
		if p := strings.Join(cur, "\n"); strings.TrimSpace(p) != "" {
			out = append(out, textPiece{p, start})
		}
		cur = nil
	}
	for i, line := range strings.Split(text, "\n") {
		switch {
		case sampleBy == "line":
			cur, start = []string{line}, i+1
			flush()
		case strings.TrimSpace(line) == "":
			flush()
		default:
			if cur == nil {
				start = i + 1
			}
			cur = append(cur, line)
		}
	}
	flush()
	return out
}

// TextDataset returns texts (one sequence each) encoded by tok, with the
// tokenizer's special tokens, as ReadFile encodes text; name identifies
// them in messages. An empty text is skipped.
func TextDataset(name string, texts []string, tok *tokenizer.Tokenizer) (*Dataset, error) {
	d := &Dataset{Path: name, off: []int{0}}
	for i, t := range texts {
		if t != "" {
			d.addSeq(tok.Encode(t, true), true, i+1)
		}
	}
	if d.Len() == 0 {
		return nil, fmt.Errorf("%w: %s holds no text", ErrData, name)
	}
	return d, nil
}

func (d *Dataset) addSeq(ids []int, text bool, line int) {
	for _, id := range ids {
		d.ids = append(d.ids, int32(id))
	}
	d.off = append(d.off, len(d.ids))
	d.line = append(d.line, line)
	d.text = append(d.text, text)
}

// ReadJSONL reads a file of one JSON object per line, each with either
// "text" (a string, encoded by tok with its special tokens, as Hugging
// Face's tokenizer(text) does) or "ids" (a list of token ids). Blank lines
// are skipped. A line that is neither, or has "text" when tok is nil, is an
// ErrData naming the file and line.
func ReadJSONL(path string, tok *tokenizer.Tokenizer) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	defer f.Close()
	return readJSONL(f, path, tok)
}

func readJSONL(r io.Reader, path string, tok *tokenizer.Tokenizer) (*Dataset, error) {
	d := &Dataset{Path: path, off: []int{0}}
	br := bufio.NewReaderSize(r, 1<<20)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			if perr := d.addLine(line, n, tok); perr != nil {
				return nil, perr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("train: read %s: %w", path, err)
		}
	}
	if d.Len() == 0 {
		return nil, fmt.Errorf("%w: %s holds no sequences", ErrData, path)
	}
	return d, nil
}

// example is one JSONL line.
type example struct {
	Text *string `json:"text"`
	IDs  []int64 `json:"ids"`
}

func (d *Dataset) addLine(line []byte, n int, tok *tokenizer.Tokenizer) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s:%d: %s", ErrData, d.Path, n, fmt.Sprintf(format, args...))
	}
	var ex example
	if err := json.Unmarshal(line, &ex); err != nil {
		return bad(`expected a JSON object with "text" (a string) or "ids" (a list of token ids): %v`, err)
	}
	switch {
	case ex.Text != nil && ex.IDs != nil:
		return bad(`has both "text" and "ids"; expected one`)
	case ex.IDs != nil:
		for _, id := range ex.IDs {
			if id < 0 || id > 1<<31-1 {
				return bad("token id %d is not a valid id", id)
			}
			d.ids = append(d.ids, int32(id))
		}
		d.text = append(d.text, false)
	case ex.Text != nil && tok == nil:
		return bad(`has "text" but no tokenizer was given (--tokenizer); give one, or write "ids"`)
	case ex.Text != nil:
		d.addSeq(tok.Encode(*ex.Text, true), true, n)
		return nil
	default:
		return bad(`expected a JSON object with "text" (a string) or "ids" (a list of token ids)`)
	}
	d.off = append(d.off, len(d.ids))
	d.line = append(d.line, n)
	return nil
}

// CheckVocab returns an error naming the file, line and id of the first
// token id outside [0, vocab).
func (d *Dataset) CheckVocab(vocab int) error {
	for i := range d.Len() {
		for _, id := range d.Seq(i) {
			if int(id) >= vocab {
				return fmt.Errorf("%w: %s:%d: token id %d outside the model's vocabulary of %d", ErrData, d.Path, d.line[i], id, vocab)
			}
		}
	}
	return nil
}

// examples is the list of training examples of one run: packed blocks or
// whole sequences.
type examples struct {
	seqs [][]int32
}

// pack concatenates every sequence (each text sequence followed by eos,
// when eos ≥ 0) and cuts the stream into blocks of seqLen tokens, dropping
// the remainder, as Hugging Face's run_clm group_texts does.
func (d *Dataset) pack(seqLen, eos int) *examples {
	var stream []int32
	for i := range d.Len() {
		stream = append(stream, d.Seq(i)...)
		if d.text[i] && eos >= 0 {
			stream = append(stream, int32(eos))
		}
	}
	ex := &examples{}
	for lo := 0; lo+seqLen <= len(stream); lo += seqLen {
		ex.seqs = append(ex.seqs, stream[lo:lo+seqLen])
	}
	return ex
}

// whole returns each sequence as an example, truncated to seqLen tokens.
// Sequences of fewer than two tokens predict nothing and are dropped.
func (d *Dataset) whole(seqLen int) *examples {
	ex := &examples{}
	for i := range d.Len() {
		s := d.Seq(i)
		if len(s) > seqLen {
			s = s[:seqLen]
		}
		if len(s) >= 2 {
			ex.seqs = append(ex.seqs, s)
		}
	}
	return ex
}

// order returns the order of n examples in epoch e: file order, or a
// permutation drawn from (seed, e).
func order(n, e int, shuffle bool, seed uint64) []int {
	if !shuffle {
		o := make([]int, n)
		for i := range o {
			o[i] = i
		}
		return o
	}
	return rand.New(rand.NewPCG(seed, uint64(e))).Perm(n)
}

// batch is one micro-batch, right-padded to its longest sequence.
type batch struct {
	ids    []int // size·seq, padding 0
	labels []int // the next token of each position, nn.IgnoreIndex where there is none
	size   int
	seq    int
	count  int // predicted tokens
}

// makeBatch builds a micro-batch of the given examples. Labels are shifted
// inside the batch: position t of a sequence predicts its token t+1.
func makeBatch(seqs [][]int32) *batch {
	b := &batch{size: len(seqs)}
	for _, s := range seqs {
		b.seq = max(b.seq, len(s))
	}
	b.ids = make([]int, b.size*b.seq)
	b.labels = make([]int, b.size*b.seq)
	for i := range b.labels {
		b.labels[i] = nn.IgnoreIndex
	}
	for r, s := range seqs {
		for t, id := range s {
			b.ids[r*b.seq+t] = int(id)
			if t+1 < len(s) {
				b.labels[r*b.seq+t] = int(s[t+1])
				b.count++
			}
		}
	}
	return b
}
