#!/usr/bin/python3
"""Media through the real relay, with an independent WebRTC stack
(GStreamer's webrtcbin, see gstclient.py) on both ends: WHIP/WHEP with VP8
and H.264, the WebSocket publish/subscribe PeerConnections, the floor, and
faults (a subscriber that vanishes, garbage UDP at the media port).

Run through run.sh (a private network namespace holding only loopback);
the server offers 127.0.0.1 candidates (media.addresses) and the clients
add 127.0.0.1 to their ICE agents. TAP output; the binary from $CLASSRELAY.
Set GSTCLIENT_DEBUG=1 for the clients' signaling, SDP and ICE states.
"""
import asyncio
import os
import random
import re
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'integration'))
sys.path.insert(0, HERE)

try:
    import gstclient as g
except (ImportError, ValueError) as e:  # no python3-gi / GStreamer typelibs
    print('1..0 # SKIP GStreamer for Python is missing: %s' % e, flush=True)
    sys.exit(77)

import harness as h  # noqa: E402

T = h.T
MEDIA_SETS = ['media.addresses=127.0.0.1', 'media.workers=2']
FRAMES = 30          # decoded video frames wanted ...
WITHIN = 10          # ... within this many seconds
AUDIO = 10           # decoded audio buffers (20 ms each) wanted too


# ---- helpers ------------------------------------------------------------------


class Scope:
    """Everything a test starts (pipelines, WebSocket clients), stopped at
    its end whatever happens."""

    def __init__(self):
        self.items = []

    def add(self, obj):
        self.items.append(obj)
        return obj

    def close(self):
        for obj in reversed(self.items):
            try:
                if isinstance(obj, g.WsClient):
                    obj.close()
                else:
                    obj.stop()
            except Exception as e:  # cleaning up must not hide the result
                T.note('cleanup of %r failed: %r' % (obj, e))
        self.items.clear()


def start_server(extra=()):
    s = h.Server(sets=MEDIA_SETS + list(extra), heartbeat=2).start()
    s.whip_url = 'http://127.0.0.1:%d/whip/%d' % (s.port, s.demo_session)
    s.whep_url = 'http://127.0.0.1:%d/whep/%d' % (s.port, s.demo_session)
    return s


def log_tail(s, n=25):
    lines = s.log().splitlines()
    return '\n'.join(['server log (last %d of %d lines):' % (min(n, len(lines)), len(lines))] +
                     ['  ' + x for x in lines[-n:]])


def peer_state(p):
    out = '%s: ice=%s pc=%s' % (p.name, p.ice_state, p.pc_state)
    if isinstance(p, g.Subscriber):
        out += ' counters=%r codecs=%r' % (p.snapshot(), p.codecs)
    if p.errors:
        out += ' errors=%r' % p.errors[-3:]
    return out


def detail(s, *peers, extra=None):
    parts = [peer_state(p) for p in peers]
    if extra:
        parts.append(str(extra))
    if s is not None:
        parts.append(log_tail(s))
    return '\n'.join(parts)


def check_decodes(s, sub, what, frames=FRAMES, audio=AUDIO, within=WITHIN, pubs=(), mid=None,
                  audio_mid=None):
    """T: @sub decodes @frames more video frames and @audio more audio
    buffers within @within seconds (of the given mids when named)."""
    t0 = time.monotonic()

    def counts():
        if mid is None:
            v = sub.video_frames
        else:
            v = sub.by_mid.get(mid, {}).get('frames', 0)
        if audio_mid is None:
            a = sub.audio_buffers
        else:
            a = sub.by_mid.get(audio_mid, {}).get('audio', 0)
        return v, a
    v0, a0 = counts()
    ok = g._wait(lambda: counts()[0] - v0 >= frames and counts()[1] - a0 >= audio, within, 0.05)
    v1, a1 = counts()
    desc = '%s: %d video frames and %d audio buffers decoded within %ds' % (
        what, frames, audio, within)
    if ok:
        desc += ' (%.1fs)' % (time.monotonic() - t0)
    T.ok(ok, desc, detail(s, sub, *pubs, extra='video +%d audio +%d%s' % (
        v1 - v0, a1 - a0, ' (video counter stayed at zero)' if v1 == v0 else '')))
    return ok


def check_stalls(s, sub, what, quiet=1.0, window=2.0, mid=None, audio_mid=None):
    """T: @sub's counters (of the given mids) stop growing @quiet seconds
    after now, for @window seconds."""
    def counts():
        snap = sub.snapshot()
        if mid is None and audio_mid is None:
            return snap['video_frames'], snap['audio_buffers']
        by = snap['by_mid']
        return (by.get(mid, {}).get('frames', 0) if mid else 0,
                by.get(audio_mid, {}).get('audio', 0) if audio_mid else 0)
    time.sleep(quiet)
    before = counts()
    time.sleep(window)
    after = counts()
    T.ok(before == after, '%s: nothing decoded from %.1fs to %.1fs after' % (
        what, quiet, quiet + window),
        detail(s, sub, extra='(video, audio) before %r after %r' % (before, after)))
    return before == after


def answer_checks(s, sdp, what):
    cands = g.candidate_addresses(sdp)
    T.ok(any(ip == '127.0.0.1' for ip, _ in cands),
         '%s: the answer carries a 127.0.0.1 UDP host candidate' % what, sdp)
    return cands


def in_thread(fn):
    """Runs the blocking test body @fn in a worker thread (the clients block)."""
    async def run():
        await asyncio.to_thread(fn)
    run.__name__ = fn.__name__
    return run


# ---- 0. the client against itself ------------------------------------------------


@in_thread
def test_client_loopback():
    """gstclient's publisher straight to its subscriber, no server: proves the
    client side before blaming the relay."""
    for kind in ('vp8', 'h264'):
        missing = g.missing_elements((kind,))
        if missing:
            T.ok(False, 'GStreamer elements for %s present' % kind, 'missing: %s' % missing)
            continue
        try:
            snap = g.loopback_check(kind, WITHIN)
            T.ok(True, 'client self-check %s: webrtcbin to webrtcbin decodes %r' % (
                kind, {k: snap[k] for k in ('video_frames', 'audio_buffers')}))
        except g.ClientError as e:
            T.ok(False, 'client self-check %s' % kind, str(e))


# ---- a/b. WHIP publisher, two WHEP subscribers -------------------------------------


def whip_whep(kind, extra_sets):
    scope = Scope()
    s = start_server(extra_sets)
    try:
        label = kind.upper()
        pub = scope.add(g.Publisher(kind=kind, name='whip-' + kind))
        if kind == 'h264':
            T.note('H.264 encoder: %s' % pub.h264_encoder)
        answer = pub.whip(s.whip_url, s.link_token('instructor'))
        T.ok(pub.http_status == 201 and re.match(r'^http://127\.0\.0\.1:%d/whip/%d/\d+$'
                                                 % (s.port, s.demo_session), pub.resource),
             '%s WHIP: 201 with Location /whip/{session}/{id}' % label,
             '%r %r' % (pub.http_status, pub.resource))
        answer_checks(s, answer, '%s WHIP' % label)
        T.ok('sendonly' not in answer and answer.count('a=recvonly') >= 2,
             '%s WHIP: the answer is recvonly for audio and video' % label, answer)

        subs, toks = [], []
        for i in (1, 2):
            tok = s.token('trainee', 't-%s-%d' % (kind, i), 'Trainee %d' % i)
            sub = scope.add(g.Subscriber(name='whep%d-%s' % (i, kind)))
            # The second one trickles its candidates in a PATCH.
            sanswer = sub.whep(s.whep_url, tok, trickle=(i == 2))
            T.ok(sub.http_status == 201 and '/whep/%d/' % s.demo_session in sub.resource,
                 '%s WHEP %d: 201 with Location /whep/{session}/{id}' % (label, i),
                 '%r %r' % (sub.http_status, sub.resource))
            if i == 2:
                T.eq(sub.patch_status, 204, '%s WHEP %d: PATCH with its candidates (offer had '
                     'none)' % (label, i))
            answer_checks(s, sanswer, '%s WHEP %d' % (label, i))
            subs.append(sub)
            toks.append(tok)
        for i, sub in enumerate(subs, 1):
            check_decodes(s, sub, '%s WHEP subscriber %d' % (label, i), pubs=[pub])
            T.eq(sorted(set(sub.codecs.values())), sorted(['OPUS', label.replace('.', '')]),
                 '%s WHEP subscriber %d: codecs received' % (label, i))
            T.ok((640, 360) in sub.frame_sizes,
                 '%s WHEP subscriber %d: decoded frames are 640x360' % (label, i),
                 sub.frame_sizes)

        # Refusals that must not disturb anything.
        path = pub.resource.split(str(s.port), 1)[1]
        st, _, _ = s.http('DELETE', path, toks[0])
        T.eq(st, 404, "%s: a trainee cannot DELETE the instructor's WHIP resource" % label)
        st, _, _ = s.http('PATCH', path, s.link_token('instructor'),
                          body='a=candidate:1 1 UDP\r\n',
                          headers={'Content-Type': 'application/trickle-ice-sdpfrag'})
        T.eq(st, 400, '%s: a PATCH with a malformed sdpfrag is refused' % label)
        st, _, _ = s.http('POST', '/whip/%d' % s.demo_session, toks[0], body=pub.offer_sdp,
                          headers={'Content-Type': 'application/sdp'})
        T.eq(st, 403, '%s: WHIP with a trainee token is forbidden' % label)
        if kind == 'h264':
            # A viewer offering only VP8 to an H.264-only relay: refused
            # (400), or its video m-line rejected (port 0) and audio kept.
            vp8only = scope.add(g.Subscriber(name='whep-vp8only', video_codecs=('VP8',)))
            try:
                vp8only.whep(s.whep_url, s.token('trainee', 't-vp8only', 'VP8 only'))
            except g.ClientError:
                pass
            st = getattr(vp8only, 'http_status', None)
            body = getattr(vp8only, 'http_body', '') or ''
            video_rejected = re.search(r'^m=video 0 ', body, re.M) is not None
            T.ok(st == 400 or (st == 201 and video_rejected),
                 'H264: a WHEP offering only VP8 to an H.264-only server: 400, or video '
                 'rejected (got %r%s)' % (st, ', video rejected' if video_rejected else ''),
                 body)
            if st == 201:
                # (webrtcbin 1.22 cannot apply such an answer: it wants a
                # fingerprint even in the rejected m-line, or at session
                # level. So only the SDP is checked here.)
                T.ok(re.search(r'^a=rtpmap:\d+ opus/48000/2', body, re.M | re.I) and
                     'h264' not in body.lower(),
                     'H264: the VP8-only viewer is answered audio only', body)
                T.eq(vp8only.delete(), 200, 'H264: the VP8-only viewer DELETEs')
            vp8only.stop()
        for i, sub in enumerate(subs, 1):
            check_decodes(s, sub, '%s WHEP subscriber %d after the refusals' % (label, i),
                          within=5, pubs=[pub])

        status = pub.delete()
        T.eq(status, 200, '%s WHIP: DELETE of the resource' % label)
        st, _, _ = s.http('DELETE', path, s.link_token('instructor'))
        T.eq(st, 404, '%s WHIP: a second DELETE finds nothing' % label)
        for i, sub in enumerate(subs, 1):
            check_stalls(s, sub, '%s WHEP subscriber %d after the WHIP DELETE' % (label, i),
                         quiet=1.0 if i == 1 else 0.0)
        for i, sub in enumerate(subs, 1):
            T.eq(sub.delete(), 200, '%s WHEP %d: DELETE' % (label, i))
        T.ok(s.running(), '%s: the server is still running' % label, log_tail(s))
    finally:
        scope.close()


@in_thread
def test_whip_whep_vp8():
    whip_whep('vp8', [])


@in_thread
def test_whip_whep_h264():
    if g.h264_encoder() is None:
        T.ok(False, 'an H.264 encoder (x264enc or openh264enc) is installed')
        return
    whip_whep('h264', ['media.video_codecs=H264'])


# ---- c. WebSocket publish and subscribe -------------------------------------------------


@in_thread
def test_websocket_publish_subscribe():
    scope = Scope()
    s = start_server()
    try:
        url = s.ws_url()
        instr = scope.add(g.WsClient(url, s.link_token('instructor'), name='instr'))
        instr.join()
        # A trainee who is there before the instructor publishes ...
        sub1 = scope.add(g.Subscriber(name='ws-sub1'))
        t1 = scope.add(g.WsClient(url, s.token('trainee', 't-early', 'Early'), subscriber=sub1,
                                  name='t-early'))
        t1.join()
        offer = t1.wait_for(lambda m: m.get('type') == 'offer' and m.get('pc') == 'subscribe',
                            5)
        T.ok(offer is not None, 'trainee gets a subscribe offer after welcome',
             [m.get('type') for m in t1.messages])
        if offer is not None:
            T.eq(g.sdp_mids(offer['sdp']), ['0', '1', '2', '3', '4'],
                 "the trainee's subscribe offer has mids 0..4")
        io = instr.wait_for(lambda m: m.get('type') == 'offer' and m.get('pc') == 'subscribe',
                            5)
        T.ok(io is not None and g.sdp_mids(io['sdp']) == ['0', '1'],
             "the instructor's subscribe offer has mids 0, 1",
             io and io['sdp'])

        pub = scope.add(g.Publisher(kind='vp8', name='ws-pub'))
        reply = instr.publish(pub)
        T.eq((reply.get('type'), reply.get('pc')), ('answer', 'publish'),
             'instructor publish over WebSocket is answered', reply)
        T.ok(pub.wait_connected(10), 'instructor publish PC connects (trickled ICE)',
             detail(s, pub, extra={'remote candidates': pub.remote_candidates}))
        T.ok(instr.sent_candidates['publish'] >= 2 and not g.sdp_candidates(pub.offer_sdp),
             'the publish offer went without candidates; %d candidate messages followed'
             % instr.sent_candidates['publish'])
        T.ok(instr.received_candidates['publish'] > 0 or g.sdp_candidates(pub.answer_sdp),
             'server candidates for the publish PC (%d trickled, %d in the answer)'
             % (instr.received_candidates['publish'], len(g.sdp_candidates(pub.answer_sdp))))
        check_decodes(s, sub1, 'WS trainee subscribed before the publish', pubs=[pub],
                      mid='1', audio_mid='0')

        # ... and one who comes after.
        sub2 = scope.add(g.Subscriber(name='ws-sub2'))
        t2 = scope.add(g.WsClient(url, s.token('trainee', 't-late', 'Late'), subscriber=sub2,
                                  name='t-late'))
        t2.join()
        check_decodes(s, sub2, 'WS trainee subscribed after the publish', pubs=[pub],
                      mid='1', audio_mid='0')
        T.ok(t2.received_candidates['subscribe'] > 0 or
             g.sdp_candidates(t2.subscribe_offer or ''),
             'server candidates for the subscribe PC (%d trickled, %d in the offer)'
             % (t2.received_candidates['subscribe'],
                len(g.sdp_candidates(t2.subscribe_offer or ''))))
        T.ok(t2.sent_candidates['subscribe'] >= 2,
             'the subscribe answer was followed by %d candidate messages'
             % t2.sent_candidates['subscribe'])
        for c in (instr, t1, t2):
            T.eq(c.errors, [], '%s: no signaling handler errors' % c.name)
            bad = [m for m in c.messages if m.get('type') in ('error', 'media')]
            T.eq(bad, [], '%s: no error or media-failure messages' % c.name)
    finally:
        scope.close()


# ---- d. the floor ---------------------------------------------------------------------


@in_thread
def test_floor():
    scope = Scope()
    s = start_server()
    try:
        url = s.ws_url()
        isub = scope.add(g.Subscriber(name='instr-ws-sub'))
        instr = scope.add(g.WsClient(url, s.link_token('instructor'), subscriber=isub,
                                     name='instr'))
        instr.join()
        iwhep = scope.add(g.Subscriber(name='instr-whep'))
        iwhep.whep(s.whep_url, s.link_token('instructor'))
        T.eq(iwhep.http_status, 201, 'instructor WHEP (floor only): 201')

        t1 = scope.add(g.WsClient(url, s.token('trainee', 't1', 'Trainee One'), name='t1'))
        t1.join()
        sub2 = scope.add(g.Subscriber(name='t2-ws-sub'))
        t2 = scope.add(g.WsClient(url, s.token('trainee', 't2', 'Trainee Two'),
                                  subscriber=sub2, name='t2'))
        t2.join()

        early = scope.add(g.Publisher(kind='vp8', name='t1-early'))
        reply = t1.publish(early, timeout=10)
        T.eq((reply.get('type'), reply.get('code')), ('error', 'forbidden'),
             'trainee publish without the floor: forbidden', reply)
        early.stop()

        r = instr.request({'type': 'grant_floor', 'person': 't1'})
        T.eq(r.get('type'), 'ok', 'instructor grants t1 the floor', r)
        T.ok(t1.wait_for(lambda m: m.get('type') == 'roster' and
                         m.get('event') == 'floor_granted', 5) is not None,
             't1 told of the floor grant')

        pub = scope.add(g.Publisher(kind='vp8', name='t1-pub'))
        reply = t1.publish(pub, timeout=10)
        T.eq((reply.get('type'), reply.get('pc')), ('answer', 'publish'),
             'trainee publish with the floor is answered', reply)
        check_decodes(s, isub, "instructor's WS subscribe PC gets t1 (floor mids 0/1)",
                      pubs=[pub], mid='1', audio_mid='0')
        check_decodes(s, iwhep, "instructor's WHEP gets t1", pubs=[pub])
        check_decodes(s, sub2, "trainee t2's WS subscribe PC gets t1 (floor mids 3/4)",
                      pubs=[pub], mid='4', audio_mid='3')

        start = len(t1.messages)
        r = instr.request({'type': 'revoke_floor', 'person': 't1'})
        T.eq(r.get('type'), 'ok', 'instructor revokes the floor', r)
        closed = t1.wait_for(lambda m: m.get('type') == 'media' and m.get('pc') == 'publish',
                             5, start)
        T.eq(closed and (closed.get('state'), closed.get('reason')),
             ('closed', 'floor_revoked'), 't1 told its publish PC closed: floor_revoked',
             closed)
        check_stalls(s, isub, "instructor's WS subscribe PC after revoke_floor", quiet=1.0)
        check_stalls(s, iwhep, "instructor's WHEP after revoke_floor", quiet=0.0)
        check_stalls(s, sub2, "t2's floor slots after revoke_floor", quiet=0.0, mid='4',
                     audio_mid='3')
        # The floor is enforced at the relay, not by the client's good will:
        # t1's pipeline still sends.
        T.ok(not pub.stopped, "(t1's publisher was still running meanwhile)")
        pub.stop()

        # The floor passes to t2: the instructor's same m-lines carry t2 now
        # (no renegotiation, the same SSRCs: no new pads in webrtcbin), and
        # t2 does not get its own media back.
        pads_before = list(isub.pads)
        r = instr.request({'type': 'grant_floor', 'person': 't2'})
        T.eq(r.get('type'), 'ok', 'instructor grants t2 the floor', r)
        pub2 = scope.add(g.Publisher(kind='vp8', name='t2-pub'))
        reply = t2.publish(pub2, timeout=10)
        T.eq((reply.get('type'), reply.get('pc')), ('answer', 'publish'),
             't2 publishes with the floor', reply)
        check_decodes(s, isub, "instructor's WS subscribe PC gets t2 on the same m-lines",
                      pubs=[pub2], mid='1', audio_mid='0')
        T.eq(isub.pads, pads_before, "no new streams at the instructor's webrtcbin (SSRCs kept "
             "across the change of floor holder)")
        check_decodes(s, iwhep, "instructor's WHEP gets t2", pubs=[pub2])
        check_stalls(s, sub2, "t2 does not receive its own media on the floor slots", quiet=0.0,
                     mid='4', audio_mid='3')
    finally:
        scope.close()


# ---- steady media: one unbroken "media flowing" interval per viewer ----------------


@in_thread
def test_steady_viewers_one_media_interval():
    """Subscribers that decode without a break for 25 s keep one open
    media interval each (attendance), whatever their RTCP rhythm: RFC 3550
    spaces receiver reports up to ~6.2 s apart (5 s x [0.5, 1.5] / 1.21828)."""
    scope = Scope()
    s = start_server()
    watch = int(os.environ.get('CR_MEDIA_STEADY_SECONDS') or 25)
    try:
        pub = scope.add(g.Publisher(kind='vp8', name='steady-pub'))
        pub.whip(s.whip_url, s.link_token('instructor'))
        subs = []
        for i in (1, 2):
            sub = scope.add(g.Subscriber(name='steady-sub%d' % i))
            sub.whep(s.whep_url, s.token('trainee', 'steady-%d' % i, 'Steady %d' % i))
            subs.append(sub)
        for i, sub in enumerate(subs, 1):
            check_decodes(s, sub, 'steady subscriber %d' % i, pubs=[pub])
        # Watch: the decoders must never pause for long (so the viewers are
        # truly receiving all along) ...
        t_end = time.monotonic() + watch
        worst = 0.0
        while time.monotonic() < t_end:
            time.sleep(0.25)
            now = time.monotonic()
            worst = max([worst] + [now - (x.last_frame_at or now) for x in subs])
        T.ok(worst < 1.0, 'steady subscribers decoded all along for %ds (longest pause %.2fs)'
             % (watch, worst), detail(s, *subs))
        # ... and the server must have seen them as receiving all along.
        flaps = [x for x in s.log().splitlines() if 'media stopped (receiving)' in x]
        rows = h.db_query(s.db_path, "SELECT person_id, opened, closed, close_reason "
                                     "FROM media_intervals WHERE direction = 'receive' "
                                     "ORDER BY id")
        T.eq(flaps, [], 'no "media stopped" for subscribers that never stopped receiving',
             'media_intervals rows (receive): %r' % (rows,))
        per = {}
        for person, _, closed, reason in rows:
            per.setdefault(person, []).append((closed, reason))
        T.eq(per, {'steady-1': [(None, None)], 'steady-2': [(None, None)]},
             'one open receive media interval per steady subscriber')
    finally:
        scope.close()


# ---- e. faults ------------------------------------------------------------------------


def garbage_datagrams(rng, ssrcs, n):
    """Random junk shaped like every protocol on a bundled port: STUN, DTLS,
    RTP, RTCP (some with the peers' real SSRCs), and plain noise."""
    def rnd(k):
        return bytes(rng.getrandbits(8) for _ in range(k))
    out = []
    for i in range(n):
        k = i % 7
        if k == 0:    # STUN binding request with an unknown username
            body = rnd(rng.randint(0, 60))
            out.append(struct.pack('!HHI12s', 0x0001, len(body), 0x2112A442, rnd(12)) + body)
        elif k == 1:  # DTLS record (change cipher spec, alert, handshake, data), any epoch
            out.append(bytes([rng.choice((20, 21, 22, 23)), 0xFE, rng.choice((0xFD, 0xFF))]) +
                       rnd(rng.randint(0, 200)))
        elif k == 2:  # RTP with a real SSRC: must fail SRTP authentication
            ssrc = rng.choice(ssrcs) if ssrcs else rng.getrandbits(32)
            out.append(struct.pack('!BBHII', 0x80 | rng.randint(0, 31),
                                   rng.choice((96, 111, 102, 0x80 | 96)),
                                   rng.getrandbits(16), rng.getrandbits(32), ssrc) +
                       rnd(rng.randint(0, 1200)))
        elif k == 3:  # RTCP (SR, RR, RTPFB, PSFB) with a lying length
            ssrc = rng.choice(ssrcs) if ssrcs else rng.getrandbits(32)
            out.append(struct.pack('!BBHI', 0x80 | rng.randint(0, 31),
                                   rng.choice((200, 201, 205, 206)),
                                   rng.getrandbits(16), ssrc) + rnd(rng.randint(0, 80)))
        elif k == 4:  # truncated headers
            out.append(rnd(rng.randint(0, 11)))
        elif k == 5:  # first bytes at every boundary of RFC 7983 demultiplexing
            out.append(bytes([rng.choice((0, 3, 4, 19, 20, 63, 64, 79, 127, 128, 191, 192,
                                          255))]) + rnd(rng.randint(0, 40)))
        else:         # noise up to a full datagram
            out.append(rnd(rng.randint(1, 1500)))
    return out


def spoofer():
    """A raw UDP socket (needs CAP_NET_RAW: root, or root in the namespace
    run.sh makes), or None."""
    try:
        return socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    except OSError:
        return None


def send_spoofed(raw, src_port, dst_port, payload):
    """A UDP datagram 127.0.0.1:src_port -> 127.0.0.1:dst_port (checksum 0)."""
    raw.sendto(struct.pack('!HHHH', src_port, dst_port, 8 + len(payload), 0) + payload,
               ('127.0.0.1', 0))


def metric(s, name):
    """A counter from /metrics, or None."""
    status, _, body = s.http('GET', '/metrics')
    m = re.search(r'^%s (\d+)' % re.escape(name), body.decode('utf-8', 'replace'), re.M)
    return int(m.group(1)) if m else None


def sdp_ssrcs(sdp):
    return sorted({int(m) for m in re.findall(r'^a=ssrc:(\d+) ', sdp, re.M)})


@in_thread
def test_faults():
    scope = Scope()
    s = start_server()
    try:
        pub = scope.add(g.Publisher(kind='vp8', name='f-pub'))
        answer = pub.whip(s.whip_url, s.link_token('instructor'))
        subs = []
        for i in (1, 2):
            sub = scope.add(g.Subscriber(name='f-sub%d' % i))
            sub.whep(s.whep_url, s.token('trainee', 'f-t%d' % i, 'Fault %d' % i))
            subs.append(sub)
        for i, sub in enumerate(subs, 1):
            check_decodes(s, sub, 'fault test subscriber %d' % i, pubs=[pub])

        # A subscriber vanishes: no DELETE, no ICE, no RTCP any more.
        subs[0].kill()
        check_decodes(s, subs[1], 'the other subscriber after one vanished (3s of video)',
                      frames=60, within=5, pubs=[pub])
        # A new subscriber still joins fine meanwhile.
        sub3 = scope.add(g.Subscriber(name='f-sub3'))
        sub3.whep(s.whep_url, s.token('trainee', 'f-t3', 'Fault 3'))
        check_decodes(s, sub3, 'a new subscriber after one vanished', pubs=[pub])

        # Garbage at the server's media ports (the publisher's and a
        # subscriber's): first from a socket ICE never validated, then, with
        # a raw socket, from the very addresses of the validated pairs (what
        # an off-path attacker who guesses the ports can do), so that the
        # relay's DTLS/SRTP/RTCP demultiplexing sees it, not only libnice.
        seed = int(os.environ.get('CR_MEDIA_SEED') or random.randrange(1 << 30))
        rng = random.Random(seed)
        T.note('garbage seed %d (set CR_MEDIA_SEED to repeat)' % seed)
        pairs = []  # (client port, server port, whose)
        for who, peer in (('publisher', pub), ('subscriber 2', subs[1])):
            mine = [p for ip, p in g.candidate_addresses(peer.local_sdp or '') if ip == '127.0.0.1']
            theirs = [p for ip, p in g.candidate_addresses(peer.answer_sdp or '')
                      if ip == '127.0.0.1']
            T.ok(mine and theirs, '%s: client and server media ports known (%r -> %r)' % (
                who, mine, theirs), detail(s, peer))
            if mine and theirs:
                pairs.append((mine[0], theirs[0], who))
        ssrcs = sdp_ssrcs(pub.offer_sdp or '') + sdp_ssrcs(subs[1].answer_sdp or '')
        dropped0 = metric(s, 'classrelay_media_dropped_total')

        def flood(label, send, n):
            junk = garbage_datagrams(rng, ssrcs, n)
            v0 = subs[1].video_frames
            t0 = time.monotonic()
            sent = 0
            for i, d in enumerate(junk):
                for cport, sport, _ in pairs:
                    try:
                        send(cport, sport, d)
                        sent += 1
                    except OSError:
                        pass
                if i % 100 == 99:
                    time.sleep(0.03)  # spread over ~1 s while media flows
            elapsed = time.monotonic() - t0
            during = subs[1].video_frames - v0
            T.note('%s: %d garbage datagrams to %r in %.1fs' % (
                label, sent, [p[1] for p in pairs], elapsed))
            # 30 frames/s are sent; a third of that is "kept coming".
            T.ok(during >= max(5, int(10 * elapsed)),
                 '%s: frames kept coming during the garbage (%d in %.1fs)' % (
                     label, during, elapsed), detail(s, subs[1], pub))
            check_decodes(s, subs[1], '%s: subscriber 2 after the garbage' % label, frames=60,
                          within=5, pubs=[pub])
            check_decodes(s, sub3, '%s: subscriber 3 after the garbage' % label, frames=60,
                          within=5)
            T.eq((pub.pc_state, subs[1].pc_state, sub3.pc_state),
                 ('connected', 'connected', 'connected'),
                 '%s: every PeerConnection still connected' % label)

        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            flood('unvalidated source', lambda c, p, d: sock.sendto(d, ('127.0.0.1', p)), 2000)
        finally:
            sock.close()
        raw = spoofer()
        if raw is None:
            T.note('no raw socket (CAP_NET_RAW): the spoofed-source garbage is skipped')
        else:
            try:
                flood('spoofed validated source',
                      lambda c, p, d: send_spoofed(raw, c, p, d), 2000)
            finally:
                raw.close()
            dropped1 = metric(s, 'classrelay_media_dropped_total')
            T.note('classrelay_media_dropped_total %r -> %r' % (dropped0, dropped1))
            if dropped0 is not None:
                T.ok(dropped1 is not None and dropped1 > dropped0,
                     'the relay counted the garbage it received as dropped',
                     '%r -> %r' % (dropped0, dropped1))
        T.ok(s.running(), 'the server survived the garbage', log_tail(s))
        status, _, body = s.http('GET', '/metrics')
        relay_lines = [x for x in body.decode().splitlines()
                       if re.match(r'classrelay_(media|relay|rtp|peer)', x)]
        if relay_lines:
            T.note('relay metrics: ' + '; '.join(relay_lines[:12]))
        crit = [x for x in s.log().splitlines() if 'CRITICAL' in x or 'WARNING **' in x]
        T.eq(crit, [], 'no CRITICAL/WARNING lines in the server log')
    finally:
        scope.close()


if __name__ == '__main__':
    missing = g.missing_elements(('vp8',))
    if missing:
        print('1..0 # SKIP GStreamer elements missing: %s' % ', '.join(missing), flush=True)
        sys.exit(77)
    T.note('network: %s' % ('private namespace' if os.environ.get('CR_MEDIA_NETNS')
                            else 'host (no namespace)'))
    tests = [test_client_loopback, test_whip_whep_vp8, test_whip_whep_h264,
             test_websocket_publish_subscribe, test_floor, test_faults,
             test_steady_viewers_one_media_interval]
    only = [x for x in os.environ.get('CR_MEDIA_TESTS', '').split(',') if x]
    if only:  # e.g. CR_MEDIA_TESTS=floor,faults
        tests = [t for t in tests if any(o in t.__name__ for o in only)]
    h.main(*tests, timeout=90)
