package cli

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fmkit/fmkit/hub/hubtest"
)

// unreachableHubs returns Hub endpoints that cannot be reached: a port
// where nothing listens (the connection is refused) and a name that does
// not resolve (.invalid is reserved for that, RFC 2606).
func unreachableHubs(t *testing.T) map[string]string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusing := "http://" + ln.Addr().String()
	ln.Close()
	return map[string]string{"refusing listener": refusing, "failing name lookup": "http://hub.invalid"}
}

// TestOfflineMessages: with the Hub unreachable, every command that needs
// it fails with one line naming what it fetched, that the network is
// unreachable, and the three ways out; commands on local or generated data
// work.
func TestOfflineMessages(t *testing.T) {
	for name, endpoint := range unreachableHubs(t) {
		t.Run(name, func(t *testing.T) {
			t.Setenv("HF_HOME", t.TempDir())
			t.Setenv("HF_HUB_CACHE", "")
			t.Setenv("HF_ENDPOINT", endpoint)
			t.Setenv("HF_HUB_OFFLINE", "")
			for _, c := range []struct {
				args     []string
				fetching string
			}{
				{[]string{"generate", "--model", "hf:org/model", "--prompt", "hi"}, "cannot fetch model org/model@main"},
				{[]string{"eval", "--model", "builtin:recursion-tiny", "--tasks", "kmmlu_hard_criminal_law", "--limit", "1"}, "cannot fetch dataset HAERAE-HUB/KMMLU-HARD@main"},
				{[]string{"tasks", "render", "kmmlu_hard_criminal_law", "--python", "none"}, "cannot fetch dataset HAERAE-HUB/KMMLU-HARD@main"},
				{[]string{"hub", "download", "org/model"}, "cannot fetch model org/model@main"},
			} {
				_, stderr, code := run(t, c.args...)
				for _, want := range []string{c.fetching, "the network is unreachable", "local model or dataset directory",
					"HF_HUB_OFFLINE=1", "fmkit hub download", "builtin:recursion-tiny"} {
					if !strings.Contains(stderr, want) {
						t.Errorf("%v: stderr %q lacks %q", c.args, stderr, want)
					}
				}
				if code != 1 || strings.Count(stderr, "\n") != 1 {
					t.Errorf("%v: exit %d, %d lines; want exit 1 and one line", c.args, code, strings.Count(stderr, "\n"))
				}
			}
			// Generated and local data need no network.
			out, stderr, code := run(t, "tasks", "render", "recursion_succ_carry_0", "--python", "none")
			if code != 0 || !strings.Contains(out, "succ (") {
				t.Errorf("tasks render of a generated task offline: exit %d, %q, %q", code, out, stderr)
			}
			tasks := t.TempDir()
			writeFile(t, filepath.Join(tasks, "docs.jsonl"), `{"q": "2+2", "a": "4"}`+"\n")
			writeFile(t, filepath.Join(tasks, "local.yaml"), fmt.Sprintf(`task: local_sum
dataset_path: json
dataset_kwargs:
  data_files:
    test: %s/docs.jsonl
output_type: generate_until
test_split: test
doc_to_text: "{{q}} ="
doc_to_target: "{{a}}"
`, tasks))
			for sub, want := range map[string]string{"render": "2+2 =", "show": `"task": "local_sum"`} {
				out, stderr, code = run(t, "tasks", sub, "local_sum", "--include-path", tasks, "--python", "none")
				if code != 0 || !strings.Contains(out, want) {
					t.Errorf("tasks %s of a local task offline: exit %d, %q, %q", sub, code, out, stderr)
				}
			}
		})
	}
}

// TestOfflineModeHint: HF_HUB_OFFLINE=1 without a cached copy says how to
// fill the cache.
func TestOfflineModeHint(t *testing.T) {
	t.Setenv("HF_HOME", t.TempDir())
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_HUB_OFFLINE", "1")
	_, stderr, code := run(t, "generate", "--model", "hf:org/model", "--prompt", "hi")
	if strings.Count(stderr, "\n") != 1 {
		t.Errorf("%d lines: %q", strings.Count(stderr, "\n"), stderr)
	}
	if code != 1 || !strings.Contains(stderr, "model org/model@main (its file list): not in the local cache and offline mode is on") ||
		!strings.Contains(stderr, "(fmkit hub download org/model)") || !strings.Contains(stderr, "builtin:recursion-tiny") {
		t.Errorf("exit %d, %q", code, stderr)
	}
	_, stderr, code = run(t, "tasks", "render", "kmmlu_hard_criminal_law", "--python", "none")
	if code != 1 || !strings.Contains(stderr, "(fmkit hub download HAERAE-HUB/KMMLU-HARD --repo-type dataset)") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("tasks render offline: exit %d, %q", code, stderr)
	}
}

// TestHubDownloadAndLs fills the cache from a stand-in Hub with --include,
// lists it, and then resolves the model offline.
func TestHubDownloadAndLs(t *testing.T) {
	const commit = "0123456789abcdef0123456789abcdef01234567"
	files := map[string]string{"config.json": `{"model_type":"x"}`, "model.safetensors": strings.Repeat("w", 3000), "README.md": "readme"}
	srv := hubtest.Start(t, hubtest.Repo{ID: "org/model", Commit: commit, Files: files})
	home := t.TempDir()
	t.Setenv("HF_HOME", home)
	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_ENDPOINT", srv.URL)
	t.Setenv("HF_HUB_OFFLINE", "")

	out, stderr, code := run(t, "hub", "download", "org/model", "--include", "*.json", "--include", "*.safetensors")
	snap := filepath.Join(home, "hub", "models--org--model", "snapshots", commit)
	if code != 0 || strings.TrimSpace(out) != snap {
		t.Fatalf("hub download: exit %d, %q, %q", code, out, stderr)
	}
	if !strings.Contains(stderr, "2 files") || !strings.Contains(stderr, "downloaded model.safetensors") {
		t.Errorf("progress: %q", stderr)
	}
	if _, err := os.Stat(filepath.Join(snap, "README.md")); err == nil {
		t.Error("README.md was downloaded although --include left it out")
	}
	out, _, code = run(t, "hub", "ls")
	if code != 0 || !strings.Contains(out, "org/model") || !strings.Contains(out, "main") || !strings.Contains(out, "  2  ") {
		t.Errorf("hub ls: exit %d\n%s", code, out)
	}
	out, _, _ = run(t, "hub", "ls", "--json")
	if !strings.Contains(out, `"id": "org/model"`) || !strings.Contains(out, `"files": 2`) {
		t.Errorf("hub ls --json: %s", out)
	}
	// With the cache filled, offline resolution finds the snapshot: the
	// failure is now the fake config, not the network.
	t.Setenv("HF_HUB_OFFLINE", "1")
	_, stderr, _ = run(t, "generate", "--model", "hf:org/model", "--prompt", "hi")
	if strings.Contains(stderr, "offline mode is on") || !strings.Contains(stderr, `"x"`) {
		t.Errorf("offline resolution of a cached model: %q", stderr)
	}
	_, stderr, code = run(t, "hub", "download", "org/model")
	if code != 1 || !strings.Contains(stderr, "HF_HUB_OFFLINE") {
		t.Errorf("download while offline: exit %d, %q", code, stderr)
	}
	for _, bad := range [][]string{{"hub", "download", "datasets/x"}, {"hub", "download", "org/m", "--repo-type", "modle"}, {"hub", "download", "org/m", "--include", "["}} {
		if _, stderr, code := run(t, bad...); code == 0 || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, %q", bad, code, stderr)
		}
	}
}
