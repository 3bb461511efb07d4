package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"syscall"

	"github.com/go-sql-driver/mysql"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrUnavailable marks a database fault that a retry may cure: the database is locked or
// busy, read-only, full, unreachable, or chose this transaction as a deadlock victim. The
// API answers it 503 with Retry-After instead of 500.
var ErrUnavailable = errors.New("database temporarily unavailable")

// IsUnavailable reports whether err is (or wraps) a transient database fault; see
// ErrUnavailable. Constraint violations, missing rows and programming errors are not.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, mysql.ErrInvalidConn) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary result code of an extended one
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR,
			sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PROTOCOL:
			return true
		}
		return false
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		// Too many connections, server shutting down, lock wait timeout, deadlock, read-only
		// server / transaction / mode, connection killed; cannot connect, gone away, lost.
		case 1040, 1053, 1205, 1213, 1290, 1792, 1836, 1927, 2002, 2003, 2006, 2013:
			return true
		}
		return false
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true // dial or read failure on the way to the database server
	}
	return errors.Is(err, context.DeadlineExceeded)
}
