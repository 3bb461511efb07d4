//go:build !linux

package binpages

// Release does nothing outside Linux.
func Release(Mode) (Result, error) { return Result{}, nil }
