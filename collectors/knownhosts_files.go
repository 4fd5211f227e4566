package collectors

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// DefaultGlobalKnownHosts are the system-wide known_hosts files OpenSSH
// reads after the user's (GlobalKnownHostsFile).
var DefaultGlobalKnownHosts = []string{"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"}

// maxBadKnownHostsLines bounds how many unreadable lines are skipped
// before the files are refused as a whole.
const maxBadKnownHostsLines = 100

// readKnownHosts reads files (missing ones are empty) as one database, as
// OpenSSH does: a line it cannot parse is skipped, with a warning naming
// file:line and why, and the other hosts still verify. knownhosts.New
// refuses the whole set for one bad line, so the files are read again with
// each bad line blanked (in a private copy: line numbers stay those of the
// file) until they parse. Keys are reported with their own file names.
func readKnownHosts(files []string) (db ssh.HostKeyCallback, warnings []string, err error) {
	var paths []string
	for _, f := range files {
		switch _, err := os.Stat(f); {
		case err == nil:
			paths = append(paths, f)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, nil, err
		}
	}
	db, err = knownhosts.New(paths...)
	if err == nil {
		return db, nil, nil
	}
	orig := map[string]string{}    // private copy -> the file it copies
	lines := map[string][]string{} // file -> its lines, bad ones blanked
	defer func() {
		for tmp := range orig {
			os.Remove(tmp)
		}
	}()
	for range maxBadKnownHostsLines {
		i, n, why := badKnownHostsLine(err, paths)
		if i < 0 {
			return nil, warnings, err
		}
		file := paths[i]
		if o, ok := orig[file]; ok {
			file = o
		}
		if lines[file] == nil {
			b, rerr := os.ReadFile(file)
			if rerr != nil {
				return nil, warnings, rerr
			}
			lines[file] = strings.Split(string(b), "\n")
		}
		if n < 1 || n > len(lines[file]) {
			return nil, warnings, err
		}
		warnings = append(warnings, fmt.Sprintf("%s:%d: skipped: %s", file, n, why))
		lines[file][n-1] = ""
		if paths[i] == file {
			tmp, terr := os.CreateTemp("", "serverstats-known_hosts-*")
			if terr != nil {
				return nil, warnings, terr
			}
			tmp.Close()
			orig[tmp.Name()], paths[i] = file, tmp.Name()
		}
		if werr := os.WriteFile(paths[i], []byte(strings.Join(lines[file], "\n")), 0o600); werr != nil {
			return nil, warnings, werr
		}
		if db, err = knownhosts.New(paths...); err == nil {
			return renameKnownFiles(db, orig), warnings, nil
		}
	}
	return nil, warnings, fmt.Errorf("%w (and %d more lines could not be read before it)", err, len(warnings))
}

// badKnownHostsLine finds, in knownhosts.New's error, which of paths and
// which line it refused, and why; -1 when the error names none of them.
func badKnownHostsLine(err error, paths []string) (i, line int, why string) {
	msg := err.Error()
	for i, p := range paths {
		rest, ok := strings.CutPrefix(msg, "knownhosts: "+p+":")
		if !ok {
			continue
		}
		num, why, ok := strings.Cut(rest, ": ")
		if n, aerr := strconv.Atoi(num); ok && aerr == nil {
			return i, n, why
		}
	}
	return -1, 0, ""
}

// renameKnownFiles makes the keys db reports name the files they come from
// instead of their private copies.
func renameKnownFiles(db ssh.HostKeyCallback, orig map[string]string) ssh.HostKeyCallback {
	if len(orig) == 0 {
		return db
	}
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := db(hostname, remote, key)
		var ke *knownhosts.KeyError
		var re *knownhosts.RevokedError
		switch {
		case errors.As(err, &ke):
			for i, w := range ke.Want {
				if o, ok := orig[w.Filename]; ok {
					ke.Want[i].Filename = o
				}
			}
		case errors.As(err, &re):
			if o, ok := orig[re.Revoked.Filename]; ok {
				re.Revoked.Filename = o
			}
		}
		return err
	}
}
