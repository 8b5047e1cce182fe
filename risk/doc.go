// Package risk implements marginal-risk assessments of open model releases,
// following the framework of Kapoor et al., "On the Societal Impact of Open
// Foundation Models" (ICML 2024, arXiv 2403.07918).
//
// # The framework
//
// An assessment takes one misuse vector of a release (spear-phishing scams,
// automated vulnerability detection, ...) through six steps, each graded as
// the paper's Table 1 grades published studies: addressed (●), partially
// addressed (◐) or absent (○).
//
//  1. Threat identification: the misuse vector, how it is carried out, by
//     whom and with what resources.
//  2. Existing risk, absent open foundation models.
//  3. Existing defenses, absent open foundation models, technical and
//     regulatory.
//  4. Evidence of marginal risk: what open release adds over a baseline,
//     the status quo or another release such as API-only access.
//  5. Ease of defending against the new risk.
//  6. Uncertainty and assumptions.
//
// The framework assesses marginal risk only. It does not weigh benefits
// against risks and is not a procedure for deciding whether to release a
// model; every report says so.
//
// # Files
//
// An assessment is a YAML file (fmkit risk new writes a commented
// template):
//
//	fmkit_risk: 1
//	title: ...
//	misuse_vector: spear-phishing scams
//	model: {name: my-org/my-7b, release: open-weights}
//	baseline: the status quo
//	steps:
//	  marginal_risk:
//	    grade: partial          # addressed, partial or absent
//	    finding: ...
//	    basis: {source: ..., quote: ...}   # what the grade rests on
//	    evidence:
//	      - cite: Hazell (2023)
//	        where: section 5
//	        url: https://arxiv.org/abs/2305.06972
//	      - results: results/eval.json    # an fmkit results file
//	        sha256: ...                   # its digest when cited
//	        values:                       # the numbers cited from it
//	          - {pointer: "/results/arc_easy/acc,none", value: 0.61}
//	open_questions: [...]
//
// Load and Parse read a file; a file that does not match the schema gives
// one *FieldError naming the file, the line and the field, and wrapping
// ErrSchema. Marshal writes an assessment back.
//
// # Checks
//
// Check reports what keeps an assessment from being complete and
// verifiable: missing steps, ungraded steps, grades without a finding,
// URLs that are not well formed (nothing is fetched), results files that
// are missing, and results files whose cited values or digest changed since
// they were cited. Each Problem has a Kind for programs and a one-line
// String for people.
//
// # Reports
//
// WriteReport renders assessments in Markdown, HTML or JSON: first the
// paper's Table 1 layout, one row per assessment and one column per step,
// then each step's finding, the basis of its grade and its evidence.
//
// # Examples
//
// The paper's seven graded studies (Table 1) and its two worked analyses
// (Table 2) ship with the package, embedded and as files under examples/.
// The text copy of the paper available when they were written has Table 1's
// marks stripped, so each grade was read from the prose of Appendix B,
// whose sentence for the cell is quoted in the grade's Basis. The paper does
// not grade its Table 2 analyses; their steps are graded addressed because
// the table fills them in, and say so.
package risk
