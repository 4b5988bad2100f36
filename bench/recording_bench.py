#!/usr/bin/python3
"""The cost of recording (docs/benchmarks.md, "Recording").

A webrtcbin publisher sends a VP8 test pattern at about 2 Mbit/s (plus
Opus) over WHIP and one WHEP subscriber receives it, in a private network
namespace. The server's CPU time (utime + stime from /proc) is measured
over a window without recording and over a window while the class is
recorded; the difference is the recorder's cost per recorded stream, and
the CPU per forwarded packet shows whether recording changes forwarding.

    unshare -n sh -c 'ip link set lo up && /usr/bin/python3 bench/recording_bench.py --runs 3'
"""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, 'tests', 'integration'))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'media'))

import gstclient as g  # noqa: E402
import harness as h  # noqa: E402

TICK = os.sysconf('SC_CLK_TCK')


def _stat_cpu(path):
    with open(path) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def cpu_seconds(pid):
    return _stat_cpu('/proc/%d/stat' % pid)


def worker_cpu_seconds(pid):
    """CPU of the media worker threads (cr-media-N): the forwarding path,
    the recording tap included, without the recorder's own threads."""
    total = 0.0
    for tid in os.listdir('/proc/%d/task' % pid):
        try:
            with open('/proc/%d/task/%s/comm' % (pid, tid)) as f:
                if not f.read().startswith('cr-media'):
                    continue
            total += _stat_cpu('/proc/%d/task/%s/stat' % (pid, tid))
        except OSError:
            pass
    return total


def metric(s, name):
    _, _, body = s.http('GET', '/metrics')
    for line in body.decode().splitlines():
        if line.startswith(name + ' '):
            return float(line.split()[1])
    return 0.0


def window(s, seconds):
    """(server CPU share, worker CPU µs per forwarded packet, packets/s)."""
    pid = s.proc.pid
    c0, w0, p0, t0 = cpu_seconds(pid), worker_cpu_seconds(pid), \
        metric(s, 'classrelay_media_packets_out_total'), time.monotonic()
    time.sleep(seconds)
    c1, w1, p1, t1 = cpu_seconds(pid), worker_cpu_seconds(pid), \
        metric(s, 'classrelay_media_packets_out_total'), time.monotonic()
    return (c1 - c0) / (t1 - t0), (w1 - w0) * 1e6 / max(p1 - p0, 1), (p1 - p0) / (t1 - t0)


def one_run(seconds):
    s = h.Server(sets=['media.addresses=127.0.0.1', 'media.workers=2'], heartbeat=5).start()
    pub = sub = None
    try:
        pub = g.Publisher('vp8', name='bench-pub')
        # about 2 Mbit/s: a pattern that does not compress (snow) at a
        # fixed target bitrate
        pub.pipeline.iterate_all_by_element_factory_name('vp8enc').foreach(
            lambda e: e.set_property('target-bitrate', 2000000))
        pub.pipeline.iterate_all_by_element_factory_name('videotestsrc').foreach(
            lambda e: e.set_property('pattern', 'snow'))
        pub.whip('http://127.0.0.1:%d/whip/%d' % (s.port, s.demo_session),
                 s.link_token('instructor'))
        pub.wait_connected(10)
        sub = g.Subscriber(name='bench-sub')
        sub.whep('http://127.0.0.1:%d/whep/%d' % (s.port, s.demo_session),
                 s.token('trainee', 'bench', 'Bench'))
        sub.wait_connected(10)
        time.sleep(3)
        base = window(s, seconds)
        coord = s.token('coordinator', 'c', 'C')
        st, _ = s.api('POST', '/api/sessions/%d/recording/start' % s.demo_session, coord)
        assert st == 201, st
        time.sleep(2)
        rec = window(s, seconds)
        st, row = s.api('POST', '/api/sessions/%d/recording/stop' % s.demo_session, coord)
        assert st == 200, st
        mbps = row['size_bytes'] * 8 / max(row['duration_seconds'], 1) / 1e6
        return base, rec, mbps
    finally:
        for p in (sub, pub):
            if p is not None:
                p.stop()
        s.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--seconds', type=float, default=15)
    a = ap.parse_args()
    rows = [one_run(a.seconds) for _ in range(a.runs)]
    for i, (base, rec, mbps) in enumerate(rows, 1):
        print('run %d: without %.2f %% CPU, workers %.1f us/pkt, %.0f pkt/s | recording '
              '%.2f %% CPU, workers %.1f us/pkt | file %.2f Mbit/s' % (i, base[0] * 100, base[1],
                                                                   base[2],
                                                    rec[0] * 100, rec[1], mbps))
    med = statistics.median
    cost = med(r[1][0] - r[0][0] for r in rows) * 100
    print('median: recording adds %.2f %% of one core per recorded stream (%.2f Mbit/s); '
          'media workers\' CPU per forwarded packet %.1f us without, %.1f us with (ratio %.2f)'
          % (cost, med(r[2] for r in rows), med(r[0][1] for r in rows),
             med(r[1][1] for r in rows),
             med(r[1][1] for r in rows) / med(r[0][1] for r in rows)))


if __name__ == '__main__':
    main()
