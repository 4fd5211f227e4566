package childenv

import (
	"slices"
	"testing"
)

func TestClean(t *testing.T) {
	parent := []string{
		"PATH=/bin", "HOME=/root", "LANG=C.UTF-8", "LC_TIME=de_DE.UTF-8", "TZ=UTC", "USER=mon",
		"SMTP_PASSWORD=hunter2", "TWILIO_AUTH_TOKEN=tok", "SSH_AUTH_SOCK=/tmp/agent.1", "DEPLOY_URL=https://x",
		"AWS_SECRET_ACCESS_KEY=aws", "SERVERSTATS_CONFIG=/etc/serverstats/config.yaml", "SERVERSTATS_HANDLER=forged",
	}
	got := Clean(parent, []string{"DEPLOY_URL", "NOT_SET"}, "SERVERSTATS_HANDLER=pager")
	want := []string{
		"PATH=/bin", "HOME=/root", "LANG=C.UTF-8", "LC_TIME=de_DE.UTF-8", "TZ=UTC", "USER=mon",
		"DEPLOY_URL=https://x", "SERVERSTATS_CONFIG=/etc/serverstats/config.yaml", "SERVERSTATS_HANDLER=pager",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Clean =\n%q\nwant\n%q", got, want)
	}
	if got := Clean([]string{"SMTP_PASSWORD=x"}, nil); !slices.Equal(got, []string{"PATH=" + DefaultPath}) {
		t.Errorf("without PATH: %q", got)
	}
}
