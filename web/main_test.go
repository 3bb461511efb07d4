package web_test

import (
	"os"
	"testing"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// TestMain stops the shared headless browser after the package's tests.
func TestMain(m *testing.M) {
	code := m.Run()
	bt.Close()
	os.Exit(code)
}
