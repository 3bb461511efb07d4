-- The install id (issue 11): one row, created at first start. The same id is recorded in the
-- Temporal namespace (workflow keydesk/install) and checked at every start, and new tickets'
-- workflow ids carry it. Keep in step with ../sqlite/00160_installation.sql.

-- +goose Up
CREATE TABLE installation (
  id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  install_id VARCHAR(32) NOT NULL,
  created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE installation;
