package jinja

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestChatTemplatesMatchJinja2 renders real chat templates (Llama 3, Qwen 3,
// Gemma 3) as Python's Jinja2 renders them in Hugging Face's
// apply_chat_template environment (testdata/gen/servers/make_chat.py, which wrote testdata/chat_templates.json).
func TestChatTemplatesMatchJinja2(t *testing.T) {
	b, err := os.ReadFile("testdata/chat_templates.json")
	if err != nil {
		t.Fatal(err)
	}
	var fixtures []struct {
		Name     string `json:"name"`
		Template string `json:"template"`
		BOS      string `json:"bos_token"`
		EOS      string `json:"eos_token"`
		Cases    []struct {
			Messages []struct {
				Role    string `json:"role"`
				Content string `json:"content"`
			} `json:"messages"`
			AddGenerationPrompt bool   `json:"add_generation_prompt"`
			Output              string `json:"output"`
			Error               string `json:"error"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &fixtures); err != nil {
		t.Fatal(err)
	}
	for _, fx := range fixtures {
		t.Run(fx.Name, func(t *testing.T) {
			ct, err := NewChatTemplate(fx.Template, fx.BOS, fx.EOS)
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range fx.Cases {
				msgs := make([]ChatMessage, len(c.Messages))
				for k, m := range c.Messages {
					msgs[k] = ChatMessage{Role: m.Role, Content: m.Content}
				}
				got, err := ct.Render(msgs, c.AddGenerationPrompt)
				if c.Error != "" {
					if err == nil || !strings.Contains(err.Error(), c.Error) {
						t.Errorf("case %d: err %v, want %q", i, err, c.Error)
					}
					continue
				}
				if err != nil {
					t.Errorf("case %d: %v", i, err)
					continue
				}
				if got != c.Output {
					t.Errorf("case %d:\n got %q\nwant %q", i, got, c.Output)
				}
			}
		})
	}
}
