package data

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/parquet-go/parquet-go"
)

// ReadParquetFile reads every row of a Parquet file, columns in schema
// order, nested groups as Doc values and repeated fields as lists.
func ReadParquetFile(path string) (docs []Doc, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("data: %s: not a readable Parquet file: %w", path, err)
	}
	defer func() {
		// parquet-go panics on some malformed files; report them as errors.
		if r := recover(); r != nil {
			docs, err = nil, fmt.Errorf("data: %s: malformed Parquet file: %v", path, r)
		}
	}()
	schema := pf.Schema()
	cols := make([]string, 0, len(schema.Fields()))
	for _, fl := range schema.Fields() {
		cols = append(cols, fl.Name())
	}
	reader := parquet.NewReader(pf)
	defer reader.Close()
	for {
		row := map[string]any{}
		if err := reader.Read(&row); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("data: %s: row %d: %w", path, len(docs), err)
		}
		vals := make([]any, len(cols))
		for i, fl := range schema.Fields() {
			vals[i] = parquetValue(row[fl.Name()], fl)
		}
		docs = append(docs, Doc{Columns: cols, Values: vals})
	}
	return docs, nil
}

// parquetValue maps what parquet-go decodes into the Doc value types,
// ordering struct fields by the schema.
func parquetValue(v any, field parquet.Field) any {
	switch x := v.(type) {
	case nil:
		return nil
	case map[string]any:
		fields := field.Fields()
		if field.Repeated() || len(fields) == 0 {
			break
		}
		cols := make([]string, len(fields))
		vals := make([]any, len(fields))
		for i, f := range fields {
			cols[i] = f.Name()
			vals[i] = parquetValue(x[f.Name()], f)
		}
		return Doc{Columns: cols, Values: vals}
	case []any:
		out := make([]any, len(x))
		elem := listElement(field)
		for i, e := range x {
			out[i] = parquetValue(e, elem)
		}
		return out
	case int32:
		return int64(x)
	case int64:
		return x
	case uint32:
		return int64(x)
	case uint64:
		return int64(x)
	case int:
		return int64(x)
	case float32:
		return float64(x)
	case float64, bool, string:
		return x
	case []byte:
		return string(x)
	}
	return v
}

// listElement finds the element field of a LIST-annotated group
// (list.element) or returns the field itself for plain repeated fields.
func listElement(f parquet.Field) parquet.Field {
	fs := f.Fields()
	if len(fs) == 1 && len(fs[0].Fields()) == 1 && fs[0].Repeated() {
		return fs[0].Fields()[0]
	}
	return f
}
