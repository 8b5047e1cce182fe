// Package web serves corpus search in the browser, as GAIA Search did for
// training corpora: a page (embedded in the binary, fetching nothing from
// elsewhere) with a corpus selector, a query box, results with highlighted
// terms, metadata and scores, documents and their passages, pagination
// and a "flag this result" action, and the JSON API it runs on:
//
//	GET  /api/corpora                      the corpora served
//	GET  /api/search?corpus=&q=&k=&offset= BM25 hits with snippets in pieces
//	GET  /api/doc?corpus=&id=[&q=][&parent=1]  a document, or all passages of its parent
//	GET  /api/count?corpus=&q=[&docs=][&next=] an n-gram's count, matches, next tokens
//	POST /api/flag {corpus, id, query, reason} store a flag in the flags file
//
// Text leaves the server redacted (package pii) unless Options.NoRedact.
// Each client (IP address) gets a token bucket of requests; query strings,
// queries and request bodies have size limits; errors are JSON objects
// {"error": "..."} with a 4xx status.
package web
