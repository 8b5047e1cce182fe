// Package memtest measures the heap memory a function allocates, for tests
// that bound what hostile input (a huge declared size, an alias bomb) can
// make a parser allocate.
package memtest

import "runtime"

// AllocatedBytes returns how many bytes f allocates on the heap: the rise
// of runtime.MemStats.TotalAlloc across the call. It counts every
// allocation, freed or not, so it bounds the peak memory f can reach; work
// on other goroutines during the call is counted too, so bounds built on it
// should leave room for a little noise.
func AllocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
