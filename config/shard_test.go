package config

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// hostNames are n host names shaped like a fleet's.
func hostNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("web%d.dc%d.example.com", i, i%3)
	}
	return out
}

func TestShardEveryHostOwnedOnce(t *testing.T) {
	hosts := hostNames(2000)
	for n := 1; n <= 8; n++ {
		perShard := make([]int, n+1)
		for _, h := range hosts {
			owners := 0
			for k := 1; k <= n; k++ {
				if (Shard{K: k, N: n}).Owns(h) {
					owners++
					perShard[k]++
				}
			}
			if owners != 1 {
				t.Fatalf("N=%d: host %s owned by %d shards, want 1", n, h, owners)
			}
		}
		// Each shard gets its share: within 25% of len/n for 2,000 hosts.
		for k := 1; k <= n; k++ {
			if want := float64(len(hosts)) / float64(n); math.Abs(float64(perShard[k])-want) > want/4 {
				t.Errorf("N=%d: shard %d owns %d hosts, want about %.0f", n, k, perShard[k], want)
			}
		}
	}
}

func TestShardMovementWhenNGrows(t *testing.T) {
	hosts := hostNames(10000)
	for n := 1; n <= 8; n++ {
		moved := 0
		for _, h := range hosts {
			before, after := ShardOf(h, n), ShardOf(h, n+1)
			if before != after {
				moved++
				if after != n+1 {
					t.Fatalf("N=%d→%d: %s moved from shard %d to %d; only moves to the new shard are expected", n, n+1, h, before, after)
				}
			}
		}
		frac, want := float64(moved)/float64(len(hosts)), 1/float64(n+1)
		t.Logf("N=%d→%d: %.2f%% of 10,000 hosts moved (ideal %.2f%%)", n, n+1, 100*frac, 100*want)
		if math.Abs(frac-want) > 0.02 {
			t.Errorf("N=%d→%d: %.4f of the hosts moved, want %.4f ± 0.02", n, n+1, frac, want)
		}
	}
}

// The weights are part of the config's meaning: a change would move hosts
// between shards on upgrade. These values were recorded when the hash was
// chosen.
func TestShardWeightIsStable(t *testing.T) {
	for _, c := range []struct {
		host string
		i    int
		want uint64
	}{
		{"web1", 1, 0x83ea653b202fab78},
		{"web1", 2, 0xbce78fbaef5efb5f},
		{"deploy@web2.example.com:2222", 3, 0xd7c4116281af86b7},
	} {
		if got := ShardWeight(c.host, c.i); got != c.want {
			t.Errorf("ShardWeight(%q, %d) = %#x, want %#x", c.host, c.i, got, c.want)
		}
		// And as documented: the standard library's FNV-1a 64, then SplitMix64's finalizer.
		f := fnv.New64a()
		f.Write([]byte(c.host + "\x00" + strconv.Itoa(c.i)))
		z := f.Sum64()
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		if z ^= z >> 31; z != c.want {
			t.Errorf("FNV-1a 64 + SplitMix64 of %q = %#x, want %#x", c.host, z, c.want)
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Shard
		bad  bool
	}{
		{"1/1", Shard{1, 1}, false},
		{"2/3", Shard{2, 3}, false},
		{" 3/3 ", Shard{3, 3}, false},
		{"0/3", Shard{}, true},
		{"4/3", Shard{}, true},
		{"1/0", Shard{}, true},
		{"2", Shard{}, true},
		{"a/b", Shard{}, true},
		{"-1/3", Shard{}, true},
	} {
		got, err := ParseShard(c.in)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v, bad=%v", c.in, got, err, c.want, c.bad)
		}
	}
}

func TestShardKeyInConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const cmds = "commands:\n  up:\n    cmd: uptime\n    servers: [fleet]\ngroups:\n  fleet: [web1, web2, web3, web4, web5, web6]\n"
	cfg, err := Load(write("good.yaml", "shard: 2/3\n"+cmds))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Shard != (Shard{2, 3}) {
		t.Fatalf("shard = %v, want 2/3", cfg.Shard)
	}
	want := 0
	for _, h := range []string{"web1", "web2", "web3", "web4", "web5", "web6"} {
		if ShardOf(h, 3) == 2 {
			want++
		}
	}
	if got := cfg.Shard.Hosts(cfg); got != want || len(cfg.Shard.Targets(cfg.Commands[0].Targets)) != want {
		t.Errorf("shard 2/3 has %d hosts, want %d", got, want)
	}
	_, err = Load(write("bad.yaml", "shard: 4/3\n"+cmds))
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("want config errors, got %v", err)
	}
	const wantErr = `bad.yaml:1: shard: not a shard K/N with 1 ≤ K ≤ N (got "4/3"); fix: write e.g. shard: 1/3`
	if got := strings.TrimPrefix(es[0].Error(), dir+"/"); !strings.HasPrefix(got, wantErr) {
		t.Errorf("error:\n got  %s\n want %s...", got, wantErr)
	}
}
