package config

import "testing"

func TestCronParser(t *testing.T) {
	for _, good := range []string{"*/5 * * * *", "0 */5 * * * *", "@every 30s", "@hourly", "CRON_TZ=Europe/Paris 0 9 * * 1-5"} {
		if _, err := CronParser.Parse(good); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
	for _, bad := range []string{"", "* * *", "61 * * * *", "@every", "@fortnightly"} {
		if _, err := CronParser.Parse(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
