#!/usr/bin/env bash
# Finds PostgreSQL's server binaries (initdb, postgres) and prints their directory; installs
# Debian's postgresql package first when they are missing (apt-get, as root). The tests start
# their own server from these binaries in a temporary directory (postgresql.mjs): the package's
# own cluster and service are never used.
set -euo pipefail
find_bindir() {
  local dir
  # Debian and Ubuntu keep each major version apart; the newest wins.
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -V -r); do
    if [[ -x "$dir/initdb" && -x "$dir/postgres" ]]; then echo "$dir"; return 0; fi
  done
  if command -v pg_config >/dev/null 2>&1; then
    dir="$(pg_config --bindir)"
    if [[ -x "$dir/initdb" && -x "$dir/postgres" ]]; then echo "$dir"; return 0; fi
  fi
  if command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v postgres)")"
    return 0
  fi
  return 1
}
if find_bindir; then exit 0; fi
if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-postgresql: PostgreSQL's initdb and postgres were not found; install PostgreSQL (Debian: apt-get install postgresql, as root) and run again" >&2
  exit 3
fi
echo "install-postgresql: installing Debian's postgresql package" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq --no-install-recommends postgresql >&2; then
  apt-get update -qq >&2 || { echo "install-postgresql: apt-get update failed; see the messages above" >&2; exit 1; }
  apt-get install -y -qq --no-install-recommends postgresql >&2 || { echo "install-postgresql: apt-get install postgresql failed; see the messages above" >&2; exit 1; }
fi
find_bindir || { echo "install-postgresql: the postgresql package is installed but initdb and postgres are not under /usr/lib/postgresql/*/bin" >&2; exit 1; }
