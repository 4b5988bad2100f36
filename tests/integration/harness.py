"""harness.py — drives the real classrelay binary for the integration tests.

Starts `classrelay serve` on a free port in a temporary data directory,
reads the port and the first-start demo links from its stdout, mints tokens
with `classrelay token`, and offers an HTTP helper, a WebSocket client
wrapper (websockets 10.x + asyncio), a hand-made raw WebSocket client for
misbehaving peers, read-only access to the sqlite database, and a tiny TAP
reporter. Every wait has a timeout, and every process started here is
killed at exit (atexit, SIGTERM/SIGINT from meson), so no test can hang or
leave a server behind.

The binary comes from $CLASSRELAY (meson sets it), else argv[1], else
build/app/classrelay next to the source tree.
"""
import asyncio
import atexit
import base64
import collections
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import websockets
import websockets.exceptions

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))


def _find_binary():
    path = os.environ.get('CLASSRELAY')
    if not path and len(sys.argv) > 1:
        path = sys.argv[1]
    if not path:
        path = os.path.join(SOURCE_ROOT, 'build', 'app', 'classrelay')
    if not os.access(path, os.X_OK):
        sys.stderr.write('classrelay binary not found: %r (set CLASSRELAY)\n' % path)
        sys.exit(2)
    return os.path.abspath(path)


BIN = _find_binary()
ENV = dict(os.environ, LC_ALL='C.UTF-8', LANG='C.UTF-8')
ENV.pop('G_MESSAGES_DEBUG', None)

# ---- cleanup --------------------------------------------------------------

_procs = []
_tmpdirs = []


def _cleanup():
    for p in _procs:
        if p.poll() is None:
            try:
                p.kill()
                p.wait(timeout=5)
            except Exception:
                pass
    if not os.environ.get('CR_KEEP_TMP'):
        for d in _tmpdirs:
            shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)


def _on_signal(signum, frame):
    _cleanup()
    os._exit(128 + signum)


signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)


def tmpdir(prefix='cr-it-'):
    d = tempfile.mkdtemp(prefix=prefix)
    _tmpdirs.append(d)
    return d


# ---- TAP ------------------------------------------------------------------


class Tap:
    """ok/not ok lines; the plan at the end; exit status 1 on any failure."""

    def __init__(self):
        self.n = 0
        self.failed = []

    def ok(self, cond, desc, detail=None):
        self.n += 1
        print('%s %d - %s' % ('ok' if cond else 'not ok', self.n, desc), flush=True)
        if not cond:
            self.failed.append(desc)
            if detail is not None:
                for line in str(detail).splitlines() or ['']:
                    print('#   ' + line, flush=True)
        return bool(cond)

    def eq(self, got, want, desc, detail=None):
        text = 'got  %r\nwant %r' % (got, want)
        return self.ok(got == want, desc, text + ('\n%s' % detail if detail else ''))

    def near(self, got, want, tol, desc):
        good = got is not None and want is not None and abs(got - want) <= tol
        return self.ok(good, desc, 'got %r, want %r +- %r' % (got, want, tol))

    def between(self, got, lo, hi, desc):
        good = got is not None and lo <= got <= hi
        return self.ok(good, desc, 'got %r, want within [%r, %r]' % (got, lo, hi))

    def note(self, text):
        print('# ' + text, flush=True)

    def finish(self):
        print('1..%d' % self.n, flush=True)
        if self.failed:
            print('# FAILED %d of %d: %s' % (len(self.failed), self.n, '; '.join(self.failed)),
                  flush=True)
        sys.exit(1 if self.failed or self.n == 0 else 0)


T = Tap()

# ---- the CLI --------------------------------------------------------------


def run_cli(args, timeout=20, input=None):
    """Runs `classrelay ARGS`; returns (rc, stdout, stderr) as text."""
    p = subprocess.run([BIN] + list(args), capture_output=True, timeout=timeout, env=ENV,
                       input=input)
    return (p.returncode, p.stdout.decode('utf-8', 'replace'),
            p.stderr.decode('utf-8', 'replace'))


def mint(data_dir, role, user, name, session=None, ttl='1h', org=None, sets=()):
    args = ['token', '--data-dir', data_dir, '--role', role, '--user', user, '--name', name,
            '--ttl', ttl]
    if session is not None:
        args += ['--session', str(session)]
    if org is not None:
        args += ['--org', org]
    for s in sets:
        args += ['--set', s]
    rc, out, err = run_cli(args)
    if rc != 0:
        raise RuntimeError('classrelay token failed (%d): %s' % (rc, err))
    return out.strip()


# ---- JWTs made by hand (forged, expired, alg none, check-in codes) --------


def checkin_code(checkin_key, session, expires):
    """An in-room check-in code as the server makes it (checkin-code.h):
    base-36 expiry, a dot, 16 bytes of HMAC-SHA-256 in base64url."""
    digits = '0123456789abcdefghijklmnopqrstuvwxyz'
    n, when = int(expires), ''
    while True:
        n, r = divmod(n, 36)
        when = digits[r] + when
        if n == 0:
            break
    msg = ('classrelay check-in\n%d\n%d' % (session, expires)).encode()
    return when + '.' + b64url(hmac.new(checkin_key, msg, hashlib.sha256).digest()[:16])


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


def jwt_claims(token):
    return json.loads(b64url_decode(token.split('.')[1]))


def derive_keys(secret):
    """The server's two HS256 keys from its secret (signaling/server.c)."""
    join = hmac.new(secret, b'classrelay join token v1', hashlib.sha256).digest()
    checkin = hmac.new(secret, b'classrelay check-in code v1', hashlib.sha256).digest()
    return join, checkin


def sign_jwt(claims, key, header=None):
    head = b64url(json.dumps(header or {'alg': 'HS256', 'typ': 'JWT'}).encode())
    body = b64url(json.dumps(claims, ensure_ascii=False).encode())
    signing = ('%s.%s' % (head, body)).encode()
    sig = b'' if key is None else hmac.new(key, signing, hashlib.sha256).digest()
    return '%s.%s.%s' % (head, body, b64url(sig))


# ---- the server -----------------------------------------------------------


class ServerFailed(Exception):
    pass


class _Lines:
    """Collects a pipe's lines on a thread; waits on them with a timeout."""

    def __init__(self, pipe):
        self.lines = []
        self.cond = threading.Condition()
        self.eof = False
        self.thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self.thread.start()

    def _read(self, pipe):
        for raw in iter(pipe.readline, b''):
            with self.cond:
                self.lines.append(raw.decode('utf-8', 'replace').rstrip('\r\n'))
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def wait_for(self, pattern, timeout):
        """The first match of @pattern in any line, or None at EOF/timeout."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines:
                    m = rx.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if self.eof or left <= 0:
                    return None
                self.cond.wait(left)

    def text(self):
        with self.cond:
            return '\n'.join(self.lines)


servers = []


class Server:
    """One `classrelay serve` process; restartable on the same data dir."""

    def __init__(self, sets=(), data_dir=None, heartbeat=1):
        self.data_dir = data_dir or tmpdir()
        # These tests drive the control plane without media, so presence
        # alone is credited; tests/media covers attendance.require_media.
        base = ['attendance.require_media=false', 'media.workers=1']
        if heartbeat:
            base.append('server.heartbeat_seconds=%d' % heartbeat)
        self.sets = base + list(sets)
        self.proc = None
        self.port = None
        self.links = {}        # printed by the latest start
        self.demo_tokens = {}  # from the first start, kept across restarts
        self.demo_session = None
        self.out = self.err = None
        servers.append(self)

    @property
    def db_path(self):
        name = 'classrelay.db'
        for s in self.sets:
            if s.startswith('storage.database='):
                name = s.split('=', 1)[1]
        return os.path.join(self.data_dir, name)  # join keeps an absolute name

    def argv(self):
        a = [BIN, 'serve', '--listen', '127.0.0.1:0', '--data-dir', self.data_dir]
        for s in self.sets:
            a += ['--set', s]
        return a

    def start(self, timeout=10):
        """Starts the server; returns self once it listens. On failure raises
        ServerFailed (the process's exit status and stderr are kept)."""
        assert self.proc is None or self.proc.poll() is not None, 'already running'
        self.port = None
        self.links = {}
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
        _procs.append(self.proc)
        self.out = _Lines(self.proc.stdout)
        self.err = _Lines(self.proc.stderr)
        m = self.out.wait_for(r'listening on http://127\.0\.0\.1:(\d+)', timeout)
        if m is None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
            self.err.thread.join(2)
            raise ServerFailed('server did not start (exit %r): %s' %
                               (self.proc.returncode, self.err.text()))
        self.port = int(m.group(1))
        # The links follow in the same flushed write; give the reader a moment.
        if self.out.wait_for(r'A demo course', 0.3):
            self.out.wait_for(r'^More tokens', 3)
        for role in ('instructor', 'trainee', 'coordinator'):
            m = self.out.wait_for(r'^\s+%s:\s+(\S+)' % role, 0)
            if m:
                url = m.group(1)
                self.links[role] = url
                self.demo_tokens[role] = url.split('?token=', 1)[1]
                s = re.search(r'/(?:class|join)/(\d+)\?', url)
                if s:
                    self.demo_session = int(s.group(1))
        return self

    def start_expect_failure(self, timeout=10):
        """Starts a server that must refuse to run; returns (rc, stderr)."""
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
        _procs.append(self.proc)
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate(timeout=5)
            return None, err.decode('utf-8', 'replace')
        return self.proc.returncode, err.decode('utf-8', 'replace')

    def link_token(self, role):
        return self.demo_tokens[role]

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Signals the server and waits; returns its exit status."""
        if not self.running():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
            raise ServerFailed('server did not stop within %ss after signal %d' % (timeout, sig))
        finally:
            if self.err:
                self.err.thread.join(2)

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def restart(self, timeout=10):
        if self.running():
            self.stop()
        return self.start(timeout)

    def log(self):
        return self.err.text() if self.err else ''

    def stdout(self):
        return self.out.text() if self.out else ''

    # -- tokens --

    def token(self, role, user, name, session=None, ttl='1h', org=None):
        if session is None and role != 'coordinator':
            session = self.demo_session
        return mint(self.data_dir, role, user, name, session, ttl, org)

    def secret(self):
        with open(os.path.join(self.data_dir, 'secret'), 'rb') as f:
            return f.read().strip()

    def keys(self):
        return derive_keys(self.secret())

    # -- HTTP --

    def http(self, method, path, token=None, body=None, headers=None, timeout=10):
        """(status, headers with lower-case names, body bytes)."""
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=timeout)
        try:
            h = dict(headers or {})
            if token is not None:
                h['Authorization'] = 'Bearer ' + token
            data = None
            if body is not None:
                if isinstance(body, (bytes, bytearray)):
                    data = bytes(body)
                elif isinstance(body, str):
                    data = body.encode()
                else:
                    data = json.dumps(body, ensure_ascii=False).encode()
                    h.setdefault('Content-Type', 'application/json')
            elif method in ('POST', 'PUT', 'PATCH'):
                data = b''
            conn.request(method, path, body=data, headers=h)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def api(self, method, path, token=None, body=None, **kw):
        """(status, parsed JSON or None)."""
        status, _, data = self.http(method, path, token, body, **kw)
        try:
            return status, json.loads(data)
        except ValueError:
            return status, None

    # -- WebSocket --

    def ws_url(self, token=None):
        url = 'ws://127.0.0.1:%d/ws' % self.port
        return url + ('?token=' + token if token else '')

    async def ws(self, token=None, url_token=False, name=''):
        """A connected client; with @token (join message, or ?token= when
        @url_token) it also waits for welcome and keeps it in .welcome."""
        c = await WS.connect(self.ws_url(token if url_token else None), name=name)
        if token is not None:
            if url_token:
                c.welcome = await c.expect('welcome', timeout=5)
            else:
                c.welcome = await c.join(token)
        return c

    # -- the database --

    def query(self, sql, *args):
        return db_query(self.db_path, sql, *args)

    def counts(self):
        return table_counts(self.db_path)


def db_query(path, sql, *args):
    """Rows of @sql on a read-only connection (safe while the server runs)."""
    db = sqlite3.connect('file:%s?mode=ro' % path, uri=True, timeout=5)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def table_counts(path):
    tables = [r[0] for r in db_query(path, "SELECT name FROM sqlite_master WHERE type='table'")]
    return {t: db_query(path, 'SELECT count(*) FROM "%s"' % t)[0][0] for t in sorted(tables)}


# ---- WebSocket client -----------------------------------------------------


class Timeout(AssertionError):
    pass


_open_ws = []


async def _drop_all_ws():
    """Drops every client connection at once (a clean close would wait)."""
    for w in _open_ws:
        try:
            w.conn.transport.abort()
        except Exception:
            pass
    for w in _open_ws:
        try:
            await asyncio.wait_for(w.closed.wait(), 1)
        except asyncio.TimeoutError:
            w.task.cancel()
    _open_ws.clear()


class WS:
    """A websockets client whose messages are read by a task into an inbox,
    so pings are answered while the test is busy, and every wait is bounded.

    expect() consumes the inbox up to and including the match (what came
    before is skipped); request() picks only its reply and leaves the rest;
    collect() takes everything."""

    _ref = 0

    def __init__(self, conn, name=''):
        self.conn = conn
        self.name = name
        self.inbox = collections.deque()
        self.arrived = asyncio.Event()
        self.history = []
        self.welcome = None
        self.close_code = None
        self.close_reason = None
        self.closed = asyncio.Event()
        self.closed_at = None
        self.task = asyncio.ensure_future(self._reader())
        _open_ws.append(self)

    @classmethod
    async def connect(cls, url, name='', timeout=5):
        conn = await asyncio.wait_for(
            websockets.connect(url, compression=None, ping_interval=None, close_timeout=2,
                               open_timeout=timeout, max_size=2 ** 24), timeout + 1)
        return cls(conn, name)

    async def _reader(self):
        try:
            async for raw in self.conn:
                if isinstance(raw, bytes):
                    msg = {'type': '<binary>', 'data': raw}
                else:
                    msg = json.loads(raw)
                msg['_t'] = time.time()
                self.history.append(msg)
                self.inbox.append(msg)
                self.arrived.set()
        except websockets.exceptions.ConnectionClosed:
            pass
        except Exception as e:  # keep the failure visible
            self.history.append({'type': '<reader error>', 'error': repr(e)})
        finally:
            self.close_code = self.conn.close_code
            self.close_reason = self.conn.close_reason
            self.closed_at = time.time()
            self.closed.set()
            self.arrived.set()

    @classmethod
    def new_ref(cls):
        cls._ref += 1
        return 'r%d' % cls._ref

    async def send(self, obj):
        if isinstance(obj, (str, bytes)):
            await self.conn.send(obj)
        else:
            await self.conn.send(json.dumps(obj, ensure_ascii=False))

    async def _wait(self, find, timeout, what):
        deadline = time.monotonic() + timeout
        while True:
            found = find()
            if found is not None:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout('%s: %s within %ss; inbox %r' %
                              (self.name, what, timeout, [_brief(m) for m in self.inbox]))
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), left)
            except asyncio.TimeoutError:
                pass

    async def recv(self, timeout=3):
        return await self._wait(lambda: self.inbox.popleft() if self.inbox else None, timeout,
                                'no message')

    async def expect(self, type_, timeout=3, **fields):
        """The first message of @type_ whose fields match; what came before it
        is dropped."""
        def find():
            while self.inbox:
                msg = self.inbox.popleft()
                if msg.get('type') == type_ and all(msg.get(k) == v for k, v in fields.items()):
                    return msg
            return None
        return await self._wait(find, timeout, 'no %s %r' % (type_, fields))

    async def collect(self, wait):
        """Everything in the inbox and whatever arrives within @wait seconds."""
        await asyncio.sleep(wait)
        out = list(self.inbox)
        self.inbox.clear()
        return out

    def drain(self):
        out = list(self.inbox)
        self.inbox.clear()
        return out

    async def request(self, obj, timeout=3):
        """Sends @obj with a fresh ref; returns the reply (any type) carrying
        that ref, leaving other messages in the inbox."""
        ref = self.new_ref()
        obj = dict(obj, ref=ref)
        await self.send(obj)

        def find():
            for msg in self.inbox:
                if msg.get('ref') == ref:
                    self.inbox.remove(msg)
                    return msg
            return None
        return await self._wait(find, timeout, 'no reply to %r' % (obj,))

    async def join(self, token, timeout=5):
        msg = await self.request({'type': 'join', 'token': token}, timeout)
        if msg.get('type') != 'welcome':
            raise AssertionError('%s: join refused: %r' % (self.name, msg))
        self.welcome = msg
        return msg

    async def ping(self, timeout=3):
        msg = await self.request({'type': 'ping'}, timeout)
        if msg.get('type') != 'pong':
            raise AssertionError('%s: ping answered with %r' % (self.name, msg))
        return msg

    async def alive(self, timeout=3):
        try:
            await self.ping(timeout)
            return True
        except (Timeout, AssertionError, websockets.exceptions.ConnectionClosed):
            return False

    async def wait_closed(self, timeout=5):
        """The close code once the server has closed the connection."""
        try:
            await asyncio.wait_for(self.closed.wait(), timeout)
        except asyncio.TimeoutError:
            raise Timeout('%s: not closed within %ss' % (self.name, timeout)) from None
        return self.close_code

    async def close(self):
        try:
            await asyncio.wait_for(self.conn.close(), 3)
        except Exception:
            pass
        try:
            await asyncio.wait_for(self.closed.wait(), 3)
        except asyncio.TimeoutError:
            self.task.cancel()


def _brief(msg):
    return {k: v for k, v in msg.items() if k in ('type', 'event', 'person', 'code', 'ref')}


# ---- a raw WebSocket client (for peers that misbehave) ---------------------


class RawWS:
    """A hand-made client: handshake, masked frames, and control over pongs."""

    def __init__(self, port, path='/ws', timeout=5):
        self.sock = socket.create_connection(('127.0.0.1', port), timeout)
        self.sock.settimeout(timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ('GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n'
               'Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n'
               'User-Agent: raw-test-client\r\n\r\n' % (path, port, key))
        self.sock.sendall(req.encode())
        self.buf = b''
        while b'\r\n\r\n' not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError('closed during handshake: %r' % self.buf)
            self.buf += chunk
        head, self.buf = self.buf.split(b'\r\n\r\n', 1)
        self.status_line = head.split(b'\r\n', 1)[0].decode()
        if ' 101 ' not in self.status_line + ' ':
            raise ConnectionError('handshake refused: %s' % self.status_line)

    def send_frame(self, payload, opcode=1):
        if isinstance(payload, str):
            payload = payload.encode()
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack('!H', n)
        else:
            head += bytes([0x80 | 127]) + struct.pack('!Q', n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send_json(self, obj):
        self.send_frame(json.dumps(obj))

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError('connection closed')
            self.buf += chunk

    def recv_frame(self):
        """(opcode, payload); raises EOFError when the peer closed, socket.timeout."""
        self._need(2)
        b0, b1 = self.buf[0], self.buf[1]
        n = b1 & 0x7F
        off = 2
        if n == 126:
            self._need(4)
            n = struct.unpack('!H', self.buf[2:4])[0]
            off = 4
        elif n == 127:
            self._need(10)
            n = struct.unpack('!Q', self.buf[2:10])[0]
            off = 10
        self._need(off + n)
        payload = self.buf[off:off + n]
        self.buf = self.buf[off + n:]
        return b0 & 0x0F, payload

    def recv_json(self, type_, timeout=5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.01))
            op, payload = self.recv_frame()
            if op == 9:
                self.send_frame(payload, 10)
            elif op == 1:
                msg = json.loads(payload)
                if msg.get('type') == type_:
                    return msg
            elif op == 8:
                raise EOFError('closed: %r' % payload)
        raise Timeout('raw client: no %s' % type_)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---- running a test program -----------------------------------------------


async def poll(fn, timeout=3, interval=0.05):
    """fn()'s first truthy value within @timeout seconds, else its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() >= deadline:
            return value
        await asyncio.sleep(interval)


def iso(t):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))


def parse_iso(text):
    import calendar
    return calendar.timegm(time.strptime(text, '%Y-%m-%dT%H:%M:%SZ'))


def main(*tests, timeout=60):
    """Runs each async test function with its own timeout; any exception is
    a failed test. Servers started by a test are killed after it."""
    started = time.monotonic()
    for fn in tests:
        T.note('--- %s' % fn.__name__)
        t0 = time.monotonic()
        async def run_one():
            try:
                await asyncio.wait_for(fn(), timeout)
            finally:
                await _drop_all_ws()
        try:
            asyncio.run(run_one())
        except asyncio.TimeoutError:
            T.ok(False, '%s finished within %ss' % (fn.__name__, timeout))
        except Exception:
            T.ok(False, '%s raised' % fn.__name__, traceback.format_exc())
        finally:
            for s in servers:
                if s.running():
                    s.stop(signal.SIGKILL)
            servers.clear()
        T.note('%s took %.1fs' % (fn.__name__, time.monotonic() - t0))
    T.note('total %.1fs' % (time.monotonic() - started))
    T.finish()
