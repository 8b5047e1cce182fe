package data

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// ReadJSON reads a JSON array of objects or JSON Lines (one object per
// line), keeping key order. name is used in errors.
func ReadJSON(r io.Reader, name string) ([]Doc, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	first, err := firstNonSpace(br)
	if err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, fmt.Errorf("data: read %s: %w", name, err)
	}
	var order []string
	seen := map[string]bool{}
	var rows []map[string]any
	add := func(obj *orderedObject) {
		m := make(map[string]any, len(obj.keys))
		for i, k := range obj.keys {
			if !seen[k] {
				seen[k] = true
				order = append(order, k)
			}
			m[k] = toDocValue(obj.vals[i])
		}
		rows = append(rows, m)
	}
	if first == '[' {
		dec := json.NewDecoder(br)
		dec.UseNumber()
		if _, err := dec.Token(); err != nil {
			return nil, fmt.Errorf("data: %s: %w", name, err)
		}
		for i := 0; dec.More(); i++ {
			v, err := decodeValue(dec)
			if err != nil {
				return nil, fmt.Errorf("data: %s: record %d: %w", name, i, err)
			}
			obj, ok := v.(*orderedObject)
			if !ok {
				return nil, fmt.Errorf("data: %s: record %d is not a JSON object", name, i)
			}
			add(obj)
		}
	} else {
		line := 0
		for {
			text, err := br.ReadBytes('\n')
			if len(text) > 0 {
				line++
				if t := bytes.TrimSpace(text); len(t) > 0 {
					dec := json.NewDecoder(bytes.NewReader(t))
					dec.UseNumber()
					v, derr := decodeValue(dec)
					if derr != nil {
						return nil, fmt.Errorf("data: %s:%d: %w", name, line, derr)
					}
					obj, ok := v.(*orderedObject)
					if !ok {
						return nil, fmt.Errorf("data: %s:%d: expected a JSON object", name, line)
					}
					add(obj)
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("data: read %s: %w", name, err)
			}
		}
	}
	return unify(rows, order), nil
}

func firstNonSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		if b == 0xEF { // UTF-8 byte order mark
			br.ReadByte()
			br.ReadByte()
			continue
		}
		if !strings.ContainsRune(" \t\r\n", rune(b)) {
			return b, br.UnreadByte()
		}
	}
}

type orderedObject struct {
	keys []string
	vals []any
}

// decodeValue decodes one JSON value keeping object key order; integers
// stay int64, other numbers become float64 (as Python's json does).
func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := &orderedObject{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				obj.keys = append(obj.keys, kt.(string))
				obj.vals = append(obj.vals, v)
			}
			_, err := dec.Token()
			return obj, err
		case '[':
			list := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				list = append(list, toDocValue(v))
			}
			_, err := dec.Token()
			return list, err
		}
	case json.Number:
		if n, err := t.Int64(); err == nil && !strings.ContainsAny(string(t), ".eE") {
			return n, nil
		}
		return t.Float64()
	}
	return tok, nil
}

func toDocValue(v any) any {
	if obj, ok := v.(*orderedObject); ok {
		vals := make([]any, len(obj.vals))
		for i, x := range obj.vals {
			vals[i] = toDocValue(x)
		}
		return Doc{Columns: obj.keys, Values: vals}
	}
	return v
}

// DecodeJSON decodes one JSON value as Python's json.loads does: objects
// become Docs with their keys in order, integers int64, other numbers
// float64, arrays []any.
func DecodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, fmt.Errorf("data: JSON value: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("data: JSON value: trailing data")
	}
	return toDocValue(v), nil
}
