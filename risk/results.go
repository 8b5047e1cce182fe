package risk

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Digest returns the SHA-256 of a file's bytes in hexadecimal, as evidence
// records it.
func Digest(path string) (string, error) {
	data, err := readResults(path)
	if err != nil {
		return "", fmt.Errorf("risk: %w", err)
	}
	return digestOf(data), nil
}

func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// CiteResults builds an evidence item citing an fmkit results file at
// path: its digest and, for an evaluation's results JSON (lm-evaluation-
// harness layout), every metric under "results" (keys of the form
// "metric,filter"), so that Check notices when any of them changes.
// ref is how the assessment will name the file, usually a path relative
// to the assessment's folder.
func CiteResults(path, ref string) (Evidence, error) {
	data, err := readResults(path)
	if err != nil {
		return Evidence{}, fmt.Errorf("risk: %w", err)
	}
	doc, err := decodeJSON(data)
	if err != nil {
		return Evidence{}, fmt.Errorf("risk: %s: %w", path, err)
	}
	e := Evidence{Results: ref, SHA256: digestOf(data)}
	top, _ := doc.(map[string]any)
	results, _ := top["results"].(map[string]any)
	for _, task := range sortedKeys(results) {
		metrics, _ := results[task].(map[string]any)
		for _, key := range sortedKeys(metrics) {
			if !strings.Contains(key, ",") {
				continue
			}
			if v, ok := jsonScalar(metrics[key]); ok {
				e.Values = append(e.Values, CitedValue{Pointer: "/results/" + escapePointer(task) + "/" + escapePointer(key), Value: v})
			}
		}
	}
	return e, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// decodeJSON reads one JSON value, keeping numbers exact as json.Number.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("not valid JSON: more than one value")
	}
	return v, nil
}

// jsonScalar converts a decoded JSON scalar to a cited value's type.
func jsonScalar(v any) (any, bool) {
	switch v := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, false
		}
		return f, true
	case string:
		return v, true
	case bool:
		return v, true
	}
	return nil, false
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// errNoValue is returned by lookupPointer when the pointer names nothing.
var errNoValue = errors.New("no value there")

// lookupPointer resolves an RFC 6901 JSON pointer in a decoded document.
func lookupPointer(doc any, pointer string) (any, error) {
	if pointer == "" {
		return doc, nil
	}
	if !strings.HasPrefix(pointer, "/") {
		return nil, fmt.Errorf("%q does not start with /", pointer)
	}
	cur := doc
	for _, tok := range strings.Split(pointer[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, errNoValue
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) || (len(tok) > 1 && tok[0] == '0') {
				return nil, errNoValue
			}
			cur = c[i]
		default:
			return nil, errNoValue
		}
	}
	return cur, nil
}
