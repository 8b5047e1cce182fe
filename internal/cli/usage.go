package cli

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/fmkit/fmkit/internal/editdist"
)

// usageError is a mistake on the command line (an unknown subcommand or
// flag): the process exits 2, as shells and getopt do, so that a script
// does not carry on as if the command had run.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// exitUsage is the exit code of a usageError.
const exitUsage = 2

// checkUsage makes every command group reject an unknown subcommand (with
// the closest name) instead of printing help and succeeding, and every
// command suggest the closest flag for an unknown one.
func checkUsage(root *cobra.Command) {
	root.SetFlagErrorFunc(flagError)
	root.SetHelpCommand(newHelpCmd())
	// Made now rather than when the command runs, so that the walk
	// below reaches it too.
	root.InitDefaultCompletionCmd()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.SuggestionsMinimumDistance = 2
		switch {
		case c.HasSubCommands() && c.Run == nil && c.RunE == nil:
			c.Args = unknownSubcommand
			c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		case c.Args != nil:
			c.Args = argsMistake(c.Args)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// unknownSubcommand rejects any argument of a command group: it can only be
// a subcommand cobra did not find.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %q?", s[0])
	} else {
		msg += fmt.Sprintf(" (see %s --help)", cmd.CommandPath())
	}
	return &usageError{msg}
}

// newHelpCmd is "fmkit help [command]": an unknown topic is a usage error
// with the closest name, where cobra's own help command prints the usage
// and succeeds.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(c *cobra.Command, args []string) error {
			cmd := c.Root()
			for _, name := range args {
				next := subcommand(cmd, name)
				if next == nil {
					return unknownSubcommand(cmd, []string{name})
				}
				cmd = next
			}
			return cmd.Help()
		},
	}
}

// subcommand returns the subcommand of cmd with that name or alias, or nil.
func subcommand(cmd *cobra.Command, name string) *cobra.Command {
	for _, sub := range cmd.Commands() {
		if sub.Name() == name || sub.HasAlias(name) {
			return sub
		}
	}
	return nil
}

// argsMistake makes a wrong number of arguments (a stray word, a missing
// file name) a usage error that shows the command's usage line.
func argsMistake(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return &usageError{fmt.Sprintf("%v; usage: %s", err, cmd.UseLine())}
		}
		return nil
	}
}

// flagError turns an unknown flag into a usage error naming the closest
// flag; other flag errors (a value that does not parse) stay ordinary
// errors.
func flagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	switch name, ok := strings.CutPrefix(msg, "unknown flag: --"); {
	case ok:
		if best := closestFlag(cmd, name); best != "" {
			msg += fmt.Sprintf("; did you mean --%s?", best)
		}
	case strings.HasPrefix(msg, "unknown shorthand flag"):
		msg += fmt.Sprintf(" (see %s --help)", cmd.CommandPath())
	default:
		return err
	}
	return &usageError{msg}
}

// closestFlag returns the flag of cmd nearest to name, within a third of
// its length in edits (at least 2), or "".
func closestFlag(cmd *cobra.Command, name string) string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	visit := func(f *pflag.Flag) {
		if !f.Hidden {
			cs = append(cs, cand{f.Name, editdist.Levenshtein(strings.ToLower(name), f.Name)})
		}
	}
	cmd.Flags().VisitAll(visit)
	cmd.InheritedFlags().VisitAll(visit)
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	if len(cs) == 0 || cs[0].d > max(2, len(name)/3) {
		return ""
	}
	return cs[0].name
}

// isUsage reports whether err is a mistake on the command line.
func isUsage(err error) bool {
	var ue *usageError
	return errors.As(err, &ue)
}
