package openai

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fmkit/fmkit/lm"
)

// chatMarker starts a Context that holds chat messages rather than text:
// with Chat set, ApplyChatTemplate does not render a template (the server
// does) but packs the messages, and generation unpacks them into the chat
// request, as lm-evaluation-harness's local-chat-completions does with its
// JSON chat strings.
const chatMarker = "\x00fmkit-chat\x00"

type packedChat struct {
	Messages            []chatMessage `json:"messages"`
	AddGenerationPrompt bool          `json:"add_generation_prompt"`
}

var _ lm.ChatTemplater = (*Model)(nil)

// ApplyChatTemplate implements lm.ChatTemplater for chat servers: the
// server applies its own template to the messages.
func (m *Model) ApplyChatTemplate(messages []lm.Message, addGenerationPrompt bool) (string, error) {
	if !m.opts.Chat {
		return "", fmt.Errorf("openai: model %s: chat messages need chat=true, so that they go to /v1/chat/completions and the server applies its chat template", m.model)
	}
	p := packedChat{AddGenerationPrompt: addGenerationPrompt}
	for _, msg := range messages {
		content := msg.Content
		p.Messages = append(p.Messages, chatMessage{Role: msg.Role, Content: &content})
	}
	b, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	return chatMarker + string(b), nil
}

// unpackChat returns the messages of a context made by ApplyChatTemplate,
// or one user message holding a plain context.
func unpackChat(context string) ([]chatMessage, bool, error) {
	rest, ok := strings.CutPrefix(context, chatMarker)
	if !ok {
		return []chatMessage{{Role: "user", Content: &context}}, true, nil
	}
	var p packedChat
	if err := json.Unmarshal([]byte(rest), &p); err != nil {
		return nil, false, fmt.Errorf("chat messages packed by ApplyChatTemplate are damaged: %w", err)
	}
	return p.Messages, p.AddGenerationPrompt, nil
}

// isPackedChat says whether a context holds chat messages, which only
// generation can use: chat endpoints return no prompt log-probabilities.
func isPackedChat(context string) bool { return strings.HasPrefix(context, chatMarker) }
