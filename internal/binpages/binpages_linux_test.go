//go:build linux

package binpages

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

func TestReadOnlyRanges(t *testing.T) {
	entry := func(header string, anonKB int) string {
		return fmt.Sprintf("%s\nSize:  4 kB\nRss:  4 kB\nAnonymous:  %d kB\nFilePmdMapped:  0 kB\nVmFlags: rd mr mw me\n", header, anonKB)
	}
	maps := entry("00400000-00403000 r--p 00000000 fe:00 123 /opt/keydesk/keydesk", 0) +
		entry("00403000-04f0c000 r-xp 00003000 fe:00 123 /opt/keydesk/keydesk", 0) +
		entry("04f0c000-0a312000 r--p 04b0c000 fe:00 123 /opt/keydesk/keydesk", 0) +
		// RELRO: read-only now, written by the dynamic linker before.
		entry("0a312000-0a315000 r--p 09f12000 fe:00 123 /opt/keydesk/keydesk", 8) +
		entry("0a315000-0a89a000 rw-p 09f15000 fe:00 123 /opt/keydesk/keydesk", 0) +
		entry("0a89a000-0cba0000 rw-p 00000000 00:00 0", 100) +
		entry("7f0000000000-7f0000001000 r-xp 00000000 fe:00 456 /usr/lib/libc.so.6", 0) +
		entry("7f0000002000-7f0000003000 r--p 00000000 fe:00 789 /opt/keydesk/keydesk.old", 0)
	got, err := readOnlyRanges(strings.NewReader(maps), "/opt/keydesk/keydesk")
	if err != nil {
		t.Fatal(err)
	}
	want := []addrRange{{0x400000, 0x403000}, {0x403000, 0x4f0c000}, {0x4f0c000, 0xa312000}}
	if len(got) != len(want) {
		t.Fatalf("ranges %x, want %x", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("range %d = %x, want %x", i, got[i], want[i])
		}
	}
	if _, err := readOnlyRanges(strings.NewReader("zz r--p 0 fe:00 1 /x\n"), "/x"); err == nil {
		t.Fatal("a line without a range was accepted")
	}
}

// TestReleaseFile maps a file read-only, reads all of it, and checks that releasing it leaves
// none of it resident while the data reads the same afterwards; with Evict, that the file left
// the page cache too and a read maps back one 4 KiB page, not the folio around it.
func TestReleaseFile(t *testing.T) {
	for _, mode := range []Mode{Drop, Evict} {
		t.Run(string(mode), func(t *testing.T) { testReleaseFile(t, mode) })
	}
}

func testReleaseFile(t *testing.T, mode Mode) {
	path := filepath.Join(t.TempDir(), "blob")
	data := make([]byte, 8<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Written pages are dirty until written back, and the kernel evicts only clean ones (an
	// executable was written long before it runs).
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	m, err := syscall.Mmap(int(f.Fd()), 0, len(data), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(m)
	sum := 0
	for i := 0; i < len(m); i += 4096 {
		sum += int(m[i])
	}
	if kb := residentKB(t, path); kb < 8<<10 {
		t.Fatalf("%d kB resident after reading 8 MiB: the test cannot see a release", kb)
	}
	r, err := releaseFile(path, path, mode)
	if err != nil {
		t.Fatal(err)
	}
	if r.Mappings != 1 || r.Bytes != uint64(len(data)) || r.Evicted != (mode == Evict) {
		t.Fatalf("released %+v, want the one 8 MiB mapping, evicted %v", r, mode == Evict)
	}
	if kb := residentKB(t, path); kb != 0 {
		t.Errorf("%d kB still resident after release", kb)
	}
	if mode == Evict {
		var st syscall.Statfs_t
		if err := syscall.Statfs(path, &st); err != nil {
			t.Fatal(err)
		}
		const tmpfsMagic = 0x01021994
		if st.Type == tmpfsMagic {
			t.Skip("the test directory is on tmpfs, whose pages are the file itself and are never evicted; set TMPDIR to a disk file system to test eviction")
		}
		if n := cachedPages(t, m); n != 0 {
			t.Fatalf("%d of the file's pages still in the page cache after eviction", n)
		}
		touched = m[len(m)/2]
		if kb := residentKB(t, path); kb != 4 {
			t.Errorf("%d kB resident after reading one byte, want one 4 kB page", kb)
		}
	}
	again := 0
	for i := 0; i < len(m); i += 4096 {
		again += int(m[i])
	}
	if again != sum {
		t.Errorf("data read %d after release, %d before", again, sum)
	}
}

// touched keeps a read the compiler cannot drop.
var touched byte

// cachedPages counts the pages of mapping m that are in the page cache (mincore).
func cachedPages(t *testing.T, m []byte) int {
	t.Helper()
	vec := make([]byte, (len(m)+4095)/4096)
	if _, _, errno := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Fatalf("mincore: %v", errno)
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n
}

// TestRelease releases this test binary's own read-only mappings, drops and then evicts them,
// and goes on running; Keep touches nothing.
func TestRelease(t *testing.T) {
	if r, err := Release(Keep); err != nil || r != (Result{}) {
		t.Fatalf("Release(Keep) = %+v, %v; want nothing done", r, err)
	}
	r, err := Release(Drop)
	if err != nil {
		t.Fatal(err)
	}
	if r.Mappings == 0 || r.Bytes == 0 {
		t.Fatalf("released %+v: no read-only mapping of the executable found", r)
	}
	if n := len(fmt.Sprint(runtime.Stack(make([]byte, 1<<16), true))); n == 0 {
		t.Fatal("no stack after release")
	}
	// Evict opens the executable through /proc/self/exe.
	if r, err = Release(Evict); err != nil || !r.Evicted || r.Mappings == 0 {
		t.Fatalf("Release(Evict) = %+v, %v", r, err)
	}
	if n := len(fmt.Sprint(runtime.Stack(make([]byte, 1<<16), true))); n == 0 {
		t.Fatal("no stack after eviction")
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": Evict, "evict": Evict, "drop": Drop, "keep": Keep, " drop ": Drop} {
		if got, ok := ParseMode(in); !ok || got != want {
			t.Errorf("ParseMode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"Evict", "off", "dontneed"} {
		if got, ok := ParseMode(in); ok {
			t.Errorf("ParseMode(%q) = %q, accepted", in, got)
		}
	}
}

// residentKB sums Rss over this process's mappings of path.
func residentKB(t *testing.T, path string) int {
	total := 0
	for _, kb := range residentsOf(t, path) {
		total += kb
	}
	return total
}

// residentsOf returns the Rss of each of this process's mappings of path, in kB.
func residentsOf(t *testing.T, path string) []int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []int
	mine := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) == 0:
		case !strings.HasSuffix(fields[0], ":"): // a mapping's header; an anonymous one has no path
			mine = len(fields) >= 6 && strings.Join(fields[5:], " ") == path
		case mine && fields[0] == "Rss:" && len(fields) >= 2:
			kb, err := strconv.Atoi(fields[1])
			if err != nil {
				t.Fatalf("smaps Rss %q: %v", fields[1], err)
			}
			out = append(out, kb)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
