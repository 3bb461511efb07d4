-- Hardening after the outside attack run (issue 14). Keep in step with
-- ../mysql/00140_security_hardening.sql.
--   * sessions.family_id: refresh tokens rotate inside a family; replaying a rotated token
--     revokes the whole family. access_jti / access_expires_at name the access token issued
--     with the session, so revoking the family also denies that access token.
--   * revoked_tokens: access tokens denied until they expire (logout, family revocation),
--     shared by every API process through the database.
--   * ticket_access_tokens: additional buyer links (resend-link adds one, never replacing the
--     link the buyer already has).
--   * health_beats: the /readyz write probe upserts one row here.
--   * users: e-mail unique per merchant (a person may work for two shops, and creating a user
--     never reveals another merchant's staff).

-- +goose Up
ALTER TABLE sessions ADD COLUMN family_id TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN access_jti TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN access_expires_at DATETIME NULL;
CREATE INDEX ix_sessions_family ON sessions (family_id);

CREATE TABLE revoked_tokens (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    jti                        TEXT NOT NULL DEFAULT '',
    user_id                    INTEGER NOT NULL DEFAULT 0,
    expires_at                 DATETIME NOT NULL,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
);
CREATE UNIQUE INDEX ux_revoked_tokens_jti ON revoked_tokens (jti);
CREATE INDEX ix_revoked_tokens_expires ON revoked_tokens (expires_at);

CREATE TABLE ticket_access_tokens (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    ticket_id                  INTEGER NOT NULL,
    token_hash                 TEXT NOT NULL DEFAULT '',
    expires_at                 DATETIME NOT NULL,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_ticket_access_tokens_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ux_ticket_access_tokens_hash ON ticket_access_tokens (token_hash);
CREATE INDEX ix_ticket_access_tokens_ticket ON ticket_access_tokens (ticket_id, created_at);

CREATE TABLE health_beats (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    name                       TEXT NOT NULL DEFAULT '',
    beat_at                    DATETIME NOT NULL
);
CREATE UNIQUE INDEX ux_health_beats_name ON health_beats (name);

DROP INDEX idx_users_email;
CREATE INDEX idx_users_email ON users (email);
CREATE UNIQUE INDEX ux_users_merchant_email ON users (merchant_id, email);

-- +goose Down
DROP INDEX ux_users_merchant_email;
DROP INDEX idx_users_email;
CREATE UNIQUE INDEX idx_users_email ON users (email);

DROP TABLE health_beats;
DROP TABLE ticket_access_tokens;
DROP TABLE revoked_tokens;

DROP INDEX ix_sessions_family;
ALTER TABLE sessions DROP COLUMN access_expires_at;
ALTER TABLE sessions DROP COLUMN access_jti;
ALTER TABLE sessions DROP COLUMN family_id;
