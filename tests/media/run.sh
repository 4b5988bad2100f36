#!/bin/sh
# Runs the media tests (test_media.py, or the .py given first) inside a
# private network namespace holding only loopback, so no media leaves the
# machine and ICE sees only 127.0.0.1. As root `unshare -n` is enough;
# otherwise `unshare -rn` (user namespaces). Without unshare (or when
# namespaces are refused) the tests run directly on the host's network.
# $CLASSRELAY passes through.
here=$(cd "$(dirname "$0")" && pwd)
test="$here/${CR_MEDIA_TEST:-test_media.py}"
# A first argument naming a .py file runs that test instead (test_network.py).
case "$1" in *.py) test="$1"; shift ;; esac
py=/usr/bin/python3
[ -x "$py" ] || py=python3
export CLASSRELAY

if command -v unshare >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then ns="unshare -n"; else ns="unshare -rn"; fi
    # Probe first: a refused namespace must not look like a failed test.
    if $ns sh -c 'ip link set lo up' >/dev/null 2>&1; then
        CR_MEDIA_NETNS=1 exec $ns sh -c 'ip link set lo up && exec "$0" "$@"' "$py" "$test" "$@"
    fi
    echo "# unshare refused a network namespace; running on the host network" >&2
fi
exec "$py" "$test" "$@"
