// Package ifeval implements the instruction checkers of IFEval (Zhou et
// al., 2023, "Instruction-Following Evaluation for Large Language
// Models") as lm-evaluation-harness runs them in its ifeval and
// leaderboard_ifeval tasks, without Python.
//
// # Instructions
//
// Each of the 25 instruction ids of lm-eval's INSTRUCTION_DICT
// ("keywords:existence", "length_constraints:number_sentences",
// "language:response_language", ...) has a check built from the keyword
// arguments that the dataset's kwargs column gives it. As in lm-eval,
// arguments Python counts as false (None, 0, "", []) are dropped first,
// keywords and section splitters are Python regular expressions, and a
// blank response follows no instruction. Checker.Strict checks the
// response as it is; Checker.Loose also tries it without its first line,
// its last line or both, and each of those without asterisks.
// InstructionAccuracy is lm-eval's agg_inst_level_acc.
//
// # Where lm-eval is random
//
// lm-eval fills a missing argument with a random choice from Python's
// process-wide generator, so its verdict then depends on the whole run.
// Here a missing or out-of-range argument is an ErrArgument, except the
// one case the IFEval data has: a letter_frequency letter that is not an
// ASCII letter ("#", "!"), which lm-eval replaces by a random letter; the
// port draws it from random.Random(0). langdetect, which lm-eval leaves
// unseeded, runs with Checker.LanguageSeed (0 by default).
//
// # Text processing
//
// Sentence counts use NLTK's Punkt tokenizer with nltk_data's English
// parameters, capital-word counts use nltk.word_tokenize, word counts
// count \w+ runs, and language checks use a port of langdetect with its
// 55 profiles (internal/nltk, internal/langdetect; the data is embedded).
// Strings are handled as Python handles them: code points, Python's
// lower(), isupper() and islower(), and strip() of Unicode white space.
// Patterns run on regexp2 (internal/py), whose \w, \s and  differ from
// Python's on a few code points (combining marks are \w; U+001C–U+001F
// are not \s).
//
// # Agreement
//
// Every check, strict and loose, and ifeval's process_results and
// aggregation are tested against lm-eval's own functions run under
// Python (testdata/gen/eval/ifeval_fixtures.py): 135 instruction and
// argument combinations from the IFEval data on 100 probe responses, and
// the 540 IFEval prompts with GPT-4's responses and two variants of each.
package ifeval
