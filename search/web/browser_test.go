//go:build browser

package web

// Browser tests: the page in headless Chromium, driven over the WebDriver
// protocol by Debian's chromedriver (packages chromium and
// chromium-driver). .ci/run runs them with
//
//	go test -tags browser -run TestBrowser ./search/web/
//
// They fail, rather than skip, when the browser is missing.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// driver is a WebDriver session.
type driver struct {
	t    *testing.T
	base string // http://127.0.0.1:PORT/session/ID
}

func (d *driver) call(method, path string, body any) json.RawMessage {
	d.t.Helper()
	var r *http.Request
	if body != nil {
		b, _ := json.Marshal(body)
		r, _ = http.NewRequest(method, d.base+path, bytes.NewReader(b))
		r.Header.Set("Content-Type", "application/json")
	} else {
		r, _ = http.NewRequest(method, d.base+path, nil)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		d.t.Fatalf("webdriver %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out struct{ Value json.RawMessage }
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 200 {
		d.t.Fatalf("webdriver %s %s: %d %s", method, path, resp.StatusCode, out.Value)
	}
	return out.Value
}

// js runs a script in the page and decodes its result into v.
func (d *driver) js(v any, script string, args ...any) {
	d.t.Helper()
	if args == nil {
		args = []any{}
	}
	raw := d.call("POST", "/execute/sync", map[string]any{"script": script, "args": args})
	if v != nil {
		if err := json.Unmarshal(raw, v); err != nil {
			d.t.Fatalf("script %q: %v (%s)", script, err, raw)
		}
	}
}

// wait polls a JavaScript expression until it is true.
func (d *driver) wait(what, expr string) {
	d.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var ok bool
		d.js(&ok, "return !!("+expr+")")
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var status string
			d.js(&status, `return document.getElementById("status").textContent`)
			d.t.Fatalf("waiting for %s (%s): timed out; status line %q", what, expr, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (d *driver) element(css string) string {
	d.t.Helper()
	raw := d.call("POST", "/element", map[string]string{"using": "css selector", "value": css})
	var el map[string]string
	json.Unmarshal(raw, &el)
	for _, id := range el {
		return id
	}
	d.t.Fatalf("no element %s", css)
	return ""
}

func (d *driver) click(css string) {
	d.call("POST", "/element/"+d.element(css)+"/click", map[string]any{})
}

// typeInto sends keys to an element (WebDriver key codes for Enter and
// Escape are \uE007 and \uE00C).
func (d *driver) typeInto(css, text string) {
	d.call("POST", "/element/"+d.element(css)+"/value", map[string]string{"text": text})
}

// press sends keys to whatever has the focus.
func (d *driver) press(keys ...string) {
	var actions []map[string]string
	for _, k := range keys {
		actions = append(actions, map[string]string{"type": "keyDown", "value": k}, map[string]string{"type": "keyUp", "value": k})
	}
	d.call("POST", "/actions", map[string]any{"actions": []any{map[string]any{"type": "key", "id": "keyboard", "actions": actions}}})
}

func startChrome(t *testing.T) *driver {
	t.Helper()
	bin, err := exec.LookPath("chromedriver")
	if err != nil {
		t.Fatalf("chromedriver not found (apt-get install chromium chromium-driver): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, fmt.Sprintf("--port=%d", port))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	root := fmt.Sprintf("http://127.0.0.1:%d", port)
	for deadline := time.Now().Add(20 * time.Second); ; {
		if r, err := http.Get(root + "/status"); err == nil {
			r.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("chromedriver did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
	browser := "/usr/bin/chromium"
	if _, err := os.Stat(browser); err != nil {
		t.Fatalf("chromium not found at %s: %v", browser, err)
	}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{"binary": browser, "args": []string{
			"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900",
			"--user-data-dir=" + t.TempDir()}},
	}}}
	b, _ := json.Marshal(caps)
	resp, err := http.Post(root+"/session", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Value struct {
			SessionID string `json:"sessionId"`
		}
	}
	json.NewDecoder(resp.Body).Decode(&s)
	resp.Body.Close()
	if s.Value.SessionID == "" {
		t.Fatalf("chromedriver gave no session (status %d)", resp.StatusCode)
	}
	d := &driver{t: t, base: root + "/session/" + s.Value.SessionID}
	t.Cleanup(func() {
		r, _ := http.NewRequest("DELETE", d.base, nil)
		if resp, err := http.DefaultClient.Do(r); err == nil {
			resp.Body.Close()
		}
	})
	return d
}

func TestBrowser(t *testing.T) {
	flags := filepath.Join(t.TempDir(), "flags.jsonl")
	s, hs := testServer(t, &Options{FlagsFile: flags})
	d := startChrome(t)
	d.call("POST", "/url", map[string]string{"url": hs.URL + "/"})
	d.wait("corpora", `document.querySelectorAll("#corpus option").length === 3`)

	// "/" focuses the query box; a search shows highlighted, redacted hits.
	d.press("/")
	d.wait("focus on the query box", `document.activeElement.id === "q"`)
	d.typeInto("#q", "fox -number\uE007")
	d.wait("results", `document.querySelectorAll("#results li[data-index]").length === 2`)
	var marks, piis []string
	d.js(&marks, `return [...document.querySelectorAll("#results mark")].map(m => m.textContent)`)
	d.js(&piis, `return [...document.querySelectorAll("#results .pii")].map(m => m.textContent)`)
	if strings.Join(marks, ",") != "fox,fox" || !strings.Contains(strings.Join(piis, ","), "PI:EMAIL") || !strings.Contains(strings.Join(piis, ","), "PI:IP_ADDRESS") {
		t.Errorf("marks %v, redactions %v", marks, piis)
	}
	var page string
	d.js(&page, `return document.body.innerText`)
	if strings.Contains(page, "example.com") || strings.Contains(page, "203.0.113.77") {
		t.Errorf("personal data on the page:\n%s", page)
	}

	// Keys: j selects the first hit, Enter opens it, Escape goes back.
	d.js(nil, `document.activeElement.blur()`)
	d.press("j")
	d.wait("first hit selected", `document.querySelector("#results li.selected") && document.querySelector("#results li.selected").dataset.index === "0"`)
	d.press("\uE007")
	d.wait("document view", `!document.getElementById("doc").hidden && document.getElementById("doc-text").textContent.length > 0`)
	var docText string
	d.js(&docText, `return document.getElementById("doc-text").textContent`)
	if !strings.Contains(docText, "fox") || strings.Contains(docText, "@example.com") {
		t.Errorf("document text %q", docText)
	}
	var pagesShown bool
	d.js(&pagesShown, `return getComputedStyle(document.getElementById("pages")).display !== "none"`)
	if pagesShown {
		t.Error("the page buttons show under a document")
	}
	d.press("\uE00C")
	d.wait("back to results", `!document.getElementById("results").hidden && document.getElementById("doc").hidden`)

	// Pages: 22 fox documents, 10 a page; the button and the n/p keys.
	d.js(nil, `document.getElementById("q").value = ""`)
	d.typeInto("#q", "fox\uE007")
	d.wait("first page", `document.getElementById("range").textContent === "1–10 of 22"`)
	d.click("#next")
	d.wait("second page", `document.getElementById("range").textContent === "11–20 of 22"`)
	d.js(nil, `document.activeElement.blur()`)
	d.press("n")
	d.wait("third page", `document.getElementById("range").textContent === "21–22 of 22" && document.getElementById("next").disabled`)
	d.press("p")
	d.wait("back to the second page", `document.getElementById("range").textContent === "11–20 of 22"`)

	// Flag a result: the reason goes through the prompt, the flag into
	// the server's file, and the button says so.
	d.click("#results li[data-index='0'] button.flag")
	d.call("POST", "/alert/text", map[string]string{"text": "looks personal"})
	d.call("POST", "/alert/accept", map[string]any{})
	d.wait("flagged", `document.querySelector("#results li[data-index='0'] button.flag").textContent === "Flagged"`)
	if fl := s.Flags(); len(fl) != 1 || fl[0].Reason != "looks personal" || fl[0].Query != "fox" {
		t.Errorf("flags %+v", fl)
	}

	// Passage to parent.
	d.js(nil, `const c = document.getElementById("corpus"); c.value = "passages"; c.dispatchEvent(new Event("change"))`)
	d.js(nil, `document.getElementById("q").value = ""`)
	d.typeInto("#q", "visit\uE007")
	d.wait("passage hit", `document.querySelectorAll("#results li[data-index]").length === 1`)
	d.click("#results li[data-index='0'] a")
	d.wait("passage view", `!document.getElementById("parent").hidden`)
	d.click("#parent")
	d.wait("parent view", `document.querySelectorAll("#doc-text section").length === 3`)
	var current int
	d.js(&current, `return document.querySelectorAll("#doc-text section.current").length`)
	if current != 1 {
		t.Errorf("%d current passages in the parent view", current)
	}

	// Counting with an n-gram index.
	d.js(nil, `const c = document.getElementById("corpus"); c.value = "counts"; c.dispatchEvent(new Event("change"))`)
	d.js(nil, `document.getElementById("q").value = ""`)
	d.typeInto("#q", " quick brown\uE007")
	d.wait("count", `document.querySelector(".count") && document.querySelector(".count").textContent === "2 occurrences"`)
	d.js(&pagesShown, `return getComputedStyle(document.getElementById("pages")).display !== "none"`)
	if pagesShown {
		t.Error("the page buttons show under a count")
	}
	d.js(nil, `document.getElementById("q").value = ""`)
	d.typeInto("#q", " quick brown fox\uE007")
	d.wait("count of one", `document.querySelector(".count") && document.querySelector(".count").textContent === "1 occurrence"`)

	// Everything the page loaded came from this server.
	var resources []string
	d.js(&resources, `return performance.getEntriesByType("resource").map(e => e.name)`)
	for _, r := range resources {
		if !strings.HasPrefix(r, hs.URL) {
			t.Errorf("the page fetched %s", r)
		}
	}

	// On a phone-sized window nothing overflows sideways.
	d.call("POST", "/window/rect", map[string]int{"width": 375, "height": 740})
	d.js(nil, `document.getElementById("corpus").value = "gcide"; location.hash = "#corpus=gcide&q=fox&offset=0"`)
	d.wait("results on a phone", `document.getElementById("range").textContent === "1–10 of 22"`)
	var overflow bool
	d.js(&overflow, `return document.documentElement.scrollWidth > document.documentElement.clientWidth + 1`)
	if overflow {
		var w []int
		d.js(&w, `return [document.documentElement.scrollWidth, document.documentElement.clientWidth]`)
		t.Errorf("the page is wider than a phone: %v", w)
	}
}
