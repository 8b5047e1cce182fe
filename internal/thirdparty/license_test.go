package thirdparty

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Excerpts of license texts: the sentences Identify looks for, laid out
// as the files lay them out (line breaks, Markdown, quotes).
const (
	mitText = `MIT License

Copyright (c) 2021 Someone

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal`
	bsd3Text = `Copyright (c) 2013 The Authors. All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:
   * Neither the name of the copyright holder nor the names of its contributors
     may be used to endorse or promote products derived from this software
     without specific prior written permission.`
	bsd2Text = `Redistribution and use in source and binary forms, with or without modification,
are permitted provided that the following conditions are met:
  Redistributions of source code must retain the above copyright notice.`
	apacheText = `                                 Apache License
                           Version 2.0, January 2004
   3. Grant of Patent License. Subject to the terms and conditions of`
	apacheNotice = `Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.`
	mplText = `Mozilla Public License Version 2.0
==================================
1.12. "Secondary License"
      means either the GNU General Public License, Version 2.0, the GNU Lesser
      General Public License, Version 2.1, the GNU Affero General Public
      License, Version 3.0, or any later versions of those licenses;`
	gpl2Text = `                    GNU GENERAL PUBLIC LICENSE
                       Version 2, June 1991`
	gplNotice = `This program is free software; you can redistribute it and/or modify
it under the terms of the GNU General Public License as published by`
	freetypeText = `Use of the Freetype-Go software is subject to your choice of exactly one of
the following two licenses:
  * The FreeType License, which is similar to the original BSD license with
    an advertising clause, or
  * The GNU General Public License (GPL), version 2 or later.`
)

func TestIdentify(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"MIT", mitText, []string{"MIT"}},
		{"BSD-3-Clause", bsd3Text, []string{"BSD-3-Clause"}},
		{"BSD-2-Clause", bsd2Text, []string{"BSD-2-Clause"}},
		{"Apache-2.0", apacheText, []string{"Apache-2.0"}},
		{"Apache-2.0 notice", apacheNotice, []string{"Apache-2.0"}},
		{"MPL-2.0 names the GNU licenses without being one", mplText, []string{"MPL-2.0"}},
		{"GPL-2.0 text", gpl2Text, []string{"GPL-2.0"}},
		{"GPL notice", gplNotice, []string{"GPL"}},
		{"a choice of two", freetypeText, []string{"FTL OR GPL-2.0-or-later"}},
		{"two licenses in one file", mitText + "\n\n" + apacheNotice, []string{"Apache-2.0", "MIT"}},
		{"upper case and Markdown", "## " + strings.ToUpper(mitText), []string{"MIT"}},
		{"nothing known", "All rights reserved. Do not copy.", nil},
		{"empty", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Identify([]byte(tc.text)); !slices.Equal(got, tc.want) {
				t.Errorf("Identify = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAcceptable(t *testing.T) {
	for _, tc := range []struct {
		expr string
		ok   bool
	}{
		{"MIT", true},
		{"Apache-2.0 AND MIT AND BSD-3-Clause", true},
		{"FTL OR GPL-2.0-or-later", true},
		{"GPL-2.0-or-later OR MIT", true},
		{"GPL-3.0", false},
		{"MIT AND AGPL-3.0", false},
		{"LGPL-2.1 OR GPL", false},
		{"", false},
	} {
		err := Acceptable(tc.expr)
		if (err == nil) != tc.ok || err != nil && !errors.Is(err, ErrNotAcceptable) {
			t.Errorf("Acceptable(%q) = %v, want ok=%v (ErrNotAcceptable otherwise)", tc.expr, err, tc.ok)
		}
	}
}

// moduleDir writes a module folder holding the given files.
func moduleDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCheckModule(t *testing.T) {
	files := map[string]string{"LICENSE": bsd3Text, "PATENTS": "Additional IP Rights Grant (Patents)", "go.mod": "module x", "license.go": "package x"}
	for _, tc := range []struct {
		name  string
		row   Module
		files map[string]string
		want  []string // substrings of the error; none means no error
	}{
		{"agrees", Module{Path: "x", License: "BSD-3-Clause", Files: []string{"LICENSE", "PATENTS"}}, files, nil},
		{"files named in another order", Module{Path: "x", License: "BSD-3-Clause", Files: []string{"LICENSE", "PATENTS"}},
			map[string]string{"PATENTS": "p", "LICENSE": bsd3Text}, nil},
		{"license differs", Module{Path: "x", License: "MIT", Files: []string{"LICENSE", "PATENTS"}}, files,
			[]string{"module x", "LICENSE reads as BSD-3-Clause, THIRD_PARTY.md says MIT"}},
		{"a license file the row lacks", Module{Path: "x", License: "BSD-3-Clause", Files: []string{"LICENSE"}}, files,
			[]string{"license files `LICENSE`, `PATENTS`, THIRD_PARTY.md names `LICENSE`"}},
		{"a row file the module lacks", Module{Path: "x", License: "BSD-3-Clause", Files: []string{"LICENSE", "NOTICE", "PATENTS"}}, files,
			[]string{"THIRD_PARTY.md names `LICENSE`, `NOTICE`, `PATENTS`"}},
		{"text not recognised", Module{Path: "x", License: "MIT", Files: []string{"LICENSE"}},
			map[string]string{"LICENSE": "All rights reserved."}, []string{"LICENSE reads as (not recognised"}},
		{"GPL", Module{Path: "x", License: "GPL-2.0", Files: []string{"COPYING"}},
			map[string]string{"COPYING": gpl2Text}, []string{"not acceptable", "GPL-2.0"}},
		{"several problems at once", Module{Path: "x", License: "MIT", Files: []string{"LICENSE"}}, files,
			[]string{"license files", "reads as BSD-3-Clause"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckModule(tc.row, moduleDir(t, tc.files))
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("CheckModule: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckModule passed, want an error with %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if tc.row.License == "GPL-2.0" && !errors.Is(err, ErrNotAcceptable) {
				t.Errorf("error %v does not wrap ErrNotAcceptable", err)
			}
		})
	}
}

func TestLicenseFiles(t *testing.T) {
	dir := moduleDir(t, map[string]string{"LICENSE.txt": "", "LICENSE-SIL": "", "COPYING": "", "NOTICE": "", "PATENTS": "",
		"licenses.go": "", "README.md": "", "UNLICENSE": "", "license_test.go": ""})
	got, err := LicenseFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"COPYING", "LICENSE-SIL", "LICENSE.txt", "NOTICE", "PATENTS", "UNLICENSE"}
	if !slices.Equal(got, want) {
		t.Errorf("LicenseFiles = %q, want %q", got, want)
	}
	if _, err := LicenseFiles(filepath.Join(dir, "missing")); err == nil {
		t.Error("LicenseFiles of a missing folder: no error")
	}
}
