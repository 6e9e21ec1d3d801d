#!/usr/bin/env bash
# Runs every test from a clean clone: installs missing system packages (as root) or says which,
# installs npm dependencies, builds, type-checks, then runs unit, integration and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
# e2e/firefox.test.ts: Firefox in rooms with Chromium (driven by puppeteer-core over WebDriver BiDi).
[ -x /usr/bin/firefox-esr ] || packages+=(firefox-esr)
command -v ip >/dev/null || packages+=(iproute2)
command -v unshare >/dev/null || packages+=(util-linux)
# The network-loss tests cut one participant off with nftables rules inside the test namespace.
command -v nft >/dev/null || packages+=(nftables)
# HTTPS tests make their certificates with openssl; the deployment-guide test checks its HAProxy excerpt.
command -v openssl >/dev/null || packages+=(openssl)
[ -x /usr/sbin/haproxy ] || packages+=(haproxy)
# Cluster tests share one real redis-server (redis-cli reads its command counts).
command -v redis-server >/dev/null || packages+=(redis-server)
# The TURN tests start the real coturn, with a certificate made by openssl for turns:.
command -v turnserver >/dev/null || packages+=(coturn)
# The impairment harness (e2e/support/impair): fake microphone and camera files for Chromium.
command -v espeak-ng >/dev/null || packages+=(espeak-ng)
command -v sox >/dev/null || packages+=(sox)
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
