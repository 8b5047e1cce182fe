package openai

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseSpec(t *testing.T) {
	env := map[string]string{"OPENAI_API_KEY": "sk-default", "VLLM_KEY": "sk-vllm"}
	getenv := func(k string) string { return env[k] }
	s, err := ParseSpec("openai:http://a:8000/v1,https://b/v1,model=meta-llama/Llama-3.1-8B,tokenizer=/models/llama,concurrency=64,batch_size=4,max_retries=3,timeout=90s,rps=10,tpm=60000,chat=true,prompt_logprobs=1,echo_max_tokens=0,max_length=4096,max_gen_toks=512,seed=7,api_key_env=VLLM_KEY", getenv)
	if err != nil {
		t.Fatal(err)
	}
	o := s.Options
	if strings.Join(o.BaseURLs, " ") != "http://a:8000/v1 https://b/v1" || o.Model != "meta-llama/Llama-3.1-8B" ||
		s.Tokenizer != "/models/llama" || o.Concurrency != 64 || o.BatchSize != 4 || o.MaxRetries != 3 ||
		o.Timeout != 90*time.Second || o.RequestsPerSecond != 10 || o.TokensPerMinute != 60000 || !o.Chat ||
		!o.PromptLogprobs || o.EchoMaxTokens != -1 || o.MaxLength != 4096 || o.MaxGenTokens != 512 ||
		*o.Seed != 7 || o.APIKey != "sk-vllm" {
		t.Fatalf("parsed %+v", s)
	}
	s, err = ParseSpec("openai:http://localhost:8080/v1", getenv)
	if err != nil || s.APIKey != "sk-default" || len(s.BaseURLs) != 1 {
		t.Fatalf("minimal spec: %+v, %v", s, err)
	}

	for _, tt := range []struct{ spec, want string }{
		{"vllm:http://a/v1", "want openai:URL"},
		{"openai:", "no base URL"},
		{"openai:http://a/v1,modl=x", `unknown setting "modl"`},
		{"openai:http://a/v1,concurrency=many", `concurrency="many"`},
		{"openai:http://a/v1,echo_max_tokens=2", "must be 0 or 1"},
		{"openai:http://a/v1,timeout=soon", "timeout"},
		{"openai:http://a/v1,rps=-1", "RequestsPerSecond (-1)"},
		{"openai:ftp://a/v1", `base URL "ftp://a/v1"`},
		{"openai:http://a/v1,justtext", "neither a URL nor key=value"},
	} {
		_, err := ParseSpec(tt.spec, getenv)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseSpec(%q) = %v, want error containing %q", tt.spec, err, tt.want)
		}
	}
}

func TestValidateReportsAll(t *testing.T) {
	o := Options{EchoMaxTokens: 3, RequestsPerSecond: -1, Tokenize: func(string) ([]int, error) { return nil, nil }}
	err := o.Validate()
	for _, want := range []string{"no base URL", "EchoMaxTokens (3)", "PrefixToken", "RequestsPerSecond (-1)"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to mention %q", err, want)
		}
	}
}

func FuzzParseSpec(f *testing.F) {
	f.Add("openai:http://a:8000/v1,model=x,concurrency=4")
	f.Add("openai:http://a/v1,https://b/v1,chat=true,timeout=1s")
	f.Add("openai:,,=,")
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := ParseSpec(spec, func(string) string { return "" })
		if err == nil && len(s.BaseURLs) == 0 {
			t.Fatalf("%q parsed without a base URL", spec)
		}
	})
}

// FuzzScoreResponse feeds arbitrary bodies to the response parsing: it may
// fail, never panic.
func FuzzScoreResponse(f *testing.F) {
	f.Add([]byte(`{"choices":[{"index":0,"text":"ab","logprobs":{"tokens":["<s>","a","b"],"token_logprobs":[null,-1,-2],"top_logprobs":[null,{"a":-1},{"b":-2,"c":-1}]}}]}`))
	f.Add([]byte(`{"choices":[{"index":0,"prompt_logprobs":[null,{"5":{"logprob":-1,"rank":1,"decoded_token":"b"}}]}]}`))
	f.Add([]byte(`{"choices":[{"index":0,"logprobs":{"content":[{"id":1,"token":"x","logprob":-0.1}]}}]}`))
	f.Add([]byte(`{"choices":[{"index":7}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var resp completionResponse
		if json.Unmarshal(body, &resp) != nil {
			return
		}
		choices, err := byIndex(resp.Choices, 1)
		if err != nil {
			return
		}
		units := []scored{
			{text: "ab", cont: "b"},
			{text: "", cont: ""},
			{ids: []int{1, 5}, ctxlen: 1},
			{ids: []int{}, ctxlen: 0},
		}
		for _, u := range units {
			for _, gen := range []int{0, 1} {
				scoreEcho(choices[0], &u, gen)
			}
			scorePromptLogprobs(choices[0], &u)
		}
	})
}
