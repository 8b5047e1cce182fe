package tokenizer

import (
	"encoding/json"
	"fmt"

	"golang.org/x/text/unicode/norm"
)

var (
	nfc  = norm.NFC
	nfd  = norm.NFD
	nfkc = norm.NFKC
	nfkd = norm.NFKD
)

// Config is what tokenizer_config.json says about a tokenizer, with
// defaults taken from tokenizer.json where the config file is absent or
// silent.
type Config struct {
	// BOSToken, EOSToken, PADToken and UNKToken are the special tokens'
	// strings; empty when the model has none.
	BOSToken, EOSToken, PADToken, UNKToken string
	// AddBOS and AddEOS say whether the model expects BOS (EOS) around
	// every sequence (add_bos_token, add_eos_token). Without the keys,
	// AddBOS is true when the post-processor puts the BOS token first.
	// Encode with addSpecial applies the post-processor of tokenizer.json,
	// which is what the Hugging Face libraries do; these flags are for
	// callers that assemble prompts themselves.
	AddBOS, AddEOS bool
	// ChatTemplate is the Jinja chat template ("default" one if several).
	ChatTemplate string
	// ModelMaxLength is model_max_length; "no limit" values such as 1e30
	// saturate to the largest int. Zero when not given.
	ModelMaxLength int

	hasAddBOS bool
}

type configJSON struct {
	BOSToken       json.RawMessage `json:"bos_token"`
	EOSToken       json.RawMessage `json:"eos_token"`
	PADToken       json.RawMessage `json:"pad_token"`
	UNKToken       json.RawMessage `json:"unk_token"`
	AddBOSToken    *bool           `json:"add_bos_token"`
	AddEOSToken    *bool           `json:"add_eos_token"`
	ChatTemplate   json.RawMessage `json:"chat_template"`
	ModelMaxLength *float64        `json:"model_max_length"`
}

func (c *Config) parse(data []byte) error {
	var j configJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	var err error
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  *string
	}{{"bos_token", j.BOSToken, &c.BOSToken}, {"eos_token", j.EOSToken, &c.EOSToken},
		{"pad_token", j.PADToken, &c.PADToken}, {"unk_token", j.UNKToken, &c.UNKToken}} {
		if *f.dst, err = tokenString(f.raw); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	if j.AddBOSToken != nil {
		c.AddBOS, c.hasAddBOS = *j.AddBOSToken, true
	}
	if j.AddEOSToken != nil {
		c.AddEOS = *j.AddEOSToken
	}
	if c.ChatTemplate, err = chatTemplate(j.ChatTemplate); err != nil {
		return fmt.Errorf("chat_template: %w", err)
	}
	if j.ModelMaxLength != nil {
		c.ModelMaxLength = clampInt(*j.ModelMaxLength)
	}
	return nil
}

// tokenString reads a special token given as a string, as an AddedToken
// object {"content": ...}, or as null.
func tokenString(raw json.RawMessage) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var obj struct {
		Content string `json:"content"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", fmt.Errorf("expected a string or {\"content\": ...}, got %s", truncate(string(raw)))
	}
	return obj.Content, nil
}

// chatTemplate reads a template string or a list of {name, template}.
func chatTemplate(raw json.RawMessage) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var list []struct {
		Name     string `json:"name"`
		Template string `json:"template"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return "", fmt.Errorf("expected a string or a list of {name, template}")
	}
	for _, t := range list {
		if t.Name == "default" {
			return t.Template, nil
		}
	}
	if len(list) > 0 {
		return list[0].Template, nil
	}
	return "", nil
}

// fillDefaults takes the unk token from the model and derives AddBOS from
// the post-processor when the config does not say.
func (c *Config) fillDefaults(t *Tokenizer) {
	if c.UNKToken == "" && t.model.unk >= 0 {
		c.UNKToken = t.model.vocabR[t.model.unk]
	}
	if c.hasAddBOS || c.BOSToken == "" {
		return
	}
	bos, ok := t.TokenToID(c.BOSToken)
	if !ok {
		return
	}
	ids := t.Encode("", true)
	c.AddBOS = len(ids) > 0 && ids[0] == bos
}
