package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/lm/cache"
)

func newCacheCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cache",
		Short: "Inspect and prune a response cache (fmkit eval --cache)",
	}
	cmd.AddCommand(newCacheStatsCmd(), newCachePruneCmd())
	return cmd
}

// openExistingCache opens a cache file that must already exist: a typo in
// the path should not create an empty cache and report nothing in it.
func openExistingCache(path string) (*cache.Cache, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("cache %s: %w", path, err)
	}
	return cache.Open(path, nil)
}

func newCacheStatsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats PATH",
		Short: "Count the cached answers by model and request type",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := openExistingCache(args[0])
			if err != nil {
				return err
			}
			defer c.Close()
			st, err := c.Stats(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), cacheStatsJSON(st))
			}
			printCacheStats(cmd.OutOrStdout(), st)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	return cmd
}

type cacheGroupJSON struct {
	Model   string    `json:"model"`
	Kind    string    `json:"request_type"`
	Entries int64     `json:"entries"`
	Bytes   int64     `json:"answer_bytes"`
	Oldest  time.Time `json:"oldest"`
	Newest  time.Time `json:"newest"`
}

func cacheStatsJSON(st cache.Stats) any {
	groups := []cacheGroupJSON{}
	for _, g := range st.Groups {
		groups = append(groups, cacheGroupJSON{g.Model, g.Kind.String(), g.Entries, g.Bytes, g.Oldest.UTC(), g.Newest.UTC()})
	}
	return struct {
		Path      string           `json:"path"`
		FileBytes int64            `json:"file_bytes"`
		Entries   int64            `json:"entries"`
		Groups    []cacheGroupJSON `json:"groups"`
	}{st.Path, st.FileBytes, st.Entries, groups}
}

func printCacheStats(w io.Writer, st cache.Stats) {
	fmt.Fprintf(w, "%s: %d answers, %s on disk\n", st.Path, st.Entries, byteSize(st.FileBytes))
	if len(st.Groups) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\trequest type\tanswers\tanswer bytes\toldest\tnewest\t")
	for _, g := range st.Groups {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t\n", g.Model, g.Kind, g.Entries, byteSize(g.Bytes),
			g.Oldest.Format("2006-01-02 15:04"), g.Newest.Format("2006-01-02 15:04"))
	}
	tw.Flush()
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func newCachePruneCmd() *cobra.Command {
	var (
		model, kind, olderThan string
		all, asJSON            bool
	)
	cmd := &cobra.Command{
		Use:   "prune PATH",
		Short: "Delete cached answers by model, request type or age",
		Long: `prune deletes the answers that match every given filter and gives the
space back to the file system. Without a filter it refuses, unless --all.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var f cache.Filter
			f.Model = model
			if kind != "" {
				k, ok := cache.ParseKind(kind)
				if !ok {
					return fmt.Errorf("--kind %s: expected loglikelihood, loglikelihood_rolling or generate_until", kind)
				}
				f.Kind = k
			}
			if olderThan != "" {
				d, err := parseAge(olderThan)
				if err != nil {
					return fmt.Errorf("--older-than %s: %w", olderThan, err)
				}
				f.Before = time.Now().Add(-d)
			}
			if f == (cache.Filter{}) && !all {
				return fmt.Errorf("cache prune %s: no filter given; pass --model, --kind or --older-than, or --all to empty the cache", args[0])
			}
			c, err := openExistingCache(args[0])
			if err != nil {
				return err
			}
			defer c.Close()
			n, err := c.Prune(cmd.Context(), f)
			if err != nil {
				return err
			}
			st, err := c.Stats(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), map[string]int64{"removed": n, "remaining": st.Entries, "file_bytes": st.FileBytes})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %d answers; %d remain, %s on disk\n", n, st.Entries, byteSize(st.FileBytes))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&model, "model", "", "only answers of the model with this exact name (as stats shows it)")
	fl.StringVar(&kind, "kind", "", "only answers of one request type: loglikelihood, loglikelihood_rolling or generate_until")
	fl.StringVar(&olderThan, "older-than", "", "only answers stored longer ago than this (90m, 12h, 30d)")
	fl.BoolVar(&all, "all", false, "delete every answer when no other filter is given")
	fl.BoolVar(&asJSON, "json", false, "print JSON instead of a sentence")
	return cmd
}

// parseAge reads a Go duration or a whole number of days ("30d").
func parseAge(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("expected a duration such as 90m, 12h or 30d")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("expected a duration such as 90m, 12h or 30d")
	}
	return d, nil
}
