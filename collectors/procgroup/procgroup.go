// Package procgroup kills process groups: what collectors.Local and the exec
// handler use to stop a command with everything it started.
package procgroup

import (
	"errors"
	"fmt"
	"syscall"
)

// Kill sends SIGKILL to every process in process group pgid. A group that
// is already gone is not an error; pgid 0 or 1 (the caller's own group, or
// init's) is refused.
func Kill(pgid int) error {
	if pgid <= 1 {
		return fmt.Errorf("kill process group %d: refusing", pgid)
	}
	err := syscall.Kill(-pgid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
