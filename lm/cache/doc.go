// Package cache keeps the answers of any lm.Model in an SQLite file, so that
// an interrupted evaluation resumes without asking any finished request
// again and a repeated one costs nothing.
//
// # Overview
//
// Open a Cache on a file and Wrap a model with it. The wrapped model answers
// from the file what it can and sends only the rest to the inner model. An
// answer is keyed by the inner model's Name, the request type, the request's
// arguments and, for generation, its settings; sampled generations are keyed
// by their seed too, and identical sampled requests in one batch by their
// position among the copies, so that each draw is cached on its own.
// Identical deterministic requests in one batch are asked only once.
//
// # Resuming
//
// Answers are stored as they finish, not when the batch is done: an inner
// model that implements lm.Streamer hands each answer over at once; any
// other model is called in chunks of Options.ChunkSize requests. Stored
// answers are committed in batched transactions every FlushInterval and
// before every call returns, including when it returns an error or its
// context is cancelled.
//
// # Concurrency
//
// The file is in SQLite's write-ahead-log mode: readers never block, and
// several processes (several fmkit runs sharing a cache) may write it at
// once; a writer waits for another's transaction rather than failing. One
// Cache may serve many goroutines and wrapped models.
package cache
