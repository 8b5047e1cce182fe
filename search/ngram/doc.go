// Package ngram counts n-grams exactly in large tokenized corpora with a
// suffix array, as infini-gram does.
package ngram
