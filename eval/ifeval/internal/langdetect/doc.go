// Package langdetect identifies the language of a text as the Python
// langdetect package (1.0.9, a port of Shuyo Nakatani's
// language-detection) does, for lm-evaluation-harness's IFEval checkers,
// which call langdetect.detect.
//
// # Method
//
// The text is cleaned (URLs and e-mail addresses removed, Vietnamese
// diacritics composed, runs of spaces collapsed, Latin letters dropped from
// mostly non-Latin text) and cut into character 1-, 2- and 3-grams after
// langdetect's per-script normalization. Seven trials each start from a
// uniform distribution over the 55 languages and multiply in the profile
// probabilities of n-grams drawn at random, with a smoothing constant
// jittered by a Gaussian draw, until one language's probability exceeds
// 0.99999 or 1000 draws; the trials are averaged and the most probable
// language above 0.1 wins.
//
// # Randomness
//
// langdetect draws from Python's random.Random, seeded from the operating
// system unless DetectorFactory.seed is set, so lm-eval's answer on a text
// whose languages are close can differ between runs. Detect takes the seed
// and reproduces Python's Mersenne Twister, random.choice and random.gauss,
// so for a given seed it returns what langdetect returns with that seed.
//
// # Data
//
// profiles.json.gz holds langdetect's 55 language profiles and its
// normalization tables, written from Debian's python3-langdetect by
// testdata/gen/eval/langdetect_profiles.py; it is parsed once, on first
// use.
package langdetect
