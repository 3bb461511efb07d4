//go:build linux

package binpages

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Release treats the read-only mappings of the running executable as mode says (Keep: not at
// all). Only mappings that are not writable and hold no anonymous (written) page are touched:
// they are private file mappings that were never written, so dropping their entries loses
// nothing (the next access reads the file again).
func Release(mode Mode) (Result, error) {
	if mode == Keep {
		return Result{}, nil
	}
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return Result{}, fmt.Errorf("binpages: find the executable: %w", err)
	}
	// The file is opened through /proc/self/exe for the eviction: after an upgrade replaced
	// the executable, its path names the new file (or none), and smaps names the old one
	// "path (deleted)", as readlink does.
	return releaseFile(exe, "/proc/self/exe", mode)
}

// releaseFile drops this process's read-only, unwritten mappings of path and, with Evict,
// marks them for reads without read-ahead and evicts the pages of file (path opened another
// way) from the page cache.
func releaseFile(path, file string, mode Mode) (Result, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return Result{}, fmt.Errorf("binpages: read mappings: %w", err)
	}
	ranges, err := readOnlyRanges(f, path)
	f.Close()
	if err != nil {
		return Result{}, err
	}
	var r Result
	for _, rg := range ranges {
		if err := madvise(rg, syscall.MADV_DONTNEED); err != nil {
			return r, err
		}
		// Without read-ahead a fault reads the one 4 KiB page it needs, into a folio of
		// that size; with it, the kernel reads ahead into large folios and maps them whole.
		if mode == Evict {
			if err := madvise(rg, syscall.MADV_RANDOM); err != nil {
				return r, err
			}
		}
		r.Mappings++
		r.Bytes += rg.end - rg.start
	}
	if mode == Evict && len(ranges) > 0 {
		if err := evict(file); err != nil {
			return r, err
		}
		r.Evicted = true
	}
	return r, nil
}

// evict asks the kernel to drop file's clean pages from the page cache (POSIX_FADV_DONTNEED).
// Pages another process still maps stay.
func evict(file string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("binpages: open the executable: %w", err)
	}
	defer f.Close()
	const fadvDontNeed = 4 // POSIX_FADV_DONTNEED on Linux
	if _, _, errno := syscall.Syscall6(syscall.SYS_FADVISE64, f.Fd(), 0, 0, fadvDontNeed, 0, 0); errno != 0 {
		return fmt.Errorf("binpages: evict %s from the page cache: %w", file, errno)
	}
	return nil
}

// addrRange is one mapping, [start, end).
type addrRange struct{ start, end uint64 }

func madvise(rg addrRange, advice int) error {
	_, _, errno := syscall.Syscall(syscall.SYS_MADVISE, uintptr(rg.start), uintptr(rg.end-rg.start), uintptr(advice))
	if errno != 0 {
		return fmt.Errorf("binpages: madvise(%#x-%#x, %d): %w", rg.start, rg.end, advice, errno)
	}
	return nil
}

// readOnlyRanges parses /proc/self/smaps (a header "start-end perms offset dev inode path" for
// each mapping, then "Key: value" lines) and returns the mappings of path that are not writable
// and hold no anonymous page. The last condition skips the RELRO part of a dynamically linked
// binary: the dynamic linker wrote relocated addresses there before making it read-only, and
// dropping those pages would bring back the file's unrelocated ones.
func readOnlyRanges(smaps io.Reader, path string) ([]addrRange, error) {
	var out []addrRange
	var cur *addrRange
	sc := bufio.NewScanner(smaps)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if !strings.HasSuffix(fields[0], ":") {
			cur = nil
			if len(fields) < 6 || strings.Join(fields[5:], " ") != path || len(fields[1]) < 2 || fields[1][1] == 'w' {
				continue
			}
			rg, err := parseRange(fields[0])
			if err != nil {
				return nil, err
			}
			out = append(out, rg)
			cur = &out[len(out)-1]
			continue
		}
		if cur != nil && fields[0] == "Anonymous:" && (len(fields) < 2 || fields[1] != "0") {
			out = out[:len(out)-1]
			cur = nil
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("binpages: read mappings: %w", err)
	}
	return out, nil
}

// parseRange parses "start-end" in hexadecimal.
func parseRange(s string) (addrRange, error) {
	lo, hi, ok := strings.Cut(s, "-")
	start, err1 := strconv.ParseUint(lo, 16, 64)
	end, err2 := strconv.ParseUint(hi, 16, 64)
	if !ok || err1 != nil || err2 != nil || end <= start {
		return addrRange{}, fmt.Errorf("binpages: mapping %q: bad range", s)
	}
	return addrRange{start, end}, nil
}
