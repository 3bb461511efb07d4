// Package binpages keeps the resident size of keydesk's own executable closer to the code it
// runs once started.
//
// keydesk's binary holds about 170 MB of code, read-only data and function tables. On kernels
// whose page cache keeps files in large folios (ext4 and XFS on Linux 6.x; 2 MiB for a binary
// written or read in one go), a fault on one byte maps the whole folio into the process, so RSS
// counts the binary in 2 MiB steps. Start-up (package initialisation, protocol descriptor and
// type registries, the embedded Temporal server's set-up) touches much of it once. Release drops
// the executable's read-only page-table entries after that: the pages stay in the page cache,
// and the process maps again only the folios it then uses.
package binpages

// Result says what Release did.
type Result struct {
	// Mappings is the number of read-only mappings of the executable that were released.
	Mappings int
	// Bytes is their total size (mapped, not necessarily resident before).
	Bytes uint64
}
