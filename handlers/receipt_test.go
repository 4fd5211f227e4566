package handlers

import (
	"context"
	"fmt"
	"testing"
	"time"

	"serverstats/config"
	"serverstats/handlers/message"
)

// The single-channel handlers note what their channel answered: the
// webhook's status line, the exec handler's exit status, "printed".
func TestSingleChannelReceipts(t *testing.T) {
	hook := newHookRecorder(t)
	wh, err := New(webhookConfig(hook.URL+"/"), testEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	pr, err := New(&config.Handler{Name: "console", Type: "print"}, testEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		h    Handler
		want string
	}{
		{"webhook", wh, "[{ HTTP/1.1 204 No Content  false}]"},
		{"exec", newExecT(t, 5*time.Second, "/bin/true"), "[{ exit status 0  false}]"},
		{"print", pr, "[{ printed  false}]"},
	} {
		ctx, got := withReceipts(context.Background())
		if _, err := tc.h.Send(ctx, message.Sample(sampleTime)); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if g := fmt.Sprint(got()); g != tc.want {
			t.Errorf("%s: receipts %s, want %s", tc.name, g, tc.want)
		}
	}
}
