// Command servebench measures fmkit serve's continuous batching: the same
// clients, each asking for a completion of N tokens, run one after another
// and then all at once against one server over loopback HTTP; it prints the
// aggregate generated tokens per second of both and their ratio (the issue
// asks for at least 3 with 32 clients).
//
// usage: servebench -model DIR [-clients 32] [-tokens 32]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fmkit/fmkit/lm/native"
	"github.com/fmkit/fmkit/serve"
)

func main() {
	dir := flag.String("model", "", "model: a directory (config.json, safetensors, tokenizer.json), a GGUF file, builtin:NAME or hf:ORG/NAME")
	clients := flag.Int("clients", 32, "concurrent clients")
	tokens := flag.Int("tokens", 32, "tokens each client asks for")
	profile := flag.String("cpuprofile", "", "write a CPU profile of both runs to this file")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "servebench:", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(*dir, *clients, *tokens); err != nil {
		fmt.Fprintln(os.Stderr, "servebench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func run(dir string, clients, tokens int) error {
	m, err := native.LoadModel(context.Background(), dir, nil, nil)
	if err != nil {
		return err
	}
	defer m.Close()
	tok, err := native.LoadTokenizer(m)
	if err != nil {
		return err
	}
	s, err := serve.New(m, tok, &serve.Options{Name: "bench"})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Serve(ctx, ln, time.Minute)
	url := "http://" + ln.Addr().String() + "/v1/completions"

	topics := []string{"the sea", "a mountain", "the city at night", "an old library", "the first snow", "a train station", "the desert", "a garden"}
	ask := func(i int) (int, error) {
		// ignore_eos keeps every client generating its N tokens, so both
		// runs produce the same amount of text.
		body, _ := json.Marshal(map[string]any{"model": "bench", "prompt": fmt.Sprintf("Client %d writes a short story about %s:", i, topics[i%len(topics)]),
			"max_tokens": tokens, "temperature": 0, "ignore_eos": true})
		resp, err := http.Post(url, "application/json", strings.NewReader(string(body)))
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		var out struct {
			Usage struct {
				CompletionTokens int `json:"completion_tokens"`
			} `json:"usage"`
		}
		if resp.StatusCode != 200 {
			return 0, fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return 0, err
		}
		return out.Usage.CompletionTokens, nil
	}
	if _, err := ask(0); err != nil { // warm up
		return err
	}

	start, cpu0 := time.Now(), cpuTime()
	seqTokens := 0
	for i := range clients {
		n, err := ask(i)
		if err != nil {
			return err
		}
		seqTokens += n
	}
	seq, seqCPU := time.Since(start), cpuTime()-cpu0

	start, cpu0 = time.Now(), cpuTime()
	var wg sync.WaitGroup
	var mu sync.Mutex
	conTokens := 0
	var firstErr error
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := ask(i)
			mu.Lock()
			defer mu.Unlock()
			conTokens += n
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	con, conCPU := time.Since(start), cpuTime()-cpu0
	if firstErr != nil {
		return firstErr
	}
	seqRate := float64(seqTokens) / seq.Seconds()
	conRate := float64(conTokens) / con.Seconds()
	fmt.Printf("%d clients x %d tokens\n", clients, tokens)
	fmt.Printf("one after another: %6d tokens in %6.2fs = %8.1f tokens/s\n", seqTokens, seq.Seconds(), seqRate)
	fmt.Printf("all at once:       %6d tokens in %6.2fs = %8.1f tokens/s\n", conTokens, con.Seconds(), conRate)
	fmt.Printf("ratio (continuous batching speedup): %.2f\n", conRate/seqRate)
	// Wall-clock rates depend on what else the machine runs; tokens per
	// CPU-second do not, and bound the rates on a machine of one's own.
	fmt.Printf("tokens per CPU-second: one after another %.1f, all at once %.1f, ratio %.2f\n",
		float64(seqTokens)/seqCPU.Seconds(), float64(conTokens)/conCPU.Seconds(), (float64(conTokens)/conCPU.Seconds())/(float64(seqTokens)/seqCPU.Seconds()))
	return nil
}
