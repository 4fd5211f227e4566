package clidoc

import (
	"fmt"
	"io"
	"strings"
)

// Spec is the command line as its tables describe it.
type Spec struct {
	Switches []Switch
	Builtins []Command
}

// switchValues are the fixed values of the switches that take one of a few.
var switchValues = map[string][]string{
	"--type":      {"string", "number", "percent", "bytes", "bool", "duration"},
	"--size-base": {"si", "binary"},
}

// fileArgs are the switch arguments that name a file or directory.
var fileArgs = map[string]bool{"FILE": true, "DIR": true}

// Shells are the shells Completion writes scripts for.
var Shells = []string{"bash", "zsh", "fish"}

// CompletionMain is `serverstats completion`: args "bash", "zsh" or "fish"
// print that shell's script; "commands" prints the config's command names,
// one a line, which the scripts ask for while completing (so the names are
// those of the config in use, -c included). It returns the exit code.
func CompletionMain(stdout, stderr io.Writer, args []string, s Spec, commands func() []string) int {
	if len(args) != 1 {
		fmt.Fprintf(stderr, "serverstats: completion needs one of %s\n", strings.Join(Shells, ", "))
		return 2
	}
	switch args[0] {
	case "commands":
		for _, c := range commands() {
			fmt.Fprintln(stdout, c)
		}
		return 0
	case "bash":
		Bash(stdout, s)
	case "zsh":
		Zsh(stdout, s)
	case "fish":
		Fish(stdout, s)
	default:
		fmt.Fprintf(stderr, "serverstats: no completion for %q; shells: %s\n", args[0], strings.Join(Shells, ", "))
		return 2
	}
	return 0
}

func (s Spec) names() (switches, valued, builtins []string) {
	for _, sw := range s.Switches {
		for _, n := range []string{sw.Short, sw.Long} {
			if n == "" {
				continue
			}
			switches = append(switches, n)
			if sw.Value {
				valued = append(valued, n)
			}
		}
	}
	for _, b := range s.Builtins {
		builtins = append(builtins, b.Name)
	}
	return switches, valued, builtins
}

// Bash writes the bash completion script: source it, or install it as
// /usr/share/bash-completion/completions/serverstats.
func Bash(w io.Writer, s Spec) {
	switches, valued, builtins := s.names()
	var cases strings.Builder
	for _, sw := range s.Switches {
		if !sw.Value {
			continue
		}
		pat := sw.Long
		if sw.Short != "" {
			pat = sw.Short + "|" + sw.Long
		}
		switch {
		case fileArgs[sw.Arg] && sw.Arg == "DIR":
			fmt.Fprintf(&cases, "        %s) COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n", pat)
		case fileArgs[sw.Arg]:
			fmt.Fprintf(&cases, "        %s) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", pat)
		case switchValues[sw.Long] != nil:
			fmt.Fprintf(&cases, "        %s) COMPREPLY=($(compgen -W %q -- \"$cur\")); return ;;\n", pat, strings.Join(switchValues[sw.Long], " "))
		case sw.Long == "--command":
			fmt.Fprintf(&cases, "        %s) COMPREPLY=($(compgen -W \"$(serverstats \"${cfg[@]}\" completion commands 2>/dev/null)\" -- \"$cur\")); return ;;\n", pat)
		default:
			fmt.Fprintf(&cases, "        %s) return ;;\n", pat)
		}
	}
	fmt.Fprintf(w, `# bash completion for serverstats, written by "serverstats completion bash".
# Completes switches, built-in commands and the command names of the config
# in use (-c FILE on the line, else the usual search).
_serverstats() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
    local i w command="" cfg=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        w="${COMP_WORDS[i]}"
        case "$w" in
        -c|--config) cfg=(-c "${COMP_WORDS[i+1]}"); ((i++)); continue ;;
        --config=*) cfg=(-c "${w#--config=}"); continue ;;
        %s) ((i++)); continue ;;
        -*) continue ;;
        *) [[ -z "$command" ]] && command="$w" ;;
        esac
    done
    case "$prev" in
%s    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W %q -- "$cur"))
        return
    fi
    case "$command" in
    "") COMPREPLY=($(compgen -W "%s $(serverstats "${cfg[@]}" completion commands 2>/dev/null)" -- "$cur")) ;;
    completion) COMPREPLY=($(compgen -W %q -- "$cur")) ;;
    esac
}
complete -F _serverstats serverstats
`, strings.Join(valued, "|"), cases.String(), strings.Join(switches, " "), strings.Join(builtins, " "), strings.Join(Shells, " "))
}

// Zsh writes the zsh completion script: install it as _serverstats in a
// directory of $fpath.
func Zsh(w io.Writer, s Spec) {
	var specs, builtins strings.Builder
	for _, sw := range s.Switches {
		doc := zshEscape(sw.Doc)
		action := ""
		if sw.Value {
			switch {
			case sw.Arg == "DIR":
				action = ":" + sw.Arg + ":_files -/"
			case fileArgs[sw.Arg]:
				action = ":" + sw.Arg + ":_files"
			case switchValues[sw.Long] != nil:
				action = ":" + sw.Arg + ":(" + strings.Join(switchValues[sw.Long], " ") + ")"
			case sw.Long == "--command":
				action = ":" + sw.Arg + ":_serverstats_commands"
			default:
				action = ":" + sw.Arg + ": "
			}
		}
		if sw.Short != "" {
			fmt.Fprintf(&specs, "    '(%s %s)'{%s,%s}'[%s]%s' \\\n", sw.Short, sw.Long, sw.Short, sw.Long, doc, action)
		} else {
			fmt.Fprintf(&specs, "    '%s[%s]%s' \\\n", sw.Long, doc, action)
		}
	}
	for _, b := range s.Builtins {
		fmt.Fprintf(&builtins, "    '%s:%s'\n", b.Name, strings.ReplaceAll(b.Doc, "'", `'\''`))
	}
	fmt.Fprintf(w, `#compdef serverstats
# zsh completion for serverstats, written by "serverstats completion zsh".

_serverstats_config() {
    local i
    for ((i = 2; i < CURRENT; i++)); do
        case "${words[i]}" in
        -c|--config) print -r -- -c; print -r -- "${words[i+1]}" ;;
        --config=*) print -r -- -c; print -r -- "${words[i]#--config=}" ;;
        esac
    done
}

_serverstats_commands() {
    local -a cfg cmds
    cfg=(${(f)"$(_serverstats_config)"})
    cmds=(${(f)"$(serverstats $cfg completion commands 2>/dev/null)"})
    _describe -t commands 'config command' cmds
}

_serverstats() {
    local -a builtins
    builtins=(
%s    )
    local curcontext="$curcontext" state line
    _arguments -s -S \
%s    '*:: :->args'
    case $state in
    args)
        if (( CURRENT == 1 )); then
            _describe -t builtins 'built-in command' builtins
            _serverstats_commands
        elif [[ ${words[1]} == completion ]]; then
            compadd %s
        fi
        ;;
    esac
}

_serverstats "$@"
`, builtins.String(), specs.String(), strings.Join(Shells, " "))
}

func zshEscape(s string) string {
	s = strings.ReplaceAll(s, `'`, `'\''`)
	s = strings.ReplaceAll(s, `[`, `\[`)
	return strings.ReplaceAll(s, `]`, `\]`)
}

// Fish writes the fish completion script: install it as
// /usr/share/fish/vendor_completions.d/serverstats.fish.
func Fish(w io.Writer, s Spec) {
	_, valued, _ := s.names()
	fmt.Fprintf(w, `# fish completion for serverstats, written by "serverstats completion fish".

# True while no command has been given yet (switch values are skipped).
function __serverstats_needs_command
    set -l toks (commandline -opc)
    set -e toks[1]
    set -l skip 0
    for t in $toks
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case %s
                set skip 1
            case '-*'
            case '*'
                return 1
        end
    end
    return 0
end

# The config's command names, from the config named by -c on the line, if any.
function __serverstats_commands
    set -l toks (commandline -opc)
    set -l cfg
    for i in (seq 2 (count $toks))
        if contains -- $toks[$i] -c --config; and test $i -lt (count $toks)
            set cfg -c $toks[(math $i + 1)]
        end
    end
    serverstats $cfg completion commands 2>/dev/null
end

function __serverstats_using
    set -l toks (commandline -opc)
    contains -- $argv[1] $toks
end

complete -c serverstats -f
`, strings.Join(valued, " "))
	for _, sw := range s.Switches {
		var b strings.Builder
		b.WriteString("complete -c serverstats")
		if sw.Short != "" {
			fmt.Fprintf(&b, " -s %s", strings.TrimPrefix(sw.Short, "-"))
		}
		fmt.Fprintf(&b, " -l %s", strings.TrimPrefix(sw.Long, "--"))
		if sw.Value {
			switch {
			case fileArgs[sw.Arg]:
				b.WriteString(" -r -F")
			case switchValues[sw.Long] != nil:
				fmt.Fprintf(&b, " -x -a %s", fishQuote(strings.Join(switchValues[sw.Long], " ")))
			case sw.Long == "--command":
				b.WriteString(" -x -a '(__serverstats_commands)'")
			default:
				b.WriteString(" -x")
			}
		}
		fmt.Fprintf(&b, " -d %s\n", fishQuote(sw.Doc))
		io.WriteString(w, b.String())
	}
	for _, c := range s.Builtins {
		fmt.Fprintf(w, "complete -c serverstats -n __serverstats_needs_command -a %s -d %s\n", c.Name, fishQuote(c.Doc))
	}
	fmt.Fprintf(w, "complete -c serverstats -n __serverstats_needs_command -a '(__serverstats_commands)' -d 'config command'\n")
	fmt.Fprintf(w, "complete -c serverstats -n 'not __serverstats_needs_command; and __serverstats_using completion' -a %s\n", fishQuote(strings.Join(Shells, " ")))
}

func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
