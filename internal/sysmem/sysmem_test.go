package sysmem

import (
	"errors"
	"testing"
)

func TestMemAvailable(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"MemTotal:       32000000 kB\nMemFree:         1000 kB\nMemAvailable:   21395752 kB\n", 21395752 << 10, true},
		{"MemTotal: 1 kB\n", 0, false},
		{"MemAvailable: lots kB\n", 0, false},
		{"MemAvailable: 12 MB\n", 0, false},
	} {
		got, err := memAvailable([]byte(c.in))
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("%q: %d, %v; want %d", c.in, got, err, c.want)
		}
		if err != nil && !errors.Is(err, ErrUnknown) {
			t.Errorf("%q: error %v does not wrap ErrUnknown", c.in, err)
		}
	}
}

func TestCgroupRoom(t *testing.T) {
	for _, c := range []struct {
		files map[string]string
		want  int64
		ok    bool
	}{
		{map[string]string{"/sys/fs/cgroup/memory.max": "1073741824", "/sys/fs/cgroup/memory.current": "73741824"}, 1000000000, true},
		{map[string]string{"/sys/fs/cgroup/memory.max": "max", "/sys/fs/cgroup/memory.current": "5"}, 0, false},
		{map[string]string{"/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712", "/sys/fs/cgroup/memory/memory.usage_in_bytes": "5"}, 0, false},
		{map[string]string{"/sys/fs/cgroup/memory/memory.limit_in_bytes": "2000", "/sys/fs/cgroup/memory/memory.usage_in_bytes": "2500"}, 0, true},
		{nil, 0, false},
	} {
		got, ok := cgroupRoom(func(p string) (string, bool) { v, ok := c.files[p]; return v, ok })
		if got != c.want || ok != c.ok {
			t.Errorf("%v: %d, %v; want %d, %v", c.files, got, ok, c.want, c.ok)
		}
	}
}

func ExampleAvailable() {
	n, err := Available()
	if err != nil {
		return // no figure on this system
	}
	_ = n // bytes this process may still allocate
}
