// Package nltk ports the parts of NLTK that lm-evaluation-harness's IFEval
// checkers call: the Punkt sentence tokenizer with NLTK's pretrained English
// parameters (nltk.data.load("tokenizers/punkt/english.pickle"), which NLTK
// 3.9 serves from the punkt_tab tables embedded here), NLTK's word_tokenize
// (Punkt sentences, then NLTKWordTokenizer's Treebank rules), and the
// RegexpTokenizer(r"\w+") word count.
//
// # Parameters
//
// punkt_tab/english holds the four tables of nltk_data's punkt_tab
// package for English (abbreviations, collocations, sentence starters and
// orthographic contexts), written from NLTK's pretrained English model by
// testdata/gen/eval/punkt_params.py. They are parsed once, on first use.
//
// # Python semantics
//
// Text is handled in code points, as Python strings are. Lower-casing,
// isupper/islower, strip and the \w of the word count follow Python's
// definitions. The regular expressions of the tokenizers run on regexp2,
// whose \w and \s differ from Python's on a few code points (combining
// marks count as \w; U+001C–U+001F are not \s).
package nltk
