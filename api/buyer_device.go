package api

import (
	"strings"

	"github.com/gin-gonic/gin"
)

// DeviceHeader carries the buyer pages' first-party device id: a random id the browser
// keeps in localStorage and sends with every buyer request (see web/assets/js/core.js).
// The fraud check links claims by it; it identifies a browser, never a person.
const DeviceHeader = "X-Keydesk-Device"

// maxDeviceID bounds a device id as stored (tickets.device_id).
const maxDeviceID = 128

// buyerDeviceID returns the device id of a buyer request: the body's device_id when the
// client sent one, else the X-Keydesk-Device header; trimmed, printable ASCII only, at most
// 128 characters ("" when absent or malformed).
func buyerDeviceID(c *gin.Context, fromBody string) string {
	id := strings.TrimSpace(fromBody)
	if id == "" {
		id = strings.TrimSpace(c.GetHeader(DeviceHeader))
	}
	if len(id) > maxDeviceID {
		return ""
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return ""
		}
	}
	return id
}
