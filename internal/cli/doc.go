// Package cli implements the fmkit command line: one file per subcommand,
// each turning flags into a call of a library package and rendering the
// result as a table for people or JSON for programs. Nothing here is needed
// by a library user.
//
// # The top floor, not a helper
//
// cli is layer 6 of the layer map in ARCHITECTURE.md, the top floor: it
// may import every package of the module, and only cmd/fmkit imports it
// (its main makes the signal-aware context and calls Main). It lives under
// internal/ so that no other module can import it, not because it is a
// helper. The other packages under internal/ (atomicfile, chartok,
// memtest, mmap, py, ...) are the opposite: small leaves that any layer may
// import.
//
// # Where things go
//
//   - A subcommand: one file here (shapes.go and erase.go show the
//     pattern), registered with one line in root.go's AddCommand. Its tests
//     run the real command through Main and check the exit code and output.
//   - Opening a model: models.Resolve turns a --model spec (a directory or
//     GGUF file, builtin:NAME, hf:ORG/NAME) into a directory, and
//     lm/native.Open loads weights and tokenizer; engine.go only checks the
//     flags and names them in errors.
//   - Anything a library user would also need (an aggregation, a file
//     format, a retry loop) belongs in a library package, and the command
//     calls it.
package cli
