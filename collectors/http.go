package collectors

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits of HTTPProbe.
const (
	// MaxProbeBody is how much of the response body the body field holds.
	MaxProbeBody = 64 << 10
	// maxProbeDrain bounds how much of a body is read at all to count its
	// size; past it, size is the Content-Length if the server sent one.
	maxProbeDrain = 16 << 20
)

// HTTPProbe is a Collector that makes one HTTP(S) request. Its Result has no
// Stdout but Fields, one row:
//
//	status          the final response's status code ("" if none)
//	body            the first MaxProbeBody bytes of the body, trimmed
//	latency_ms      from sending the request to the end of the body, in ms
//	size            body size in bytes
//	cert_days_left  days until the TLS leaf certificate expires (whole days,
//	                negative once expired); "" for plain HTTP
//	error           "" on success, else what went wrong
//
// Any status is a result (a 500 is for rules to judge), and so is a service
// that cannot be reached: refused, DNS, TLS verification, timeout. Those
// set status "0" and error, with Result.Err nil, so `status != 200` fires
// on a dead service exactly as on a failing one (monit's "if failed url").
// Only what says nothing about the service sets Result.Err (wrapping
// ErrConnect, or ErrTimeout) and makes the host UNKNOWN: the SSH hop of Dial
// failing (host down, host key, auth), a bad URL, an unreadable CA file.
// TLS certificates are verified against the system roots plus CAFile, unless
// Insecure. Proxy environment variables are ignored: the probe measures the
// service itself. Redirects are not followed (a 301 is the status) unless
// FollowRedirects (up to 10; status is then the final one; never from https
// to http; credentials only to the URL's own host, see Secret).
type HTTPProbe struct {
	URL    string
	Method string // "" means GET
	// Headers are added to the request; a "Host" entry sets the Host header
	// (and the TLS server name) for virtual hosts, whatever URL says.
	Headers map[string]string
	// Secret names the headers of Headers that hold credentials (a url:
	// probe's header-env and header-file). With FollowRedirects they, and
	// Authorization, Proxy-Authorization and Cookie, are sent only to the
	// URL's own host:port: a redirect to another host (a subdomain too,
	// which Go's client would trust) gets none of them.
	Secret []string
	Body   string
	// CAFile is a PEM bundle of extra CA certificates to trust.
	CAFile string
	// Insecure skips TLS certificate verification (only when asked).
	Insecure        bool
	FollowRedirects bool
	// Timeout bounds the whole request, body included; 0 means
	// DefaultProbeTimeout.
	Timeout time.Duration
	// Dial opens connections; nil dials from this machine. Use (*SSH).Dial
	// or (*Pool).Dial to reach the URL from the target host (`via: ssh`).
	Dial DialFunc
}

var _ Collector = (*HTTPProbe)(nil)

// HTTPFields are the names of an HTTPProbe's Fields, in order.
var HTTPFields = []string{"status", "body", "latency_ms", "size", "cert_days_left", "error"}

// Run makes the request; the command argument is ignored.
func (p *HTTPProbe) Run(ctx context.Context, t Target, _ string) (res Result) {
	start := time.Now()
	res.Target = t
	f := map[string]string{}
	defer func() {
		res.Duration = time.Since(start)
		for _, n := range HTTPFields {
			res.Fields = append(res.Fields, Field{n, f[n]})
		}
	}()
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	// fail records a failure of the probe itself, not of the service: a
	// bad URL or CA file (the host is UNKNOWN).
	fail := func(msg string) {
		f["error"] = msg
		res.Err = fmt.Errorf("%w: %s", ErrConnect, msg)
	}

	method := p.Method
	if method == "" {
		method = http.MethodGet
	}
	u, err := url.Parse(p.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fail(fmt.Sprintf("bad URL %q: want http:// or https://", p.URL))
		return res
	}
	tlsCfg := &tls.Config{InsecureSkipVerify: p.Insecure} //nolint:gosec // only when asked
	if p.CAFile != "" {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		pem, err := os.ReadFile(p.CAFile)
		if err != nil {
			fail("read CA file: " + err.Error())
			return res
		}
		if !pool.AppendCertsFromPEM(pem) {
			fail("CA file " + p.CAFile + " holds no PEM certificate")
			return res
		}
		tlsCfg.RootCAs = pool
	}
	var host string
	for k, v := range p.Headers {
		if strings.EqualFold(k, "Host") {
			host = v
		}
	}
	if host != "" {
		if h, _, err := net.SplitHostPort(host); err == nil {
			tlsCfg.ServerName = h
		} else {
			tlsCfg.ServerName = host
		}
	}

	// Through SSH, the hop is dialed first, outside the probe's timeout
	// (the SSH connect has its own): a host that cannot be reached is
	// UNKNOWN, never a dead service. The request then gets the tunnel.
	var pre *preDialed
	if p.Dial != nil {
		addr := urlAddr(u)
		c, err := p.Dial(ctx, t, "tcp", addr)
		switch {
		case err != nil && isRemoteRefusal(err):
			f["status"], f["error"] = "0", method+" "+p.URL+": "+err.Error()
			return res
		case err != nil:
			res.Err = err
			f["error"] = err.Error()
			return res
		}
		pre = &preDialed{addr: addr, conn: c}
		defer pre.close()
	}
	var nd net.Dialer
	tr := &http.Transport{
		Proxy:               nil,
		TLSClientConfig:     tlsCfg,
		DisableKeepAlives:   true,
		TLSHandshakeTimeout: timeout,
		ForceAttemptHTTP2:   true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if c := pre.take(addr); c != nil {
				return c, nil
			}
			if p.Dial != nil {
				return p.Dial(ctx, t, network, addr) // a redirect elsewhere
			}
			return nd.DialContext(ctx, network, addr)
		},
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		switch {
		case !p.FollowRedirects:
			return http.ErrUseLastResponse
		case req.URL.Scheme == "http" && via[len(via)-1].URL.Scheme == "https":
			return http.ErrUseLastResponse // never carry headers (credentials) from https to plain http
		case len(via) >= 10:
			return http.ErrUseLastResponse
		}
		if !strings.EqualFold(req.URL.Host, via[0].URL.Host) {
			// Go's client forwards every header but Authorization and
			// Cookie on a redirect; to another domain, not even those.
			for _, h := range append([]string{"Authorization", "Proxy-Authorization", "Cookie"}, p.Secret...) {
				req.Header.Del(h)
			}
		}
		return nil
	}

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	if p.Body != "" {
		body = strings.NewReader(p.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		fail("build request: " + err.Error())
		return res
	}
	for k, v := range p.Headers {
		if strings.EqualFold(k, "Host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "serverstats-probe")
	}

	reqStart := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		msg := httpErr(ctx, err, timeout)
		f["status"], f["error"] = "0", method+" "+p.URL+": "+msg
		return res
	}
	defer resp.Body.Close()
	f["status"] = strconv.Itoa(resp.StatusCode)
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		left := time.Until(resp.TLS.PeerCertificates[0].NotAfter)
		days := int64(left / (24 * time.Hour))
		if left < 0 && left%(24*time.Hour) != 0 {
			days-- // floor
		}
		f["cert_days_left"] = strconv.FormatInt(days, 10)
	}
	buf, rerr := io.ReadAll(io.LimitReader(resp.Body, MaxProbeBody))
	size := int64(len(buf))
	if rerr == nil && len(buf) == MaxProbeBody {
		n, err := io.Copy(io.Discard, io.LimitReader(resp.Body, maxProbeDrain))
		size += n
		if err != nil {
			rerr = err
		} else if n == maxProbeDrain && resp.ContentLength > size {
			size = resp.ContentLength
		}
	}
	f["latency_ms"] = millis(time.Since(reqStart))
	f["body"] = strings.TrimSpace(string(buf))
	f["size"] = strconv.FormatInt(size, 10)
	if rerr != nil {
		msg := httpErr(ctx, rerr, timeout)
		f["error"] = method + " " + p.URL + ": read body: " + msg
	}
	return res
}

// urlAddr is the host:port a URL connects to.
func urlAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// preDialed is a connection opened before the request, handed to the
// transport's first dial of its address.
type preDialed struct {
	mu   sync.Mutex
	addr string
	conn net.Conn
}

func (p *preDialed) take(addr string) net.Conn {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if addr != p.addr {
		return nil
	}
	c := p.conn
	p.conn = nil
	return c
}

// close closes the connection if the transport never took it.
func (p *preDialed) close() {
	if c := p.take(p.addr); c != nil {
		c.Close()
	}
}

// httpErr describes a failed request without Go's wrappers ("Get
// \"...\": dial tcp ...:"); a timeout reads "no answer within 10s".
func httpErr(ctx context.Context, err error, timeout time.Duration) string {
	if errors.Is(err, ErrTimeout) || ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		if errors.Is(ctx.Err(), context.Canceled) {
			return "canceled"
		}
		return "no answer within " + timeout.String()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil && !errors.Is(err, ErrConnect) {
		err = op.Err
	}
	var verr *tls.CertificateVerificationError
	if errors.As(err, &verr) {
		return "TLS certificate not trusted: " + verr.Err.Error()
	}
	return err.Error()
}
