// Package demo seeds a demo merchant so a fresh `keydesk serve` has something to show: products
// (one with a shared key), inventory, paid orders with delivered keys and their key events,
// one user per role with a generated password, SLA policies, a business calendar, knowledge
// base articles and macros. It runs once per merchant slug: a second run finds the merchant and
// seeds nothing.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/store"
)

// ErrExists means the merchant slug is taken: the demo was seeded before.
var ErrExists = errors.New("demo merchant already exists")

// Login is a generated staff login.
type Login struct {
	Role     string `json:"role"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

// Product is a seeded product.
type Product struct {
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	Price     int64  `json:"price"`
	Currency  string `json:"currency"`
	SharedKey bool   `json:"shared_key"`
	Stock     int    `json:"stock"`
}

// Order is a seeded paid order whose key was delivered.
type Order struct {
	OrderNo  string `json:"order_no"`
	SKU      string `json:"sku"`
	Email    string `json:"email"`
	Contact  string `json:"contact"`
	Revealed bool   `json:"revealed"`
}

// Result is what Seed made, printed by `keydesk seed-demo --json`.
type Result struct {
	MerchantID        uint64    `json:"merchant_id"`
	MerchantSlug      string    `json:"merchant_slug"`
	IntegrationSecret string    `json:"integration_secret"`
	Users             []Login   `json:"users"`
	Products          []Product `json:"products"`
	Orders            []Order   `json:"orders"`
}

// Options tune the seed.
type Options struct {
	Slug string // default "demo"
	Name string // default "Demo Key Shop"
	// StockPerProduct is the number of available keys per product (default 50).
	StockPerProduct int
	// Orders is the number of paid orders (default 24).
	Orders int
	// BcryptCost defaults to bcrypt.DefaultCost; tests lower it.
	BcryptCost int
	Now        time.Time
}

var products = []Product{
	{SKU: "GAME-100", Name: "Starfall 100 gems top-up", Price: 1000, Currency: "CNY"},
	{SKU: "GIFT-50", Name: "Gift card ¥50", Price: 5000, Currency: "CNY"},
	{SKU: "WIN-PRO", Name: "Office Pro licence key", Price: 9900, Currency: "CNY"},
	{SKU: "VPN-SHARED", Name: "VPN monthly (shared account)", Price: 1500, Currency: "CNY", SharedKey: true},
}

// Seed creates the demo merchant and everything in it, in one transaction.
func Seed(ctx context.Context, s *store.Store, box *secretbox.Box, enf *rbac.Enforcer, o Options) (Result, error) {
	o = defaults(o)
	var res Result
	var grants []Login
	var userIDs []uint64
	err := s.InTx(ctx, func(ctx context.Context) error {
		db := s.DB(ctx)
		var n int64
		if err := db.Model(&models.Merchant{}).Where("slug = ?", o.Slug).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%w: %q", ErrExists, o.Slug)
		}
		m, secret, err := createMerchant(ctx, s, box, o)
		if err != nil {
			return err
		}
		res = Result{MerchantID: m.ID, MerchantSlug: m.Slug, IntegrationSecret: secret}
		if err := seedPolicies(ctx, s, m.ID); err != nil {
			return err
		}
		prods, err := seedProducts(ctx, s, box, m.ID, o.StockPerProduct)
		if err != nil {
			return err
		}
		for _, p := range prods {
			res.Products = append(res.Products, p.view)
		}
		if res.Orders, err = seedOrders(ctx, s, box, m.ID, prods, o); err != nil {
			return err
		}
		grants, userIDs, err = seedUsers(ctx, s, m.ID, o)
		if err != nil {
			return err
		}
		return seedContent(ctx, s, m.ID)
	})
	if err != nil {
		return Result{}, err
	}
	// Casbin grants go through the enforcer so its in-memory model sees them; they are
	// idempotent, so a crash between the commit and here is healed by granting again.
	for i, l := range grants {
		if err := enf.Grant(ctx, userIDs[i], l.Role, res.MerchantID); err != nil {
			return Result{}, fmt.Errorf("grant %s: %w", l.Role, err)
		}
	}
	res.Users = grants
	return res, nil
}

func defaults(o Options) Options {
	if o.Slug == "" {
		o.Slug = "demo"
	}
	if o.Name == "" {
		o.Name = "Demo Key Shop"
	}
	if o.StockPerProduct == 0 {
		o.StockPerProduct = 50
	}
	if o.Orders == 0 {
		o.Orders = 24
	}
	if o.BcryptCost == 0 {
		o.BcryptCost = bcrypt.DefaultCost
	}
	if o.Now.IsZero() {
		o.Now = time.Now().UTC()
	}
	return o
}

// Settings is the demo merchant's settings document.
func settings() models.JSON {
	return models.MustJSON(map[string]any{
		"fraud":                            map[string]int{"review": 30, "deny": 70},
		"agent_refund_limit":               5000,
		"auto_close_days":                  7,
		"refund_fee_policy":                "merchant_absorbs",
		"refund_gateway":                   "simulator",
		"quarantine_after_invalid_reports": 3,
		"terms_text": "Digital keys are delivered instantly and cannot be returned once revealed. " +
			"A key that does not work is replaced or refunded.",
		"terms_url": "https://shop.example/terms",
	})
}

func createMerchant(ctx context.Context, s *store.Store, box *secretbox.Box, o Options) (models.Merchant, string, error) {
	secret := randomHex(24)
	m := models.Merchant{Slug: o.Slug, Name: o.Name, Timezone: "Asia/Shanghai", Settings: settings()}
	if err := s.DB(ctx).Create(&m).Error; err != nil {
		return m, "", store.Translate(err, "create merchant")
	}
	m.IntegrationSecretCipher = box.Seal([]byte(secret), store.IntegrationSecretAAD(m.ID))
	if err := s.DB(ctx).Model(&m).Update("integration_secret_cipher", m.IntegrationSecretCipher).Error; err != nil {
		return m, "", err
	}
	return m, secret, nil
}

func seedPolicies(ctx context.Context, s *store.Store, merchantID uint64) error {
	targets := []struct {
		prio              string
		first, next, reso time.Duration
	}{
		{models.PriorityUrgent, 15 * time.Minute, 30 * time.Minute, 4 * time.Hour},
		{models.PriorityHigh, time.Hour, 2 * time.Hour, 8 * time.Hour},
		{models.PriorityNormal, 4 * time.Hour, 8 * time.Hour, 24 * time.Hour},
		{models.PriorityLow, 8 * time.Hour, 24 * time.Hour, 72 * time.Hour},
	}
	for _, t := range targets {
		p := models.SLAPolicy{MerchantID: merchantID, Priority: t.prio, WarnFraction: 0.75,
			FirstResponseSecs: int64(t.first.Seconds()), NextResponseSecs: int64(t.next.Seconds()), ResolutionSecs: int64(t.reso.Seconds())}
		if err := s.DB(ctx).Create(&p).Error; err != nil {
			return store.Translate(err, "create sla policy")
		}
	}
	week := []string{"10:00-18:00", "08:00-22:00", "08:00-22:00", "08:00-22:00", "08:00-22:00", "08:00-22:00", "10:00-18:00"}
	cal := models.BusinessCalendar{
		MerchantID: merchantID, Timezone: "Asia/Shanghai",
		Week:     models.MustJSON(week),
		Holidays: models.MustJSON([]string{"2027-01-01", "2027-02-06", "2027-02-07", "2027-02-08"}),
		EscalationChain: models.MustJSON([]map[string]any{
			{"level": 1, "queue": models.QueueGeneral, "notify_role": "supervisor"},
			{"level": 2, "queue": models.QueueSupervisor, "notify_role": "supervisor"},
			{"level": 3, "queue": models.QueueSupervisor, "notify_role": "admin"},
		}),
	}
	return store.Translate(s.DB(ctx).Create(&cal).Error, "create calendar")
}

type seededProduct struct {
	model models.Product
	view  Product
	batch models.KeyBatch
}

func seedProducts(ctx context.Context, s *store.Store, box *secretbox.Box, merchantID uint64, stock int) ([]seededProduct, error) {
	out := make([]seededProduct, 0, len(products))
	for _, p := range products {
		m := models.Product{MerchantID: merchantID, SKU: p.SKU, Name: p.Name, Price: p.Price, Currency: p.Currency,
			RefundableDays: 14, SharedKey: p.SharedKey, LowStockThreshold: 10}
		if err := s.DB(ctx).Create(&m).Error; err != nil {
			return nil, store.Translate(err, "create product")
		}
		batch := models.KeyBatch{MerchantID: merchantID, ProductID: m.ID, Label: "Demo stock", Supplier: "Demo supplier",
			Source: "seed", KeyCount: stock, Status: models.BatchActive}
		if err := s.DB(ctx).Create(&batch).Error; err != nil {
			return nil, store.Translate(err, "create batch")
		}
		keys := make([]models.CardKey, 0, stock)
		for range stock {
			keys = append(keys, sealedKey(box, m, batch.ID, newSecret(p.SKU)))
		}
		if len(keys) > 0 {
			if err := s.DB(ctx).CreateInBatches(&keys, 100).Error; err != nil {
				return nil, store.Translate(err, "create keys")
			}
		}
		p.Stock = stock
		out = append(out, seededProduct{model: m, view: p, batch: batch})
	}
	return out, nil
}

func sealedKey(box *secretbox.Box, p models.Product, batchID uint64, secret string) models.CardKey {
	return models.CardKey{
		MerchantID: p.MerchantID, ProductID: p.ID, BatchID: batchID,
		SecretCipher: box.Seal([]byte(secret), store.CardKeyAAD(p.ID)),
		SecretHash:   box.Hash(store.CardKeyHashScope(p.ID), secret),
		Status:       models.KeyAvailable,
	}
}

// seedOrders makes paid orders, each with one key delivered (taken from a batch of its own so
// stock stays as promised), a delivered and an emailed key event, and a reveal for two in three.
func seedOrders(ctx context.Context, s *store.Store, box *secretbox.Box, merchantID uint64, prods []seededProduct, o Options) ([]Order, error) {
	var out []Order
	for i := range o.Orders {
		p := prods[i%len(prods)]
		paid := o.Now.Add(-time.Duration(o.Orders-i) * 3 * time.Hour)
		buyer := fmt.Sprintf("buyer%02d@example.com", i+1)
		ord := models.Order{MerchantID: merchantID, OrderNo: fmt.Sprintf("DEMO-%06d", 1001+i), ProductID: p.model.ID,
			Quantity: 1, Amount: p.model.Price, Currency: p.model.Currency, BuyerEmail: buyer,
			BuyerContact: fmt.Sprintf("+86 138 0000 %04d", 1001+i), BuyerIP: fmt.Sprintf("203.0.113.%d", 10+i),
			DeviceID: fmt.Sprintf("dev-%04d", 1001+i), PaidAt: paid, PaymentRef: fmt.Sprintf("PAY-%08d", 5001+i),
			PaymentGateway: "simulator", Status: models.OrderDelivered}
		if err := s.DB(ctx).Create(&ord).Error; err != nil {
			return nil, store.Translate(err, "create order")
		}
		delivered := paid.Add(2 * time.Second)
		key := sealedKey(box, p.model, p.batch.ID, newSecret(p.view.SKU))
		key.Status, key.OrderID, key.DeliveredAt = models.KeyDelivered, &ord.ID, &delivered
		revealed := i%3 != 2
		if revealed {
			t := delivered.Add(time.Duration(1+i) * time.Minute)
			key.FirstRevealedAt = &t
		}
		if err := s.DB(ctx).Create(&key).Error; err != nil {
			return nil, store.Translate(err, "create delivered key")
		}
		if err := s.DB(ctx).Create(&models.Delivery{MerchantID: merchantID, OrderID: ord.ID, CardKeyID: key.ID, Kind: models.DeliveryInitial}).Error; err != nil {
			return nil, store.Translate(err, "create delivery")
		}
		events := []models.KeyEvent{
			{Kind: models.KeyEventDelivered, OccurredAt: delivered, Source: "shop"},
			{Kind: models.KeyEventEmailed, OccurredAt: delivered.Add(5 * time.Second), Source: "shop"},
		}
		if revealed {
			events = append(events, models.KeyEvent{Kind: models.KeyEventRevealed, OccurredAt: *key.FirstRevealedAt, Source: "shop",
				IP: ord.BuyerIP, UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148"})
		}
		for j := range events {
			events[j].MerchantID, events[j].OrderID, events[j].CardKeyID = merchantID, ord.ID, &key.ID
		}
		if err := s.DB(ctx).Create(&events).Error; err != nil {
			return nil, store.Translate(err, "create key events")
		}
		out = append(out, Order{OrderNo: ord.OrderNo, SKU: p.view.SKU, Email: buyer, Contact: ord.BuyerContact, Revealed: revealed})
	}
	return out, nil
}

func seedUsers(ctx context.Context, s *store.Store, merchantID uint64, o Options) ([]Login, []uint64, error) {
	roles := []struct{ role, local, name string }{
		{rbac.RoleAgent, "agent", "Alex Agent"},
		{rbac.RoleRiskAgent, "risk", "Riley Risk"},
		{rbac.RoleSupervisor, "supervisor", "Sam Supervisor"},
		{rbac.RoleAdmin, "admin", "Ada Admin"},
	}
	var logins []Login
	var ids []uint64
	for _, r := range roles {
		pw := randomPassword()
		hash, err := bcrypt.GenerateFromPassword([]byte(pw), o.BcryptCost)
		if err != nil {
			return nil, nil, err
		}
		mid := merchantID
		u := models.User{MerchantID: &mid, Email: fmt.Sprintf("%s@%s.keydesk.test", r.local, o.Slug), Name: r.name,
			PasswordHash: string(hash), Active: true}
		if err := s.DB(ctx).Create(&u).Error; err != nil {
			return nil, nil, store.Translate(err, "create user "+u.Email)
		}
		logins = append(logins, Login{Role: r.role, Email: u.Email, Password: pw})
		ids = append(ids, u.ID)
	}
	return logins, ids, nil
}

func seedContent(ctx context.Context, s *store.Store, merchantID uint64) error {
	articles := []models.KBArticle{
		{Slug: "key-not-working", Title: "My key does not work", Language: "en", Tags: "key,invalid,activate,redeem",
			Body: "Check that you redeem the key in the right region and platform, with no spaces. If it still fails, open a ticket with the category \"Key does not work\": keydesk checks it and usually sends a replacement within seconds."},
		{Slug: "key-missing", Title: "I did not receive my key", Language: "en", Tags: "missing,email,spam,delivery",
			Body: "Keys are shown on the order page right after payment and emailed to you. Look in your spam folder; if it is not there, open a ticket with the category \"I did not get my key\"."},
		{Slug: "refunds", Title: "Refunds", Language: "en", Tags: "refund,money,cancel",
			Body: "Unrevealed keys can be refunded within 14 days of purchase. Revealed keys are refunded only when they do not work and no replacement is available."},
		{Slug: "key-not-working", Title: "卡密无法使用", Language: "zh-CN", Tags: "卡密,无效,不能用,激活",
			Body: "请确认兑换的平台和地区正确，且卡密中没有多余空格。如果仍然无法使用，请提交“卡密无效”工单，系统会自动核查并在几秒内补发。"},
		{Slug: "refunds", Title: "退款说明", Language: "zh-CN", Tags: "退款,取消",
			Body: "未查看的卡密可在购买后14天内退款；已查看的卡密仅在无法使用且无法补发时退款。"},
	}
	// Through the store, so each article enters the full-text index in its own transaction
	// (zh-CN and en versions of one article share its slug).
	for i := range articles {
		articles[i].MerchantID, articles[i].Published = merchantID, true
		if err := s.CreateKBArticle(ctx, &articles[i]); err != nil {
			return fmt.Errorf("create kb article %s (%s): %w", articles[i].Slug, articles[i].Language, err)
		}
	}
	macros := []models.Macro{
		{Name: "Ask for a screenshot", Body: "Sorry for the trouble! Could you send a screenshot of the error message you see when redeeming the key?"},
		{Name: "Replacement sent", Body: "We have issued a replacement key: you can see it on your ticket's status page. Thanks for your patience!"},
		{Name: "Region mismatch", Body: "This key is for the CN region. Please make sure your account region matches before redeeming."},
		{Name: "Key activation steps", Body: "To activate your key: open the game launcher, choose \"Redeem a code\" (or \"Activate a product\"), paste the key exactly as shown on your order page, without spaces, and confirm. If it is refused, send us the exact error message."},
		{Name: "Refund timeline", Body: "Your refund has been approved and sent back to your original payment method. Depending on your bank it shows up within 3-5 business days; the keys it covers can no longer be redeemed."},
		// The same replies in Chinese: the ticket page offers the buyer's language first.
		{Name: "请提供截图", Body: "给您带来不便，非常抱歉！请发送兑换卡密时看到的错误提示截图，方便我们排查。"},
		{Name: "已补发卡密", Body: "我们已为您补发新的卡密，您可以在工单状态页查看。感谢您的耐心等待！"},
		{Name: "区服不匹配", Body: "此卡密仅适用于国服（CN 区）。兑换前请确认您的账号区服一致。"},
		{Name: "卡密激活步骤", Body: "激活方法：打开游戏客户端，选择“兑换码”（或“激活产品”），按订单页显示的内容原样粘贴卡密（不要带空格）并确认。如果被拒绝，请把完整的错误提示发给我们。"},
		{Name: "退款到账时间", Body: "您的退款已批准，将原路退回到您的支付账户。视银行而定，一般 3-5 个工作日内到账；退款涉及的卡密将无法再兑换。"},
	}
	for i := range macros {
		macros[i].MerchantID = merchantID
	}
	return store.Translate(s.DB(ctx).Create(&macros).Error, "create macros")
}

const secretAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func newSecret(sku string) string {
	var b strings.Builder
	b.WriteString(strings.SplitN(sku, "-", 2)[0])
	for g := 0; g < 4; g++ {
		b.WriteByte('-')
		for range 4 {
			b.WriteByte(secretAlphabet[randInt(len(secretAlphabet))])
		}
	}
	return b.String()
}

func randomPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	for i := range b {
		b[i] = alphabet[randInt(len(alphabet))]
	}
	return string(b)
}

func randInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err)
	}
	return int(v.Int64())
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
