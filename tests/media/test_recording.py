#!/usr/bin/python3
"""Recording through the real relay: a webrtcbin publisher (VP8+Opus, and
H.264+Opus) sends a test pattern over WHIP, the class is recorded, and the
finished file is checked by GStreamer's own demuxers and decoders
(gst-discoverer-1.0 and a decode-to-the-end pipeline): tracks and codecs,
duration within 10 % of the time recorded, every frame decodable. Then a
kill -9 in the middle of a recording and the repair at the next start; the
participants told when recording starts and stops; the disk guard.

Run through run.sh (a private network namespace holding only loopback).
TAP output; the binary from $CLASSRELAY.
"""
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'integration'))
sys.path.insert(0, HERE)

try:
    import gstclient as g
    from gi.repository import Gst
except (ImportError, ValueError) as e:  # no python3-gi / GStreamer typelibs
    print('1..0 # SKIP GStreamer for Python is missing: %s' % e, flush=True)
    sys.exit(77)

import harness as h  # noqa: E402
import webm_tracks  # noqa: E402
from test_media import Scope, in_thread, log_tail, start_server  # noqa: E402

T = h.T
RECORD_SECONDS = 8


def coordinator(s):
    return s.token('coordinator', 'coord', 'Coordinator')


def recording_file(s, rec):
    row = s.query('SELECT path FROM recordings WHERE id = ?', rec['id'])
    return os.path.join(s.data_dir, 'recordings', row[0][0])


def discover(path):
    """gst-discoverer-1.0's view: duration (s) and the stream codecs."""
    out = subprocess.run(['gst-discoverer-1.0', '-v', path], capture_output=True, text=True,
                         timeout=60).stdout
    m = re.search(r'Duration: (\d+):(\d+):(\d+\.\d+)', out)
    duration = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3)) if m else None
    codecs = re.findall(r'^\s+(video|audio) codec: (.+)$', out, re.M)
    return duration, codecs, out


def decode_all(path):
    """Plays the file as a player would (playbin: the default video and
    audio track, real decoders, no clock) and counts what comes out of the
    decoders; returns (video frames, audio buffers, last video time s,
    error or None)."""
    pipe = Gst.ElementFactory.make('playbin')
    pipe.set_property('uri', Gst.filename_to_uri(path))
    counts = {'v': 0, 'a': 0, 'last': 0.0}
    for kind in ('video', 'audio'):
        sink = Gst.ElementFactory.make('fakesink')
        sink.set_property('sync', False)
        name = kind[0]

        def probe(_pad, info, name=name):
            counts[name] += 1
            pts = info.get_buffer().pts
            if name == 'v' and pts != Gst.CLOCK_TIME_NONE:
                counts['last'] = max(counts['last'], pts / 1e9)
            return Gst.PadProbeReturn.OK
        sink.get_static_pad('sink').add_probe(Gst.PadProbeType.BUFFER, probe)
        pipe.set_property(kind + '-sink', sink)
    pipe.set_state(Gst.State.PLAYING)
    msg = pipe.get_bus().timed_pop_filtered(60 * Gst.SECOND,
                                            Gst.MessageType.EOS | Gst.MessageType.ERROR)
    err = None
    if msg is None:
        err = 'no end of stream within 60 s'
    elif msg.type == Gst.MessageType.ERROR:
        err = str(msg.parse_error()[0].message)
    pipe.set_state(Gst.State.NULL)
    return counts['v'], counts['a'], counts['last'], err


def check_file(path, label, seconds, video_codec, container):
    T.ok(os.path.exists(path) and path.endswith('.' + container),
         '%s: the recording is a .%s file under the data directory' % (label, container), path)
    duration, codecs, out = discover(path)
    # Track 1 is the classroom camera, 2 its microphone: they start and
    # end together (lip sync, and nothing held back at the end).
    times = webm_tracks.track_times(path)
    video, audio = times.get(1, (0, 0, 0)), times.get(2, (0, 0, 0))
    T.ok(abs(video[1] - audio[1]) <= 250,
         '%s: the camera and microphone tracks end together (%d ms, %d ms)'
         % (label, video[1], audio[1]), times)
    T.ok(duration is not None and abs(duration - seconds) <= 0.1 * seconds,
         '%s: duration %.2f s is within 10 %% of the %.1f s recorded' % (label, duration or -1,
                                                                          seconds), out)
    names = ' '.join(c for _, c in codecs)
    wanted = r'H\.?264' if video_codec == 'H264' else video_codec
    T.ok(re.search(wanted, names) is not None and 'Opus' in names,
         '%s: gst-discoverer sees %s video and Opus audio' % (label, video_codec), out)
    v, a, last, err = decode_all(path)
    T.ok(err is None, '%s: decodes to the end without error' % label, err)
    T.ok(v >= 25 * seconds * 0.8, '%s: %d video frames decoded (%.0f s at 30 fps)' % (
        label, v, seconds), v)
    T.ok(a >= 50 * seconds * 0.8, '%s: %d audio buffers decoded' % (label, a), a)
    T.ok(last >= seconds - 1.5, '%s: frames decoded up to %.1f s' % (label, last))
    return duration


def record_class(kind, codec_name, container, sets):
    scope = Scope()
    s = start_server(sets)
    try:
        coord = coordinator(s)
        pub = scope.add(g.Publisher(kind, name='whip-' + kind))
        pub.whip(s.whip_url, s.link_token('instructor'))
        T.ok(pub.wait_connected(10), '%s: the WHIP publisher connects' % codec_name)
        trainee = scope.add(g.WsClient(s.ws_url(), s.token('trainee', 't1', 'Trainee One'),
                                       name='t1'))
        welcome = trainee.join()
        T.eq((welcome or {}).get('recording'), {'state': 'stopped'},
             '%s: welcome says the class is not being recorded' % codec_name)
        time.sleep(1)
        st, rec = s.api('POST', '/api/sessions/%d/recording/start' % s.demo_session, coord)
        T.eq(st, 201, '%s: a coordinator starts recording (201)' % codec_name, rec)
        t0 = time.monotonic()
        told = trainee.wait_for(lambda m: m.get('type') == 'recording', 5)
        T.ok(told is not None and told.get('state') == 'recording' and
             told.get('recording_id') == rec.get('id'),
             '%s: the trainee is told recording started' % codec_name, told)
        st2, again = s.api('POST', '/api/sessions/%d/recording/start' % s.demo_session, coord)
        T.eq(st2, 409, '%s: starting twice is a conflict' % codec_name, again)
        st3, _ = s.api('POST', '/api/sessions/%d/recording/start' % s.demo_session,
                       s.token('trainee', 't1', 'Trainee One'))
        T.eq(st3, 403, '%s: a trainee cannot start recording' % codec_name)
        time.sleep(RECORD_SECONDS)
        st, done = s.api('POST', '/api/sessions/%d/recording/stop' % s.demo_session, coord)
        seconds = time.monotonic() - t0
        T.eq(st, 200, '%s: stop answers 200 once the file is finished' % codec_name, done)
        T.eq(done.get('state'), 'complete', '%s: the catalog says complete' % codec_name, done)
        told = trainee.wait_for(lambda m: m.get('type') == 'recording' and
                                m.get('state') == 'stopped', 5)
        T.ok(told is not None, '%s: the trainee is told recording stopped' % codec_name)
        kinds = sorted((t['kind'], t['source'], t['codec']) for t in done.get('tracks', []))
        T.eq(kinds, [('audio', 'classroom', 'opus'), ('video', 'classroom', codec_name)],
             '%s: the catalog lists the tracks that hold media' % codec_name, done)
        T.ok(re.fullmatch(r'[0-9a-f]{64}', done.get('sha256') or '') is not None and
             done.get('size_bytes', 0) > 20000,
             '%s: size and sha256 recorded' % codec_name, done)
        duration = check_file(recording_file(s, done), codec_name, seconds, codec_name,
                              container)
        T.near(done.get('duration_seconds') or 0, duration, 0.5,
               '%s: the catalog duration matches the file' % codec_name)
        T.ok(s.running(), '%s: the server is still running' % codec_name, log_tail(s))
    finally:
        if not s.running():
            T.note(log_tail(s, 80))
        scope.close()


@in_thread
def test_record_vp8():
    record_class('vp8', 'VP8', 'webm', [])


@in_thread
def test_record_h264():
    if g.h264_encoder() is None:
        T.ok(False, 'an H.264 encoder (x264enc or openh264enc) is installed')
        return
    record_class('h264', 'H264', 'mkv', ['media.video_codecs=H264'])


@in_thread
def test_crash_repair():
    scope = Scope()
    s = start_server()
    try:
        instr = scope.add(g.WsClient(s.ws_url(), s.link_token('instructor'), name='instr'))
        instr.join()
        pub = scope.add(g.Publisher('vp8', name='whip-crash'))
        pub.whip(s.whip_url, s.link_token('instructor'))
        pub.wait_connected(10)
        instr.send({'type': 'record', 'action': 'start', 'ref': 'r1'})
        ok = instr.wait_for(lambda m: m.get('ref') == 'r1', 5)
        T.eq((ok or {}).get('type'), 'ok', 'the instructor starts recording over the WebSocket',
             ok)
        t0 = time.monotonic()
        time.sleep(RECORD_SECONDS)
        published = time.monotonic() - t0
        s.kill9()
        scope.close()
        row = s.query('SELECT id, state FROM recordings')
        T.eq([r[1] for r in row], ['recording'], 'after kill -9 the catalog still says recording')
        s.restart()
        T.ok('repair' in s.log(), 'the restart logs the repair', log_tail(s))
        st, listing = s.api('GET', '/api/sessions/%d/recordings' % s.demo_session, coordinator(s))
        recs = listing.get('recordings', []) if st == 200 else []
        T.eq([r.get('state') for r in recs], ['repaired'], 'the catalog says repaired', listing)
        if recs:
            rec = recs[0]
            path = recording_file(s, rec)
            duration, codecs, out = discover(path)
            T.ok(duration is not None and duration >= published - 2.0,
                 'the repaired file lasts %.2f s, at least the %.1f s published minus 2 s'
                 % (duration or -1, published), out)
            v, a, last, err = decode_all(path)
            T.ok(err is None and v > 0 and a > 0,
                 'the repaired file decodes to the end (%d video frames, %d audio buffers)'
                 % (v, a), err)
            T.ok(re.fullmatch(r'[0-9a-f]{64}', rec.get('sha256') or '') is not None,
                 'the repaired file has a sha256 in the catalog', rec)
            # The command-line check agrees with the file.
            cli = subprocess.run([h.BIN, 'recordings', 'verify', '--data-dir', s.data_dir],
                                 capture_output=True, text=True, timeout=60)
            T.eq(cli.returncode, 0, '`classrelay recordings verify` finds it intact',
                 cli.stdout + cli.stderr)
    finally:
        scope.close()


@in_thread
def test_floor_passes():
    """The floor passes from one trainee to another mid-recording: their
    voices land in one continuous floor audio track, with the classroom
    tracks beside it."""
    scope = Scope()
    s = start_server()
    try:
        url = s.ws_url()
        instr = scope.add(g.WsClient(url, s.link_token('instructor'), name='instr'))
        instr.join()
        pub = scope.add(g.Publisher('vp8', name='class'))
        pub.whip(s.whip_url, s.link_token('instructor'))
        pub.wait_connected(10)
        r = instr.request({'type': 'record', 'action': 'start'})
        T.eq(r.get('type'), 'ok', 'floor: the instructor starts recording', r)
        t0 = time.monotonic()
        speakers = []
        for person in ('t1', 't2'):
            t = scope.add(g.WsClient(url, s.token('trainee', person, person), name=person))
            t.join()
            T.eq(instr.request({'type': 'grant_floor', 'person': person}).get('type'), 'ok',
                 'floor: %s is granted the floor' % person)
            voice = scope.add(g.Publisher('vp8', video=False, name=person + '-voice'))
            reply = t.publish(voice, timeout=10)
            T.eq(reply.get('type'), 'answer', 'floor: %s publishes a microphone' % person, reply)
            voice.wait_connected(10)
            sending = instr.wait_for(
                lambda m, p=person: m.get('type') == 'roster' and m.get('person') == p and
                ((m.get('entry') or {}).get('media') or {}).get('sending'), 10)
            T.ok(sending is not None, "floor: the instructor's roster shows %s sending media"
                 % person)
            time.sleep(2)
            speakers.append((t, voice))
        t2 = speakers[-1][0]
        r = t2.request({'type': 'unpublish'})
        T.eq(r.get('type'), 'ok', 'floor: t2 stops publishing with unpublish', r)
        r = t2.request({'type': 'unpublish'})
        T.eq((r.get('type'), r.get('code')), ('error', 'conflict'),
             'floor: a second unpublish finds nothing to close', r)
        r = instr.request({'type': 'record', 'action': 'stop'})
        T.eq(r.get('type'), 'ok', 'floor: the instructor stops recording', r)
        seconds = time.monotonic() - t0
        row = s.api('GET', '/api/sessions/%d/recordings' % s.demo_session,
                    coordinator(s))[1]['recordings'][0]
        floor = [t for t in row['tracks'] if t['source'] == 'floor']
        T.eq([(t['kind'], t['codec']) for t in floor], [('audio', 'opus')],
             'floor: one floor audio track in the catalog', row['tracks'])
        if floor:
            # Two speakers of ~3 s each at 50 frames/s, in one track.
            T.ok(floor[0]['frames'] >= 200, 'floor: %d frames from both speakers in it'
                 % floor[0]['frames'], floor)
        path = recording_file(s, row)
        duration, _, out = discover(path)
        T.ok(duration is not None and abs(duration - seconds) <= 0.1 * seconds + 0.5,
             'floor: the file lasts %.1f s of the %.1f s recorded' % (duration or -1, seconds),
             out)
        T.eq(len(re.findall(r'^\s+audio #\d+: audio/x-opus', out, re.M)), 2,
             'floor: the file has the classroom and the floor audio tracks', out)
    finally:
        if not s.running():
            T.note(log_tail(s, 60))
        scope.close()


@in_thread
def test_disk_guard():
    s = start_server(['recording.min_free_mb=10000000'])
    try:
        st, body = s.api('POST', '/api/sessions/%d/recording/start' % s.demo_session,
                         coordinator(s))
        T.eq(st, 503, 'below the free-space minimum no recording starts (503)', body)
        T.ok('disk space' in json.dumps(body), 'the refusal says why', body)
        T.eq(s.query('SELECT COUNT(*) FROM recordings')[0][0], 0, 'nothing is catalogued')
        _, _, metrics = s.http('GET', '/metrics')
        T.ok(re.search(rb'^classrelay_recording_disk_low 1$', metrics, re.M) is not None,
             '/metrics raises the disk alert', metrics[-800:])
        T.ok('min_free_mb' in s.log(), 'the alert is logged', log_tail(s))
    finally:
        pass


if __name__ == '__main__':
    missing = g.missing_elements(('vp8',))
    if missing:
        print('1..0 # SKIP GStreamer elements missing: %s' % ', '.join(missing), flush=True)
        sys.exit(77)
    tests = [test_record_vp8, test_record_h264, test_crash_repair, test_floor_passes,
             test_disk_guard]
    only = [x for x in os.environ.get('CR_MEDIA_TESTS', '').split(',') if x]
    if only:
        tests = [t for t in tests if any(o in t.__name__ for o in only)]
    h.main(*tests, timeout=120)
