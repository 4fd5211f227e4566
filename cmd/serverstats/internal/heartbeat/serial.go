package heartbeat

import "sync"

// Serial sends pings one at a time, in the order they are handed over,
// without holding up the caller: the service must see a failure and the
// recovery after it in that order. When Max pings already wait (a service
// that hangs), a new one is dropped and Go reports false.
type Serial struct {
	ch   chan func()
	once sync.Once
	done chan struct{}
}

// NewSerial starts a sender that holds at most max waiting pings.
func NewSerial(max int) *Serial {
	s := &Serial{ch: make(chan func(), max), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for f := range s.ch {
			f()
		}
	}()
	return s
}

// Go queues ping; false when the queue is full (the ping is dropped).
func (s *Serial) Go(ping func()) bool {
	select {
	case s.ch <- ping:
		return true
	default:
		return false
	}
}

// Close sends what is queued and returns once it is sent (each ping is
// bounded by its timeout). Go must not be called after Close.
func (s *Serial) Close() {
	s.once.Do(func() { close(s.ch) })
	<-s.done
}
