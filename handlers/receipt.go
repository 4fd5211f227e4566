package handlers

import (
	"context"
	"sync"

	"serverstats/alerts/store"
)

// Receipt is what a provider answered one delivery to one recipient (see
// store.Receipt): the SMTP server's reply to DATA (its queue id), Twilio's
// message SID and status, a webhook's HTTP status. Err is set when that
// recipient failed, Permanent when retrying cannot help.
type Receipt = store.Receipt

// receipts collects the receipts of one Send. It travels in the context so
// that the Handler interface stays one method: a handler that has a
// receipt calls noteReceipt, the dispatcher reads them after Send.
type receipts struct {
	mu   sync.Mutex
	list []Receipt
}

type receiptsKey struct{}

// withReceipts returns a context whose Send calls can note receipts, and
// the function that returns those noted so far.
func withReceipts(ctx context.Context) (context.Context, func() []Receipt) {
	r := &receipts{}
	return context.WithValue(ctx, receiptsKey{}, r), func() []Receipt {
		r.mu.Lock()
		defer r.mu.Unlock()
		return append([]Receipt(nil), r.list...)
	}
}

// noteReceipt records a provider's answer for the Send in progress; a
// no-op when nobody collects them (a handler called directly).
func noteReceipt(ctx context.Context, rc Receipt) {
	if r, ok := ctx.Value(receiptsKey{}).(*receipts); ok {
		r.mu.Lock()
		r.list = append(r.list, rc)
		r.mu.Unlock()
	}
}

type doneKey struct{}

// withDone returns a context that tells the Send in progress which
// recipients earlier attempts at the same message are done with
// (delivered, or refused for good): a handler with several recipients
// skips them (alreadyDone), so a retry goes only to those that failed.
func withDone(ctx context.Context, done []Receipt) context.Context {
	set := map[string]bool{}
	for _, r := range done {
		if r.Recipient != "" && r.Done() {
			set[r.Recipient] = true
		}
	}
	return context.WithValue(ctx, doneKey{}, set)
}

// alreadyDone reports whether an earlier attempt at this message is done
// with recipient.
func alreadyDone(ctx context.Context, recipient string) bool {
	set, _ := ctx.Value(doneKey{}).(map[string]bool)
	return set[recipient]
}

// mergeDone adds the recipients this attempt is done with to those of
// earlier attempts (a recipient appears once, with its first final
// receipt).
func mergeDone(earlier, now []Receipt) []Receipt {
	out := append([]Receipt(nil), earlier...)
	seen := map[string]bool{}
	for _, r := range earlier {
		seen[r.Recipient] = true
	}
	for _, r := range now {
		if r.Recipient != "" && r.Done() && !seen[r.Recipient] {
			seen[r.Recipient] = true
			out = append(out, r)
		}
	}
	return out
}
