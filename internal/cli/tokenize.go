package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/tokenizer"
)

func newTokenizeCmd() *cobra.Command {
	var (
		path    string
		special bool
		asJSON  bool
		lines   bool
	)
	cmd := &cobra.Command{
		Use:   "tokenize",
		Short: "Encode text from stdin into token IDs with a Hugging Face tokenizer",
		Long: `Encode text read from stdin with a tokenizer.json (or a model directory that
holds one). By default the whole input is one text and each token is listed
with its ID, string and byte offsets. --json prints {"ids", "tokens",
"offsets"} instead. --lines encodes every line separately (without its
"\n" or "\r\n") and prints one JSON array of IDs per line.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if path == "" {
				return errors.New("tokenize: --tokenizer is required (a tokenizer.json file or a model directory)")
			}
			tok, err := tokenizer.Load(path)
			if err != nil {
				return err
			}
			out := bufio.NewWriterSize(cmd.OutOrStdout(), 1<<16)
			defer out.Flush()
			if lines {
				return tokenizeLines(cmd, tok, special, out)
			}
			text, err := io.ReadAll(cmd.InOrStdin())
			if err != nil {
				return fmt.Errorf("tokenize: read stdin: %w", err)
			}
			ids, offs := tok.EncodeWithOffsets(string(text), special)
			if asJSON {
				return writeTokensJSON(out, tok, ids, offs)
			}
			return writeTokensTable(out, tok, string(text), ids, offs)
		},
	}
	cmd.Flags().StringVar(&path, "tokenizer", "", "tokenizer.json file or model directory")
	cmd.Flags().BoolVar(&special, "special", false, "add the special tokens of the post-processor (e.g. BOS)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&lines, "lines", false, "encode each line separately; print one JSON array of IDs per line")
	return cmd
}

// tokenizeLines encodes stdin line by line, in batches that use all cores,
// and writes the IDs of each line in input order.
func tokenizeLines(cmd *cobra.Command, tok *tokenizer.Tokenizer, special bool, out *bufio.Writer) error {
	in := bufio.NewReaderSize(cmd.InOrStdin(), 1<<16)
	const batch = 4096
	texts := make([]string, 0, batch)
	var buf []byte
	flush := func() error {
		for _, ids := range tok.EncodeBatch(texts, special) {
			buf = appendIDs(buf[:0], ids)
			buf = append(buf, '\n')
			if _, err := out.Write(buf); err != nil {
				return err
			}
		}
		texts = texts[:0]
		return nil
	}
	for {
		line, err := in.ReadString('\n')
		if len(line) > 0 || err == nil {
			line = strings.TrimSuffix(line, "\n")
			line = strings.TrimSuffix(line, "\r")
			texts = append(texts, line)
			if len(texts) == batch {
				if err := cmd.Context().Err(); err != nil {
					return err
				}
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("tokenize: read stdin: %w", err)
		}
	}
	return flush()
}

func appendIDs(b []byte, ids []int) []byte {
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(id), 10)
	}
	return append(b, ']')
}

type tokenizeResult struct {
	IDs     []int    `json:"ids"`
	Tokens  []string `json:"tokens"`
	Offsets [][2]int `json:"offsets"`
}

func writeTokensJSON(w io.Writer, tok *tokenizer.Tokenizer, ids []int, offs []tokenizer.Offset) error {
	r := tokenizeResult{IDs: ids, Tokens: make([]string, len(ids)), Offsets: make([][2]int, len(ids))}
	for i, id := range ids {
		r.Tokens[i], _ = tok.IDToToken(id)
		r.Offsets[i] = [2]int{offs[i].Start, offs[i].End}
	}
	if r.IDs == nil {
		r.IDs = []int{}
	}
	return json.NewEncoder(w).Encode(r)
}

func writeTokensTable(w io.Writer, tok *tokenizer.Tokenizer, text string, ids []int, offs []tokenizer.Offset) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tid\ttoken\ttext")
	for i, id := range ids {
		s, _ := tok.IDToToken(id)
		o := offs[i]
		fmt.Fprintf(tw, "%d\t%d\t%q\t%q\n", i, id, s, text[o.Start:o.End])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d tokens, %d bytes\n", len(ids), len(text))
	return err
}

func newDetokenizeCmd() *cobra.Command {
	var (
		path        string
		skipSpecial bool
	)
	cmd := &cobra.Command{
		Use:   "detokenize",
		Short: "Decode JSON arrays of token IDs from stdin back into text",
		Long: `Decode token IDs with a tokenizer.json (or a model directory that holds one).
Stdin holds JSON arrays of IDs, such as the output of "fmkit tokenize --lines";
each array is decoded and printed on its own line.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if path == "" {
				return errors.New("detokenize: --tokenizer is required (a tokenizer.json file or a model directory)")
			}
			tok, err := tokenizer.Load(path)
			if err != nil {
				return err
			}
			out := bufio.NewWriterSize(cmd.OutOrStdout(), 1<<16)
			defer out.Flush()
			dec := json.NewDecoder(bufio.NewReaderSize(cmd.InOrStdin(), 1<<16))
			for n := 1; ; n++ {
				if err := cmd.Context().Err(); err != nil {
					return err
				}
				var ids []int
				if err := dec.Decode(&ids); err == io.EOF {
					return nil
				} else if err != nil {
					return fmt.Errorf("detokenize: input array %d: expected a JSON array of token IDs: %w", n, err)
				}
				text, err := tok.DecodeStrict(ids, skipSpecial)
				if err != nil {
					return fmt.Errorf("detokenize: input array %d: %w", n, err)
				}
				out.WriteString(text)
				out.WriteByte('\n')
			}
		},
	}
	cmd.Flags().StringVar(&path, "tokenizer", "", "tokenizer.json file or model directory")
	cmd.Flags().BoolVar(&skipSpecial, "skip-special", false, "leave out special tokens (BOS, EOS, chat markers)")
	return cmd
}
