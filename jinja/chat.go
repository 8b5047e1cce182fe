package jinja

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/fmkit/fmkit/internal/py"
)

// ChatTemplate renders chat messages into a prompt with the Jinja template
// of tokenizer_config.json, as Hugging Face's apply_chat_template does:
// the template renders with Python's semantics, and this type adds what
// transformers' environment has on top of plain Jinja2 — trim_blocks and
// lstrip_blocks (applied to the source before parsing), bos_token,
// eos_token, and the variables templates test for (tools, documents)
// set to None.
type ChatTemplate struct {
	tpl      *Template
	lines    []string
	bos, eos string
}

// ErrChatTemplate marks a template that raised an exception or failed to
// render for the given messages: a fault of the conversation, not of the
// program (a server answers it with a 400).
var ErrChatTemplate = errors.New("chat template")

// ChatMessage is one turn of a conversation.
type ChatMessage struct {
	Role    string
	Content string
}

// NewChatTemplate parses a chat template; bos and eos are the tokenizer's
// special tokens, which templates insert as bos_token and eos_token.
func NewChatTemplate(src, bos, eos string) (*ChatTemplate, error) {
	prepared := applyBlockRules(src)
	tpl, err := Parse(prepared)
	if err != nil {
		return nil, fmt.Errorf("jinja: chat template: %w", err)
	}
	return &ChatTemplate{tpl: tpl, lines: strings.Split(prepared, "\n"), bos: bos, eos: eos}, nil
}

// message is a chat message as templates see it. Jinja2 in transformers
// uses lenient undefined values, so that a template may test fields a
// message lacks (message.tool_calls, message.reasoning_content) as false;
// package jinja is strict, so a missing field reads as None instead. Keys
// lists only role and content, so `'tool_calls' in message` stays false.
type message struct{ ChatMessage }

func (m message) Keys() []string { return []string{"role", "content"} }

func (m message) Get(key string) (any, bool) {
	switch key {
	case "role":
		return m.Role, true
	case "content":
		return m.Content, true
	}
	return nil, true
}

// raiseCall finds the message of a raise_exception call on a line.
var raiseCall = regexp.MustCompile(`raise_exception\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')`)

// Render applies the template to messages; addGenerationPrompt appends the
// opening of the assistant's turn.
func (c *ChatTemplate) Render(messages []ChatMessage, addGenerationPrompt bool) (string, error) {
	msgs := make([]any, len(messages))
	for i, m := range messages {
		msgs[i] = message{m}
	}
	vars := py.NewDict()
	vars.Set("messages", msgs)
	vars.Set("add_generation_prompt", addGenerationPrompt)
	vars.Set("bos_token", c.bos)
	vars.Set("eos_token", c.eos)
	vars.Set("tools", nil)
	vars.Set("documents", nil)
	vars.Set("date_string", time.Now().Format("02 Jan 2006"))
	out, err := c.tpl.Render(vars)
	if err == nil {
		return out, nil
	}
	// raise_exception is how templates reject a conversation; Jinja2 calls
	// it, here the call fails on the undefined name at its line, which
	// names the message.
	var ue *UndefinedError
	if errors.As(err, &ue) && ue.Name == "raise_exception" && ue.Line >= 1 && ue.Line <= len(c.lines) {
		if m := raiseCall.FindStringSubmatch(c.lines[ue.Line-1]); m != nil {
			return "", fmt.Errorf("%w: %s", ErrChatTemplate, m[1]+m[2])
		}
	}
	return "", fmt.Errorf("%w: %w", ErrChatTemplate, err)
}

// applyBlockRules rewrites a template so that plain Jinja2 renders it as
// Jinja2 with trim_blocks and lstrip_blocks would: spaces and tabs before a
// block or comment tag that opens a line are removed ("{%+" keeps them),
// and so is the first newline after a block or comment tag ("+%}" keeps
// it). Tags are found as Jinja2's lexer finds them, skipping string
// literals inside them.
func applyBlockRules(src string) string {
	var b strings.Builder
	lineStart := 0 // index in b where the current output line starts
	for i := 0; i < len(src); {
		if i+1 < len(src) && src[i] == '{' && (src[i+1] == '%' || src[i+1] == '#') {
			end := tagEnd(src, i)
			if end < 0 {
				b.WriteString(src[i:])
				break
			}
			keep := i+2 < len(src) && src[i+2] == '+'
			if !keep {
				out := b.String()
				if strings.Trim(out[lineStart:], " \t") == "" {
					b.Reset()
					b.WriteString(out[:lineStart])
				}
			}
			b.WriteString(src[i:end])
			plus := end >= 3 && src[end-3] == '+'
			i = end
			if !plus && i < len(src) && src[i] == '\n' {
				i++
			}
			continue
		}
		b.WriteByte(src[i])
		if src[i] == '\n' {
			lineStart = b.Len()
		}
		i++
	}
	return b.String()
}

// tagEnd returns the index just past the tag that starts at i ("{%" or
// "{#"), or -1 if it is not closed.
func tagEnd(src string, i int) int {
	if src[i+1] == '#' {
		if j := strings.Index(src[i+2:], "#}"); j >= 0 {
			return i + 2 + j + 2
		}
		return -1
	}
	for j := i + 2; j+1 < len(src); j++ {
		switch src[j] {
		case '"', '\'':
			q := src[j]
			for j++; j < len(src) && src[j] != q; j++ {
				if src[j] == '\\' {
					j++
				}
			}
		case '%':
			if src[j+1] == '}' {
				return j + 2
			}
		}
	}
	return -1
}
