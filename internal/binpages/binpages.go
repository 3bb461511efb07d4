// Package binpages keeps the resident size of keydesk's own executable close to the code it
// runs once started.
//
// keydesk's binary holds about 170 MB of code, read-only data and function tables. On kernels
// whose page cache keeps files in large folios (ext4 and XFS on Linux 6.x; up to 2 MiB for a
// binary written or read in one go), a fault on one byte maps the whole folio into the process,
// so RSS counts the binary in steps of up to 2 MiB, and how much depends on how the file came
// into the page cache: the same build read 35 MiB idle when copied with cp and 109 MiB when
// freshly linked (issue 17). Start-up (package initialisation, protocol descriptor and type
// registries, the embedded Temporal server's set-up) touches much of it once. Release drops the
// executable's read-only page-table entries after that and, by default (Evict), evicts the
// file's pages from the page cache and turns off read-ahead for those mappings, so that each
// page used from then on is read alone, into a 4 KiB folio: RSS and the page cache then hold
// the code the process runs, not the large folios around it.
package binpages

import "strings"

// Mode is how Release treats the executable's pages (KEYDESK_BINARY_PAGES).
type Mode string

// The modes of Release.
const (
	// Keep leaves the mappings alone.
	Keep Mode = "keep"
	// Drop drops the page-table entries; the pages stay in the page cache, in whatever folios
	// they are, and a fault maps a whole folio again.
	Drop Mode = "drop"
	// Evict drops the entries, turns off read-ahead on the mappings (MADV_RANDOM) and evicts
	// the file's pages that no process maps from the page cache, so that pages come back one
	// 4 KiB page at a time. The price: the first use of a code path after start reads its pages
	// from the file without read-ahead, and other processes running the same file read again
	// the pages they use.
	Evict Mode = "evict"
)

// ParseMode reads a mode's name, around spaces; "" is Evict.
func ParseMode(s string) (Mode, bool) {
	switch m := Mode(strings.TrimSpace(s)); m {
	case "":
		return Evict, true
	case Keep, Drop, Evict:
		return m, true
	}
	return "", false
}

// Result says what Release did.
type Result struct {
	// Mappings is the number of read-only mappings of the executable that were released.
	Mappings int
	// Bytes is their total size (mapped, not necessarily resident before).
	Bytes uint64
	// Evicted says the file's unmapped pages were evicted from the page cache.
	Evicted bool
}
