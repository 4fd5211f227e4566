package handlers

import (
	"context"
	"fmt"
	"io"
	"strings"

	"serverstats/alerts"
	"serverstats/config"
)

// Print writes each notification as one line to stdout or stderr.
type Print struct {
	w io.Writer
}

var _ Handler = (*Print)(nil)

func newPrint(h *config.Handler, env Env) (Handler, error) {
	if h.Stream == "stderr" {
		return &Print{w: env.Stderr}, nil
	}
	return &Print{w: env.Stdout}, nil
}

// Send implements Handler. A write error is not worth retrying.
func (p *Print) Send(ctx context.Context, ns []alerts.Notification) (bool, error) {
	var b strings.Builder
	for _, n := range ns {
		b.WriteString(n.Line())
		b.WriteByte('\n')
	}
	if _, err := io.WriteString(p.w, b.String()); err != nil {
		return false, fmt.Errorf("print: %w", err)
	}
	noteReceipt(ctx, Receipt{Text: "printed"})
	return false, nil
}
