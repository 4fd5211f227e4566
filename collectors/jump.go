package collectors

import (
	"context"
	"sync"
)

// jumpConns shares the connections to jump hosts: every host reached
// through the same bastion (same user, address, its own chain and keys)
// tunnels through one connection to it, not one each. A jump connection
// lives while a connection through it does; the last one to end closes it.
type jumpConns struct {
	mu sync.Mutex
	m  map[string]*sharedJump // by poolKey of the jump host
}

type sharedJump struct {
	ready chan struct{} // closed when the dial has ended
	conn  *sshConn      // set before ready is closed, nil when the dial failed
	err   error
	refs  int
}

// acquire returns a connection to the jump host hc, dialling it (with dial,
// bounded by ctx) only when no live one is shared, and the function that
// gives it back. Concurrent first users wait for the one dial.
func (j *jumpConns) acquire(ctx context.Context, hc hostConfig, dial func() (*sshConn, error)) (*sshConn, func(), error) {
	key := poolKey(hc)
	j.mu.Lock()
	if j.m == nil {
		j.m = map[string]*sharedJump{}
	}
	sj := j.m[key]
	if sj != nil && sj.dialed() && sj.conn != nil && sj.conn.isEnded() {
		delete(j.m, key) // its transport ended: dial again
		sj = nil
	}
	if sj == nil {
		sj = &sharedJump{ready: make(chan struct{})}
		j.m[key] = sj
		sj.refs++
		j.mu.Unlock()
		conn, err := dial()
		j.mu.Lock()
		sj.conn, sj.err = conn, err
		if err != nil && j.m[key] == sj {
			delete(j.m, key)
		}
		j.mu.Unlock()
		close(sj.ready)
		if err != nil {
			return nil, nil, err
		}
		return conn, j.releaser(key, sj), nil
	}
	sj.refs++
	j.mu.Unlock()
	select {
	case <-sj.ready:
	case <-ctx.Done():
		j.releaser(key, sj)()
		return nil, nil, ctx.Err()
	}
	if sj.err != nil {
		j.releaser(key, sj)()
		return nil, nil, sj.err
	}
	return sj.conn, j.releaser(key, sj), nil
}

// dialed reports whether sj's dial has ended; sj.conn and sj.err may be
// read (under j.mu, or after ready) only then.
func (sj *sharedJump) dialed() bool {
	select {
	case <-sj.ready:
		return true
	default:
		return false
	}
}

// releaser gives back one use of sj, closing it when it was the last.
func (j *jumpConns) releaser(key string, sj *sharedJump) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			j.mu.Lock()
			sj.refs--
			last := sj.refs == 0
			if last && j.m[key] == sj {
				delete(j.m, key)
			}
			j.mu.Unlock()
			if last && sj.conn != nil {
				_ = sj.conn.Close()
			}
		})
	}
}
