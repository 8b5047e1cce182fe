// Command searchapibench loads fmkit search serve's /api/search with
// concurrent clients and reports the searches per second it answered and
// their latency (bench/search_api.sh runs it).
//
// Usage: searchapibench -url http://127.0.0.1:8080 -corpus gcide -queries q.txt [-clients 8] [-seconds 20]
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "server")
	corpus := flag.String("corpus", "", "corpus name")
	queries := flag.String("queries", "", "file with one query a line")
	clients := flag.Int("clients", 8, "concurrent clients")
	seconds := flag.Float64("seconds", 20, "how long to run")
	warmup := flag.Float64("warmup", 3, "seconds of warm-up, not counted")
	flag.Parse()
	if *corpus == "" || *queries == "" {
		log.Fatal("searchapibench: -corpus and -queries are required")
	}
	qs := readLines(*queries)
	tr := &http.Transport{MaxIdleConnsPerHost: *clients}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var next, errs atomic.Int64
	var mu sync.Mutex
	var lat []float64
	run := func(until time.Time, record bool) {
		var wg sync.WaitGroup
		for range *clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []float64
				for time.Now().Before(until) {
					q := qs[int(next.Add(1))%len(qs)]
					u := *base + "/api/search?" + url.Values{"corpus": {*corpus}, "q": {q}, "k": {"10"}}.Encode()
					t0 := time.Now()
					resp, err := client.Get(u)
					if err != nil {
						errs.Add(1)
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 && resp.StatusCode != 400 { // 400: a query the parser rejects
						errs.Add(1)
						continue
					}
					mine = append(mine, float64(time.Since(t0).Microseconds())/1000)
				}
				if record {
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	run(time.Now().Add(time.Duration(*warmup*float64(time.Second))), false)
	errs.Store(0)
	start := time.Now()
	run(start.Add(time.Duration(*seconds*float64(time.Second))), true)
	elapsed := time.Since(start).Seconds()
	slices.Sort(lat)
	at := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(p*float64(len(lat)-1)+0.5)]
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{
		"clients": *clients, "seconds": elapsed, "searches": len(lat), "errors": errs.Load(),
		"searches_per_s": float64(len(lat)) / elapsed, "p50_ms": at(0.5), "p99_ms": at(0.99),
	})
}

func readLines(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if sc.Text() != "" {
			out = append(out, sc.Text())
		}
	}
	if len(out) == 0 {
		log.Fatal(fmt.Errorf("searchapibench: %s has no queries", path))
	}
	return out
}
