#!/usr/bin/python3
"""Crashes, restarts and stops: what the ledger says afterwards."""
import asyncio
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

T = h.T
OPEN = 'SELECT id FROM attendance WHERE closed IS NULL ORDER BY id'


def rows(s, where='1'):
    return s.query('SELECT id, person_id, mode, opened, closed, last_seen, close_reason'
                   ' FROM attendance WHERE %s ORDER BY id' % where)


async def class_of_three(s):
    instr = await s.ws(s.link_token('instructor'), name='instr')
    t1 = await s.ws(s.token('trainee', 't-1', 'One'), name='t1')
    t2 = await s.ws(s.token('trainee', 't-2', 'Two'), name='t2')
    return instr, t1, t2


async def test_kill9_then_restart():
    s = h.Server().start()
    sid = s.demo_session
    t_join = time.time()
    conns = await class_of_three(s)
    st, _ = s.api('POST', '/api/sessions/%d/checkins' % sid, s.link_token('instructor'),
                  {'person': 't-room', 'name': 'In The Room'})
    T.eq(st, 201, 'an in-person check-in as well')
    await asyncio.sleep(4.5)  # over 4 heartbeats: only pongs keep them alive
    before = rows(s, "mode = 'remote'")
    T.ok(all(r[5] > r[3] for r in before), 'last_seen moved past opened before the crash',
         before)
    t_kill = time.time()
    s.kill9()
    for c in conns:
        await c.wait_closed(3)
    T.eq(len(s.query(OPEN)), 4, 'after kill -9 the 4 intervals are still open on disk')
    await asyncio.sleep(3)
    t_restart = time.time()
    s.start()
    T.eq(s.links, {}, 'a restart prints no demo links')
    m = s.err.wait_for(r'closed (\d+) attendance intervals left open by an unclean stop', 3)
    T.eq(m and m.group(1), '3', 'the restart logs that it closed 3 intervals')
    after = {r[1]: r for r in rows(s, "mode = 'remote'")}
    T.eq(sorted((p, r[6]) for p, r in after.items()),
         [('demo-instructor', 'server_restart'), ('t-1', 'server_restart'),
          ('t-2', 'server_restart')], "remote intervals closed with 'server_restart'")
    for p, r in sorted(after.items()):
        T.eq(r[4], r[5], '%s closed at its last_seen' % p)
        T.between(r[4], int(t_kill) - 2, int(t_kill) + 1,
                  '%s closed within 2 s before the kill (%.1f)' % (p, t_kill))
    T.eq([(r[1], r[4], r[6]) for r in rows(s, "mode = 'in-person'")],
         [('t-room', None, None)], 'the in-person interval is not touched by recovery')
    T.eq(sorted(json.loads(d)['reason'] for (d,) in s.query(
        "SELECT data FROM events WHERE type = 'leave'")), ['server_restart'] * 3,
         'a leave event for each recovered interval')
    st, rep = s.api('GET', '/api/sessions/%d/attendance' % sid, s.link_token('coordinator'))
    for p in ('t-1', 't-2'):
        row = [x for x in rep['rows'] if x['person'] == p][0]
        r = after[p]
        T.eq(row['credited_seconds'], r[4] - max(r[3], h.parse_iso(rep['session']
                                                                     ['scheduled_start'])),
             '%s credited up to its last_seen' % p)
        T.between(row['credited_seconds'], int(t_kill - t_join) - 2, int(t_kill - t_join) + 1,
                  '%s: the downtime (%.0f s) is not credited' % (p, t_restart - t_kill))
        T.eq(row['last_departure'], h.iso(r[4]), '%s departed at the crash' % p)
    # The people come back; a second restart after a clean stop recovers nothing.
    t1 = await s.ws(s.token('trainee', 't-1', 'One'), name='t1 again')
    T.eq(t1.welcome['session']['state'], 'live', 'the class goes on after the restart')
    T.eq(s.stop(), 0, 'SIGTERM: exit status 0')
    s.start()
    T.ok(s.err.wait_for('unclean stop', 0.5) is None, 'nothing to recover after a clean stop',
         s.log())


async def test_sigterm():
    s = h.Server().start()
    conns = await class_of_three(s)
    await asyncio.sleep(1.1)
    t_term = time.time()
    T.eq(s.stop(), 0, 'SIGTERM: the server exits 0')
    t_exit = time.time()
    T.ok(t_exit - t_term < 3, 'and promptly (%.2f s)' % (t_exit - t_term))
    for c in conns:
        T.eq(await c.wait_closed(2), 1001, '%s closed with 1001 going away' % c.name)
    got = rows(s)
    T.eq([r[6] for r in got], ['server_stop'] * 3, "intervals closed with 'server_stop'")
    T.ok(all(int(t_term) <= r[4] <= int(t_exit) + 1 for r in got), 'closed at the stop', got)
    s.start()
    T.ok(s.err.wait_for('unclean stop', 0.5) is None, 'the next start recovers nothing')
    T.eq(rows(s), got, 'the next start changes no interval')


async def test_lock():
    s = h.Server().start()
    second = h.Server(data_dir=s.data_dir)
    rc, err = second.start_expect_failure()
    T.eq(rc, 1, 'a second server on the same data dir exits 1')
    T.ok('another classrelay is using' in err and s.db_path in err,
         'and says the database is in use', err)
    st, body = s.api('GET', '/healthz')
    T.eq((st, body.get('status')), (200, 'ok'), 'the first server is unaffected')
    s.stop()
    second.start()
    T.ok(second.running(), 'once the first has stopped, the second starts')
    second.stop()
    # Two data dirs naming one database: the second must not start, or its
    # crash recovery would close the first one's live intervals.
    shared = 'storage.database=' + os.path.join(h.tmpdir(), 'shared.db')
    a = h.Server(sets=[shared]).start()
    t1 = await a.ws(a.token('trainee', 't-1', 'One'), name='t1')
    b = h.Server(sets=[shared])
    rc, err = b.start_expect_failure()
    T.ok(rc == 1 and 'shared.db' in err, 'a second server on the same database exits 1', err)
    T.eq([r[4] for r in rows(a)], [None], "the first server's interval is still open")
    T.ok(await t1.alive(), 'and its trainee still connected')


async def test_report_while_running():
    s = h.Server().start()
    t1 = await s.ws(s.token('trainee', 't-1', 'One'), name='t1')
    await asyncio.sleep(1.1)
    rc, out, err = h.run_cli(['report', '--data-dir', s.data_dir, '--session',
                              str(s.demo_session), '--format', 'json',
                              '--set', 'attendance.require_media=false'])
    T.eq(rc, 0, 'report runs while the server runs', err)
    rep = json.loads(out) if rc == 0 else {'rows': []}
    row = [x for x in rep['rows'] if x['person'] == 't-1']
    T.eq(row and [(i['closed'], i['close_reason']) for i in row[0]['intervals']],
         [(None, None)], "the report shows t-1's interval open")
    T.eq(row and row[0]['last_departure'], None, 'and t-1 still present')
    T.ok(re.search('unclean stop|closed \\d+', err) is None, 'report recovers nothing', err)
    T.eq(len(s.query(OPEN)), 1, 'the interval is still open on disk')
    T.ok(await t1.alive(), 't-1 is still connected')
    await asyncio.sleep(1.1)
    T.ok(await t1.alive(), 'and the server still answers after the next heartbeat')
    await t1.send({'type': 'leave'})
    await t1.expect('bye')
    T.eq([r[6] for r in rows(s)], ['leave'], "it closes normally with 'leave'")


if __name__ == '__main__':
    h.main(test_kill9_then_restart, test_sigterm, test_lock, test_report_while_running)
