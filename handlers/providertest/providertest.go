// Package providertest runs, on 127.0.0.1, HTTP servers that speak the APIs
// of the chat and paging services serverstats delivers to (Slack incoming
// webhooks, Teams workflow webhooks, the PagerDuty Events API v2, ntfy, the
// Telegram Bot API, Pushover): the request path, method, content type and
// required fields each checks, and its real success and error replies. A
// test scripts failures (Fail) and reads what arrived (Requests).
package providertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
)

// Request is one request a server received.
type Request struct {
	Method, Path, ContentType string
	Header                    http.Header
	Body                      []byte
	JSON                      map[string]any // the body, when JSON
	Form                      url.Values     // the body, when a form
	Query                     url.Values
}

// Server is one provider's API on 127.0.0.1.
type Server struct {
	URL string // http://127.0.0.1:PORT

	mu       sync.Mutex
	requests []Request
	fails    []int // statuses of the next replies, scripted
	echo     bool
	answer   func(*Server, Request) (int, string) // the provider's reply
	failBody func(status int) string              // the provider's error body for a status
	state    map[string]string                    // per-provider state (PagerDuty's incidents)
	seq      int
}

// start serves answer on a loopback port until the test ends.
func start(t testing.TB, answer func(*Server, Request) (int, string), failBody func(int) string) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), answer: answer, failBody: failBody, state: map[string]string{}}
	srv := &http.Server{Handler: http.HandlerFunc(s.serve)}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	req := Request{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Header: r.Header.Clone(), Body: body, Query: r.URL.Query()}
	_ = json.Unmarshal(body, &req.JSON)
	if r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
		req.Form, _ = url.ParseQuery(string(body))
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.seq++
	var status int
	var reply string
	switch {
	case s.echo: // a hostile server: echoes what it got, credentials included
		status, reply = http.StatusInternalServerError, fmt.Sprintf("%s %s %v %s", r.Method, r.URL, r.Header, body)
	case len(s.fails) > 0:
		status, s.fails = s.fails[0], s.fails[1:]
		reply = s.failBody(status)
	case r.Method != http.MethodPost:
		status, reply = http.StatusMethodNotAllowed, s.failBody(http.StatusMethodNotAllowed)
	default:
		status, reply = s.answer(s, req)
	}
	s.mu.Unlock()
	if len(reply) > 0 && (reply[0] == '{' || reply[0] == '[') {
		w.Header().Set("Content-Type", "application/json")
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.WriteHeader(status)
	io.WriteString(w, reply)
}

// Fail makes the next replies fail with these statuses, each with the
// provider's error body for it.
func (s *Server) Fail(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails = append(s.fails, statuses...)
}

// Echo makes every reply a 500 that echoes the request: its URL, headers
// and body, credentials included (a hostile or misconfigured server).
func (s *Server) Echo(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.echo = on
}

// Requests returns what arrived, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// State returns a copy of the provider's state: PagerDuty's incident
// status by dedup_key.
func (s *Server) State() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for k, v := range s.state {
		out[k] = v
	}
	return out
}

// jsonText encodes v.
func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// str returns the string at a path of nested JSON objects, or "".
func str(m map[string]any, path ...string) string {
	var v any = m
	for _, k := range path {
		o, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = o[k]
	}
	s, _ := v.(string)
	return s
}
