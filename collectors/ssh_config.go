package collectors

import (
	"bytes"
	"fmt"
	"os"

	"github.com/kevinburke/ssh_config"
)

// sshConfig is a parsed ssh_config file.
type sshConfig struct {
	path string
	cfg  *ssh_config.Config
}

// loadSSHConfig reads and parses the ssh_config file at path.
func loadSSHConfig(path string) (*sshConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg, err := ssh_config.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return &sshConfig{path: path, cfg: cfg}, nil
}

// get returns the first value of key for host alias, or "" (errors from
// conditional Includes count as "not set").
func (c *sshConfig) get(alias, key string) string {
	v, err := c.cfg.Get(alias, key)
	if err != nil {
		return ""
	}
	return v
}

// getAll returns every value of key for host alias, in file order.
func (c *sshConfig) getAll(alias, key string) []string {
	v, err := c.cfg.GetAll(alias, key)
	if err != nil {
		return nil
	}
	return v
}
