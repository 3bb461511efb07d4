#!/usr/bin/env python3
"""Writes corpus.jsonl, the triage corpus: the hand-written messages of corpus_hand.txt and
messages made from the templates below.

Deterministic (fixed seed): run `python3 gencorpus.py` in this directory and the output is
byte-for-byte the same. Each hand-written message is its own group ("h:<line>").

Every template has its own group ("t:<intent>:<n>"); all messages made from one template
share the group, and the split (tune / held-out) is decided per group by the rule in
triage/corpus.go, so a held-out message's phrasing was never seen while tuning.

Agents' corrections exported from keydesk (`GET /api/v1/triage/labels`, JSONL) are taken in
from agent_labels.jsonl when that file exists (see main).

Markers in templates: {P} product, {O} order number, {K} key fragment, {E} e-mail,
{N} a quantity, {M} a smaller quantity, {H} hours/days waited, {G} greeting. Entities that a
slot put into the text are recorded as the message's labels.
"""
import json
import random
import re

R = random.Random(13)

P_ZH = ["Steam充值卡", "网易一卡通", "Q币卡", "苹果礼品卡", "App Store充值卡", "PSN点卡", "Xbox会员",
        "爱奇艺会员卡", "腾讯视频会员", "京东E卡", "原神月卡", "任天堂eshop卡", "Google Play礼品卡",
        "网易云音乐会员", "优酷会员", "steam钱包码", "暴雪战网点卡", "Win10激活码", "office激活码"]
P_EN = ["Steam gift card", "Xbox Game Pass code", "PSN card", "Google Play card", "Netflix gift card",
        "Nintendo eShop card", "Windows 11 key", "Office 2021 key", "Spotify premium code",
        "Roblox card", "Apple gift card", "Amazon gift card", "Razer Gold PIN", "Valorant points card",
        "Battle.net balance code", "Minecraft code"]
G_ZH = ["", "", "", "你好，", "您好，", "亲，", "老板，", "客服你好，", "在吗？", "hello，", "客服在吗，"]
G_EN = ["", "", "", "Hi, ", "Hello, ", "Hey, ", "Hi there, ", "Dear support, ", "Good morning, "]
EMAIL_USERS = ["zhangwei", "lily.chen", "xiaoming88", "wang_li", "tom.smith", "gamer4life",
               "sarah.j", "k.tanaka", "liuyang2001", "mike_r", "annie.w", "chenhao"]
EMAIL_DOMS = ["qq.com", "163.com", "gmail.com", "outlook.com", "126.com", "hotmail.com", "yahoo.com", "foxmail.com"]
ALNUM = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
DIG = "0123456789"


def order_no():
    k = R.randrange(6)
    if k in (0, 1):  # 17-digit numeric, date-prefixed
        return "2026" + "%02d%02d" % (R.randint(1, 12), R.randint(1, 28)) + "".join(R.choice(DIG) for _ in range(9))
    if k == 2:  # 18/19 digit numeric (platform order numbers)
        return str(R.randint(1, 9)) + "".join(R.choice(DIG) for _ in range(R.choice([17, 18])))
    if k == 3:  # alphanumeric with a dash, like B3K8-71QZ
        while True:
            s = "".join(R.choice(ALNUM) for _ in range(4)) + "-" + "".join(R.choice(ALNUM) for _ in range(4))
            if any(c.isdigit() for c in s) and any(c.isalpha() for c in s):
                return s
    if k == 4:
        return R.choice(["KD", "SO", "DD", "KM"]) + "2026" + "%02d%02d" % (R.randint(1, 12), R.randint(1, 28)) + "".join(R.choice(DIG) for _ in range(3 + R.randrange(3)))
    return "ORD-2026-" + "".join(R.choice(DIG) for _ in range(6))


def key_frag():
    n = R.choice([4, 4, 5])
    while True:
        s = "".join(R.choice(ALNUM) for _ in range(n))
        if any(c.isdigit() for c in s) and any(c.isalpha() for c in s):
            return s


def email():
    return R.choice(EMAIL_USERS) + str(R.choice(["", "", R.randint(1, 99)])) + "@" + R.choice(EMAIL_DOMS)


URG_ZH = ["？？？", "??", "急！", "急急急", "很急，", "今天就要用！", "今晚要用，快点", "赶紧处理", "马上给我解决！！",
          "等了好久了？？", "到底怎么回事？？？", "再不处理我去12315投诉", "不解决就给差评+投诉", "急用！！"]
URG_EN = ["??", "???", "ASAP!!", "urgent!!", "need it tonight", "please hurry, it's for a gift today",
          "this is ridiculous!!!", "PLEASE FIX THIS NOW", "answer me??", "I will report you if this isn't fixed today"]
CALM_ZH = ["", "", "", "谢谢", "麻烦看一下", "辛苦了", "麻烦处理下，谢谢", "帮忙查一下"]
CALM_EN = ["", "", "", " Thanks.", " Thank you!", " Please check.", " Thanks in advance.", " Regards"]

DOUBLE_CHARGE = re.compile(r"扣了两次|扣两次|重复扣款|charged twice|double charged|charged me twice", re.I)
# Advertising and phishing are never urgent, whatever they shout (triage.isSpam reads the same).
SPAM = re.compile(r"https?|www|bit\.ly|click the link|click here|claim your|congratulations|you've been selected|"
                  r"you have been selected|you have won|work from home|verify your store|点击链接|点击下方|中奖|加微信|"
                  r"加v|加qq|刷单|兼职|日赚|返现|领红包", re.I)

# (intent, lang, urgent?, template). urgent=True when the template itself signals urgency.
T = []


def add(intent, lang, urgent, *tpls):
    for t in tpls:
        T.append((intent, lang, urgent, t))


# ---------------- key_missing ----------------
add("key_missing", "zh", False,
    "{G}我付款了但是没收到卡密，订单号{O}",
    "{G}订单{O}显示已付款，卡密一直没发过来",
    "{G}买了{P}，钱扣了，没看到卡密",
    "{G}下单半天了还没发货，单号 {O}",
    "{G}邮箱里什么都没有，{P}的卡密呢",
    "{G}我买了{N}张{P}，只收到{M}张，剩下的呢",
    "{G}拍了{N}个只发了{M}个卡密，订单{O}",
    "{G}付完款页面就卡住了，卡密没显示出来",
    "{G}订单状态是已完成，可是我没拿到兑换码",
    "{G}等了{H}小时了，激活码还没到",
    "{G}为什么付款成功了不给我发卡密",
    "{G}少发了一张卡，订单号是{O}，我买的是{N}张",
    "{G}卡密没发到我邮箱{E}，查一下订单{O}",
    "{G}自动发货没发啊，{P}",
    "{G}请问我的卡密在哪里看，付了钱什么都没有",
    "{G}没有收到兑换码，垃圾邮件里也找过了",
    "{G}订单{O}的卡密是空的，页面上什么都没显示",
    "{G}已经扣款了还没给卡，{P}",
    "{G}提货页面显示卡密为空",
    "{G}我不要退款，你们把卡密补发给我就行",
    "{G}不是要退钱，是卡密一直没收到",
    "{G}买的{P}到现在都没发货",
    "{G}卡密没到账，钱已经付了",
    "{G}下单成功但是没有发卡",
    )
add("key_missing", "pinyin", False,
    "{G}wo fu kuan le dan shi mei shou dao ka mi",
    "ka mi ne? ding dan {O} hai mei fa huo",
    "mai le {N} zhang zhi shou dao {M} zhang",
    )
add("key_missing", "en", False,
    "{G}I paid for a {P} but never received the code. Order {O}.",
    "{G}Payment went through but no key in my email ({E}).",
    "{G}Where is my code? Order {O} says completed.",
    "{G}I ordered {N} {P}s and only got {M}.",
    "{G}Still waiting for my {P}, it's been {H} hours.",
    "{G}haven't received anything after paying, order number {O}",
    "{G}The order page shows no key at all, just a blank box.",
    "{G}I'm not asking for a refund, I just want the code I paid for.",
    "{G}bought {N} gift cards, you delivered {M}, please send the rest",
    "{G}my {P} never arrived, checked spam too",
    "{G}Money was taken but nothing was delivered.",
    "{G}no email, no code, nothing. order {O}",
    "{G}Partial delivery: order {O} was for {N} codes, I got {M}.",
    "{G}Didn't get my key yet, paid with PayPal {H} hours ago",
    "{G}the delivery page is empty, where can I find my PIN?",
    )
add("key_missing", "mixed", False,
    "{G}付款了但是没有收到 code，order {O}",
    "{G}key 还没发给我，等了{H}小时",
    "{G}买了{N}个 gift card 只到了{M}个",
    "{G}my 卡密 never arrived，订单{O}",
    "{G}paid 了但是 delivery 页面是空的",
    )

# ---------------- key_invalid ----------------
add("key_invalid", "zh", False,
    "{G}卡密无效，兑换的时候提示错误，订单{O}",
    "{G}激活码提示已被使用，我刚买的",
    "{G}兑换码显示已经被兑换过了，不是我用的",
    "{G}{P}充值的时候说卡号或密码错误",
    "{G}卡密码不对，输了好几次都说密码错误",
    "{G}这张卡的PIN码是错的，充不进去",
    "{G}提示该卡已被他人使用，卡密前四位{K}",
    "{G}卡密被别人用过了，尾号{K}",
    "{G}{P}显示锁区，国区用不了",
    "{G}激活失败，提示区域不符",
    "{G}兑换失败，说这个码不存在",
    "{G}卡密用不了，订单号{O}，后四位是{K}",
    "{G}充值失败，系统说卡已失效",
    "{G}买的{P}一直提示无效代码",
    "{G}你们发的卡是假的吧，根本充不上",
    "{G}我不要退款，就是激活码用不了，帮我换一个",
    "{G}不是要退钱，这个兑换码一直显示错误",
    "{G}卡密显示过期了，我昨天才买的",
    "{G}输入兑换码后提示“此代码已被兑换”",
    "{G}Steam说这个激活码已经被激活过了",
    "{G}卡号对的但是密码提示不正确",
    "{G}兑换的时候提示卡密不存在，以{K}开头的那个",
    "{G}{N}张卡有{M}张是坏的，提示已使用",
    "{G}刚买的码，兑换显示已被使用，肯定被人盗用了",
    "{G}卡密格式不对，少了几位，输不进去",
    )
add("key_invalid", "pinyin", False,
    "{G}ka mi yong bu liao, ti shi yi bei shi yong",
    "ji huo ma wu xiao a, ding dan {O}",
    "dui huan shi bai, shuo mi ma cuo wu",
    )
add("key_invalid", "en", False,
    "{G}The code says it has already been redeemed. Order {O}.",
    "{G}My {P} is invalid, Steam rejects it.",
    "{G}Key doesn't work, error when I try to activate.",
    "{G}the gift card PIN is wrong, it says incorrect password",
    "{G}It says the card number or password is incorrect.",
    "{G}Somebody else already used this code, it starts with {K}.",
    "{G}Activation failed: this key is for another region.",
    "{G}Region locked! The {P} only works in the US and I'm in the UK.",
    "{G}I don't want a refund, the code just fails. Can you send a working one?",
    "{G}the redemption code ending in {K} is not valid",
    "{G}Tried to redeem {P}, got 'code already used'.",
    "{G}{M} of the {N} codes I bought are invalid.",
    "{G}your key is fake, it won't activate",
    "{G}invaild code, dosent work on xbox",
    "{G}Card PIN rejected: 'The PIN you entered is not correct'.",
    "{G}It says expired but I bought it yesterday. Order {O}.",
    "{G}The key you sent is missing characters, can't enter it.",
    "{G}redeem page says this code has been used by another account",
    )
add("key_invalid", "mixed", False,
    "{G}key 无效，显示 already redeemed",
    "{G}{P} 的 code 用不了，提示 invalid",
    "{G}卡密 PIN wrong，试了好几次",
    "{G}兑换码 already used by someone else，订单{O}",
    "{G}激活的时候 error，说 region 不对",
    "{G}我不要 refund，就是 key 不能用",
    )

# ---------------- refund ----------------
add("refund", "zh", False,
    "{G}我要退款，订单号{O}",
    "{G}拍错了，能退款吗",
    "{G}买重复了，麻烦退一单",
    "{G}不想要了，可以退钱吗？卡密还没用",
    "{G}申请退款，{P}买错区了",
    "{G}退款什么时候能到账？已经申请{H}天了",
    "{G}我要求全额退款",
    "{G}卡用不了我也不要换了，直接退钱",
    "{G}你们一直不处理，我要退款",
    "{G}重复扣款了，扣了两次钱，退我一笔",
    "{G}买多了{M}张，没用过，能退吗",
    "{G}取消订单，把钱退回来",
    "{G}不要补发了，给我退款就行",
    "{G}请把订单{O}的钱原路退回",
    "{G}这单不要了，退款谢谢",
    "{G}退款申请提交了怎么还没退",
    "{G}价格买贵了，能退差价吗",
    "{G}卡密还没兑换，申请退货退款",
    )
add("refund", "pinyin", False,
    "{G}wo yao tui kuan, ding dan {O}",
    "neng tui qian ma? pai cuo le",
    )
add("refund", "en", False,
    "{G}I want a refund for order {O}.",
    "{G}Bought the wrong region by mistake, can I get my money back?",
    "{G}Please refund me, I no longer need the {P}.",
    "{G}I was charged twice for the same order, refund one of them please.",
    "{G}Cancel my order and refund, code not used.",
    "{G}How long does the refund take? Requested {H} days ago.",
    "{G}Don't send another code, I just want my money back.",
    "{G}refund pls, bought by accident",
    "{G}I'd like to return this {P}, it's unopened.",
    "{G}I need a refund, my kid bought this without asking.",
    "{G}Still waiting for the refund you promised.",
    "{G}Can you reimburse me? The price dropped the next day.",
    "{G}give me my money back, order {O}",
    "{G}refnd please, I ordered {N} instead of {M}",
    )
add("refund", "mixed", False,
    "{G}我要 refund，订单{O}",
    "{G}能 refund 吗，买错了",
    "{G}charged twice，扣了两次钱，退一笔",
    "{G}不要 code 了，直接退款",
    "{G}money back 可以吗？没用过",
    )

# ---------------- dispute (payment platform / chargeback) ----------------
add("dispute", "zh", True,
    "{G}我已经在支付宝投诉你们了，订单{O}",
    "{G}微信支付投诉已提交，等着吧",
    "{G}我在PayPal开了纠纷",
    "{G}已经向银行申请拒付",
    "{G}信用卡被盗刷了，这笔不是我买的",
    "{G}我没有买过这个东西，是别人盗用我的账户付的款，已经联系银行",
    "{G}支付宝那边我已经发起投诉了，你们看着办",
    "{G}我已经在微信支付投诉商家，订单{O}",
    "{G}PayPal争议已经开了，你们去处理吧",
    "{G}已经让银行撤销付款了",
    "{G}这笔{P}的扣款我不认可，已经申请拒付",
    "{G}我向支付平台投诉了，钱会退回来的",
    "{G}我已申请信用卡争议，订单{O}",
    )
add("dispute", "pinyin", True,
    "wo yi jing zai zhi fu bao tou su ni men le",
    "yi jing xiang yin hang shen qing ju fu",
    )
add("dispute", "en", True,
    "{G}I have opened a PayPal dispute for order {O}.",
    "{G}I filed a chargeback with my bank.",
    "{G}I did not authorize this payment, my card was stolen.",
    "{G}There's an unauthorized charge from your shop on my card.",
    "{G}My bank is reversing the payment for the {P}.",
    "{G}I opened a claim with PayPal since you never answered.",
    "{G}I've reported this charge as fraud to my card issuer.",
    "{G}Someone used my card to buy {P}s, I've contacted my bank.",
    "{G}Dispute filed with Stripe/my credit card company for order {O}.",
    "{G}I don't recognize this charge, chargeback already started.",
    )
add("dispute", "mixed", True,
    "{G}我已经开了 PayPal dispute",
    "{G}已经 chargeback 了，银行会处理",
    "{G}unauthorized 扣款，已经找银行拒付",
    "{G}支付宝 complaint 已提交",
    )

# ---------------- account ----------------
add("account", "zh", False,
    "{G}账号登录不上，提示密码错误",
    "{G}忘记密码了，怎么找回",
    "{G}注册的时候收不到验证码",
    "{G}怎么修改绑定的邮箱？现在是{E}",
    "{G}账号被冻结了，登录不了",
    "{G}手机号换了，想换绑",
    "{G}怎么注销账号",
    "{G}登录时一直提示验证码错误",
    "{G}重置密码的邮件收不到",
    "{G}我的会员账号积分没了",
    "{G}能开发票吗？公司报销要用",
    "{G}支持哪些付款方式？可以用信用卡吗",
    "{G}账户余额显示不对，充值了没加上",
    "{G}两步验证的手机丢了，进不去账户",
    "{G}我的账户被别人登录了，改不了密码",
    )
add("account", "pinyin", False,
    "zhang hao deng lu bu shang, mi ma cuo wu",
    "wang ji mi ma le zen me zhao hui",
    )
add("account", "en", False,
    "{G}I can't log in to my account, password reset email never comes.",
    "{G}How do I change the email on my account to {E}?",
    "{G}Forgot my password and I'm locked out.",
    "{G}2FA code isn't arriving, can't sign in.",
    "{G}Please delete my account and my data.",
    "{G}My account got suspended for no reason.",
    "{G}Can I get an invoice with my company name?",
    "{G}What payment methods do you accept? Does Alipay work?",
    "{G}the login page keeps saying wrong username",
    "{G}Someone changed my account password, I can't get in.",
    "{G}store credit on my account disappeared",
    "{G}How do I update my billing address?",
    )
add("account", "mixed", False,
    "{G}账号 login 不了，password 一直错",
    "{G}怎么改 email，账号绑定的是{E}",
    "{G}验证码收不到，没法 sign in",
    )

# ---------------- other ----------------
add("other", "zh", False,
    "{G}有没有日服的点卡卖",
    "{G}批发价多少？我想长期拿货",
    "{G}你们有API对接吗，我们是代理商",
    "{G}退款已经收到了，谢谢",
    "{G}已经可以用了，谢谢客服",
    "{G}卡密收到了，充值成功，感谢",
    "{G}请问{P}怎么兑换？第一次买",
    "{G}这个卡能在香港区用吗",
    "{G}什么时候补货{P}",
    "{G}给个好评，发货很快",
    "{G}问题解决了，可以关闭了",
    "{G}你们周末有人值班吗",
    "{G}买{N}张有优惠吗",
    "{G}代理怎么加盟，有返利吗",
    "{G}恭喜您中奖了，点击链接领取",
    "{G}兼职刷单日赚300加微信",
    "{G}你们是正规店吗，会不会被封号",
    "{G}补发的卡密已经用上了，谢谢",
    "{G}{P}有没有美区的",
    "{G}能用PayPal付款吗？不是投诉，就是问问",
    )
add("other", "pinyin", False,
    "you mei you ri fu dian ka",
    "xie xie, yi jing ke yi yong le",
    )
add("other", "en", False,
    "{G}Do you sell {P}s for Japan?",
    "{G}Refund arrived, thank you!",
    "{G}Got the code, works now. Thanks!",
    "{G}How do I redeem a {P} on console?",
    "{G}Do you offer bulk discounts for resellers?",
    "{G}Is there an API for automatic purchases?",
    "{G}When will {P} be back in stock?",
    "{G}Great service, fast delivery.",
    "{G}Issue resolved, you can close this.",
    "{G}Congratulations! You won a prize, click here to claim.",
    "{G}Are your codes legit? Will my account get banned?",
    "{G}Can the {P} be used in Canada?",
    "{G}The replacement code worked, thank you so much.",
    )
# a payment-method question is "account" (the corpus's convention); kept at its index so later groups stay fixed
add("account", "en", False,
    "{G}Just a question: do you accept crypto?",
    )
add("other", "mixed", False,
    "{G}refund 已经到账了，谢谢",
    "{G}有没有 {P} 美区的",
    "{G}code 可以用了，thanks",
    "{G}想做 reseller，有 API 吗",
    )

# ---------------- batch 2 (appended: template indices, and so groups, of batch 1 stay fixed) ----------------
add("key_missing", "zh", False,
    "{G}下单成功了，但是订单详情里卡密那一栏是空白的",
    "{G}我刚才买的{P}，系统说已发货，我这边啥也没看到",
    "{G}订单{O}一直显示处理中，卡密出不来",
    "{G}你们的自动发货是不是坏了，等了{H}个小时",
    "{G}买了{N}份{P}，发货记录里只有{M}份",
    "{G}支付完成后没有跳转，也没收到任何卡密信息",
    "{G}麻烦把订单{O}的卡密重新发一下，我没收到",
    "{G}卡密一直没给我，是缺货了吗",
    "{G}我付了钱但订单里看不到卡号，能帮我查查吗",
    "{G}邮件和短信都没有，卡密到底发给谁了",
    "{G}怎么还没给我发码，我都付款了",
    "{G}货呢？钱付了{H}小时了",
    )
add("key_missing", "en", False,
    "{G}Order {O} is marked delivered but I never saw any code.",
    "{G}Can you resend the key? The email never showed up.",
    "{G}I was charged for {N} keys but only {M} are listed on the order page.",
    "{G}it keeps saying 'processing' and no code appears",
    "{G}Nothing in my inbox, nothing on the site. Where did my {P} go?",
    "{G}I paid via card {H} hours ago, still no gift card code",
    "{G}The page crashed after payment and I don't have the code now.",
    "{G}how long does delivery take? paid already, no key yet",
    "{G}Please send my missing codes, I only received part of the order.",
    "{G}Is my order stuck? I haven't gotten the PIN.",
    )
add("key_missing", "mixed", False,
    "{G}order {O} 显示 delivered，但是我没有收到 code",
    "{G}卡密 still not received，等了{H}小时",
    "{G}付了钱 nothing arrived，订单{O}",
    )
add("key_missing", "pinyin", False,
    "{G}hai mei fa huo a, fu kuan le",
    "ding dan {O} mei you ka mi",
    )
add("key_invalid", "zh", False,
    "{G}卡密输进去提示“无效的卡号或密码”",
    "{G}这个码是不是别的区的，我这边提示地区不可用",
    "{G}兑换的时候说“该兑换码已失效”，订单{O}",
    "{G}给的激活码激活不了Windows，说密钥无效",
    "{G}{P}绑定失败，说卡密已经被绑定",
    "{G}刚买的卡余额是0，肯定被人用了",
    "{G}卡号和密码对不上，充值失败",
    "{G}这张卡提示冻结状态，无法使用",
    "{G}激活码少了几位，复制过来不对",
    "{G}买了{N}个，其中{M}个提示已兑换",
    "{G}卡密提示错误，我核对了好几遍，尾号{K}",
    "{G}激活码是坏的，前四位{K}，帮我换一个",
    )
add("key_invalid", "en", False,
    "{G}The key you gave me says 'invalid product key'.",
    "{G}my code shows as already claimed on a different account",
    "{G}The PIN is rejected every time, is it the right one?",
    "{G}Redeeming fails with 'this card is not valid in your country'.",
    "{G}The card number and password don't match, top-up failed.",
    "{G}Key is for the wrong platform, it's a PC key and I'm on PlayStation.",
    "{G}the gift card has zero balance, someone drained it",
    "{G}I get error code 0x8007 when activating the key ending {K}.",
    "{G}The voucher is expired according to the store.",
    "{G}Code is not recognized, checked for typos already.",
    )
add("key_invalid", "mixed", False,
    "{G}code 提示 not valid in your region",
    "{G}激活 failed，key 已经被用过",
    "{G}PIN 不对，card 充不进去",
    )
add("key_invalid", "pinyin", False,
    "{G}ka mi wu xiao, ti shi cuo wu",
    "dui huan ma yi jing bei shi yong le",
    )
add("refund", "zh", False,
    "{G}这个卡我用不上了，想申请退款",
    "{G}买错面值了，能退吗，没兑换",
    "{G}之前说好的退款怎么还没到",
    "{G}订单{O}请给我退钱，不想等补发了",
    "{G}不小心买了两次，退一次的钱",
    "{G}商品和描述不符，要求退款",
    "{G}能不能部分退款，{N}张里有{M}张没用",
    "{G}你们卡一直有问题，我要全额退款",
    "{G}退款申请提交{H}天了没动静",
    )
add("refund", "en", False,
    "{G}I want to cancel and get refunded, the code is untouched.",
    "{G}Please issue a refund, I bought the wrong denomination.",
    "{G}Could I get my money returned? Ordered by mistake.",
    "{G}I'd like a refund instead of a replacement.",
    "{G}my refund still hasn't shown up on my card",
    "{G}You charged me twice for order {O}, please refund the extra payment.",
    "{G}Refund request: {P}, unused.",
    "{G}Can you refund the {M} unused codes out of {N}?",
    )
add("refund", "mixed", False,
    "{G}买错了 please refund，没用过",
    "{G}我要 money back，订单{O}",
    )
add("refund", "pinyin", False,
    "{G}tui qian ba, bu xiang yao le",
    )
add("dispute", "zh", True,
    "{G}我已经向支付宝申请了退款纠纷，等平台处理",
    "{G}这笔钱我已经让信用卡银行拒付了",
    "{G}微信支付投诉单已经提交，你们等着平台处理吧",
    "{G}我卡被盗刷买了{P}，银行已经立案",
    "{G}已在PayPal提交争议，订单{O}",
    )
add("dispute", "en", True,
    "{G}I raised a dispute with PayPal about order {O}.",
    "{G}My credit card company is reversing this charge.",
    "{G}I never made this purchase, I've asked my bank to charge it back.",
    "{G}A claim has been opened with my card issuer for this payment.",
    "{G}This was an unauthorised transaction on my account, bank has been informed.",
    )
add("dispute", "mixed", True,
    "{G}已经在 PayPal 开了 claim",
    "{G}银行 chargeback 已经 submit 了",
    )
add("account", "zh", False,
    "{G}登录的时候一直转圈，进不去账户",
    "{G}我想把账号绑定的手机号改一下",
    "{G}收不到登录验证码短信",
    "{G}账号被锁定了，说尝试次数过多",
    "{G}会员积分怎么清零了",
    "{G}请问怎么修改账户的登录密码",
    "{G}想要开具电子发票，抬头是公司",
    "{G}账户里显示的余额不对",
    "{G}第三方微信登录后找不到之前的订单",
    "{G}我想删除我的账号和个人信息",
    )
add("account", "en", False,
    "{G}I can't reset my password, the link doesn't arrive.",
    "{G}My account is locked after too many attempts.",
    "{G}How can I change the phone number on my account?",
    "{G}I'd like an invoice for my purchases last month.",
    "{G}Logging in with Google shows an empty account.",
    "{G}Please remove my personal data and close my account.",
    "{G}Which payment options are available at checkout?",
    "{G}my balance on the site is wrong after topping up",
    )
add("account", "mixed", False,
    "{G}account 登录不了，验证码 never arrives",
    "{G}想改一下 account 的邮箱",
    )
add("account", "pinyin", False,
    "{G}yan zheng ma shou bu dao, deng lu bu shang",
    )
add("other", "zh", False,
    "{G}请问你们支持批量购买吗，价格怎么算",
    "{G}充值成功了，非常感谢",
    "{G}补发的收到了，已经激活，谢谢",
    "{G}这个{P}可以送给朋友吗",
    "{G}你们几点下班？晚上能发货吗",
    "{G}有没有{P}的优惠活动",
    "{G}我是代理，想接你们的API自动下单",
    "{G}点击领取888元红包 www.xxx.com",
    "{G}请问{P}在哪个平台兑换",
    "{G}之前的问题已经处理好了，谢谢你们",
    "{G}这个卡有没有使用期限",
    "{G}刚刚退款到账了，辛苦客服",
    )
add("other", "en", False,
    "{G}Thanks, the refund is in my account now.",
    "{G}Do you ship codes on weekends?",
    "{G}Where can I redeem the {P}?",
    "{G}I'm interested in becoming a reseller, who do I talk to?",
    "{G}Claim your free gift card now at www.free-cards.example",
    "{G}All good now, the replacement works. Cheers.",
    "{G}Will you have {P}s in stock next week?",
    "{G}Is there an expiry date on these cards?",
    "{G}Can I buy a {P} as a gift for someone in another country?",
    )
add("other", "mixed", False,
    "{G}thanks，已经充值成功了",
    "{G}请问 {P} 能不能 gift 给朋友",
    )
add("other", "pinyin", False,
    "{G}xie xie ke fu, yi jing hao le",
    )

# ---------------- batch 3 (appended) ----------------
add("account", "zh", False,
    "{G}网站账号登不进去，一直说用户名或密码错误",
    "{G}我改了登录密码还是进不去账号",
    "{G}登录页面提示账户异常，请联系客服",
    "{G}手机收不到登录验证码，换了号码",
    "{G}可以用银行卡付款吗？还是只能支付宝",
    "{G}付款方式能不能加个PayPal",
    "{G}我的会员账号到期了怎么续费",
    "{G}账号里的优惠券不见了",
    "{G}个人中心的订单记录怎么都没了",
    "{G}怎么绑定第二个邮箱到账户",
    )
add("account", "en", False,
    "{G}I keep getting 'wrong password' on your login page, but it's correct.",
    "{G}Can't sign into my account on the website, it says the user doesn't exist.",
    "{G}Is paying with a debit card possible, or only PayPal?",
    "{G}The SMS verification code for login never arrives.",
    "{G}My order history disappeared from my profile.",
    "{G}I want to switch the email address tied to my account.",
    "{G}my coupons vanished from my account",
    "{G}Please unlock my account, I got locked out.",
    )
add("account", "mixed", False,
    "{G}login 的时候说 password 错误，但我没输错",
    "{G}可以用 credit card 付款吗",
    )
add("other", "zh", False,
    "{G}{P}什么时候有货",
    "{G}你们卖的卡安全吗，会不会封号",
    "{G}这个卡在台湾能用吗",
    "{G}可以买了直接送人吗",
    "{G}退款收到了，麻烦关闭工单",
    "{G}已经好了，不用处理了",
    "{G}点这里免费领Q币 http://xx.cn",
    "{G}请问每个账号限购几张",
    "{G}你们的卡是官方渠道的吗",
    "{G}营业时间是几点到几点",
    )
add("other", "en", False,
    "{G}Is it safe to use your codes? I don't want my account banned.",
    "{G}Does the {P} work in Australia?",
    "{G}Is there a limit on how many codes I can buy?",
    "{G}Got my refund, thank you. You can close this.",
    "{G}Are these official codes or grey market?",
    "{G}When do you restock the {P}?",
    "{G}what are your support hours?",
    "{G}Free gift cards for everyone!!! visit free-codes.example now",
    )
add("other", "mixed", False,
    "{G}refund 到账了，可以 close 了",
    "{G}请问 {P} 在 Japan 能用吗",
    )
add("key_invalid", "zh", False,
    "{G}{P}余额显示0元，被人用过了",
    "{G}卡密系统识别不了，我检查过没输错",
    "{G}兑换提示代码已过期，订单{O}",
    "{G}激活提示这个产品已经在账户里了，可我没有",
    "{G}卡密少了一位，没法输入",
    "{G}你们发的码格式不对，兑换不了",
    )
add("key_invalid", "en", False,
    "{G}the {P} shows a balance of zero, it was used before I got it",
    "{G}The code isn't recognised by the store, no typos.",
    "{G}Store says this code expired last month.",
    "{G}The key has a character missing, it's too short to enter.",
    "{G}Activation says 'product already owned' but I don't own it.",
    "{G}The codes are all dead, none of them redeem.",
    )
add("key_missing", "zh", False,
    "{G}为什么我付了钱还不发货",
    "{G}订单一直卡在处理中，没有出卡",
    "{G}怎么还没收到，都付款半天了",
    )
add("key_missing", "en", False,
    "{G}Why haven't you sent my code yet? I paid.",
    "{G}The order has been 'processing' for {H} hours, no key.",
    "{G}my gift card never arrived, looked in spam as well",
    )
add("refund", "en", False,
    "{G}I'd like to send back this {P} for a refund, it's unused.",
    "{G}Refund request for order {O}, unused code.",
    )

# ---------------- batch 4 (appended) ----------------
add("key_missing", "zh", False,
    "{G}卡密页面一直显示“正在发货”，已经{H}小时了",
    "{G}没看到发货通知，也没有卡号密码",
    "{G}我的{P}订单付款成功，但卡密栏是空的",
    "{G}刚才那单{O}没出卡，钱已经扣了",
    "{G}买的{N}张卡只给了{M}张，剩下的什么时候补",
    "{G}请问卡密什么时候发，我下单很久了",
    "{G}发货失败了？订单{O}",
    "{G}充值卡一直没到，帮我查查",
    )
add("key_missing", "en", False,
    "{G}Purchase complete but no {P} in my inbox or on the site.",
    "{G}The order says 'delivery failed', I was charged though.",
    "{G}Got {M} out of {N} codes, the rest never came.",
    "{G}When will my code be sent? It's been {H} hours.",
    "{G}Order {O}: paid, but no key was ever shown to me.",
    "{G}The key page says 'awaiting stock' but I already paid.",
    )
add("key_missing", "mixed", False,
    "{G}{P} 没到，paid {H} 小时了",
    "{G}订单{O} still processing，没有 key",
    )
add("key_invalid", "zh", False,
    "{G}充值时提示“卡密已使用”，订单{O}",
    "{G}这个兑换码在我的区用不了，提示区域不支持",
    "{G}{P}兑换失败，说卡号不存在",
    "{G}激活码输入后说已被其他账号使用",
    "{G}卡的密码一直提示错误，确认没输错，尾号{K}",
    "{G}{N}张里{M}张都显示已兑换",
    "{G}兑换码过期了，刚买的怎么会过期",
    "{G}激活码是错的，提示无效序列号",
    )
add("key_invalid", "en", False,
    "{G}Redemption error: the code is not valid.",
    "{G}The {P} says it has been redeemed on another account.",
    "{G}Wrong region: the key only works in Asia.",
    "{G}The PIN on the card you sent is incorrect.",
    "{G}The store says the code format is invalid.",
    "{G}All {N} codes fail with 'already used'.",
    "{G}Code ending {K} says expired.",
    )
add("key_invalid", "mixed", False,
    "{G}{P} 的 code 显示 expired",
    "{G}PIN incorrect，充值失败，订单{O}",
    )
add("refund", "zh", False,
    "{G}请帮我取消订单{O}并退款",
    "{G}买错了区服，卡没用，能退吗",
    "{G}补发也没用，我要退款",
    "{G}退款到现在还没到账，已经{H}天",
    "{G}我付了两次钱，多的退给我",
    "{G}不想等了，退钱吧",
    )
add("refund", "en", False,
    "{G}Please cancel order {O} and refund me.",
    "{G}I don't want a replacement, I want a refund.",
    "{G}My refund hasn't arrived after {H} days.",
    "{G}Can you refund me? I ordered the wrong value.",
    "{G}Changed my mind, code not used, refund please.",
    )
add("refund", "mixed", False,
    "{G}请 refund 订单{O}，code 没用",
    )
add("dispute", "zh", True,
    "{G}我已经通过支付宝申请了交易投诉",
    "{G}银行那边已经在处理这笔拒付了，订单{O}",
    "{G}这钱不是我花的，我已经让银行冻结并拒付",
    )
add("dispute", "en", True,
    "{G}I've opened a case with PayPal about order {O}.",
    "{G}My bank is charging back this transaction.",
    "{G}This purchase wasn't me, I've reported it to my card company.",
    )
add("account", "zh", False,
    "{G}登录一直提示验证码错误",
    "{G}账户被封禁了，申请解封",
    "{G}账号密码正确但就是登不上",
    "{G}怎么修改注册邮箱{E}",
    "{G}你们支持哪些支付方式",
    "{G}开发票需要提供什么信息",
    "{G}账号里的余额怎么用",
    )
add("account", "en", False,
    "{G}I can't log in, it says my account doesn't exist.",
    "{G}The login code never comes to my phone.",
    "{G}My account was banned, can you check why?",
    "{G}How do I change the email on my profile to {E}?",
    "{G}What payment methods can I use?",
    "{G}How do I get an invoice for my order?",
    )
add("account", "mixed", False,
    "{G}账号 login 一直失败，password 没错",
    )
add("other", "zh", False,
    "{G}有没有{P}卖，多少钱",
    "{G}收到了，谢谢，很快",
    "{G}问题已经处理好了，辛苦了",
    "{G}这个卡能在国外用吗",
    "{G}可以长期合作吗，我是做代理的",
    "{G}你们客服几点上班",
    "{G}恭喜获得返现，点击链接填写银行卡",
    "{G}买多张有没有优惠",
    )
add("other", "en", False,
    "{G}How much is the {P}?",
    "{G}Received, thanks for the fast service!",
    "{G}All sorted, thank you.",
    "{G}Can this card be used abroad?",
    "{G}Do you do wholesale pricing for resellers?",
    "{G}What time does support open?",
    "{G}You've been selected! Confirm your bank details at rewards.example",
    )
add("other", "mixed", False,
    "{G}{P} 多少钱？",
    "{G}got it，谢谢",
    )

# ---------------- batch 5 (appended) ----------------
add("key_invalid", "zh", False,
    "{G}兑换时提示“此卡已作废”",
    "{G}{P}提示不适用于您所在的地区",
    "{G}激活码提示已超过激活次数",
    "{G}充值失败，系统说这张卡被锁定了",
    "{G}卡密提示“已被其他用户兑换”，订单{O}",
    "{G}买的码兑换出来面值不对",
    "{G}这个key是Xbox的，我要的是PC的，用不了",
    )
add("key_invalid", "en", False,
    "{G}The code activates a different game than the one I bought.",
    "{G}Redeem failed: 'this card has been deactivated'.",
    "{G}The key hit its activation limit, can't activate it.",
    "{G}Your card is locked according to the store, can't top up.",
    "{G}The gift card shows a different value than what I paid for.",
    "{G}I got an Xbox key but ordered PC, it won't work on my platform.",
    "{G}the code you sent gets 'unknown code' at checkout",
    )
add("key_missing", "zh", False,
    "{G}页面显示库存不足，但是钱已经扣了，卡没给",
    "{G}发货失败是怎么回事？我已付款",
    "{G}订单{O}显示待发货好久了",
    )
add("key_missing", "en", False,
    "{G}It says out of stock after I paid, where's my code?",
    "{G}Delivery failed on order {O} but the money is gone.",
    "{G}Status is 'pending delivery' since yesterday.",
    )
add("account", "zh", False,
    "{G}可以用云闪付付款吗",
    "{G}手机号注销了，账号登不上去",
    "{G}登录账号的时候提示需要人脸验证",
    "{G}我账户里的充值记录不对",
    "{G}怎么设置账户的支付密码",
    )
add("account", "en", False,
    "{G}Do you take Amex at checkout?",
    "{G}I lost access to the phone number on my account.",
    "{G}How do I set a payment password on my account?",
    "{G}The top-up history on my account is wrong.",
    "{G}Can I merge two accounts?",
    )
add("refund", "zh", False,
    "{G}退款一直显示处理中，什么时候到",
    "{G}订单{O}申请退款，卡没用过",
    "{G}我要退货退款，买错面值了",
    )
add("refund", "en", False,
    "{G}My refund is still 'processing', when will I get it?",
    "{G}Can I return an unused code for a refund?",
    )
add("other", "zh", False,
    "{G}{P}多少钱一张",
    "{G}这个卡在国外能充吗",
    "{G}你们卖的是官方正版吗",
    "{G}能不能便宜点，我买{N}张",
    "{G}你们有没有实体卡",
    "{G}谢谢，卡已经用上了",
    )
add("other", "en", False,
    "{G}What's the price for the {P}?",
    "{G}Can I use this card in another country?",
    "{G}Are these codes official?",
    "{G}Any discount if I take {N}?",
    "{G}Do you sell physical cards?",
    "{G}Thanks, all working now.",
    )

# ---------------- batch 6 (appended; mixed Chinese and English) ----------------
add("key_missing", "mixed", False,
    "{G}付款 success 了，但是 code 一直没出来",
    "{G}{N} 个 key 只收到 {M} 个，order {O}",
    "{G}email 里没有卡密，也没有 SMS",
    "{G}order 一直 pending，卡密呢",
    )
add("key_invalid", "mixed", False,
    "{G}兑换的时候 error: code already redeemed",
    "{G}这个 key 是 EU 区的，我 account 是 US",
    "{G}卡密 invalid，前四位 {K}",
    "{G}Steam 提示 invalid product code，订单{O}",
    )
add("refund", "mixed", False,
    "{G}code 没用过，想 refund 一下",
    "{G}refund 还没到账，等了{H}天",
    "{G}重复 payment 了，退一笔",
    )
add("dispute", "mixed", True,
    "{G}我已经在 PayPal 提交了 dispute，订单{O}",
    "{G}bank 说会 chargeback，我已经申请了",
    )
add("account", "mixed", False,
    "{G}account 被 suspend 了，为什么",
    "{G}login 要 verification code，但是收不到",
    "{G}可以用 PayPal 付款吗？",
    "{G}怎么改 account 的 password",
    )
add("other", "mixed", False,
    "{G}{P} 有 stock 吗",
    "{G}problem solved，谢谢",
    "{G}想做 reseller，price 怎么算",
    "{G}这个 card 能在 Japan 用吗",
    )

# Templates whose wording is itself urgent for their intent are marked by the add() flag;
# anything else gets a random urgency suffix about a quarter of the time.


def typo(s):
    words = s.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not idx:
        return s
    i = R.choice(idx)
    w = words[i]
    j = R.randrange(len(w) - 1)
    w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    words[i] = w
    return " ".join(words)


def fill(lang, tpl):
    ents = {"order_numbers": [], "key_fragments": [], "emails": []}
    out = tpl
    zh = lang in ("zh", "mixed")

    def take(mark, gen, bucket):
        nonlocal out
        while mark in out:
            v = gen()
            if bucket:
                ents[bucket].append(v)
            out = out.replace(mark, v, 1)

    take("{O}", order_no, "order_numbers")
    take("{K}", key_frag, "key_fragments")
    take("{E}", email, "emails")
    take("{P}", lambda: R.choice(P_ZH if zh and lang != "pinyin" else P_EN) if lang != "mixed" else R.choice(P_ZH + P_EN), None)
    n = R.randint(3, 10)
    out = out.replace("{N}", str(n)).replace("{M}", str(R.randint(1, n - 1)))
    out = out.replace("{H}", str(R.choice([2, 3, 5, 6, 12, 24, 48])))
    out = out.replace("{G}", R.choice(G_ZH if zh else G_EN) if lang != "pinyin" else R.choice(["", "", "ni hao ", "zai ma "]))
    return out, ents


def main():
    rows = []
    counts = {}
    for ti, (intent, lang, urgent, tpl) in enumerate(T):
        counts[intent] = counts.get(intent, 0) + 1
        group = "t:%s:%03d" % (intent, ti)
        n = 3 if lang == "pinyin" else R.choice([4, 5, 5, 6] if lang == "zh" else [3, 4, 4, 5])
        seen = set()
        for k in range(n):
            text, ents = fill(lang, tpl)
            u = urgent
            r = R.random()
            if r < 0.28:
                suf = R.choice(URG_ZH if lang in ("zh", "mixed") else URG_EN)
                sep = "" if suf[0] in "?？" else ("，" if lang != "en" else " ")
                text = text.rstrip("。.") + sep + suf
                u = True
            elif r < 0.6:
                calm = R.choice(CALM_ZH if lang in ("zh", "mixed") else CALM_EN)
                text = text + (("，" + calm) if calm and lang in ("zh", "mixed") else calm)
            if lang == "en":
                if R.random() < 0.2:
                    text = typo(text)
                if R.random() < 0.25:
                    text = text.lower()
                    ents = {k: [v.lower() for v in vs] for k, vs in ents.items()}
            if DOUBLE_CHARGE.search(text):
                u = True  # money taken twice is urgent (issue 13), whatever the wording
            if intent == "other" and SPAM.search(text):
                u = False
            if text in seen:
                continue
            seen.add(text)
            rows.append({"id": "%s-%d" % (group, k), "group": group, "lang": "zh" if lang == "pinyin" else lang,
                         "pinyin": lang == "pinyin", "text": text, "intent": intent,
                         "urgency": "high" if u else "normal", "entities": ents})
    nt = len(rows)
    langs = {"z": "zh", "e": "en", "m": "mixed", "p": "zh"}
    with open("corpus_hand.txt", encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            intent, urg, lang, text = line.split("|", 3)
            ents = {"order_numbers": [], "key_fragments": [], "emails": []}
            names = {"o": "order_numbers", "k": "key_fragments", "e": "emails"}
            for kind, val in re.findall(r"\[\[([oke]):([^\]]+)\]\]", text):
                ents[names[kind]].append(val)
            text = re.sub(r"\[\[[oke]:([^\]]+)\]\]", r"\1", text)
            g = "h:%04d" % ln
            rows.append({"id": g, "group": g, "lang": langs[lang], "pinyin": lang == "p", "text": text,
                         "intent": intent, "urgency": {"h": "high", "n": "normal"}[urg], "entities": ents})
    # Agents' intent corrections exported from keydesk (GET /api/v1/triage/labels, JSONL),
    # appended to agent_labels.jsonl: each is its own group ("agent:<merchant>:<ticket>"), so
    # the fixed split keeps some of them held out. Their entities are what the extractor
    # found, not hand labels. The latest line of a ticket wins.
    agent = {}
    try:
        with open("agent_labels.jsonl", encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    agent[r["id"]] = {k: r[k] for k in ("id", "group", "lang", "pinyin", "text", "intent", "urgency", "entities")}
    except FileNotFoundError:
        pass
    rows.extend(agent[k] for k in sorted(agent))
    with open("corpus.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
    print(len(rows), "messages:", len(rows) - nt - len(agent), "hand-written,", nt, "from", len(T), "templates,", len(agent), "agent labels")


if __name__ == "__main__":
    main()
