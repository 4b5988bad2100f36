#!/bin/sh
# run.sh — the browser tests (every *.test.mjs here) in headless Chromium.
#
# Installs playwright-core from package-lock.json on first use (npm ci; no
# network needed afterwards), then runs `node --test` inside a private
# network namespace with only loopback up, so nothing leaves the machine
# (shared TESTING.md). Needs Debian's chromium, node >= 20 with npm,
# unshare (util-linux) and ip (iproute2).
#
#   sh run.sh [FILE.test.mjs...]   (default: every *.test.mjs here)
#
#   CLASSRELAY  the server binary (default build/app/classrelay)
#   ARTIFACTS   where screenshots go (default build/artifacts)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$here"

if [ ! -d node_modules/playwright-core ]; then
    npm ci --silent --no-audit --no-fund
fi

CLASSRELAY=${CLASSRELAY:-$root/build/app/classrelay}
ARTIFACTS=${ARTIFACTS:-$root/build/artifacts}
export CLASSRELAY ARTIFACTS

# Which tests: the files named (run.sh classroom.test.mjs), else all.
files=""
if [ "$#" -gt 0 ]; then
    for name in "$@"; do files="$files $here/$(basename "$name")"; done
else
    files=$(ls "$here"/*.test.mjs)
fi

# As root a plain network namespace works; otherwise a user namespace too.
if [ "$(id -u)" -eq 0 ]; then
    ns="unshare -n"
else
    ns="unshare -rn"
fi
# One file at a time (--test-concurrency=1): each starts its own server
# and browser, and the machine has two cores.
# shellcheck disable=SC2086
exec $ns sh -c 'ip link set lo up && exec node --test --test-concurrency=1 "$@"' sh $files
