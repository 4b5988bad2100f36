#!/usr/bin/python3
"""relay_bench.py — the media forwarding benchmark (docs/benchmarks.md,
"Media forwarding").

Puts the server and the load generator in two network namespaces joined
by a veth pair carrying loopback-range addresses (127.77.0.1 for the
server, 127.77.0.2 for the load; nothing leaves the machine), then, for
every run, every media.workers value and every subscriber count, starts a
fresh `classrelay serve` in the server's namespace, signs one trainee
token per subscriber, runs bench/relay_load (one WHIP publisher, N WHEP
subscribers) in the other namespace, and stops the server. Prints the
medians of the runs and, with --json, keeps every run. Tears the
namespaces down at the end, whatever happens. Root only (ip netns).

    /usr/bin/python3 bench/relay_bench.py --build build --runs 3 \
        --sizes 50,100,200 --workers 2,1
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NS_SRV, NS_GEN = "crb-srv", "crb-gen"
VETH_SRV, VETH_GEN = "crb-s", "crb-g"
SRV_ADDR, GEN_ADDR = "127.77.0.1", "127.77.0.2"
JOIN_LABEL = b"classrelay join token v1"

_live = []  # server Popen objects to kill on the way out


# ---- the network --------------------------------------------------------------


def sh(*args, check=True):
    return subprocess.run(args, check=check, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)


def prioritize(pid, nice):
    """Linux groups processes by session for fair scheduling (autogroup):
    `nice` alone only ranks a process within its session, so each of our
    processes starts a session of its own and that group gets @nice."""
    if nice == 0:
        return
    try:
        with open(f"/proc/{pid}/autogroup", "w") as f:
            f.write(str(nice))
    except OSError:
        pass  # no autogroup in this kernel: plain nice applies


def in_ns(ns, script):
    sh("ip", "netns", "exec", ns, "sh", "-ec", script)


def netns_down():
    for ns in (NS_SRV, NS_GEN):
        sh("ip", "netns", "del", ns, check=False)  # takes its end of the veth along


def netns_up():
    """Two namespaces and a veth pair. Loopback-range addresses only cross
    an interface with route_localnet=1, and only once lo no longer claims
    all of 127.0.0.0/8 as local (it keeps 127.0.0.1/32)."""
    netns_down()
    sh("ip", "netns", "add", NS_SRV)
    sh("ip", "netns", "add", NS_GEN)
    sh("ip", "link", "add", VETH_SRV, "type", "veth", "peer", "name", VETH_GEN)
    sh("ip", "link", "set", VETH_SRV, "netns", NS_SRV)
    sh("ip", "link", "set", VETH_GEN, "netns", NS_GEN)
    for ns, dev, mine, other in ((NS_SRV, VETH_SRV, SRV_ADDR, GEN_ADDR),
                                 (NS_GEN, VETH_GEN, GEN_ADDR, SRV_ADDR)):
        in_ns(ns, f"""
            ip link set lo up
            ip addr del 127.0.0.1/8 dev lo
            ip addr add 127.0.0.1/32 dev lo
            sysctl -qw net.ipv4.conf.all.route_localnet=1
            ip addr add {mine}/32 dev {dev}
            ip link set {dev} up
            sysctl -qw net.ipv4.conf.{dev}.route_localnet=1
            ip route add {other}/32 dev {dev} src {mine}
        """)


# ---- the server -----------------------------------------------------------------


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign_token(key, sub, name, role, session, ttl=3600):
    now = int(time.time())
    header = b64url(b'{"alg":"HS256","typ":"JWT"}')
    claims = {"sub": sub, "name": name, "org": "Bench Agency", "role": role,
              "session": str(session), "iat": now, "nbf": now, "exp": now + ttl}
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing = f"{header}.{payload}"
    return f"{signing}.{b64url(hmac.new(key, signing.encode(), hashlib.sha256).digest())}"


class Server:
    def __init__(self, binary, workers, log_path, nice):
        self.data_dir = tempfile.mkdtemp(prefix="crb-data-")
        self.log = open(log_path, "ab")
        argv = ["ip", "netns", "exec", NS_SRV, "nice", "-n", str(nice), binary, "serve",
                "--listen", f"{SRV_ADDR}:0", "--data-dir", self.data_dir,
                "--set", f"media.addresses={SRV_ADDR}",
                "--set", f"media.workers={workers}",
                "--set", "server.max_connections_per_ip=100000",
                "--set", "server.joins_per_minute_per_ip=100000"]
        # `ip netns exec` and `nice` exec the command: the pid is the server's.
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self.log, start_new_session=True)
        _live.append(self.proc)
        prioritize(self.proc.pid, nice)
        self.port = self.session = self.instructor = None
        lines = []
        deadline = time.monotonic() + 15
        while self.port is None or self.instructor is None:
            line = self.proc.stdout.readline().decode(errors="replace")
            if not line or time.monotonic() > deadline:
                raise RuntimeError("server did not start: " + "".join(lines))
            lines.append(line)
            m = re.search(r"listening on http://[\d.]+:(\d+)", line)
            if m:
                self.port = int(m.group(1))
            m = re.search(r"instructor:\s+\S+/class/(\d+)\?token=(\S+)", line)
            if m:
                self.session, self.instructor = int(m.group(1)), m.group(2)
        threading.Thread(target=self._drain, daemon=True).start()
        with open(os.path.join(self.data_dir, "secret"), "rb") as f:
            secret = f.read().rstrip()
        self.key = hmac.new(secret, JOIN_LABEL, hashlib.sha256).digest()

    def _drain(self):
        for _ in iter(self.proc.stdout.readline, b""):
            pass

    def tokens_file(self, n):
        path = os.path.join(self.data_dir, "tokens.txt")
        with open(path, "w") as f:
            for i in range(n):
                f.write(sign_token(self.key, f"sub{i}", f"Subscriber {i}", "trainee",
                                   self.session) + "\n")
        return path

    def stop(self):
        """The exit status, or None if it had to be killed; a status
        before we asked means it died during the run."""
        died = self.proc.poll()
        if died is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        _live.remove(self.proc)
        self.log.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        return died


# ---- one run ----------------------------------------------------------------------


def one_run(args, workers, n, log_path):
    server = Server(args.binary, workers, log_path, args.nice)
    try:
        tokens = server.tokens_file(n)
        argv = ["ip", "netns", "exec", NS_GEN, "nice", "-n", str(args.nice), args.load,
                "--host", SRV_ADDR, "--port", str(server.port),
                "--session", str(server.session), "--publisher-token", server.instructor,
                "--tokens", tokens, "--subscribers", str(n), "--threads", str(args.threads),
                "--local-address", GEN_ADDR, "--server-pid", str(server.proc.pid),
                "--warmup", str(args.warmup), "--duration", str(args.duration),
                "--connect-timeout", str(args.connect_timeout)]
        limit = args.connect_timeout + args.warmup + args.duration + 60
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
        _live.append(p)
        prioritize(p.pid, args.nice)
        try:
            out, err = p.communicate(timeout=limit)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            _live.remove(p)
        sys.stderr.write(err)
        if p.returncode != 0 or not out.strip():
            raise RuntimeError(f"relay_load exited {p.returncode}: {err.strip()}")
        result = json.loads(out.strip().splitlines()[-1])
    finally:
        died = server.stop()
    if died is not None:
        raise RuntimeError(f"the server exited with {died} during the run; see {log_path}")
    result.update(workers=workers, n=n, loadavg=open("/proc/loadavg").read().split()[0])
    return result


# ---- reporting ---------------------------------------------------------------------

COLUMNS = [
    ("cpu_us_per_packet", "CPU/pkt µs", "%.2f"),
    ("server_cpu_pct", "server CPU %", "%.0f"),
    ("generator_cpu_pct", "load CPU %", "%.0f"),
    ("others_cpu_pct", "others CPU %", "%.0f"),
    ("loss_pct", "loss %", "%.3f"),
    ("delivery_pct", "delivered %", "%.2f"),
    ("latency_p50_ms", "lat p50 ms", "%.2f"),
    ("latency_p99_ms", "lat p99 ms", "%.2f"),
    ("srtp_p50_ms", "keyed p50 ms", "%.0f"),
    ("first_key_p50_ms", "1st key p50 ms", "%.0f"),
    ("first_key_p99_ms", "1st key p99 ms", "%.0f"),
    ("rss_per_sub_kb", "RSS/sub KiB", "%.0f"),
    ("server_udp_rcvbuf_drops", "server rcvbuf drops", "%.0f"),
    ("load_udp_rcvbuf_drops", "load rcvbuf drops", "%.0f"),
]


def median(results, key):
    vals = [r[key] for r in results if r.get(key) is not None and r[key] >= 0]
    return statistics.median(vals) if vals else None


def print_tables(results, sizes, workers_list):
    head = "| workers | N | runs | " + " | ".join(c[1] for c in COLUMNS) + " | failed |"
    print("\nMedians (each row: the runs of one configuration)\n")
    print(head)
    print("|" + "---:|" * (len(COLUMNS) + 4))
    cpu = {}
    for w in workers_list:
        for n in sizes:
            rs = [r for r in results if r["workers"] == w and r["n"] == n]
            if not rs:
                continue
            cells = []
            for key, _, fmt in COLUMNS:
                m = median(rs, key)
                cells.append("—" if m is None else fmt % m)
            cpu[(w, n)] = median(rs, "cpu_us_per_packet")
            failed = sum(r["failed"] for r in rs)
            print(f"| {w} | {n} | {len(rs)} | " + " | ".join(cells) + f" | {failed} |")
    if len(workers_list) > 1:
        w0 = workers_list[0]
        print(f"\nCPU per packet, ratio to workers={w0}\n")
        print("| N | " + " | ".join(f"workers={w}" for w in workers_list[1:]) + " |")
        print("|---:|" + "---:|" * (len(workers_list) - 1))
        for n in sizes:
            if cpu.get((w0, n)):
                cells = ["%.2f" % (cpu[(w, n)] / cpu[(w0, n)]) if cpu.get((w, n)) else "—"
                         for w in workers_list[1:]]
                print(f"| {n} | " + " | ".join(cells) + " |")
    spread = [f"N={n} w={w}: " + ", ".join("%.2f" % r["cpu_us_per_packet"] for r in results
                                          if r["workers"] == w and r["n"] == n)
              for w in workers_list for n in sizes]
    print("\nCPU/pkt of every run: " + "; ".join(spread))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="meson build directory (default: build)")
    ap.add_argument("--server", help="classrelay binary (default: BUILD/app/classrelay)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="50,100,200")
    ap.add_argument("--workers", default="2,1", help="media.workers values, the first is the base")
    ap.add_argument("--threads", type=int, default=2, help="load generator subscriber threads")
    ap.add_argument("--warmup", type=float, default=5)
    ap.add_argument("--duration", type=float, default=15)
    ap.add_argument("--connect-timeout", type=float, default=60)
    ap.add_argument("--nice", type=int, default=-10,
                    help="niceness of the server and the load generator (default -10: on a "
                         "shared machine, other people's work then takes what they leave)")
    ap.add_argument("--json", help="write every run here")
    ap.add_argument("--log", default="/tmp/relay_bench-server.log", help="servers' stderr")
    args = ap.parse_args()
    args.binary = args.server or os.path.join(args.build, "app", "classrelay")
    args.load = os.path.join(args.build, "bench", "relay_load")
    for path in (args.binary, args.load):
        if not os.access(path, os.X_OK):
            sys.exit(f"relay_bench: {path} is missing; build first (ninja -C {args.build})")
    if os.geteuid() != 0:
        sys.exit("relay_bench: needs root (ip netns)")
    sizes = [int(x) for x in args.sizes.split(",")]
    workers_list = [int(x) for x in args.workers.split(",")]
    results, errors = [], []

    def bail(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, bail)
    try:
        netns_up()
        for run in range(args.runs):
            for w in workers_list:
                for n in sizes:
                    t0 = time.monotonic()
                    print(f"# run {run + 1}/{args.runs} workers={w} N={n}", file=sys.stderr,
                          flush=True)
                    try:
                        results.append(one_run(args, w, n, args.log))
                        results[-1]["run"] = run + 1
                    except (RuntimeError, subprocess.TimeoutExpired) as e:
                        errors.append(f"run {run + 1} workers={w} N={n}: {e}")
                        print("# FAILED: " + errors[-1], file=sys.stderr, flush=True)
                    print(f"#   {time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        errors.append("interrupted")
    finally:
        for p in list(_live):
            p.kill()
        netns_down()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "errors": errors}, f, indent=1)
    print_tables(results, sizes, workers_list)
    if errors:
        print("\nErrors:\n  " + "\n  ".join(errors))
    sys.exit(1 if errors or not results else 0)


if __name__ == "__main__":
    main()
