package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/fmkit/fmkit/tensor"
)

type versionInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Modified  bool   `json:"modified"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
	Kernels   string `json:"kernels"`
	// KernelNotes names kernel families the CPU supports that failed
	// their start-up check (see tensor.KernelNotes).
	KernelNotes []string `json:"kernel_notes,omitempty"`
}

func newVersionCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the fmkit version, commit, Go version and the CPU kernels in use",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := readVersion()
			if asJSON {
				return newJSONEncoder(cmd.OutOrStdout()).Encode(info)
			}
			commit := info.Commit
			if info.Modified {
				commit += " (modified)"
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "fmkit %s\ncommit   %s\ngo       %s %s\nkernels  %s\n",
				info.Version, commit, info.GoVersion, info.Platform, info.Kernels)
			for _, n := range info.KernelNotes {
				fmt.Fprintf(w, "         %s\n", n)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

func readVersion() versionInfo {
	info := versionInfo{
		Version:   "(devel)",
		Commit:    "unknown",
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
		Kernels:   tensor.Kernels(),

		KernelNotes: tensor.KernelNotes(),
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	if bi.Main.Version != "" {
		info.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Commit = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

// versionLine is what fmkit --version prints after the name.
func versionLine() string {
	info := readVersion()
	commit := info.Commit
	if info.Modified {
		commit += ", modified"
	}
	return fmt.Sprintf("%s (commit %s, %s %s)", info.Version, commit, info.GoVersion, info.Platform)
}
