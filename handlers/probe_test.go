package handlers

import (
	"context"
	"errors"
	"strings"
	"testing"

	"serverstats/config"
	"serverstats/handlers/smtptest"
)

// Probe checks SMTP connect, STARTTLS and login, and the Twilio
// credentials, without sending anything; its errors hold no secret.
func TestProbe(t *testing.T) {
	srv := smtptest.Start(t, "starttls", true)
	f := newFakeTwilio(t, "")
	wrongSMTP := testEnv(map[string]string{"SMTP_PASSWORD": "not-" + smtptest.Password})
	wrongTwilio := testEnv(map[string]string{"TWILIO_ACCOUNT_SID": twilioSID, "TWILIO_AUTH_TOKEN": "wrong0token"})
	noCA := emailConfig(srv, "starttls")
	noCA.CAFile = ""
	down := smsConfig("http://"+closedPort(t), numOK)
	for _, tc := range []struct {
		name string
		h    *config.Handler
		env  Env
		want string // "" for OK, else in the error
	}{
		{"smtp ok", emailConfig(srv, "starttls"), smtpEnv, ""},
		{"smtp wrong password", emailConfig(srv, "starttls"), wrongSMTP, "5.7.8 Authentication failed"},
		{"smtp untrusted certificate", noCA, smtpEnv, "certificate signed by unknown authority"},
		{"twilio ok", smsConfig(f.URL, numOK), twilioEnv, ""},
		{"twilio wrong token", smsConfig(f.URL, numOK), wrongTwilio, "twilio error 20003: Authenticate (HTTP 401)"},
		{"twilio down", down, twilioEnv, "connection refused"},
		{"print", &config.Handler{Name: "console", Type: "print"}, testEnv(nil), ErrNoProbe.Error()},
	} {
		h, err := New(tc.h, tc.env)
		if err != nil {
			t.Fatal(err)
		}
		err = Probe(context.Background(), h)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v; want an error containing %q", tc.name, err, tc.want)
		case err != nil:
			assertNoSecret(t, tc.name, err.Error(), smtptest.Password, "not-"+smtptest.Password, twilioToken, "wrong0token")
		}
		if tc.name == "print" && !errors.Is(err, ErrNoProbe) {
			t.Errorf("print: %v", err)
		}
	}
	if n := len(srv.Messages(t)); n != 0 {
		t.Errorf("the SMTP probe sent %d messages", n)
	}
	for _, r := range f.requests() {
		if strings.HasSuffix(r.Path, "/Messages.json") {
			t.Errorf("the Twilio probe created a message: %+v", r)
		}
	}
}
