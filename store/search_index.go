package store

// Search index upkeep: card-key tail grams and rebuilding search_entries from the rows.

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"gorm.io/gorm/clause"

	"github.com/keydesk/keydesk/migrations"
	"github.com/keydesk/keydesk/models"
)

// KeyTailLen is how many trailing letters and digits of a card key are indexed for fragment
// search: fragments of MinKeyFragment to KeyTailLen characters found inside the key's tail match.
const (
	KeyTailLen     = 8
	MinKeyFragment = 4
)

// NormalizeKeyText keeps a key's letters and digits, upper-cased (separators and case are not
// part of what an agent types back).
func NormalizeKeyText(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

// KeyTailGrams returns every substring of MinKeyFragment..KeyTailLen characters of the key's
// normalised tail. Callers store only keyed hashes of them (KeyGramScope), never the grams.
func KeyTailGrams(secret string) []string {
	rs := []rune(NormalizeKeyText(secret))
	if len(rs) > KeyTailLen {
		rs = rs[len(rs)-KeyTailLen:]
	}
	seen := map[string]bool{}
	var out []string
	for n := MinKeyFragment; n <= len(rs); n++ {
		for i := 0; i+n <= len(rs); i++ {
			g := string(rs[i : i+n])
			if !seen[g] {
				seen[g] = true
				out = append(out, g)
			}
		}
	}
	return out
}

// KeyFragmentGram returns the gram to hash for a typed fragment, or "" when the text is not a
// possible key fragment (fewer than MinKeyFragment or more than KeyTailLen letters and digits,
// or anything but letters, digits and separators).
func KeyFragmentGram(text string) string {
	for _, r := range text {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == ' ' || r == '_') || r > unicode.MaxASCII {
			return ""
		}
	}
	n := NormalizeKeyText(text)
	if len(n) < MinKeyFragment || len(n) > KeyTailLen {
		return ""
	}
	return n
}

// KeyGramScope is the keyed-hash scope of a merchant's key grams.
func KeyGramScope(merchantID uint64) string { return "keygram:" + strconv.FormatUint(merchantID, 10) }

// KeyHasher computes keyed hashes (secretbox.Box).
type KeyHasher interface {
	Hash(scope, secret string) string
}

// KeyGramHashes returns the keyed hashes of a key's tail grams (KeyTailGrams) in the
// merchant's scope: what IndexKeyGrams stores. Neither the secret nor a gram is kept.
func KeyGramHashes(h KeyHasher, merchantID uint64, secret string) []string {
	grams := KeyTailGrams(secret)
	out := make([]string, len(grams))
	for i, g := range grams {
		out[i] = h.Hash(KeyGramScope(merchantID), g)
	}
	return out
}

// IndexKeyGrams records the keyed gram hashes of one card key (repeat calls are harmless).
func (s *Store) IndexKeyGrams(ctx context.Context, merchantID, keyID uint64, hashes []string) error {
	if len(hashes) == 0 {
		return nil
	}
	type gram struct {
		MerchantID uint64
		GramHash   string
		CardKeyID  uint64
	}
	rows := make([]gram, len(hashes))
	for i, h := range hashes {
		rows[i] = gram{merchantID, h, keyID}
	}
	err := s.DB(ctx).Table("search_key_grams").Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error
	return Translate(err, "index key grams")
}

// CardKeysForIndex lists a page of card keys that reached a buyer (delivered or attached to an
// order or ticket), by id, for rebuilding the key-gram index.
func (s *Store) CardKeysForIndex(ctx context.Context, afterID uint64, limit int) ([]models.CardKey, error) {
	var ks []models.CardKey
	err := s.DB(ctx).Where("id > ? AND (order_id IS NOT NULL OR ticket_id IS NOT NULL)", afterID).Order("id").Limit(limit).Find(&ks).Error
	return ks, Translate(err, "card keys for index")
}

// ReindexTickets rewrites the index rows (subject and every message) of the given tickets in
// one transaction, straight into the full-text index: their rows waiting in search_recent
// (migration 00440) are dropped first, so a key is never in both tables (on MySQL the recent
// rows are deleted, and so locked, before Mroonga is written, as the triggers do).
func (s *Store) ReindexTickets(ctx context.Context, ids []uint64) error {
	if len(ids) == 0 {
		return nil
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		for _, q := range reindexSQL(s.dialect) {
			if err := s.DB(ctx).Exec(q, sql.Named("ids", ids)).Error; err != nil {
				return Translate(err, "reindex tickets")
			}
		}
		return nil
	})
}

// reindexSQL returns the statements that rewrite the index rows of a list of tickets (one
// argument: the ticket ids).
func reindexSQL(dialect string) []string {
	if dialect == migrations.SQLite {
		return []string{
			"DELETE FROM search_recent WHERE ticket_id IN @ids",
			// Rowids as migration 00480: ticket id << 12 (subject), + a slot of 1-4095 (message).
			"DELETE FROM search_entries WHERE rowid IN (SELECT " + sqliteSubjectRowid + " FROM tickets WHERE id IN @ids UNION ALL SELECT " + sqliteMessageRowid + " FROM messages WHERE ticket_id IN @ids)",
			"INSERT INTO search_entries (rowid, text) SELECT " + sqliteSubjectRowid + ", subject FROM tickets WHERE id IN @ids ORDER BY id",
			"INSERT INTO search_entries (rowid, text) SELECT " + sqliteMessageRowid + ", body FROM messages WHERE ticket_id IN @ids ORDER BY ticket_id, id",
		}
	}
	return []string{
		"DELETE FROM search_recent WHERE ticket_id IN @ids",
		"DELETE FROM search_entries WHERE ticket_id IN @ids",
		"INSERT INTO search_entries (entry_id, ticket_id, merchant_id, body) SELECT -CAST(id AS SIGNED), id, merchant_id, subject FROM tickets WHERE id IN @ids",
		"INSERT INTO search_entries (entry_id, ticket_id, merchant_id, body) SELECT id, ticket_id, merchant_id, body FROM messages WHERE ticket_id IN @ids",
	}
}

// SQLite's search_entries rowids (migration 00480; searchRowidShift): a ticket's subject is
// ticket id << 12, a message's (ticket_id << 12) + 1 + (message id mod (2^32-1)) mod 4095.
// sqliteEntryRowid derives the same rowid from a search_recent entry id (migration 00440:
// ticket id << 32 for a subject, + 1 + message id mod (2^32-1) for a message).
const (
	sqliteSubjectRowid = "(id << 12)"
	sqliteMessageRowid = "((ticket_id << 12) + 1 + ((id % 4294967295) % 4095))"
	sqliteEntryRowid   = "(((entry_id >> 32) << 12) + CASE WHEN (entry_id & 4294967295) = 0 THEN 0 ELSE 1 + ((entry_id & 4294967295) - 1) % 4095 END)"
)

// RebuildTicketSearch rebuilds search_entries from tickets and messages, in batches of tickets
// by id, each in its own transaction; it returns how many tickets were indexed. The rows of
// those tickets waiting in search_recent go straight into the full-text index with them.
func (s *Store) RebuildTicketSearch(ctx context.Context, batch int) (int, error) {
	if batch <= 0 {
		batch = 1000
	}
	n := 0
	var after uint64
	for {
		var ids []uint64
		if err := s.DB(ctx).Model(&models.Ticket{}).Where("id > ?", after).Order("id").Limit(batch).Pluck("id", &ids).Error; err != nil {
			return n, Translate(err, "rebuild search: tickets")
		}
		if len(ids) == 0 {
			break
		}
		if err := s.ReindexTickets(ctx, ids); err != nil {
			return n, fmt.Errorf("rebuild search after ticket %d: %w", after, err)
		}
		n += len(ids)
		after = ids[len(ids)-1]
	}
	// Drop rows of tickets and messages that no longer exist (the triggers drop them as they
	// go; this is for data restored without them).
	prune := []string{
		"DELETE FROM search_recent WHERE ticket_id NOT IN (SELECT id FROM tickets)",
		"DELETE FROM search_entries WHERE ticket_id NOT IN (SELECT id FROM tickets)",
		"DELETE FROM search_entries WHERE entry_id > 0 AND entry_id NOT IN (SELECT id FROM messages)",
	}
	if s.dialect == migrations.SQLite {
		prune = []string{
			"DELETE FROM search_recent WHERE ticket_id NOT IN (SELECT id FROM tickets)",
			"DELETE FROM search_entries WHERE rowid NOT IN (SELECT " + sqliteSubjectRowid + " FROM tickets UNION ALL SELECT " + sqliteMessageRowid + " FROM messages)",
		}
	}
	for _, q := range prune {
		if err := s.DB(ctx).Exec(q).Error; err != nil {
			return n, fmt.Errorf("rebuild search: prune: %w", err)
		}
	}
	return n, nil
}

// MerchantProductIDs lists the merchant's product ids (full-key hashes are scoped by product).
func (s *Store) MerchantProductIDs(ctx context.Context, merchantID uint64) ([]uint64, error) {
	var ids []uint64
	err := s.DB(ctx).Model(&models.Product{}).Where("merchant_id = ?", merchantID).Order("id").Limit(1000).Pluck("id", &ids).Error
	return ids, Translate(err, "merchant products")
}
