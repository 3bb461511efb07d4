// Package triage reads what a buyer wrote and decides what kind of case it is.
//
// It is pure domain code: no I/O, no clock, no randomness; the model's weights are
// embedded.
//
//   - [Classify] reads the subject and body (Chinese, English, both, pinyin, typos) with the
//     built-in intent model ([BuiltinModel]) and its two rules, and decides the ticket's
//     category with [Decide] from the buyer's pick and the inference: the inference wins
//     when the buyer picked nothing, "not sure" or "other" (confidence ≥ [UsableAt]) or when
//     it is confident (≥ [ConfidentAt]); a buyer's ticket is never a gateway "dispute". It
//     also sets an [Urgency] and Hurry (repeated ?/！, 急, deadlines, threats, complaints to a
//     payment platform, shouting), a sentiment, and explains itself in plain-word reasons.
//   - The model ([Train], [Model]) is a multinomial logistic regression over Chinese
//     character n-grams, words and word bigrams, character trigrams of words (typos),
//     negation scopes ("I don't want a refund", "不要退款"), pinyin written as Chinese and a
//     small concept lexicon. It is trained deterministically, with feature dropout and as the
//     mean of four members' weights (TrainOptions.Members), from the
//     tuning split of the project's labelled corpus ([Corpus], testdata/corpus.jsonl; the
//     held-out split is fixed by [HeldOut]) by `go generate ./triage/`, which writes
//     model.gob; see `keydesk bench triage` for its figures. Its settings are chosen on
//     cross-validation of the tuning split and on the development sets
//     testdata/dev_tmodel.tsv to dev_tmodel10.tsv, dev_tmodel14.tsv and dev_tmodel15.tsv ([ParseLabelledTSV];
//     dev_tmodel11.tsv to dev_tmodel13.tsv are read once before and once after a change,
//     their misses never), never trained on.
//   - [ExtractEntities] (also part of every [Result]) finds order numbers (prefixed, 12-24
//     digit numeric, dash-grouped alphanumeric like B3K8-71QZ, and any shape the buyer labels
//     the order, key-shaped ones and a web shop's four-digit "#1043" included), e-mail addresses,
//     card-key-like strings and 4-5 character key fragments quoted after "前四位", "尾号",
//     "ending in" and the like.
//   - [Mask] and [MaskKey] hide card-key-like strings and e-mail local parts in free text
//     so that ticket previews, logs and webhooks never carry a secret.
//
// # What counts as what
//
// An order number has the shape of 2 to 5 letters, an optional hyphen, at least 4
// digits and at most one more hyphenated digit group: "ORD-2026-000123", "KD20261103001",
// "SHOP-12345"; or is a run of 12 to 24 digits; or 2-3 dash-joined groups of 4 letters and
// digits with both; or the marketplace shape YYMMDD-nnnnnnnnnnnnnnn; or, when the buyer
// labels it or names it the order, any run of letters and digits with 5 digits (4 with
// letters); or a bare run of 8 to 11 digits nothing around calls something else (see
// entities.go). Order numbers are never masked. Everything that looks like a card key
// is masked by keeping its first 2 and last 2 characters:
//
//   - hyphen-grouped strings whose groups are at least 4 characters long, 12 or more
//     characters in all, with a digit ("AB12-CD34-EF56-GH78", "1234-5678-9012-3456") or
//     made of 3 or more equally long upper-case groups ("ABCDE-FGHIJ-KLMNO");
//   - 3 or more space-separated groups of 4 to 6 characters that each hold a digit
//     ("1234 5678 9012 3456");
//   - any run of 12 or more letters and digits that has both ("AbC123xyz789Tok").
//
// Purely numeric runs without separators (timestamps, long numeric order numbers) are
// not treated as keys. When the caller knows the exact secrets involved, [MaskSecrets]
// masks them wherever they appear, whatever their shape.
//
// # Secrets in results
//
// [Entities].CardKeys and KeyFragments hold the raw strings found (so that a caller can
// compare them with the order's keys). Never log, persist or put a Result into a workflow
// payload as it is: use [Result.Redacted], which masks them.
package triage
