package triage

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// urgencyCases are hand-written buyer lines labelled by the README's urgency rule: runs of
// "?" / "!", 急 (and its pinyin), asap / urgent, a deadline, shouting, threats (chargeback,
// 12315, lawyer, police, a complaint to a platform), money taken twice and filed complaints
// are urgent; spam, phishing, "no rush" and time words that are not deadlines are not. They
// were written before the urgency rules they measure were changed.
var urgencyCases = []urgencyCase{
	// zh positives
	{"卡密还没到，急急急", true},
	{"付了钱没收到激活码，今晚要用", true},
	{"今天之内给我处理好", true},
	{"明早之前必须到账", true},
	{"一小时内不发货就退款", true},
	{"下午三点前要用这个码，麻烦快点", true},
	{"马上给我发卡密", true},
	{"赶快处理一下，兑换码无效", true},
	{"钱扣了两次，怎么回事", true},
	{"重复扣款了，请退一笔", true},
	{"被扣了两遍钱", true},
	{"再不退款我就打12315", true},
	{"我要去消协投诉你们", true},
	{"不处理就去工商举报", true},
	{"我要投诉到平台", true},
	{"黑猫投诉见", true},
	{"再拖我就发律师函", true},
	{"已经报警了，骗子", true},
	{"我已经在支付宝投诉了", true},
	{"激活码用不了？？？", true},
	{"到底什么时候发货！！", true},
	{"人呢？？在吗", true},
	{"今晚比赛要用，求快", true},
	{"十分钟内处理好吗 急用", true},
	{"急件 卡密没收到", true},
	{"趕快給我退款", true},
	{"馬上處理，卡號無效", true},
	{"今晚前一定要到帳", true},
	{"錢被扣了兩次", true},
	{"重複扣款，請盡快退回", true},
	{"如果今天不发货就给我退款", true},
	{"今天不到账我就申请退款", true},
	{"充值卡无效 急", true},
	{"买的点卡一直没到 很着急", true},
	{"在线等挺急的", true},
	{"客服快回复我 我等着用", true},
	{"请尽快处理 谢谢", true},
	{"3点之前能发吗 赶时间", true},
	{"明天早上之前要是还没到我就退款", true},
	{"卡密不对啊！！！", true},
	{"付款两次了 只收到一个码", true},
	{"你们再不处理我就去315曝光", true},
	{"退款！！退款！！", true},
	{"语音转文字 码不能用 今晚要送人 麻烦马上处理", true},
	{"收不到卡密啊啊啊 急死了", true},
	// pinyin positives
	{"ka mi mei dao ji ji ji", true},
	{"jiji mei shou dao ma", true},
	{"kuaidian fa huo a", true},
	{"gankuai tui kuan", true},
	{"mashang chuli yixia", true},
	{"jj 码不能用", true},
	{"kd 发货 等着用", true},
	{"jin wan yao yong ka mi", true},
	{"kou le liang ci qian", true},
	{"jintian nei gei wo chuli", true},
	{"ji yong, mei shou dao ka mi", true},
	{"ma shang gei wo tui kuan", true},
	// en positives
	{"Where is my key?? paid an hour ago", true},
	{"I need the code ASAP", true},
	{"need it rn pls", true},
	{"need it now, the tournament starts in 30 minutes", true},
	{"Please send before 5pm", true},
	{"I need this within the hour", true},
	{"I need it by tomorrow morning", true},
	{"I need it tonight for my son's birthday", true},
	{"send it by EOD please", true},
	{"refund me if it isn't delivered today", true},
	{"I was charged twice for one card", true},
	{"You double charged me", true},
	{"billed two times for the same order", true},
	{"I'll file a chargeback if I don't hear back", true},
	{"My lawyer will contact you", true},
	{"I will report this to the police", true},
	{"I've opened a PayPal dispute", true},
	{"WHERE IS MY CODE I PAID YESTERDAY", true},
	{"THIS KEY DOES NOT WORK", true},
	{"urgent: code invalid", true},
	{"key not delivered!!!", true},
	{"hello??? anyone there", true},
	{"why is this taking so long?!?", true},
	{"Key invalid, please fix immediately", true},
	{"I need the gift card today, it's a gift", true},
	{"code doesnt work need it right now", true},
	{"payment went through twice please refund one", true},
	{"Hurry up, my friend is waiting for the code", true},
	{"need this in the next 20 minutes", true},
	{"can you send it before midnight", true},
	// mixed positives
	{"我的key还没到 asap", true},
	{"code 无效 急", true},
	{"PayPal 扣了两次 please refund", true},
	{"steam 卡今晚要用 please hurry", true},
	{"order 没发货？？", true},
	{"refund 马上", true},
	{"再不退款就 chargeback", true},
	{"need the 激活码 by tonight", true},
	// zh negatives
	{"不急，有空看一下卡密的问题", false},
	{"不着急，慢慢处理", false},
	{"您好，请问这个卡有效期到2027年吗", false},
	{"激活码30天内有效吗", false},
	{"下单后5分钟内发货吗？", false},
	{"请问今天买的话多久能到", false},
	{"卡密无效，麻烦看一下，谢谢", false},
	{"退款已经收到了，谢谢", false},
	{"兑换码显示已使用，麻烦处理", false},
	{"请问怎么开发票", false},
	{"加微信领红包，日赚500，急招兼职", false},
	{"恭喜中奖，点击链接领取", false},
	{"你们店的点卡是正版的吗", false},
	{"上周买的码还没到，麻烦查一下", false},
	{"请问有没有港服的卡", false},
	{"这个码需要在90天内激活吗", false},
	{"充值后多长时间到账", false},
	{"没事了，已经可以用了", false},
	// pinyin negatives
	{"bu ji, you kong kan xia", false},
	{"qing wen you xiao qi dao ji shi", false},
	{"ka mi wu xiao, ma fan kan yi xia", false},
	{"zen me kai fa piao", false},
	// en negatives
	{"No rush, whenever you can", false},
	{"not urgent, just asking about the code", false},
	{"Is the gift card valid until 2027?", false},
	{"Does the code expire in 30 days?", false},
	{"delivery within 5 minutes?", false},
	{"How long does delivery usually take?", false},
	{"The key says already redeemed, can you help", false},
	{"Refund received, thank you!", false},
	{"Do you sell PSN cards in USD?", false},
	{"My PIN from the CDK is not accepted", false},
	{"Congratulations! You have won, click here to claim your prize ASAP!!!", false},
	{"URGENT!!! verify your store now at http://bit.ly/x", false},
	{"Hi, I bought a Steam key last week and it is not in my email, could you check?", false},
	{"Can I pay with Alipay?", false},
	{"Will you have Xbox cards tomorrow?", false},
	{"😀😀😀 thanks for the fast delivery", false},
	{"I'd like an invoice for my order please", false},
	{"The code is for a birthday next month, no hurry", false},
	// mixed negatives
	{"请问 steam 卡 valid until 2027 吗", false},
	{"不急 the code can wait", false},
	{"PSN 卡有 USD 的吗", false},
	{"key 不能用 麻烦看看 😭😭😭", false},
}

// TestUrgencyTable measures Result.Hurry on urgencyCases (run with -v for the misses) and
// holds the figures the rules reached.
func TestUrgencyTable(t *testing.T) {
	s := scoreHurry(t, "urgency table", urgencyCases, true)
	assert.GreaterOrEqual(t, len(urgencyCases), 120)
	assert.GreaterOrEqual(t, s.Recall(), urgencyTableRecall)
	assert.GreaterOrEqual(t, s.Precision(), urgencyTablePrecision)
}

// The floors TestUrgencyTable holds. Before the rules were broadened the table read 63.2%
// recall at 96.8% precision; the broadened rules were written from its misses, so these are
// regression floors, not a measure on unseen text (urgency_blind_test.go is closer to one).
const (
	urgencyTableRecall    = 0.97
	urgencyTablePrecision = 0.97
)

// TestUrgencyCorpus measures Result.Hurry against the corpus's urgency labels.
func TestUrgencyCorpus(t *testing.T) {
	ex, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	cases := make([]urgencyCase, len(ex))
	for i, e := range ex {
		cases[i] = urgencyCase{text: e.Text, want: e.Urgency == "high"}
	}
	s := scoreHurry(t, "urgency corpus", cases, testing.Verbose())
	// Before the rules were broadened: recall 99.5% (1098/1104), precision 91.9% (1098/1195).
	// The corpus labels some lines "normal" that the README's rule makes urgent (money paid
	// twice, complaints already filed), so its precision stays near 92%.
	assert.GreaterOrEqual(t, s.Recall(), 0.99)
	assert.GreaterOrEqual(t, s.Precision(), 0.92)
}

// urgencyCase is a text and whether it is urgent.
type urgencyCase struct {
	text string
	want bool
}

// scoreHurry scores Result.Hurry on cases, logs the figures under name and, with logMisses,
// each miss and false alarm.
func scoreHurry(t *testing.T, name string, cases []urgencyCase, logMisses bool) Score {
	t.Helper()
	var s Score
	for _, c := range cases {
		got := Classify("", "", c.text).Hurry
		s.flag(c.want, got)
		if logMisses && c.want != got {
			what := "missed"
			if got {
				what = "false alarm"
			}
			t.Logf("%s: %s", what, c.text)
		}
	}
	t.Logf("%s: %d cases, recall %.1f%% (%d/%d), precision %.1f%% (%d/%d)", name, len(cases),
		100*s.Recall(), s.TP, s.TP+s.FN, 100*s.Precision(), s.TP, s.TP+s.FP)
	return s
}
