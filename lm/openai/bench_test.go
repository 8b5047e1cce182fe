package openai

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fmkit/fmkit/lm"
)

// TestMain doubles as the benchmark's server: with FMKIT_OPENAI_BENCH_SERVER
// set, the test binary serves fixed-latency answers instead of testing, so
// that the benchmark measures the client's CPU apart from the server's.
func TestMain(m *testing.M) {
	if d := os.Getenv("FMKIT_OPENAI_BENCH_SERVER"); d != "" {
		delay, err := time.ParseDuration(d)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		serveFixedLatency(delay)
		return
	}
	os.Exit(m.Run())
}

// fixedLatencyBody scores the continuation " y" of any context.
const fixedLatencyBody = `{"object":"text_completion","choices":[{"index":0,"text":"<s>x y\n","logprobs":{` +
	`"tokens":["<s>","x"," y","\n"],"token_logprobs":[null,-1.5,-0.5,-0.25],` +
	`"top_logprobs":[null,{"x":-1.5},{" y":-0.5},{"\n":-0.25}],"text_offset":[0,3,4,6]}}],` +
	`"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}`

// serveFixedLatency answers every request after delay, printing its
// address, until stdin closes.
func serveFixedLatency(delay time.Duration) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println(ln.Addr())
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		time.Sleep(delay)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, fixedLatencyBody)
	}))
	io.Copy(io.Discard, os.Stdin)
}

// startBenchServer runs serveFixedLatency in a child process.
func startBenchServer(b *testing.B, delay time.Duration) string {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "FMKIT_OPENAI_BENCH_SERVER="+delay.String())
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); cmd.Wait() })
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	return "http://" + strings.TrimSpace(addr) + "/v1"
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkThroughput is the concurrency check: against a server
// (another process) that answers every request after 50 ms, c concurrent
// requests can at best make c×20 requests/s. Reported: req/s; "of-ideal",
// the share of c×20 reached (the target is at least 0.9); "client-cpu-us",
// the client's CPU time per request, which bounds the rate one core can
// drive whatever else the machine is doing; and "peak-heap-MB", the largest
// heap in use during the run above the heap the requests themselves take
// (it must not grow with the request count).
func BenchmarkThroughput(b *testing.B) {
	url := os.Getenv("FMKIT_OPENAI_BENCH_URL") // a server the bench script shares with the peer
	if url == "" {
		url = startBenchServer(b, 50*time.Millisecond)
	}
	// The last level runs three times as many requests as the one before:
	// its peak heap shows whether memory grows with the request count.
	for _, lv := range []struct {
		c, seconds int
		name       string
	}{{1, 3, "c=1"}, {16, 3, "c=16"}, {64, 3, "c=64"}, {256, 3, "c=256"}, {256, 9, "c=256,long"}} {
		c := lv.c
		b.Run(lv.name, func(b *testing.B) {
			m, err := New(context.Background(), Options{BaseURLs: []string{url}, Model: "m", Concurrency: c})
			if err != nil {
				b.Fatal(err)
			}
			n := c * 20 * lv.seconds
			reqs := make([]lm.LoglikelihoodRequest, n)
			for i := range reqs {
				reqs[i] = lm.LoglikelihoodRequest{Context: fmt.Sprintf("question %d:", i), Continuation: " y"}
			}
			// The heap the requests themselves take is the baseline: what
			// the client adds on top must not grow with their number.
			runtime.GC()
			var base runtime.MemStats
			runtime.ReadMemStats(&base)
			var peak atomic.Uint64
			stop := make(chan struct{})
			go func() {
				var ms runtime.MemStats
				for {
					select {
					case <-stop:
						return
					case <-time.After(20 * time.Millisecond):
						runtime.ReadMemStats(&ms)
						if ms.HeapInuse > peak.Load() {
							peak.Store(ms.HeapInuse)
						}
					}
				}
			}()
			b.ResetTimer()
			cpu0, start := cpuTime(), time.Now()
			for b.Loop() {
				if _, err := m.Loglikelihood(context.Background(), reqs, nil); err != nil {
					b.Fatal(err)
				}
			}
			elapsed, cpu := time.Since(start), cpuTime()-cpu0
			close(stop)
			rate := float64(n*b.N) / elapsed.Seconds()
			b.ReportMetric(rate, "req/s")
			b.ReportMetric(rate/float64(c*20), "of-ideal")
			b.ReportMetric(float64(cpu.Microseconds())/float64(n*b.N), "client-cpu-us")
			b.ReportMetric((float64(peak.Load())-float64(base.HeapInuse))/(1<<20), "peak-heap-MB")
		})
	}
}
