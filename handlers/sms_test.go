package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"serverstats/config"
	"serverstats/handlers/message"
)

const (
	twilioSID   = "AC0123456789abcdef0123456789abcdef"
	twilioToken = "tok5ecret9f8e7d6c5b4a" // recognisable, to look for in errors
)

// Numbers the fake Twilio API answers specially; any other number is
// accepted.
const (
	numOK       = "+15552220001"
	numOK2      = "+15552220002"
	numInvalid  = "+15550000400" // 400, code 21211
	numRateLim  = "+15550000429" // 429, code 20429
	numBroken   = "+15550000500" // 500, code 20500
	numGateway  = "+15550000502" // 502 with an HTML body
	numSlow     = "+15550000999" // no answer until the client gives up
	numLeakyErr = "+15550000401" // 400 whose message echoes the request's credentials
	numFlaky    = "+15550000503" // 500 (code 20500) the first time, then accepted
)

// twilioRequest is one Messages API call the fake received.
type twilioRequest struct {
	Path, User, Password string
	Form                 map[string]string
}

// fakeTwilio speaks the shape of Twilio's Messages API:
// POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form fields To,
// From or MessagingServiceSid, Body, HTTP basic auth; a 201 with the
// message resource, or Twilio's JSON error body.
type fakeTwilio struct {
	*httptest.Server
	prefix string // path prefix of the API

	mu    sync.Mutex
	reqs  []twilioRequest
	flaky int // requests to numFlaky so far
}

func newFakeTwilio(t *testing.T, prefix string) *fakeTwilio {
	f := &fakeTwilio{prefix: prefix}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeTwilio) requests() []twilioRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]twilioRequest(nil), f.reqs...)
}

func twilioError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"code": code, "message": msg, "more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), "status": status,
	})
}

func (f *fakeTwilio) serve(w http.ResponseWriter, r *http.Request) {
	user, pass, _ := r.BasicAuth()
	if err := r.ParseForm(); err != nil {
		twilioError(w, 400, 20001, "bad form")
		return
	}
	req := twilioRequest{Path: r.URL.Path, User: user, Password: pass, Form: map[string]string{}}
	for k := range r.PostForm {
		req.Form[k] = r.PostForm.Get(k)
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()

	if r.Method == http.MethodGet && r.URL.Path == f.prefix+"/2010-04-01/Accounts/"+twilioSID+".json" {
		// The Account resource, which check-config --probe fetches.
		if user != twilioSID || pass != twilioToken {
			twilioError(w, 401, 20003, "Authenticate")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"sid": twilioSID, "friendly_name": "test account", "status": "active", "type": "Full"})
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != f.prefix+"/2010-04-01/Accounts/"+twilioSID+"/Messages.json" {
		twilioError(w, 404, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	if user != twilioSID || pass != twilioToken {
		twilioError(w, 401, 20003, "Authenticate")
		return
	}
	to := req.Form["To"]
	switch to {
	case numInvalid:
		twilioError(w, 400, 21211, "The 'To' number "+to+" is not a valid phone number.")
		return
	case numRateLim:
		twilioError(w, 429, 20429, "Too Many Requests")
		return
	case numBroken:
		twilioError(w, 500, 20500, "Internal Server Error")
		return
	case numGateway:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		fmt.Fprint(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
		return
	case numSlow:
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		return
	case numLeakyErr:
		twilioError(w, 400, 21212, "Invalid credentials "+user+":"+pass+" for From")
		return
	case numFlaky:
		f.mu.Lock()
		f.flaky++
		first := f.flaky == 1
		f.mu.Unlock()
		if first {
			twilioError(w, 500, 20500, "Internal Server Error")
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	n := len(f.requests())
	_ = json.NewEncoder(w).Encode(map[string]any{
		"account_sid": twilioSID, "api_version": "2010-04-01", "body": req.Form["Body"],
		"date_created": "Sat, 22 Aug 2026 10:00:00 +0000", "date_sent": nil, "date_updated": "Sat, 22 Aug 2026 10:00:00 +0000",
		"direction": "outbound-api", "error_code": nil, "error_message": nil, "from": req.Form["From"],
		"messaging_service_sid": req.Form["MessagingServiceSid"], "num_media": "0", "num_segments": "1",
		"price": nil, "price_unit": "USD", "sid": fmt.Sprintf("SM%032d", n), "status": "queued", "to": to,
		"uri": fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/SM%032d.json", twilioSID, n),
	})
}

var twilioEnv = testEnv(map[string]string{"TWILIO_ACCOUNT_SID": twilioSID, "TWILIO_AUTH_TOKEN": twilioToken})

func smsConfig(apiURL string, to ...string) *config.Handler {
	return &config.Handler{
		Name: "oncall", Type: "sms", AccountSIDEnv: "TWILIO_ACCOUNT_SID", AuthTokenEnv: "TWILIO_AUTH_TOKEN",
		From: "+15550001111", To: to, APIURL: apiURL, Timeout: 5 * time.Second,
	}
}

func newSMST(t *testing.T, h *config.Handler, env Env) *SMS {
	t.Helper()
	hd, err := New(h, env)
	if err != nil {
		t.Fatal(err)
	}
	return hd.(*SMS)
}

func TestSMSDelivers(t *testing.T) {
	// Not parallel: TWILIO_REGION and TWILIO_EDGE, which twilio-go reads,
	// must not send the requests elsewhere.
	t.Setenv("TWILIO_REGION", "au1")
	t.Setenv("TWILIO_EDGE", "sydney")
	f := newFakeTwilio(t, "")
	var logs bytes.Buffer
	env := twilioEnv
	env.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newSMST(t, smsConfig(f.URL, numOK, numOK2), env)
	ns := message.Sample(sampleTime)
	start := time.Now()
	retry, err := s.Send(context.Background(), ns)
	if err != nil || retry {
		t.Fatalf("Send = %v, %v", retry, err)
	}
	t.Logf("two SMS sent in %s", time.Since(start).Round(time.Millisecond))
	want, _ := message.SMS(nil, message.New("oncall", ns))
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	for i, to := range []string{numOK, numOK2} {
		r := reqs[i]
		got := fmt.Sprintf("%s %s:%s %v", r.Path, r.User, r.Password, r.Form)
		wantReq := fmt.Sprintf("/2010-04-01/Accounts/%s/Messages.json %s:%s %v", twilioSID, twilioSID, twilioToken,
			map[string]string{"Body": want, "From": "+15550001111", "To": to})
		if got != wantReq {
			t.Errorf("request %d =\n%s\nwant\n%s", i, got, wantReq)
		}
		if n := len(r.Form["Body"]); n > 160 || n == 0 {
			t.Errorf("body is %d characters", n)
		}
	}
	for _, w := range []string{"sms delivered", "to=" + numOK2, "sid=SM00000000000000000000000000000002", "status=queued"} {
		if !strings.Contains(logs.String(), w) {
			t.Errorf("log lacks %q:\n%s", w, logs.String())
		}
	}
}

func TestSMSMessagingServiceAndPrefix(t *testing.T) {
	t.Parallel()
	f := newFakeTwilio(t, "/twilio")
	h := smsConfig(f.URL+"/twilio/", numOK)
	h.From, h.MessagingServiceSID = "", "MG0123456789abcdef0123456789abcdef"
	h.Body = "{{.Firing}} firing: {{range .Notifications}}{{.Host}} {{end}}"
	s := newSMST(t, h, twilioEnv)
	if retry, err := s.Send(context.Background(), message.Sample(sampleTime)); err != nil || retry {
		t.Fatalf("Send = %v, %v", retry, err)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	got := fmt.Sprint(reqs[0].Form)
	want := fmt.Sprint(map[string]string{"Body": "1 firing: web1 web2 db1", "MessagingServiceSid": "MG0123456789abcdef0123456789abcdef", "To": numOK})
	if got != want || !strings.HasPrefix(reqs[0].Path, "/twilio/2010-04-01/") {
		t.Errorf("request %s %s, want %s under /twilio", reqs[0].Path, got, want)
	}
}

func TestSMSFailures(t *testing.T) {
	t.Parallel()
	f := newFakeTwilio(t, "")
	for _, tc := range []struct {
		name  string
		to    []string
		env   Env
		url   string
		retry bool
		want  string // the whole error
	}{
		{"invalid number", []string{numInvalid}, twilioEnv, "", false,
			"sms: to " + numInvalid + ": twilio error 21211: The 'To' number " + numInvalid + " is not a valid phone number. (HTTP 400)"},
		{"rate limited", []string{numRateLim}, twilioEnv, "", true,
			"sms: to " + numRateLim + ": twilio error 20429: Too Many Requests (HTTP 429)"},
		{"server error", []string{numBroken}, twilioEnv, "", true,
			"sms: to " + numBroken + ": twilio error 20500: Internal Server Error (HTTP 500)"},
		{"bad gateway", []string{numGateway}, twilioEnv, "", true,
			"sms: to " + numGateway + ": HTTP 502 Bad Gateway: <html><body><h1>502 Bad Gateway</h1></body></html>"},
		{"wrong token", []string{numOK}, testEnv(map[string]string{"TWILIO_ACCOUNT_SID": twilioSID, "TWILIO_AUTH_TOKEN": "wrong0token"}), "", false,
			"sms: to " + numOK + ": twilio error 20003: Authenticate (HTTP 401)"},
		{"partly delivered, retry", []string{numOK, numBroken, numInvalid}, twilioEnv, "", true,
			"sms: to " + numBroken + ": twilio error 20500: Internal Server Error (HTTP 500); " +
				"to " + numInvalid + ": twilio error 21211: The 'To' number " + numInvalid + " is not a valid phone number. (HTTP 400) " +
				"(delivered to " + numOK + ")"},
		{"partly delivered, permanent", []string{numInvalid, numOK}, twilioEnv, "", false,
			"sms: to " + numInvalid + ": twilio error 21211: The 'To' number " + numInvalid + " is not a valid phone number. (HTTP 400) " +
				"(delivered to " + numOK + ")"},
		{"timeout", []string{numSlow, numOK}, twilioEnv, "", true,
			"sms: to " + numSlow + ": timed out after 300ms; to " + numOK + ": not sent: timed out after 300ms"},
		{"api down", []string{numOK}, twilioEnv, "http://" + closedPort(t), true,
			"sms: to " + numOK + ": post to http://127.0.0.1:PORT: dial tcp 127.0.0.1:PORT: connect: connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := smsConfig(f.URL, tc.to...)
			slow := slices.Contains(tc.to, numSlow)
			h.Timeout = longTimeout
			if slow {
				h.Timeout = shortTimeout
			}
			want := tc.want
			if tc.url != "" {
				h.APIURL = tc.url
				want = strings.ReplaceAll(want, "127.0.0.1:PORT", strings.TrimPrefix(tc.url, "http://"))
			}
			s := newSMST(t, h, tc.env)
			start := time.Now()
			retry, err := s.Send(context.Background(), message.Sample(sampleTime))
			if slow {
				checkTimedOut(t, tc.name, time.Since(start), h.Timeout)
			}
			if err == nil || retry != tc.retry || err.Error() != want {
				t.Errorf("Send = %v, %v\nwant  %v, %s", retry, err, tc.retry, want)
			}
		})
	}
}

func TestNewSMSErrors(t *testing.T) {
	for _, tc := range []struct {
		env   map[string]string
		setup func(h *config.Handler)
		want  string
	}{
		{map[string]string{"TWILIO_ACCOUNT_SID": twilioSID}, nil, `handler "oncall": auth token: environment variable TWILIO_AUTH_TOKEN is not set`},
		{map[string]string{"TWILIO_AUTH_TOKEN": twilioToken}, nil, `handler "oncall": account sid: environment variable TWILIO_ACCOUNT_SID is not set`},
		{map[string]string{"TWILIO_ACCOUNT_SID": twilioSID, "TWILIO_AUTH_TOKEN": twilioToken + "\n"}, nil, `handler "oncall": auth token from TWILIO_AUTH_TOKEN: must be letters and digits only`},
		{map[string]string{"TWILIO_ACCOUNT_SID": twilioSID, "TWILIO_AUTH_TOKEN": twilioToken}, func(h *config.Handler) { h.APIURL = "ftp://x" }, `handler "oncall": api-url "ftp://x": not an http(s) URL`},
		{map[string]string{"TWILIO_ACCOUNT_SID": twilioSID, "TWILIO_AUTH_TOKEN": twilioToken}, func(h *config.Handler) { h.MessagingServiceSID = "MG1" }, `handler "oncall": set exactly one of from and messaging-service-sid`},
		{map[string]string{"TWILIO_ACCOUNT_SID": twilioSID, "TWILIO_AUTH_TOKEN": twilioToken}, func(h *config.Handler) { h.AuthTokenEnv, h.AuthTokenFile = "", "/nonexistent/token" }, `handler "oncall": auth token: read secret file /nonexistent/token: no such file or directory`},
	} {
		h := smsConfig("", numOK)
		if tc.setup != nil {
			tc.setup(h)
		}
		_, err := New(h, testEnv(tc.env))
		if err == nil || err.Error() != tc.want {
			t.Errorf("New = %v\nwant %s", err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), twilioToken) {
			t.Errorf("error holds the token: %v", err)
		}
	}
	// The default API URL is Twilio's.
	s := newSMST(t, smsConfig("", numOK), twilioEnv)
	if got := s.api.String(); got != "https://api.twilio.com" {
		t.Errorf("default api = %s", got)
	}
}
