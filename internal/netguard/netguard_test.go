package netguard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// TestCheckURLRefusesInternalDestinations: every form the attack run used (and their
// relatives) is refused by default; public https names and addresses pass.
func TestCheckURLRefusesInternalDestinations(t *testing.T) {
	var p Policy
	refused := []string{
		"http://169.254.169.254/latest/meta-data/",
		"https://169.254.169.254/",
		"https://localhost:6379/",
		"https://LOCALHOST./",
		"https://api.localhost/",
		"https://[::1]:8080/",
		"https://[::]/",
		"https://0.0.0.0:9000/",
		"https://2130706433/",   // 127.0.0.1 as one decimal number
		"https://0177.0.0.1/",   // octal
		"https://0x7f.0.0.1/",   // hex
		"https://0x7f000001/",   // one hex number
		"https://127.1/",        // short form
		"https://017700000001/", // one octal number
		"https://user:pass@shop.example/hook",
		"https://token@shop.example/hook",
		"https://10.0.0.5/",
		"https://172.16.3.4/",
		"https://192.168.1.1/",
		"https://100.64.0.1/", // shared address space
		"https://[fd00::1]/",  // ULA
		"https://[fe80::1]/",  // link-local
		"https://[::ffff:127.0.0.1]/",
		"https://[::ffff:169.254.169.254]/",
		"https://[::127.0.0.1]/",        // IPv4-compatible
		"https://[64:ff9b::a9fe:a9fe]/", // NAT64 of 169.254.169.254
		"https://[2002:7f00:1::]/",      // 6to4 of 127.0.0.1
		"https://224.0.0.1/",
		"https://[ff02::1]/",
		"https://255.255.255.255/",
		"https://redis/",
		"https://metadata.google.internal/",
		"https://printer.local/",
		"http://shop.example/hook", // plain http to a public name
		"ftp://shop.example/x",
		"mailto:x@y",
		"/relative",
		"",
		"https://shop.example:99999/",
	}
	for _, u := range refused {
		if err := p.CheckURL(u); !errors.Is(err, ErrBlocked) {
			t.Errorf("%q accepted (%v)", u, err)
		}
	}
	for _, u := range []string{"https://shop.example/keydesk/events?k=1", "https://93.184.216.34/hook", "https://[2606:4700::1111]/x", "https://shop.example:8443/h"} {
		if err := p.CheckURL(u); err != nil {
			t.Errorf("%q refused: %v", u, err)
		}
	}
}

// TestPolicyExceptions: the operator's allow list opens exactly what it names (and plain
// http for it); a malformed setting is an error, not a silent open door.
func TestPolicyExceptions(t *testing.T) {
	p, err := ParsePolicy("127.0.0.0/8, ::1, hooks.corp", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"http://127.0.0.1:8080/h", "https://[::1]/h", "http://hooks.corp/h"} {
		if err := p.CheckURL(u); err != nil {
			t.Errorf("%q refused under the allow list: %v", u, err)
		}
	}
	for _, u := range []string{"http://10.0.0.1/", "https://169.254.169.254/", "http://shop.example/", "https://user:pw@127.0.0.1/"} {
		if err := p.CheckURL(u); !errors.Is(err, ErrBlocked) {
			t.Errorf("%q accepted under a narrow allow list", u)
		}
	}
	all, _ := ParsePolicy("*", "true")
	if err := all.CheckURL("http://10.1.2.3/"); err != nil {
		t.Errorf("allow-all refused %v", err)
	}
	if _, err := ParsePolicy("10.0.0.0/33", ""); err == nil {
		t.Error("bad CIDR accepted")
	}
	if _, err := ParsePolicy("", "maybe"); err == nil {
		t.Error("bad boolean accepted")
	}
}

// TestParseLegacyIPv4 matches what inet_aton reads.
func TestParseLegacyIPv4(t *testing.T) {
	for in, want := range map[string]string{
		"2130706433": "127.0.0.1", "0177.0.0.1": "127.0.0.1", "0x7f.1": "127.0.0.1", "127.1": "127.0.0.1",
		"10.1.258": "10.1.1.2", "0": "0.0.0.0", "0xA9FEA9FE": "169.254.169.254",
	} {
		a, ok := parseLegacyIPv4(strings.ToLower(in))
		if !ok || a.String() != want {
			t.Errorf("%s = %v %v, want %s", in, a, ok, want)
		}
	}
	for _, in := range []string{"shop.example", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "08.1.1.1", "0x", "1e100"} {
		if a, ok := parseLegacyIPv4(in); ok && in != "0x" {
			t.Errorf("%s parsed as %v", in, a)
		}
	}
}

// TestControlChecksTheResolvedAddress: the dialer hook refuses internal addresses it is
// about to connect to, whatever name led there.
func TestControlChecksTheResolvedAddress(t *testing.T) {
	c := control(Policy{})
	for _, a := range []string{"127.0.0.1:80", "[::1]:443", "169.254.169.254:80", "[::ffff:10.0.0.1]:80", "0.0.0.0:80"} {
		if err := c("tcp", a, nil); !errors.Is(err, ErrBlocked) {
			t.Errorf("%s allowed at dial time", a)
		}
	}
	if err := c("tcp", "93.184.216.34:443", nil); err != nil {
		t.Errorf("public address refused: %v", err)
	}
}

// TestClientRefusesLoopbackUnlessAllowed: the delivery client cannot reach a local test
// server by default, reaches it once the operator allows loopback, and a DNS name that
// resolves to loopback (rebinding) is refused at connect time.
func TestClientRefusesLoopbackUnlessAllowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port

	t.Setenv(EnvAllowPrivate, "")
	t.Setenv(EnvAllowHTTP, "true")
	cl := Client(0, false)
	if _, err := cl.Get(srv.URL); !errors.Is(err, ErrBlocked) {
		t.Fatalf("loopback reached by default: %v", err)
	}

	// A public-looking name whose DNS answer is 127.0.0.1.
	resolver = fakeDNS(t, "rebind.example.", netip.MustParseAddr("127.0.0.1"))
	defer func() { resolver = nil }()
	u := "http://rebind.example:" + strconv.Itoa(port) + "/"
	if err := CheckURL(u); err != nil {
		t.Fatalf("the name itself should pass the save-time check: %v", err)
	}
	_, err := cl.Get(u)
	if !errors.Is(err, ErrBlocked) {
		t.Fatalf("rebinding name reached loopback: %v", err)
	}
	if d := Describe(err); strings.Contains(d, "127.0.0.1") || !strings.Contains(d, "loopback") {
		t.Fatalf("describe: %q", d)
	}

	t.Setenv(EnvAllowPrivate, "127.0.0.0/8")
	for _, target := range []string{srv.URL, u} {
		resp, err := cl.Get(target)
		if err != nil {
			t.Fatalf("allowed loopback %s: %v", target, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 204 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// TestDescribeHidesDialErrors: what admins see names the kind of failure only.
func TestDescribeHidesDialErrors(t *testing.T) {
	t.Setenv(EnvAllowPrivate, "*")
	t.Setenv(EnvAllowHTTP, "true")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	_, err = Client(0, false).Get("http://" + addr + "/")
	d := Describe(err)
	if err == nil || strings.Contains(d, "127.0.0.1") || strings.Contains(d, "dial") {
		t.Fatalf("describe(%v) = %q", err, d)
	}
}

func itoa(n int) string {
	return netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(n)).String()[len("0.0.0.0:"):]
}

// fakeDNS serves A answers for one name over UDP and returns a resolver using it.
func fakeDNS(t *testing.T, name string, a netip.Addr) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var m dnsmessage.Message
			if m.Unpack(buf[:n]) != nil || len(m.Questions) == 0 {
				continue
			}
			q := m.Questions[0]
			m.Header.Response, m.Header.Authoritative = true, true
			m.Answers = nil
			if strings.EqualFold(q.Name.String(), name) && q.Type == dnsmessage.TypeA {
				m.Answers = []dnsmessage.Resource{{
					Header: dnsmessage.ResourceHeader{Name: q.Name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 1},
					Body:   &dnsmessage.AResource{A: a.As4()},
				}}
			}
			out, err := m.Pack()
			if err == nil {
				_, _ = pc.WriteTo(out, from)
			}
		}
	}()
	server := pc.LocalAddr().String()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", server)
	}}
}
