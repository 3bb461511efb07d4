package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestBuyerDeviceID(t *testing.T) {
	gin.SetMode(gin.TestMode)
	for _, tc := range []struct{ body, header, want string }{
		{"", "0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"},
		{"from-body", "from-header", "from-body"},
		{"", "  padded  ", "padded"},
		{"", "", ""},
		{"", "has space", ""},
		{"", "bad\x00byte", ""},
		{"", strings.Repeat("a", 129), ""},
		{"", strings.Repeat("a", 128), strings.Repeat("a", 128)},
	} {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("POST", "/api/v1/tickets", nil)
		if tc.header != "" {
			c.Request.Header.Set(DeviceHeader, tc.header)
		}
		if got := buyerDeviceID(c, tc.body); got != tc.want {
			t.Errorf("body %q header %q: got %q, want %q", tc.body, tc.header, got, tc.want)
		}
	}
}
