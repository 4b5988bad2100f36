#!/usr/bin/python3
"""The recordings catalog over HTTP and on the command line: list and get
(the JSON shape), the media file with Range requests (first bytes, a middle,
a suffix, 416, the bytes equal to the file, HEAD, a token in the query),
who may see what, path-traversal ids, DELETE, a large file streamed without
being held in memory, and `classrelay recordings list|verify`.

The rows are written straight into the database (python's sqlite3) next
to real files: a WebM made by gst-launch-1.0,
and a large file of random bytes. The recorder's own tests make rows the
real way."""
import hashlib
import json
import os
import shutil
import subprocess
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

T = h.T
FIELDS = {'id', 'session_id', 'state', 'reason', 'container', 'tracks', 'started_at',
          'ended_at', 'duration_seconds', 'size_bytes', 'sha256', 'media_url'}
BIG_MB = 32


def make_webm(path):
    """A real 2-second VP8 WebM (gst-launch-1.0), else None."""
    gst = shutil.which('gst-launch-1.0')
    if gst is None:
        return None
    subprocess.run([gst, '-q', 'videotestsrc', 'num-buffers=60', '!', 'vp8enc', '!',
                    'webmmux', '!', 'filesink', 'location=' + path],
                   check=True, timeout=60, capture_output=True)
    return path


def sha256_of(path):
    d = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            d.update(chunk)
    return d.hexdigest()


def insert(db_path, session, rel, container, state, started, ended, size=None, sha=None,
           tracks=None, reason=None):
    db = sqlite3.connect(db_path, timeout=5)
    try:
        cur = db.execute(
            'INSERT INTO recordings (session_id, path, container, tracks, state, reason,'
            ' started_at, ended_at, duration_seconds, size_bytes, sha256, created_at)'
            ' VALUES (?,?,?,?,?,?,?,?,?,?,?,?)',
            (session, rel, container, json.dumps(tracks or []), state, reason, started, ended,
             (ended - started) if ended else None, size, sha, int(time.time())))
        db.commit()
        return cur.lastrowid
    finally:
        db.close()


def rss_peak_kb(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    return None


def sanitized(pid):
    with open('/proc/%d/maps' % pid) as f:
        return any('libasan' in line or 'libclang_rt.asan' in line for line in f)


_webm_cache = []


def webm_copy(path):
    """Copies one WebM made once per run (gst-launch-1.0 is slow to start)."""
    if not _webm_cache:
        made = make_webm(os.path.join(h.tmpdir(), 'test.webm'))
        if made is None:
            T.note('gst-launch-1.0 missing: a random file stands in for the WebM')
            made = os.path.join(h.tmpdir(), 'random.webm')
            with open(made, 'wb') as f:
                f.write(os.urandom(64 * 1024))
        _webm_cache.append(made)
    shutil.copyfile(_webm_cache[0], path)


class World:
    """A server with two sessions and recordings on disk. The rows are
    written while the server runs (sqlite in WAL mode takes a second
    writer): a row in state recording written before a start would be
    taken for a crash's leftover and repaired, or failed, by the start."""

    def __init__(self, big_mb=1):
        self.s = h.Server()
        self.big_mb = big_mb

    async def build(self):
        s = self.s.start()
        self.coord = s.token('coordinator', 'c-1', 'Coordinator')
        self.sid = s.demo_session
        st, other = s.api('POST', '/api/sessions', self.coord, {
            'course_id': 1, 'title': 'Other', 'scheduled_start': h.iso(time.time()),
            'scheduled_end': h.iso(time.time() + 3600)})
        assert st == 201, (st, other)
        self.other = other['id']
        self.instr = s.token('instructor', 'i-1', 'Instructor', session=self.sid)
        self.instr_other = s.token('instructor', 'i-2', 'Other instructor', session=self.other)
        self.trainee = s.token('trainee', 't-1', 'Trainee', session=self.sid)

        self.dir = os.path.join(s.data_dir, 'recordings')
        os.makedirs(os.path.join(self.dir, 'session-%d' % self.sid), exist_ok=True)
        os.makedirs(os.path.join(self.dir, 'session-%d' % self.other), exist_ok=True)
        self.webm_rel = 'session-%d/rec-1.webm' % self.sid
        self.webm = os.path.join(self.dir, self.webm_rel)
        webm_copy(self.webm)
        self.webm_bytes = open(self.webm, 'rb').read()
        self.big_rel = 'session-%d/rec-big.mkv' % self.other
        self.big = os.path.join(self.dir, self.big_rel)
        with open(self.big, 'wb') as f:
            for _ in range(self.big_mb):
                f.write(os.urandom(1 << 20))
        self.big_sha = sha256_of(self.big)
        t0 = int(time.time()) - 600
        tracks = [{'kind': 'video', 'source': 'classroom', 'codec': 'VP8'}]
        db = s.db_path
        self.rec = insert(db, self.sid, self.webm_rel, 'webm', 'complete', t0, t0 + 2,
                          len(self.webm_bytes), sha256_of(self.webm), tracks)
        self.big_id = insert(db, self.other, self.big_rel, 'mkv', 'repaired', t0 + 50, t0 + 60,
                             os.path.getsize(self.big), self.big_sha, [],
                             'repaired after a restart')
        self.live = insert(db, self.sid, 'session-%d/rec-2.webm' % self.sid, 'webm',
                           'recording', t0 + 100, None)
        return self


async def test_list_and_get():
    w = await World().build()
    s = w.s
    st, body = s.api('GET', '/api/sessions/%d/recordings' % w.sid, w.coord)
    T.eq(st, 200, 'coordinator lists the session\'s recordings')
    recs = body['recordings']
    T.eq([r['id'] for r in recs], [w.live, w.rec], 'newest first, only this session\'s')
    r = next(x for x in recs if x['id'] == w.rec)
    T.eq(set(r), FIELDS, 'a recording has exactly the documented fields (no internal path)')
    T.eq((r['session_id'], r['state'], r['container'], r['size_bytes'], r['sha256'],
          r['duration_seconds'], r['reason']),
         (w.sid, 'complete', 'webm', len(w.webm_bytes), sha256_of(w.webm), 2.0, None),
         'its values')
    T.eq(r['media_url'], '/api/recordings/%d/media' % w.rec, 'media_url')
    T.eq(r['tracks'], [{'kind': 'video', 'source': 'classroom', 'codec': 'VP8'}], 'tracks')
    T.ok(h.parse_iso(r['ended_at']) - h.parse_iso(r['started_at']) == 2, 'RFC 3339 times', r)
    live = next(x for x in recs if x['id'] == w.live)
    T.eq((live['ended_at'], live['size_bytes'], live['sha256'], live['duration_seconds']),
         (None, None, None, None), 'a running recording: end, size, hash, duration are null')

    st, one = s.api('GET', '/api/recordings/%d' % w.rec, w.coord)
    T.eq((st, one), (200, r), 'GET /api/recordings/{id} is the same object')
    st, big = s.api('GET', '/api/recordings/%d' % w.big_id, w.coord)
    T.eq((st, big['state'], big['reason']), (200, 'repaired', 'repaired after a restart'),
         'the repaired state and its reason show')
    st, body = s.api('GET', '/api/sessions/%d/recordings' % w.other, w.coord)
    T.eq([x['id'] for x in body['recordings']], [w.big_id], 'the other session\'s list')
    st, body = s.api('GET', '/api/sessions/999/recordings', w.coord)
    T.eq(st, 404, 'a session that does not exist: 404')


async def test_who_may_see():
    w = await World().build()
    s = w.s
    cases = [
        ('instructor lists own session', 'GET', '/api/sessions/%d/recordings' % w.sid,
         w.instr, 200),
        ('instructor gets own recording', 'GET', '/api/recordings/%d' % w.rec, w.instr, 200),
        ('instructor fetches own media', 'GET', '/api/recordings/%d/media' % w.rec, w.instr, 200),
        ('instructor of another session: list', 'GET', '/api/sessions/%d/recordings' % w.sid,
         w.instr_other, 403),
        ('instructor of another session: get', 'GET', '/api/recordings/%d' % w.rec,
         w.instr_other, 403),
        ('instructor of another session: media', 'GET', '/api/recordings/%d/media' % w.rec,
         w.instr_other, 403),
        ('instructor may not delete', 'DELETE', '/api/recordings/%d' % w.rec, w.instr, 403),
        ('trainee: list', 'GET', '/api/sessions/%d/recordings' % w.sid, w.trainee, 403),
        ('trainee: get', 'GET', '/api/recordings/%d' % w.rec, w.trainee, 403),
        ('trainee: media', 'GET', '/api/recordings/%d/media' % w.rec, w.trainee, 403),
        ('trainee: media with the token in the query', 'GET',
         '/api/recordings/%d/media?token=%s' % (w.rec, w.trainee), None, 403),
        ('trainee: delete', 'DELETE', '/api/recordings/%d' % w.rec, w.trainee, 403),
        ('no token: list', 'GET', '/api/sessions/%d/recordings' % w.sid, None, 401),
        ('no token: media', 'GET', '/api/recordings/%d/media' % w.rec, None, 401),
        ('a forged query token', 'GET', '/api/recordings/%d/media?token=x.y.z' % w.rec, None,
         401),
    ]
    for desc, method, path, tok, want in cases:
        st, _, body = s.http(method, path, tok)
        T.eq(st, want, desc, body[:200])
    st, hdrs, body = s.http('GET', '/api/recordings/%d/media?token=%s' % (w.rec, w.coord))
    T.ok(st == 200 and body == w.webm_bytes, 'a coordinator token in the query plays the file '
         '(a <video src> cannot send a header)', st)
    T.eq(s.query('SELECT count(*) FROM recordings')[0][0], 3, 'nothing was deleted')


async def test_bad_ids():
    w = await World().build()
    s = w.s
    for bad in ['abc', '0', '-1', '01', '1e3', '%2e%2e%2fetc%2fpasswd', '..%2F..%2Fetc%2Fpasswd',
                '99999999999999999999999', '9223372036854775808', '999', str(w.rec) + '.webm']:
        for suffix in ('', '/media'):
            st, _, body = s.http('GET', '/api/recordings/%s%s' % (bad, suffix), w.coord)
            T.eq(st, 404, 'recording id %r%s: 404' % (bad, suffix), body[:200])
    for raw in ['/api/recordings/../../etc/passwd', '/api/recordings/../../../etc/passwd/media',
                '/api/recordings/%d/../../../../etc/passwd' % w.rec]:
        st, _, body = s.http('GET', raw, w.coord)
        T.ok(st == 404 and b'root:' not in body, '%s: 404, no file contents' % raw,
             (st, body[:200]))
    # lws itself refuses a URL with %00 by closing the connection.
    for suffix in ('', '/media'):
        try:
            st, _, body = s.http('GET', '/api/recordings/%d%%00%s' % (w.rec, suffix), w.coord)
        except ConnectionError:
            st, body = 'closed', b''
        T.ok(st in (404, 'closed') and body[:4] != w.webm_bytes[:4],
             'recording id with %%00%s: refused' % suffix, st)
    st, _, _ = s.http('GET', '/api/sessions/abc/recordings', w.coord)
    T.eq(st, 404, 'a malformed session id: 404')


def media(s, w, rng=None, method='GET', rid=None):
    headers = {'Range': rng} if rng is not None else None
    return s.http(method, '/api/recordings/%d/media' % (rid or w.rec), w.coord, headers=headers)


async def test_ranges():
    w = await World().build()
    s = w.s
    data = w.webm_bytes
    size = len(data)
    st, hd, body = media(s, w)
    T.eq(st, 200, 'no Range: 200')
    T.ok(body == data, 'the body is the file, byte for byte', (len(body), size))
    T.eq((hd.get('content-type'), hd.get('accept-ranges'), hd.get('content-length')),
         ('video/webm', 'bytes', str(size)), 'Content-Type, Accept-Ranges, Content-Length')
    T.ok('content-range' not in hd, 'no Content-Range on a 200')

    def check(rng, first, last, desc):
        st, hd, body = media(s, w, rng)
        ok = (st == 206 and body == data[first:last + 1] and
              hd.get('content-range') == 'bytes %d-%d/%d' % (first, last, size) and
              hd.get('content-length') == str(last - first + 1) and
              hd.get('accept-ranges') == 'bytes' and hd.get('content-type') == 'video/webm')
        T.ok(ok, desc, (st, hd, len(body)))

    check('bytes=0-99', 0, 99, 'first bytes: 206 with Content-Range and the bytes')
    check('bytes=0-0', 0, 0, 'the first byte alone')
    mid = size // 2
    check('bytes=%d-%d' % (mid, mid + 4095), mid, mid + 4095, 'a middle range')
    check('bytes=-500', size - 500, size - 1, 'a suffix range (the last 500 bytes)')
    check('bytes=%d-' % (size - 10), size - 10, size - 1, 'an open range to the end')
    check('bytes=100-%d' % (size * 3), 100, size - 1, 'a range past the end is clamped')
    check('bytes=-%d' % (size * 3), 0, size - 1, 'a suffix longer than the file is all of it')
    for rng in ('bytes=%d-' % size, 'bytes=%d-%d' % (size + 10, size + 20), 'bytes=-0'):
        st, hd, body = media(s, w, rng)
        T.ok(st == 416 and hd.get('content-range') == 'bytes */%d' % size,
             '%s: 416 with Content-Range: bytes */size' % rng, (st, hd))
    for rng in ('bytes=5-2', 'bytes=0-1,5-6', 'lines=1-2', 'bytes=x-y'):
        st, hd, body = media(s, w, rng)
        T.ok(st == 200 and body == data, '%s is ignored: 200 with the whole file' % rng, st)
    st, hd, body = media(s, w, method='HEAD')
    T.ok(st == 200 and body == b'' and hd.get('content-length') == str(size) and
         hd.get('accept-ranges') == 'bytes', 'HEAD: the headers, no body', (st, hd, len(body)))
    st, hd, body = media(s, w, 'bytes=10-19', method='HEAD')
    T.ok(st == 206 and body == b'' and hd.get('content-range') == 'bytes 10-19/%d' % size,
         'HEAD with a Range: 206 headers only', (st, hd))
    # The connection stays usable after a ranged response (keep-alive).
    st, _, body = media(s, w, 'bytes=0-9')
    T.ok(st == 206 and body == data[:10], 'a later request is served normally')
    # A recording still being written is not served.
    st, _, body = media(s, w, rid=w.live)
    T.eq(st, 409, 'media of a recording still being written: 409', body[:200])


async def test_large_file_streams():
    w = await World(BIG_MB).build()
    s = w.s
    size = os.path.getsize(w.big)
    before = rss_peak_kb(s.proc.pid)
    t0 = time.monotonic()
    st, hd, body = media(s, w, rid=w.big_id)
    took = time.monotonic() - t0
    after = rss_peak_kb(s.proc.pid)
    T.ok(st == 200 and len(body) == size and hashlib.sha256(body).hexdigest() == w.big_sha,
         'a %d MiB file arrives whole and intact' % BIG_MB, (st, len(body)))
    T.eq(hd.get('content-type'), 'video/x-matroska', 'mkv: video/x-matroska')
    T.note('%d MiB in %.2fs (%.0f MiB/s); server peak RSS %s -> %s KiB' %
           (BIG_MB, took, BIG_MB / max(took, 1e-6), before, after))
    grew = (after - before) if before and after else None
    if sanitized(s.proc.pid):
        # AddressSanitizer keeps freed memory in quarantine (lws's buffers
        # of partly sent chunks, here), so peak memory says nothing there.
        T.note('sanitizer build: peak-memory check skipped')
        grew = 0
    T.ok(grew is not None and grew < 16 * 1024,
         'the server\'s peak memory grew by less than 16 MiB (it streams; it does not read the'
         ' file into memory)', grew)
    last = size - 1000
    st, hd, body = media(s, w, 'bytes=%d-' % last, rid=w.big_id)
    with open(w.big, 'rb') as f:
        f.seek(last)
        tail = f.read()
    T.ok(st == 206 and body == tail, 'a range at the end of the large file', st)


async def test_delete():
    w = await World().build()
    s = w.s
    st, _, body = s.http('DELETE', '/api/recordings/%d' % w.live, w.coord)
    T.eq(st, 409, 'DELETE while recording: 409', body[:200])
    st, _, body = s.http('DELETE', '/api/recordings/%d' % w.rec, w.coord)
    T.eq((st, body), (204, b''), 'DELETE a finished recording: 204, no body')
    T.ok(not os.path.exists(w.webm), 'its file is gone')
    T.eq(s.query('SELECT count(*) FROM recordings WHERE id = ?', w.rec)[0][0], 0, 'its row is gone')
    T.eq(s.query("SELECT count(*) FROM events WHERE type = 'recording_deleted'"
                 " AND json_extract(data, '$.recording') = ?", w.rec)[0][0], 1,
         'a recording_deleted event is in the outbox')
    st, _, _ = s.http('GET', '/api/recordings/%d' % w.rec, w.coord)
    T.eq(st, 404, 'GET after DELETE: 404')
    st, _, _ = s.http('DELETE', '/api/recordings/%d' % w.rec, w.coord)
    T.eq(st, 404, 'DELETE again: 404')
    st, _, _ = s.http('GET', '/api/recordings/%d/media' % w.rec, w.coord)
    T.eq(st, 404, 'its media: 404')
    T.ok(os.path.exists(w.big), 'other recordings\' files are untouched')
    # A row whose file vanished: media says so (404), DELETE still works.
    os.remove(w.big)
    st, _, body = s.http('GET', '/api/recordings/%d/media' % w.big_id, w.coord)
    T.ok(st == 404 and b'missing' in body, 'media of a missing file: 404 saying so', body)
    st, _, _ = s.http('DELETE', '/api/recordings/%d' % w.big_id, w.coord)
    T.eq(st, 204, 'DELETE of a recording whose file is gone: 204')


async def test_cli():
    w = await World().build()
    s = w.s
    d = s.data_dir
    rc, out, err = h.run_cli(['recordings', 'list', '--data-dir', d])
    T.ok(rc == 0 and w.webm_rel in out and w.big_rel in out and 'repaired' in out,
         'recordings list: a table with paths and states', out + err)
    rc, out, err = h.run_cli(['recordings', 'list', '--data-dir', d, '--json',
                              '--session', str(w.sid)])
    got = json.loads(out) if rc == 0 else None
    T.eq([r['id'] for r in got['recordings']] if got else None, [w.live, w.rec],
         'recordings list --json --session N', err)
    rc, out, err = h.run_cli(['recordings', 'list', '--data-dir', d, '--session', 'x'])
    T.eq(rc, 2, '--session x: usage error')
    rc, out, err = h.run_cli(['recordings', 'verify', '--data-dir', d])
    T.ok(rc == 0 and '2 ok, 0 with problems, 1 not finished' in out,
         'verify: all files match: exit 0', out + err)

    # Alter one byte in the middle: same size, different hash.
    with open(w.webm, 'r+b') as f:
        f.seek(len(w.webm_bytes) // 2)
        b = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([b[0] ^ 0xFF]))
    rc, out, err = h.run_cli(['recordings', 'verify', '--data-dir', d])
    lines = [l for l in out.splitlines() if l.startswith('recording ')]
    T.ok(rc == 1 and len(lines) == 1 and lines[0].startswith('recording %d: altered:' % w.rec)
         and 'sha256' in lines[0], 'verify: one altered byte is reported, exit 1', out + err)
    os.remove(w.big)
    rc, out, err = h.run_cli(['recordings', 'verify', '--data-dir', d])
    lines = sorted(l for l in out.splitlines() if l.startswith('recording '))
    T.ok(rc == 1 and len(lines) == 2 and any(l.startswith('recording %d: missing:' % w.big_id)
                                             for l in lines),
         'verify: a removed file is missing, one line per problem', out + err)
    # repair: a failed recording whose file is a good WebM, by id.
    fixed_rel = 'session-%d/rec-3.webm' % w.sid
    fixed = os.path.join(w.dir, fixed_rel)
    webm_copy(fixed)
    fid = insert(s.db_path, w.sid, fixed_rel, 'webm', 'failed', int(time.time()) - 60, None,
                 reason='pipeline error')
    rc, out, err = h.run_cli(['recordings', 'repair', '--data-dir', d, str(fid)])
    row = s.query('SELECT state, size_bytes, sha256, duration_seconds FROM recordings'
                  ' WHERE id = ?', fid)[0]
    T.ok(rc == 0 and 'recording %d: repaired' % fid in out and row[0] == 'repaired' and
         row[1] == os.path.getsize(fixed) and row[2] == sha256_of(fixed) and row[3] > 0,
         'recordings repair ID: the row is repaired, with size, hash and duration', (out, err, row))
    rc, out, err = h.run_cli(['recordings', 'repair', '--data-dir', d, '9999'])
    T.ok(rc == 1 and 'recording 9999: no such recording' in out, 'repair of an unknown id: 1',
         out + err)
    rc, out, err = h.run_cli(['recordings', 'repair', '--data-dir', d, 'x'])
    T.eq(rc, 2, 'repair x: usage error')
    rc, out, err = h.run_cli(['recordings', 'frobnicate', '--data-dir', d])
    T.ok(rc == 2 and 'unknown action' in err, 'an unknown action: 2', err)
    rc, out, err = h.run_cli(['recordings', '--help'])
    T.ok(rc == 0 and all(a in out for a in ('list', 'verify', 'repair')),
         'recordings --help lists the actions', out)
    rc, out, err = h.run_cli(['recordings', 'list', '--data-dir', h.tmpdir()])
    T.ok(rc == 1 and 'no database' in err, 'no database: exit 1, saying so', err)


if __name__ == '__main__':
    h.main(test_list_and_get, test_who_may_see, test_bad_ids, test_ranges,
           test_large_file_streams, test_delete, test_cli, timeout=90)
