#!/usr/bin/env bash
# Runs every test from a clean clone: installs missing system packages (as root) or says which,
# installs npm dependencies, builds, type-checks, then runs unit, integration and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
command -v ip >/dev/null || packages+=(iproute2)
command -v unshare >/dev/null || packages+=(util-linux)
# The network-loss tests cut one participant off with nftables rules inside the test namespace.
command -v nft >/dev/null || packages+=(nftables)
# The bandwidth-estimate test feeds Chromium a moving 720p .y4m made with ffmpeg (megabits, not the fake camera's ~300 kbps).
command -v ffmpeg >/dev/null || packages+=(ffmpeg)
if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing system packages: ${packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
  else
    echo "missing system packages; install them first:  sudo apt-get install -y ${packages[*]}" >&2
    exit 1
  fi
fi

if [ "${CI:-}" = true ] || [ ! -d node_modules ]; then npm ci --no-audit --no-fund; fi
npm run --silent build
npm run --silent typecheck
bash scripts/run-tests.sh all
