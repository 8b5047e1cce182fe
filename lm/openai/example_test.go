package openai_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/fmkit/fmkit/lm"
	"github.com/fmkit/fmkit/lm/openai"
)

func Example() {
	// A stand-in for a vLLM server: it echoes the prompt "2+2=" followed by
	// " 4" with the log-probabilities vLLM would send.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"choices":[{"index":0,"text":"2+2= 4\n","logprobs":{
			"tokens":["<s>","2","+","2","="," 4","\n"],
			"token_logprobs":[null,-4.5,-2.25,-1.5,-0.5,-0.25,-1.0],
			"top_logprobs":[null,{"2":-4.5,"The":-1.0},{"+":-2.25},{"2":-1.5},{"=":-0.5},{" 4":-0.25},{"\n":-1.0}]}}]}`)
	}))
	defer srv.Close()

	m, err := openai.New(context.Background(), openai.Options{BaseURLs: []string{srv.URL + "/v1"}, Model: "llama"})
	if err != nil {
		log.Fatal(err)
	}
	res, err := m.Loglikelihood(context.Background(), []lm.LoglikelihoodRequest{{Context: "2+2=", Continuation: " 4"}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: log P(\" 4\" | \"2+2=\") = %v, greedy %v\n", m.Name(), res[0].LogProb, res[0].IsGreedy)
	// Output: openai:llama: log P(" 4" | "2+2=") = -0.25, greedy true
}
