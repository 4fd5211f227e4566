package handlers

import (
	"context"
	"sync"
)

// Receipt is what a provider answered one delivery to one recipient: the
// SMTP server's reply to DATA (its queue id), Twilio's message SID and
// status, a webhook's HTTP status. Err is set when that recipient failed.
type Receipt struct {
	Recipient string // address, number, URL host; "" when the channel has one
	Text      string // the provider's answer, secrets redacted by the caller
	Err       string
}

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
