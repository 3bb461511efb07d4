package models

// Codes of the messages the system writes into a ticket's conversation (Message.Code). Pages
// translate "msg.<code>" with the message's Params; the English Body is the fallback.
const (
	// Buyer-facing.
	MsgReplacementReady = "replacement_ready" // a replacement key was delivered
	MsgClaimDenied      = "claim_denied"      // no automatic replacement; an agent reviews
	// MsgReplacementSentToContact: a stepped-up replacement went to the order's contact;
	// params: to (masked address).
	MsgReplacementSentToContact = "replacement_sent_to_contact"
	MsgRefundIssued             = "refund_issued" // params: amount, currency, order_no, reference
	// Internal notes.
	MsgClaimCheckFailed    = "claim_check_failed"
	MsgRiskReview          = "risk_review"         // params: score, reasons
	MsgClaimDeniedAuto     = "claim_denied_auto"   // params: score, reasons
	MsgReplacementBlocked  = "replacement_blocked" // params: reason
	MsgReplacementFailed   = "replacement_failed"
	MsgOutOfStock          = "out_of_stock"
	MsgRefundCheckFailed   = "refund_check_failed"
	MsgRefundNone          = "refund_none"    // params: reason
	MsgRefundPending       = "refund_pending" // params: refundable, agent_limit, currency, order_no, supervisor_only, score, reasons
	MsgRefundFailed        = "refund_failed"  // params: out_refund_no, amount, currency, status, reason
	MsgDisputeReportFailed = "dispute_report_failed"
	MsgDisputeReady        = "dispute_ready"           // params: case_id, amount, currency, due_by
	MsgDisputeDeadline     = "dispute_deadline_passed" // params: case_id
	MsgGatewayChargeback   = "gateway_chargeback"      // params: case_id, order_no, amount, currency, reason, due_by
)

// MessageCodes lists every code above (the pages' dictionaries must have each, in every
// language: web's string-coverage test reads this list).
var MessageCodes = []string{MsgReplacementReady, MsgClaimDenied, MsgRefundIssued, MsgClaimCheckFailed, MsgRiskReview,
	MsgClaimDeniedAuto, MsgReplacementBlocked, MsgReplacementFailed, MsgOutOfStock, MsgRefundCheckFailed, MsgRefundNone,
	MsgRefundPending, MsgRefundFailed, MsgDisputeReportFailed, MsgDisputeReady, MsgDisputeDeadline, MsgGatewayChargeback,
	MsgReplacementSentToContact}
