#!/usr/bin/env bash
# RUSTC_WRAPPER for building InfluxDB's flux library: it pins an old Rust with deny(warnings),
# and today's rustc warns more. Cargo calls this as `<wrapper> <rustc> <args…>`; lints are
# capped unless cargo capped them already. (RUSTFLAGS cannot do it: with --target, cargo does
# not pass RUSTFLAGS to build scripts, which include flux-core.)
rustc="$1"; shift
for arg in "$@"; do
  if [[ "$arg" == --cap-lints* ]]; then exec "$rustc" "$@"; fi
done
exec "$rustc" --cap-lints=warn "$@"
