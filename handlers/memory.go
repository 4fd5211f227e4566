package handlers

import (
	"context"
	"sync"
	"time"

	"serverstats/alerts"
	"serverstats/alerts/store"
)

// Memory is an outbox held in memory, for a run whose state file cannot
// be used: the run's messages are still delivered directly (with the same
// retry, fallback and undeliverable handling within the process), but
// nothing survives the process. What is left is in Pending.
type Memory struct {
	mu      sync.Mutex
	entries []*memEntry
	nextID  int64
	failing map[string]bool
}

type memEntry struct {
	store.Entry
	leased time.Time
	done   bool
}

// NewMemory queues envs (bounded as the state file bounds them) at now.
func NewMemory(envs []alerts.Envelope, now time.Time) *Memory {
	m := &Memory{failing: map[string]bool{}}
	for _, e := range envs {
		m.add(e, now)
	}
	return m
}

func (m *Memory) add(e alerts.Envelope, now time.Time) {
	if len(e.Notifications) == 0 {
		return
	}
	m.nextID++
	m.entries = append(m.entries, &memEntry{Entry: store.Entry{
		ID: m.nextID, Handler: e.Handler, Origin: e.Handler, Created: now, NextAttempt: now,
		Notifications: alerts.Compact(e.Notifications), Keys: len(e.Keys),
	}})
}

// Enqueue queues e.
func (m *Memory) Enqueue(_ context.Context, e alerts.Envelope, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.add(e, now)
	return nil
}

// MarkHandler records a handler's health for this process.
func (m *Memory) MarkHandler(_ context.Context, handler string, failing bool, _ string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	changed := m.failing[handler] != failing
	m.failing[handler] = failing
	return changed, nil
}

func (m *Memory) find(id int64) *memEntry {
	for _, e := range m.entries {
		if e.ID == id {
			return e
		}
	}
	return nil
}

// Claim returns the oldest due message for one of handlers.
func (m *Memory) Claim(_ context.Context, now time.Time, lease time.Duration, handlers []string) (store.Entry, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.entries {
		if e.done || e.Dead || e.NextAttempt.After(now) || e.leased.After(now) {
			continue
		}
		for _, h := range handlers {
			if h == e.Handler {
				e.leased = now.Add(lease)
				return e.Entry, true, nil
			}
		}
	}
	return store.Entry{}, false, nil
}

// Renew extends a lease.
func (m *Memory) Renew(_ context.Context, id int64, until time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.find(id); e != nil && !e.done {
		e.leased = until
		return true, nil
	}
	return false, nil
}

// Done marks a message delivered.
func (m *Memory) Done(_ context.Context, id int64, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.find(id); e != nil {
		e.done = true
	}
	return nil
}

// Retry records a failed attempt and the recipients done with.
func (m *Memory) Retry(_ context.Context, id int64, lastErr string, next time.Time, done []Receipt) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.find(id); e != nil {
		e.Attempts++
		e.LastError, e.NextAttempt, e.Done, e.leased = lastErr, next, done, time.Time{}
	}
	return nil
}

// AddAttempt keeps nothing: without a state file there is no trail (the
// run's deliveries are in its --json and its log).
func (m *Memory) AddAttempt(context.Context, store.Attempt, store.TrailLimits) error {
	return nil
}

// Reroute hands a message to a fallback.
func (m *Memory) Reroute(_ context.Context, id int64, handler, lastErr string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.find(id); e != nil {
		e.Handler, e.Attempts, e.LastError, e.NextAttempt, e.Created, e.Done, e.leased = handler, 0, lastErr, now, now, nil, time.Time{}
	}
	return nil
}

// Bury marks a message undeliverable.
func (m *Memory) Bury(_ context.Context, id int64, lastErr string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.find(id); e != nil {
		e.Attempts++
		e.Dead, e.LastError, e.leased = true, lastErr, time.Time{}
	}
	return nil
}

// Pending returns the messages not delivered.
func (m *Memory) Pending() []store.Entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Entry
	for _, e := range m.entries {
		if !e.done {
			out = append(out, e.Entry)
		}
	}
	return out
}
