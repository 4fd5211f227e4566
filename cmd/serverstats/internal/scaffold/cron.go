package scaffold

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"serverstats/config"
)

// DefaultCronSchedule is the crontab schedule of a command that has no
// schedule of its own.
const DefaultCronSchedule = "*/5 * * * *"

// Crontab writes crontab lines that run each command of cfg one-shot with
// --alerts: at its schedule (converted to crontab's five fields) or every 5
// minutes, under flock -n so that a run still going makes the next one
// skip, appending its output to a log. user is whose crontab it is: root
// logs to /var/log/serverstats, others to ~/.local/state/serverstats.
func Crontab(w io.Writer, cfg *config.Config, bin, cfgPath, user string) error {
	dir := `"$HOME"/.local/state/serverstats`
	if user == "root" {
		dir = "/var/log/serverstats"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# serverstats one-shot runs, written by \"serverstats scaffold --cron\".\n")
	fmt.Fprintf(&b, "# Install: mkdir -p %s; crontab -e (as %s) and paste these lines.\n", dir, user)
	fmt.Fprintf(&b, "# flock -n skips a run while the previous one still holds the lock; output goes to %s/cron.log.\n", dir)
	fmt.Fprintf(&b, "# Use the daemon (serverstats run) instead for schedules under a minute and kept SSH connections.\n")
	shard := ""
	if cfg.Shard.N > 0 {
		shard = " --shard " + cfg.Shard.String() // this machine's part of the hosts
	}
	cmds := slices.Clone(cfg.Commands)
	slices.SortFunc(cmds, func(a, b *config.Command) int { return strings.Compare(a.Name, b.Name) })
	for _, c := range cmds {
		sched, note := CronSchedule(c.Schedule)
		if note != "" {
			fmt.Fprintf(&b, "# %s: %s\n", c.Name, note)
		}
		line := fmt.Sprintf("%s flock -n %s/%s.lock %s -c %s --alerts%s %s >>%s/cron.log 2>&1",
			sched, dir, shellQuote("cron-"+c.Name), shellQuote(bin), shellQuote(cfgPath), shard, shellQuote(c.Name), dir)
		b.WriteString(strings.ReplaceAll(line, "%", `\%`) + "\n") // % is a newline to cron
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// CronSchedule converts a command's schedule (robfig/cron syntax as the
// config takes it) to crontab's five fields. note says what changed, if
// anything did.
func CronSchedule(s string) (sched, note string) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return DefaultCronSchedule, "no schedule in the config; every 5 minutes"
	case strings.HasPrefix(s, "@every "):
		d, err := time.ParseDuration(strings.TrimSpace(strings.TrimPrefix(s, "@every ")))
		if err != nil {
			return DefaultCronSchedule, fmt.Sprintf("cannot convert %q; every 5 minutes", s)
		}
		return everyToCron(d, s)
	case strings.HasPrefix(s, "@"):
		return s, "" // @hourly, @daily, @weekly, @monthly, @yearly: crontab has them too
	case strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ="):
		tz, rest, _ := strings.Cut(s, " ")
		sched, note := CronSchedule(rest)
		return sched, strings.TrimPrefix(note+"; ", "; ") + "crontab runs in the system time zone, not " + tz
	}
	f := strings.Fields(s)
	if len(f) == 6 {
		return strings.Join(f[1:], " "), fmt.Sprintf("%q has a seconds field; crontab starts at :00", s)
	}
	return strings.Join(f, " "), ""
}

func everyToCron(d time.Duration, s string) (string, string) {
	min := int(d / time.Minute)
	switch {
	case d < time.Minute:
		return "* * * * *", fmt.Sprintf("%q is under a minute, crontab's shortest interval; every minute", s)
	case d < time.Hour && 60%min == 0 && d%time.Minute == 0:
		return fmt.Sprintf("*/%d * * * *", min), ""
	case d < time.Hour:
		return fmt.Sprintf("*/%d * * * *", min), fmt.Sprintf("%q does not divide an hour; the interval restarts at each hour", s)
	case d%time.Hour == 0 && 24%int(d/time.Hour) == 0:
		return fmt.Sprintf("0 */%d * * *", int(d/time.Hour)), ""
	case d >= 24*time.Hour:
		return "0 0 * * *", fmt.Sprintf("%q is a day or more; once a day", s)
	}
	h := int(d / time.Hour)
	return fmt.Sprintf("0 */%d * * *", h), fmt.Sprintf("%q rounded to %dh", s, h)
}

// shellQuote quotes s for sh when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
