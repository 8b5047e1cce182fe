// Package thirdparty checks fmkit's record of what it takes from elsewhere,
// THIRD_PARTY.md: which Go modules are compiled into fmkit and under which
// licenses, and where each file under testdata/ and docs/ comes from.
//
// Identify recognises a license text by the sentences that make it that
// license (its grant and conditions), so that a module's license file is
// checked, not its name. ParseModules and ParsePatterns read the tables of
// THIRD_PARTY.md; CheckModule compares one module's files with its row.
// The package's tests run the check on the repository itself.
package thirdparty
