// Package sysmem reports how much memory this process may still use: the
// kernel's MemAvailable, capped by a cgroup (container) limit when one is
// set, so that sizes chosen from it fit inside a container too.
package sysmem

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ErrUnknown is returned where the platform gives no figure (systems
// without /proc/meminfo).
var ErrUnknown = errors.New("sysmem: available memory unknown on this system")

// Available returns the bytes of memory available to new allocations.
func Available() (int64, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrUnknown, err)
	}
	avail, err := memAvailable(b)
	if err != nil {
		return 0, err
	}
	if room, ok := cgroupRoom(readFile); ok && room < avail {
		avail = room
	}
	return avail, nil
}

// memAvailable parses MemAvailable from /proc/meminfo, in bytes.
func memAvailable(meminfo []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			break
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb < 0 {
			break
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("%w: /proc/meminfo has no MemAvailable line in kB", ErrUnknown)
}

func readFile(p string) (string, bool) {
	b, err := os.ReadFile(p)
	return strings.TrimSpace(string(b)), err == nil
}

// cgroupRoom is the memory left under the cgroup's limit: v2's memory.max
// less memory.current, or v1's limit_in_bytes less usage_in_bytes. "max"
// and v1's huge "no limit" value mean no cap.
func cgroupRoom(read func(string) (string, bool)) (int64, bool) {
	for _, p := range [][2]string{
		{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"},
		{"/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"},
	} {
		limStr, ok1 := read(p[0])
		useStr, ok2 := read(p[1])
		if !ok1 || !ok2 || limStr == "max" {
			continue
		}
		lim, err1 := strconv.ParseInt(limStr, 10, 64)
		use, err2 := strconv.ParseInt(useStr, 10, 64)
		if err1 != nil || err2 != nil || lim <= 0 || lim >= 1<<60 {
			continue
		}
		return max(lim-use, 0), true
	}
	return 0, false
}
