-- The install id (issue 11): one row, created at first start. The same id is recorded in the
-- Temporal namespace (workflow keydesk/install) and checked at every start, and new tickets'
-- workflow ids carry it. Keep in step with ../mysql/00160_installation.sql.

-- +goose Up
CREATE TABLE installation (
  id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  install_id VARCHAR(32) NOT NULL,
  created_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE installation;
