package thirdparty

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"
)

// Module is one row of THIRD_PARTY.md's table of Go modules.
type Module struct {
	Path string
	// License is an SPDX expression: identifiers joined by " AND " (all
	// apply) or " OR " (a choice), as Identify reads the first of Files.
	License string
	// Files are the license, notice and patent files at the module's root,
	// the module's own license first.
	Files []string
}

// The headings of THIRD_PARTY.md's tables.
const (
	ModulesHeading   = "Go modules compiled into fmkit"
	ElsewhereHeading = "Files from elsewhere"
	OwnHeading       = "Fixtures made here"
)

var code = regexp.MustCompile("`([^`]+)`")

// tableRows returns the cells of the rows of the Markdown table that
// follows the level-2 heading, without its header and separator rows.
func tableRows(md []byte, heading string) ([][]string, error) {
	sc := bufio.NewScanner(bytes.NewReader(md))
	sc.Buffer(nil, 1<<20)
	in, found := false, false
	var rows [][]string
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "## ") {
			in = strings.TrimSpace(line[3:]) == heading
			found = found || in
			continue
		}
		if !in || !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows = append(rows, cells)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("thirdparty: %w", err)
	}
	if !found {
		return nil, fmt.Errorf("thirdparty: no section %q", heading)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("thirdparty: section %q has no table", heading)
	}
	return rows[2:], nil // header and |---| separator
}

// ParseModules reads the Go module table of THIRD_PARTY.md: rows of
// | `module path` | license | `LICENSE`, `NOTICE` | notes |.
func ParseModules(md []byte) ([]Module, error) {
	rows, err := tableRows(md, ModulesHeading)
	if err != nil {
		return nil, err
	}
	mods := make([]Module, 0, len(rows))
	for i, r := range rows {
		if len(r) < 3 {
			return nil, fmt.Errorf("thirdparty: %s row %d: %d cells, expected module, license, files and notes", ModulesHeading, i+1, len(r))
		}
		p := code.FindStringSubmatch(r[0])
		if p == nil || r[1] == "" {
			return nil, fmt.Errorf("thirdparty: %s row %d: expected a `module path` and a license, got %q and %q", ModulesHeading, i+1, r[0], r[1])
		}
		m := Module{Path: p[1], License: r[1]}
		for _, f := range code.FindAllStringSubmatch(r[2], -1) {
			m.Files = append(m.Files, f[1])
		}
		mods = append(mods, m)
	}
	return mods, nil
}

// ParsePatterns returns the path patterns (in backquotes) of the first
// column of the table under heading.
func ParsePatterns(md []byte, heading string) ([]string, error) {
	rows, err := tableRows(md, heading)
	if err != nil {
		return nil, err
	}
	var pats []string
	for i, r := range rows {
		found := code.FindAllStringSubmatch(r[0], -1)
		if len(found) == 0 {
			return nil, fmt.Errorf("thirdparty: %s row %d: no `path` in %q", heading, i+1, r[0])
		}
		for _, f := range found {
			if _, err := path.Match(f[1], ""); err != nil {
				return nil, fmt.Errorf("thirdparty: %s row %d: pattern %q: %w", heading, i+1, f[1], err)
			}
			pats = append(pats, f[1])
		}
	}
	return pats, nil
}

// Match reports whether the slash-separated path name matches pattern. A
// pattern that ends in "/" names a folder and matches everything under the
// folders it matches; any pattern is matched with path.Match, where * does
// not cross a "/".
func Match(pattern, name string) bool {
	dir, isDir := strings.CutSuffix(pattern, "/")
	if !isDir {
		ok, _ := path.Match(pattern, name)
		return ok
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '/' {
			if ok, _ := path.Match(dir, name[:i]); ok {
				return true
			}
		}
	}
	return false
}
