#!/usr/bin/env bash
# Fetches Debian's prometheus package and unpacks its server binary into
# $CLICKFLOW_CACHE/prometheus/, once, without installing anything system-wide
# (no service, no user, no /etc). Only the job manager's tests use it.
set -euo pipefail
cache="${CLICKFLOW_CACHE:-$HOME/.cache/clickflow}"
dir="$cache/prometheus"
bin="$dir/prometheus"
if [[ -f "$dir/.complete" && -x "$bin" ]]; then echo "$bin"; exit 0; fi
for tool in apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "install-prometheus: '$tool' is missing; this script needs a Debian or Ubuntu system (or put a prometheus binary at $bin and touch $dir/.complete)" >&2; exit 3; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
# apt-get download fetches into the current directory, as any user; it only needs the package
# lists, which a fresh container may not have yet.
if ! apt-get download prometheus >&2 2>"$work/download.log"; then
  echo "install-prometheus: no prometheus package in the package lists; running apt-get update" >&2
  apt-get update >&2 || { echo "install-prometheus: apt-get update failed (it needs root or sudo); run it once and try again" >&2; exit 1; }
  apt-get download prometheus >&2 || { echo "install-prometheus: apt-get download prometheus failed; see the messages above" >&2; exit 1; }
fi
deb="$(ls "$work"/prometheus_*.deb)"
dpkg-deb -x "$deb" "$work/root"
rm -rf "$dir"
mkdir -p "$dir"
cp "$work/root/usr/bin/prometheus" "$bin.tmp"
chmod 755 "$bin.tmp"
mv "$bin.tmp" "$bin"
"$bin" --version >&2
basename "$deb" >"$dir/.complete"
echo "$bin"
