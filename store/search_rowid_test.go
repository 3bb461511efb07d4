package store

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrigramMatch: a term becomes the trigrams that tile it (offsets 0, 3, 6, … and the last
// three characters), quoted, joined by AND, each once.
func TestTrigramMatch(t *testing.T) {
	cases := []struct{ term, want string }{
		{"abc", `"abc"`},
		{"abcd", `"abc" AND "bcd"`},
		{"abcdef", `"abc" AND "def"`},
		{"abcdefgh", `"abc" AND "def" AND "fgh"`},
		{"aaaaaa", `"aaa"`},
		{`a"bc`, `"a""b" AND """bc"`},
		{"卡密无法激活", `"卡密无" AND "法激活"`},
		{"无法激活", `"无法激" AND "法激活"`},
		{"we are", `"we " AND "are"`},
	}
	for _, c := range cases {
		if got := trigramMatch(c.term); got != c.want {
			t.Errorf("trigramMatch(%q) = %s, want %s", c.term, got, c.want)
		}
	}
}

// TestPropertyTrigramMatchCoversTerm: for random terms, every character of the term lies in
// one of the trigrams asked for, and every trigram asked for is in the term (so a row holding
// the term is never missed, and the query narrows by all of it).
func TestPropertyTrigramMatchCoversTerm(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	alphabet := []rune("ab退款码 -\"x")
	for range 2000 {
		rs := make([]rune, 3+rng.IntN(20))
		for i := range rs {
			rs[i] = alphabet[rng.IntN(len(alphabet))]
		}
		term := string(rs)
		covered := make([]bool, len(rs))
		for _, q := range strings.Split(trigramMatch(term), " AND ") {
			g := []rune(strings.ReplaceAll(q[1:len(q)-1], `""`, `"`))
			if len(g) != 3 || !strings.Contains(term, string(g)) {
				t.Fatalf("%q: asked for %q, not a trigram of the term", term, q)
			}
			for i := 0; i+3 <= len(rs); i++ {
				if string(rs[i:i+3]) == string(g) {
					covered[i], covered[i+1], covered[i+2] = true, true, true
				}
			}
		}
		for i, c := range covered {
			if !c {
				t.Fatalf("%q: character %d is in no trigram asked for", term, i)
			}
		}
	}
}

// TestSearchRowidsAgree: the rowid the move derives from a search_recent entry id is the one
// the triggers, reindex and prune compute from the message or ticket, for ids up to and past
// 2^32; it sorts under its ticket (rowid >> 12), a subject in slot 0, a message in 1-4095.
func TestSearchRowidsAgree(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Options{URL: "sqlite:" + filepath.Join(t.TempDir(), "rowid.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(17, 4))
	ids := []int64{1, 2, 4094, 4095, 4096, 4294967294, 4294967295, 4294967296, 1 << 40}
	for range 300 {
		ids = append(ids, rng.Int64N(1<<42)+1)
	}
	for _, mid := range ids {
		tid := rng.Int64N(1<<30) + 1
		var got struct{ Msg, FromEntry, Subject, SubjectFromEntry int64 }
		err := s.DB(ctx).Raw("SELECT "+sqliteMessageRowid+" AS msg, "+
			strings.ReplaceAll(sqliteEntryRowid, "entry_id", "((ticket_id << 32) + 1 + (id % 4294967295))")+" AS from_entry, "+
			strings.ReplaceAll(sqliteSubjectRowid, "id", "ticket_id")+" AS subject, "+
			strings.ReplaceAll(sqliteEntryRowid, "entry_id", "(ticket_id << 32)")+" AS subject_from_entry "+
			"FROM (SELECT ? AS ticket_id, ? AS id)", tid, mid).Scan(&got).Error
		if err != nil {
			t.Fatal(err)
		}
		if got.Msg != got.FromEntry || got.Subject != got.SubjectFromEntry {
			t.Fatalf("ticket %d message %d: rowid %d, from its entry %d; subject %d, from its entry %d", tid, mid, got.Msg, got.FromEntry, got.Subject, got.SubjectFromEntry)
		}
		if got.Msg>>searchRowidShift != tid || got.Subject>>searchRowidShift != tid {
			t.Fatalf("ticket %d message %d: rowids %d, %d are not under their ticket", tid, mid, got.Msg, got.Subject)
		}
		if slot := got.Msg & (1<<searchRowidShift - 1); slot < 1 || slot > 4095 || got.Subject&(1<<searchRowidShift-1) != 0 {
			t.Fatalf("ticket %d message %d: message slot %d, subject slot %d", tid, mid, slot, got.Subject&(1<<searchRowidShift-1))
		}
	}
}
