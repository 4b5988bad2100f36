#!/bin/sh
# run.sh — the browser tests (media.test.mjs) in headless Chromium.
#
# Installs playwright-core from package-lock.json on first use (npm ci; no
# network needed afterwards), then runs `node --test` inside a private
# network namespace with only loopback up, so nothing leaves the machine
# (shared TESTING.md). Needs Debian's chromium, node >= 20 with npm,
# unshare (util-linux) and ip (iproute2).
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

# As root a plain network namespace works; otherwise a user namespace too.
if [ "$(id -u)" -eq 0 ]; then
    set -- unshare -n
else
    set -- unshare -rn
fi
exec "$@" sh -c 'ip link set lo up && exec node --test "$1"' sh "$here/media.test.mjs"
