#!/usr/bin/env bash
# Installs the benchmark's peers (bench/sections/peers.ts), as root on Debian:
#   - Debian: redis-server (BullMQ's server; the bench starts its own and
#     stops it, the package's service is stopped and disabled), python3-dirq,
#     xfsprogs (mkfs.xfs for the XFS scratch file system), strace (the
#     durability and system-call counts), build tools for the Node addons;
#   - npm, in this folder, from package-lock.json: qlobber-fsq (with its
#     optional fs-ext, which its work-queue mode needs), plainjob with
#     better-sqlite3 (built from source with node-gyp: no prebuilt binary can
#     be downloaded here), BullMQ.
# Anything that fails is reported and left out: the bench then skips that
# peer with a note. Run again at will.
#   bash bench/peers/install.sh
set -uo pipefail
cd "$(dirname "$0")"

status=0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  # One package at a time: one that cannot be had does not stop the others.
  for package in redis-server python3-dirq xfsprogs strace build-essential python3; do
    if ! dpkg -s "$package" >/dev/null 2>&1; then
      apt-get install -y -qq "$package" >/dev/null || {
        echo "install.sh: apt-get install $package failed" >&2
        status=1
      }
    fi
  done
  # The package starts a server on port 6379; the bench runs its own.
  if command -v systemctl >/dev/null && systemctl is-active --quiet redis-server 2>/dev/null; then
    systemctl stop redis-server || true
    systemctl disable redis-server >/dev/null 2>&1 || true
  fi
  if [ -f /var/run/redis/redis-server.pid ]; then
    kill "$(cat /var/run/redis/redis-server.pid)" 2>/dev/null || true
  fi
else
  echo "install.sh: not root or no apt-get: Debian packages not installed" >&2
fi

if command -v npm >/dev/null; then
  # better-sqlite3 and fs-ext build with node-gyp (their prebuilt binaries
  # come from GitHub, which these machines cannot reach).
  npm ci --no-audit --no-fund --build-from-source || {
    echo "install.sh: npm ci failed" >&2
    status=1
  }
  node -e 'require("better-sqlite3")(":memory:").close()' 2>/dev/null ||
    echo "install.sh: better-sqlite3 does not load: plainjob will be skipped" >&2
  node -e 'require("fs-ext")' 2>/dev/null ||
    echo "install.sh: fs-ext does not load: qlobber-fsq will be skipped" >&2
else
  echo "install.sh: npm not found: the Node peers will be skipped" >&2
  status=1
fi
exit "$status"
