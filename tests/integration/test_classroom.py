#!/usr/bin/python3
"""The live classroom over WebSocket: joining, the roster, hands, the floor,
chat, ping, kick and the end of a class."""
import asyncio
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

T = h.T
LIN = '林美'


def entry(roster, person):
    found = [e for e in roster if e['person'] == person]
    return found[0] if len(found) == 1 else None


async def setup(sets=(), trainees=('t-lin', 't-wang')):
    s = h.Server(sets=sets).start()
    names = {'t-lin': LIN, 't-wang': 'Wang Wei', 't-zhao': 'Zhao Min'}
    tok = {p: s.token('trainee', p, names[p], org='Tax Bureau') for p in trainees}
    instr = await s.ws(s.link_token('instructor'), name='instr')
    return s, tok, instr


async def test_join_roster_tabs_hands_floor_chat():
    s = h.Server(sets=['media.ice_servers=stun:stun.example.org:3478; '
                       'turn:turn.example.org:3478?transport=udp']).start()
    tok = {'t-lin': s.token('trainee', 't-lin', LIN, org='Tax Bureau'),
           't-wang': s.token('trainee', 't-wang', 'Wang Wei', org='Tax Bureau')}
    sid = s.demo_session
    # Join with a join message: the welcome.
    instr = await s.ws(name='instr')
    w = await instr.request({'type': 'join', 'token': s.link_token('instructor')})
    T.eq(w['type'], 'welcome', 'join message answered with welcome')
    T.eq(w['you'], {'person': 'demo-instructor', 'name': 'Demo Instructor',
                    'org': 'Demo Agency', 'role': 'instructor'}, 'welcome.you')
    T.eq((w['session']['id'], w['session']['state'], w['session']['hands'],
          w['session']['floor']), (sid, 'live', [], []),
         'welcome.session: id, live once the instructor is in, no hands, no floor')
    T.eq(w['session']['course_code'], 'DEMO-101', 'welcome.session names its course')
    T.eq([(e['person'], e['role'], e['connections'], e['hand_raised'], e['floor'])
          for e in w['roster']], [('demo-instructor', 'instructor', 1, False, False)],
         'welcome.roster holds only the instructor')
    T.eq(w['ice_servers'], [{'urls': ['stun:stun.example.org:3478']},
                            {'urls': ['turn:turn.example.org:3478?transport=udp']}],
         'welcome.ice_servers from media.ice_servers')
    T.eq(w['limits'], {'heartbeat_seconds': 1, 'max_message_bytes': 65536,
                       'messages_per_second': 20.0, 'chat_max_chars': 2000}, 'welcome.limits')

    # A bad ?token= is refused, and the connection may then join properly.
    c = await h.WS.connect(s.ws_url('garbage'), 'bad url token')
    r = await c.expect('error')
    T.eq(r['code'], 'unauthorized', 'a bad ?token= is answered unauthorized')
    r = await c.request({'type': 'join', 'token': s.token('trainee', 't-zhao', 'Zhao')})
    T.eq(r['type'], 'welcome', 'then a join message on the same connection works')
    await c.close()
    await instr.expect('roster', event='left', person='t-zhao')

    # Join with ?token= on the URL: an implicit join, welcome without ref.
    lin1 = await s.ws(tok['t-lin'], url_token=True, name='lin1')
    T.eq(lin1.welcome.get('ref'), None, 'URL-token welcome carries no ref')
    T.eq(lin1.welcome['you']['name'], LIN, 'Chinese name survives the token and welcome')
    T.eq(sorted(e['person'] for e in lin1.welcome['roster']), ['demo-instructor', 't-lin'],
         'roster in the second welcome has both people')
    ev = await instr.expect('roster', event='joined', person='t-lin')
    T.eq((ev['entry']['name'], ev['entry']['org'], ev['entry']['connections']),
         (LIN, 'Tax Bureau', 1), 'instructor told t-lin joined, with the roster entry')

    wang = await s.ws(tok['t-wang'], name='wang')
    r = await wang.request({'type': 'join', 'token': tok['t-wang']})
    T.eq((r['type'], r.get('code')), ('error', 'conflict'), 'joining twice on one connection')
    for c in (instr, lin1):
        ev = await c.expect('roster', event='joined', person='t-wang')
        T.eq(ev['entry']['role'], 'trainee', '%s told t-wang joined' % c.name)

    # The same person in a second tab: one roster entry, two connections.
    lin2 = await s.ws(tok['t-lin'], name='lin2')
    e = entry(lin2.welcome['roster'], 't-lin')
    T.eq((len(lin2.welcome['roster']), e and e['connections']), (3, 2),
         'second tab: 3 people in the roster, t-lin once with connections 2')
    for c in (instr, wang, lin1):
        ev = await c.expect('roster', person='t-lin')
        T.eq((ev['event'], ev['entry']['connections']), ('updated', 2),
             '%s told t-lin now has 2 connections (updated, not joined)' % c.name)
    st, live = s.api('GET', '/api/sessions/%d/live' % sid, s.link_token('instructor'))
    T.eq((st, live['live'], live['present'], len(live['roster'])), (200, True, 3, 3),
         'live view: 3 people present')

    # Hands, in order; both of t-lin's tabs see every event.
    r = await lin1.request({'type': 'raise_hand'})
    T.eq(r['type'], 'ok', 'raise_hand acknowledged with ok')
    for c in (instr, wang, lin1, lin2):
        ev = await c.expect('roster', event='hand_raised')
        T.eq((ev['person'], ev['hands']), ('t-lin', ['t-lin']), '%s sees t-lin raise' % c.name)
    await wang.request({'type': 'raise_hand'})
    ev = await instr.expect('roster', event='hand_raised', person='t-wang')
    T.eq(ev['hands'], ['t-lin', 't-wang'], 'hands queue in the order raised')
    r = await lin2.request({'type': 'raise_hand'})
    T.eq(r['type'], 'ok', 'raising twice is accepted')
    T.eq([m for m in await instr.collect(0.3) if m.get('type') == 'roster'], [],
         'raising twice announces nothing')
    st, live = s.api('GET', '/api/sessions/%d/live' % sid, s.link_token('instructor'))
    T.eq(live['hands'], ['t-lin', 't-wang'], 'raising twice keeps the first place')
    await lin1.request({'type': 'lower_hand'})
    ev = await instr.expect('roster', event='hand_lowered')
    T.eq((ev['person'], ev['hands']), ('t-lin', ['t-wang']), 'lower_hand removes own hand')
    r = await lin1.request({'type': 'lower_hand', 'person': 't-wang'})
    T.eq((r['type'], r.get('code')), ('error', 'forbidden'),
         "a trainee may not lower another's hand")
    await instr.request({'type': 'lower_hand', 'person': 't-wang'})
    ev = await wang.expect('roster', event='hand_lowered', person='t-wang')
    T.eq((ev['person'], ev['hands']), ('t-wang', []), "the instructor lowers another's hand")

    # The floor: granting takes the person out of the hands queue.
    await lin1.request({'type': 'raise_hand'})
    await instr.expect('roster', event='hand_raised', person='t-lin')
    r = await instr.request({'type': 'grant_floor', 'person': 't-lin'})
    T.eq(r['type'], 'ok', 'grant_floor acknowledged')
    for c in (lin1, lin2, wang):
        ev = await c.expect('roster', event='floor_granted')
        T.eq((ev['person'], ev['by'], ev['floor'], ev['hands']),
             ('t-lin', 'demo-instructor', ['t-lin'], []),
             '%s: t-lin moved from hands to floor' % c.name)
    # A second grant with max_floor_holders=1 revokes the first, in that order.
    await instr.request({'type': 'grant_floor', 'person': 't-wang'})
    got = [(m['event'], m['person'], m['floor']) for m in await lin1.collect(0.4)
           if m.get('type') == 'roster']
    T.eq(got, [('floor_revoked', 't-lin', []), ('floor_granted', 't-wang', ['t-wang'])],
         'granting to t-wang: floor_revoked(t-lin) then floor_granted(t-wang)')
    r = await instr.request({'type': 'revoke_floor', 'person': 't-wang'})
    T.eq(r['type'], 'ok', 'revoke_floor acknowledged')
    ev = await wang.expect('roster', event='floor_revoked', person='t-wang')
    T.eq((ev['person'], ev['floor']), ('t-wang', []), 'revoke_floor empties the floor')
    r = await instr.request({'type': 'revoke_floor', 'person': 't-wang'})
    T.eq((r['type'], r.get('code')), ('error', 'conflict'), 'revoking twice is a conflict')
    r = await instr.request({'type': 'grant_floor', 'person': 'nobody'})
    T.eq((r['type'], r.get('code')), ('error', 'not_found'), 'granting to an absent person')
    r = await instr.request({'type': 'grant_floor', 'person': 'demo-instructor'})
    T.eq((r['type'], r.get('code')), ('error', 'bad_request'), 'granting to a non-trainee')

    # Chat reaches every connection, text intact.
    await wang.send({'type': 'chat', 'text': LIN + ' 你好'})
    for c in (instr, lin1, lin2, wang):
        m = await c.expect('chat')
        T.eq((m['person'], m['name'], m['text']), ('t-wang', 'Wang Wei', LIN + ' 你好'),
             '%s receives the chat' % c.name)
        T.ok(re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', m['at']), 'chat.at is RFC 3339')

    r = await wang.request({'type': 'publish', 'sdp': 'v=0'})
    T.eq((r['type'], r.get('code')), ('error', 'forbidden'),
         'media: a trainee without the floor may not publish')
    r = await instr.request({'type': 'publish', 'sdp': 'v=0'})
    T.eq((r['type'], r.get('code')), ('error', 'bad_request'),
         'media: a broken offer is refused with bad_request')
    T.ok(await wang.alive() and await instr.alive(), 'both stay usable after media errors')

    # ping -> pong, echoing the ref (an integer ref comes back as text).
    await lin1.send({'type': 'ping', 'ref': 42})
    p = await lin1.expect('pong')
    T.eq(p['ref'], '42', 'pong echoes an integer ref as text')
    await lin1.send({'type': 'ping', 'ref': 'p-1'})
    p = await lin1.expect('pong')
    T.eq(p['ref'], 'p-1', 'pong echoes a string ref')
    T.ok(abs(h.parse_iso(p['time']) - p['_t']) <= 2, 'pong.time is the server time', p)

    # Closing one tab: still one entry, one connection; that interval closed.
    await lin2.close()
    ev = await instr.expect('roster', person='t-lin')
    T.eq((ev['event'], ev['entry']['connections']), ('updated', 1),
         'closing one tab leaves t-lin present with 1 connection')
    await asyncio.sleep(0.2)
    rows = s.query("SELECT close_reason FROM attendance WHERE person_id='t-lin' ORDER BY id")
    T.eq(rows, [(None,), ('closed',)], "closed tab's interval closed with 'closed', other open")
    await lin1.close()
    ev = await instr.expect('roster', person='t-lin')
    T.eq(ev['event'], 'left', 'closing the last tab announces left')


async def test_two_floor_holders():
    s, tok, instr = await setup(sets=['classroom.max_floor_holders=2'],
                                trainees=('t-lin', 't-wang', 't-zhao'))
    c = {p: await s.ws(t, name=p) for p, t in tok.items()}
    await instr.request({'type': 'grant_floor', 'person': 't-lin'})
    await instr.request({'type': 'grant_floor', 'person': 't-wang'})
    got = [(m['event'], m['person'], m['floor']) for m in await c['t-zhao'].collect(0.4)
           if m.get('type') == 'roster' and m['event'].startswith('floor')]
    T.eq(got, [('floor_granted', 't-lin', ['t-lin']),
               ('floor_granted', 't-wang', ['t-lin', 't-wang'])],
         'max_floor_holders=2: both hold the floor, nothing revoked')
    await c['t-lin'].expect('roster', event='floor_granted', person='t-wang')
    await instr.request({'type': 'grant_floor', 'person': 't-zhao'})
    got = [(m['event'], m['person'], m['floor']) for m in await c['t-lin'].collect(0.4)
           if m.get('type') == 'roster' and m['event'].startswith('floor')]
    T.eq(got, [('floor_revoked', 't-lin', ['t-wang']),
               ('floor_granted', 't-zhao', ['t-wang', 't-zhao'])],
         'a third grant revokes the longest holder first')


async def test_waiting_room_and_giving_back_the_floor():
    s = h.Server().start()
    lin_tok = s.token('trainee', 't-lin', LIN)
    lin = await s.ws(lin_tok, name='lin')
    T.eq(lin.welcome['session']['state'], 'scheduled',
         'a trainee who arrives before the instructor waits in a scheduled session')
    instr = await s.ws(s.link_token('instructor'), name='instr')
    m = await lin.expect('session')
    T.eq((m['session']['state'], m['session']['actual_start'] is not None), ('live', True),
         'the waiting trainee is told the session went live')
    await instr.request({'type': 'grant_floor', 'person': 't-lin'})
    r = await lin.request({'type': 'revoke_floor', 'person': 't-lin'})
    T.eq(r['type'], 'ok', 'a trainee may give the floor back')
    ev = await instr.expect('roster', event='floor_revoked', person='t-lin')
    T.eq((ev['by'], ev['floor']), ('t-lin', []), 'the instructor sees the floor given back')
    wang = await s.ws(s.token('trainee', 't-wang', 'Wang Wei'), name='wang')
    await instr.request({'type': 'grant_floor', 'person': 't-wang'})
    r = await lin.request({'type': 'revoke_floor', 'person': 't-wang'})
    T.eq((r['type'], r.get('code')), ('error', 'forbidden'),
         "a trainee may not take someone else's floor")
    T.ok(await wang.alive(), 't-wang keeps going')


async def test_kick():
    s, tok, instr = await setup()
    lin1 = await s.ws(tok['t-lin'], name='lin1')
    lin2 = await s.ws(tok['t-lin'], name='lin2')
    wang = await s.ws(tok['t-wang'], name='wang')
    r = await instr.request({'type': 'kick', 'person': 't-lin', 'text': 'disruptive'})
    T.eq(r['type'], 'ok', 'kick acknowledged')
    for c in (lin1, lin2):
        m = await c.expect('kicked')
        T.eq((m['by'], m['reason']), ('demo-instructor', 'disruptive'),
             '%s receives kicked with who and why' % c.name)
        T.eq(await c.wait_closed(), 1000, '%s closed by the server after kicked' % c.name)
    ev = await wang.expect('roster', event='left', person='t-lin')
    T.ok(ev is not None, 'the others are told t-lin left')
    await asyncio.sleep(0.2)
    T.eq(s.query("SELECT close_reason FROM attendance WHERE person_id='t-lin'"),
         [('kicked',), ('kicked',)], "both of t-lin's intervals closed with 'kicked'")
    T.eq(s.query("SELECT person_id, banned_by FROM session_bans"),
         [('t-lin', 'demo-instructor')], 'the ban is recorded')
    again = await s.ws(name='lin3')
    r = await again.request({'type': 'join', 'token': tok['t-lin']})
    T.eq((r['type'], r.get('code')), ('error', 'forbidden'), 'a kicked person cannot re-join')
    T.ok(await again.alive(), 'the refused connection stays usable')
    T.eq(s.query("SELECT count(*) FROM attendance WHERE person_id='t-lin'"), [(2,)],
         'the refused re-join opened no interval')
    r = await instr.request({'type': 'kick', 'person': 'nobody'})
    T.eq((r['type'], r.get('code')), ('error', 'not_found'), 'kicking an absent person')
    r = await instr.request({'type': 'kick', 'person': 'demo-instructor'})
    T.eq((r['type'], r.get('code')), ('error', 'bad_request'), 'kicking oneself')
    T.ok(await wang.alive(), 't-wang is unaffected')


async def test_end_class():
    s, tok, instr = await setup()
    sid = s.demo_session
    lin = await s.ws(tok['t-lin'], name='lin')
    wang = await s.ws(tok['t-wang'], name='wang')
    await instr.send({'type': 'end_class', 'ref': 'end'})
    for c in (instr, lin, wang):
        m = await c.expect('ended')
        T.eq(m['session']['state'], 'ended', '%s receives ended' % c.name)
        T.eq(await c.wait_closed(), 1000, '%s closed after ended' % c.name)
    coord = s.link_token('coordinator')
    st, sess = s.api('GET', '/api/sessions/%d' % sid, coord)
    T.eq((st, sess['state']), (200, 'ended'), 'the session is ended in the store')
    T.ok(sess['actual_end'] is not None, 'actual_end recorded')
    T.eq(s.query('SELECT DISTINCT close_reason FROM attendance WHERE closed IS NOT NULL'),
         [('class_ended',)], "every interval closed with 'class_ended'")
    T.eq(s.query('SELECT count(*) FROM attendance WHERE closed IS NULL'), [(0,)],
         'no interval left open')
    late = await s.ws(name='late')
    r = await late.request({'type': 'join', 'token': tok['t-lin']})
    T.eq((r['type'], r.get('code')), ('error', 'conflict'), 'joining an ended class: conflict')
    st, body = s.api('POST', '/api/sessions/%d/checkins' % sid, coord,
                     {'person': 't-zhao', 'name': 'Zhao'})
    T.eq((st, body['error']['code']), (409, 'conflict'), 'no check-in into an ended class')
    st, body = s.api('POST', '/api/sessions/%d/end' % sid, coord)
    T.eq((st, body['error']['code']), (409, 'conflict'), 'ending twice over the API: 409')


if __name__ == '__main__':
    h.main(test_join_roster_tabs_hands_floor_chat, test_two_floor_holders,
           test_waiting_room_and_giving_back_the_floor, test_kick,
           test_end_class)
