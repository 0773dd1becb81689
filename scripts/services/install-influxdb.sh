#!/usr/bin/env bash
# Builds influxd 2.7.12 from its Go module into $CLICKFLOW_CACHE/influxdb/influxd, once.
# Needs go, cargo (rustup stable), gcc. About 8 minutes cold, 3 with warm Go/cargo caches.
set -euo pipefail
cache="${CLICKFLOW_CACHE:-$HOME/.cache/clickflow}"
version=2.7.12
bin="$cache/influxdb/influxd-$version"
if [[ -x "$bin" ]] && "$bin" version >/dev/null 2>&1; then echo "$bin"; exit 0; fi
for tool in go cargo gcc; do
  command -v "$tool" >/dev/null || { echo "install-influxdb: '$tool' is missing; install Go, Rust (rustup, stable) and gcc to build influxd" >&2; exit 3; }
done
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$cache/influxdb"
log="$cache/influxdb/build.log"
echo "building influxd $version from its Go module (several minutes; log: $log)" >&2
{
  go install github.com/influxdata/pkg-config@v0.2.14
  src="$(go mod download -json "github.com/influxdata/influxdb/v2@v$version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')"
  build="$cache/influxdb/src-$version"
  rm -rf "$build"
  cp -r "$src" "$build"
  chmod -R u+w "$build"
  cd "$build"
  PKG_CONFIG="$(go env GOPATH)/bin/pkg-config" CGO_ENABLED=1 RUSTUP_TOOLCHAIN=stable \
    RUSTC_WRAPPER="$here/rustc-cap-lints.sh" \
    go build -tags sqlite_foreign_keys,sqlite_json -o "$bin.tmp" ./cmd/influxd
  mv "$bin.tmp" "$bin"
  cd /
  rm -rf "$build"
} >"$log" 2>&1 || { echo "install-influxdb: the build failed; last lines of $log:" >&2; tail -n 30 "$log" >&2; exit 1; }
echo "$bin"
