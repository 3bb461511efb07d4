package fraud

import (
	_ "embed"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
)

//go:embed disposable_domains.txt
var disposableList string

var (
	disposableOnce sync.Once
	disposableSet  map[string]bool
)

// NormalizeEmail returns the form of an e-mail address under which one mailbox is known:
// trimmed and lower-cased, a "+tag" dropped from the local part, and for Gmail (gmail.com,
// googlemail.com) the dots of the local part dropped and the domain unified. Input without
// an "@" is returned trimmed and lower-cased.
func NormalizeEmail(email string) string {
	e := strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(e, '@')
	if at <= 0 || at == len(e)-1 {
		return e
	}
	local, domain := e[:at], e[at+1:]
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	if domain == "googlemail.com" {
		domain = "gmail.com"
	}
	if domain == "gmail.com" {
		local = strings.ReplaceAll(local, ".", "")
	}
	return local + "@" + domain
}

// EmailDomain returns the lower-cased domain of an address ("" when it has none).
func EmailDomain(email string) string {
	e := strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(e, '@')
	if at < 0 {
		return ""
	}
	return strings.TrimSuffix(e[at+1:], ".")
}

// IsDisposableDomain reports whether the domain, or a parent of it, is on the embedded list
// of throwaway e-mail services (disposable_domains.txt).
func IsDisposableDomain(domain string) bool {
	disposableOnce.Do(func() {
		disposableSet = map[string]bool{}
		for _, line := range strings.Split(disposableList, "\n") {
			line = strings.ToLower(strings.TrimSpace(line))
			if line != "" && !strings.HasPrefix(line, "#") {
				disposableSet[line] = true
			}
		}
	})
	d := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(domain), "."))
	for d != "" {
		if disposableSet[d] {
			return true
		}
		i := strings.IndexByte(d, '.')
		if i < 0 {
			return false
		}
		d = d[i+1:]
	}
	return false
}

// NetworkOf returns the network an address belongs to for identity links: the /24 of an
// IPv4 address, the /48 of an IPv6 one (IPv4-mapped IPv6 counts as IPv4); "" when the
// address does not parse.
func NetworkOf(ip string) string {
	a, ok := parseAddr(ip)
	if !ok {
		return ""
	}
	bits := 48
	if a.Is4() {
		bits = 24
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.String()
}

// NetworkLikePattern returns a SQL LIKE pattern matching the textual IPv4 addresses of the
// address's /24 ("198.51.100.%"), or "" for IPv6 and unparsable input (their text does not
// share a prefix reliably; they are linked by exact address only).
func NetworkLikePattern(ip string) string {
	a, ok := parseAddr(ip)
	if !ok || !a.Is4() {
		return ""
	}
	b := a.As4()
	return fmt.Sprintf("%d.%d.%d.%%", b[0], b[1], b[2])
}

// KeydeskDevicePrefix starts every device id the buyer pages make ("kd-" + 32 hex).
const KeydeskDevicePrefix = "kd-"

// IsKeydeskDevice reports whether a device id is one of keydesk's own first-party ids, and
// so comparable with the ids the buyer pages send. A shop's own device ids (its checkout's
// fingerprint) live in another namespace and never equal keydesk's.
func IsKeydeskDevice(id string) bool {
	return strings.HasPrefix(id, KeydeskDevicePrefix) && len(id) > len(KeydeskDevicePrefix)
}

// SameNetwork reports whether two addresses lie in the same /24 (IPv4) or /48 (IPv6).
func SameNetwork(a, b string) bool {
	na, nb := NetworkOf(a), NetworkOf(b)
	return na != "" && na == nb
}

// sharedSpace is the carrier-grade NAT range (RFC 6598): many subscribers behind one address.
var sharedSpace = netip.MustParsePrefix("100.64.0.0/10")

// LinkableIP reports whether an address says anything about who a buyer is: a public
// unicast address. Loopback, private, link-local, unspecified, multicast and carrier-NAT
// addresses are what a server behind a proxy it does not trust (see
// KEYDESK_TRUSTED_PROXIES) or a carrier sees for everyone, so claims are never linked by them.
func LinkableIP(ip string) bool {
	a, ok := parseAddr(ip)
	if !ok {
		return false
	}
	return !(a.IsLoopback() || a.IsPrivate() || a.IsUnspecified() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsMulticast() || a.IsInterfaceLocalMulticast() || (a.Is4() && sharedSpace.Contains(a)))
}

// Reporter is one earlier claimant, for counting distinct buyers (DistinctUnlinked).
type Reporter struct {
	Email  string // normalised
	Device string
	IP     string
	At     time.Time
}

// DistinctUnlinked counts the groups of reporters that are not linked to the claimant nor
// to each other: two reporters are linked when they share a normalised e-mail, a device id,
// a public IP address (LinkableIP), or its IPv4 /24 (IPv6 /48) within netWindow of each other. A ring of
// sibling mailboxes on one device or network therefore counts once, and not at all when
// the claimant belongs to it.
func DistinctUnlinked(claimant Reporter, reporters []Reporter, netWindow time.Duration) int {
	all := append([]Reporter{claimant}, reporters...)
	u := newUnion(len(all))
	// Each link is a shared key, so joining every reporter to the first holder of its key
	// builds the same groups as comparing every pair (that was quadratic: a claim on a batch
	// with 1,000 reports compared 500,000 pairs and parsed their addresses each time).
	byEmail, byDevice, byIP := map[string]int{}, map[string]int{}, map[string]int{}
	byNet := map[string][]int{}
	join := func(m map[string]int, key string, i int) {
		if key == "" {
			return
		}
		if j, ok := m[key]; ok {
			u.join(i, j)
		} else {
			m[key] = i
		}
	}
	for i, r := range all {
		join(byEmail, r.Email, i)
		join(byDevice, r.Device, i)
		if !LinkableIP(r.IP) {
			continue // a proxy's or carrier's address links nobody
		}
		join(byIP, r.IP, i)
		if n := NetworkOf(r.IP); n != "" {
			byNet[n] = append(byNet[n], i)
		}
	}
	// Within a network, two reporters are linked when at most netWindow apart: sorted by
	// time, any such pair is joined through the neighbours between them, each as close.
	for _, idx := range byNet {
		slices.SortFunc(idx, func(a, b int) int { return all[a].At.Compare(all[b].At) })
		for k := 1; k < len(idx); k++ {
			if all[idx[k]].At.Sub(all[idx[k-1]].At) <= netWindow {
				u.join(idx[k], idx[k-1])
			}
		}
	}
	return u.groupsApartFrom(0)
}

// union is a disjoint-set forest over 0..n-1.
type union []int

func newUnion(n int) union {
	u := make(union, n)
	for i := range u {
		u[i] = i
	}
	return u
}

func (u union) find(i int) int {
	for u[i] != i {
		u[i] = u[u[i]]
		i = u[i]
	}
	return i
}

func (u union) join(i, j int) { u[u.find(i)] = u.find(j) }

// groupsApartFrom counts the groups other than the one i belongs to.
func (u union) groupsApartFrom(i int) int {
	self, roots := u.find(i), map[int]bool{}
	for j := range u {
		if r := u.find(j); r != self {
			roots[r] = true
		}
	}
	return len(roots)
}
