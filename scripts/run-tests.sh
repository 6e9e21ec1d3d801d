#!/usr/bin/env bash
# Runs a set of tests (unit | integration | e2e | all) with node's test runner, inside a private
# network namespace that has only loopback, so every ICE candidate is 127.0.0.1 and no test can
# reach anything but this machine.
set -euo pipefail
cd "$(dirname "$0")/.."

suite="${1:-all}"
unit=$(find packages -path '*/node_modules' -prune -o -path '*/src/*' -name '*.test.ts' -print | sort)
integration=$(find packages -path '*/node_modules' -prune -o -path '*/test/*' -name '*.test.ts' -print | sort)
e2e=$(find e2e -path '*/node_modules' -prune -o -name '*.test.ts' -print 2>/dev/null | sort)
case "$suite" in
  unit) files="$unit" ;;
  integration) files="$integration" ;;
  e2e) files="$e2e" ;;
  all) files="$unit $integration $e2e" ;;
  *) echo "usage: $0 unit|integration|e2e|all" >&2; exit 2 ;;
esac
files=$(echo $files)
[ -n "$files" ] || { echo "no test files for '$suite'" >&2; exit 1; }

# Root can make the namespace directly; others need an unprivileged user namespace (-r).
if [ "$(id -u)" = 0 ]; then ns=(unshare -n); else ns=(unshare -rn); fi
# One file at a time: the media and browser tests each want both cores.
# A test that hangs fails after 10 minutes, and a file whose tests have all finished exits even if
# something it started still holds the event loop open: one stuck file must not eat CI's whole limit.
exec "${ns[@]}" sh -c 'ip link set lo up && exec node --import tsx --test --test-concurrency=1 --test-timeout=600000 --test-force-exit --test-reporter=spec "$@"' sh $files
