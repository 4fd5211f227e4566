package check

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"serverstats/collectors"
	"serverstats/config"
	"serverstats/handlers"
)

// urlKind is an HTTP(S) probe (url:), made from here or, with via: ssh,
// from each server. Its one row has collectors.HTTPFields; without rules it
// fires when the URL does not answer or answers 4xx/5xx (config adds the
// implicit rule).
type urlKind struct{ probeKind }

func (urlKind) collector(c *Checker, cmd *config.Command, t collectors.Target) collectors.Collector {
	return c.probe(cmd, func(dial collectors.DialFunc) collectors.Collector {
		h := cmd.HTTP
		headers, secrets, err := ProbeHeaders(h, c.env.Getenv)
		secretNames := slices.Concat(slices.Collect(maps.Keys(h.HeaderEnv)), slices.Collect(maps.Keys(h.HeaderFile)))
		if err != nil {
			return Failing{err}
		}
		p := &collectors.HTTPProbe{
			URL: withHost(h.URL, t, true), Method: h.Method, Headers: headers, Secret: secretNames, Body: h.Body,
			CAFile: h.CAFile, Insecure: h.Insecure, FollowRedirects: h.FollowRedirects, Timeout: probeTimeout(cmd), Dial: dial,
		}
		if len(secrets) == 0 {
			return p
		}
		return redacting{p, handlers.NewRedactor(secrets...)}
	})
}

// ProbeHeaders are a url: probe's headers, with the secret ones read from
// their environment variables and files (getenv nil means os.Getenv), and
// those secrets.
func ProbeHeaders(h *config.HTTPProbe, getenv func(string) string) (map[string]string, []string, error) {
	if len(h.HeaderEnv) == 0 && len(h.HeaderFile) == 0 {
		return h.Headers, nil, nil
	}
	headers := maps.Clone(h.Headers)
	if headers == nil {
		headers = map[string]string{}
	}
	var secrets []string
	var first error
	SecretHeaders(h, getenv, func(_, name, value string, err error) {
		if err != nil {
			if first == nil {
				first = fmt.Errorf("header %s: %w", name, err)
			}
			return
		}
		headers[name] = value
		secrets = append(secrets, value)
	})
	if first != nil {
		return nil, nil, first
	}
	return headers, secrets, nil
}

// SecretHeaders reads each secret header of h (getenv nil means
// os.Getenv) and calls fn with the key it is under (header-env or
// header-file), its name, and its value or why it cannot be read.
func SecretHeaders(h *config.HTTPProbe, getenv func(string) string, fn func(key, name, value string, err error)) {
	for name, env := range h.HeaderEnv {
		v, err := handlers.ReadSecret(getenv, env, "")
		fn("header-env", name, v, err)
	}
	for name, file := range h.HeaderFile {
		v, err := handlers.ReadSecret(getenv, "", file)
		fn("header-file", name, v, err)
	}
}

// redacting removes secrets (a probe's credentials) from what a collector
// returns, in case the service echoes them.
type redacting struct {
	c collectors.Collector
	r *handlers.Redactor
}

func (p redacting) Run(ctx context.Context, t collectors.Target, cmd string) collectors.Result {
	res := p.c.Run(ctx, t, cmd)
	for i := range res.Fields {
		res.Fields[i].Value = p.r.String(res.Fields[i].Value)
	}
	res.Stdout, res.Stderr = []byte(p.r.String(string(res.Stdout))), []byte(p.r.String(string(res.Stderr)))
	if res.Err != nil {
		res.Err = p.r.Error(res.Err)
	}
	return res
}
