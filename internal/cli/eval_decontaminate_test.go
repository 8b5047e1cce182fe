package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEvalDecontaminate builds an n-gram index of a corpus that holds two
// of a task's four questions word for word and checks the report, the
// clean list and the files.
func TestEvalDecontaminate(t *testing.T) {
	tmp := t.TempDir()
	questions := []string{
		"Which planet in our solar system has the most moons according to recent counts?",
		"What is the boiling point of water at sea level measured in degrees Celsius?",
		"Who wrote the novel that begins with the line about a truth universally acknowledged?",
		"Which element has the chemical symbol Fe and is used to make steel?",
	}
	var test strings.Builder
	for i, q := range questions {
		fmt.Fprintf(&test, `{"question": %q, "answer": %d}`+"\n", q, i)
	}
	data := filepath.Join(tmp, "quiz.jsonl")
	os.WriteFile(data, []byte(test.String()), 0o644)
	taskDir := filepath.Join(tmp, "tasks")
	os.MkdirAll(taskDir, 0o755)
	os.WriteFile(filepath.Join(taskDir, "quiz.yaml"), []byte(fmt.Sprintf(`task: quiz_decon
dataset_path: json
dataset_kwargs:
  data_files:
    test: %q
test_split: test
output_type: generate_until
should_decontaminate: true
doc_to_decontamination_query: "{{question}}"
doc_to_text: "Question: {{question}}\nAnswer:"
doc_to_target: "{{answer}}"
metric_list:
  - metric: exact_match
`, data)), 0o644)

	corpus := filepath.Join(tmp, "corpus.jsonl")
	os.WriteFile(corpus, []byte(fmt.Sprintf(`{"text": "Trivia night. %s The answer surprised everyone."}
{"text": "Some forum post about cooking pasta and other things."}
{"text": "%s"}
`, questions[0], questions[3])), 0o644)
	idx := filepath.Join(tmp, "ng")
	if _, errOut, code := run(t, "search", "ngram", "build", "--input", corpus, "--tokenizer", gpt2Tokenizer, "--out", idx, "--quiet"); code != 0 {
		t.Fatal(errOut)
	}
	out := filepath.Join(tmp, "out")
	stdout, errOut, code := run(t, "eval", "decontaminate", "--tasks", "quiz_decon", "--include-path", taskDir, "--python", "none",
		"--ngram-index", idx, "--output", out)
	if code != 0 {
		t.Fatalf("decontaminate: %s", errOut)
	}
	if !strings.Contains(stdout, "quiz_decon") || !regexp.MustCompile(`quiz_decon\s+4\s+2\s+0`).MatchString(stdout) {
		t.Errorf("table:\n%s", stdout)
	}
	var clean map[string][]int
	b, _ := os.ReadFile(filepath.Join(out, "clean.json"))
	if err := json.Unmarshal(b, &clean); err != nil || fmt.Sprint(clean["quiz_decon"]) != "[1 2]" {
		t.Errorf("clean.json %s (%v)", b, err)
	}
	var rep struct {
		N    int
		Docs []struct {
			Doc          int
			Overlap      float64
			Contaminated bool
		}
	}
	b, _ = os.ReadFile(filepath.Join(out, "contamination.json"))
	// Document 0 opens with "Which", which GPT-2 tokenizes unlike the
	// corpus's " Which": 2 of its 3 13-grams match.
	if err := json.Unmarshal(b, &rep); err != nil || rep.N != 13 || len(rep.Docs) != 4 || rep.Docs[0].Overlap != 2.0/3 || rep.Docs[3].Overlap != 1 || !rep.Docs[3].Contaminated {
		t.Errorf("contamination.json %s (%v)", b, err)
	}

	for _, args := range [][]string{
		{"eval", "decontaminate", "--tasks", "quiz_decon", "--include-path", taskDir},
		{"eval", "decontaminate", "--ngram-index", idx},
		{"eval", "decontaminate", "--tasks", "quiz_decon", "--include-path", taskDir, "--ngram-index", idx, "--n", "0"},
		{"eval", "decontaminate", "--tasks", "quiz_decon", "--include-path", taskDir, "--ngram-index", idx, "--threshold", "NaN"},
		{"eval", "decontaminate", "--tasks", "no_such_task", "--ngram-index", idx, "--python", "none"},
	} {
		if _, errOut, code := run(t, args...); code == 0 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: code %d, stderr %q (want one error line)", args, code, errOut)
		}
	}
}
