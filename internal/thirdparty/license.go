package thirdparty

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// A signature recognises one license by phrases its text always holds
// and phrases it never holds, compared after normalize.
type signature struct {
	id   string
	all  []string
	none []string
}

// signatures are the licenses Identify knows, each by the sentences that
// make it what it is (the grant, the conditions), not by its title alone.
var signatures = []signature{
	{id: "Apache-2.0", all: []string{"Apache License", "Version 2.0", "Grant of Patent License"}},
	{id: "Apache-2.0", all: []string{"Licensed under the Apache License, Version 2.0"}}, // the short notice
	{id: "MIT", all: []string{"Permission is hereby granted, free of charge, to any person obtaining a copy"}},
	{id: "BSD-3-Clause", all: []string{"Redistribution and use in source and binary forms", "endorse or promote products derived from this software"}},
	{id: "BSD-2-Clause", all: []string{"Redistribution and use in source and binary forms"}, none: []string{"endorse or promote products derived from this software"}},
	{id: "ISC", all: []string{"Permission to use, copy, modify, and/or distribute this software for any purpose with or without fee is hereby granted"}},
	{id: "CC-BY-4.0", all: []string{"Creative Commons Attribution 4.0 International"}},
	{id: "OFL-1.1", all: []string{"SIL OPEN FONT LICENSE", "Version 1.1"}},
	{id: "MPL-2.0", all: []string{"Mozilla Public License Version 2.0"}},
	{id: "Unlicense", all: []string{"This is free and unencumbered software released into the public domain"}},
	// The Freetype-Go file offers a choice of two licenses in one text.
	{id: "FTL OR GPL-2.0-or-later", all: []string{"subject to your choice of exactly one of the following two licenses", "FreeType License", "GNU General Public License"}},
	// The GNU licenses by their title lines (which other licenses' texts,
	// such as MPL-2.0's list of secondary licenses, do not repeat) or by
	// the notice that puts a file under them.
	{id: "GPL-2.0", all: []string{"GNU GENERAL PUBLIC LICENSE Version 2, June 1991"}},
	{id: "GPL-3.0", all: []string{"GNU GENERAL PUBLIC LICENSE Version 3, 29 June 2007"}},
	{id: "LGPL-2.1", all: []string{"GNU LESSER GENERAL PUBLIC LICENSE Version 2.1, February 1999"}},
	{id: "LGPL-3.0", all: []string{"GNU LESSER GENERAL PUBLIC LICENSE Version 3, 29 June 2007"}},
	{id: "AGPL-3.0", all: []string{"GNU AFFERO GENERAL PUBLIC LICENSE Version 3, 19 November 2007"}},
	{id: "GPL", all: []string{"you can redistribute it and/or modify it under the terms of the GNU General Public License"}},
	{id: "LGPL", all: []string{"you can redistribute it and/or modify it under the terms of the GNU Lesser General Public License"}},
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// normalize folds case and turns every run of punctuation and white space
// into one space, so that line breaks, Markdown and quotes do not matter.
func normalize(s string) string {
	return " " + strings.TrimSpace(nonWord.ReplaceAllString(strings.ToLower(s), " ")) + " "
}

// Identify returns the SPDX identifiers of the licenses whose texts occur
// in text, in a fixed order, or nothing if it recognises none. A file that
// holds two licenses (a project's own and a vendored part's) gives both.
func Identify(text []byte) []string {
	t := normalize(string(text))
	var ids []string
	for _, s := range signatures {
		if holdsAll(t, s.all) && !holdsAny(t, s.none) && !slices.Contains(ids, s.id) {
			ids = append(ids, s.id)
		}
	}
	return ids
}

func holdsAll(text string, phrases []string) bool {
	for _, p := range phrases {
		if !strings.Contains(text, normalize(p)) {
			return false
		}
	}
	return true
}

func holdsAny(text string, phrases []string) bool {
	for _, p := range phrases {
		if strings.Contains(text, normalize(p)) {
			return true
		}
	}
	return false
}

// acceptable are the licenses under which a module may be compiled into
// fmkit, whose own license is Apache-2.0: permissive licenses (whose
// notices THIRD_PARTY.md and the release's license file carry), the
// Creative Commons attribution license (svgo), the font license of the
// embedded Liberation fonts, and MPL-2.0, whose copyleft stays with its
// own files.
var acceptable = []string{"Apache-2.0", "MIT", "BSD-3-Clause", "BSD-2-Clause", "ISC", "CC-BY-4.0", "OFL-1.1", "MPL-2.0", "Unlicense", "FTL"}

// ErrNotAcceptable reports a license that cannot be compiled into fmkit.
var ErrNotAcceptable = errors.New("thirdparty: license not acceptable in an Apache-2.0 binary")

// Acceptable checks an SPDX expression of identifiers joined by " AND "
// (every one applies, so every one must be acceptable) or by " OR " (a
// choice: one acceptable alternative suffices).
func Acceptable(expr string) error {
	if expr == "" {
		return fmt.Errorf("%w: no license", ErrNotAcceptable)
	}
	for _, term := range strings.Split(expr, " AND ") {
		choices := strings.Split(term, " OR ")
		if !slices.ContainsFunc(choices, func(id string) bool { return slices.Contains(acceptable, id) }) {
			return fmt.Errorf("%w: %s", ErrNotAcceptable, term)
		}
	}
	return nil
}

// licenseFile matches the names of license and notice files at a
// module's root (LICENSE, LICENSE.md, LICENSE-SIL, COPYING, NOTICE, …).
var licenseFile = regexp.MustCompile(`(?i)^(licen[cs]e|copying|notice|patents|unlicense)([-._].*)?$`)

// LicenseFiles lists the license, notice and patent files at the root of
// dir, sorted; Go source files (license.go) are not among them.
func LicenseFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("thirdparty: %w", err)
	}
	var names []string
	for _, e := range entries {
		if licenseFile.MatchString(e.Name()) && !strings.HasSuffix(e.Name(), ".go") && !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// CheckModule compares the module's files in dir with its row: the
// license files at its root must be the ones the row names, and the
// licenses recognised in the row's first file, the module's own license,
// must be the row's. It returns every disagreement at once.
func CheckModule(m Module, dir string) error {
	var errs []error
	files, err := LicenseFiles(dir)
	if err != nil {
		return err
	}
	if want := slices.Sorted(slices.Values(m.Files)); !slices.Equal(files, want) {
		errs = append(errs, fmt.Errorf("license files %s, THIRD_PARTY.md names %s", quoteAll(files), quoteAll(want)))
	}
	if len(m.Files) > 0 {
		text, err := os.ReadFile(filepath.Join(dir, m.Files[0]))
		if err != nil {
			errs = append(errs, fmt.Errorf("read %s: %w", m.Files[0], err))
		} else {
			got := strings.Join(Identify(text), " AND ")
			if got == "" {
				got = "(not recognised: classify it by hand and extend the signatures in internal/thirdparty)"
			}
			if got != m.License {
				errs = append(errs, fmt.Errorf("%s reads as %s, THIRD_PARTY.md says %s", m.Files[0], got, m.License))
			}
		}
	}
	if err := Acceptable(m.License); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("thirdparty: module %s: %w", m.Path, errors.Join(errs...))
	}
	return nil
}

func quoteAll(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return "`" + strings.Join(names, "`, `") + "`"
}
