package triage

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCategories(t *testing.T) {
	assert.Equal(t, []Category{KeyInvalid, KeyMissing, Refund, Dispute, Account, Other}, Categories())
	c := Categories()
	c[0] = "changed"
	assert.Equal(t, KeyInvalid, Categories()[0], "Categories returns a copy")
	for _, c := range Categories() {
		assert.True(t, c.Valid(), c)
	}
	assert.False(t, Category("").Valid())
	assert.False(t, Category("KEY_INVALID").Valid())
	assert.True(t, KeyInvalid.IsClaim())
	assert.True(t, KeyMissing.IsClaim())
	assert.True(t, Refund.IsClaim())
	assert.False(t, Dispute.IsClaim())
	assert.False(t, Other.IsClaim())
}

func TestParseCategory(t *testing.T) {
	tests := []struct {
		in      string
		want    Category
		wantErr string
	}{
		{"key_invalid", KeyInvalid, ""},
		{"KEY_MISSING", KeyMissing, ""},
		{" refund ", Refund, ""},
		{"Key-Invalid", KeyInvalid, ""},
		{"key missing", KeyMissing, ""},
		{"dispute", Dispute, ""},
		{"account", Account, ""},
		{"other", Other, ""},
		{"", "", "empty"},
		{"   ", "", "empty"},
		{"chargeback", "", `"chargeback" (want one of key_invalid, key_missing, refund, dispute, account, other)`},
		{"key__invalid", "", "invalid category"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCategory(tt.in)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrInvalidCategory)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Equal(t, Category(""), got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestUrgency(t *testing.T) {
	assert.Equal(t, []Urgency{Low, Normal, High, Urgent}, Urgencies())
	assert.Equal(t, 0, Low.Rank())
	assert.Equal(t, 3, Urgent.Rank())
	assert.Equal(t, -1, Urgency("asap").Rank())
	assert.False(t, Urgency("").Valid())
	assert.Equal(t, Normal, Low.Raise(1))
	assert.Equal(t, Urgent, Normal.Raise(5))
	assert.Equal(t, Urgent, Urgent.Raise(1))
	assert.Equal(t, Low, Normal.Raise(-3))
	assert.Equal(t, High, Urgency("bogus").Raise(1))
	u, err := ParseUrgency(" HIGH ")
	require.NoError(t, err)
	assert.Equal(t, High, u)
	_, err = ParseUrgency("critical")
	assert.Error(t, err)
}

func TestClassifyCategory(t *testing.T) {
	// Everyday messages the built-in model must read right. They are not in the corpus.
	tests := []struct {
		name          string
		chosen        Category
		subject, body string
		category      Category
		inferred      Category
		minConfidence float64
	}{
		// English.
		{"en invalid", "", "Key doesn't work", "Steam says the key is invalid.", KeyInvalid, KeyInvalid, 0.6},
		{"en already redeemed", "", "", "It says this code has already been redeemed", KeyInvalid, KeyInvalid, 0.5},
		{"zh used, an earlier order fine", "", "", "老板 steam码显示已经被用过了 上次买的没问题的 这次刚买就这样", KeyInvalid, KeyInvalid, 0.5},
		{"en curly apostrophe", "", "", "The code doesn\u2019t work on Xbox", KeyInvalid, KeyInvalid, 0.5},
		{"en missing", "", "Where is my key?", "I paid an hour ago and never received anything", KeyMissing, KeyMissing, 0.6},
		{"en refund", "", "Refund please", "I want my money back", Refund, Refund, 0.6},
		{"en account", "", "Can't log in", "I forgot my password and I'm locked out", Account, Account, 0.5},
		{"en other", "", "Question", "Do you sell Nintendo cards for Japan?", Other, Other, 0.5},
		{"en negation", "", "", "I don't want a refund, the code just fails", KeyInvalid, KeyInvalid, 0.5},
		{"en thanks", "", "", "Refund arrived, thank you!", Other, Other, 0.85},
		{"en chat thanks", "", "", "refund came thru, tq", Other, Other, 0.85},
		{"en card pin wrong", "", "", "The gift card PIN is wrong", KeyInvalid, KeyInvalid, 0.5},
		// A buyer-side dispute is inferred, but the ticket is an agent-handled "other".
		{"en dispute", "", "", "I did not authorize this payment and have opened a dispute with my bank", Other, Dispute, 0.85},

		// Chinese.
		{"zh invalid", "", "卡密不能用", "激活码显示无效", KeyInvalid, KeyInvalid, 0.7},
		{"zh invalid traditional", "", "", "序號無效，已被兌換", KeyInvalid, KeyInvalid, 0.5},
		{"zh missing", "", "", "付款了但是没收到卡密", KeyMissing, KeyMissing, 0.5},
		{"zh missing 2", "", "", "订单一直未发货", KeyMissing, KeyMissing, 0.5},
		{"zh partial delivery", "", "", "买了四张只到了两张", KeyMissing, KeyMissing, 0.5},
		{"zh refund", "", "", "请给我退款", Refund, Refund, 0.5},
		{"zh negation", "", "", "我不要退款，就是兑换码用不了", KeyInvalid, KeyInvalid, 0.5},
		{"zh thanks", "", "", "退款收到了，谢谢", Other, Other, 0.85},
		{"zh dispute", "", "", "我已经向银行申请拒付", Other, Dispute, 0.85},
		{"zh alipay complaint", "", "", "我已经在支付宝投诉你们了", Other, Dispute, 0.85},
		{"zh account", "", "", "忘记密码了，账号登录不了", Account, Account, 0.5},
		{"zh other", "", "", "你们有日服的点卡吗", Other, Other, 0.5},
		{"mixed", "", "key无效", "please help, 兑换失败", KeyInvalid, KeyInvalid, 0.7},
		{"pinyin", "", "", "tui kuan", Refund, Refund, 0.5},

		// The buyer's choice (see Decide).
		{"pick agrees", KeyInvalid, "", "the key is invalid", KeyInvalid, KeyInvalid, 0.5},
		{"confident inference overrides the pick", KeyMissing, "", "the key is invalid, says already redeemed", KeyInvalid, KeyInvalid, ConfidentAt},
		{"pick other: inference wins", Other, "", "I want a refund", Refund, Refund, 0.5},
		{"pick dispute is a complaint", Dispute, "", "please look at my payment", Other, Refund, 0},
		{"invalid choice ignored", Category("chargeback"), "", "key invalid", KeyInvalid, KeyInvalid, 0.5},
		// Another language: the model's prior ("other", often confident) is no reading of it.
		{"german, the pick stands", KeyInvalid, "", "Der Lizenzschlüssel wird vom Installer nicht akzeptiert.", KeyInvalid, Other, 0},
		{"russian, the pick stands", KeyMissing, "", "Ничего не пришло, оплатил три дня назад", KeyMissing, Other, 0},
		{"another language, no pick: an agent decides", "", "", "Der Lizenzschlüssel wird vom Installer nicht akzeptiert.", Other, Other, 0},
		{"empty text", "", "", "", Other, Other, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Classify(tt.chosen, tt.subject, tt.body)
			assert.Equal(t, tt.category, r.Category, "reasons: %v", r.Reasons)
			if tt.name != "pick dispute is a complaint" {
				assert.Equal(t, tt.inferred, r.Inferred, "reasons: %v", r.Reasons)
			}
			assert.GreaterOrEqual(t, r.Confidence, tt.minConfidence, "reasons: %v", r.Reasons)
			assert.LessOrEqual(t, r.Confidence, 1.0)
			assert.NotEqual(t, Dispute, r.Category, "a buyer's ticket is never a gateway dispute")
			assert.NotEmpty(t, r.Reasons)
		})
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name     string
		chosen   Category
		inferred Category
		conf     float64
		want     Category
		mismatch bool
	}{
		{"unsure, usable inference", "", Refund, 0.6, Refund, false},
		{"unsure, weak inference", "", Refund, 0.49, Other, false},
		{"other, usable inference: the pick stays, flagged", Other, KeyMissing, UsableAt, Other, true},
		{"other, confident inference wins", Other, KeyMissing, ConfidentAt, KeyMissing, true},
		{"agree", Refund, Refund, 0.2, Refund, false},
		{"disagree, confident", KeyMissing, KeyInvalid, ConfidentAt, KeyInvalid, true},
		{"disagree, not confident", KeyMissing, KeyInvalid, 0.84, KeyMissing, true},
		{"disagree, weak inference: no mismatch", KeyMissing, KeyInvalid, 0.3, KeyMissing, false},
		{"pick with inference other keeps the pick", Refund, Other, 0.7, Refund, false},
		{"pick, confident other (thanks) wins", Refund, Other, 0.95, Other, true},
		{"inferred dispute becomes other", "", Dispute, 0.99, Other, false},
		{"confident dispute over a pick becomes other", KeyInvalid, Dispute, 0.99, Other, true},
		{"chosen dispute becomes other", Dispute, Dispute, 0.99, Other, false},
		{"invalid pick counts as none", "bogus", Account, 0.7, Account, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.chosen, tt.inferred, tt.conf)
			assert.Equal(t, tt.want, d.Category, d.Why)
			assert.Equal(t, tt.mismatch, d.Mismatch, d.Why)
			assert.NotEmpty(t, d.Why)
		})
	}
}

// Property: Decide never returns Dispute, always returns a valid category, and returns the
// pick whenever pick and inference agree on a category other than Dispute.
func TestPropertyDecide(t *testing.T) {
	cats := append(Categories(), "", "bogus")
	for _, c := range cats {
		for _, i := range Categories() {
			for conf := 0.0; conf <= 1.0; conf += 0.05 {
				d := Decide(c, i, conf)
				require.True(t, d.Category.Valid(), "%s %s %.2f", c, i, conf)
				require.NotEqual(t, Dispute, d.Category)
				if c == i && c != Dispute && c != Other {
					require.Equal(t, c, d.Category)
				}
				if c.Valid() && c != Other && c != Dispute && conf < ConfidentAt {
					require.Equal(t, c, d.Category, "an unconfident inference never overrides a pick")
				}
			}
		}
	}
}

func TestClassifyReasons(t *testing.T) {
	r := Classify(KeyMissing, "", "the key is invalid, says already redeemed")
	assert.True(t, containsSub(r.Reasons, "the model reads it as key_invalid"), "%v", r.Reasons)
	assert.True(t, containsSub(r.Reasons, "the buyer chose key_missing but the text clearly reads as key_invalid"), "%v", r.Reasons)
	assert.True(t, r.Mismatch)
	assert.Equal(t, KeyMissing, r.Chosen)
	assert.NotEmpty(t, r.ModelVersion)

	r = Classify("bogus", "", "hello")
	assert.Contains(t, r.Reasons, `the chosen category "bogus" is not valid, so it is ignored`)

	r = Classify("", "", "")
	assert.Contains(t, r.Reasons, "the text is empty")
	assert.Contains(t, r.Reasons, "low urgency is usual for other")

	r = Classify("", "", "Refund arrived, thank you!")
	assert.Contains(t, r.Reasons, "the buyer thanks for something that now works (rule)")
}

func TestClassifyUrgency(t *testing.T) {
	tests := []struct {
		name    string
		chosen  Category
		text    string
		want    Urgency
		because string
	}{
		{"calm invalid", "", "The key does not work, could you check?", Normal, "normal urgency is usual for key_invalid"},
		{"calm other", "", "Do you have PSN cards?", Low, "low urgency is usual for other"},
		{"buyer dispute is urgent", "", "I opened a dispute with my bank", Urgent, "urgent: the buyer mentions"},
		{"dispute chosen, calm", Dispute, "Please look at my case.", Urgent, "complained to a payment platform"},
		{"zh double question marks", "", "卡密呢？？", High, "repeated question marks"},
		{"en double question marks", "", "where is my code??", High, "repeated question marks"},
		{"zh 急", "", "没收到卡密，急", High, `"急"`},
		{"zh alipay complaint", "", "我已经在支付宝投诉你们了", Urgent, "urgent"},
		{"angry", "", "This is a scam, the key is invalid", High, `angry words ("scam")`},
		{"angry and hurry", "", "Ridiculous! Key invalid, fix it asap", Urgent, "the buyer asks for speed"},
		{"hurry only", "", "Key not received, urgent please", High, `"urgent"`},
		// The buyer's pick fixes the base urgency, so the case tests the word, not how sure
		// the model is that this short line is key_missing (it read ≈0.5 with some corpora).
		{"urgently prefix", KeyMissing, "Key missing, need it urgently", High, `"urgent"`},
		{"shouting", "", "MY KEY DOES NOT WORK AT ALL", High, "shouting"},
		{"exclamations", "", "key doesn't work!!!", High, "repeated exclamation marks"},
		{"lawyer", "", "The key is invalid. My lawyer will hear about this.", Urgent, `"lawyer"`},
		{"police", "", "I will call the police", Urgent, `"police"`},
		{"sue", "", "I'm going to sue you", Urgent, `"sue"`},
		{"chargeback", "", "Give me a refund or I will do a chargeback", Urgent, `"chargeback"`},
		{"zh angry", "", "卡密无效，你们就是骗子", High, `"骗子"`},
		{"zh hurry", "", "没收到卡密，急用，麻烦马上处理", High, `"马上"`},
		{"zh police", "", "再不退款我就报警", Urgent, `"报警"`},
		{"zh lawyer", "", "我会找律师", Urgent, `"律师"`},
		{"zh 12315", "", "不处理我就打12315投诉", Urgent, `"12315"`},
		{"zh chargeback", "", "我要拒付", Urgent, `"拒付"`},
		{"zh full-width exclamations", "", "卡密不能用！！！", High, "repeated exclamation marks"},
		{"12315 inside an order number is no threat", "", "Order ORD-2026-123150 key invalid", Normal, "normal urgency"},
		{"issue is not sue", "", "There is an issue with my key, it is invalid", Normal, "normal urgency"},
		// A refund request, so the case tests the word: the bare question ("What is your refund
		// policy?") is pre-sale, reads as other (low urgency) and overrides a refund pick.
		{"policy is not police", Refund, "Please refund me as your policy says, the key is unused", Normal, "normal urgency"},
		{"key letters are not words", "", "Key SUEX-1234-ABCD-WTF9 is invalid", Normal, "normal urgency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Classify(tt.chosen, "", tt.text)
			assert.Equal(t, tt.want, r.Urgency, "reasons: %v", r.Reasons)
			assert.True(t, containsSub(r.Reasons, tt.because), "no reason containing %q in %v", tt.because, r.Reasons)
		})
	}
}

func TestUrgencySignalsDenials(t *testing.T) {
	for _, text := range []string{"不是投诉，就是想问一下", "这不是投诉，只是问问", "不急，有空看一下", "no rush, not a complaint", "Not a dispute, just process the refund please"} {
		s := urgencySignals(text, normalizeText(Mask(text)), tokens(normalize(text)))
		assert.False(t, s.any(), "%q: %+v", text, s)
	}
	for _, text := range []string{"我要投诉", "急急急", "卡密呢？？", "WHERE IS MY CODE", "answer me now!", "今晚要用"} {
		s := urgencySignals(text, normalizeText(Mask(text)), tokens(normalize(text)))
		assert.True(t, s.any(), "%q", text)
	}
}

func TestClassifySentiment(t *testing.T) {
	tests := []struct {
		text string
		want string
	}{
		{"Thank you so much, it works now!", SentimentPositive},
		{"谢谢，可以用了", SentimentPositive},
		{"Hi, thanks in advance: my key does not work.", SentimentNeutral},
		{"What payment methods do you accept?", SentimentNeutral},
		{"I'm not happy, the key is invalid.", SentimentNegative},
		{"Worst shop ever, total scam", SentimentNegative},
		{"很失望，卡密无效", SentimentNegative},
		{"不满意", SentimentNegative},
		{"I'll call my lawyer", SentimentNegative},
		{"DO NOT IGNORE THIS MESSAGE PLEASE", SentimentNegative},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			r := Classify("", "", tt.text)
			assert.Equal(t, tt.want, r.Sentiment, "reasons: %v", r.Reasons)
		})
	}
}

func TestClassifyEntities(t *testing.T) {
	r := Classify("", "Order ORD-2026-000123: key invalid",
		"Key AB12-CD34-EF56-GH9Z fails. Also order kd20261103001. Reply to Bob.Smith@Example.com or bob.smith@example.com.")
	assert.Equal(t, []string{"ORD-2026-000123", "KD20261103001"}, r.Entities.OrderNumbers)
	assert.Equal(t, []string{"Bob.Smith@Example.com"}, r.Entities.Emails)
	assert.Equal(t, []string{"AB12-CD34-EF56-GH9Z"}, r.Entities.CardKeys)
	assert.Contains(t, r.Reasons, "the text contains 1 card-key-like string (masked in previews)")
	for _, reason := range r.Reasons {
		assert.NotContains(t, reason, "CD34", "reasons must never quote a key")
	}

	red := r.Redacted()
	assert.Equal(t, []string{"AB**-****-****-**9Z"}, red.Entities.CardKeys)
	assert.Equal(t, []string{"B***@Example.com"}, red.Entities.Emails)
	assert.Equal(t, r.Entities.OrderNumbers, red.Entities.OrderNumbers)
	assert.Equal(t, []string{"AB12-CD34-EF56-GH9Z"}, r.Entities.CardKeys, "Redacted does not modify the original")
	b, err := json.Marshal(red)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "CD34")
	assert.NotContains(t, string(b), "Smith")
}

func TestClassifyDeterministic(t *testing.T) {
	text := "卡密ABCDE-FGHIJ-KLMNO不能用，我要退款！！！不然我就报警, my lawyer, ASAP, thanks"
	first := Classify("", "subject", text)
	for range 20 {
		assert.Equal(t, first, Classify("", "subject", text))
	}
}

func containsSub(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestParseChoice(t *testing.T) {
	for _, s := range []string{"", "  ", "not_sure", "Not Sure", "not-sure", "unsure", "不确定"} {
		c, err := ParseChoice(s)
		require.NoError(t, err, s)
		assert.Equal(t, Category(""), c, s)
	}
	c, err := ParseChoice("Key-Invalid")
	require.NoError(t, err)
	assert.Equal(t, KeyInvalid, c)
	_, err = ParseChoice("dispute")
	assert.ErrorIs(t, err, ErrBuyerDispute)
	assert.Contains(t, err.Error(), "payment gateway")
	_, err = ParseChoice("hugs")
	assert.ErrorIs(t, err, ErrInvalidCategory)
}

// Property: urgency markers always set Hurry (except on advertising and phishing) and never lower the urgency of a message whose
// reading (inferred intent and category) they leave alone, and appending question marks never changes the inferred intent
// (the model does not read punctuation).
func TestPropertyUrgencyMarkers(t *testing.T) {
	all, err := Corpus()
	require.NoError(t, err)
	for i, e := range all {
		if i%3 != 0 {
			continue
		}
		base := Classify("", "", e.Text)
		for _, mark := range []string{"？？？", "??", "急急急", " ASAP"} {
			r := Classify("", "", e.Text+mark)
			spam := spamOrPhishing(r.Inferred, normalizeText(Mask(e.Text+mark)), tokens(normalize(e.Text+mark)))
			require.True(t, r.Hurry || spam, "%q", e.Text+mark)
			if r.Inferred == base.Inferred && r.Category == base.Category && (r.Confidence >= UsableAt) == (base.Confidence >= UsableAt) {
				// (A Chinese marker such as 急 is also a model feature and may change the
				// category, and with it the base urgency.)
				require.GreaterOrEqual(t, r.Urgency.Rank(), base.Urgency.Rank(), "%q", e.Text+mark)
			}
			if mark == "？？？" || mark == "??" {
				require.Equal(t, base.Inferred, r.Inferred, "%q", e.Text+mark)
			}
		}
	}
}

// A complaint already filed on a marketplace or payment platform, or threatened with one in
// pinyin, initials or by the platform's claim process, is urgent in the buyer's own words,
// whatever intent the model reads beside it.
func TestPlatformComplaintsAndThreatsAreUrgent(t *testing.T) {
	for _, text := range []string{"I opened a case with PayPal yesterday", "A-to-z claim filed for the card",
		"already opened an Item Not Received case", "我在PayPal开了争议", "已经在平台发起争议了",
		"bu tui kuan wo jiu zfb ts", "tui kuan ba, bu ran shen qing pdd jie ru",
		"Please refund, otherwise I'll open a PayPal case.", "Last chance to refund before I contact PayPal buyer protection."} {
		s := urgencySignals(text, normalizeText(Mask(text)), tokens(normalize(text)))
		assert.NotEmpty(t, s.threats, "%q", text)
	}
}

// TestReadable: the words the model knows, and the texts it mostly cannot read.
func TestReadable(t *testing.T) {
	m, err := BuiltinModel()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		text       string
		unreadable bool
	}{
		{"the key is invalid, please send another one", false},
		{"激活码显示无效", false},
		{"key无效 please help", false},
		{"zen me hai bu fa a", false},
		{"Order 123456789012 key invalid", false},
		{"Der Lizenzschlüssel wird vom Installer nicht akzeptiert.", true},
		{"Код неверный, замените", true},
		{"mã lỗi, đổi mã khác", true},
		{"123456", false}, // numbers are not words
	} {
		read, words := m.Readable(tt.text)
		assert.Equal(t, tt.unreadable, unreadable(read, words), "%q: %d of %d words read", tt.text, read, words)
	}
}
