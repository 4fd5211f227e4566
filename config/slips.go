package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The common slips of a hand-written config, each told in the user's
// terms: where the value went, what YAML made of it, and what to write.

// unknownKey reports k, a key not valid at path, and returns the valid key
// it is a typo of ("" if none). In order: a secret written where only
// its -env/-file keys are allowed, a typo (Levenshtein), a key that is
// valid one level deeper or higher (it fell out of its block).
func (d *decoder) unknownKey(k *yaml.Node, path string, names []string) string {
	p := join(path, k.Value)
	valid := "valid keys here: " + strings.Join(sorted(names), ", ")
	msg := fmt.Sprintf("unknown key %q", k.Value)
	var from []string
	for _, n := range names {
		if strings.HasSuffix(n, "-env") || strings.HasSuffix(n, "-file") && n != "log-file" && n != "ca-file" && n != "state-file" {
			from = append(from, n)
		}
	}
	s := suggest(k.Value, names)
	switch {
	case slices.Contains(names, k.Value+"-env"):
		d.inlineSecret(p)
		fix := k.Value + "-env: NAME (the environment variable holding it)"
		if slices.Contains(names, k.Value+"-file") {
			fix += " or " + k.Value + "-file: /etc/serverstats/" + k.Value + " (a file holding it)"
		}
		d.fail(k, p, "", msg+": a secret is never written in the config", "write "+fix)
	case looksSecret(k.Value) && len(from) > 0 && (s == "" || !strings.HasSuffix(s, "-env") && !strings.HasSuffix(s, "-file")):
		d.inlineSecret(p)
		d.fail(k, p, "", msg+": a secret is never written in the config",
			"read it from the environment or a file with "+strings.Join(from, " or ")+"; "+valid)
	case s != "":
		d.fail(k, p, "", msg, fmt.Sprintf("did you mean %q? %s", s, valid))
	default:
		fix := valid
		if home := keyHome(path, k.Value); home != "" {
			fix = home + "; " + valid
		}
		d.fail(k, p, "", msg, fix)
	}
	return s
}

func (d *decoder) inlineSecret(path string) {
	if d.inlineSecrets == nil {
		d.inlineSecrets = map[string]bool{}
	}
	d.inlineSecrets[path] = true
}

// secretWords are parts of key names that hold credentials.
var secretWords = regexp.MustCompile(`(?i)pass|token|secret|api-?key|credential|sid$`)

func looksSecret(key string) bool { return secretWords.MatchString(key) }

// envKey is a *-env key's value and path.
type envKey struct {
	v    *yaml.Node
	path string
}

// checkEnvNames checks the *-env keys that no check of their own has
// reported already.
func (d *decoder) checkEnvNames() {
	for _, k := range d.envKeys {
		if !slices.ContainsFunc(d.errs, func(e *Error) bool { return e.Key == k.path }) {
			d.checkEnvName(k.v, k.path)
		}
	}
}

// checkEnvName checks the value of a *-env key: the name of an environment
// variable, not "$NAME" or "${NAME}" as a shell writes it, and not the
// secret itself (which is then not repeated).
func (d *decoder) checkEnvName(v *yaml.Node, path string) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" || v.Value == "" || envName.MatchString(v.Value) {
		return
	}
	if name := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(v.Value, "$"), "{"), "}"); strings.HasPrefix(v.Value, "$") && envName.MatchString(name) {
		d.fail(v, path, v.Value, "write the variable's name: serverstats reads the variable itself, no '$' expansion happens here",
			"write "+lastKey(path)+": "+name)
		return
	}
	d.fail(v, path, "", "not the name of an environment variable",
		"write "+lastKey(path)+": NAME, the name of the variable holding the secret (letters, digits and _), never the secret itself")
}

// flowWritten is the text of a flow mapping or list as written on its line
// ("{{.Host}}"), or "" for a block one.
func (d *decoder) flowWritten(n *yaml.Node) string {
	if n.Style&yaml.FlowStyle == 0 || n.Line < 1 || n.Line > len(d.src) {
		return ""
	}
	line := strings.TrimRight(d.src[n.Line-1], "\r")
	if n.Column < 1 || n.Column > len(line) {
		return ""
	}
	// Only text that is plainly not meant as YAML: a template
	// ({{.Host}}) or a shell test ([ -f x ]).
	v := stripComment(line[n.Column-1:])
	if !strings.HasPrefix(v, "{{") && !strings.HasPrefix(v, "[ ") {
		return ""
	}
	return v
}

// swallowedComment is the "#..." that YAML took for a comment where a
// value was meant ("key: #1"), or "".
func (d *decoder) swallowedComment(n *yaml.Node) string {
	if n.Line < 1 || n.Line > len(d.src) {
		return ""
	}
	if m := gluedComment.FindStringSubmatch(strings.TrimRight(d.src[n.Line-1], "\r")); m != nil {
		return strings.TrimSpace(m[1])
	}
	return ""
}

// cutComment is the "#word..." that ends the line of a plain one-line
// value (cmd: echo #tag): YAML took it for a comment, but a comment is
// written "# text", so it was most likely meant as part of the value.
func (d *decoder) cutComment(n *yaml.Node) string {
	if n.Style != 0 || n.Line < 1 || n.Line > len(d.src) {
		return ""
	}
	line := strings.TrimRight(d.src[n.Line-1], "\r")
	rest, ok := strings.CutPrefix(line[min(max(n.Column-1, 0), len(line)):], n.Value)
	if !ok {
		return ""
	}
	if m := trailingComment.FindStringSubmatch(rest); m != nil {
		return m[1]
	}
	return ""
}

var trailingComment = regexp.MustCompile(`^\s+(#[^\s#].*)$`)

// gluedComment matches "key: #x" with no space after the '#': a value,
// not a comment ("key: # note" is a comment).
var gluedComment = regexp.MustCompile(`^[\s-]*[^\s#'"][^:#]*:\s+(#[^\s#].*)$`)

// daysWeeks matches a duration in days or weeks, which Go durations do not
// have.
var daysWeeks = regexp.MustCompile(`^(\d+)\s*(d|days?|w|weeks?)$`)

// inHours is s ("1d", "2w") in hours ("24h", "336h"), or "".
func inHours(s string) string {
	m := daysWeeks.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return ""
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n > 365*7 {
		return ""
	}
	h := 24 * n
	if m[2][0] == 'w' {
		h *= 7
	}
	return fmt.Sprintf("%dh", h)
}

// joinSplitItems finds a list item cut in two by a '- ' too many: an item
// without the required key followed by one that has it, with no key in
// common ("- column: Use%" then "- trigger: ..."). It reports the second
// item's line, the one to edit, and joins the two, so that the first is
// not also reported as missing the key.
func (d *decoder) joinSplitItems(items []*yaml.Node, path, required string) []*yaml.Node {
	for i := 0; i+1 < len(items); i++ {
		a, b := items[i], items[i+1]
		if a.Kind != yaml.MappingNode || b.Kind != yaml.MappingNode || b.Style&yaml.FlowStyle != 0 ||
			mappingNode(a, required) != nil || mappingNode(b, required) == nil {
			continue
		}
		disjoint := true
		for j := 0; j < len(b.Content); j += 2 {
			if mappingNode(a, b.Content[j].Value) != nil {
				disjoint = false
			}
		}
		if !disjoint {
			continue
		}
		d.fail(b, fmt.Sprintf("%s[%d]", path, i+1), "",
			fmt.Sprintf("this '- ' starts a new item, so the item above it (line %d) has no %s:", a.Line, required),
			"remove the '- ' (and indent the line like the keys above it) to go on with the item above")
		joined := *a
		joined.Content = append(append([]*yaml.Node(nil), a.Content...), b.Content...)
		items = append(append(append([]*yaml.Node(nil), items[:i]...), &joined), items[i+2:]...)
	}
	return items
}

// emptyList reports a list key written with no items where at least one
// is needed (handlers: [] would tell no one).
func (d *decoder) emptyList(at *yaml.Node, path, fix string) {
	d.fail(at, path, "[]", lastKey(path)+": is empty", fix)
}

// didYouMean is `did you mean "x"? ` when v is a typo of one of options,
// else "".
func didYouMean(v string, options []string) string {
	if s := suggest(v, options); s != "" && s != v {
		return fmt.Sprintf("did you mean %q? ", s)
	}
	return ""
}

// missingType reports a handler without type:, or with a typo of it
// (tpye: print) at the typo's line.
func (d *decoder) missingType(name, n *yaml.Node, path string) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; suggest(k.Value, []string{"type"}) != "" {
			d.fail(k, join(path, k.Value), "", fmt.Sprintf("unknown key %q", k.Value), `did you mean "type"? a handler needs type: one of `+strings.Join(HandlerTypes, ", "))
			return
		}
	}
	d.fail(name, path+".type", "", "missing handler type", "add type: one of "+strings.Join(HandlerTypes, ", "))
}
