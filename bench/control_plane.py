#!/usr/bin/python3
"""Control-plane benchmark: signaling (WebSocket) and the attendance ledger.

Usage (from the repository root, after `ninja -C build`):

    /usr/bin/python3 bench/control_plane.py [--runs 3] [--sizes 50,100,200,400]
        [--storage disk,tmpfs] [--idle-seconds 10] [--json FILE] [--binary PATH]

Makefile hint (target not added here):
    bench: build
    	/usr/bin/python3 bench/control_plane.py $(BENCH_ARGS)
(and add `bench` to .PHONY). The default run takes about 12 minutes
(3 runs of 4 sizes on disk and tmpfs); --runs 5 about 20.

Needs only Debian's python3-websockets (asyncio API). Starts the real server
(`classrelay serve --listen 127.0.0.1:0 --data-dir TMP ...`) once per phase,
one class, N trainees plus the instructor, and measures for each N:

 1. join storm: N WebSockets connect at once, then all send `join` at once.
    Wall time until every `welcome` arrived, joins/s, join latency
    (send `join` -> `welcome`, p50/p99), and the SERVER's CPU time per join
    (until every client has also seen every `roster/joined` event).
 2. fan-out: the instructor grants/revokes the floor (sequentially, each
    event waited for at all N+1 clients): server CPU per delivered message,
    delivery latency p50/p99 (per delivery) and "all reached" p50.
 3. idle heartbeat: N connected, server.heartbeat_seconds=1, server CPU per
    connection per beat over --idle-seconds, minus a baseline taken with
    the same N connected and heartbeat_seconds=300.
 4. server RSS per connection: VmRSS before any connection vs after the
    storm settled, and again on a second server where the class joins in
    batches of 25 (the storm's queued messages leave the heap larger).
 5. a join alone: one person joins the empty class and leaves, 50 times
    (latency of one join and one leave, each one committed transaction).

Server CPU is the CPU time of the server process (all threads), read with
clock_gettime() on the process's CPU clock (CPUCLOCK_SCHED, nanoseconds;
the same time /proc/PID/stat fields 14+15 give as utime+stime, but those
are 10 ms ticks, too coarse for the small phases); the store thread
("cr-store") can only be read from /proc/PID/task/TID/stat, in ticks, so
its share is approximate. The Python clients share the CPUs
with the server, so latencies include client-side delay; CPU per unit of
work does not. Every configuration runs --runs times on a fresh server and
data directory; tables show medians. `--storage disk,tmpfs` repeats
everything with the data directory on /dev/shm, which shows what
synchronous=FULL (one fsync per commit) costs.

Benchmark-only settings: max_connections_per_ip and joins_per_minute_per_ip
are lifted (every client is 127.0.0.1), and the per-connection message
rate limit is lifted so the instructor can send floor changes back to back.

Tokens are signed here (HS256 with the key HMAC-SHA256(secret, "classrelay
join token v1"), the secret being DATA_DIR/secret); a first check joins with
one and makes sure a forged one is refused.

Everything is bounded by timeouts; servers are killed and temporary
directories removed on exit (also on Ctrl-C).
"""

import argparse
import asyncio
import atexit
import base64
import hashlib
import hmac
import json
import math
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time

import websockets

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BINARY = os.path.join(REPO, "build", "app", "classrelay")
JOIN_LABEL = b"classrelay join token v1"

START_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0
CONNECT_TIMEOUT = 60.0
STORM_TIMEOUT = 120.0
EVENT_TIMEOUT = 20.0
PROBE_JOINS = 50  # join + leave alone in the class, one at a time
JOIN_BATCH = 25  # then joined in batches this size

_live_pids = set()
_temp_dirs = set()


def _cleanup_at_exit():
    for pid in list(_live_pids):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for d in list(_temp_dirs):
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup_at_exit)


def log(*args):
    print("[bench]", *args, file=sys.stderr, flush=True)


# ---- tokens -----------------------------------------------------------------


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def join_key(data_dir):
    with open(os.path.join(data_dir, "secret"), "rb") as f:
        secret = f.read().rstrip()  # the server uses g_strchomp
    return hmac.new(secret, JOIN_LABEL, hashlib.sha256).digest()


def sign_token(key, sub, name, role, session, ttl=3600):
    now = int(time.time())
    header = b64url(b'{"alg":"HS256","typ":"JWT"}')
    claims = {"sub": sub, "name": name, "org": "Bench Agency", "role": role,
              "session": str(session), "iat": now, "nbf": now, "exp": now + ttl}
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}"
    mac = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


# ---- the server process -----------------------------------------------------


def _process_clockid(pid):
    # Linux MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED): ((~pid) << 3) | 2. The
    # whole process's CPU time (all threads, exited ones included) in
    # nanoseconds; /proc/PID/stat has the same utime+stime in 10 ms ticks.
    # (Thread clocks of another process are refused by the kernel.)
    return ((~pid) << 3) | 2


def _stat_ticks(path):
    with open(path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime (fields 14, 15)


class Server:
    def __init__(self, binary, data_dir, log_path, heartbeat):
        self.binary = binary
        self.data_dir = data_dir
        self.log_path = log_path
        self.heartbeat = heartbeat
        self.proc = None
        self.port = None
        self.session = None
        self.instructor_token = None
        self.trainee_token = None
        self.store_tid = None
        self.ticks_per_s = os.sysconf("SC_CLK_TCK")
        self._drain = None

    async def start(self):
        args = [self.binary, "serve", "--listen", "127.0.0.1:0", "--data-dir", self.data_dir,
                "--set", "server.max_connections_per_ip=100000",
                "--set", "server.joins_per_minute_per_ip=100000",
                "--set", "server.messages_per_second=10000",
                "--set", "server.message_burst=100000",
                "--set", f"server.heartbeat_seconds={self.heartbeat}"]
        self._log = open(self.log_path, "ab")
        self.proc = await asyncio.create_subprocess_exec(
            *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=self._log)
        _live_pids.add(self.proc.pid)
        deadline = time.monotonic() + START_TIMEOUT
        while self.instructor_token is None or self.trainee_token is None or self.port is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError("server did not print its address and demo tokens")
            line = await asyncio.wait_for(self.proc.stdout.readline(), left)
            if not line:
                raise RuntimeError(f"server exited early; see {self.log_path}:\n"
                                   + self.log_tail())
            text = line.decode(errors="replace")
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", text)
            if m:
                self.port = int(m.group(1))
            m = re.search(r"instructor:\s+\S+/class/(\d+)\?token=(\S+)", text)
            if m:
                self.session, self.instructor_token = int(m.group(1)), m.group(2)
            m = re.search(r"trainee:\s+\S+/join/(\d+)\?token=(\S+)", text)
            if m:
                self.trainee_token = m.group(2)
        self._drain = asyncio.create_task(self._drain_stdout())
        self.store_tid = self._find_thread("cr-store")

    async def _drain_stdout(self):
        while await self.proc.stdout.read(65536):
            pass

    def _find_thread(self, name):
        for tid in os.listdir(f"/proc/{self.proc.pid}/task"):
            try:
                with open(f"/proc/{self.proc.pid}/task/{tid}/comm") as f:
                    if f.read().strip() == name:
                        return int(tid)
            except OSError:
                pass
        return None

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    @property
    def url(self):
        return f"ws://127.0.0.1:{self.port}/ws"

    def cpu(self):
        """(process CPU s, store-thread CPU s, process CPU in /proc ticks).

        The store thread ("cr-store") is read from /proc in ticks (10 ms),
        so its share is coarse over short phases."""
        pid = self.proc.pid
        ticks = _stat_ticks(f"/proc/{pid}/stat")
        try:
            total = time.clock_gettime(_process_clockid(pid))
        except OSError:
            total = ticks / self.ticks_per_s
        store = 0.0
        if self.store_tid is not None:
            try:
                store = (_stat_ticks(f"/proc/{pid}/task/{self.store_tid}/stat")
                         / self.ticks_per_s)
            except OSError:
                store = 0.0
        return total, store, ticks

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    async def stop(self):
        if self.proc is None:
            return
        if self.proc.returncode is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                await asyncio.wait_for(self.proc.wait(), STOP_TIMEOUT)
            except (asyncio.TimeoutError, ProcessLookupError):
                try:
                    self.proc.kill()
                except ProcessLookupError:
                    pass
                await asyncio.wait_for(self.proc.wait(), STOP_TIMEOUT)
        _live_pids.discard(self.proc.pid)
        if self._drain is not None:
            self._drain.cancel()
        self._log.close()


# ---- clients ----------------------------------------------------------------


class Bench:
    """Shared counters the client readers update (one asyncio loop)."""

    def __init__(self):
        self.welcomes_missing = 0
        self.joined_missing = 0  # roster/joined events still to be seen
        self.storm_done = asyncio.Event()
        self.event_kind = None  # the floor event being waited for
        self.event_times = []
        self.event_expected = 0
        self.event_done = asyncio.Event()
        self.errors = []
        self.total = 0  # N + 1

    def check_storm(self):
        if self.welcomes_missing == 0 and self.joined_missing == 0:
            self.storm_done.set()


class Client:
    def __init__(self, bench, token, name):
        self.bench = bench
        self.token = token
        self.name = name
        self.ws = None
        self.reader = None
        self.t_join = None
        self.t_welcome = None
        self.roster = 0
        self.other = 0
        self.closed_at = None

    async def connect(self, url):
        self.ws = await websockets.connect(url, ping_interval=None, close_timeout=1,
                                           open_timeout=CONNECT_TIMEOUT, max_size=1 << 24,
                                           max_queue=None)
        self.reader = asyncio.create_task(self._read())

    async def join(self):
        self.t_join = time.perf_counter()
        await self.ws.send(json.dumps({"type": "join", "token": self.token}))

    async def _read(self):
        b = self.bench
        try:
            async for msg in self.ws:
                now = time.perf_counter()
                # Substring tests keep the client cheap: it shares 2 CPUs.
                if '"event":"joined"' in msg:
                    b.joined_missing -= 1
                    if b.joined_missing == 0:
                        b.check_storm()
                elif '"event":"floor_' in msg:
                    if b.event_kind is not None and f'"event":"{b.event_kind}"' in msg:
                        b.event_times.append(now)
                        if len(b.event_times) >= b.event_expected:
                            b.event_done.set()
                elif msg.startswith('{"type":"welcome"'):
                    self.t_welcome = now
                    self.roster = msg.count('"connections":')
                    b.welcomes_missing -= 1
                    # Its own join and every later one reach this client as
                    # roster/joined (the joiner gets its own event too).
                    b.joined_missing += b.total - self.roster + 1
                    b.check_storm()
                elif msg.startswith('{"type":"error"'):
                    b.errors.append(f"{self.name}: {msg[:200]}")
                    b.storm_done.set()
                    b.event_done.set()
                else:
                    self.other += 1
        except websockets.ConnectionClosed:
            pass
        self.closed_at = time.perf_counter()

    async def close(self):
        if self.reader is not None:
            self.reader.cancel()
        if self.ws is not None:
            self.ws.transport.abort()


async def close_all(clients):
    for c in clients:
        await c.close()
    await asyncio.gather(*(c.reader for c in clients if c.reader is not None),
                         return_exceptions=True)


async def join_one(server, bench, client):
    """Connects and joins one client, waiting for its welcome."""
    await asyncio.wait_for(client.connect(server.url), CONNECT_TIMEOUT)
    bench.welcomes_missing += 1
    await client.join()
    deadline = time.monotonic() + EVENT_TIMEOUT
    while client.t_welcome is None:
        if bench.errors:
            raise RuntimeError("join refused: " + bench.errors[0])
        if time.monotonic() > deadline:
            raise RuntimeError(f"no welcome for {client.name}")
        await asyncio.sleep(0.01)


# ---- helpers ----------------------------------------------------------------


async def probe_joins(server, key, count):
    """One person joins an empty class and leaves, @count times: the latency
    of a join (send -> welcome) and of a leave (send -> bye), each one
    committed transaction, with nothing else going on."""
    joins, leaves = [], []

    async def until(ws, prefix):
        while True:
            msg = await ws.recv()
            if msg.startswith(prefix):
                return
            if msg.startswith('{"type":"error"'):
                raise RuntimeError("probe: " + msg[:200])

    for i in range(count):
        token = sign_token(key, f"probe{i}", f"Probe {i}", "trainee", server.session)
        ws = await websockets.connect(server.url, ping_interval=None, close_timeout=1,
                                      open_timeout=CONNECT_TIMEOUT)
        try:
            t = time.perf_counter()
            await ws.send(json.dumps({"type": "join", "token": token}))
            await asyncio.wait_for(until(ws, '{"type":"welcome"'), EVENT_TIMEOUT)
            joins.append(time.perf_counter() - t)
            t = time.perf_counter()
            await ws.send('{"type":"leave"}')
            await asyncio.wait_for(until(ws, '{"type":"bye"'), EVENT_TIMEOUT)
            leaves.append(time.perf_counter() - t)
        finally:
            ws.transport.abort()
    return joins, leaves


async def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def pct(values, p):
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(p / 100.0 * len(s)) - 1))
    return s[k]


def fsync_probe(directory, count=100):
    """Median seconds of write(4 KiB) + fsync in @directory."""
    path = os.path.join(directory, "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    times = []
    try:
        for _ in range(count):
            os.write(fd, b"x" * 4096)
            t = time.perf_counter()
            os.fsync(fd)
            times.append(time.perf_counter() - t)
    finally:
        os.close(fd)
        os.unlink(path)
    return statistics.median(times), pct(times, 99)


class Scratch:
    """A temporary data directory root on disk (/tmp) or tmpfs (/dev/shm)."""

    def __init__(self, storage):
        base = "/dev/shm" if storage == "tmpfs" else None
        self.root = tempfile.mkdtemp(prefix="classrelay-bench-", dir=base)
        _temp_dirs.add(self.root)
        self.count = 0

    def new_dir(self):
        self.count += 1
        path = os.path.join(self.root, f"data{self.count}")
        os.mkdir(path, 0o700)
        return path

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)
        _temp_dirs.discard(self.root)


# ---- phases -----------------------------------------------------------------


async def verify_tokens(binary, scratch, logdir):
    """Self-signed tokens must join; a forged one must be refused."""
    data = scratch.new_dir()
    server = Server(binary, data, os.path.join(logdir, "verify.log"), 300)
    clients = []
    try:
        await server.start()
        bench = Bench()
        bench.total = 3
        key = join_key(data)
        for token, name in ((server.trainee_token, "printed trainee token"),
                            (sign_token(key, "check-1", "Check One", "trainee", server.session),
                             "self-signed trainee token"),
                            (sign_token(key, "check-i", "Check Instructor", "instructor",
                                        server.session), "self-signed instructor token")):
            c = Client(bench, token, name)
            clients.append(c)
            await join_one(server, bench, c)
        forged = sign_token(b"\x00" * 32, "check-2", "Forged", "trainee", server.session)
        c = Client(bench, forged, "forged")
        clients.append(c)
        await asyncio.wait_for(c.connect(server.url), CONNECT_TIMEOUT)
        await c.join()
        deadline = time.monotonic() + EVENT_TIMEOUT
        while not bench.errors and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        if not bench.errors or '"code":"unauthorized"' not in bench.errors[0]:
            raise RuntimeError("a forged token was not refused as unauthorized")
        log("tokens: self-signed tokens join; a forged token is refused (unauthorized)")
    finally:
        await close_all(clients)
        await server.stop()


async def run_once(binary, scratch, logdir, n, pairs, idle_seconds, tag):
    r = {"n": n}
    # ---- server A: storm, RSS, fan-out, idle baseline (heartbeat 300 s) ----
    data = scratch.new_dir()
    server = Server(binary, data, os.path.join(logdir, f"{tag}-a.log"), 300)
    clients = []
    try:
        await server.start()
        key = join_key(data)
        bench = Bench()
        bench.total = n + 1
        await asyncio.sleep(0.2)
        rss0 = server.rss_kib()

        instructor = Client(bench, server.instructor_token, "instructor")
        clients.append(instructor)
        await join_one(server, bench, instructor)
        trainees = [Client(bench, sign_token(key, f"u{i}", f"Trainee {i}", "trainee",
                                             server.session), f"u{i}")
                    for i in range(1, n + 1)]
        clients.extend(trainees)
        # The instructor's welcome already counted the n trainees' roster/joined
        # events it will see (and its own).
        bench.welcomes_missing += n

        # 1. join storm: connect all, then join all at once.
        cpu0 = server.cpu()
        t0 = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(c.connect(server.url) for c in trainees)),
                               CONNECT_TIMEOUT)
        cpu1 = server.cpu()
        t_join0 = time.perf_counter()
        await asyncio.gather(*(c.join() for c in trainees))
        await asyncio.wait_for(bench.storm_done.wait(), STORM_TIMEOUT)
        if bench.errors:
            raise RuntimeError("storm: " + bench.errors[0])
        t_settled = time.perf_counter()
        cpu2 = server.cpu()
        t_last = max(c.t_welcome for c in trainees)
        lat = [c.t_welcome - c.t_join for c in trainees]
        r["storm_wall_s"] = t_last - t0
        r["join_wall_s"] = t_last - t_join0
        r["settle_wall_s"] = t_settled - t_join0
        r["joins_per_s"] = n / (t_last - t_join0)
        r["cpu_connect_ms"] = (cpu1[0] - cpu0[0]) / n * 1e3
        r["cpu_join_ms"] = (cpu2[0] - cpu1[0]) / n * 1e3
        r["cpu_join_store_ms"] = (cpu2[1] - cpu1[1]) / n * 1e3
        r["cpu_join_ticks"] = cpu2[2] - cpu1[2]
        r["join_p50_ms"] = pct(lat, 50) * 1e3
        r["join_p99_ms"] = pct(lat, 99) * 1e3

        # 4. RSS per connection, once the storm's queues have drained.
        await asyncio.sleep(0.3)
        r["rss_before_kib"] = rss0
        r["rss_after_kib"] = server.rss_kib()
        r["rss_per_conn_kib"] = (r["rss_after_kib"] - rss0) / (n + 1)

        # 2. fan-out: grant/revoke the floor, one event at a time.
        deliveries, reach_all = [], []
        events = 0
        f0 = server.cpu()
        for k in range(pairs):
            person = f"u{k % n + 1}"
            for kind, mtype in (("floor_granted", "grant_floor"),
                                ("floor_revoked", "revoke_floor")):
                bench.event_kind = kind
                bench.event_times = []
                bench.event_expected = n + 1
                bench.event_done.clear()
                t_send = time.perf_counter()
                await instructor.ws.send(json.dumps({"type": mtype, "person": person}))
                await asyncio.wait_for(bench.event_done.wait(), EVENT_TIMEOUT)
                if bench.errors:
                    raise RuntimeError("fan-out: " + bench.errors[0])
                deliveries.extend(t - t_send for t in bench.event_times)
                reach_all.append(max(bench.event_times) - t_send)
                events += 1
        f1 = server.cpu()
        bench.event_kind = None
        r["fanout_events"] = events
        r["cpu_per_msg_us"] = (f1[0] - f0[0]) / (events * (n + 1)) * 1e6
        r["cpu_per_event_ms"] = (f1[0] - f0[0]) / events * 1e3
        r["cpu_per_event_store_ms"] = (f1[1] - f0[1]) / events * 1e3
        r["deliver_p50_ms"] = pct(deliveries, 50) * 1e3
        r["deliver_p99_ms"] = pct(deliveries, 99) * 1e3
        r["reach_all_p50_ms"] = pct(reach_all, 50) * 1e3
        r["reach_all_p99_ms"] = pct(reach_all, 99) * 1e3

        # 3a. idle baseline: same connections, no heartbeat due.
        if idle_seconds > 0:
            await asyncio.sleep(0.5)
            b0 = server.cpu()
            t = time.perf_counter()
            await asyncio.sleep(idle_seconds)
            b1 = server.cpu()
            r["idle_base_cpu_s_per_s"] = (b1[0] - b0[0]) / (time.perf_counter() - t)
    finally:
        await server.stop()
        await close_all(clients)

    # ---- server B (heartbeat_seconds=1): a join alone (probe), then the
    # class joins in small batches (steady RSS), then the idle heartbeat ----
    data = scratch.new_dir()
    server = Server(binary, data, os.path.join(logdir, f"{tag}-b.log"), 1)
    clients = []
    try:
        await server.start()
        key = join_key(data)
        bench = Bench()
        bench.total = n + 1
        probe = await probe_joins(server, key, PROBE_JOINS)
        r["alone_join_p50_ms"] = pct(probe[0], 50) * 1e3
        r["alone_join_p99_ms"] = pct(probe[0], 99) * 1e3
        r["alone_leave_p50_ms"] = pct(probe[1], 50) * 1e3
        await asyncio.sleep(0.2)
        rss0 = server.rss_kib()
        instructor = Client(bench, server.instructor_token, "instructor")
        clients.append(instructor)
        await join_one(server, bench, instructor)
        trainees = [Client(bench, sign_token(key, f"u{i}", f"Trainee {i}", "trainee",
                                             server.session), f"u{i}")
                    for i in range(1, n + 1)]
        clients.extend(trainees)
        rest = trainees
        for i in range(0, len(rest), JOIN_BATCH):
            batch = rest[i:i + JOIN_BATCH]
            bench.welcomes_missing += len(batch)
            await asyncio.wait_for(asyncio.gather(*(c.connect(server.url) for c in batch)),
                                   CONNECT_TIMEOUT)
            await asyncio.gather(*(c.join() for c in batch))
            await wait_until(lambda: bench.welcomes_missing == 0 or bench.errors,
                             STORM_TIMEOUT, "gradual joins: welcomes")
            if bench.errors:
                raise RuntimeError("gradual joins: " + bench.errors[0])
        # Everyone has joined: now every roster/joined event is due.
        await wait_until(lambda: bench.joined_missing == 0, STORM_TIMEOUT,
                         "gradual joins: roster events")
        await asyncio.sleep(0.5)
        r["rss_gradual_per_conn_kib"] = (server.rss_kib() - rss0) / (n + 1)

        if idle_seconds > 0:
            await asyncio.sleep(1.5)
            h0 = server.cpu()
            t = time.perf_counter()
            await asyncio.sleep(idle_seconds)
            h1 = server.cpu()
            elapsed = time.perf_counter() - t
            beats = elapsed / 1.0
            closed = [c for c in clients if not c.ws.open]
            r["hb_closed"] = len(closed)
            if closed:
                # The server closes a connection silent for 3 beats (3 s here):
                # on a loaded machine the Python clients can fall that far
                # behind. The window is then not comparable; drop it.
                why = "; ".join(f"{c.name} closed {c.ws.close_code} {c.ws.close_reason!r} "
                                f"{(c.closed_at or t) - t:+.1f} s after the window opened"
                                for c in closed[:3])
                log(f"  heartbeat window dropped: {len(closed)} of {n + 1} connections "
                    f"closed ({why})")
                return r
            per_s = (h1[0] - h0[0]) / elapsed
            r["hb_cpu_s_per_s"] = per_s
            r["hb_store_s_per_s"] = (h1[1] - h0[1]) / elapsed
            r["hb_us_per_conn_beat"] = (h1[0] - h0[0]) / (beats * (n + 1)) * 1e6
            r["hb_net_us_per_conn_beat"] = ((per_s - r["idle_base_cpu_s_per_s"])
                                            / (n + 1) * 1e6)
            r["hb_store_us_per_conn_beat"] = (h1[1] - h0[1]) / (beats * (n + 1)) * 1e6
    finally:
        await server.stop()
        await close_all(clients)
    return r


# ---- report -----------------------------------------------------------------


def median_of(runs, key):
    vals = [r[key] for r in runs if key in r]
    return statistics.median(vals) if vals else float("nan")


def fmt(v, digits=2):
    if isinstance(v, float) and math.isnan(v):
        return "–"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.{digits}f}"


def print_report(results, args, probes):
    out = []
    out.append(f"Medians of {args.runs} runs per row; server CPU = utime+stime of the "
               "server process (all threads).")
    out.append("")
    for storage, probe in probes.items():
        out.append(f"- fsync probe on the {storage} data dir: median "
                   f"{probe[0] * 1e3:.3f} ms, p99 {probe[1] * 1e3:.3f} ms (write 4 KiB + fsync)")
    out.append("")
    out.append("Join storm (N connect at once, then N joins at once)")
    out.append("")
    out.append("| storage | N | storm wall s | joins/s | CPU/join ms | of which store ms "
               "| CPU/connect ms | join p50 ms | join p99 ms |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (storage, n), runs in results.items():
        m = lambda k: median_of(runs, k)  # noqa: E731
        out.append(f"| {storage} | {n} | {fmt(m('storm_wall_s'))} | {fmt(m('joins_per_s'))} | "
                   f"{fmt(m('cpu_join_ms'), 3)} | {fmt(m('cpu_join_store_ms'), 3)} | "
                   f"{fmt(m('cpu_connect_ms'), 3)} | {fmt(m('join_p50_ms'))} | "
                   f"{fmt(m('join_p99_ms'))} |")
    out.append("")
    out.append(f"Joins alone ({PROBE_JOINS} times: join an empty class, then leave) "
               "and memory")
    out.append("")
    out.append("| storage | N | join alone p50 ms | p99 ms | leave alone p50 ms "
               "| RSS/conn after storm KiB | RSS/conn, gradual joins KiB |")
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    for (storage, n), runs in results.items():
        m = lambda k: median_of(runs, k)  # noqa: E731
        out.append(f"| {storage} | {n} | {fmt(m('alone_join_p50_ms'))} | "
                   f"{fmt(m('alone_join_p99_ms'))} | {fmt(m('alone_leave_p50_ms'))} | "
                   f"{fmt(m('rss_per_conn_kib'))} | {fmt(m('rss_gradual_per_conn_kib'))} |")
    out.append("")
    out.append("Fan-out (floor grant/revoke; each event goes to N+1 connections)")
    out.append("")
    out.append("| storage | N | events | CPU/delivered msg µs | CPU/event ms | of which store ms "
               "| delivery p50 ms | delivery p99 ms | all-reached p50 ms | all-reached p99 ms |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (storage, n), runs in results.items():
        m = lambda k: median_of(runs, k)  # noqa: E731
        out.append(f"| {storage} | {n} | {fmt(m('fanout_events'))} | "
                   f"{fmt(m('cpu_per_msg_us'))} | {fmt(m('cpu_per_event_ms'), 3)} | "
                   f"{fmt(m('cpu_per_event_store_ms'), 3)} | {fmt(m('deliver_p50_ms'))} | "
                   f"{fmt(m('deliver_p99_ms'))} | {fmt(m('reach_all_p50_ms'))} | "
                   f"{fmt(m('reach_all_p99_ms'))} |")
    if args.idle_seconds > 0:
        out.append("")
        out.append(f"Idle heartbeat (heartbeat_seconds=1, {args.idle_seconds:g} s window)")
        out.append("")
        out.append("| storage | N | server CPU % | CPU/conn/beat µs | net of baseline µs "
                   "| of which store µs | baseline CPU % (no beat) | valid runs |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for (storage, n), runs in results.items():
            m = lambda k: median_of(runs, k)  # noqa: E731
            out.append(f"| {storage} | {n} | {fmt(m('hb_cpu_s_per_s') * 100)} | "
                       f"{fmt(m('hb_us_per_conn_beat'))} | {fmt(m('hb_net_us_per_conn_beat'))} | "
                       f"{fmt(m('hb_store_us_per_conn_beat'))} | "
                       f"{fmt(m('idle_base_cpu_s_per_s') * 100)} | "
                       f"{sum(1 for x in runs if 'hb_cpu_s_per_s' in x)}/{len(runs)} |")
    storages = sorted({k[0] for k in results})
    if "disk" in storages and "tmpfs" in storages:
        out.append("")
        out.append("Disk / tmpfs (ratio of medians; >1 means the disk data dir is slower "
                   "or costs more)")
        out.append("")
        out.append("| N | storm joins/s | CPU/join | join alone p50 | leave alone p50 "
                   "| CPU/fan-out msg |")
        out.append("|---:|---:|---:|---:|---:|---:|")
        for n in sorted({k[1] for k in results}):
            d, t = results.get(("disk", n)), results.get(("tmpfs", n))
            if not d or not t:
                continue
            ratio = lambda k: median_of(d, k) / median_of(t, k)  # noqa: E731
            out.append(f"| {n} | {1 / ratio('joins_per_s'):.2f} | {ratio('cpu_join_ms'):.2f} | "
                       f"{ratio('alone_join_p50_ms'):.2f} | {ratio('alone_leave_p50_ms'):.2f} | "
                       f"{ratio('cpu_per_msg_us'):.2f} |")
    print("\n".join(out), flush=True)


# ---- main -------------------------------------------------------------------


async def main_async(args):
    if not os.access(args.binary, os.X_OK):
        raise SystemExit(f"{args.binary}: not built; run `ninja -C build` first")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    storages = [s.strip() for s in args.storage.split(",") if s.strip()]
    for s in storages:
        if s not in ("disk", "tmpfs"):
            raise SystemExit(f"--storage: unknown {s!r} (disk, tmpfs)")
    logdir = tempfile.mkdtemp(prefix="classrelay-bench-logs-")
    _temp_dirs.add(logdir)
    results, probes, scratches = {}, {}, {}
    try:
        for storage in storages:
            scratches[storage] = Scratch(storage)
            probes[storage] = fsync_probe(scratches[storage].root)
        await verify_tokens(args.binary, scratches[storages[0]], logdir)
        # Interleave storages and sizes within each run, so that machine
        # noise spreads over every configuration rather than one.
        for run in range(args.runs):
            for n in sizes:
                for storage in storages:
                    pairs = args.pairs or max(50, math.ceil(10000 / (n + 1)))
                    tag = f"{storage}-n{n}-r{run}"
                    log(f"run {run + 1}/{args.runs}: N={n} storage={storage} "
                        f"({2 * pairs} floor events)")
                    try:
                        r = await run_once(args.binary, scratches[storage], logdir, n, pairs,
                                           args.idle_seconds, tag)
                    except Exception:
                        for name in sorted(os.listdir(logdir)):
                            if name.startswith(tag):
                                with open(os.path.join(logdir, name), errors="replace") as f:
                                    tail = f.readlines()[-15:]
                                log(f"--- {name} (tail) ---\n" + "".join(tail))
                        raise
                    r["storage"], r["run"] = storage, run
                    results.setdefault((storage, n), []).append(r)
                    log(f"  joins/s {r['joins_per_s']:.0f}, CPU/join {r['cpu_join_ms']:.3f} ms, "
                        f"CPU/msg {r['cpu_per_msg_us']:.1f} µs"
                        + (f", hb {r['hb_us_per_conn_beat']:.1f} µs/conn/beat"
                           if "hb_us_per_conn_beat" in r else ""))
        ordered = {k: results[k] for k in sorted(results, key=lambda k: (k[0], k[1]))}
        print_report(ordered, args, probes)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"args": vars(args), "fsync_probe_s": probes,
                           "runs": [r for runs in ordered.values() for r in runs]}, f,
                          indent=1)
    finally:
        for s in scratches.values():
            s.remove()
        shutil.rmtree(logdir, ignore_errors=True)
        _temp_dirs.discard(logdir)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per configuration (median)")
    parser.add_argument("--sizes", default="50,100,200,400", help="trainees per class")
    parser.add_argument("--storage", default="disk,tmpfs",
                        help="data dir on disk (/tmp), tmpfs (/dev/shm), or both")
    parser.add_argument("--idle-seconds", type=float, default=10.0,
                        help="heartbeat window (and baseline); 0 skips the idle phase")
    parser.add_argument("--pairs", type=int, default=0,
                        help="grant+revoke pairs (default: max(50, 10000/(N+1)))")
    parser.add_argument("--binary", default=DEFAULT_BINARY, help="classrelay binary")
    parser.add_argument("--json", help="also write every run's numbers to this file")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    # SIGTERM behaves like Ctrl-C: unwind, stop servers, remove temp dirs.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        asyncio.run(main_async(args))
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
