// Package netguard is keydesk's outbound URL policy: the shop-supplied URLs keydesk calls
// (webhook endpoints, the refund webhook, any future one) are checked when they are saved
// and again when a connection is made, after DNS resolution and on every redirect, so a name
// that resolves (or later rebinds) to an internal address is refused.
//
// Refused unless an operator allows them: plain http (https is required), credentials in the
// URL, loopback, private (RFC 1918, ULA), link-local (incl. cloud metadata 169.254.169.254),
// shared (CGNAT), unspecified, multicast, broadcast, documentation and reserved addresses,
// IPv4-mapped / NAT64 / 6to4 forms of them, IPv4 written as one decimal, octal or hex
// number, and host names that only an internal resolver answers (single labels, localhost,
// .local, .internal, .lan, .home.arpa).
//
// Operators configure exceptions with two environment variables, read at each check:
//
//	KEYDESK_WEBHOOK_ALLOW_PRIVATE  comma-separated CIDRs, addresses or host names that may be
//	                               called although internal ("*" allows every address; for
//	                               tests and on-premise shops only). Plain http is accepted
//	                               for these destinations.
//	KEYDESK_WEBHOOK_ALLOW_HTTP     "true" accepts plain http for every destination.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Environment variables of the policy.
const (
	EnvAllowPrivate = "KEYDESK_WEBHOOK_ALLOW_PRIVATE"
	EnvAllowHTTP    = "KEYDESK_WEBHOOK_ALLOW_HTTP"
)

// ErrBlocked is matched (errors.Is) by every refusal of the policy.
var ErrBlocked = errors.New("destination not allowed by the outbound URL policy")

// blockedError says why; its message names the rule, never a resolved address.
type blockedError struct{ reason string }

func (e blockedError) Error() string        { return "outbound URL refused: " + e.reason }
func (e blockedError) Is(target error) bool { return target == ErrBlocked }

func blocked(format string, args ...any) error {
	return blockedError{reason: fmt.Sprintf(format, args...)}
}

// Policy is the set of exceptions to the default (public https destinations only).
type Policy struct {
	// AllowHTTP accepts plain http for every destination.
	AllowHTTP bool
	// AllowAll accepts every address (internal ones too).
	AllowAll bool
	// Prefixes are internal networks that may be called.
	Prefixes []netip.Prefix
	// Hosts are host names (lower case) that may be called whatever they resolve to.
	Hosts []string
}

// ParsePolicy reads the two settings' values (see the package comment).
func ParsePolicy(allowPrivate, allowHTTP string) (Policy, error) {
	var p Policy
	if v := strings.TrimSpace(allowHTTP); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return p, fmt.Errorf("%s: %w", EnvAllowHTTP, err)
		}
		p.AllowHTTP = b
	}
	for _, item := range strings.Split(allowPrivate, ",") {
		item = strings.ToLower(strings.TrimSpace(item))
		switch {
		case item == "":
		case item == "*":
			p.AllowAll = true
		case strings.Contains(item, "/"):
			pf, err := netip.ParsePrefix(item)
			if err != nil {
				return p, fmt.Errorf("%s: %q: %w", EnvAllowPrivate, item, err)
			}
			p.Prefixes = append(p.Prefixes, pf.Masked())
		default:
			if a, err := netip.ParseAddr(strings.Trim(item, "[]")); err == nil {
				a = a.Unmap()
				p.Prefixes = append(p.Prefixes, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
			p.Hosts = append(p.Hosts, strings.TrimSuffix(item, "."))
		}
	}
	return p, nil
}

var (
	cacheMu  sync.Mutex
	cacheKey string
	cacheVal Policy
	cacheErr error
	cacheSet bool
)

// Current is the policy the environment configures now. A malformed setting is an error
// (callers refuse the destination rather than guess).
func Current() (Policy, error) {
	priv, plain := os.Getenv(EnvAllowPrivate), os.Getenv(EnvAllowHTTP)
	key := priv + "\x00" + plain
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if !cacheSet || cacheKey != key {
		cacheVal, cacheErr = ParsePolicy(priv, plain)
		cacheKey, cacheSet = key, true
	}
	return cacheVal, cacheErr
}

// CheckURL checks a URL as it is saved: scheme, credentials and the host as written. Names
// are resolved only when a connection is made (see Client).
func CheckURL(raw string) error {
	p, err := Current()
	if err != nil {
		return err
	}
	return p.CheckURL(raw)
}

// CheckURL checks a URL against p (see the package comment).
func (p Policy) CheckURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return blocked("not an absolute http(s) URL")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return blocked("scheme %q (use https)", u.Scheme)
	}
	if u.User != nil {
		return blocked("credentials in the URL (put secrets in the signed request, not the address)")
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "" {
		return blocked("no host")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return blocked("bad port")
		}
	}
	internal, err := p.hostInternal(host)
	if err != nil {
		return err
	}
	if scheme == "http" && !p.AllowHTTP && !internal {
		return blocked("plain http (use https)")
	}
	return nil
}

// hostInternal checks a host as written. It returns whether the host is an allowed internal
// destination (for which plain http is accepted).
func (p Policy) hostInternal(host string) (bool, error) {
	if strings.Contains(host, "%") {
		return false, blocked("zoned IPv6 address")
	}
	if p.hostAllowed(host) {
		return true, nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if err := p.CheckAddr(a); err != nil {
			return false, err
		}
		return p.allowedInternal(a), nil
	}
	if a, ok := parseLegacyIPv4(host); ok {
		// 2130706433, 0177.0.0.1, 0x7f.1, 127.1: resolvers read these as addresses.
		if err := p.CheckAddr(a); err != nil {
			return false, err
		}
		return false, blocked("IPv4 address not written as four decimal numbers")
	}
	if !strings.Contains(host, ".") {
		return false, blocked("single-label host name (use a public, fully qualified name)")
	}
	for _, suffix := range []string{"localhost", "local", "internal", "lan", "home.arpa", "localdomain", "intranet", "corp"} {
		if host == suffix || strings.HasSuffix(host, "."+suffix) {
			return false, blocked("internal host name")
		}
	}
	return false, nil
}

func (p Policy) hostAllowed(host string) bool {
	for _, h := range p.Hosts {
		if h == host {
			return true
		}
	}
	return false
}

func (p Policy) allowedInternal(a netip.Addr) bool {
	a = a.Unmap()
	if p.AllowAll {
		return true
	}
	for _, pf := range p.Prefixes {
		if pf.Contains(a) {
			return true
		}
	}
	return false
}

// special are the ranges no shop endpoint lives in, beyond what netip's predicates name.
var special = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32",
		"64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/32", "2001:db8::/32", "2002::/16", "fec0::/10",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// CheckAddr refuses an internal address unless p allows it.
func (p Policy) CheckAddr(a netip.Addr) error {
	a = a.Unmap().WithZone("")
	if !a.IsValid() {
		return blocked("invalid address")
	}
	if p.allowedInternal(a) {
		return nil
	}
	switch {
	case a.IsLoopback():
		return blocked("loopback address")
	case a.IsUnspecified():
		return blocked("unspecified address")
	case a.IsPrivate():
		return blocked("private address")
	case a.IsLinkLocalUnicast():
		return blocked("link-local address")
	case a.IsMulticast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast():
		return blocked("multicast address")
	}
	for _, pf := range special {
		if pf.Contains(a) {
			return blocked("reserved or translated address")
		}
	}
	if a.Is6() && !a.Is4In6() {
		// IPv4-compatible ::a.b.c.d (deprecated) carries an IPv4 address in its low bits.
		b := a.As16()
		if isZero(b[:12]) {
			return blocked("IPv4-compatible IPv6 address")
		}
	}
	return nil
}

func isZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// parseLegacyIPv4 reads what inet_aton accepts: one to four parts, each decimal, octal
// (leading 0) or hex (0x), the last part filling the remaining bytes.
func parseLegacyIPv4(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) == 0 || len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, part := range parts {
		if part == "" {
			return netip.Addr{}, false
		}
		base, digits := 10, part
		switch {
		case strings.HasPrefix(part, "0x"):
			base, digits = 16, part[2:]
			if digits == "" {
				digits = "0"
			}
		case len(part) > 1 && part[0] == '0':
			base, digits = 8, part[1:]
		}
		v, err := strconv.ParseUint(digits, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	for i := 0; i < len(vals)-1; i++ {
		if vals[i] > 255 {
			return netip.Addr{}, false
		}
		n |= vals[i] << (24 - 8*uint(i))
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*uint(5-len(vals))) {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// Client returns an HTTP client whose every connection is checked by the policy in force at
// dial time, after DNS resolution (a dialer Control hook sees the address really dialled, so
// DNS rebinding cannot slip past). It uses no proxy from the environment. With
// followRedirects, at most 3 redirects are followed and each target URL is checked too;
// without, the redirect answer itself is returned.
func Client(timeout time.Duration, followRedirects bool) *http.Client {
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		IdleConnTimeout:       60 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	c := &http.Client{Timeout: timeout, Transport: tr}
	if followRedirects {
		c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("stopped after 3 redirects")
			}
			return CheckURL(req.URL.String())
		}
	} else {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return c
}

// dialContext dials through a dialer whose Control refuses internal addresses, unless the
// host name itself is on the allow list.
func dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	p, err := Current()
	if err != nil {
		return nil, err
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Resolver: resolver}
	if !p.hostAllowed(host) {
		if _, err := p.hostInternal(host); err != nil {
			return nil, err
		}
		d.Control = control(p)
	}
	return d.DialContext(ctx, network, address)
}

// resolver resolves names for the dialer (nil: the system's); tests point it at a fake DNS.
var resolver *net.Resolver

// control is the dialer hook: it sees the resolved address about to be connected.
func control(p Policy) func(network, address string, _ syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return blocked("unparsable address")
		}
		return p.CheckAddr(ap.Addr())
	}
}

// Describe turns a delivery failure into a message safe to show a shop's admins: the rule
// that refused a destination, or the kind of network failure, never a raw dial error with
// internal addresses in it.
func Describe(err error) string {
	var be blockedError
	var ne net.Error
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &be):
		return be.Error()
	case errors.As(err, &dnsErr):
		return "the endpoint's host name could not be resolved"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the endpoint refused the connection"
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return "the endpoint did not answer in time"
	case strings.Contains(err.Error(), "tls:") || strings.Contains(err.Error(), "x509:"):
		return "TLS handshake with the endpoint failed"
	default:
		return "could not reach the endpoint"
	}
}
