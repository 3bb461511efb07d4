package triage

import (
	"regexp"
	"slices"
	"strings"
)

// More urgency cues than the keyword lists hold: pinyin and its initials, traditional
// characters, deadlines written in many forms, money taken twice, mixed "?!" runs and
// shouted sentences. They only feed Result.Hurry and the priority (urgencySignals), never
// the model.

// notHurry removes phrases whose time or hurry words are not a deadline or a hurry: denials
// ("no hurry", "不用急") and pre-sale or past-tense time words ("bought today", "今天买的话",
// "是马上出卡吗"). Applied to normalised text before the hurry words are matched.
var notHurry = strings.NewReplacer(
	"no hurry", "", "not in a hurry", "", "no need to hurry", "", "don't hurry", "", "not in a rush", "", "take your time", "",
	"不用急", "", "别急", "", "不要急", "", "不赶时间", "", "不趕時間", "", "不是很急", "", "不太急", "", "不用着急", "",
	"bought today", "", "bought it today", "", "purchased today", "", "ordered today", "", "received today", "",
	"reached my visa today", "", "rate today", "", "today's", "", "buy it today", "", "buy today", "", "to buy it today", "",
	"buying tonight", "", "buy tonight", "", "buying it tonight", "", "pay by bank transfer tonight", "",
	"今天买的", "", "今天买", "", "今天拍", "", "今天下单", "", "今天刚买", "", "今天的活动", "", "今天有活动", "",
	"今天有什么", "", "今天天气", "", "今天好冷", "", "今天几点", "", "今晚买", "", "打算今晚", "", "今天還", "",
	"jj你好", "", "jj 你好", "", "jj在吗", "", "jj 在吗", "", "jj zai ma", "", "jj ni hao", "", "小jj", "",
	"open today", "", "close today", "", "今天营业", "", "今天上班", "", "jin tian mai", "", "jintian mai", "",
	// "今天" telling when something happened, not when it is needed: "今天就提示账号已冻结",
	// "今天突然提示会员已过期", "今天来复购了".
	"今天来", "", "今天就提示", "", "今天突然", "", "今天又", "", "今天才", "", "今天一看", "", "今天打开", "",
	"今天登", "", "今天试", "", "今天发现", "", "今天兑换", "", "今天有现货", "", "今天有货", "", "今天变", "",
	"今天降", "", "今天收到", "", "今天看到", "", "今天充", "",
	"arrive today", "", "arrived today", "", "came today", "", "got it today", "", "logged in today", "",
	"redeemed today", "", "redeemed it today", "", "activated today", "", "activated it today", "",
	"是马上", "", "是不是马上", "", "是不是立刻", "", "马上就能到吗", "", "马上出卡密还是", "", "立刻出卡", "",
)

// pinyinHurry are pinyin spellings (with and without spaces) and initials of hurry words,
// matched as whole words.
var pinyinHurry = []keyword{
	{"jiji", 1}, {"jijiji", 1}, {"ji ji", 1}, {"jj", 1}, {"jjj", 1}, {"kd", 1},
	{"ji yong", 1}, {"jiyong", 1}, {"hen ji", 1}, {"ting ji", 1}, {"tai ji", 1}, {"ji si", 1}, {"jisi", 1},
	{"zhao ji", 1}, {"zhaoji", 1}, {"jin ji", 1}, {"jinji", 1}, {"jia ji", 1}, {"jiaji", 1},
	{"kuaidian", 1}, {"kuai dian", 1}, {"kuai yi dian", 1}, {"kuaiyidian", 1}, {"gankuai", 1}, {"gan kuai", 1},
	{"ganjin", 1}, {"gan jin", 1}, {"ganjinde", 1}, {"mashang", 1}, {"ma shang", 1}, {"liji", 1}, {"li ji chu li", 1}, {"li ke chu li", 1},
	{"jinkuai", 1}, {"jin kuai", 1}, {"jinwan", 1}, {"jin wan", 1}, {"jintian nei", 1}, {"jin tian nei", 1},
	{"jintian zhinei", 1}, {"jin tian zhi nei", 1}, {"deng zhe yong", 1}, {"dengzheyong", 1}, {"zai xian deng", 1},
	{"zaixiandeng", 1}, {"gkd", 1}, {"kdkd", 1}, {"jin tian", 1}, {"jintian", 1},
	// money taken twice
	{"kou le liang ci", 1}, {"koule liangci", 1}, {"kou liang ci", 1}, {"kou le liang bian", 1}, {"chong fu kou kuan", 1},
	{"chongfu koukuan", 1}, {"fu le liang bian", 1}, {"fu le liang ci", 1}, {"fu liang ci", 1}, {"fule liangci", 1},
}

// pinyinThreats are pinyin spellings of threat words.
var pinyinThreats = []keyword{
	{"bao jing", 1}, {"baojing", 1}, {"lv shi", 1}, {"lvshi", 1}, {"lü shi", 1}, {"tou su", 1}, {"tousu", 1},
	{"ju fu", 1}, {"jufu", 1},
}

// moreHurry are hurry words, deadlines and money taken twice in characters (simplified and
// traditional) and English, beyond hurryKeywords.
var moreHurry = []keyword{
	{"赶快", 1}, {"趕快", 1}, {"趕緊", 1}, {"赶时间", 1}, {"趕時間", 1}, {"急件", 1}, {"急死", 1}, {"等着用", 1},
	{"等著用", 1}, {"在线等", 1}, {"在線等", 1}, {"速度处理", 1}, {"速度發", 1}, {"速度发", 1}, {"火速", 1},
	{"今晚前", 1}, {"今天之内", 1}, {"今天内", 1}, {"今日内", 1}, {"今日之內", 1}, {"今天之內", 1},
	{"明早之前", 1}, {"明早前", 1}, {"明天早上之前", 1}, {"明天之前", 1}, {"明天前", 1}, {"午夜前", 1}, {"下班前", 1},
	{"今晚", 1}, {"今天", 1}, {"馬上", 1}, {"立刻", 1}, {"盡快", 1}, {"儘快", 1}, {"緊急", 1},
	// money taken twice
	{"扣了两遍", 1}, {"扣两遍", 1}, {"扣了兩次", 1}, {"扣兩次", 1}, {"扣了兩遍", 1}, {"重複扣款", 1}, {"重复扣费", 1},
	{"重複扣費", 1}, {"扣款两次", 1}, {"扣款兩次", 1}, {"付款两次", 1}, {"付款兩次", 1}, {"付了两次", 1}, {"付了兩次", 1},
	{"支付了两次", 1}, {"扣了2次", 1}, {"扣了二次", 1}, {"两次扣款", 1}, {"兩次扣款", 1}, {"扣了双倍", 1}, {"扣了雙倍", 1}, {"重复付款", 1},
	{"重複付款", 1}, {"重复支付", 1}, {"被扣两次", 1}, {"扣两次", 1},
	{"charged two times", 1}, {"charged 2 times", 1}, {"billed twice", 1}, {"billed two times", 1}, {"billed me twice", 1},
	{"paid twice", 1}, {"took the money twice", 1}, {"took my money twice", 1}, {"went through twice", 1},
	{"charged me double", 1}, {"duplicate charge*", 1}, {"double charge*", 1}, {"double billed", 1}, {"double payment", 1},
	{"charged double", 1}, {"deducted twice", 1}, {"pay two times", 1}, {"paid two times", 1}, {"pay 2 times", 1},
	{"paid 2 times", 1}, {"付了两遍", 1}, {"付了兩遍", 1},
	// English deadlines and hurry
	{"rn", 1}, {"need it now", 1}, {"need this now", 1}, {"need them now", 1}, {"need the code now", 1}, {"now please", 1},
	{"within the hour", 1}, {"within an hour", 1}, {"before midnight", 1}, {"by midnight", 1}, {"by tonight", 1},
	{"by tomorrow", 1}, {"before tomorrow", 1}, {"eod", 1}, {"end of day", 1}, {"end of the day", 1}, {"quick please", 1},
	{"hurry up", 1}, {"time sensitive", 1}, {"time-sensitive", 1}, {"last minute", 1},
	{"send it now", 1}, {"send now", 1}, {"deliver now", 1}, {"refund now", 1}, {"do it now", 1}, {"need now", 1},
	{"want it now", 1}, {"money back now", 1}, {"fix it now", 1}, {"by tmr", 1}, {"by tmrw", 1}, {"before tmr", 1},
	// common misspellings
	{"urgnet", 1}, {"urgant", 1}, {"imediately", 1}, {"immediatly", 1}, {"immediatley", 1}, {"tonite", 1},
	{"tonigt", 1}, {"tonihgt", 1}, {"tonigth", 1}, {"toinght", 1}, {"otnight", 1}, {"2nite", 1}, {"2night", 1},
	{"rite now", 1}, {"rigth now", 1}, {"2day", 1},
	{"by noon", 1}, {"before noon", 1}, {"by lunch", 1}, {"by this evening", 1}, {"by this afternoon", 1}, {"by morning", 1},
	{"by the morning", 1},
	// more characters
	{"快一点", 1}, {"快些", 1}, {"快快", 1}, {"速回", 1}, {"快处理", 1}, {"快給我", 1}, {"快给我", 1},
	{"晚上要用", 1}, {"晚上就要", 1}, {"等下要用", 1}, {"一会要用", 1}, {"一会儿要用", 1}, {"待会要用", 1},
	{"待会儿要用", 1}, {"现在就要", 1}, {"现在要用", 1}, {"現在就要", 1},
	// homophone typos
	{"进快", 1}, {"金晚", 1}, {"进急", 1}, {"吉吉吉", 1}, {"及及及", 1}, {"今天只内", 1},
	{"等不及", 1}, {"来不及", 1}, {"來不及", 1}, {"明天要用", 1}, {"明早要用", 1}, {"明天就要", 1},
}

// notThreat removes phrases in which a threat word is no threat ("账号被举报" is an account
// that was reported, not a buyer reporting the shop).
var notThreat = strings.NewReplacer("被举报", "", "被舉報", "", "被人举报", "", "被人舉報", "")

// moreThreats are threat words beyond threatKeywords.
var moreThreats = []keyword{
	{"找工商", 1}, {"去工商", 1}, {"工商举报", 1}, {"工商投诉", 1}, {"打工商", 1}, {"举报", 1}, {"舉報", 1}, {"黑猫", 1}, {"黑貓", 1}, {"律师函", 1}, {"律師函", 1},
	{"消费者协会", 1}, {"消費者協會", 1}, {"市场监管", 1}, {"市场监督", 1}, {"市場監管", 1}, {"找平台", 1}, {"平台介入", 1},
	{"小二介入", 1}, {"找小二", 1}, {"客服介入", 1}, {"申请介入", 1}, {"申請介入", 1}, {"仲裁", 1}, {"维权", 1}, {"維權", 1},
	{"lawsuit", 1}, {"better business bureau", 1}, {"bbb", 1}, {"file a complaint", 1}, {"open a case", 1},
	{"opening a case", 1}, {"file a claim", 1}, {"filing a claim", 1}, {"contact my bank", 1}, {"call my bank", 1},
	{"calling my bank", 1}, {"trading standards", 1}, {"consumer rights", 1},
	// complaints already filed on a marketplace or payment platform
	{"a-to-z claim", 1}, {"a-to-z guarantee claim", 1}, {"opened a case", 1}, {"opened a claim", 1},
	{"not received case", 1}, {"开了争议", 1}, {"开争议", 1}, {"提了争议", 1}, {"发起争议", 1}, {"发起了争议", 1},
	// a complaint to a platform named in pinyin, initials or by the platform's claim process
	{"tou su", 1}, {"tousu", 1}, {"ts", 1}, {"jie ru", 1}, {"jieru", 1}, {"ju fu", 1}, {"jufu", 1}, {"xiao er", 1},
	{"paypal case", 1}, {"ebay case", 1}, {"paypal buyer protection", 1}, {"contact paypal", 1},
}

// goToWhom are the places a buyer threatens to take a complaint to (zhGoTo).
const goToWhom = `(支付宝|支付寶|微信支付|银行|銀行|paypal|淘宝|淘寶|拼多多|京东|京東|平台|g2a|ebay|shopee|蝦皮|虾皮|消保官|消保|消委会|消委會|消协|消協)`

var (
	// mixedRun is a run of two or more question and exclamation marks, in any mix and
	// width ("?!?", "？!", "!！").
	mixedRun = regexp.MustCompile(`[?？!！]\s*[?？!！]`)
	// zhClock is a deadline by the clock or the day in Chinese ("下午三点前", "3点之前",
	// "明天中午以前", "周五前").
	zhClock = regexp.MustCompile(`([0-9０-９一二三四五六七八九十两兩]+\s*[点點](半|钟|鐘)?|中午|晚上|下午|上午|早上|今晚|明早|明天|天黑)\s*(之前|以前|前)`)
	// zhWithin is a deadline by a duration ("一小时内", "半小时之内", "10分钟内").
	zhWithin = regexp.MustCompile(`([0-9０-９一二三四五六七八九十两兩半]+\s*(个|個)?\s*(小时|小時|钟头|鐘頭|分钟|分鐘))\s*(之内|之內|以内|以內|内|內)`)
	// enClock is a deadline by the clock ("before 5pm", "by 10 am", "by 9:30").
	enClock = regexp.MustCompile(`\b(before|by|until|till)\s+\d{1,2}(\s*(am|pm|o'clock)|:\d{2}\s*(am|pm)?)\b|\bbefore\s+\d{1,2}\b`)
	// enWithin is a deadline by a duration ("within 30 minutes", "in the next 20 mins",
	// "starts in 30 minutes", "in 2 hours").
	enWithin = regexp.MustCompile(`\b(within|in the next|in)\s+(\d+|a few|few|an?|one|two|ten|twenty|thirty)\s+(minutes?|mins?|hours?|hrs?)\b`)
	// zhTwice is money taken twice in characters ("扣了两回", "付了2笔", "扣款兩次").
	zhTwice = regexp.MustCompile(`(扣|付|支付|扣款|扣费|扣費|收费|收費|收款|刷|charge|charged)了?\s*我?\s*(两|兩|2|二)\s*(次|回|遍|笔|筆)`)
	// zhGoTo is a threat to take the matter to a payment platform, bank, marketplace or
	// consumer office ("不退我就去G2A开ticket", "不然我找支付宝", "再不退費我就去找消保官"); going
	// there needs a complaint verb after it, as "那我就去淘宝买了" is no threat.
	zhGoTo = regexp.MustCompile(`(就|不然我?|否则我?|否則我?)\s*((去\s*)?找\s*` + goToWhom + `|去\s*` + goToWhom + `\s*(投诉|投訴|开|開|申请|申請|举报|舉報|告|维权|維權))`)
	// enGoTo is the same in English ("before I go to my bank", "I'll have to raise it with
	// Shopee", "I'd rather not go through my card issuer"), and a platform claim still open.
	enGoTo = regexp.MustCompile(`\b(go|going)\s+(to|through)\s+my\s+(bank|card issuer|credit card company|card company)\b|\braise (it|this) with (shopee|paypal|ebay|g2a|my bank|the platform)\b|\b(paypal|ebay|shopee|g2a|amazon) claim\b|\b(case|claim) is (still )?open\b`)
	// enTwice is money taken twice in English ("took my payment two times", "billed me 2x").
	enTwice = regexp.MustCompile(`\b(charg\w*|bill\w*|took|taken|deduct\w*|paid|payment\w*)\b[^.!?]{0,20}\b(twice|two times|2 times|2x)\b`)
	// pinyinJi is pinyin "ji" (急) at a clause's end or before "a" / "le" / "yong" / "si",
	// unless the word before makes it another word (手机 shou ji, 等级 deng ji, 好极了 hao ji).
	pinyinJi = regexp.MustCompile(`(^|[^a-z0-9])([a-z]+\s+)?ji(\s+(a|ah|le|ya|yong|si)\b|\s*[,.!?，。！？~]|\s*$)`)
	// notJiBefore are pinyin words that make "ji" another word.
	notJiBefore = map[string]bool{"shou": true, "fei": true, "si": true, "sui": true, "dian": true, "zhu": true, "you": true,
		"xiang": true, "da": true, "kai": true, "guan": true, "sheng": true, "deng": true, "cheng": true, "shi": true,
		"tong": true, "nian": true, "hao": true, "di": true, "gao": true, "chao": true, "ti": true, "jie": true, "la": true,
		"wei": true, "yi": true, "ri": true, "ke": true, "bu": true, "zhou": true, "xing": true, "wen": true, "he": true}
	// pinyinDenial are pinyin "not urgent" phrases.
	// orderLikeToken is a run of letters glued to digits ("kd-20261201-0087", "kd8812") or
	// "kd" before a number ("KD 88 1203"): an order number, never a hurry word.
	orderLikeToken = regexp.MustCompile(`\b[a-z]{1,6}[-_]?[0-9][a-z0-9_-]*|\bkd[\s#:：-]*[0-9]`)
	// pastToday is "today" after a verb that tells what happened, in the same clause.
	pastToday = regexp.MustCompile(`\b(got|received|bought|arrived|came|ordered|purchased|redeemed|activated|paid|sent|delivered|showed up|went through|came through)\b([^.!?,;\n]{0,30}?)\btoday\b`)
	// pastVerb before "in 2 minutes" makes it how long something took, not a deadline.
	pastVerb     = regexp.MustCompile(`\b(got|received|arrived|came|delivered|took|was|were|had)\b`)
	pinyinDenial = strings.NewReplacer("bu ji", "", "buji", "", "bu zhao ji", "", "bie ji", "", "bu yong ji", "")
)

// questionAfter reports whether the sentence holding norm[end:] is a question ("delivery
// within 5 minutes?", "一小时内发货吗"): a pre-sale question's time words are no deadline.
func questionAfter(norm string, end int) bool {
	rest := norm[end:]
	if i := strings.IndexAny(rest, ".!。！\n"); i >= 0 {
		rest = rest[:i]
	}
	return strings.ContainsAny(rest, "?？") || strings.Contains(rest, "吗") || strings.Contains(rest, "嗎")
}

// promiseBefore reports whether the sentence before norm[:start] quotes a promise ("I was
// told it would arrive within 24 hours", "说好24小时内退款"): a duration someone else named is
// no deadline of the buyer's.
func promiseBefore(norm string, start int) bool {
	head := norm[:start]
	if i := strings.LastIndexAny(head, ".!?。！？\n"); i >= 0 {
		head = head[i:]
	}
	for _, w := range []string{"told", "said", "says", "promise", "supposed", "would", "should", "claim", "guarantee",
		"说", "說", "承诺", "承諾", "保证", "保證", "写着", "寫著", "显示", "顯示", "号称", "號稱"} {
		if strings.Contains(head, w) {
			return true
		}
	}
	return false
}

// deadlineMatches names the deadline cues of norm that are not inside a question or a
// quoted promise, and money taken twice. It returns fixed names ("a deadline", "money taken
// twice"), never the buyer's words, since Result.Reasons quote only this package's words.
// pastBefore says whether the sentence before start tells what happened ("got my code in 2
// minutes").
func pastBefore(norm string, start int) bool {
	head := norm[:start]
	if i := strings.LastIndexAny(head, ".!?。！？\n"); i >= 0 {
		head = head[i:]
	}
	return pastVerb.MatchString(head)
}

func deadlineMatches(norm string) []string {
	var found []string
	for _, re := range []*regexp.Regexp{zhTwice, enTwice} {
		if re.MatchString(norm) {
			found = append(found, "money taken twice")
			break
		}
	}
	for _, re := range []*regexp.Regexp{zhClock, zhWithin, enClock, enWithin} {
		for _, m := range re.FindAllStringIndex(norm, -1) {
			if re == enWithin && pastBefore(norm, m[0]) {
				continue
			}
			if re == zhClock || !questionAfter(norm, m[1]) && !promiseBefore(norm, m[0]) {
				return append(found, "a deadline")
			}
		}
	}
	return found
}

// pinyinJiMatch reports whether norm holds pinyin "ji" meaning 急.
func pinyinJiMatch(norm string) bool {
	for _, m := range pinyinJi.FindAllStringSubmatch(norm, -1) {
		if !notJiBefore[strings.TrimSpace(m[2])] {
			return true
		}
	}
	return false
}

// isShoutedSentence reports whether one sentence of text is written in capitals: at least
// three words of 3+ letters, all of them upper-case, none an acronym.
func isShoutedSentence(text string) bool {
	for _, sent := range regexp.MustCompile(`[.!?。！？\n]+`).Split(text, -1) {
		if isShouting(sent) {
			words, upper := 0, 0
			for _, tok := range strings.Fields(sent) {
				tok = strings.Trim(tok, ".,;:!?'\"()[]{}<>，。！？")
				if len(tok) < 3 || acronyms[tok] || strings.IndexFunc(tok, func(r rune) bool { return r < 'A' || r > 'z' || (r > 'Z' && r < 'a') }) >= 0 {
					continue
				}
				words++
				if strings.ToUpper(tok) == tok {
					upper++
				}
			}
			if words >= 3 && upper == words {
				return true
			}
		}
	}
	return false
}

// appendNew appends the items of more that list does not hold yet.
func appendNew(list []string, more ...string) []string {
	for _, m := range more {
		if !slices.Contains(list, m) {
			list = append(list, m)
		}
	}
	return list
}
