// Package fraud scores after-sales claims ("my key does not work", "I never got my key",
// "I want my money back") for risk.
//
// It is pure domain code: no I/O, no clock, no randomness. An activity gathers the facts
// about one claim into a [Signals] value, [Assess] turns them into an [Assessment] (a
// score from 0 to 100, a [Decision], the rule hits that explain it and the
// [RulesetVersion] that produced it), and the workflow records that assessment with the
// ticket. The same Signals and [Thresholds] always give the same Assessment.
//
// # Scoring
//
// Every rule looks at the signals and may add points (risk) or subtract points
// (mitigation, for example other buyers reporting keys of the same batch as invalid,
// which points to the supplier rather than the buyer). The score is the sum of all hits,
// clamped to 0..100. [Rules] lists every rule with its range and a description for the
// admin settings page; the package documentation of each rule is in rules.go.
//
// # Decisions
//
// A merchant's [Thresholds] turn the score into a decision: below Review is [Allow]
// (reissue or refund automatically), below Deny is [Review] (a risk agent decides), at or
// above Deny is [Deny] (deny with the reasons, an agent confirms). The defaults are 30 and
// 70. A few rules also demand a least decision whatever mitigations lower the score
// (order_already_replaced: an order out of automatic replacements always goes to a
// person; so do a region-locked key, a throwaway mailbox, a buyer denied before, a
// chargeback threat and a request to send the key elsewhere); the
// assessment then carries MinDecision.
//
// # Identity links
//
// Claimants are linked across mailboxes by first-party device id, IP address and network
// (IPv4 /24, IPv6 /48, within a window), and by normalised e-mail ([NormalizeEmail]).
// [DistinctUnlinked] counts independent reporters of a key batch; linked reporters count
// once. [ClaimTextFlags] reads the claim's own words (zh and en first, and other languages
// where a phrase is unambiguous) and [IsDisposableDomain]
// checks an embedded list of throwaway e-mail services.
//
// # Hard blocks
//
// A shared key (one secret sold to many buyers) can never be reissued. That is not a
// matter of risk, so it does not change the score: the assessment comes back with
// Blocked set and a BlockReason, and [Assessment.AutoReissue] reports false whatever the
// score. A block forbids a reissue only; it does not by itself deny a refund.
//
// # Versioning
//
// Change [RulesetVersion] whenever a rule, its points or its conditions change, so that
// stored assessments can always be explained by the rules that produced them.
package fraud
