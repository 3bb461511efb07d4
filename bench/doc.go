// Package bench measures keydesk end to end from the outside, as a buyer and a shop would:
// Reissue times the path from POST /api/v1/tickets (a key_invalid claim of a low-risk
// buyer) to the replacement key being visible on the buyer's replacement-key endpoint,
// against a running keydesk at a base URL. It imports nothing of the server.
package bench
