#!/usr/bin/python3
"""Hostile and broken input: tokens, privileges, malformed and oversized
messages, floods, connection and join limits, bad HTTP requests and path
traversal. None of it may change the database."""
import asyncio
import http.client
import json
import os
import sys
import time

import websockets.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

T = h.T
SECRET_MARK = 'TOP-SECRET-7f3a'


def make_web_root():
    top = h.tmpdir()
    web = os.path.join(top, 'web')
    os.makedirs(os.path.join(web, 'sub'))
    files = {'index.html': '<h1>index</h1>', 'app.js': 'let app = 1;',
             'class.html': '<h1>class</h1>', '.hidden': SECRET_MARK,
             'sub/page.html': '<p>sub</p>', 'sub/.env': SECRET_MARK}
    for name, text in files.items():
        with open(os.path.join(web, name), 'w') as f:
            f.write(text)
    with open(os.path.join(top, 'secret.txt'), 'w') as f:
        f.write(SECRET_MARK)
    return web


def err_of(resp):
    return (resp.get('type'), resp.get('code'))


async def refused_tokens(s, sid, s2, expired, t_exp):
    forged = h.mint(h.tmpdir(), 'instructor', 'demo-instructor', 'Demo', session=sid)
    join_key, checkin_key = s.keys()
    now = int(time.time())
    claims = {'sub': 'x', 'name': 'X', 'role': 'coordinator', 'iat': now, 'exp': now + 600}
    alg_none = h.sign_jwt(claims, None, {'alg': 'none', 'typ': 'JWT'})
    code = h.sign_jwt(dict(claims, sub='checkin', role='checkin', session=str(sid)), checkin_key)
    sane = h.sign_jwt(claims, join_key)  # proves the derived key is right
    T.eq(s.api('GET', '/api/me', sane)[0], 200, 'a token signed here with the derived key works')
    await asyncio.sleep(max(0, t_exp + 1.2 - time.time()))  # leeway 0: now >= exp
    c = await s.ws(name='tokens')
    cases = [('forged (another data dir)', forged, 'unauthorized'),
             ('alg none', alg_none, 'unauthorized'), ('expired', expired, 'unauthorized'),
             ('a check-in code', code, 'unauthorized'), ('garbage', 'abc', 'unauthorized'),
             ('a coordinator token', s.link_token('coordinator'), 'forbidden')]
    for what, tok, want in cases:
        r = await c.request({'type': 'join', 'token': tok})
        T.eq(err_of(r), ('error', want), 'join with %s: %s' % (what, want))
        if what != 'a coordinator token':
            st, body = s.api('GET', '/api/me', tok)
            T.eq((st, body and body['error']['code']), (401, 'unauthorized'),
                 'HTTP with %s: 401' % what)
    T.ok(await c.alive(), 'refused joins leave the connection usable')
    st, body = s.api('GET', '/api/sessions/%d/attendance' % s2, s.link_token('instructor'))
    T.eq((st, body['error']['code']), (403, 'forbidden'),
         "an instructor token on another session's attendance: 403")
    T.eq(s.api('GET', '/api/courses')[0], 401, 'no token: 401')
    T.eq(s.api('GET', '/api/courses', headers={'Authorization': 'Basic eDp5'})[0], 401,
         'Basic auth: 401')
    T.eq(s.api('GET', '/api/courses', s.token('trainee', 't-1', 'One'))[0], 403,
         'trainee token on /api/courses: 403')


async def refused_privileges(s, sid, instr, t1, t2):
    coord = s.link_token('coordinator')
    live_before = s.api('GET', '/api/sessions/%d/live' % sid, coord)[1]
    for msg in ({'type': 'grant_floor', 'person': 't-1'}, {'type': 'revoke_floor', 'person': 't-2'},
                {'type': 'kick', 'person': 't-2'}, {'type': 'end_class'},
                {'type': 'lower_hand', 'person': 't-2'}):
        r = await t1.request(msg)
        T.eq(err_of(r), ('error', 'forbidden'), 'trainee sends %s: forbidden' % msg['type'])
    r = await instr.request({'type': 'raise_hand'})
    T.eq(err_of(r), ('error', 'forbidden'), 'instructor sends raise_hand: forbidden')
    T.eq([m for m in await instr.collect(0.3) if m['type'] != 'pong'], [],
         'nobody was told anything changed')
    T.eq(s.api('GET', '/api/sessions/%d/live' % sid, coord)[1], live_before,
         'roster, hands and floor unchanged')
    T.ok(await t2.alive(), 't-2 is still connected')


async def refused_messages(s, t1):
    bad = [('not json{', 'not valid JSON'), ('[1, 2]', 'must be a JSON object'),
           ('{"type": 5}', '"type" must be a string'), ('{"ref": "x"}', '"type" is required'),
           ('{"type": "teleport"}', 'unknown message type "teleport"'),
           ('{"type": "chat", "text": 5}', '"text" must be a string'),
           ('{"type": "chat"}', '"text" is required'),
           ('{"type": "chat", "text": "   "}', 'only whitespace'),
           ('{"type": "grant_floor", "person": ""}', '"person" must not be empty'),
           ('{"type": "ping", "ref": {"a": 1}}', '"ref" must be'),
           ('{"type": "ping", "type": "ping"}', 'duplicate'),
           ('{"type": "ping"} x', 'not valid JSON')]
    for text, words in bad:
        await t1.send(text)
        r = await t1.expect('error')
        T.ok(r['code'] == 'bad_request' and words in r['message'],
             'bad_request for %s' % text, r)
    await t1.send('{"type": "chat", "text": 5, "ref": "r-9"}')
    r = await t1.expect('error')
    T.eq((r['code'], r['ref']), ('bad_request', 'r-9'), 'the error carries the ref')
    await t1.send(b'\x00\x01binary')
    r = await t1.expect('error')
    T.eq(r['code'], 'bad_request', 'binary frame: bad_request')
    r = await t1.request({'type': 'chat', 'text': 'x' * 2001})
    T.eq(err_of(r), ('error', 'too_large'), 'chat over chat_max_chars: too_large')
    # max_message_bytes=4096: exactly 4096 is accepted, 4097 and 10000 are not.
    for size, want in ((4096, 'pong'), (4097, 'too_large'), (10000, 'too_large')):
        head = '{"type":"ping","ref":"big","pad":"'
        text = head + 'x' * (size - len(head) - 2) + '"}'
        await t1.send(text)
        r = await t1.expect('pong' if want == 'pong' else 'error', timeout=3)
        T.eq(r.get('code', r['type']), want, 'a %d-byte message: %s' % (size, want))
    r = await t1.ping()
    T.eq(r['type'], 'pong', 'after all that the connection still answers pings')
    try:
        other = await h.WS.connect('ws://127.0.0.1:%d/other' % s.port, 'other')
        T.ok(not await other.alive(), 'a WebSocket off /ws is refused')
    except (websockets.exceptions.InvalidHandshake, OSError) as e:
        T.ok(True, 'a WebSocket off /ws is refused (%s)' % type(e).__name__)
    T.ok(s.err.wait_for('refused: WebSocket only at /ws', 1), 'and the refusal is logged')
    fresh = await s.ws(name='fresh')
    r = await fresh.request({'type': 'raise_hand'})
    T.eq(err_of(r), ('error', 'unauthorized'), 'raise_hand before join: unauthorized')


async def refused_http(s, sid, web):
    coord = s.link_token('coordinator')
    course = {'code': 'C-2', 'title': 'T', 'category': 'general', 'delivery': 'online',
              'credit_hours': 2}
    cases = [('POST', '/api/courses', b'{bad', 400, 'body is not valid JSON'),
             ('POST', '/api/courses', b'[]', 400, 'must be a JSON object'),
             ('POST', '/api/courses', dict(course, title=None), 400, '"title" is required'),
             ('POST', '/api/courses', dict(course, credit_hours='2'), 400, 'credit_hours'),
             ('POST', '/api/courses', dict(course, category='cooking'), 400, 'category'),
             ('POST', '/api/courses', dict(course, title='a\nb'), 400, 'control characters'),
             ('POST', '/api/courses', dict(course, code='GOV-1'), 409, ''),
             ('POST', '/api/courses', b'{"x":"' + b'y' * 10000 + b'"}', 413,
              'request body too large'),
             ('POST', '/api/sessions', {'course_id': '1', 'title': 'S'}, 400, 'course_id'),
             ('POST', '/api/sessions', {'course_id': 99999, 'title': 'S',
                                        'scheduled_start': '2026-01-01T09:00:00Z',
                                        'scheduled_end': '2026-01-01T10:00:00Z'}, 404, ''),
             ('POST', '/api/sessions', {'course_id': 1, 'title': 'S', 'scheduled_start':
                                        'tomorrow', 'scheduled_end': '2026-01-01T10:00:00Z'},
              400, 'RFC 3339'),
             ('POST', '/api/sessions', {'course_id': 1, 'title': 'S',
                                        'scheduled_start': '2026-01-01T10:00:00Z',
                                        'scheduled_end': '2026-01-01T09:00:00Z'}, 400, 'after'),
             ('POST', '/api/sessions/%d/checkins' % sid, {'person': 5, 'name': 'x'}, 400,
              '"person"'),
             ('GET', '/api/nope', None, 404, 'no such API endpoint'),
             ('GET', '/api/courses/abc', None, 404, ''),
             ('GET', '/api/sessions/999/attendance', None, 404, ''),
             ('GET', '/api/sessions/%d/attendance?format=xml' % sid, None, 400, 'format'),
             ('DELETE', '/api/courses', None, 405, '')]
    for method, path, body, status, words in cases:
        st, hd, data = s.http(method, path, coord, body)
        try:
            err = json.loads(data)['error']
        except (ValueError, KeyError, TypeError):
            err = None
        T.ok(st == status and err is not None and set(err) == {'code', 'message'} and
             words in err['message'] and hd.get('content-type', '').startswith(
                 'application/json'),
             '%s %s -> %d JSON error' % (method, path[:40], status), (st, hd, data[:200]))
    # Static files: only plain paths under the web root.
    for path, status in (('/', 200), ('/app.js', 200), ('/sub/page.html', 200),
                         ('/class/%d' % sid, 200), ('/.hidden', 404), ('/sub/.env', 404),
                         ('/../secret.txt', 404), ('/../../etc/passwd', 404),
                         ('/%2e%2e/secret.txt', 404), ('/sub/../.hidden', 404),
                         ('/sub/%2e%2e/%2e%2e/secret.txt', 404), ('/..%2fsecret.txt', 404),
                         ('//etc/passwd', 404), ('/%2ehidden', 404), ('/sub/%2eenv', 404),
                         ('/app.js%00.html', 'dropped')):
        try:
            st, hd, data = s.http('GET', path)
        except http.client.RemoteDisconnected:  # lws refuses %00 outright
            st, data = 'dropped', b''
        T.ok(st == status and SECRET_MARK.encode() not in data and b'root:' not in data,
             'GET %s -> %s' % (path, status), (st, data[:100]))


def metric(s, name):
    st, _, body = s.http('GET', '/metrics')
    for line in body.decode().splitlines():
        if line.startswith(name + ' '):
            return float(line.split()[1])
    return None


async def flood_client(s, n, yield_each):
    """Sends @n pings as fast as it can; returns (client, number sent, seconds)."""
    f = await s.ws(name='flood%d' % n)
    t0, sent = time.monotonic(), 0
    try:
        for i in range(n):
            await f.send({'type': 'ping', 'ref': i})
            sent += 1
            if yield_each:
                await asyncio.sleep(0)  # read meanwhile, as a browser would
    except websockets.exceptions.ConnectionClosed:
        pass
    await f.wait_closed(5)
    return f, sent, time.monotonic() - t0


async def flood(s, t2):
    rtts = []
    done = asyncio.Event()

    async def steady():
        while not done.is_set():
            t = time.monotonic()
            await t2.ping(2)
            rtts.append(time.monotonic() - t)
            await asyncio.sleep(0.01)

    watcher = asyncio.ensure_future(steady())
    # Ping after ping, each as soon as the last is answered: 40 pongs (the
    # burst), then rate_limited; the 51st refusal (abuse limit 50) closes
    # the connection with 1008. The client stops there, so no RST races it.
    f = await s.ws(name='lockstep')
    t0, pongs, limited = time.monotonic(), 0, 0
    while limited < 51 and pongs < 200:
        await f.send({'type': 'ping'})
        r = await f.recv()  # rate_limited errors carry no ref: read in order
        pongs += r['type'] == 'pong'
        limited += r.get('code') == 'rate_limited'
    took = time.monotonic() - t0
    T.eq((await f.wait_closed(3), f.close_reason), (1008, 'too many refused messages'),
         'the 51st refused message closes the connection with 1008')
    T.between(pongs, 40, 40 + int(20 * took) + 1,
              'the burst of 40 was answered, then the refill rate (%.2f s)' % took)
    T.eq([m['type'] for m in f.drain()], [], 'nothing after the last refusal but the close')
    # Three clients sending 500 each as fast as possible, reading meanwhile.
    # A client still sending when the server closes may see 1006 instead of
    # 1008: the server closes without waiting for the close handshake.
    for f, sent, took in await asyncio.gather(*[flood_client(s, 500, True) for _ in range(3)]):
        T.ok(f.close_code in (1008, 1006) and sent < 500,
             'a 500-message flood is cut off (%d sent, close %s)' % (sent, f.close_code))
    done.set()
    await watcher
    T.ok(len(rtts) >= 3 and max(rtts) < 0.5,
         'meanwhile another connection got prompt pongs (%d, max %.3f s)'
         % (len(rtts), max(rtts or [9])))
    T.eq(metric(s, 'classrelay_closed_total{reason="abuse"}'), 4.0,
         'the four floods counted as abuse closures')
    T.ok(s.err.wait_for('closing: sustained abuse', 1) is not None, 'the abuse is logged')


async def test_refused_batch():
    web = make_web_root()
    s = h.Server(sets=['auth.leeway_seconds=0', 'server.max_message_bytes=4096',
                       'server.max_http_body_bytes=4096', 'server.web_root=' + web]).start()
    sid, coord = s.demo_session, s.link_token('coordinator')
    expired = s.token('trainee', 't-x', 'Expiring', ttl='1s')
    t_exp = h.jwt_claims(expired)['exp']
    st, c = s.api('POST', '/api/courses', coord, {'code': 'GOV-1', 'title': 'One',
                                                  'category': 'general', 'delivery': 'online',
                                                  'credit_hours': 1})
    now = int(time.time())
    st, s2 = s.api('POST', '/api/sessions', coord, {'course_id': c['id'], 'title': 'Other',
                                                    'scheduled_start': h.iso(now),
                                                    'scheduled_end': h.iso(now + 3600)})
    T.eq(st, 201, 'setup: a second session')
    instr = await s.ws(s.link_token('instructor'), name='instr')
    t1 = await s.ws(s.token('trainee', 't-1', 'One'), name='t1')
    t2 = await s.ws(s.token('trainee', 't-2', 'Two'), name='t2')
    await t1.request({'type': 'raise_hand'})
    await instr.request({'type': 'grant_floor', 'person': 't-2'})
    await asyncio.sleep(0.2)
    instr.drain()
    before = s.counts()

    await refused_tokens(s, sid, s2['id'], expired, t_exp)
    await refused_privileges(s, sid, instr, t1, t2)
    await refused_messages(s, t1)
    await refused_http(s, sid, web)
    await flood(s, t2)

    await asyncio.sleep(0.3)
    T.eq(s.counts(), before, 'the refused batch changed no table', before)
    st, body = s.api('GET', '/healthz')
    T.eq((st, body['status']), (200, 'ok'), '/healthz is still ok')
    T.eq(s.api('GET', '/api/sessions/%d' % sid, coord)[1]['state'], 'live', 'class still live')
    T.ok(await t1.alive() and await instr.alive(), 'the class members are still connected')


async def test_limits():
    s = h.Server(sets=['server.max_connections_per_ip=3',
                       'server.joins_per_minute_per_ip=3']).start()
    cs = [await s.ws(name='c%d' % i) for i in range(3)]
    try:
        extra = await s.ws(name='c4')
        T.ok(False, 'a 4th connection from the address is refused', extra)
    except (websockets.exceptions.InvalidHandshake, websockets.exceptions.ConnectionClosed,
            OSError, asyncio.TimeoutError) as e:
        T.ok(True, 'a 4th connection from the address is refused (%s)' % type(e).__name__)
    T.ok(s.err.wait_for('refused: too many connections from this address', 1),
         'the refusal is logged')
    T.ok(all([await c.alive() for c in cs]), 'the first three still work')
    await cs[2].close()
    c4 = None
    for _ in range(20):
        try:
            c4 = await s.ws(name='c4')
            break
        except Exception:
            await asyncio.sleep(0.1)
    T.ok(c4 is not None and await c4.alive(), 'once one closes, a new connection is allowed')
    tok = s.token('trainee', 't-1', 'One')
    T.eq((await cs[0].request({'type': 'join', 'token': tok}))['type'], 'welcome', 'join 1 of 3')
    r = await cs[1].request({'type': 'join', 'token': 'garbage'})
    T.eq(err_of(r), ('error', 'unauthorized'), 'join 2 of 3 (a bad token counts)')
    T.eq((await c4.request({'type': 'join', 'token': tok}))['type'], 'welcome', 'join 3 of 3')
    r = await cs[1].request({'type': 'join', 'token': tok})
    T.eq(err_of(r), ('error', 'rate_limited'), 'a 4th join attempt in a minute: rate_limited')
    T.eq(s.query("SELECT count(*) FROM attendance"), [(2,)], 'only the two joins are recorded')


if __name__ == '__main__':
    h.main(test_refused_batch, test_limits)
