#!/usr/bin/env bash
# Installs what the dashboard's browser test needs, from Debian's packages:
# Chromium, run headless by puppeteer-core. Does nothing where it is there;
# says why and exits 0 where it cannot install (not root, no apt-get), so
# that the test itself explains its skip.
set -euo pipefail
for cmd in chromium chromium-browser; do
  if command -v "$cmd" >/dev/null 2>&1; then
    exit 0
  fi
done
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "dashboard: cannot install chromium (needs root and apt-get)" >&2
  exit 0
fi
echo "dashboard: installing chromium from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq >/dev/null &&
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; }; then
  echo "dashboard: could not install chromium; the browser test will say why it skips" >&2
fi
