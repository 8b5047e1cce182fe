// Package data reads evaluation datasets into documents: JSON, JSON Lines,
// CSV and Parquet files on disk, and datasets on the Hugging Face Hub,
// resolved the way the Python `datasets` library resolves them (the
// dataset card's configs, the default split-name file patterns, and the
// Hub's refs/convert/parquet branch) and cached in the huggingface_hub
// cache layout.
//
// # Documents
//
// A Doc is one row: named values in column order. Values are nil, bool,
// int64, float64, string, []any, or a Doc for a struct value, chosen as
// `datasets` would type them (Arrow's type unification for JSON, pandas'
// inference for CSV, the file's schema for Parquet), so that templates and
// hashes see what Python would see.
//
// # Generated datasets
//
// A dataset_path of the form "fmkit:NAME" names a Generator registered
// with RegisterGenerator (package recursion registers "recursion"): its
// documents are computed in memory, from fixed seeds, instead of read from
// files, and nothing is downloaded.
//
// # Caches
//
// Files come from the hub cache (HF_HUB_CACHE, default $HF_HOME/hub) and are
// shared with huggingface_hub and `datasets`; HF_TOKEN and HF_HUB_OFFLINE
// work as they do there. HF_DATASETS_CACHE, where `datasets` keeps its own
// Arrow conversions, is not read or written: fmkit parses the raw files
// directly, which takes well under a second for evaluation-sized splits.
package data

import (
	"fmt"
	"strings"
)

// Doc is one dataset row (or one struct value inside a row): values in
// column order. Columns is shared by the rows of a split and must not be
// modified.
type Doc struct {
	Columns []string
	Values  []any
}

// Keys returns the column names in order.
func (d Doc) Keys() []string { return d.Columns }

// Get returns the value of column name.
func (d Doc) Get(name string) (any, bool) {
	for i, c := range d.Columns {
		if c == name {
			return d.Values[i], true
		}
	}
	return nil, false
}

// String is a short description for error messages.
func (d Doc) String() string {
	return fmt.Sprintf("{%s}", strings.Join(d.Columns, ", "))
}

// Equal reports whether two values are equal the way Python's == compares
// dicts, lists and scalars (1 == 1.0).
func Equal(a, b any) bool {
	switch x := a.(type) {
	case Doc:
		y, ok := b.(Doc)
		if !ok || len(x.Columns) != len(y.Columns) {
			return false
		}
		for i, c := range x.Columns {
			yv, ok := y.Get(c)
			if !ok || !Equal(x.Values[i], yv) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case int64:
		switch y := b.(type) {
		case int64:
			return x == y
		case float64:
			return float64(x) == y
		case bool:
			return x == boolInt(y)
		}
		return false
	case float64:
		switch y := b.(type) {
		case int64:
			return x == float64(y)
		case float64:
			return x == y
		case bool:
			return x == float64(boolInt(y))
		}
		return false
	case bool:
		switch y := b.(type) {
		case bool:
			return x == y
		case int64, float64:
			return Equal(b, a)
		}
		return false
	}
	return a == b
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// unify gives every row the same columns, in first-seen order, and types
// each column the way Arrow's JSON reader does: a column holding both
// integers and floats becomes float; missing values become nil.
func unify(rows []map[string]any, order []string) []Doc {
	kinds := make(map[string]int, len(order)) // bit 1: int, bit 2: float
	for _, r := range rows {
		for k, v := range r {
			switch v.(type) {
			case int64:
				kinds[k] |= 1
			case float64:
				kinds[k] |= 2
			}
		}
	}
	docs := make([]Doc, len(rows))
	for i, r := range rows {
		vals := make([]any, len(order))
		for j, c := range order {
			v := r[c]
			if n, ok := v.(int64); ok && kinds[c] == 3 {
				v = float64(n)
			}
			vals[j] = v
		}
		docs[i] = Doc{Columns: order, Values: vals}
	}
	return docs
}
