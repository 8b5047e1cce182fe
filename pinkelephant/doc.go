// Package pinkelephant builds, evaluates and compares avoidance of a
// "Pink Elephant", after Castricato et al., "Suppressing Pink Elephants
// with Direct Principle Feedback" (arXiv 2402.07896): a chat model told
// not to mention one entity (the Pink Elephant) and to talk about a
// preferred one (the Grey Elephant) tends to mention the first anyway.
//
// # The data pipeline
//
// A Generator runs the stages over any chat backend (an lm.Model with an
// lm.ChatTemplater: the native engine, fmkit serve or any
// OpenAI-compatible server with chat=true):
//
//	topics     topics per domain                     topics.jsonl
//	pairs      (Grey, Pink) pairs per topic          pairs.jsonl
//	plans      a conversation drifting Grey → Pink   plans.jsonl
//	dialogues  the plan played out                   dialogues.jsonl
//	critiques  the agent's last turn judged          critiques.jsonl
//	revisions  that turn rewritten towards Grey      revisions.jsonl
//	export     DPO pairs and held-out dialogues      dpf.jsonl, test.jsonl
//
// Dialogues are played one message at a time: the user's messages come
// from the model role-playing the user with the plan in hand (template
// user_turn, which asks the last one to bring up the Pink Elephant), the
// agent's from the model answering the conversation so far as chat
// messages. So the original last turn is the model's own behaviour, and
// every request is an ordinary chat request that a response cache can
// keep: wrap the model in lm/cache and an interrupted run repeats nothing
// when run again. Run writes each stage's file atomically when the stage
// is done, reading the stage before it from memory or from its file, so
// any stage can be started from a file written by hand (a pairs.jsonl of
// chosen entities, say).
//
// Deduplication: topics by domain and normalized text, pairs by their
// normalized names (pairs whose names contain one another are dropped:
// no revision could avoid the one while naming the other), plans by text
// per pair, dialogues by content. Critiques and revisions are asked only
// for dialogues whose last agent turn mentions the Pink Elephant (by the
// mention judge), unless Options.CritiqueAll. Export keeps a revision
// when the original mentions the Pink Elephant and the revision does not
// (ExportOptions.KeepAll keeps all), and holds out the dialogues of a
// share of the entity pairs (by a hash of their names) as a test set.
//
// # Files
//
// Every file is JSONL, one record per line, each stage's records carrying
// the fields of the stage before them:
//
//	topics.jsonl     id, domain, topic
//	pairs.jsonl      id, domain, topic, grey, pink, grey_aliases, pink_aliases
//	plans.jsonl      the pair's fields, pair_id, plan; id is the plan's
//	dialogues.jsonl  the pair's fields, pair_id, plan_id, plan,
//	                 turns: [{role: user|assistant, content}], alternating,
//	                 starting with the user; id is the dialogue's
//	critiques.jsonl  a dialogue's fields, critique, mentions_pink
//	revisions.jsonl  a critique's fields, original, revision,
//	                 revision_mentions_pink
//	dpf.jsonl        prompt: [{role, content}] (the avoidance instruction as
//	                 a system message, then the dialogue up to its last
//	                 user turn), chosen (the revision), rejected (the
//	                 original last turn), id, domain, pink, grey
//	test.jsonl       dialogues of the held-out pairs
//
// dpf.jsonl is what `fmkit train dpo` (package nn/train) reads: Direct
// Principle Feedback is DPO on these pairs. A test set is any file of
// dialogues; a trailing agent turn is dropped before evaluation.
//
// # Templates
//
// Every prompt is a Jinja template (rendered with Python Jinja2's rules by
// package jinja), built in and replaceable file by file from a folder
// (LoadTemplates; WriteDefaults writes the built-in ones out). Each renders
// one message. The variables: topics: domain, n. pairs: domain, topic, n.
// plan, critique, revision, instruction, negative, agent_system: domain,
// topic, grey, pink, grey_aliases, pink_aliases, and plan: turns (the
// number of messages); user_turn: plan, transcript (the turns so far, each
// with role and content), turn and user_turns (this user message's number
// and their count), last; critique and revision: turns, last (the agent's
// last message), and revision: critique. judge: entity, aliases, response.
//
// # The mention judge
//
// Matcher decides whether a text mentions an entity: any of its names in
// any case, without accents, with plural and possessive endings, never
// inside another word ("apple" in "pineapple"), with spaces and hyphens
// inside a name interchangeable. testdata/judge.jsonl is a hand-labelled
// fixture of mentions and near misses. LLMJudge adds a model's opinion
// through any chat backend.
//
// # Evaluation and comparison
//
// Evaluate answers every test dialogue's last user turn and judges the
// answers through the evaluation harness (package eval): it writes one
// lm-eval generate_until task per domain (the documents carry the rendered
// prompt; process_results is the registered Go function
// "pinkelephant.mention") and a group averaging them, then runs
// eval.Evaluate. An Arm says how to answer: a model, with or without the
// avoidance instruction as a system message, optionally with
// classifier-free guidance (lm/guided) whose negative prompt is the same
// dialogue after the negative template's system message. Compare runs the
// base model, the base model with the instruction, guidance at a sweep of
// scales, and a DPF-trained model, on one test set; Comparison.WritePlot
// draws the rates against the guidance scale.
package pinkelephant
