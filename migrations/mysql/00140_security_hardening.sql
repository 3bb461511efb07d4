-- Hardening after the outside attack run (issue 14). Keep in step with
-- ../sqlite/00140_security_hardening.sql.
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
ALTER TABLE sessions
    ADD COLUMN family_id VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    ADD COLUMN access_jti VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    ADD COLUMN access_expires_at DATETIME(6) NULL,
    ADD KEY ix_sessions_family (family_id);

CREATE TABLE revoked_tokens (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    jti                        VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    user_id                    BIGINT UNSIGNED NOT NULL DEFAULT 0,
    expires_at                 DATETIME(6) NOT NULL,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY ux_revoked_tokens_jti (jti),
    KEY ix_revoked_tokens_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE ticket_access_tokens (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    ticket_id                  BIGINT UNSIGNED NOT NULL,
    token_hash                 VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    expires_at                 DATETIME(6) NOT NULL,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY ux_ticket_access_tokens_hash (token_hash),
    KEY ix_ticket_access_tokens_ticket (ticket_id, created_at),
    CONSTRAINT fk_ticket_access_tokens_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE health_beats (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    name                       VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    beat_at                    DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY ux_health_beats_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE users
    DROP INDEX idx_users_email,
    ADD KEY idx_users_email (email),
    ADD UNIQUE KEY ux_users_merchant_email (merchant_id, email);

-- +goose Down
ALTER TABLE users
    DROP INDEX ux_users_merchant_email,
    DROP INDEX idx_users_email,
    ADD UNIQUE KEY idx_users_email (email);

DROP TABLE health_beats;
DROP TABLE ticket_access_tokens;
DROP TABLE revoked_tokens;

ALTER TABLE sessions
    DROP INDEX ix_sessions_family,
    DROP COLUMN access_expires_at,
    DROP COLUMN access_jti,
    DROP COLUMN family_id;
