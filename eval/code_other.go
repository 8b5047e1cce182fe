//go:build !linux

package eval

import (
	"os/exec"
	"syscall"
)

func sandboxAttr(bool) *syscall.SysProcAttr { return nil }

func canIsolate() bool { return false }

func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}
