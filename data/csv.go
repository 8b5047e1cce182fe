package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// pandasNA is pandas.read_csv's default set of strings read as missing.
var pandasNA = map[string]bool{
	"": true, "#N/A": true, "#N/A N/A": true, "#NA": true, "-1.#IND": true, "-1.#QNAN": true,
	"-NaN": true, "-nan": true, "1.#IND": true, "1.#QNAN": true, "<NA>": true, "N/A": true,
	"NA": true, "NULL": true, "NaN": true, "None": true, "n/a": true, "nan": true, "null": true,
}

// ReadCSV reads a CSV file with a header row, typing each column as
// pandas.read_csv and Arrow would: integers, floats (integers with missing
// values become floats), booleans, else strings; missing values are nil.
func ReadCSV(r io.Reader, name string) ([]Doc, error) {
	cr := csv.NewReader(r)
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("data: %s: %w", name, err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	cols := dedupeColumns(header)
	var records [][]string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("data: %s: %w", name, err)
		}
		if len(rec) > len(cols) {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("data: %s:%d: %d fields, header has %d", name, line, len(rec), len(cols))
		}
		records = append(records, rec)
	}
	typed := make([][]any, len(cols))
	for j := range cols {
		raw := make([]string, len(records))
		for i, rec := range records {
			if j < len(rec) {
				raw[i] = rec[j]
			}
		}
		typed[j] = typeColumn(raw)
	}
	docs := make([]Doc, len(records))
	for i := range records {
		vals := make([]any, len(cols))
		for j := range cols {
			vals[j] = typed[j][i]
		}
		docs[i] = Doc{Columns: cols, Values: vals}
	}
	return docs, nil
}

// dedupeColumns renames repeated headers as pandas does: a, a.1, a.2.
func dedupeColumns(h []string) []string {
	seen := map[string]int{}
	out := make([]string, len(h))
	for i, c := range h {
		name := c
		if n := seen[c]; n > 0 {
			name = fmt.Sprintf("%s.%d", c, n)
		}
		seen[c]++
		out[i] = name
	}
	return out
}

func typeColumn(raw []string) []any {
	out := make([]any, len(raw))
	allInt, allFloat, allBool, anyNA, anyValue := true, true, true, false, false
	for _, s := range raw {
		if pandasNA[s] {
			anyNA = true
			continue
		}
		anyValue = true
		t := strings.TrimSpace(s)
		if _, err := strconv.ParseInt(t, 10, 64); err != nil {
			allInt = false
		}
		if _, err := parsePandasFloat(t); err != nil {
			allFloat = false
		}
		switch s {
		case "True", "TRUE", "true", "False", "FALSE", "false":
		default:
			allBool = false
		}
	}
	if !anyValue {
		return out // an all-missing column: pandas gives NaN floats, Arrow nulls
	}
	for i, s := range raw {
		if pandasNA[s] {
			continue
		}
		t := strings.TrimSpace(s)
		switch {
		case allInt && !anyNA:
			out[i], _ = strconv.ParseInt(t, 10, 64)
		case allInt || allFloat:
			out[i], _ = parsePandasFloat(t)
		case allBool && !anyNA:
			out[i] = strings.EqualFold(s, "true")
		default:
			out[i] = s
		}
	}
	return out
}

func parsePandasFloat(s string) (float64, error) {
	switch strings.ToLower(s) {
	case "inf", "+inf", "infinity", "+infinity", "-inf", "-infinity":
		return strconv.ParseFloat(s, 64)
	}
	if strings.ContainsAny(s, "_xXpP") { // Go accepts forms pandas does not
		return 0, errors.New("not a float")
	}
	return strconv.ParseFloat(s, 64)
}
