// Package triage reads what a buyer wrote and decides what kind of case it is.
//
// It is pure domain code: no I/O, no clock, no randomness, standard library only.
//
//   - [Classify] infers the ticket [Category] from English and Chinese keywords in the
//     subject and body, keeps the buyer's own choice when it is valid, sets an [Urgency]
//     (angry words, urgency words, and threats such as "chargeback", "lawyer", "police",
//     "律师", "报警" raise it), a sentiment, and explains itself in plain-word reasons.
//   - [ExtractEntities] (also part of every [Result]) finds order numbers, e-mail
//     addresses and card-key-like strings.
//   - [Mask] and [MaskKey] hide card-key-like strings and e-mail local parts in free text
//     so that ticket previews, logs and webhooks never carry a secret.
//
// # What counts as what
//
// An order number has the shape of 2 to 5 letters, an optional hyphen, at least 4
// digits and at most one more hyphenated digit group: "ORD-2026-000123", "KD20261103001",
// "SHOP-12345". Order numbers are never masked. Everything that looks like a card key is
// masked by keeping its first 2 and last 2 characters:
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
// [Entities].CardKeys holds the raw key-like strings found (so that a caller can compare
// them with the order's keys). Never log, persist or put a Result into a workflow payload
// as it is: use [Result.Redacted], which masks them.
package triage
