package config

import (
	"fmt"
	"strconv"
	"strings"

	"serverstats/collectors"
)

// Shard is the part of the fleet one serverstats instance watches when
// several split it: shard K of N (1 ≤ K ≤ N). The zero Shard (N == 0) is
// the whole fleet.
//
// Hosts are assigned by rendezvous (highest random weight) hashing of the
// host as written in the config (Target.Name): host h belongs to the shard
// i in 1..N whose ShardWeight(h, i) is the highest. Every instance computes
// the same owner from the config alone, each host has exactly one owner,
// and going from N to N+1 shards moves only the hosts whose new top weight
// is shard N+1, about 1/(N+1) of them.
type Shard struct {
	K, N int
}

// ParseShard reads "K/N", e.g. "2/3".
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	ki, err1 := strconv.Atoi(k)
	ni, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || ni < 1 || ki < 1 || ki > ni {
		return Shard{}, fmt.Errorf("not a shard K/N with 1 ≤ K ≤ N: %q", s)
	}
	return Shard{K: ki, N: ni}, nil
}

// String is "K/N", or "" for the whole fleet.
func (s Shard) String() string {
	if s.N == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}

// Owns reports whether host (a target name) belongs to the shard. The zero
// Shard and 1/1 own every host.
func (s Shard) Owns(host string) bool {
	return s.N <= 1 || ShardOf(host, s.N) == s.K
}

// Targets returns the targets of ts that the shard owns, in their order.
func (s Shard) Targets(ts []collectors.Target) []collectors.Target {
	if s.N <= 1 {
		return ts
	}
	out := make([]collectors.Target, 0, len(ts)/s.N+1)
	for _, t := range ts {
		if s.Owns(t.Name) {
			out = append(out, t)
		}
	}
	return out
}

// Hosts counts the distinct hosts of cfg's commands that the shard owns.
func (s Shard) Hosts(cfg *Config) int {
	seen := map[string]bool{}
	for _, c := range cfg.Commands {
		for _, t := range s.Targets(c.Targets) {
			seen[t.Name] = true
		}
	}
	return len(seen)
}

// ShardOf is the shard (1..n) that owns host among n: the one of highest
// ShardWeight, the lower number on a tie.
func ShardOf(host string, n int) int {
	best, owner := uint64(0), 1
	for i := 1; i <= n; i++ {
		if w := ShardWeight(host, i); i == 1 || w > best {
			best, owner = w, i
		}
	}
	return owner
}

// ShardWeight is the rendezvous weight of host for shard i: FNV-1a 64 of
// the host name, a zero byte and i in decimal, then the SplitMix64
// finalizer (so that names differing in one character spread over all 64
// bits). This function is part of the config's meaning: changing it would
// move hosts between shards on upgrade, so it is fixed (and tested against
// recorded values).
func ShardWeight(host string, i int) uint64 {
	const (
		offset64 = 14695981039346656037
		prime64  = 1099511628211
	)
	h := uint64(offset64)
	for _, b := range []byte(host + "\x00" + strconv.Itoa(i)) {
		h ^= uint64(b)
		h *= prime64
	}
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}
