package fraud

import (
	"fmt"
	"strings"
)

// StepUpDelivery reports whether a replacement for a claim with these hits must go to the
// order's own contact instead of the claimant's status page: the claim came from a device
// and a network the buyer never used to buy or to reveal the key (RuleClaimantNotBuyer).
// Whoever knows an order number and its e-mail address can file a claim; only the
// order's mailbox can pick the key up. An honest buyer on a new phone still gets the key,
// in their own mailbox.
func StepUpDelivery(hits []Hit) bool {
	for _, h := range hits {
		if h.Rule == RuleClaimantNotBuyer && h.Points > 0 {
			return true
		}
	}
	return false
}

// StepUpUnknownDevice reports whether a claim with no known keydesk device of the buyer to
// compare with should still be stepped up: it comes from a public network that is neither
// the purchase's nor any reveal's. Without a known device RuleClaimantNotBuyer cannot fire,
// and the order number and e-mail alone would otherwise put the key on the claimant's
// screen. It adds no points (an honest buyer on another network is still served, in their
// own mailbox); the caller applies it only when the shop can deliver messages.
func StepUpUnknownDevice(s Signals) bool {
	if (s.Kind != ClaimInvalid && s.Kind != ClaimMissing) || len(s.KnownDevices) > 0 {
		return false
	}
	if !LinkableIP(s.ClaimIP) || !LinkableIP(s.OrderIP) || SameNetwork(s.ClaimIP, s.OrderIP) {
		return false
	}
	for _, ip := range s.RevealIPs {
		if SameNetwork(s.ClaimIP, ip) {
			return false
		}
	}
	return true
}

// RuleScriptedClient (ruleset 2026-12.2): the buyer form was submitted by a script or an
// automated browser, not by a person's browser.
const RuleScriptedClient = "scripted_client"

// scriptedClientPoints is what a scripted submission adds: alone it stays allowed (shops
// have tools too), with any other signal it goes to a person.
const scriptedClientPoints = 15

// scriptedAgents are substrings (lower case) of the user agents of HTTP libraries, command
// line tools and automated browsers.
var scriptedAgents = []string{
	"curl/", "wget/", "python-requests", "python-urllib", "aiohttp", "httpx", "go-http-client",
	"okhttp", "java/", "apache-httpclient", "libwww-perl", "node-fetch", "axios/", "undici",
	"headlesschrome", "phantomjs", "selenium", "puppeteer", "playwright", "postmanruntime",
	"insomnia", "scrapy", "httpie",
}

// IsScriptedAgent reports whether userAgent names an HTTP library, a command-line tool or an automated browser. An empty user agent is unknown,
// not scripted (integrations and old tickets carry none).
func IsScriptedAgent(userAgent string) bool {
	ua := strings.ToLower(strings.TrimSpace(userAgent))
	if ua == "" {
		return false
	}
	for _, s := range scriptedAgents {
		if strings.Contains(ua, s) {
			return true
		}
	}
	return false
}

func init() { ruleset = append(ruleset, scriptedClientRule) }

var scriptedClientRule = rule{
	name: RuleScriptedClient,
	max:  scriptedClientPoints,
	desc: fmt.Sprintf("The buyer form was submitted by a script or an automated browser (its user agent names an HTTP library, a command-line tool or a headless browser): +%d.", scriptedClientPoints),
	eval: func(s *Signals) (int, string) {
		if !IsScriptedAgent(s.ClaimUserAgent) {
			return 0, ""
		}
		return scriptedClientPoints, fmt.Sprintf("the claim was submitted by a script or an automated browser (%q), not a person's browser", clipUA(s.ClaimUserAgent))
	},
}

// clipUA keeps a reason readable: user agents run to hundreds of characters.
func clipUA(ua string) string {
	const n = 60
	if r := []rune(ua); len(r) > n {
		return string(r[:n]) + "…"
	}
	return ua
}
