package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/kb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

func kbMerchant(t *testing.T, s *store.Store, slug string) uint64 {
	t.Helper()
	m := models.Merchant{Slug: slug, Name: slug, Timezone: "UTC"}
	if err := s.DB(context.Background()).Create(&m).Error; err != nil {
		t.Fatal(err)
	}
	return m.ID
}

func kbArticle(t *testing.T, s *store.Store, m uint64, slug, lang, title, tags, body string, published bool) models.KBArticle {
	t.Helper()
	a := models.KBArticle{MerchantID: m, Slug: slug, Language: lang, Title: title, Tags: tags, Body: body, Published: published}
	if err := s.CreateKBArticle(context.Background(), &a); err != nil {
		t.Fatalf("create %s/%s: %v", slug, lang, err)
	}
	return a
}

func slugs(ss []store.KBSuggestion) []string {
	var out []string
	for _, x := range ss {
		out = append(out, x.Article.Slug+"/"+x.Article.Language)
	}
	return out
}

// TestKBStore is the knowledge base's contract on both dialects: the index follows creates,
// updates and deletes in their transaction; suggestions are published articles of the
// caller's merchant only, Chinese, English and mixed questions alike; events and the rebuild.
func TestKBStore(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := kbMerchant(t, s, "shop-a")
		b := kbMerchant(t, s, "shop-b")
		zh := kbArticle(t, s, a, "key-not-working", "zh-CN", "卡密无法使用", "卡密,无效,激活", "请确认兑换的平台和地区正确，且卡密中没有多余空格。", true)
		en := kbArticle(t, s, a, "key-not-working", "en", "My key does not work", "key,invalid,activate", "Check that you redeem the key in the right region.", true)
		kbArticle(t, s, a, "refunds", "zh-CN", "退款说明", "退款,取消", "未查看的卡密可在购买后14天内退款。", true)
		draft := kbArticle(t, s, a, "secret-draft", "zh-CN", "草稿：卡密激活内部说明", "卡密,激活", "草稿内容", false)
		// Another merchant's article with the same words: never suggested to shop-a.
		other := kbArticle(t, s, b, "key-not-working", "zh-CN", "卡密无法激活 其他商户", "卡密,激活", "其他商户的卡密激活说明", true)

		suggest := func(m uint64, q, lang string) []store.KBSuggestion {
			t.Helper()
			got, err := s.SuggestKBArticles(ctx, m, q, lang, 5)
			if err != nil {
				t.Fatalf("suggest %q: %v", q, err)
			}
			return got
		}
		got := suggest(a, "我的卡密激活不了", "zh-CN")
		if len(got) == 0 || got[0].Article.ID != zh.ID {
			t.Fatalf("zh question: %v", slugs(got))
		}
		if got[0].Snippet == "" || got[0].Article.MerchantID != a {
			t.Errorf("snippet %q", got[0].Snippet)
		}
		for _, x := range got {
			if x.Article.ID == draft.ID || x.Article.ID == other.ID || x.Article.MerchantID != a {
				t.Errorf("draft or another merchant's article suggested: %v", slugs(got))
			}
		}
		if got := suggest(a, "my key was already redeemed", "en"); len(got) == 0 || got[0].Article.ID != en.ID {
			t.Errorf("en question: %v", slugs(got))
		}
		if got := suggest(a, "steam key 激活不了", "en"); len(got) == 0 || got[0].Article.ID != zh.ID {
			t.Errorf("mixed question: %v", slugs(got))
		}
		if got := suggest(a, "我要退款", "zh-CN"); len(got) == 0 || got[0].Article.Slug != "refunds" {
			t.Errorf("two-character word: %v", slugs(got))
		}
		if got := suggest(b, "退款", "zh-CN"); len(got) != 0 {
			t.Errorf("shop-b sees shop-a's refund article: %v", slugs(got))
		}
		if got := suggest(a, "其他商户", "zh-CN"); len(got) != 0 {
			t.Errorf("shop-b's words match for shop-a: %v", slugs(got))
		}

		// Duplicate (slug, language) within a merchant; the same slug in another language is fine.
		dup := models.KBArticle{MerchantID: a, Slug: "refunds", Language: "zh-CN", Title: "x", Body: "y"}
		if err := s.CreateKBArticle(ctx, &dup); !errors.Is(err, store.ErrDuplicate) {
			t.Errorf("duplicate slug/language: %v", err)
		}

		// Publishing the draft makes it suggestible; updating re-indexes; deleting unindexes.
		in := draft
		in.Published, in.Title, in.Tags, in.Body = true, "会员充值到账说明", "充值,到账", "充值后一般五分钟内到账。"
		before, after, err := s.UpdateKBArticle(ctx, a, draft.ID, in)
		if err != nil || before.Published || !after.Published || after.Title != in.Title {
			t.Fatalf("update: %v %+v", err, after)
		}
		if got := suggest(a, "充值没有到账", "zh-CN"); len(got) == 0 || got[0].Article.ID != draft.ID {
			t.Errorf("updated article: %v", slugs(got))
		}
		if _, _, err := s.UpdateKBArticle(ctx, b, draft.ID, in); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another merchant updates: %v", err)
		}
		if _, err := s.DeleteKBArticle(ctx, b, draft.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another merchant deletes: %v", err)
		}
		if _, err := s.DeleteKBArticle(ctx, a, draft.ID); err != nil {
			t.Fatal(err)
		}
		if got := suggest(a, "充值没有到账", "zh-CN"); len(got) != 0 {
			t.Errorf("deleted article suggested: %v", slugs(got))
		}
		if _, err := s.KBArticleByID(ctx, b, zh.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another merchant reads: %v", err)
		}

		// Staff list: filters, index text, no other merchant.
		list, err := s.KBArticles(ctx, a, store.KBFilter{Text: "退款"})
		if err != nil || len(list) != 1 || list[0].Slug != "refunds" {
			t.Errorf("list by text: %v %+v", err, list)
		}
		list, _ = s.KBArticles(ctx, a, store.KBFilter{Language: "en"})
		if len(list) != 1 || list[0].ID != en.ID {
			t.Errorf("list en: %+v", list)
		}

		// Public page: the asked language, else another; unpublished or foreign slug 404.
		p, langs, err := s.PublishedKBArticle(ctx, a, "key-not-working", "en")
		if err != nil || p.ID != en.ID || len(langs) != 2 {
			t.Errorf("public en: %v %d %v", err, p.ID, langs)
		}
		if p, _, _ := s.PublishedKBArticle(ctx, a, "refunds", "en"); p.Language != "zh-CN" {
			t.Errorf("fallback language: %+v", p)
		}
		if _, _, err := s.PublishedKBArticle(ctx, b, "refunds", "zh-CN"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("shop-b reads shop-a's slug: %v", err)
		}

		// Events: once per (session, kind, article); foreign articles dropped.
		now := time.Now().UTC()
		evs := []models.KBEvent{{Session: "s1", Kind: kb.EventShown, ArticleID: zh.ID}, {Session: "s1", Kind: kb.EventOpened, ArticleID: zh.ID},
			{Session: "s1", Kind: kb.EventOpened, ArticleID: zh.ID}, {Session: "s1", Kind: kb.EventOpened, ArticleID: other.ID},
			{Session: "s2", Kind: kb.EventSubmitted}}
		if _, err := s.AddKBEvents(ctx, a, evs); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddKBEvents(ctx, a, evs[:2]); err != nil {
			t.Fatalf("repeat: %v", err)
		}
		got2, err := s.KBEvents(ctx, a, now.Add(-time.Hour), now.Add(time.Hour), 1000)
		if err != nil || len(got2) != 3 {
			t.Errorf("events: %v %+v", err, got2)
		}
		if got, _ := s.KBEvents(ctx, b, now.Add(-time.Hour), now.Add(time.Hour), 1000); len(got) != 0 {
			t.Errorf("shop-b sees events: %+v", got)
		}

		// Articles written around the store are indexed by the rebuild.
		raw := models.KBArticle{MerchantID: a, Slug: "raw", Language: "en", Title: "Gift card balance", Tags: "balance", Body: "Check the balance.", Published: true}
		if err := s.DB(ctx).Create(&raw).Error; err != nil {
			t.Fatal(err)
		}
		if n, err := s.RebuildKBIndex(ctx); err != nil || n != 5 {
			t.Errorf("rebuild: %d %v", n, err)
		}
		if got := suggest(a, "gift card balance", "en"); len(got) == 0 || got[0].Article.ID != raw.ID {
			t.Errorf("rebuilt: %v", slugs(got))
		}
	})
}

// TestKBReindex: an article written around the store (no index row) is found after
// ReindexKB, per merchant — reindexing one merchant leaves another's unindexed article
// unfound — a second run changes nothing and rows of deleted articles are pruned.
func TestKBReindex(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := kbMerchant(t, s, "shop-a")
		b := kbMerchant(t, s, "shop-b")
		kbArticle(t, s, a, "refunds", "en", "Refunds", "refund", "Unviewed keys can be refunded.", true)
		found := func(m uint64, slug string) bool {
			t.Helper()
			got, err := s.SuggestKBArticles(ctx, m, "gift card balance", "en", 5)
			if err != nil {
				t.Fatalf("suggest: %v", err)
			}
			for _, x := range got {
				if x.Article.Slug == slug {
					return true
				}
			}
			return false
		}
		found(a, "none") // the once-per-process check for missing rows runs here, before the raw writes
		rawA := models.KBArticle{MerchantID: a, Slug: "balance-a", Language: "en", Title: "Gift card balance", Tags: "balance", Body: "Check the gift card balance.", Published: true}
		rawB := models.KBArticle{MerchantID: b, Slug: "balance-b", Language: "en", Title: "Gift card balance", Tags: "balance", Body: "Check the gift card balance.", Published: true}
		for _, r := range []*models.KBArticle{&rawA, &rawB} {
			if err := s.DB(ctx).Create(r).Error; err != nil {
				t.Fatal(err)
			}
		}
		if found(a, "balance-a") || found(b, "balance-b") {
			t.Fatal("raw articles found before the reindex")
		}
		r, err := s.ReindexKB(ctx, a)
		if err != nil || r.Indexed != 2 || r.Pruned != 0 {
			t.Fatalf("reindex a: %+v %v", r, err)
		}
		if !found(a, "balance-a") {
			t.Error("shop-a's article not found after its reindex")
		}
		if found(b, "balance-b") {
			t.Error("shop-b's article found after reindexing shop-a only")
		}
		if found(b, "balance-a") {
			t.Error("shop-a's article suggested to shop-b")
		}
		if r, err := s.ReindexKB(ctx, b); err != nil || r.Indexed != 1 {
			t.Fatalf("reindex b: %+v %v", r, err)
		}
		if !found(b, "balance-b") {
			t.Error("shop-b's article not found after its reindex")
		}
		// Idempotent: the same counts, still found.
		if r, err := s.ReindexKB(ctx, 0); err != nil || r.Indexed != 3 || r.Pruned != 0 {
			t.Errorf("reindex all: %+v %v", r, err)
		}
		if r, err := s.ReindexKB(ctx, 0); err != nil || r.Indexed != 3 || r.Pruned != 0 || !found(a, "balance-a") {
			t.Errorf("second reindex all: %+v %v", r, err)
		}
		// A row deleted around the store leaves an index row: pruned by the merchant's run.
		if err := s.DB(ctx).Exec("DELETE FROM kb_articles WHERE id = ?", rawA.ID).Error; err != nil {
			t.Fatal(err)
		}
		if r, err := s.ReindexKB(ctx, a); err != nil || r.Indexed != 1 || r.Pruned != 1 {
			t.Errorf("reindex after raw delete: %+v %v", r, err)
		}
	})
}
