package cli

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/hub"
)

func newHubCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hub",
		Short: "Fill and list the Hugging Face cache, to prepare a machine for working offline",
		Long: `hub downloads Hugging Face Hub repositories (models and datasets) into the
cache that fmkit and the Python libraries share (HF_HOME, HF_HUB_CACHE), and
lists what the cache holds. A machine prepared with hub download runs the
same commands later with HF_HUB_OFFLINE=1 and no network.`,
	}
	cmd.AddCommand(newHubDownloadCmd(), newHubLsCmd())
	return cmd
}

// parseRepoArg reads ORG/NAME[@REVISION], with an optional hf: prefix and
// an optional models/, datasets/ or spaces/ prefix (as in Hub URLs); the
// prefix overrides kind.
func parseRepoArg(arg, kind, revision string) (hub.Repo, error) {
	id := strings.TrimPrefix(arg, "hf:")
	t := hub.RepoType(kind)
	for _, p := range []hub.RepoType{hub.Model, hub.Dataset, hub.Space} {
		if rest, ok := strings.CutPrefix(id, string(p)+"s/"); ok {
			id, t = rest, p
		}
	}
	switch t {
	case hub.Model, hub.Dataset, hub.Space:
	default:
		return hub.Repo{}, fmt.Errorf("--repo-type %q: expected model, dataset or space", kind)
	}
	repo := hub.Repo{Type: t, ID: id, Revision: revision}
	if name, rev, ok := strings.Cut(id, "@"); ok {
		if revision != "" && rev != revision {
			return hub.Repo{}, fmt.Errorf("%s: revision %q and --revision %q disagree", arg, rev, revision)
		}
		repo.ID, repo.Revision = name, rev
	}
	if !strings.Contains(repo.ID, "/") && repo.ID != "" {
		// Legacy top-level names (gpt2, bert-base-uncased) exist only
		// for models.
		if t != hub.Model {
			return hub.Repo{}, fmt.Errorf("%s: expected ORG/NAME", arg)
		}
	}
	return repo, nil
}

func newHubDownloadCmd() *cobra.Command {
	var include, exclude []string
	var kind, revision string
	cmd := &cobra.Command{
		Use:   "download REPO",
		Short: "Download a model or dataset repository (or the files matching --include) into the cache",
		Long: `download fetches every file of a Hub repository, or those matching --include
(shell patterns as huggingface-cli's: * matches across folders, a pattern
ending in / takes a folder) and none matching --exclude, into the Hugging
Face cache. Files already cached are kept; an interrupted download resumes
where it stopped. REPO is ORG/NAME[@REVISION]; datasets/ORG/NAME or
--repo-type dataset names a dataset.`,
		Example: `  fmkit hub download EleutherAI/pythia-70m --include '*.json' --include '*.safetensors'
  fmkit hub download HAERAE-HUB/KMMLU-HARD --repo-type dataset
  HF_HUB_OFFLINE=1 fmkit eval --model hf:EleutherAI/pythia-70m --tasks kmmlu_hard_criminal_law`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			repo, err := parseRepoArg(args[0], kind, revision)
			if err != nil {
				return err
			}
			keep, err := hub.Filter(include, exclude)
			if err != nil {
				return fmt.Errorf("--include/--exclude: %w", err)
			}
			c := hub.FromEnvironment()
			if c.Offline {
				return errors.New("HF_HUB_OFFLINE is set: unset it to download")
			}
			files, err := c.List(cmd.Context(), repo)
			if err != nil {
				return err
			}
			var total int64
			n := 0
			for _, f := range files {
				if keep(f.Path) {
					total += f.Size
					n++
				}
			}
			if n == 0 {
				return fmt.Errorf("%s: none of its %d files matches --include/--exclude", repo, len(files))
			}
			stderr := cmd.ErrOrStderr()
			fmt.Fprintf(stderr, "%s: %d files, %s\n", repo, n, byteSize(total))
			start := time.Now()
			dir, err := c.Snapshot(cmd.Context(), repo, keep, downloadProgress(stderr))
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "done in %s\n", time.Since(start).Round(time.Millisecond))
			fmt.Fprintln(cmd.OutOrStdout(), dir)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&include, "include", nil, "download only files matching this pattern (repeatable)")
	f.StringArrayVar(&exclude, "exclude", nil, "skip files matching this pattern (repeatable)")
	f.StringVar(&kind, "repo-type", "model", "model, dataset or space")
	f.StringVar(&revision, "revision", "", "branch, tag or commit (default main)")
	return cmd
}

// cachedRepoJSON is one line of hub ls --json.
type cachedRepoJSON struct {
	Type      string            `json:"type"`
	ID        string            `json:"id"`
	Files     int               `json:"files"`
	Bytes     int64             `json:"bytes"`
	Partial   int64             `json:"partial_bytes"`
	Refs      map[string]string `json:"refs"`
	Snapshots []string          `json:"snapshots"`
	Modified  time.Time         `json:"modified"`
	Path      string            `json:"path"`
}

func newHubLsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List the repositories in the Hugging Face cache",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c := hub.FromEnvironment()
			repos, err := c.Cached()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				out := make([]cachedRepoJSON, len(repos))
				for i, r := range repos {
					out[i] = cachedRepoJSON{Type: string(r.Repo.Type), ID: r.Repo.ID, Files: r.Files, Bytes: r.Size, Partial: r.Partial,
						Refs: r.Refs, Snapshots: r.Snapshots, Modified: r.Modified, Path: r.Dir}
				}
				return writeJSON(w, out)
			}
			if len(repos) == 0 {
				fmt.Fprintf(w, "the cache %s is empty\n", c.CacheDir)
				return nil
			}
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "TYPE\tREPO\tFILES\tSIZE\tREFS\tPARTIAL")
			for _, r := range repos {
				var refs []string
				for name := range r.Refs {
					refs = append(refs, name)
				}
				sort.Strings(refs)
				partial := ""
				if r.Partial > 0 {
					partial = byteSize(r.Partial) + " (resumes)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", r.Repo.Type, r.Repo.ID, r.Files, byteSize(r.Size), strings.Join(refs, ","), partial)
			}
			tw.Flush()
			fmt.Fprintf(w, "cache: %s\n", c.CacheDir)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
