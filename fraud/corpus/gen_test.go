package corpus

// The corpus generator. Every archetype below is a pattern a fraud analyst knows, with
// the decision the analyst takes on it and why; a seeded random source varies the details
// (values, timings, addresses, devices, wording in zh and en, how many accounts). The
// labels come from the pattern, never from the scorer.
//
//	go test ./fraud/corpus -run TestGenerate -update   # rewrite testdata/scenarios.json
//
// Without -update the test fails when the file differs from what the generator writes, so
// the file and its generator never drift apart.

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/scenarios.json from the generator")

const corpusSeed = 20261203

type person struct{ email, ip, device string }

type gen struct {
	r    *rand.Rand
	nets map[string]bool
	mail map[string]bool
}

func newGen() *gen {
	return &gen{r: rand.New(rand.NewPCG(corpusSeed, 12)), nets: map[string]bool{}, mail: map[string]bool{}}
}

var (
	names   = []string{"li.wei", "zhang.min", "wang.fang", "chen.jie", "liu.yang", "alex", "maria", "tom.b", "kim", "sato", "nguyen", "olga", "ahmed", "lucas", "emma", "hao", "xiaoyu", "jun", "mei", "raj"}
	domains = []string{"gmail.com", "qq.com", "163.com", "outlook.com", "yahoo.com", "icloud.com", "126.com", "hotmail.com"}
	throw   = []string{"mailinator.com", "yopmail.com", "10minutemail.com", "guerrillamail.com", "temp-mail.org", "sharklasers.com", "linshiyouxiang.net"}
	firstOc = []int{36, 58, 101, 112, 113, 119, 180, 183, 203, 223, 82, 90, 95, 178, 185, 77}
)

func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

// net returns a fresh /24 ("a.b.c") no other person of the corpus uses.
func (g *gen) net() string {
	for {
		n := fmt.Sprintf("%d.%d.%d", firstOc[g.r.IntN(len(firstOc))], g.r.IntN(250)+1, g.r.IntN(250)+1)
		if !g.nets[n] {
			g.nets[n] = true
			return n
		}
	}
}

func (g *gen) ipIn(net string) string { return fmt.Sprintf("%s.%d", net, g.r.IntN(240)+10) }

// device is a keydesk first-party device id, as the buyer pages make them.
func (g *gen) device() string {
	return fmt.Sprintf("kd-%016x%016x", g.r.Uint64(), g.r.Uint64())
}

func (g *gen) email(domain string) string {
	for {
		e := fmt.Sprintf("%s%d@%s", g.pick(names), g.r.IntN(9000)+100, domain)
		if !g.mail[e] {
			g.mail[e] = true
			return e
		}
	}
}

func (g *gen) person() person {
	return person{email: g.email(g.pick(domains)), ip: g.ipIn(g.net()), device: g.device()}
}

func (g *gen) between(lo, hi float64) float64 { return lo + g.r.Float64()*(hi-lo) }

func (g *gen) price() int64 {
	return []int64{600, 1000, 1000, 3000, 3000, 5000, 10000}[g.r.IntN(7)]
}

// Buyer texts, zh and en. Fraudsters write the same words as honest buyers; only the
// text signals (threats, new address, admissions) differ.
var (
	txtInvalid = []string{
		"The key says invalid when I try to redeem it.",
		"Redeem page says: this code has already been redeemed. I just bought it!",
		"Code not accepted on the platform, error: invalid code.",
		"兑换时提示卡密无效，请帮忙处理。",
		"刚买的卡密，兑换提示该卡密已被使用。",
		"充值码输入后显示错误，无法使用。",
		"Gift card shows zero balance right after purchase.",
		"激活码提示不存在，麻烦换一个。",
		"Hi, the licence key is rejected by the activation server.",
		"卡密显示无效，订单号在上面，谢谢。",
	}
	txtMissing = []string{
		"I paid but never received the key.",
		"付款成功了但是没有收到卡密。",
		"The order page shows delivered but there is no code in my email.",
		"没有收到发货邮件，也看不到卡密。",
		"Where is my key? Payment went through an hour ago.",
	}
	txtThreat = []string{
		"This key doesn't work. If I don't get a new one today I will do a chargeback.",
		"卡密无效，今天不给我换我就去银行拒付。",
		"Not working. Fix it or I'll dispute the charge with my bank.",
		"Invalid code. I already contacted my bank and will file a dispute if you ignore this.",
	}
	txtNewAddr = []string{
		"The key is invalid. Please send the new key to my new email, I lost access to the old one.",
		"卡密不能用，请发到我的新邮箱，旧邮箱登不上了。",
		"Never got it. My email has changed, please send the key to this address instead.",
		"没收到卡密，请发送到这个邮箱，原来的邮箱不能用了。",
	}
	txtUsed = []string{
		"I already used it last week but now the balance is gone, send me another one.",
		"我已经用了一次，现在又不行了，再给我一个。",
		"It worked at first, now it says invalid. Give me a new key.",
		"The code was working yesterday and now it's rejected. Replace it.",
	}
)

type builder struct {
	g  *gen
	sc Scenario
	// shopIDs: the shop records its own device ids with orders (its checkout's), which
	// never equal keydesk's; otherwise it passes keydesk's id at checkout. Every other
	// scenario of an archetype is of each kind.
	shopIDs bool
}

// orderDevice is the device id the shop records with an order of p.
func (b *builder) orderDevice(p person) string {
	if b.shopIDs && len(p.device) > 19 {
		return "shop-" + p.device[3:19]
	}
	return p.device
}

func (g *gen) scenario(arch string, n int, expected, why string) *builder {
	id := fmt.Sprintf("%s-%03d", arch, n)
	return &builder{g: g, shopIDs: n%2 == 1, sc: Scenario{ID: id, Archetype: arch, Split: SplitOf(id), Expected: expected, Why: why,
		Product: Product{Price: g.price()}, Background: 15 + g.r.IntN(26)}}
}

func (b *builder) order(at float64, label string, p person, batch string) {
	b.sc.Events = append(b.sc.Events, Event{AtH: at, Kind: EventOrder, Order: label, Email: p.email, IP: p.ip, Device: b.orderDevice(p), Batch: batch})
}

func (b *builder) bulk(at float64, label string, p person, qty int) {
	b.sc.Events = append(b.sc.Events, Event{AtH: at, Kind: EventOrder, Order: label, Email: p.email, IP: p.ip, Device: b.orderDevice(p), Qty: qty})
}

func (b *builder) reveal(at float64, label, ip string) {
	b.sc.Events = append(b.sc.Events, Event{AtH: at, Kind: EventReveal, Order: label, IP: ip})
}

func (b *builder) claim(at float64, label string, p person, cat, text, outcome string) {
	b.sc.Events = append(b.sc.Events, Event{AtH: at, Kind: EventClaim, Order: label, Email: p.email, IP: p.ip, Device: p.device,
		Category: cat, Text: text, Outcome: outcome})
}

func (b *builder) chargeback(at float64, label string) {
	b.sc.Events = append(b.sc.Events, Event{AtH: at, Kind: EventChargeback, Order: label})
}

func (b *builder) final(label string, p person, cat, text string) Scenario {
	b.sc.Claim = Event{AtH: 0, Kind: EventClaim, Order: label, Email: p.email, IP: p.ip, Device: p.device, Category: cat, Text: text}
	sortEvents(b.sc.Events)
	return b.sc
}

func sortEvents(es []Event) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].AtH < es[j-1].AtH; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

// freshBuy buys and reveals shortly before the claim: the claim comes within the hour
// of the reveal, the honest rhythm (the order may be a day older).
func (b *builder) freshBuy(label string, p person, batch string) float64 {
	g := b.g
	revealAt := -g.between(0.05, 0.9)
	b.order(revealAt-g.between(0.01, 20), label, p, batch)
	b.reveal(revealAt, label, p.ip)
	return revealAt
}

type archetype struct {
	name string
	n    int
	make func(g *gen, i int) Scenario
}

var archetypes = []archetype{
	{"first-time", 20, func(g *gen, i int) Scenario {
		p := g.person()
		if g.r.IntN(4) == 0 {
			b := g.scenario("first-time", i, Allow, "first order; the buyer reports the key missing within hours and the shop has no record of it being revealed: resend a key")
			at := -g.between(1, 20)
			b.order(at, "o1", p, "")
			return b.final("o1", p, "key_missing", g.pick(txtMissing))
		}
		b := g.scenario("first-time", i, Allow, "first order, key revealed and reported not working within the hour from the buyer's own device: the ordinary honest report")
		b.freshBuy("o1", p, "")
		c := p
		if g.r.IntN(3) == 0 {
			c.ip = g.ipIn(g.net()) // on mobile data now: another network, same device
		}
		return b.final("o1", c, "key_invalid", g.pick(txtInvalid))
	}},
	{"repeat-buyer", 18, func(g *gen, i int) Scenario {
		p := g.person()
		b := g.scenario("repeat-buyer", i, Allow, "a long-standing customer with many orders and almost no claims reports a fresh key not working: replace it")
		orders := 4 + g.r.IntN(20)
		span := g.between(120, 700) * 24
		for k := range orders {
			at := -span + float64(k)*span/float64(orders)
			b.order(at, fmt.Sprintf("h%d", k), p, "")
			b.reveal(at+0.1, fmt.Sprintf("h%d", k), p.ip)
		}
		if g.r.IntN(3) == 0 && orders >= 6 {
			b.claim(-span+span/float64(orders)+0.3, "h1", p, "key_invalid", g.pick(txtInvalid), OutcomeReissued)
		}
		b.freshBuy("o1", p, "")
		return b.final("o1", p, "key_invalid", g.pick(txtInvalid))
	}},
	{"bad-batch", 15, func(g *gen, i int) Scenario {
		b := g.scenario("bad-batch", i, Allow, "several unrelated buyers reported keys of the same supplier batch in the last days, and this buyer reports a fresh key of that batch: the supplier is at fault, replace it")
		others := 2 + g.r.IntN(4)
		for k := range others {
			o := g.person()
			at := -g.between(2, 60)
			l := fmt.Sprintf("x%d", k)
			b.order(at, l, o, "B")
			b.reveal(at+0.05, l, o.ip)
			b.claim(at+g.between(0.1, 0.8), l, o, "key_invalid", g.pick(txtInvalid), OutcomeReissued)
		}
		p := g.person()
		orderAt := -g.between(0.5, 1.5)
		b.order(orderAt, "o1", p, "B")
		b.reveal(orderAt+0.05, "o1", p.ip)
		return b.final("o1", p, "key_invalid", g.pick(txtInvalid))
	}},
	{"household", 8, func(g *gen, i int) Scenario {
		b := g.scenario("household", i, Allow, "two mailboxes of one household share a computer; the other one had a single claim two months ago; this is a fresh, ordinary report")
		p := g.person()
		q := person{email: g.email(g.pick(domains)), ip: p.ip, device: p.device}
		at := -g.between(50, 80) * 24
		b.order(at, "q1", q, "")
		b.reveal(at+0.1, "q1", q.ip)
		b.claim(at+0.5, "q1", q, "key_invalid", g.pick(txtInvalid), OutcomeReissued)
		b.order(-g.between(100, 200)*24, "p0", p, "")
		b.freshBuy("o1", p, "")
		return b.final("o1", p, "key_invalid", g.pick(txtInvalid))
	}},
	{"reseller", 8, func(g *gen, i int) Scenario {
		b := g.scenario("reseller", i, Allow, "a reseller who has bought in bulk for months with hardly any claims reports one key of today's bulk order: replace it")
		p := g.person()
		orders := 8 + g.r.IntN(12)
		span := g.between(200, 600) * 24
		for k := range orders {
			l := fmt.Sprintf("h%d", k)
			at := -span + float64(k)*span/float64(orders)
			b.bulk(at, l, p, 10+g.r.IntN(11))
			b.reveal(at+0.2, l, p.ip)
		}
		at := -g.between(1, 5)
		b.bulk(at, "o1", p, 10+g.r.IntN(11))
		b.reveal(at+0.1, "o1", p.ip)
		return b.final("o1", p, "key_invalid", g.pick(txtInvalid))
	}},
	{"shared-account", 5, func(g *gen, i int) Scenario {
		b := g.scenario("shared-account", i, Review, "the product is a shared account key; shared keys are never replaced automatically, a person checks the account")
		b.sc.Product.Shared = true
		p := g.person()
		b.freshBuy("o1", p, "")
		return b.final("o1", p, "key_invalid", g.pick(txtInvalid))
	}},
	{"reseller-heavy", 6, func(g *gen, i int) Scenario {
		b := g.scenario("reseller-heavy", i, Review, "a bulk buyer who claimed on most of the recent orders: may be bad supply, may be abuse; a person checks before more keys go out")
		p := g.person()
		for k := range 8 {
			l := fmt.Sprintf("h%d", k)
			at := -g.between(5, 80) * 24
			b.bulk(at, l, p, 10+g.r.IntN(11))
			b.reveal(at+0.2, l, p.ip)
			if k%2 == 0 {
				b.claim(at+g.between(1, 30), l, p, "key_invalid", g.pick(txtInvalid), OutcomeReissued)
			}
		}
		at := -g.between(1, 5)
		b.bulk(at, "o1", p, 10+g.r.IntN(11))
		b.reveal(at+0.1, "o1", p.ip)
		return b.final("o1", p, "key_invalid", g.pick(txtInvalid))
	}},
	{"late-expensive", 12, func(g *gen, i int) Scenario {
		days := g.between(9, 60)
		b := g.scenario("late-expensive", i, Review, fmt.Sprintf("an expensive key reported invalid %.0f days after it was revealed: it may have been used or resold; check with the supplier before replacing", days))
		b.sc.Product.Price = []int64{30000, 50000, 80000}[g.r.IntN(3)]
		b.sc.BackgroundAmount = []int64{1000, 2000, 3000}[g.r.IntN(3)]
		p := g.person()
		at := -days*24 - g.between(0.1, 5)
		b.order(at, "o1", p, "")
		b.reveal(-days*24, "o1", p.ip)
		return b.final("o1", p, "key_invalid", g.pick(txtInvalid))
	}},
	{"takeover", 14, func(g *gen, i int) Scenario {
		p := g.person()
		attacker := g.person()
		deny := i%4 == 3
		why := "someone who knows the order number and e-mail claims from a device and network the buyer never used to buy or reveal the key: confirm with the buyer before sending a key"
		if deny {
			why = "a claim from a stranger's device and network, from a throwaway address, asking for the key to go to a new address: account takeover, deny and tell the buyer"
		}
		b := g.scenario("takeover", i, map[bool]string{true: Deny, false: Review}[deny], why)
		at := -g.between(2, 20) * 24
		b.order(at, "o1", p, "")
		b.reveal(at+0.1, "o1", p.ip)
		c := person{email: p.email, ip: attacker.ip, device: attacker.device}
		text := g.pick(txtInvalid)
		cat := "key_invalid"
		if g.r.IntN(3) == 0 {
			cat = "key_missing"
			text = g.pick(txtMissing)
		}
		if deny {
			c.email = g.email(g.pick(throw))
			text = g.pick(txtNewAddr)
		} else if g.r.IntN(2) == 0 {
			text = g.pick(txtNewAddr)
		}
		return b.final("o1", c, cat, text)
	}},
	{"second-claim", 8, func(g *gen, i int) Scenario {
		b := g.scenario("second-claim", i, Review, "this order already got a replacement key; a second replacement on the same order needs a person")
		p := g.person()
		at := -g.between(3, 12) * 24
		b.order(at, "o1", p, "")
		b.reveal(at+0.1, "o1", p.ip)
		b.claim(at+0.5, "o1", p, "key_invalid", g.pick(txtInvalid), OutcomeReissued)
		return b.final("o1", p, "key_invalid", g.pick(txtInvalid))
	}},
	{"missing-revealed", 8, func(g *gen, i int) Scenario {
		days := g.between(1, 20)
		b := g.scenario("missing-revealed", i, Review, fmt.Sprintf("the buyer says the key never arrived, but it was revealed to the buyer's own device %.0f days ago: ask before sending another", days))
		p := g.person()
		at := -days*24 - 0.2
		b.order(at, "o1", p, "")
		b.reveal(at+0.1, "o1", p.ip)
		return b.final("o1", p, "key_missing", g.pick(txtMissing))
	}},
	{"device-farm", 6, func(g *gen, i int) Scenario {
		n := 3 + g.r.IntN(3)
		b := g.scenario("device-farm", i, Review, fmt.Sprintf("%d different mailboxes bought from the same device this month; the first claim from that device needs a look", n+1))
		dev := g.device()
		net := g.net()
		for k := range n {
			q := person{email: g.email(g.pick(domains)), ip: g.ipIn(net), device: dev}
			l := fmt.Sprintf("f%d", k)
			at := -g.between(2, 25) * 24
			b.order(at, l, q, "")
			b.reveal(at+0.1, l, q.ip)
		}
		p := person{email: g.email(g.pick(domains)), ip: g.ipIn(net), device: dev}
		b.freshBuy("o1", p, "")
		return b.final("o1", p, "key_invalid", g.pick(txtInvalid))
	}},
	{"throwaway", 6, func(g *gen, i int) Scenario {
		b := g.scenario("throwaway", i, Review, "a first order from a throwaway mailbox, claimed from another network than the purchase: a person looks first")
		p := g.person()
		p.email = g.email(g.pick(throw))
		b.freshBuy("o1", p, "")
		c := p
		c.ip = g.ipIn(g.net())
		return b.final("o1", c, "key_invalid", g.pick(txtInvalid))
	}},
	{"threat", 6, func(g *gen, i int) Scenario {
		b := g.scenario("threat", i, Review, "the buyer threatens a chargeback in the first message: a person handles it and keeps the evidence ready")
		p := g.person()
		b.freshBuy("o1", p, "")
		return b.final("o1", p, "key_invalid", g.pick(txtThreat))
	}},
	{"chargeback", 12, func(g *gen, i int) Scenario {
		b := g.scenario("chargeback", i, Deny, "this buyer charged back an earlier order; no more keys without payment certainty: deny")
		p := g.person()
		at := -g.between(20, 200) * 24
		b.order(at, "c1", p, "")
		b.reveal(at+0.1, "c1", p.ip)
		b.chargeback(at+g.between(48, 400), "c1")
		c := p
		if i%3 == 1 {
			c.email = g.email(g.pick(domains)) // a new mailbox on the same device
		}
		b.freshBuy("o1", c, "")
		return b.final("o1", c, "key_invalid", g.pick(txtInvalid))
	}},
	{"serial", 14, func(g *gen, i int) Scenario {
		n := 3 + g.r.IntN(5)
		b := g.scenario("serial", i, Deny, fmt.Sprintf("%d claims in the last three months on different orders, most of them replaced: serial claimer, deny", n))
		p := g.person()
		for k := range n {
			l := fmt.Sprintf("s%d", k)
			at := -g.between(3, 85) * 24
			b.order(at, l, p, "")
			b.reveal(at+0.1, l, p.ip)
			out := OutcomeReissued
			if g.r.IntN(4) == 0 {
				out = OutcomeOpen
			}
			b.claim(at+g.between(0.3, 40), l, p, []string{"key_invalid", "key_missing"}[g.r.IntN(2)], g.pick(txtInvalid), out)
		}
		b.freshBuy("o1", p, "")
		return b.final("o1", p, "key_invalid", g.pick(txtInvalid))
	}},
	{"ring", 14, func(g *gen, i int) Scenario {
		n := 3 + g.r.IntN(4)
		byDevice := i%2 == 0
		how := "a shared device"
		if !byDevice {
			how = "one network within days"
		}
		b := g.scenario("ring", i, Deny, fmt.Sprintf("a ring: %d sibling mailboxes on %s each claimed once and got a replacement; this is the next one: deny", n, how))
		dev := g.device()
		net := g.net()
		for k := range n {
			q := person{email: g.email(g.pick(domains)), ip: g.ipIn(net), device: dev}
			if !byDevice {
				q.device = g.device()
			}
			l := fmt.Sprintf("r%d", k)
			at := -g.between(1, 6) * 24
			b.order(at, l, q, "")
			b.reveal(at+0.05, l, q.ip)
			b.claim(at+g.between(0.2, 3), l, q, "key_invalid", g.pick(txtInvalid), OutcomeReissued)
		}
		p := person{email: g.email(g.pick(domains)), ip: g.ipIn(net), device: dev}
		if !byDevice {
			p.device = g.device()
		}
		b.freshBuy("o1", p, "")
		return b.final("o1", p, "key_invalid", g.pick(txtInvalid))
	}},
	{"already-used", 6, func(g *gen, i int) Scenario {
		days := g.between(3, 20)
		b := g.scenario("already-used", i, Deny, fmt.Sprintf("the buyer's own message says the key was used; %.0f days after the reveal they want another: deny", days))
		p := g.person()
		at := -days*24 - 0.2
		b.order(at, "o1", p, "")
		b.reveal(at+0.1, "o1", p.ip)
		return b.final("o1", p, "key_invalid", g.pick(txtUsed))
	}},
	{"denied-before", 6, func(g *gen, i int) Scenario {
		n := 2 + g.r.IntN(2)
		b := g.scenario("denied-before", i, Deny, fmt.Sprintf("risk agents denied %d earlier claims of this buyer in the last months; the same story again: deny", n))
		p := g.person()
		for k := range n {
			l := fmt.Sprintf("d%d", k)
			at := -g.between(10, 80) * 24
			b.order(at, l, p, "")
			b.reveal(at+0.1, l, p.ip)
			b.claim(at+g.between(24, 200), l, p, "key_invalid", g.pick(txtInvalid), OutcomeDenied)
		}
		b.freshBuy("o1", p, "")
		return b.final("o1", p, "key_invalid", g.pick(txtInvalid))
	}},
	{"carrier-nat", 8, func(g *gen, i int) Scenario {
		b := g.scenario("carrier-nat", i, Allow, "the buyer is on a mobile carrier's shared network where one or two unrelated people (other devices, other mailboxes) claimed this week; nothing else links them: an ordinary fresh report")
		net := g.net()
		for k := range 1 + g.r.IntN(2) {
			q := person{email: g.email(g.pick(domains)), ip: g.ipIn(net), device: g.device()}
			l := fmt.Sprintf("n%d", k)
			at := -g.between(10, 150)
			b.order(at, l, q, "")
			b.reveal(at+0.05, l, q.ip)
			b.claim(at+g.between(0.1, 0.9), l, q, "key_invalid", g.pick(txtInvalid), OutcomeReissued)
		}
		p := person{email: g.email(g.pick(domains)), ip: g.ipIn(net), device: g.device()}
		b.freshBuy("o1", p, "")
		return b.final("o1", p, "key_invalid", g.pick(txtInvalid))
	}},
}

// Generate builds the whole corpus from the fixed seed.
func Generate() []Scenario {
	g := newGen()
	var out []Scenario
	for _, a := range archetypes {
		for i := range a.n {
			out = append(out, a.make(g, i))
		}
	}
	return out
}

func TestGenerate(t *testing.T) {
	data, err := json.MarshalIndent(Generate(), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, '\n')
	path := filepath.Join("testdata", "scenarios.json")
	if *update {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, data) {
		t.Fatalf("%s differs from the generator; run go test ./fraud/corpus -run TestGenerate -update and review the diff", path)
	}
}
