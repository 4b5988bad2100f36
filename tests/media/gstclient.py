"""gstclient.py — an independent WebRTC client for the media tests, built on
GStreamer's webrtcbin (not on anything of classrelay's).

    pub = Publisher(kind='vp8' | 'h264', audio=True)   sendonly audio + video
    sub = Subscriber(kinds=('audio', 'video'))          recvonly, decodes, counts
    pub.whip(url, token) / sub.whep(url, token)         WHIP/WHEP, no trickle
    pub.delete()                                         DELETE the resource
    ws = WsClient(ws_url, token, subscriber=sub)        WebSocket signaling
    ws.join(); ws.publish(pub)                          trickle both ways
    Peer(turn_servers=[turn_uri(url, user, pwd)], ice_transport_policy='relay',
         ice_udp=False, ice_tcp=True)                   TURN only / TCP only
    parse_link_ice_servers(headers['link'])              WHIP/WHEP Link headers
    peer.selected_pair()                                 (local, remote) ICE stats
    Subscriber(nack=False, strict=True)                  no NACKs; whole frames only

Counters of a Subscriber (read at any time from any thread):
    video_frames, audio_buffers      decoded, after vp8dec/avdec_h264/opusdec
    rtp_packets                      arriving at webrtcbin's src pads
    by_mid                           {mid: {'frames'|'audio'|'rtp': n}}

Threads: one GLib main loop runs in a daemon thread (bus watches); webrtcbin
calls back on its own threads; every WsClient runs its own asyncio loop in a
thread. Every public method is blocking and bounded by a timeout, so tests
call them from a worker thread (asyncio.to_thread) when they have their own
event loop. Use /usr/bin/python3 (Debian's python3-gi).
"""
import asyncio
import ctypes
import json
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstWebRTC', '1.0')
gi.require_version('GstSdp', '1.0')
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

try:
    gi.require_version('Nice', '0.1')
    from gi.repository import Nice  # noqa: E402
except (ValueError, ImportError):  # gir1.2-nice-0.1 missing: no local addresses
    Nice = None

Gst.init(None)

DEBUG = bool(os.environ.get('GSTCLIENT_DEBUG'))


class ClientError(Exception):
    pass


def log(*args):
    if DEBUG:
        print('# [gstclient %.3f]' % time.monotonic(), *args, flush=True)


# ---- one GLib main loop for everybody --------------------------------------

_loop = None
_loop_lock = threading.Lock()


def main_loop():
    """The shared GLib main loop, started on first use in a daemon thread."""
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = GLib.MainLoop()
            threading.Thread(target=_loop.run, name='glib-main', daemon=True).start()
    return _loop


def have_element(name):
    return Gst.ElementFactory.find(name) is not None


def h264_encoder():
    """x264enc (gstreamer1.0-plugins-ugly) when present, else openh264enc
    (gstreamer1.0-plugins-bad), else None."""
    forced = os.environ.get('GSTCLIENT_H264_ENCODER')
    if forced:
        return forced if have_element(forced) else None
    for name in ('x264enc', 'openh264enc'):
        if have_element(name):
            return name
    return None


def missing_elements(kinds=('vp8',)):
    need = ['webrtcbin', 'nicesrc', 'dtlsenc', 'srtpenc', 'videotestsrc', 'audiotestsrc',
            'opusenc', 'opusdec', 'rtpopuspay', 'rtpopusdepay']
    if 'vp8' in kinds:
        need += ['vp8enc', 'vp8dec', 'rtpvp8pay', 'rtpvp8depay']
    if 'h264' in kinds:
        need += ['rtph264pay', 'rtph264depay', 'h264parse', 'avdec_h264']
    out = [n for n in need if not have_element(n)]
    if 'h264' in kinds and h264_encoder() is None:
        out.append('x264enc|openh264enc')
    return out


_libgobject = ctypes.CDLL('libgobject-2.0.so.0')
_libgobject.g_object_ref.restype = ctypes.c_void_p
_libgobject.g_object_ref.argtypes = [ctypes.c_void_p]
ctypes.pythonapi.PyCapsule_GetPointer.restype = ctypes.c_void_p
ctypes.pythonapi.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


def _g_object_ref(obj):
    _libgobject.g_object_ref(ctypes.pythonapi.PyCapsule_GetPointer(obj.__gpointer__, None))


def _structure_dict(st):
    out = {}
    for i in range(st.n_fields()):
        name = st.nth_field_name(i)
        v = st.get_value(name)
        out[name] = _structure_dict(v) if isinstance(v, Gst.Structure) else v
    return out


def _wait(cond, timeout, interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def promise_call(emit, timeout=10, what='promise'):
    """Runs @emit(promise) and waits (bounded) for webrtcbin to reply."""
    done = threading.Event()
    p = Gst.Promise.new_with_change_func(lambda _p: done.set())
    emit(p)
    if not done.wait(timeout):
        p.interrupt()
        raise ClientError('%s: no reply within %ss' % (what, timeout))
    if p.wait() != Gst.PromiseResult.REPLIED:
        raise ClientError('%s: promise %s' % (what, p.wait().value_nick))
    reply = p.get_reply()
    if reply is not None and reply.has_field('error'):
        raise ClientError('%s failed: %s' % (what, reply.get_value('error')))
    return reply


def sdp_mids(sdp):
    """The mid of every m-line of @sdp, in order (None where there is none)."""
    mids = []
    for line in sdp.splitlines():
        if line.startswith('m='):
            mids.append(None)
        elif line.startswith('a=mid:') and mids:
            mids[-1] = line[6:].strip()
    return mids


def sdp_candidates(sdp):
    """[(mline index, 'candidate:...')] found in @sdp."""
    out, idx = [], -1
    for line in sdp.splitlines():
        if line.startswith('m='):
            idx += 1
        elif line.startswith('a=candidate:'):
            out.append((max(idx, 0), line[2:].strip()))
    return out


def candidate_addresses(sdp, transport='udp'):
    """[(ip, port)] of the host candidates in @sdp for @transport."""
    out = []
    for _, c in sdp_candidates(sdp):
        f = c.split()
        if len(f) >= 8 and f[2].lower() == transport and f[7] == 'host':
            out.append((f[4], int(f[5])))
    return out


def _add_candidates_to_sdp(sdp, cands):
    """Puts @cands (mline, text) into the m-sections of @sdp that lack them."""
    lines = sdp.replace('\r\n', '\n').rstrip('\n').split('\n')
    sections = [[]]
    for line in lines:
        if line.startswith('m='):
            sections.append([])
        sections[-1].append(line)
    for mline, c in cands:
        sec = sections[mline + 1] if mline + 1 < len(sections) else sections[-1]
        if 'a=' + c not in sec:
            sec.append('a=' + c)
    for sec in sections[1:]:
        if not any(x == 'a=end-of-candidates' for x in sec):
            sec.append('a=end-of-candidates')
    return '\r\n'.join(x for sec in sections for x in sec) + '\r\n'


# ---- a webrtcbin in a pipeline ----------------------------------------------


class Peer:
    """A pipeline around one webrtcbin (bundle max-bundle, UPnP off, the
    given local addresses added to its NiceAgent)."""

    _count = 0

    def __init__(self, name=None, local_addresses=('127.0.0.1',), stun_server=None,
                 latency=200, turn_servers=(), ice_transport_policy='all', ice_udp=True,
                 ice_tcp=False):
        """@turn_servers: 'turn://user:pass@host:port' URIs (see turn_uri);
        @ice_transport_policy 'relay' gathers TURN candidates only;
        @ice_udp/@ice_tcp choose the transports the ICE agent gathers."""
        Peer._count += 1
        self.name = name or '%s%d' % (type(self).__name__.lower(), Peer._count)
        main_loop()
        self.pipeline = Gst.Pipeline.new(self.name)
        self.webrtc = Gst.ElementFactory.make('webrtcbin', 'webrtc')
        self.webrtc.set_property('bundle-policy', GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
        self.webrtc.set_property('latency', latency)
        if stun_server:
            self.webrtc.set_property('stun-server', stun_server)
        for uri in turn_servers:
            if not self.webrtc.emit('add-turn-server', uri):
                raise ClientError('webrtcbin refused TURN server %r' % uri)
        if ice_transport_policy != 'all':
            self.webrtc.set_property('ice-transport-policy', {
                'relay': GstWebRTC.WebRTCICETransportPolicy.RELAY}[ice_transport_policy])
        self.pipeline.add(self.webrtc)
        self.errors = []
        self.local_candidates = []  # (mline, text)
        self.remote_candidates = []
        self.resource = None        # WHIP/WHEP Location (absolute URL)
        self.token = None
        self.answer_sdp = None      # the remote description's text
        self.offer_sdp = None
        self.local_sdp = None
        self._cand_listeners = []
        self._lock = threading.Lock()
        self._gathered = threading.Event()
        self._states = []
        self.stopped = False
        self.started = False
        self._configure_ice(local_addresses, ice_udp, ice_tcp)
        self.webrtc.connect('on-ice-candidate', self._on_ice_candidate)
        self.webrtc.connect('notify::ice-gathering-state', self._on_gathering)
        self.webrtc.connect('notify::ice-connection-state', self._on_state)
        self.webrtc.connect('notify::connection-state', self._on_state)
        self.webrtc.connect('on-negotiation-needed', lambda *a: None)
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        self._bus_handler = bus.connect('message', self._on_bus)

    # -- ICE --

    def _configure_ice(self, local_addresses, ice_udp=True, ice_tcp=False):
        ice = self.webrtc.get_property('ice-agent')
        if ice is None:
            return
        if ice.__grefcount__ == 1:
            # GStreamer 1.22: the object is still floating, so the Python
            # wrapper sinks and later drops webrtcbin's own reference.
            _g_object_ref(ice)
        try:
            ice.set_property('ice-tcp', ice_tcp)
            ice.set_property('ice-udp', ice_udp)
        except TypeError:
            if ice_tcp or not ice_udp:
                raise ClientError('this webrtcbin cannot choose ICE transports')
        agent = ice.get_property('agent')
        agent.set_property('upnp', False)
        for a in local_addresses or ():
            if Nice is None:
                raise ClientError('gir1.2-nice-0.1 is needed to add local address %s' % a)
            addr = Nice.Address.new()
            if not addr.set_from_string(a):
                raise ClientError('bad local address %r' % a)
            agent.add_local_address(addr)

    def _on_ice_candidate(self, _webrtc, mline, candidate):
        log(self.name, 'local candidate', mline, candidate)
        with self._lock:
            self.local_candidates.append((mline, candidate))
            listeners = list(self._cand_listeners)
        for fn in listeners:
            fn(mline, candidate)

    def _on_gathering(self, *_):
        state = self.webrtc.get_property('ice-gathering-state')
        log(self.name, 'gathering', state.value_nick)
        if state == GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            self._gathered.set()
            with self._lock:
                listeners = list(self._cand_listeners)
            for fn in listeners:
                fn(None, None)

    def _on_state(self, *_):
        s = (self.webrtc.get_property('ice-connection-state').value_nick,
             self.webrtc.get_property('connection-state').value_nick)
        self._states.append((time.monotonic(), s))
        log(self.name, 'state ice=%s pc=%s' % s)

    @property
    def ice_state(self):
        return self.webrtc.get_property('ice-connection-state').value_nick

    @property
    def pc_state(self):
        return self.webrtc.get_property('connection-state').value_nick

    def wait_connected(self, timeout=10):
        return _wait(lambda: self.pc_state == 'connected', timeout)

    def get_stats(self, timeout=5):
        """webrtcbin's get-stats as {id: {field: value}} (nested structures
        converted too)."""
        reply = promise_call(lambda p: self.webrtc.emit('get-stats', None, p), timeout,
                             '%s get-stats' % self.name)
        return {k: v for k, v in _structure_dict(reply).items() if isinstance(v, dict)}

    def selected_pair(self, timeout=5):
        """(local, remote) candidate stats of the selected ICE pair, each
        {'candidate-type', 'protocol', 'address', 'port', ...}, or None.
        Found through the ids: GStreamer 1.22 swaps the local/remote *type*
        of candidate stats, but their ids and the pair's references are
        right."""
        stats = self.get_stats(timeout)
        for st in stats.values():
            pair_id = st.get('selected-candidate-pair-id')
            pair = stats.get(pair_id) if pair_id else None
            if pair is None:
                continue
            local = stats.get(pair.get('local-candidate-id'))
            remote = stats.get(pair.get('remote-candidate-id'))
            if local is not None and remote is not None:
                return local, remote
        return None

    def _on_bus(self, _bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            text = '%s: %s (%s)' % (msg.src.get_name(), err.message, dbg)
            self.errors.append(text)
            log(self.name, 'ERROR', text)
        elif msg.type == Gst.MessageType.WARNING:
            err, dbg = msg.parse_warning()
            log(self.name, 'warning', msg.src.get_name(), err.message)

    # -- life --

    def start(self):
        self.started = True
        if self.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            raise ClientError('%s: pipeline did not start: %s' % (self.name, self.errors))
        return self

    def stop(self):
        """Stops the pipeline (no DELETE: the server sees a peer vanish)."""
        if self.stopped:
            return
        self.stopped = True
        with self._lock:
            self._cand_listeners.clear()
        self.pipeline.set_state(Gst.State.NULL)
        bus = self.pipeline.get_bus()
        bus.disconnect(self._bus_handler)
        bus.remove_signal_watch()

    kill = stop

    # -- SDP --

    def _ready_for_offer(self, timeout):
        pass

    def create_offer(self, wait_gathering=True, timeout=10):
        """Makes an offer, sets it as the local description; with
        @wait_gathering returns it once ICE gathering completed, with every
        candidate inside (no trickle needed)."""
        self._ready_for_offer(timeout)
        reply = promise_call(lambda p: self.webrtc.emit('create-offer', None, p), timeout,
                             '%s create-offer' % self.name)
        offer = reply.get_value('offer')
        promise_call(lambda p: self.webrtc.emit('set-local-description', offer, p), timeout,
                     '%s set-local-description' % self.name)
        self.offer_sdp = self.local_sdp = self._local_text(offer, wait_gathering, timeout)
        log(self.name, 'offer\n' + self.offer_sdp)
        return self.offer_sdp

    def _local_text(self, desc, wait_gathering, timeout):
        if not wait_gathering:
            return desc.sdp.as_text()
        if not self._gathered.wait(timeout):
            raise ClientError('%s: ICE gathering not complete within %ss (candidates %r)'
                              % (self.name, timeout, self.local_candidates))
        cur = self.webrtc.get_property('local-description') or desc
        with self._lock:
            cands = list(self.local_candidates)
        return _add_candidates_to_sdp(cur.sdp.as_text(), cands)

    def set_remote(self, kind, sdp, timeout=10):
        ok, msg = GstSdp.SDPMessage.new_from_text(sdp)
        if ok != GstSdp.SDPResult.OK:
            raise ClientError('%s: unparsable %s: %r' % (self.name, kind, sdp))
        t = {'offer': GstWebRTC.WebRTCSDPType.OFFER,
             'answer': GstWebRTC.WebRTCSDPType.ANSWER}[kind]
        desc = GstWebRTC.WebRTCSessionDescription.new(t, msg)
        promise_call(lambda p: self.webrtc.emit('set-remote-description', desc, p), timeout,
                     '%s set-remote-description(%s)' % (self.name, kind))
        if kind == 'answer':
            self.answer_sdp = sdp
        else:
            self.offer_sdp = sdp
        log(self.name, 'remote %s\n%s' % (kind, sdp))

    def create_answer(self, wait_gathering=False, timeout=10):
        reply = promise_call(lambda p: self.webrtc.emit('create-answer', None, p), timeout,
                             '%s create-answer' % self.name)
        answer = reply.get_value('answer')
        promise_call(lambda p: self.webrtc.emit('set-local-description', answer, p), timeout,
                     '%s set-local-description' % self.name)
        self.local_sdp = self._local_text(answer, wait_gathering, timeout)
        log(self.name, 'answer\n' + self.local_sdp)
        return self.local_sdp

    def add_candidate(self, mline, candidate):
        """A remote candidate ('candidate:...' or 'a=candidate:...')."""
        if candidate.startswith('a='):
            candidate = candidate[2:]
        self.remote_candidates.append((mline, candidate))
        self.webrtc.emit('add-ice-candidate', mline, candidate)

    def on_local_candidate(self, fn):
        """fn(mline, candidate) for every local candidate, past and future;
        fn(None, None) once gathering completes."""
        with self._lock:
            past = list(self.local_candidates)
            self._cand_listeners.append(fn)
        for m, c in past:
            fn(m, c)
        if self._gathered.is_set():
            fn(None, None)

    # -- WHIP / WHEP ------------------------------------------------------

    def _http_offer(self, url, token, timeout, trickle=False):
        """POSTs our offer; sets the answer. Without @trickle the offer
        carries every candidate; with it, it carries none and they follow in
        one PATCH (application/trickle-ice-sdpfrag, RFC 8840) once gathered."""
        if not self.started:
            self.start()
        offer = self.create_offer(wait_gathering=not trickle, timeout=timeout)
        status, headers, body = http_request('POST', url, token, offer.encode(),
                                             {'Content-Type': 'application/sdp'}, timeout)
        self.http_status = status
        self.http_headers = headers
        self.http_body = body.decode('utf-8', 'replace')
        if status != 201:
            raise ClientError('%s: POST %s answered %d: %s' % (self.name, url, status,
                                                               self.http_body))
        loc = headers.get('location')
        if not loc:
            raise ClientError('%s: 201 without Location' % self.name)
        self.resource = urllib.parse.urljoin(url, loc)
        self.token = token
        self.set_remote('answer', self.http_body, timeout)
        self.patch_status = None
        if trickle:
            if not self._gathered.wait(timeout):
                raise ClientError('%s: ICE gathering not complete within %ss'
                                  % (self.name, timeout))
            with self._lock:
                cands = list(self.local_candidates)
            self.patch_status, data = self.patch(self.sdpfrag(cands, end=True), timeout)
            if self.patch_status != 204:
                raise ClientError('%s: PATCH %s answered %r: %r' % (
                    self.name, self.resource, self.patch_status, data))
        return self.http_body

    def sdpfrag(self, cands, end=False):
        """An RFC 8840 fragment with @cands [(mline, 'candidate:...')] for
        our current ICE credentials (all under the first, bundled, m-line)."""
        sdp = self.local_sdp or self.offer_sdp
        ufrag = re.search(r'^a=ice-ufrag:(\S+)', sdp, re.M).group(1)
        pwd = re.search(r'^a=ice-pwd:(\S+)', sdp, re.M).group(1)
        mline = re.search(r'^(m=\S+) \d+ (.*)$', sdp, re.M)
        mids = sdp_mids(sdp)
        lines = ['a=ice-ufrag:' + ufrag, 'a=ice-pwd:' + pwd,
                 '%s 9 %s' % (mline.group(1), mline.group(2).strip()), 'a=mid:%s' % mids[0]]
        lines += ['a=' + c for _, c in cands]
        if end:
            lines.append('a=end-of-candidates')
        return '\r\n'.join(lines) + '\r\n'

    def delete(self, timeout=5):
        """DELETEs the WHIP/WHEP resource; returns the HTTP status."""
        if not self.resource:
            return None
        status, _, _ = http_request('DELETE', self.resource, self.token, None, {}, timeout)
        self.resource = None
        return status

    def patch(self, body, timeout=5, content_type='application/trickle-ice-sdpfrag'):
        status, _, data = http_request('PATCH', self.resource, self.token, body.encode(),
                                       {'Content-Type': content_type}, timeout)
        return status, data


def _header_dict(pairs):
    """{lower-case name: value}; a header given more than once (Link) has
    its values joined with ', ' as RFC 9110 §5.3 allows."""
    out = {}
    for k, v in pairs:
        k = k.lower()
        out[k] = out[k] + ', ' + v if k in out else v
    return out


def http_request(method, url, token, body, headers, timeout):
    """(status, {lower-case header: value}, body bytes), never raising on
    HTTP error statuses."""
    h = dict(headers)
    if token:
        h['Authorization'] = 'Bearer ' + token
    req = urllib.request.Request(url, data=body, headers=h, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, _header_dict(r.getheaders()), r.read()
    except urllib.error.HTTPError as e:
        return e.code, _header_dict(e.headers.items()), e.read()


def parse_link_ice_servers(value):
    """The ICE servers of a Link header value (RFC 9725 §4.6, RFC 8288):
    [{'urls': [url], 'username': ..., 'credential': ...}] in the shape of
    the WebSocket welcome's ice_servers, for rel="ice-server" links only."""
    out = []
    for m in re.finditer(r'<([^>]*)>((?:\s*;\s*[\w-]+\s*=\s*(?:"[^"]*"|[^;,\s]*))*)',
                         value or ''):
        params = {k.lower(): v.strip('"') for k, v in
                  re.findall(r';\s*([\w-]+)\s*=\s*("[^"]*"|[^;,\s]*)', m.group(2))}
        if params.get('rel') != 'ice-server':
            continue
        entry = {'urls': [m.group(1)]}
        for k in ('username', 'credential'):
            if k in params:
                entry[k] = params[k]
        out.append(entry)
    return out


def turn_uri(url, username, credential):
    """webrtcbin's form of a TURN server: 'turn:host:port?transport=udp'
    with REST API credentials ('expiry:user' names hold a colon, so both
    parts are percent-encoded) -> 'turn://user:pass@host:port?...'."""
    scheme, rest = url.split(':', 1)
    if scheme not in ('turn', 'turns'):
        raise ClientError('not a TURN URL: %r' % url)
    q = lambda x: urllib.parse.quote(x, safe='')  # noqa: E731
    return '%s://%s:%s@%s' % (scheme, q(username), q(credential), rest.lstrip('/'))


# ---- the publisher ------------------------------------------------------------

VP8_CAPS = 'application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000'
H264_CAPS = ('application/x-rtp,media=video,encoding-name=H264,payload=102,clock-rate=90000,'
             'packetization-mode=(string)1')
OPUS_CAPS = ('application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000,'
             'encoding-params=(string)2')


class Publisher(Peer):
    """videotestsrc (+ audiotestsrc) encoded and sent sendonly."""

    def __init__(self, kind='vp8', audio=True, video=True, nack=None, **kw):
        """@nack=True: the transceivers answer NACKs (webrtcbin then offers
        RTX and resends lost packets on it)."""
        super().__init__(**kw)
        self.kind = kind
        parts = []
        if audio:
            parts.append('audiotestsrc is-live=true wave=sine freq=440 volume=0.3 ! '
                         'audioconvert ! audioresample ! opusenc ! rtpopuspay pt=111 ! '
                         'queue ! capsfilter caps="%s" ! webrtc.' % OPUS_CAPS)
        if video:
            src = ('videotestsrc is-live=true pattern=ball ! '
                   'video/x-raw,width=640,height=360,framerate=30/1 ! ')
            if kind == 'vp8':
                enc = ('vp8enc deadline=1 target-bitrate=800000 keyframe-max-dist=60 ! '
                       'rtpvp8pay pt=96 ! queue ! capsfilter caps="%s" ! webrtc.' % VP8_CAPS)
            elif kind == 'h264':
                enc_name = h264_encoder()
                if enc_name == 'x264enc':
                    enc = 'x264enc tune=zerolatency speed-preset=ultrafast key-int-max=60 ' \
                          'bitrate=800 ! '
                elif enc_name == 'openh264enc':
                    enc = 'videoconvert ! openh264enc complexity=low rate-control=bitrate ' \
                          'bitrate=800000 gop-size=60 ! '
                else:
                    raise ClientError('no H.264 encoder (x264enc or openh264enc)')
                self.h264_encoder = enc_name
                enc += ('video/x-h264,profile=constrained-baseline ! '
                        'rtph264pay config-interval=-1 pt=102 aggregate-mode=zero-latency ! '
                        'queue ! capsfilter caps="%s" ! webrtc.' % H264_CAPS)
            else:
                raise ValueError(kind)
            parts.append(src + enc)
        # Build each branch as a bin with a ghost src pad and link it to a
        # request pad of our webrtcbin (so webrtcbin keeps its name here).
        self._branches = []
        for text in parts:
            body = text.rsplit('! webrtc.', 1)[0]
            b = Gst.parse_bin_from_description(body, True)
            self.pipeline.add(b)
            if not b.link(self.webrtc):
                raise ClientError('%s: cannot link %s to webrtcbin' % (self.name, body))
            self._branches.append(b)
        # Linked request pads make sendrecv transceivers: make them sendonly.
        for t in self.transceivers():
            t.set_property('direction', GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
            if nack is not None:
                t.set_property('do-nack', nack)

    def transceivers(self):
        out, i = [], 0
        while True:
            t = self.webrtc.emit('get-transceiver', i)
            if t is None:
                return out
            out.append(t)
            i += 1

    def _ready_for_offer(self, timeout):
        # The m-lines take their codecs from the caps on webrtcbin's sink pads
        # (the H.264 fmtp comes from the payloader): wait until they are set.
        pads = [p for p in self.webrtc.sinkpads]

        def ready():
            return all(p.get_current_caps() is not None for p in pads)
        if not _wait(ready, timeout):
            raise ClientError('%s: no caps on webrtcbin sink pads within %ss: %s'
                              % (self.name, timeout, self.errors))

    def whip(self, url, token, timeout=10, trickle=False):
        """POSTs the offer (every candidate inside, or with @trickle none and
        a PATCH after) to the WHIP endpoint and sets the answer; returns the
        answer text."""
        return self._http_offer(url, token, timeout, trickle)


# ---- the subscriber -------------------------------------------------------------

SUB_VIDEO_CAPS = {
    'VP8': VP8_CAPS + ',rtcp-fb-nack-pli=(boolean)true,rtcp-fb-nack=(boolean)true,'
                      'rtcp-fb-ccm-fir=(boolean)true',
    'H264': 'application/x-rtp,media=video,encoding-name=H264,payload=102,clock-rate=90000,'
            'packetization-mode=(string)1,profile-level-id=(string)42e01f,'
            'level-asymmetry-allowed=(string)1,rtcp-fb-nack-pli=(boolean)true,'
            'rtcp-fb-nack=(boolean)true,rtcp-fb-ccm-fir=(boolean)true',
}


class Subscriber(Peer):
    """Receives, decodes and counts. @kinds: the recvonly m-lines it offers
    (WHEP), in order; when it answers (WebSocket subscribe PC), the server's
    offer decides."""

    def __init__(self, kinds=('audio', 'video'), video_codecs=('VP8', 'H264'), nack=None,
                 strict=False, **kw):
        """@nack: None leaves webrtcbin's default; False makes a receiver
        that never NACKs (no rtcp-fb nack offered, jitterbuffers without
        retransmission requests), True asks for them. @strict: after a lost
        packet the VP8 depayloader drops everything up to the next keyframe
        and asks for one (as a browser does rather than show a broken
        picture), so video_frames counts only frames decoded whole."""
        super().__init__(**kw)
        self.strict = strict
        self.kinds = tuple(kinds)
        self.video_codecs = tuple(video_codecs)
        self.nack = nack
        self.video_frames = 0
        self.audio_buffers = 0
        self.rtp_packets = 0
        self.by_mid = {}
        self.codecs = {}          # mid -> encoding-name seen
        self.pads = []            # (mid, encoding-name) of every src pad webrtcbin added
        self.last_frame_at = None
        self.first_frame_at = None
        self.frame_sizes = set()
        self._count_lock = threading.Lock()
        self._offered = False
        self.webrtc.connect('pad-added', self._on_pad_added)

    def add_recv_transceivers(self):
        if self._offered:
            return
        self._offered = True
        for kind in self.kinds:
            if kind == 'audio':
                caps = Gst.Caps.from_string(OPUS_CAPS)
            else:
                text = ';'.join(SUB_VIDEO_CAPS[c] for c in self.video_codecs)
                if self.nack is False:
                    text = text.replace('rtcp-fb-nack=(boolean)true,', '')
                caps = Gst.Caps.from_string(text)
            t = self.webrtc.emit('add-transceiver',
                                 GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY, caps)
            if self.nack is not None and t is not None:
                t.set_property('do-nack', self.nack)

    def create_offer(self, wait_gathering=True, timeout=10):
        self.add_recv_transceivers()
        return super().create_offer(wait_gathering, timeout)

    def whep(self, url, token, timeout=10, trickle=False):
        """POSTs a recvonly offer to the WHEP endpoint and sets the answer
        (see Peer._http_offer for @trickle)."""
        self.add_recv_transceivers()
        return self._http_offer(url, token, timeout, trickle)

    # -- counting --

    def _slot(self, mid):
        with self._count_lock:
            return self.by_mid.setdefault(mid, {'frames': 0, 'audio': 0, 'rtp': 0})

    def _on_pad_added(self, webrtc, pad):
        if pad.direction != Gst.PadDirection.SRC:
            return
        caps = pad.get_current_caps() or pad.query_caps(None)
        s = caps.get_structure(0)
        enc = (s.get_string('encoding-name') or '').upper()
        media = s.get_string('media')
        mid = None
        try:
            t = pad.get_property('transceiver')
            mid = t.get_property('mid') if t is not None else None
        except TypeError:
            pass
        if mid is None:
            mid = pad.get_name()
        self.codecs[mid] = enc
        self.pads.append((mid, enc))
        self._slot(mid)
        log(self.name, 'pad-added', pad.get_name(), 'mid', mid, caps.to_string())

        def count_rtp(_pad, info):
            n = 1
            if info.type & Gst.PadProbeType.BUFFER_LIST:
                n = info.get_buffer_list().length()
            with self._count_lock:
                self.rtp_packets += n
                self.by_mid[mid]['rtp'] += n
            return Gst.PadProbeReturn.OK
        pad.add_probe(Gst.PadProbeType.BUFFER | Gst.PadProbeType.BUFFER_LIST, count_rtp)

        if enc == 'VP8':
            chain = ('queue ! rtpvp8depay %s ! vp8dec name=dec ! fakesink sync=false async=false'
                     % ('wait-for-keyframe=true request-keyframe=true' if self.strict else ''))
        elif enc == 'H264':
            chain = ('queue ! rtph264depay ! h264parse ! avdec_h264 name=dec ! '
                     'fakesink sync=false async=false')
        elif enc == 'OPUS':
            chain = 'queue ! rtpopusdepay ! opusdec name=dec ! fakesink sync=false async=false'
        else:
            chain = 'fakesink sync=false async=false'
        b = Gst.parse_bin_from_description(chain, True)
        self.pipeline.add(b)
        b.sync_state_with_parent()
        dec = b.get_by_name('dec')
        if dec is not None:
            video = media == 'video'

            def count(_pad, info):
                now = time.monotonic()
                with self._count_lock:
                    if video:
                        self.video_frames += 1
                        self.by_mid[mid]['frames'] += 1
                        self.last_frame_at = now
                        if self.first_frame_at is None:
                            self.first_frame_at = now
                    else:
                        self.audio_buffers += 1
                        self.by_mid[mid]['audio'] += 1
                return Gst.PadProbeReturn.OK
            dec.get_static_pad('src').add_probe(Gst.PadProbeType.BUFFER, count)
            if video:
                def size(_pad, info):
                    if info.type & Gst.PadProbeType.EVENT_DOWNSTREAM:
                        ev = info.get_event()
                        if ev.type == Gst.EventType.CAPS:
                            st = ev.parse_caps().get_structure(0)
                            ok_w, w = st.get_int('width')
                            ok_h, hh = st.get_int('height')
                            if ok_w and ok_h:
                                self.frame_sizes.add((w, hh))
                    return Gst.PadProbeReturn.OK
                dec.get_static_pad('src').add_probe(Gst.PadProbeType.EVENT_DOWNSTREAM, size)
        if pad.link(b.get_static_pad('sink')) != Gst.PadLinkReturn.OK:
            self.errors.append('cannot link %s (%s)' % (pad.get_name(), caps.to_string()))

    def snapshot(self):
        with self._count_lock:
            return {'video_frames': self.video_frames, 'audio_buffers': self.audio_buffers,
                    'rtp_packets': self.rtp_packets,
                    'by_mid': {k: dict(v) for k, v in self.by_mid.items()}}

    def wait_frames(self, frames=30, audio=1, timeout=10):
        """True once at least @frames video frames and @audio audio buffers
        were decoded in all (within @timeout seconds)."""
        return _wait(lambda: self.video_frames >= frames and self.audio_buffers >= audio,
                     timeout, 0.05)

    def wait_growth(self, frames=30, audio=1, timeout=10, mid=None):
        """True once @frames more video frames and @audio more audio buffers
        (optionally of one mid) were decoded than now."""
        def get():
            if mid is None:
                return self.video_frames, self.audio_buffers
            v = self.by_mid.get(mid, {})
            return v.get('frames', 0), v.get('audio', 0)
        f0, a0 = get()
        return _wait(lambda: get()[0] - f0 >= frames and get()[1] - a0 >= audio, timeout, 0.05)

    def stalled(self, quiet=1.0, window=2.0):
        """After @quiet seconds, True if the decoded counters (video and
        audio) do not grow for @window seconds; returns (stalled, before,
        after)."""
        time.sleep(quiet)
        before = self.snapshot()
        time.sleep(window)
        after = self.snapshot()
        same = (before['video_frames'] == after['video_frames'] and
                before['audio_buffers'] == after['audio_buffers'])
        return same, before, after


# ---- WebSocket signaling ----------------------------------------------------------


class WsClient:
    """One /ws connection (python3-websockets in an asyncio loop of its own
    thread). It joins with @token; with a @subscriber it answers the
    server's subscribe offer, trickling candidates both ways; publish(pub)
    runs the publish PC."""

    def __init__(self, url, token, subscriber=None, name='ws', timeout=10):
        import websockets  # python3-websockets
        self._websockets = websockets
        self.url = url
        self.token = token
        self.name = name
        self.timeout = timeout
        self.subscriber = subscriber
        self.publisher = None
        self.messages = []        # every message from the server, in order
        self.welcome = None
        self.subscribe_offer = None
        self.errors = []          # failures in handling (e.g. bad SDP)
        self._cond = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name='ws-' + name,
                                        daemon=True)
        self._thread.start()
        self._conn = None
        self._ref = 0
        self._pending = {'publish': [], 'subscribe': []}   # local candidates to send
        self._can_send = {'publish': False, 'subscribe': False}
        self._remote_ready = {'publish': False, 'subscribe': False}
        self._remote_queue = {'publish': [], 'subscribe': []}
        self.closed = False
        # candidate messages (an end-of-candidates null included), by pc
        self.sent_candidates = {'publish': 0, 'subscribe': 0}
        self.received_candidates = {'publish': 0, 'subscribe': 0}

    # -- plumbing --

    def _run(self, coro, timeout=None):
        fut = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return fut.result(timeout or self.timeout)

    async def _connect(self):
        self._conn = await self._websockets.connect(self.url, compression=None,
                                                    ping_interval=None, max_size=2 ** 24,
                                                    open_timeout=self.timeout)
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self):
        try:
            async for raw in self._conn:
                msg = json.loads(raw)
                log(self.name, '<-', raw[:300])
                with self._cond:
                    self.messages.append(msg)
                    self._cond.notify_all()
                try:
                    await self._handle(msg)
                except Exception as e:  # keep going; the test sees .errors
                    self.errors.append('%s: %r' % (msg.get('type'), e))
                    log(self.name, 'handler error', repr(e))
        except self._websockets.exceptions.ConnectionClosed:
            pass
        finally:
            with self._cond:
                self.closed = True
                self._cond.notify_all()

    async def _send(self, obj):
        log(self.name, '->', json.dumps(obj)[:300])
        await self._conn.send(json.dumps(obj))

    def send(self, obj):
        self._run(self._send(obj))

    def wait_for(self, pred, timeout=None, start=0):
        """The first message (from index @start) for which pred(msg) holds."""
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._cond:
            i = start
            while True:
                while i < len(self.messages):
                    if pred(self.messages[i]):
                        return self.messages[i]
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    return None
                self._cond.wait(left)

    def request(self, obj, timeout=None):
        """Sends @obj with a fresh ref; returns the reply carrying it."""
        self._ref += 1
        ref = '%s-%d' % (self.name, self._ref)
        self.send(dict(obj, ref=ref))
        msg = self.wait_for(lambda m: m.get('ref') == ref, timeout)
        if msg is None:
            raise ClientError('%s: no reply to %r' % (self.name, obj))
        return msg

    # -- join --

    def join(self, timeout=None):
        self._run(self._connect(), timeout)
        w = self.request({'type': 'join', 'token': self.token}, timeout)
        if w.get('type') != 'welcome':
            raise ClientError('%s: join refused: %r' % (self.name, w))
        self.welcome = w
        return w

    # -- media --

    def _trickler(self, pc, peer):
        def on_candidate(mline, cand):
            if mline is None:
                obj = {'type': 'candidate', 'pc': pc, 'candidate': None}
            else:
                mids = sdp_mids(peer.local_sdp or peer.offer_sdp or '')
                mid = mids[mline] if mline < len(mids) and mids[mline] else str(mline)
                obj = {'type': 'candidate', 'pc': pc,
                       'candidate': {'candidate': cand, 'sdpMid': mid, 'sdpMLineIndex': mline}}
            self._loop.call_soon_threadsafe(self._queue_candidate, pc, obj)
        return on_candidate

    def _queue_candidate(self, pc, obj):
        self.sent_candidates[pc] += 1
        if self._can_send[pc]:
            asyncio.ensure_future(self._send(obj))
        else:
            self._pending[pc].append(obj)

    async def _flush(self, pc):
        self._can_send[pc] = True
        pending, self._pending[pc] = self._pending[pc], []
        for obj in pending:
            await self._send(obj)

    def _remote_candidate(self, pc, cand):
        if pc in self.received_candidates:
            self.received_candidates[pc] += 1
        peer = self.publisher if pc == 'publish' else self.subscriber
        if peer is None or cand in (None, ''):
            return
        if not self._remote_ready[pc]:
            self._remote_queue[pc].append(cand)
            return
        text = cand.get('candidate') if isinstance(cand, dict) else cand
        if not text:
            return
        peer.add_candidate(int(cand.get('sdpMLineIndex') or 0) if isinstance(cand, dict)
                           else 0, text)

    async def _handle(self, msg):
        t = msg.get('type')
        if t == 'offer' and msg.get('pc') == 'subscribe':
            self.subscribe_offer = msg['sdp']
            if self.subscriber is not None:
                await self._answer_subscribe()
        elif t == 'answer' and msg.get('pc') == 'publish' and self.publisher is not None:
            self.publisher.set_remote('answer', msg['sdp'])
            self._remote_ready['publish'] = True
            for c in self._remote_queue['publish']:
                self._remote_candidate('publish', c)
            self._remote_queue['publish'] = []
        elif t == 'candidate':
            self._remote_candidate(msg.get('pc'), msg.get('candidate'))

    async def _answer_subscribe(self):
        sub = self.subscriber
        if not sub.started:
            sub.start()
        self._can_send['subscribe'] = False
        self._remote_ready['subscribe'] = False
        sub.on_local_candidate(self._trickler('subscribe', sub))
        sub.set_remote('offer', self.subscribe_offer)
        self._remote_ready['subscribe'] = True
        for c in self._remote_queue['subscribe']:
            self._remote_candidate('subscribe', c)
        self._remote_queue['subscribe'] = []
        answer = sub.create_answer(wait_gathering=False)
        await self._send({'type': 'answer', 'pc': 'subscribe', 'sdp': answer})
        await self._flush('subscribe')

    def subscribe(self, subscriber, timeout=None):
        """Answers the server's subscribe offer (already received or coming)
        with @subscriber."""
        self.subscriber = subscriber
        if self.wait_for(lambda m: m.get('type') == 'offer' and m.get('pc') == 'subscribe',
                         timeout) is None:
            raise ClientError('%s: no subscribe offer from the server' % self.name)
        self._run(self._answer_subscribe(), timeout)

    def publish(self, publisher, timeout=None, trickle=True):
        """Sends {"type":"publish"} with @publisher's offer; returns the
        server's reply (answer or error). With @trickle the offer goes at
        once and candidates follow; without, it carries them all."""
        self.publisher = publisher
        self._can_send['publish'] = False
        self._remote_ready['publish'] = False
        self._remote_queue['publish'] = []
        self._pending['publish'] = []
        if not publisher.started:
            publisher.start()
        start = len(self.messages)
        offer = publisher.create_offer(wait_gathering=not trickle, timeout=timeout or 10)
        if trickle:
            publisher.on_local_candidate(self._trickler('publish', publisher))
        self._ref += 1
        ref = '%s-%d' % (self.name, self._ref)
        self.send({'type': 'publish', 'sdp': offer, 'ref': ref})
        self._run(self._flush('publish'))
        msg = self.wait_for(lambda m: (m.get('ref') == ref or
                                       (m.get('type') == 'answer' and m.get('pc') == 'publish')),
                            timeout, start)
        if msg is None:
            raise ClientError('%s: no answer to publish' % self.name)
        if msg.get('type') == 'answer':
            # The reader has set it (or is about to); wait until it is.
            _wait(lambda: self._remote_ready['publish'], 5)
        return msg

    def close(self):
        async def _close():
            if self._conn is not None:
                try:
                    await asyncio.wait_for(self._conn.close(), 2)
                except Exception:
                    pass
        try:
            self._run(_close(), 5)
        except Exception:
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(3)


# ---- a self-check: webrtcbin to webrtcbin in one process ---------------------------


def loopback_check(kind='vp8', seconds=10):
    """Publisher -> Subscriber directly (no server). Returns the subscriber's
    snapshot after decoding >= 30 frames, or raises ClientError."""
    pub = Publisher(kind=kind, name='self-pub')
    sub = Subscriber(name='self-sub')
    try:
        pub.start()
        sub.start()
        offer = pub.create_offer(wait_gathering=True)
        sub.set_remote('offer', offer)
        answer = sub.create_answer(wait_gathering=True)
        pub.set_remote('answer', answer)
        if not sub.wait_frames(30, 1, seconds):
            raise ClientError('loopback: %r; pub %s/%s errors %r sub %s/%s errors %r'
                              % (sub.snapshot(), pub.ice_state, pub.pc_state, pub.errors,
                                 sub.ice_state, sub.pc_state, sub.errors))
        return sub.snapshot()
    finally:
        sub.stop()
        pub.stop()


if __name__ == '__main__':
    import sys
    for k in sys.argv[1:] or ['vp8', 'h264']:
        print(k, loopback_check(k))
