//go:build !linux

package binpages

// Release does nothing outside Linux.
func Release() (Result, error) { return Result{}, nil }
