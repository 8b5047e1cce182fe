// Package recursion implements structural recursion as sequence modelling:
// the framework of Zhang, Tigges, Zhang, Biderman, Raginsky and Ringer,
// "Transformer-Based Models Are Not Yet Perfect At Learning to Emulate
// Structural Recursion" (TMLR 2024, arXiv 2401.12947; an earlier version is
// arXiv 2305.14699). It provides recursive datatypes written as token
// sequences, structurally recursive functions on them with two semantics
// (step-wise reduction and an abstract state machine), datasets with
// edge-case classes, the built-in evaluation tasks' documents, the tasks'
// tokenizer, and the analysis of the shortcuts a model learns instead of
// the recursion.
//
// # Syntax
//
// Three datatypes, as Coq declares them (Positive, Tree, List; labels are
// Nat numerals):
//
//	Inductive positive := xI : positive -> positive | xO : positive -> positive | xH : positive.
//	Inductive tree     := Leaf : tree | Node : nat -> tree -> tree -> tree.
//	Inductive list     := nil : list | cons : nat -> list -> list.
//
// A positive is written least significant bit outermost: xH is 1, xO p is
// 2p, xI p is 2p+1, so xI (xO xH) is 5. Node takes its label first, so a
// tree's labels appear in pre-order when it is written. Terms print in
// Coq's prefix notation (Term.String, Parse: "succ (xI (xO xH))") or, for
// values, in a compact Polish notation with one letter per constructor
// (Compact, ParseCompact: "IOH", "N3N1LLL", "C3C1E"). Both round-trip
// exactly.
//
// # Functions
//
// A Func is a Fixpoint: typed parameters and a body in the same notation,
// recursive calls by name. NewEnv checks definitions: types, exhaustive
// matches, and the guard condition (every recursive call passes, as the
// structural argument, a variable bound by matching on the structural
// parameter), so every function terminates. Builtins are Coq's Pos.succ,
// Pos.add with its mutual helper add_carry, list append, and pre-, in- and
// post-order traversal. A new function is one more Func given to NewEnv
// (see Func); everything below then works for it.
//
// # Semantics
//
// Env.Eval computes answers directly. Env.Trace reduces step by step: each
// step is exactly one δ (unfold a call into fun params => body), β
// (substitute one argument) or ι (select the matching case) rewrite of the
// leftmost-outermost redex outside funs and match cases (weak call-by-name
// reduction), and the last step is the normal form, equal to Eval's
// answer. Env.Machine runs the abstract state machine: each state is the
// term being evaluated (or the value being returned) and a stack of frames
// (terms with one hole, "_") holding the pending work; each transition
// pushes, calls, matches, returns a value or pops.
//
// # Datasets
//
// Generate draws examples of a function within Ranges (bits of positives;
// nodes and depth of trees) from the natural distribution (uniform sizes
// and bits, random binary-search-tree shapes), a Balanced one over the
// function's edge-case classes, or the natural one with chosen classes
// oversampled. The classes: for succ, carry_0, carry_1, carry_2_3,
// carry_4_7, carry_8plus (the number of trailing 1 bits the carry runs
// through), all_ones (the answer needs a new bit) and longer (beyond the
// training lengths); for add the same by the longest run of carries, with
// grows for a sum with a new bit; for the traversals random, left_spine,
// right_spine, zigzag, perfect and deeper. Examples carry their features
// and tags ("len:7", "carry:3", "all_ones", "grows", "nodes:5", "depth:3",
// "shape:perfect"). Sampling uses its own SplitMix64 generator and no
// floating point, so a seed gives the same examples on every machine.
//
// `fmkit recursion gen` writes one Example per line as JSON:
//
//	id              int       index in the file's function
//	split           string    split name ("train")
//	function        string    "succ"
//	args            []string  arguments in Coq's notation
//	args_compact    []string  arguments in the compact notation
//	call            string    "succ (xI (xO xH))"
//	args_text       string    what follows the name: "(xI (xO xH))"
//	target          string    the answer, "xO (xI xH)"
//	target_compact  string    "OIH"
//	bucket          string    edge-case class
//	tags            []string  features as labels
//	len, carry      int       bits of the longest positive; carry chain
//	all_ones, grows bool      (omitted when false)
//	nodes, depth    int       of the first tree argument (omitted when 0)
//	shape           string    leaf, single, left_spine, right_spine, zigzag, perfect, other
//	trace_steps     int       rewrites to normal form (with --trace)
//	trace           [{rule, term}]               with --trace
//	machine         [{via, mode, term, stack}]   with --machine
//
// LMCorpus (`fmkit recursion gen --lm text`) writes training text for a
// language model in the built-in tasks' format, "succ (xI xH) = xO (xO
// xH)\n", holding out the built-in test sets' inputs.
//
// # Evaluation tasks
//
// HarnessDocs is registered with package data as the generated dataset
// "fmkit:recursion", which the built-in task YAMLs of eval/tasks/recursion
// name: recursion_succ, recursion_add, recursion_preorder,
// recursion_inorder and recursion_postorder (prompt "CALL =", answer
// exact match), their _icl variants (k demonstrations "f ARGS = ANSWER",
// then the query) and _trace variants (prompt "TERM ->", answer the next
// reduction step). Each is a group with one subtask per edge-case class (per
// rewrite rule for _trace), so results show accuracy per class and overall.
// The documents come from fixed seeds and are the same on every run and
// machine. Import this package (the fmkit command does) to make the
// dataset available to eval.
//
// # Shortcuts
//
// Env.Analyze scores a model's predictions (ReadPredictions reads eval
// sample logs) by class and fits candidate Shortcuts to them, reporting the
// share of the model's failures each reproduces exactly, such as the
// successor that never grows the number or a carry chain cut after k bits.
package recursion
