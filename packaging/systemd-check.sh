#!/usr/bin/env bash
# Checks the .deb under a real systemd as PID 1, as the README's Install
# section promises: a minimal Debian rootfs (debootstrap, from the Debian
# mirror this machine's apt uses), booted with systemd-nspawn on a private
# network (loopback only), the package installed with apt, the service
# enabled, then: Type=notify (active only after READY=1), reload through
# RELOADING=1/READY=1, watchdog pings, the hardening leaving ~/.ssh readable
# and writable (a real sshd in the container, key login, accept-new adding
# to known_hosts) and the state writable, man page, bash completion,
# `serverstats schema`, and `systemctl stop` (STOPPING=1, exit 0).
#
#   sudo packaging/systemd-check.sh [DEB]    (default: build one with build-deb.sh)
#
# SYSTEMD_CHECK_ROOTFS=DIR copies a rootfs made before (the debootstrap line
# below) instead of making one; it is left as it was.
#
# Needs root, debootstrap and systemd-container (scripts/test installs them).
# Bounded: each wait has a limit, and the whole run stops after
# $CHECK_TIMEOUT seconds (default 600). It removes what it made: the
# container it booted (by the PID of its systemd-nspawn) and the rootfs.
# Prints "systemd-check: OK" and exits 0 when every check passed.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "systemd-check: FAIL: $*" >&2; exit 1; }
step() { printf '\n== %s\n' "$*"; }

[ "$(id -u)" -eq 0 ] || fail "run as root (it boots a container with systemd-nspawn): sudo $0"
for tool in debootstrap:debootstrap systemd-nspawn:systemd-container nsenter:util-linux; do
  command -v "${tool%%:*}" >/dev/null || fail "${tool%%:*} is needed: apt-get install ${tool##*:} (scripts/test does)"
done

start=$(date +%s)
deadline=$((start + ${CHECK_TIMEOUT:-600}))
work=$(mktemp -d /var/tmp/serverstats-systemd-check.XXXXXX)
root=$work/root
nspawn_pid=""

cleanup() {
  local rc=$?
  if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
    kill -TERM "$nspawn_pid" 2>/dev/null || true # nspawn powers the container off
    for _ in $(seq 60); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$nspawn_pid" 2>/dev/null || true
    wait "$nspawn_pid" 2>/dev/null || true
  fi
  # Nothing may stay mounted below the rootfs before it is removed.
  if findmnt -rn -o TARGET | grep -q "^$work/"; then
    findmnt -rn -o TARGET | grep "^$work/" | sort -r | xargs -r -n1 umount -l || true
  fi
  rm -rf --one-file-system "$work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

left() { echo $((deadline - $(date +%s))); }
# waitfor SECONDS DESCRIPTION CMD...: runs CMD every half second until it
# succeeds, at most SECONDS (and never past the deadline).
waitfor() {
  local limit=$1 what=$2; shift 2
  local end=$(($(date +%s) + limit))
  [ "$end" -le "$deadline" ] || end=$deadline
  until "$@"; do
    [ "$(date +%s)" -lt "$end" ] || fail "$what: not within ${limit}s"
    sleep 0.5
  done
}

# The package.
deb=${1:-}
if [ -z "$deb" ]; then
  step "build the .deb"
  deb=$(timeout "$(left)" bash packaging/build-deb.sh "$work/dist" | tail -n1)
fi
[ -f "$deb" ] || fail "no .deb at $deb"
echo "$deb"

# A minimal Debian of this machine's release, from the mirror its apt uses.
# procps: in every standard install (the package depends on it); openssh-server:
# a real sshd on the container's loopback for the ~/.ssh check.
. /etc/os-release
mirror=$(apt-get indextargets --format '$(ORIGIN)|$(RELEASE)|$(REPO_URI)' 'Identifier: Packages' 2>/dev/null |
  awk -F'|' -v s="${VERSION_CODENAME:-}" '$1 == "Debian" && $2 == s { print $3; exit }')
[ -n "$mirror" ] || fail "no Debian mirror for the suite '${VERSION_CODENAME:-}' in this machine's apt sources (apt-get indextargets); run apt-get update first"
t0=$(date +%s)
if [ -n "${SYSTEMD_CHECK_ROOTFS:-}" ]; then
  step "copy the rootfs $SYSTEMD_CHECK_ROOTFS"
  cp -a "$SYSTEMD_CHECK_ROOTFS" "$root"
else
  step "debootstrap $VERSION_CODENAME (minbase + systemd) from $mirror"
  timeout "$(left)" debootstrap --variant=minbase \
    --include=systemd,systemd-sysv,dbus,procps,man-db,bash-completion,openssh-client,openssh-server \
    "$VERSION_CODENAME" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log"; fail "debootstrap failed (log above)"; }
fi
echo "rootfs in $(($(date +%s) - t0))s"
cp "$deb" "$root/root/"

step "boot it: systemd-nspawn -b (private network: loopback only)"
machine="serverstats-check-$$"
systemd-nspawn -q -b -D "$root" --machine="$machine" --register=no --keep-unit \
  --private-network --console=pipe </dev/null >"$work/console.log" 2>&1 &
nspawn_pid=$!
leader=""
findleader() {
  kill -0 "$nspawn_pid" 2>/dev/null || { cat "$work/console.log"; fail "systemd-nspawn exited (console above)"; }
  # nspawn's child that runs systemd (an earlier one only sets up).
  leader=$(ps -o pid=,comm= --ppid "$nspawn_pid" | awk '$2 == "systemd" { print $1; exit }')
  [ -n "$leader" ]
}
waitfor 30 "the container's PID 1" findleader
journal() { ct journalctl --no-pager -o cat "$@"; }
# ct CMD...: runs CMD inside the container, with a clean environment, for at
# most 2 minutes.
ct() { timeout 120 nsenter -t "$leader" -a -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C.UTF-8 "$@"; }
[ "$(ct cat /proc/1/comm)" = systemd ] || fail "PID 1 of the container is not systemd"
boot=$(ct timeout 90 systemctl is-system-running --wait || true)
echo "PID 1: $(ct readlink /proc/1/exe), $(ct systemctl --version | head -n1); boot: $boot"
case $boot in running | degraded) ;; *) fail "the container did not finish booting: $boot" ;; esac
# Debug logging: the journal then shows each sd_notify message systemd gets.
ct systemctl log-level debug

step "apt install ./$(basename "$deb"); systemctl enable --now serverstats"
ct sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -q /root/$(basename "$deb")" >"$work/apt.log" 2>&1 ||
  { tail -n 20 "$work/apt.log"; fail "apt install failed (log above)"; }
ct test -s /etc/serverstats/env || fail "postinst wrote no /etc/serverstats/env (the status page token)"
ct systemctl enable --now serverstats
state=$(ct systemctl is-active serverstats || true)
echo "is-active after enable --now: $state"
[ "$state" = active ] || { ct journalctl -u serverstats --no-pager | tail -n 30; fail "serverstats is $state, not active"; }
main=$(ct systemctl show -p MainPID --value serverstats)
if journal -u serverstats | grep 'level=ERROR'; then fail "the service logs errors on a fresh install (above)"; fi
# The status page token postinst made: root's alone, and never logged.
token=$(ct sed -n 's/^SERVERSTATS_PAGE_TOKEN=//p' /etc/serverstats/env)
[ "${#token}" -ge 32 ] || fail "/etc/serverstats/env has no SERVERSTATS_PAGE_TOKEN of 32+ characters"
[ "$(ct stat -c %a:%U /etc/serverstats/env)" = 600:root ] || fail "/etc/serverstats/env is not 0600 root"
if ct runuser -u serverstats -- cat /etc/serverstats/env >/dev/null 2>&1; then fail "the serverstats user can read /etc/serverstats/env"; fi

# Active only after READY=1: systemd logged the daemon's READY=1 before it
# changed start -> running, and the daemon's own log of its first load and
# scheduler start ("serverstats running") is older than ActiveEnterTimestamp.
readyline=$(journal -u serverstats | grep -n "Got notification message from PID $main (READY=1)" | head -n1 | cut -d: -f1)
runline=$(journal -u serverstats | grep -n "Changed start -> running" | head -n1 | cut -d: -f1)
[ -n "$readyline" ] && [ -n "$runline" ] && [ "$readyline" -lt "$runline" ] ||
  { journal -u serverstats | tail -n 40; fail "systemd did not log READY=1 from PID $main before start -> running"; }
loaded=$(journal -u serverstats | sed -n 's/^time=\([^ ]*\) .*msg="serverstats running".*/\1/p' | head -n1)
entered=$(ct systemctl show -p ActiveEnterTimestamp --value --timestamp=us+utc serverstats)
loaded_us=$(date -u -d "$loaded" +%s%6N) entered_us=$(date -u -d "${entered% UTC}Z" +%s%6N)
echo "daemon loaded its config and started its scheduler at $loaded; ActiveEnterTimestamp=$entered"
[ "$loaded_us" -le "$entered_us" ] || fail "the unit became active ($entered) before the daemon had loaded its config ($loaded)"
journal -u serverstats | grep -E "READY=1|start -> running" | head -n2

# The negative control: without $NOTIFY_SOCKET the same daemon never says
# READY=1, and systemd keeps the unit activating (it does wait for us) after
# the daemon has logged its start, when it would have said it.
step "control: with NOTIFY_SOCKET unset the unit stays activating"
ct sh -c 'mkdir -p /run/systemd/system/serverstats.service.d && printf "[Service]\nUnsetEnvironment=NOTIFY_SOCKET\nTimeoutStartSec=60s\nRestart=no\n" >/run/systemd/system/serverstats.service.d/control.conf && systemctl daemon-reload'
starts() { journal -u serverstats | grep -c 'msg="serverstats running"' || true; }
before=$(starts)
ct systemctl restart --no-block serverstats
startedagain() { [ "$(starts)" -gt "$before" ]; }
waitfor 30 "the daemon's start without NOTIFY_SOCKET" startedagain
sleep 2
ctl=$(ct systemctl show -p ActiveState -p SubState --value serverstats | paste -sd/)
echo "2s after the daemon logged its start without NOTIFY_SOCKET: $ctl"
[ "$ctl" = activating/start ] || fail "without READY=1 the unit is $ctl, want activating/start"
ct systemctl stop serverstats
ct rm -r /run/systemd/system/serverstats.service.d
ct systemctl daemon-reload
ct systemctl restart serverstats
[ "$(ct systemctl is-active serverstats || true)" = active ] || fail "serverstats not active after the control"
main=$(ct systemctl show -p MainPID --value serverstats)

step "the shipped config's commands run on this machine as serverstats"
for c in $(ct runuser -u serverstats -- serverstats -c /etc/serverstats/config.yaml completion commands); do
  rc=0; out=$(ct runuser -u serverstats -- serverstats -c /etc/serverstats/config.yaml "$c" 2>&1) || rc=$?
  echo "$c: exit $rc"
  [ "$rc" -eq 0 ] || { echo "$out"; fail "serverstats $c exits $rc as the service user on a fresh Debian"; }
done

step "the watchdog is pinged (WatchdogSec=30s: every 15s)"
wd0=$(ct systemctl show -p WatchdogTimestampMonotonic --value serverstats)
echo "WatchdogUSec=$(ct systemctl show -p WatchdogUSec --value serverstats) WatchdogTimestamp=$(ct systemctl show -p WatchdogTimestamp --value --timestamp=us+utc serverstats)"
wdmoved() { [ "$(ct systemctl show -p WatchdogTimestampMonotonic --value serverstats)" -gt "$wd0" ]; }
waitfor 25 "WatchdogTimestamp advancing" wdmoved
echo "WatchdogTimestamp=$(ct systemctl show -p WatchdogTimestamp --value --timestamp=us+utc serverstats)"
journal -u serverstats | grep -F "PID $main (WATCHDOG=1)" | tail -n1 | grep . || fail "no WATCHDOG=1 from PID $main in the journal"

# The service user's ~/.ssh under the hardening: a key made there logs in to
# the container's sshd; host-key-policy accept-new adds to known_hosts.
step "reload onto a config with an SSH command (key and known_hosts in ~/.ssh)"
ct useradd -m -s /bin/bash watched
ct runuser -u serverstats -- ssh-keygen -q -t ed25519 -N "" -f /var/lib/serverstats/.ssh/id_ed25519
ct install -d -m 0700 -o watched -g watched /home/watched/.ssh
ct install -m 0600 -o watched -g watched /var/lib/serverstats/.ssh/id_ed25519.pub /home/watched/.ssh/authorized_keys
sshup() { ct bash -c 'exec 3<>/dev/tcp/127.0.0.1/22' 2>/dev/null; }
waitfor 30 "sshd on the container's 127.0.0.1:22" sshup
ct sh -c 'cat >>/etc/serverstats/config.yaml' <<'YAML'

ssh:
  known-hosts: ~/.ssh/known_hosts
  host-key-policy: accept-new
  identity-files: [~/.ssh/id_ed25519]
groups:
  watched: [watched@127.0.0.1]
YAML
# A command over SSH whose rule always fires: the service writes its alert
# state, which serverstats status then reads as the service user.
cat >"$root/root/remote.yaml" <<'YAML'
  remote:
    doc: the container's sshd, as watched@127.0.0.1
    servers: [watched]
    cmd: id -u watched
    schedule: "@every 5s"
    alerts:
      - value-type: number
        trigger: ">= 0"
        msg: "logged in over SSH"
        handlers: [console]
YAML
ct sed -i '/^commands:$/r /root/remote.yaml' /etc/serverstats/config.yaml
ct runuser -u serverstats -- serverstats check-config -c /etc/serverstats/config.yaml
ct systemctl reload serverstats
[ "$(ct systemctl is-active serverstats)" = active ] || fail "not active after reload"
journal -u serverstats | grep -E "PID $main \(RELOADING=1|PID $main \(READY=1\)|Changed (running -> reload|reload -> running)" | tail -n4
for want in "PID $main (RELOADING=1" "Changed running -> reload" "Changed reload -> running"; do
  journal -u serverstats | grep -cF "$want" >/dev/null || fail "reload: no \"$want\" in the journal"
done
reloading=$(journal -u serverstats | grep -nF "PID $main (RELOADING=1" | tail -n1 | cut -d: -f1)
ready=$(journal -u serverstats | grep -nF "PID $main (READY=1)" | tail -n1 | cut -d: -f1)
[ "$ready" -gt "$reloading" ] || fail "reload: no READY=1 after RELOADING=1"
sshran() { journal -u serverstats | grep -c 'msg=run command=remote .*hosts_ok=1' >/dev/null; }
waitfor 30 "the SSH command running OK" sshran
journal -u serverstats | grep 'command=remote' | tail -n2
ct grep -q 127.0.0.1 /var/lib/serverstats/.ssh/known_hosts || fail "accept-new wrote no known_hosts entry in ~/.ssh"
ct ls -l /var/lib/serverstats/.ssh/known_hosts /var/lib/serverstats/state.db

step "serverstats status as the serverstats user (reads the state the service wrote)"
st=$(ct runuser -u serverstats -- serverstats status -c /etc/serverstats/config.yaml --state /var/lib/serverstats/state.db) ||
  fail "serverstats status as serverstats: exit $?"
head -n 3 <<<"$st"
grep -E '^ *remote|remote ' <<<"$st" | head -n 2
grep -q "1 states" <<<"$st" && grep -q "remote" <<<"$st" || fail "serverstats status shows no alert state of the remote command"

step "man serverstats, bash completion, serverstats schema"
ct sh -c 'man -P cat serverstats 2>&1 | head -n 6'
ct sh -c 'man -P cat serverstats 2>/dev/null | grep -q "^NAME"' || fail "man serverstats shows no page"
ct sh -c 'man -P cat serverstats.yaml 2>/dev/null | grep -q "^NAME"' || fail "man serverstats.yaml shows no page"
got=$(ct runuser -u serverstats -- bash -c '
  . /usr/share/bash-completion/bash_completion
  _completion_loader serverstats
  complete -p serverstats
  COMP_WORDS=(serverstats -c /etc/serverstats/config.yaml rem); COMP_CWORD=3
  _serverstats; echo "commands: ${COMPREPLY[*]}"
  COMP_WORDS=(serverstats check-c); COMP_CWORD=1
  _serverstats; echo "built-ins: ${COMPREPLY[*]}"')
echo "$got"
grep -q -- "-F _serverstats serverstats" <<<"$got" || fail "bash-completion does not load the completion"
grep -q "^commands: remote$" <<<"$got" || fail "completion of the config's commands"
grep -q "^built-ins: check-config$" <<<"$got" || fail "completion of the built-ins"
schema=$(ct serverstats schema) || fail "serverstats schema: exit $?"
head -c 120 <<<"$schema"; echo
ct sh -c 'serverstats schema | cmp -s - /usr/share/serverstats/schema.json' || fail "serverstats schema differs from /usr/share/serverstats/schema.json"

step "systemctl stop: STOPPING=1, exit 0 within TimeoutStopSec"
t0=$(date +%s%N)
ct systemctl stop serverstats
took=$((($(date +%s%N) - t0) / 1000000))
show=$(ct systemctl show -p ActiveState -p Result -p ExecMainCode -p ExecMainStatus -p TimeoutStopUSec serverstats)
echo "$show" | tr '\n' ' '; echo "stop took ${took}ms"
journal -u serverstats | grep -F "PID $main (STOPPING=1)" || fail "no STOPPING=1 from PID $main"
grep -qx "ExecMainStatus=0" <<<"$show" && grep -qx "Result=success" <<<"$show" && grep -qx "ActiveState=inactive" <<<"$show" ||
  fail "stop: want inactive, Result=success, exit 0"

if journal | grep -cF "$token" >/dev/null; then fail "the status page token is in the journal"; fi

echo
echo "systemd-check: OK in $(($(date +%s) - start))s"
