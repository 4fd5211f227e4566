#!/usr/bin/env bash
# bench/fleet.sh: one sweep of `df -P` over N real OpenSSH hosts with pdsh,
# parallel-ssh (pssh), clush and serverstats (one-shot, and the daemon's
# steady sweep on pooled connections); prints wall, client CPU and peak RSS
# of each, and each peer's ratio to serverstats. See bench/README.md.
#
# Each host is an sshd in a network namespace of its own, with an address in
# 198.18.0.0/16 (the range RFC 2544 sets aside for benchmarks) that exists
# only inside the namespaces this script makes: the hosts' veths meet on a
# bridge in a client namespace, and every tool runs in that namespace. No
# traffic leaves them. The round-trip time is emulated by a delay relay
# (cmd/fleetbench) in front of each sshd, as this kernel has no netem.
#
# Needs root, iproute2, openssh-server/-client, pdsh, pssh, clustershell,
# GNU time and Go. Never run by CI. Everything it starts is stopped on exit
# (by PID, then by namespace name), within STOP_TIMEOUT.
#
# Settings (environment): N hosts (200), RTT_MS (50; 0: no relay), FANOUT
# connections at once for every tool (64, serverstats' largest ssh.parallel),
# TOOLS (pdsh pssh clush oneshot daemon), SWEEPS steady daemon sweeps to
# measure (3), EVERY seconds between daemon sweeps (5), TOOL_TIMEOUT (600),
# KEEP=1 keeps the work directory, DAEMON_GOMEMLIMIT sets the daemon's
# GOMEMLIMIT, PROFILE_DIR=DIR saves the daemon's CPU profile over the
# steady sweeps, and its heap and goroutine profiles while it holds every
# connection (from its loopback /debug/pprof).
#
# TOOLS=soak is the load test instead: one daemon running CMDS (5) commands
# on every host at @every EVERY seconds for SOAK_MIN (10) minutes, sampled
# every 30 s; it fails unless every tick of every command ran or was
# skipped by the overlap policy (counted), and the RSS, goroutines and open
# fds of the second half stay within 10 % (plus a small slack) of the
# first half's, after a 60 s warm-up.
set -euo pipefail

N=${N:-200}
RTT_MS=${RTT_MS:-50}
FANOUT=${FANOUT:-64}
TOOLS=${TOOLS:-pdsh pssh clush oneshot daemon}
SWEEPS=${SWEEPS:-3}
EVERY=${EVERY:-5}
TOOL_TIMEOUT=${TOOL_TIMEOUT:-600}
CMDS=${CMDS:-5}
SOAK_MIN=${SOAK_MIN:-10}
STOP_TIMEOUT=${STOP_TIMEOUT:-60}

[ -z "${PROFILE_DIR:-}" ] || PROFILE_DIR=$(realpath -m "$PROFILE_DIR") # the caller's directory, not the repo's
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "fleet.sh: needs root (network namespaces, sshd)" >&2; exit 2; }
if [ "$N" -lt 1 ] || [ "$N" -gt 1000 ]; then echo "fleet.sh: N must be 1..1000 (one bridge holds 1024 ports)" >&2; exit 2; fi
for c in ip /usr/sbin/sshd ssh ssh-keygen pdsh parallel-ssh clush /usr/bin/time go curl; do
  command -v "$c" >/dev/null || { echo "fleet.sh: $c missing: apt-get install iproute2 openssh-server openssh-client pdsh pssh clustershell time curl" >&2; exit 2; }
done

W=$(mktemp -d /tmp/fleetbench.XXXXXX)
P="fb$$"          # namespace prefix: ${P}c is the client, ${P}h1.. the hosts
C="${P}c"
PIDS=()           # every long-lived process this script started
NS_MADE=()        # every namespace this script made
NEIGH_SAVED=""    # the ARP table limits as they were, restored on exit

stop_all() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  echo "fleet.sh: stopping ${#PIDS[@]} processes and ${#NS_MADE[@]} namespaces" >&2
  (
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    sleep 1
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    # What sshd forked for connections still open: by namespace.
    for ns in "${NS_MADE[@]}"; do
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    done
    for ns in "${NS_MADE[@]}"; do echo "netns del $ns"; done | ip -force -batch - 2>/dev/null
    [ -z "$NEIGH_SAVED" ] || sysctl -q -w $NEIGH_SAVED
  ) &
  local stopper=$!
  ( sleep "$STOP_TIMEOUT"; kill -KILL "$stopper" 2>/dev/null ) &
  local guard=$!
  wait "$stopper"
  kill "$guard" 2>/dev/null
  wait "$guard" 2>/dev/null
  left=$(ip netns list 2>/dev/null | grep -c "^${P}[ch]" || true)
  [ "$left" -eq 0 ] || echo "fleet.sh: $left namespaces left (ip netns list | grep ^$P)" >&2
  if [ "${KEEP:-0}" = 1 ]; then echo "fleet.sh: kept $W" >&2; else rm -rf "$W"; fi
  exit $rc
}
trap stop_all EXIT
trap 'exit 130' INT TERM

addr() { echo "198.18.$(($1 / 250)).$(($1 % 250 + 2))"; }

echo "fleet.sh: N=$N rtt=${RTT_MS}ms fanout=$FANOUT tools: $TOOLS; work dir $W" >&2
go build -o "$W/serverstats" ./cmd/serverstats
go build -o "$W/fleetbench" ./cmd/fleetbench

# Keys: one host key for every sshd, one user key.
ssh-keygen -q -t ed25519 -N '' -f "$W/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$W/id_ed25519"
cp "$W/id_ed25519.pub" "$W/authorized_keys"
mkdir -p "$W/home" /run/sshd
hostpub=$(cut -d' ' -f1,2 "$W/hostkey.pub")
: >"$W/hosts"
: >"$W/known_hosts"
for i in $(seq 1 "$N"); do
  a=$(addr "$i")
  echo "$a" >>"$W/hosts"
  echo "$a $hostpub" >>"$W/known_hosts"
done

# The kernel's one ARP table holds every namespace's entries (2 per host
# here); its default hard limit (1024) would drop hosts past N=~500 with "no
# route to host". Raised for the run, restored on exit.
neigh=net.ipv4.neigh.default
NEIGH_SAVED=$(for k in 1 2 3; do printf '%s=%s ' "$neigh.gc_thresh$k" "$(sysctl -n "$neigh.gc_thresh$k")"; done)
sysctl -q -w "$neigh.gc_thresh1=$((4 * N + 1024))" "$neigh.gc_thresh2=$((4 * N + 2048))" "$neigh.gc_thresh3=$((4 * N + 4096))"

# Namespaces: the client with a bridge, and a host per veth.
{
  echo "netns add $C"
  for i in $(seq 1 "$N"); do echo "netns add ${P}h$i"; done
} | ip -batch -
NS_MADE=("$C")
for i in $(seq 1 "$N"); do NS_MADE+=("${P}h$i"); done
{
  echo "link set lo up"
  echo "link add br0 type bridge"
  echo "link set br0 up"
  echo "addr add 198.18.255.254/16 dev br0"
  for i in $(seq 1 "$N"); do
    echo "link add v$i type veth peer name eth0 netns ${P}h$i"
    echo "link set v$i master br0 up"
  done
} | ip -n "$C" -batch -
for i in $(seq 1 "$N"); do
  printf 'link set lo up\nlink set eth0 up\naddr add %s/16 dev eth0\n' "$(addr "$i")" | ip -n "${P}h$i" -batch -
done

# sshd: on the host's address, or behind the relay on its 127.0.0.1.
cat >"$W/sshd_config" <<EOF
Port 22
HostKey $W/hostkey
AuthorizedKeysFile $W/authorized_keys
PidFile none
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin yes
PrintMotd no
PrintLastLog no
UseDNS no
MaxStartups 1000:30:2000
MaxSessions 100
LogLevel ERROR
SetEnv HOME=$W/home
EOF
listen_on() { if [ "$RTT_MS" -gt 0 ]; then echo 127.0.0.1; else addr "$1"; fi; }
for i in $(seq 1 "$N"); do
  ip netns exec "${P}h$i" /usr/sbin/sshd -D -f "$W/sshd_config" -o "ListenAddress=$(listen_on "$i")" -E "$W/sshd.log" </dev/null &
  PIDS+=($!)
done
if [ "$RTT_MS" -gt 0 ]; then
  for i in $(seq 1 "$N"); do echo "${P}h$i $(addr "$i"):22 127.0.0.1:22"; done >"$W/relay.spec"
  "$W/fleetbench" relay -delay "$((RTT_MS * 1000 / 2))us" -spec "$W/relay.spec" >"$W/relay.out" 2>&1 </dev/null &
  PIDS+=($!)
  for _ in $(seq 1 200); do grep -q ready "$W/relay.out" 2>/dev/null && break; sleep 0.1; done
  grep -q ready "$W/relay.out" || { echo "fleet.sh: relay not ready:"; cat "$W/relay.out"; exit 1; } >&2
fi
# Every host answers with an SSH banner from the client namespace.
ip netns exec "$C" bash -c '
  deadline=$((SECONDS + 60))
  while read -r a; do
    until timeout 2 bash -c "exec 3<>/dev/tcp/$a/22; head -c 4 <&3" 2>/dev/null | grep -q SSH-; do
      [ $SECONDS -lt $deadline ] || { echo "fleet.sh: $a not answering" >&2; exit 1; }
      sleep 0.2
    done
  done' <"$W/hosts"
echo "fleet.sh: $N hosts up" >&2

# The OpenSSH client's settings for pdsh, pssh and clush.
cat >"$W/ssh_config" <<EOF
Host *
  User root
  IdentityFile $W/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $W/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 30
EOF
# serverstats: one command on every host.
{
  cat <<EOF
ssh:
  user: root
  known-hosts: $W/known_hosts
  identity-files: [$W/id_ed25519]
  host-key-policy: strict
  connect-timeout: 30s
  parallel: $FANOUT
daemon:
  listen: 127.0.0.1:9920
  log-format: json
  log-file: $W/daemon.log
groups:
  fleet:
EOF
  sed 's/^/    - /' "$W/hosts"
  cat <<EOF
commands:
  df:
    servers: [fleet]
    cmd: df -P
    schedule: "*/$EVERY * * * * *"
EOF
  if [[ " $TOOLS " == *" soak "* ]]; then
    extra=("uptime" "free -k" "cat /proc/loadavg" "ps -e -o pid,rss,comm" "ls -l /etc" "who" "id" "cat /proc/meminfo")
    for i in $(seq 1 $((CMDS - 1))); do
      printf '  c%d:\n    servers: [fleet]\n    cmd: %s\n    schedule: "@every %ss"\n' "$i" "${extra[$(((i - 1) % ${#extra[@]}))]}" "$EVERY"
    done
  fi
} >"$W/serverstats.yaml"

# run NAME CMD...: runs CMD in the client namespace under GNU time; leaves
# "wall user sys maxrss_kb" in $W/NAME.time and the output in $W/NAME.out.
run() {
  local name=$1; shift
  echo "fleet.sh: $name" >&2
  timeout -k 5 "$TOOL_TIMEOUT" ip netns exec "$C" /usr/bin/time -f '%e %U %S %M' -o "$W/$name.time" "$@" >"$W/$name.out" 2>"$W/$name.err" || true
}
# hosts_in FILE: how many hosts' df output ("HOST: Filesystem ...") FILE has.
hosts_in() { grep -E '^[0-9.]+: *Filesystem' "$1" | cut -d: -f1 | sort -u | wc -l; }

declare -A WALL CPU RSS OK
record() { # NAME OK
  local name=$1 ok=$2
  if [ ! -s "$W/$name.time" ]; then WALL[$name]=nan CPU[$name]=nan RSS[$name]=nan OK[$name]=$ok; return; fi
  read -r wall user sys rss < <(tail -1 "$W/$name.time")
  WALL[$name]=$wall
  CPU[$name]=$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}')
  RSS[$name]=$(awk -v k="$rss" 'BEGIN{printf "%.0f", k/1024}')
  OK[$name]=$ok
}

for tool in $TOOLS; do
  case $tool in
  pdsh)
    PDSH_SSH_ARGS_APPEND="-F $W/ssh_config" run pdsh pdsh -R ssh -f "$FANOUT" -l root -w "^$W/hosts" df -P
    record pdsh "$(hosts_in "$W/pdsh.out")" ;;
  pssh)
    run pssh parallel-ssh -P -p "$FANOUT" -t 0 -l root -h "$W/hosts" -x "-F $W/ssh_config" df -P
    record pssh "$(hosts_in "$W/pssh.out")" ;;
  clush)
    run clush clush -f "$FANOUT" -l root --hostfile "$W/hosts" -o "-F $W/ssh_config" df -P
    record clush "$(hosts_in "$W/clush.out")" ;;
  oneshot)
    run oneshot "$W/serverstats" -c "$W/serverstats.yaml" --state "$W/oneshot.state" --raw df
    record oneshot "$(grep -c '^Filesystem' "$W/oneshot.out" || true)" ;;
  daemon)
    echo "fleet.sh: daemon (first sweep, then $SWEEPS steady sweeps every ${EVERY}s)" >&2
    ip netns exec "$C" env ${DAEMON_GOMEMLIMIT:+GOMEMLIMIT=$DAEMON_GOMEMLIMIT} "$W/serverstats" run -c "$W/serverstats.yaml" --state "$W/daemon.state" >"$W/daemon.out" 2>&1 </dev/null &
    dpid=$!
    PIDS+=("$dpid")
    # The log file gets the date appended (daily rotation).
    runs() { cat "$W"/daemon.log* 2>/dev/null | grep -c '"msg":"run"' || true; }
    cputicks() { awk '{print $14 + $15}' "/proc/$dpid/stat"; }
    # The hosts' CPU ticks: every process in the hosts' namespaces (sshd,
    # with the sessions and shells it has reaped). Not the machine's: other
    # work may share it.
    for i in $(seq 1 "$N"); do echo "/run/netns/${P}h$i"; done | xargs stat -L -c 'net:[%i]' >"$W/host_ns"
    busyticks() {
      local t=0 p ns
      for p in /proc/[0-9]*; do
        ns=$(readlink "$p/ns/net" 2>/dev/null) || continue
        [ "$ns" = "$root_ns" ] && continue
        grep -qxF "$ns" "$W/host_ns" || continue
        t=$((t + $(awk '{print $14 + $15 + $16 + $17}' "$p/stat" 2>/dev/null || echo 0)))
      done
      echo "$t"
    }
    root_ns=$(readlink /proc/self/ns/net)
    deadline=$((SECONDS + TOOL_TIMEOUT))
    until [ "$(runs)" -ge 1 ]; do
      [ $SECONDS -lt $deadline ] && kill -0 "$dpid" 2>/dev/null || { echo "fleet.sh: daemon made no run" >&2; cat "$W/daemon.out" >&2; exit 1; }
      sleep 0.2
    done
    first=$(cat "$W"/daemon.log* | grep '"msg":"run"' | head -1)
    r0=$(runs); c0=$(cputicks); m0=$(busyticks)
    if [ -n "${PROFILE_DIR:-}" ]; then # a CPU profile over the steady sweeps
      mkdir -p "$PROFILE_DIR"
      ip netns exec "$C" curl -sf --max-time $((SWEEPS * EVERY + 60)) -o "$PROFILE_DIR/daemon-N$N.cpu" "http://127.0.0.1:9920/debug/pprof/profile?seconds=$((SWEEPS * EVERY))" &
      cpid=$!
      PIDS+=("$cpid")
    fi
    until [ "$(runs)" -ge $((r0 + SWEEPS)) ]; do
      [ $SECONDS -lt $deadline ] || { echo "fleet.sh: daemon sweeps too slow" >&2; exit 1; }
      sleep 0.1
    done
    c1=$(cputicks); m1=$(busyticks); r1=$(runs)
    hz=$(getconf CLK_TCK)
    steady=$(cat "$W"/daemon.log* | grep '"msg":"run"' | tail -n +$((r0 + 1)) | head -n $((r1 - r0)))
    # The median sweep's duration (JSON log: nanoseconds) and its hosts_ok.
    WALL[daemon]=$(echo "$steady" | sed -E 's/.*"duration":([0-9]+).*/\1/' |
      sort -n | awk '{a[NR]=$1} END{printf "%.2f", a[int((NR+1)/2)] / 1e9}')
    OK[daemon]=$(echo "$steady" | sed -E 's/.*"hosts_ok":([0-9]+).*/\1/' | sort -n | head -1)
    CPU[daemon]=$(awk -v a="$c0" -v b="$c1" -v n=$((r1 - r0)) -v hz="$hz" 'BEGIN{printf "%.3f", (b - a) / hz / n}')
    RSS[daemon]=$(awk '/^VmHWM/{printf "%.0f", $2/1024}' "/proc/$dpid/status")
    RSS_NOW=$(awk '/^VmRSS/{printf "%.0f", $2/1024}' "/proc/$dpid/status")
    FIRST_DUR=$(echo "$first" | sed -E 's/.*"duration":([0-9]+).*/\1/' | awk '{printf "%.1f s", $1 / 1e9}')
    MACHINE_CPU=$(awk -v a="$m0" -v b="$m1" -v n=$((r1 - r0)) -v hz="$hz" 'BEGIN{printf "%.2f", (b - a) / hz / n}')
    ip netns exec "$C" curl -s http://127.0.0.1:9920/metrics >"$W/daemon.metrics" || true
    if [ -n "${PROFILE_DIR:-}" ]; then # the daemon's heap and goroutines, holding every connection
      wait "$cpid" || echo "fleet.sh: the CPU profile failed" >&2 # it ends just after the last sweep
      for prof in heap goroutine; do
        ip netns exec "$C" curl -sf --max-time 60 -o "$PROFILE_DIR/daemon-N$N.$prof" "http://127.0.0.1:9920/debug/pprof/$prof" || echo "fleet.sh: the $prof profile failed" >&2
      done
      echo "fleet.sh: profiles in $PROFILE_DIR (go tool pprof -top -sample_index=inuse_space $PROFILE_DIR/daemon-N$N.heap)" >&2
    fi
    GOSTATS=$(awk '$1 ~ /^(go_goroutines|go_memstats_heap_alloc_bytes|go_memstats_heap_inuse_bytes|go_memstats_stack_inuse_bytes|go_memstats_sys_bytes|go_memstats_next_gc_bytes)$/ {
      printf "%s %s; ", $1, ($1 == "go_goroutines" ? $2 : sprintf("%.1f MB", $2 / 1048576))}' "$W/daemon.metrics")
    kill -TERM "$dpid"; wait "$dpid" 2>/dev/null || true ;;
  soak)
    echo "fleet.sh: soak: $CMDS commands on $N hosts @every ${EVERY}s for $SOAK_MIN min" >&2
    ip netns exec "$C" "$W/serverstats" run -c "$W/serverstats.yaml" --state "$W/soak.state" >"$W/soak.out" 2>&1 </dev/null &
    dpid=$!
    PIDS+=("$dpid")
    metric() { ip netns exec "$C" curl -s --max-time 5 http://127.0.0.1:9920/metrics; }
    sleep 60 # warm-up: the first sweeps make the connections
    t0=$SECONDS
    m0=$(metric)
    : >"$W/soak.samples"
    while [ $((SECONDS - t0)) -lt $((SOAK_MIN * 60)) ]; do
      kill -0 "$dpid" 2>/dev/null || { echo "fleet.sh: the daemon died" >&2; cat "$W/soak.out" >&2; exit 1; }
      m=$(metric)
      printf '%d %s %s %s\n' $((SECONDS - t0)) \
        "$(awk '/^VmRSS/{print $2}' "/proc/$dpid/status")" \
        "$(echo "$m" | awk '$1 == "go_goroutines" {print $2}')" \
        "$(ls "/proc/$dpid/fd" | wc -l)" >>"$W/soak.samples"
      sleep 30
    done
    m1=$(metric)
    elapsed=$((SECONDS - t0))
    kill -TERM "$dpid"; wait "$dpid" 2>/dev/null || true
    echo
    echo "Soak: N=$N, $CMDS commands @every ${EVERY}s, $elapsed s measured after a 60 s warm-up; $(nproc) cores; $(date -u +%Y-%m-%d)"
    echo
    echo "| s | RSS MB | goroutines | open fds |"
    echo "|---|---|---|---|"
    awk '{printf "| %d | %.1f | %d | %d |\n", $1, $2 / 1024, $3, $4}' "$W/soak.samples"
    echo
    # count METRICS NAME COMMAND: the counter's value for the command.
    count() { echo "$1" | awk -v n="$2" -v c="command=\"$3\"" '$1 ~ "^" n "[{]" && index($1, c) {print $2; f = 1} END {if (!f) print 0}'; }
    fail=0
    echo "| command | ticks due | runs | skipped |"
    echo "|---|---|---|---|"
    for c in df $(seq -f 'c%g' 1 $((CMDS - 1))); do
      runs=$(awk -v a="$(count "$m0" serverstats_runs_total "$c")" -v b="$(count "$m1" serverstats_runs_total "$c")" 'BEGIN{print b - a}')
      skipped=$(awk -v a="$(count "$m0" serverstats_runs_skipped_total "$c")" -v b="$(count "$m1" serverstats_runs_skipped_total "$c")" 'BEGIN{print b - a}')
      due=$((elapsed / EVERY))
      echo "| $c | $due | $runs | $skipped |"
      awk -v r="$runs" -v s="$skipped" -v d="$due" 'BEGIN{exit !(r + s >= d - 2 && r + s <= d + 2)}' || { echo "fleet.sh: $c: $runs runs + $skipped skipped for $due ticks" >&2; fail=1; }
    done
    # Flat: the second half's peak within 10 % (+ slack) of the first half's.
    awk -v half=$((elapsed / 2)) '
      $1 < half { if ($2 > r0) r0 = $2; if ($3 > g0) g0 = $3; if ($4 > f0) f0 = $4 }
      $1 >= half { if ($2 > r1) r1 = $2; if ($3 > g1) g1 = $3; if ($4 > f1) f1 = $4 }
      END {
        bad = 0
        if (r1 > r0 * 1.10 + 4096) { print "fleet.sh: RSS grew: " r0 " KiB -> " r1 " KiB" > "/dev/stderr"; bad = 1 }
        if (g1 > g0 * 1.10 + 20) { print "fleet.sh: goroutines grew: " g0 " -> " g1 > "/dev/stderr"; bad = 1 }
        if (f1 > f0 * 1.10 + 10) { print "fleet.sh: open fds grew: " f0 " -> " f1 > "/dev/stderr"; bad = 1 }
        exit bad
      }' "$W/soak.samples" || fail=1
    [ $fail -eq 0 ] && echo "soak: every tick ran or was skipped; RSS, goroutines and fds flat" || KEEP=1
    exit $fail ;;
  *) echo "fleet.sh: unknown tool $tool" >&2; exit 2 ;;
  esac
done

# The table: ratios are the peer's figure over serverstats one-shot's.
ref=oneshot
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b + 0 > 0 && a != "nan") printf "%.1f", a / b; else printf "-" }'; }
echo
echo "N=$N, rtt ${RTT_MS} ms, fanout $FANOUT, \`df -P\`; $(nproc) cores; $(date -u +%Y-%m-%d)"
echo
echo "| tool | hosts ok | wall s | client CPU s | CPU ms/host | peak RSS MB | wall ÷ serverstats | CPU ÷ serverstats |"
echo "|---|---|---|---|---|---|---|---|"
for tool in $TOOLS; do
  [ "$tool" = daemon ] && continue
  label=$tool; [ "$tool" = oneshot ] && label="serverstats one-shot"
  perhost=$(awk -v c="${CPU[$tool]}" -v n="$N" 'BEGIN{ if (c != "nan") printf "%.2f", c * 1000 / n; else printf "-" }')
  echo "| $label | ${OK[$tool]}/$N | ${WALL[$tool]} | ${CPU[$tool]} | $perhost | ${RSS[$tool]} | $(ratio "${WALL[$tool]}" "${WALL[$ref]:-0}") | $(ratio "${CPU[$tool]}" "${CPU[$ref]:-0}") |"
done
if [[ " $TOOLS " == *" daemon "* ]]; then
  perhost=$(awk -v c="${CPU[daemon]}" -v n="$N" 'BEGIN{printf "%.3f", c * 1000 / n}')
  echo "| serverstats daemon, steady sweep (median of $SWEEPS) | ${OK[daemon]}/$N | ${WALL[daemon]} | ${CPU[daemon]} per sweep | $perhost | ${RSS[daemon]} peak, $RSS_NOW now | | |"
  echo
  echo "daemon: first sweep (N handshakes) $FIRST_DUR; hosts' CPU per steady sweep (sshd, sessions, shells, df) ${MACHINE_CPU} s${DAEMON_GOMEMLIMIT:+; GOMEMLIMIT=$DAEMON_GOMEMLIMIT}"
  echo "daemon /metrics at the end: $GOSTATS"
fi
fail=0
for tool in $TOOLS; do [ "${OK[$tool]}" = "$N" ] || { echo "fleet.sh: $tool got ${OK[$tool]} of $N outputs (see $W/$tool.err)" >&2; fail=1; KEEP=1; }; done
exit $fail
