#!/usr/bin/env bash
# Installs the ipferry agent from the single-file bundles `npm run build` makes: dist/ipferry.mjs
# (the whole CLI, as `ipferry`) and dist/ipferry-agent.mjs (what the unit runs), the hardened
# systemd unit, a config directory and a dedicated user. Safe to run again: the programs and the
# unit are replaced, a config and agent.env already there are kept.
#
#   sudo agent/install.sh [--bundle dist/ipferry.mjs] [--agent-bundle dist/ipferry-agent.mjs] [--node ID]
#   DESTDIR=/tmp/stage agent/install.sh ...   # stage into a directory: no user, no systemctl
#
# Environment: DESTDIR, PREFIX (/usr/local), SYSCONFDIR (/etc), UNITDIR (/etc/systemd/system).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bundle="$here/../dist/ipferry.mjs"
agent_bundle="$here/../dist/ipferry-agent.mjs"
node_id=""
DESTDIR="${DESTDIR:-}"
PREFIX="${PREFIX:-/usr/local}"
SYSCONFDIR="${SYSCONFDIR:-/etc}"
UNITDIR="${UNITDIR:-/etc/systemd/system}"

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "install.sh: $*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) bundle="${2:?--bundle needs a path}"; shift 2 ;;
    --agent-bundle) agent_bundle="${2:?--agent-bundle needs a path}"; shift 2 ;;
    --node) node_id="${2:?--node needs an id}"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) die "unknown argument: $1 (try --help)" ;;
  esac
done

# Prerequisites: what the agent runs and what it runs on this host.
[ -f "$bundle" ] || die "no bundle at $bundle: run 'npm run build' first, or pass --bundle"
[ -f "$agent_bundle" ] || die "no agent bundle at $agent_bundle: run 'npm run build' first, or pass --agent-bundle"
command -v node >/dev/null || die "node is not installed (ipferry needs Node.js 20 or later)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "node $(node -v) is too old: ipferry needs Node.js 20 or later"
command -v ip >/dev/null || die "ip (iproute2) is not installed: the agent plumbs addresses with it"
command -v arping >/dev/null || die "arping (iputils-arping) is not installed: the agent announces IPv4 addresses with it"
if ! arping -V 2>&1 | grep -qi iputils; then
  say "warning: $(command -v arping) is not iputils arping; the agent calls it with iputils flags (-U -c 1 -I)"
fi

lib="$DESTDIR$PREFIX/lib/ipferry"
bin="$DESTDIR$PREFIX/bin"
etc="$DESTDIR$SYSCONFDIR/ipferry"
units="$DESTDIR$UNITDIR"

install -d -m 0755 "$lib" "$bin" "$units"
install -m 0755 "$bundle" "$lib/ipferry.mjs"
install -m 0755 "$agent_bundle" "$lib/ipferry-agent.mjs"
# The etcd client's gRPC definitions, which the bundles read from beside themselves (etcd mode only).
protos="$(dirname "$agent_bundle")/etcd3-proto"
[ -f "$protos/rpc.proto" ] || die "no $protos/rpc.proto beside the agent bundle: run 'npm run build' first"
install -d -m 0755 "$lib/etcd3-proto"
install -m 0644 "$protos"/*.proto "$lib/etcd3-proto/"
ln -sfn "../lib/ipferry/ipferry.mjs" "$bin/ipferry"
# The unit names /usr/local and /etc; follow PREFIX and SYSCONFDIR when they differ.
sed -e "s#/usr/local/lib/ipferry/#$PREFIX/lib/ipferry/#" -e "s#/etc/ipferry/#$SYSCONFDIR/ipferry/#g" \
  "$here/systemd/ipferry-agent.service" > "$units/ipferry-agent.service.tmp"
chmod 0644 "$units/ipferry-agent.service.tmp"
mv -f "$units/ipferry-agent.service.tmp" "$units/ipferry-agent.service"
# The hook helper's units (not enabled: only hosts whose hooks must act as root need them, and
# they need an allow-list first; docs/security.md) and the legacy-vrrp check (docs/migrating.md).
for unit in ipferry-hook-helper.socket ipferry-hook-helper.service; do
  sed -e "s#/usr/local/lib/ipferry/#$PREFIX/lib/ipferry/#" -e "s#/etc/ipferry/#$SYSCONFDIR/ipferry/#g" \
    "$here/systemd/$unit" > "$units/$unit.tmp"
  chmod 0644 "$units/$unit.tmp"
  mv -f "$units/$unit.tmp" "$units/$unit"
done
install -m 0755 "$here/legacy-watch/check.sh" "$lib/legacy-vrrp-check.sh"

install -d -m 0750 "$etc"
if [ ! -e "$etc/agent.env" ]; then
  [ -n "$node_id" ] || node_id="$(hostname -s 2>/dev/null || echo CHANGE-ME)"
  printf 'IPFERRY_NODE=%s\nIPFERRY_AGENT_ARGS=\n' "$node_id" > "$etc/agent.env"
  chmod 0640 "$etc/agent.env"
  say "wrote $etc/agent.env (node $node_id)"
else
  say "kept $etc/agent.env"
fi
[ -e "$etc/ipferry.yaml" ] || say "next: put the cluster config in $etc/ipferry.yaml (ipferry validate checks it)"

if [ -n "$DESTDIR" ]; then
  say "staged into $DESTDIR: create the 'ipferry' user and run 'systemctl daemon-reload' on the target"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || die "run as root to create the ipferry user and register the unit (or set DESTDIR to stage)"
if ! getent passwd ipferry >/dev/null; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --user-group ipferry
  say "created system user ipferry"
fi
chown -R root:ipferry "$etc"
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  say "installed; start with: systemctl enable --now ipferry-agent"
else
  say "installed; systemd is not running here, so the unit was not loaded"
fi
