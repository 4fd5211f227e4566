package parse

import "strings"

// Compound columns: a header that joins two labels with ":" or "/"
// inside one column ("Local Address:Port", "Peer Address:Port",
// "MAJ:MIN", "PID/Program name") says that each of its cells holds two
// parts. When its cells are shaped so, the column stays as printed (a rule
// on "Local Address:Port" reads "127.0.0.1:22") and two part columns are
// added after the printed ones, named as the header distributes its words
// (jc names ss's parts local_address and local_port the same way): the
// words before the joined one qualify both labels, the words after it
// belong to the second label.
//
//	Local Address:Port   ->  Local Address, Local Port
//	MAJ:MIN              ->  MAJ, MIN
//	PID/Program name     ->  PID, Program name
//
// A cell is split (splitCompound):
//
//   - for ":", a cell of two words into its words when the second is a
//     number or "*" (an address and a port hold no space; ss prints a
//     UNIX socket's "Address:Port" as "path inode": "/run/a:b 1234" is
//     "/run/a:b" and "1234", "* 0" is "*" and "0"); any other cell with a
//     space does not fit;
//   - else, for ":", at the last ":" (IPv6 addresses hold colons; the port
//     is after the last one): "[::ffff:1.2.3.4]:443" is "::ffff:1.2.3.4"
//     and "443", brackets removed ("[fe80::1]%eth0:123" is "fe80::1%eth0"
//     and "123"); "127.0.0.53%lo:53" is "127.0.0.53%lo"
//     and "53" (the %zone is part of a scoped address); "*:*" is "*" and
//     "*";
//   - for "/", at the first "/", the second part taking the rest, spaces
//     included: "1234/sshd: /usr/sbin" is "1234" and "sshd: /usr/sbin".
//
// A cell that does not fit the shape (a placeholder, "*" alone, a
// bracket left open, an empty side) gives two empty parts, never a wrong
// split. A column is compound when three quarters of its cells fit,
// placeholders and a lone "*" (ss's wildcard for a whole netlink peer)
// left out; "kB_read/s" over numbers is not.
//
// The part columns come last, so "#N" keeps addressing the printed
// columns: Column's "#N" counts only those (Table.Parts says how many
// columns are parts). Their names go through uniqueNames with the printed
// ones, which keep theirs.

// compoundLabels returns the names of the two parts of a column named
// name, and the separator, when the header joins two labels with ":" or
// "/" (exactly one of them in the name; each label starts with a letter).
func compoundLabels(name string) (first, second string, sep byte, ok bool) {
	if strings.Count(name, ":")+strings.Count(name, "/") != 1 {
		return "", "", 0, false
	}
	words := strings.Fields(name)
	for i, w := range words {
		j := strings.IndexAny(w, ":/")
		if j < 0 {
			continue
		}
		l, r := w[:j], w[j+1:]
		if l == "" || r == "" || !isLetter(l[0]) || !isLetter(r[0]) {
			return "", "", 0, false
		}
		prefix := strings.Join(words[:i], " ")
		first = strings.TrimSpace(prefix + " " + l)
		second = strings.TrimSpace(prefix + " " + r + " " + strings.Join(words[i+1:], " "))
		return first, second, w[j], true
	}
	return "", "", 0, false
}

func isLetter(c byte) bool { return isLower(c) || isUpper(c) }

// splitCompound splits one cell of a compound column whose header joins
// its labels with sep (see the rules above); ok is false when the cell
// does not fit.
func splitCompound(cell string, sep byte) (a, b string, ok bool) {
	if isPlaceholder(cell) {
		return "", "", false
	}
	switch sep {
	case ':':
		if i := strings.IndexAny(cell, " \t"); i >= 0 {
			// An address and a port hold no space: two words are the
			// parts when the second is a number or "*" ("path inode").
			rest := strings.TrimLeft(cell[i:], " \t")
			if i > 0 && !strings.ContainsAny(rest, " \t") && (rest == "*" || allDigits(rest)) {
				return cell[:i], rest, true
			}
			return "", "", false
		}
		i := strings.LastIndexByte(cell, ':')
		if i <= 0 || i == len(cell)-1 {
			return "", "", false
		}
		a, b = cell[:i], cell[i+1:]
		if strings.ContainsAny(b, "[]") {
			return "", "", false
		}
		if strings.HasPrefix(a, "[") {
			// "[::1]", "[fe80::1]%eth0" (ss puts the zone after the
			// brackets): the address without its brackets.
			j := strings.IndexByte(a, ']')
			zone := a[j+1:]
			if j < 2 || strings.ContainsAny(a[1:j], "[") || strings.ContainsAny(zone, "[]") || (zone != "" && zone[0] != '%') {
				return "", "", false
			}
			a = a[1:j] + zone
		} else if strings.ContainsAny(a, "[]") {
			return "", "", false
		}
		return a, b, true
	case '/':
		i := strings.IndexByte(cell, '/')
		if i <= 0 || i == len(cell)-1 {
			return "", "", false
		}
		return cell[:i], cell[i+1:], true
	}
	return "", "", false
}

// A Part is a column derived from a compound column (see compound.go):
// the part before its separator (Second false) or after it.
type Part struct {
	Of     int // the compound column's index in Header
	Second bool
}

// addParts appends the part columns of t's compound columns.
func addParts(t *Table) {
	type compound struct {
		c             int
		first, second string
		sep           byte
	}
	var found []compound
	for c, h := range t.Header {
		first, second, sep, ok := compoundLabels(h)
		if !ok {
			continue
		}
		fit, n := 0, 0
		for _, r := range t.Rows {
			cell := r.Cells[c]
			if isPlaceholder(cell) || cell == "*" {
				continue // no value, or a wildcard for the whole value
			}
			n++
			if _, _, ok := splitCompound(cell, sep); ok {
				fit++
			}
		}
		if n > 0 && 4*fit >= 3*n {
			found = append(found, compound{c, first, second, sep})
		}
	}
	if len(found) == 0 {
		return
	}
	k := len(t.Header)
	names := append(make([]string, 0, k+2*len(found)), t.Header...)
	for _, f := range found {
		names = append(names, f.first, f.second)
		t.Parts = append(t.Parts, Part{Of: f.c}, Part{Of: f.c, Second: true})
	}
	t.Header = uniqueNames(names)
	w := len(t.Header)
	slab := make([]string, len(t.Rows)*w)
	for r := range t.Rows {
		cells := slab[r*w : (r+1)*w : (r+1)*w]
		copy(cells, t.Rows[r].Cells)
		for i, f := range found {
			cells[k+2*i], cells[k+2*i+1], _ = splitCompound(cells[f.c], f.sep)
		}
		t.Rows[r].Cells = cells
	}
}
