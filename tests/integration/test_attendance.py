#!/usr/bin/python3
"""Attendance: the ledger in the sqlite file, the reports (API, CSV, CLI),
course totals, in-person check-in, check-in codes and heartbeats."""
import asyncio
import csv
import io
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

T = h.T
THRESHOLD = 'attendance.completion_threshold=0.0005'  # 0.0005 x 3600 s -> 2 s completes
NAME_A = '林美, "Lin" 美'
CSV_HEADER = ('session_id,session_title,person,name,org,role,modes,first_arrival,'
              'last_departure,credited_seconds,credited_minutes,media_seconds,completed,'
              'late_seconds,intervals')
COURSE_HEADER = ('course_code,person,name,org,credited_seconds,credited_hours,'
                 'sessions_attended,sessions_completed,sessions_total,credit_hours_earned')


def silent_client(port, token, answer_for):
    """Joins over a raw socket, answers pings for @answer_for seconds, then
    stays connected without answering. Returns what it saw."""
    c = h.RawWS(port)
    try:
        c.send_json({'type': 'join', 'token': token, 'ref': 'd'})
        welcome = c.recv_json('welcome')
        out = {'welcome_at': time.time(), 'last_answer': time.time(), 'pongs': 0,
               'pings_ignored': 0, 'closed_at': None, 'close': None}
        stop = time.monotonic() + answer_for
        c.sock.settimeout(12)
        while True:
            try:
                op, payload = c.recv_frame()
            except (EOFError, ConnectionError):
                out['closed_at'] = time.time()
                break
            except socket.timeout:
                break
            if op == 9 and time.monotonic() < stop:
                c.send_frame(payload, 10)
                out['last_answer'] = time.time()
                out['pongs'] += 1
            elif op == 9:
                out['pings_ignored'] += 1
            elif op == 8:
                out['closed_at'] = time.time()
                out['close'] = payload
                break
        out['welcome'] = welcome
        return out
    finally:
        c.close()


def interval(s, person, session):
    return s.query('SELECT id, opened, closed, last_seen, close_reason, mode, role, client_addr,'
                   ' user_agent FROM attendance WHERE person_id = ? AND session_id = ?'
                   ' ORDER BY id', person, session)


def row_of(report, person):
    rows = [r for r in report['rows'] if r['person'] == person]
    return rows[0] if len(rows) == 1 else None


async def test_attendance():
    s = h.Server(sets=[THRESHOLD]).start()
    coord = s.link_token('coordinator')
    now = int(time.time())
    st, course = s.api('POST', '/api/courses', coord,
                       {'code': 'GOV-101', 'title': 'Ethics', 'category': 'general',
                        'delivery': 'hybrid', 'credit_hours': 3})
    T.eq(st, 201, 'coordinator creates a course')
    cid = course['id']
    st, s1 = s.api('POST', '/api/sessions', coord,
                   {'course_id': cid, 'title': 'Session 1, 上午', 'scheduled_start': h.iso(now - 600),
                    'scheduled_end': h.iso(now + 3000)})
    T.eq(st, 201, 'session 1 created, its window started 10 min ago')
    st, s2 = s.api('POST', '/api/sessions', coord,
                   {'course_id': cid, 'title': 'Session 2', 'scheduled_start': h.iso(now + 1800),
                    'scheduled_end': h.iso(now + 5400)})
    T.eq(st, 201, 'session 2 created, starting in 30 min')
    st, s3 = s.api('POST', '/api/sessions', coord,
                   {'course_id': 1, 'title': 'Later', 'scheduled_start': h.iso(now + 7200),
                    'scheduled_end': h.iso(now + 9000)})
    S1, S2 = s1['id'], s2['id']
    start1 = h.parse_iso(s1['scheduled_start'])
    instr_tok = s.token('instructor', 'i-chen', 'Chen Instructor', session=S1)
    tok_a = s.token('trainee', 't-a', NAME_A, session=S1, org='Audit Office')
    tok_b = s.token('trainee', 't-b', 'Bo', session=S1)
    tok_b2 = s.token('trainee', 't-b', 'Bo', session=S2)
    tok_c = s.token('trainee', 't-c', 'Cui', session=S1)
    tok_d = s.token('trainee', 't-d', 'Du', session=S1)
    tok_e = s.token('trainee', 't-e', 'E', session=S1)

    instr = await s.ws(instr_tok, name='instr')
    # A client that answers pings for 2 s and then goes silent, in a thread.
    silent = asyncio.ensure_future(asyncio.to_thread(silent_client, s.port, tok_d, 2.0))

    # The interval is committed before welcome: visible right after it.
    a = await s.ws(name='a')
    t_join = time.time()
    await a.join(tok_a)
    t_welcome = time.time()
    rows = s.query('SELECT opened, closed, mode, role, client_addr, user_agent FROM attendance'
                   " WHERE person_id = 't-a'")
    T.eq(len(rows), 1, 'one interval for t-a right after welcome')
    opened = rows[0][0] if rows else None
    T.between(opened, int(t_join), int(t_welcome) + 1, 'opened at the join time')
    T.eq(rows and rows[0][1:5], (None, 'remote', 'trainee', '127.0.0.1'),
         'open, remote, trainee, from 127.0.0.1')
    T.ok(rows and 'websockets' in (rows[0][5] or ''), 'user agent recorded', rows)
    b = await s.ws(tok_b, name='b')
    b2 = await s.ws(tok_b2, name='b2')
    T.eq(b2.welcome['session']['state'], 'scheduled', 'early join: session 2 still scheduled')
    await b2.send({'type': 'leave', 'ref': 'bye-b2'})
    await b2.expect('bye', ref='bye-b2')
    T.eq([r[4] for r in interval(s, 't-b', S2)], ['leave'], 'early visit to session 2 closed')
    c3 = await s.ws(name='c3')
    r = await c3.request({'type': 'join', 'token': s.token('trainee', 't-b', 'Bo',
                                                           session=s3['id'])})
    T.eq((r['type'], r.get('code'), r.get('message')),
         ('error', 'conflict', 'the class has not started yet'),
         'joining 2 h before the start (60 min early allowed): conflict')

    # Heartbeats move last_seen while connected.
    await asyncio.sleep(1.2)
    seen1 = interval(s, 't-a', S1)[0][3]
    await b.send({'type': 'leave'})  # t-b drops out for a second and comes back
    await b.expect('bye')
    await asyncio.sleep(1.1)
    b = await s.ws(tok_b, name='b again')
    await asyncio.sleep(0.9)
    seen2 = interval(s, 't-a', S1)[0][3]
    T.ok(seen2 > seen1 >= opened, 'last_seen advances (%s -> %s)' % (seen1, seen2))
    T.between(seen2, int(time.time()) - 2, int(time.time()), 'last_seen is recent')

    # leave: the close is committed before bye.
    t_leave = time.time()
    await a.send({'type': 'leave', 'ref': 'bye-a'})
    bye = await a.expect('bye')
    row = interval(s, 't-a', S1)[0]
    T.eq((bye['ref'], row[4]), ('bye-a', 'leave'), "bye arrives with the interval closed 'leave'")
    closed_a = row[2]
    T.between(closed_a, int(t_leave), int(time.time()), 'closed at the leave time')
    T.eq(await a.wait_closed(), 1000, 'the server closes after bye')
    T.eq(s.query("SELECT type FROM events WHERE person_id = 't-a' ORDER BY seq"),
         [('join',), ('leave',)], 'join and leave events in the outbox')
    await b.send({'type': 'leave'})
    await b.expect('bye')

    # In-person check-in by staff; trainee tokens may not.
    base = '/api/sessions/%d' % S1
    st, r = s.api('POST', base + '/checkins', instr_tok,
                  {'person': 't-p', 'name': '在场 学员', 'org': 'Agency'})
    T.eq((st, r.get('person'), r.get('already')), (201, 't-p', False), 'instructor checks in t-p')
    first_in = r.get('checked_in_at')
    st, r = s.api('POST', base + '/checkins', instr_tok, {'person': 't-p', 'name': '在场 学员'})
    T.eq((st, r.get('already'), r.get('checked_in_at')), (201, True, first_in),
         'checking in twice: already, at the first time')
    st, r = s.api('POST', base + '/checkins', coord, {'person': 't-q', 'name': 'Qi'})
    T.eq((st, r.get('already')), (201, False), 'coordinator checks in t-q')
    st, r = s.api('POST', base + '/checkins', coord, {'person': 't-f', 'name': '=1+2'})
    T.eq(st, 201, 'a name that a spreadsheet would run as a formula')
    st, r = s.api('POST', base + '/checkins', tok_b, {'person': 't-b', 'name': 'Bo'})
    T.eq((st, r['error']['code']), (403, 'forbidden'), 'a trainee token may not check people in')
    st, r = s.api('POST', base + '/checkouts', coord, {'person': 't-p'})
    T.eq((st, r.get('person')), (200, 't-p'), 'coordinator checks t-p out')
    st, r = s.api('POST', base + '/checkouts', coord, {'person': 't-p'})
    T.eq((st, r['error']['code']), (404, 'not_found'), 'checking out twice: not found')
    st, r = s.api('POST', base + '/checkouts', tok_b, {'person': 't-q'})
    T.eq(st, 403, 'a trainee token may not check people out')
    T.eq([(x[4], x[5], x[8]) for x in interval(s, 't-p', S1)],
         [('checkout', 'in-person', 'i-chen')], 't-p: in-person interval, by i-chen, checked out')

    # Signed check-in codes.
    st, code = s.api('POST', base + '/checkin-code', instr_tok)
    T.eq(st, 201, 'instructor gets a check-in code')
    T.eq(code['path'], '/checkin/%d?code=%s' % (S1, code['code']), 'code path')
    T.near(h.parse_iso(code['expires_at']), time.time() + 300, 3, 'code valid 300 s')
    st, r = s.api('POST', base + '/checkin', tok_c, {'code': code['code']})
    T.eq((st, r.get('person'), r.get('already')), (201, 't-c', False), 'trainee self check-in')
    T.eq([(x[5], x[8]) for x in interval(s, 't-c', S1)], [('in-person', 'self')],
         'self check-in recorded as in-person by self')
    _, ckey = s.keys()
    t = int(time.time())
    T.ok(len(code['code']) <= 32, 'the check-in code is short (%d characters): a small QR code'
         % len(code['code']), code['code'])
    expired = h.checkin_code(ckey, S1, t - 100)
    fresh = h.checkin_code(ckey, S1, t + 100)
    other = h.checkin_code(ckey, S2, t + 100)
    jwt_style = h.sign_jwt({'sub': 'checkin', 'role': 'checkin', 'session': str(S1),
                            'iat': t, 'nbf': t, 'exp': t + 100}, ckey)
    for what, c, want in (('garbage', 'not-a-code', 403), ('expired', expired, 403),
                          ('for session 2', other, 403), ('a join token', tok_c, 403),
                          ('a JWT signed with the check-in key', jwt_style, 403),
                          ('valid, made with the derived key', fresh, 201)):
        st, r = s.api('POST', base + '/checkin', tok_e, {'code': c})
        T.eq(st, want, 'check-in code %s -> %d' % (what, want))
    st, _ = s.api('POST', base + '/checkin', instr_tok, {'code': code['code']})
    T.eq(st, 403, 'an instructor token cannot self check-in')
    st, _ = s.api('POST', base + '/checkin', tok_b2, {'code': code['code']})
    T.eq(st, 403, "a trainee token for another session cannot use this session's code")
    st, _ = s.api('GET', '/api/me', code['code'])
    T.eq(st, 401, 'a check-in code is not a bearer token')
    for p in ('t-q', 't-c', 't-e', 't-f'):
        s.api('POST', base + '/checkouts', instr_tok, {'person': p})

    # The silent client is closed after 3 missed beats, at its last answer.
    d = await silent
    T.ok(d['pongs'] >= 1 and d['pings_ignored'] >= 2, 'the silent client was pinged', d)
    T.ok(d['closed_at'] is not None, 'the silent client was disconnected', d)
    if d['close']:
        T.eq(d['close'][:2], b'\x03\xe9', 'the close frame says 1001', d['close'])
    if d['closed_at']:
        T.between(d['closed_at'] - d['last_answer'], 3.0, 5.5,
                  'closed 3-5 s after its last answer')
    row = await h.poll(lambda: [x for x in interval(s, 't-d', S1) if x[2] is not None])
    T.eq([x[4] for x in row], ['timeout'], "silent client's interval closed 'timeout'")
    if row:
        T.near(row[0][2], d['last_answer'], 1.5, 'closed at about its last answer')
        T.ok(row[0][3] >= row[0][1] + 1, 'its last_seen had moved on from opened', row)
    T.ok(not instr.closed.is_set(), 'a client that only answers pings stays connected (%.0f s)'
         % (time.time() - t_join))
    await instr.send({'type': 'leave'})
    await instr.expect('bye')
    T.eq(s.query('SELECT count(*) FROM attendance WHERE closed IS NULL'), [(0,)],
         'every interval is closed now')

    # The session report over the API.
    st, rep = s.api('GET', base + '/attendance', instr_tok)
    T.eq(st, 200, 'instructor reads the session report')
    ra = row_of(rep, 't-a')
    T.eq((ra['name'], ra['org'], ra['role'], ra['modes']),
         (NAME_A, 'Audit Office', 'trainee', ['remote']), 't-a row identity')
    T.eq(ra['credited_seconds'], closed_a - opened, 'credited = closed - opened')
    T.near(ra['credited_seconds'], t_leave - t_join, 2, 'credited matches the measured time')
    T.eq((ra['first_arrival'], ra['last_departure'], ra['late_seconds']),
         (h.iso(opened), h.iso(closed_a), opened - start1), 'arrival, departure, lateness')
    T.eq(ra['completed'], ra['credited_seconds'] >= 2, 'completion at threshold 2 s')
    T.eq([(i['mode'], i['close_reason']) for i in ra['intervals']], [('remote', 'leave')],
         'the interval behind the row')
    T.eq(row_of(rep, 'i-chen')['role'], 'instructor', 'instructor row')
    T.eq(row_of(rep, 't-p')['modes'], ['in-person'], 'in-person row')
    T.eq(row_of(rep, 't-d')['intervals'][0]['close_reason'], 'timeout', 'timeout row')
    rb = row_of(rep, 't-b')
    ivb = interval(s, 't-b', S1)
    T.eq([x[4] for x in ivb], ['leave', 'leave'], 't-b: two intervals in session 1')
    T.ok(ivb[1][1] - ivb[0][2] >= 1, 't-b was away at least a second', ivb)
    T.eq(rb['credited_seconds'], ivb[1][2] - ivb[0][1],
         "t-b's short gap is bridged (reconnect grace 120 s)")

    # CSV: BOM, header, RFC 4180 quoting, UTF-8.
    st, hd, body = s.http('GET', base + '/attendance?format=csv', instr_tok)
    T.eq((st, hd.get('content-type')), (200, 'text/csv; charset=utf-8'), 'CSV content type')
    T.eq(hd.get('content-disposition'), 'attachment; filename="attendance-session-%d.csv"' % S1,
         'CSV offered as a download')
    T.ok(body.startswith(b'\xef\xbb\xbf'), 'CSV starts with a UTF-8 BOM')
    text = body.decode('utf-8')[1:]
    T.eq(text.split('\r\n')[0], CSV_HEADER, 'CSV header row')
    T.ok(text.endswith('\r\n') and '\n' not in text.replace('\r\n', ''), 'CSV lines end CRLF')
    T.ok('"林美, ""Lin"" 美"' in text, 'name with comma, quote and Chinese quoted per RFC 4180')
    T.ok(',"Session 1, 上午",' in text, 'session title with a comma quoted')
    T.ok(',"\'=1+2",' in text, 'a formula-like name is defused with an apostrophe')
    recs = list(csv.DictReader(io.StringIO(text, newline='')))
    ca = [r for r in recs if r['person'] == 't-a']
    T.eq(len(recs), len(rep['rows']), 'one CSV record per report row')
    T.eq(ca and (ca[0]['name'], ca[0]['credited_seconds'], ca[0]['completed'],
                 ca[0]['late_seconds'], ca[0]['intervals']),
         (NAME_A, str(ra['credited_seconds']), 'true' if ra['completed'] else 'false',
          str(ra['late_seconds']), '1'), 'CSV row agrees with JSON')

    # Course totals.
    st, cr = s.api('GET', '/api/courses/%d/attendance' % cid, coord)
    T.eq((st, cr['course']['sessions'], cr['course']['credit_hours']), (200, 2, 3.0),
         'course report: 2 sessions, 3 credit hours')
    got = {r['person']: (r['credited_seconds'], r['sessions_attended'], r['sessions_completed'],
                         r['sessions_total'], r['credit_hours_earned']) for r in cr['rows']}
    T.eq(got.get('t-a'), (ra['credited_seconds'], 1, 1, 2, 1.5), 'course totals for t-a')
    T.eq(got.get('t-b'), (rb['credited_seconds'], 2, 1, 2, 1.5),
         't-b: 2 sessions attended (one only early, 0 s), 1 completed')
    T.ok('i-chen' not in got, 'instructors are not in course totals')
    st, hd, body = s.http('GET', '/api/courses/%d/attendance?format=csv' % cid, coord)
    T.eq(body.decode('utf-8-sig').split('\r\n')[0], COURSE_HEADER, 'course CSV header')
    T.ok(body.startswith(b'\xef\xbb\xbf') and 'GOV-101,t-a,"林美, ""Lin"" 美",Audit Office,'
         in body.decode('utf-8'), 'course CSV: BOM and the quoted name', body[:300])
    st, _ = s.api('GET', '/api/courses/%d/attendance' % cid, instr_tok)
    T.eq(st, 403, 'course totals are for coordinators')
    st, _ = s.api('GET', base + '/attendance', tok_c)
    T.eq(st, 403, "a trainee may not read the session's attendance")

    # The event outbox, paged by seq.
    st, ev = s.api('GET', '/api/events?after=0&limit=1000', coord)
    mine = [(e['type'], e['data'].get('reason')) for e in ev['events'] if e['person'] == 't-a']
    T.eq((st, mine), (200, [('join', None), ('leave', 'leave')]), "t-a's events in the outbox")
    seqs = [e['seq'] for e in ev['events']]
    T.ok(seqs == sorted(seqs) and ev['next'] == seqs[-1], 'events ordered by seq; next = last')
    st, more = s.api('GET', '/api/events?after=%d' % ev['next'], coord)
    T.eq((st, more['events'], more['next']), (200, [], ev['next']), 'nothing after next')
    st, two = s.api('GET', '/api/events?after=0&limit=2', coord)
    T.eq([e['seq'] for e in two['events']], seqs[:2], 'limit pages the outbox')
    T.eq(s.api('GET', '/api/events?limit=0', coord)[0], 400, 'limit=0: 400')
    T.eq(s.api('GET', '/api/events', instr_tok)[0], 403, 'the outbox is for coordinators')

    # The CLI report agrees with the API.
    cli = ['report', '--data-dir', s.data_dir, '--set', THRESHOLD,
           '--set', 'attendance.require_media=false']
    rc, out, err = h.run_cli(cli + ['--session', str(S1), '--format', 'json'])
    T.eq(rc, 0, 'report --session --format json runs', err)
    api_json = dict(rep, generated_at=None)
    T.eq(dict(json.loads(out or '{}'), generated_at=None), api_json,
         'CLI JSON equals API JSON (but generated_at)')
    rc, out, err = h.run_cli(cli + ['--session', str(S1), '--format', 'csv'])
    st, hd, body = s.http('GET', base + '/attendance?format=csv', instr_tok)
    T.eq(out.encode(), body, 'CLI CSV equals API CSV byte for byte')
    rc, out, err = h.run_cli(cli + ['--course', str(cid), '--format', 'json'])
    T.eq(dict(json.loads(out or '{}'), generated_at=None), dict(cr, generated_at=None),
         'CLI course JSON equals API course JSON')


async def test_failed_join_writes_nothing():
    s = h.Server().start()
    before = s.counts()
    c = await s.ws(name='c')
    other = h.mint(h.tmpdir(), 'trainee', 'x', 'X', session=s.demo_session)
    r = await c.request({'type': 'join', 'token': other})
    T.eq((r['type'], r.get('code')), ('error', 'unauthorized'), 'forged token refused')
    T.eq(s.counts(), before, 'a refused join writes nothing')


if __name__ == '__main__':
    h.main(test_attendance, test_failed_join_writes_nothing)
