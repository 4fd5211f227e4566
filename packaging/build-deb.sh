#!/usr/bin/env bash
# Builds the Debian package of serverstats with dpkg-deb:
#   packaging/build-deb.sh [OUTDIR]        (default: dist/)
# Version: $VERSION, else from git describe, else 0.0.0. Prints the path of the .deb.
# Contents: /usr/bin/serverstats, the systemd unit (Type=notify, watchdog,
# hardening), /etc/serverstats/config.yaml (a conffile: the bundled example),
# man pages serverstats(1) and serverstats.yaml(5), bash/zsh/fish
# completions, the config's JSON Schema; postinst creates the serverstats
# system user.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)

rev=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ -z "${VERSION:-}" ]; then
  VERSION=$(git describe --tags --match 'v[0-9]*' 2>/dev/null | sed 's/^v//; s/-/+/g' || true)
  [ -n "$VERSION" ] || VERSION="0.0.0+git$(git log -1 --format=%cd --date=format:%Y%m%d 2>/dev/null || date +%Y%m%d).$rev"
fi
arch=$(dpkg --print-architecture)
date=$(date -u +%Y-%m-%dT%H:%M:%SZ)

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
pkg="$root/serverstats_${VERSION}_${arch}"

clidoc=serverstats/cmd/serverstats/internal/clidoc
# -buildvcs=auto: the VCS revision and time go in the build info where git
# can read the tree (a clone; not a git worktree), whatever go env says.
GOFLAGS=-buildvcs=auto CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X main.version=$VERSION -X $clidoc.BuildDate=$date -X $clidoc.Revision=$rev" \
  -o "$pkg/usr/bin/serverstats" ./cmd/serverstats
bin="$pkg/usr/bin/serverstats"

install -D -m 0644 packaging/serverstats.service "$pkg/lib/systemd/system/serverstats.service"
install -d -m 0755 "$pkg/etc/serverstats"
sed 's|^# yaml-language-server: \$schema=.*|# yaml-language-server: $schema=/usr/share/serverstats/schema.json|' \
  examples/localhost.yaml >"$pkg/etc/serverstats/config.yaml"
chmod 0644 "$pkg/etc/serverstats/config.yaml"
install -D -m 0644 config/schema.json "$pkg/usr/share/serverstats/schema.json"
for page in docs/man/serverstats.1:man1 docs/man/serverstats.yaml.5:man5; do
  src=${page%%:*} sec=${page##*:}
  install -d -m 0755 "$pkg/usr/share/man/$sec"
  gzip -9n <"$src" >"$pkg/usr/share/man/$sec/$(basename "$src").gz"
done
install -d -m 0755 "$pkg/usr/share/bash-completion/completions" "$pkg/usr/share/zsh/vendor-completions" "$pkg/usr/share/fish/vendor_completions.d"
"$bin" completion bash >"$pkg/usr/share/bash-completion/completions/serverstats"
"$bin" completion zsh >"$pkg/usr/share/zsh/vendor-completions/_serverstats"
"$bin" completion fish >"$pkg/usr/share/fish/vendor_completions.d/serverstats.fish"
install -D -m 0644 README.md "$pkg/usr/share/doc/serverstats/README.md"
chmod 0644 "$pkg"/usr/share/*-completion*/completions/* "$pkg"/usr/share/zsh/vendor-completions/* "$pkg"/usr/share/fish/vendor_completions.d/*

install -d -m 0755 "$pkg/DEBIAN"
cat >"$pkg/DEBIAN/control" <<CONTROL
Package: serverstats
Version: $VERSION
Architecture: $arch
Maintainer: serverstats maintainers <root@localhost>
Installed-Size: $(du -sk "$pkg" | cut -f1)
Depends: passwd, util-linux, procps
Recommends: openssh-client
Suggests: systemd
Section: admin
Priority: optional
Homepage: https://github.com/serverstats/serverstats
Description: threshold monitoring and alerting for fleets reached over SSH
 serverstats runs df, ps, free or any shell line on groups of servers (or
 probes a URL or a port), reads the output as a typed table and alerts by
 email, SMS, a program or a webhook when a rule holds. It runs one-shot
 (cron, Nagios) or as a systemd service (Type=notify with a watchdog).
CONTROL
echo /etc/serverstats/config.yaml >"$pkg/DEBIAN/conffiles"
install -m 0755 packaging/postinst packaging/prerm packaging/postrm "$pkg/DEBIAN/"

deb="$out/serverstats_${VERSION}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
echo "$deb"
