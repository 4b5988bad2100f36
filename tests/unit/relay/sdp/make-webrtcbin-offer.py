#!/usr/bin/python3
"""Regenerates webrtcbin-vp8.sdp and webrtcbin-h264.sdp (not run by the tests).

    make-webrtcbin-offer.py vp8|h264 > webrtcbin-VIDEO.sdp

GStreamer's webrtcbin (gir1.2-gst-plugins-bad-1.0) with max-bundle, a test
video source (vp8enc, or openh264enc Constrained Baseline) and Opus audio.
The offer is printed once ICE gathering completes.
"""
import sys

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstWebRTC', '1.0')
from gi.repository import GLib, Gst, GstWebRTC  # noqa: E402

VIDEO = {
    'vp8': 'vp8enc deadline=1 ! rtpvp8pay ! '
           'application/x-rtp,media=video,encoding-name=VP8,payload=96',
    'h264': 'openh264enc ! video/x-h264,profile=constrained-baseline ! h264parse ! '
            'rtph264pay config-interval=-1 aggregate-mode=zero-latency ! '
            'application/x-rtp,media=video,encoding-name=H264,payload=102',
}


def main():
    Gst.init(None)
    pipeline = Gst.parse_launch(
        'webrtcbin name=w bundle-policy=max-bundle '
        'videotestsrc is-live=true ! videoconvert ! ' + VIDEO[sys.argv[1]] + ' ! w. '
        'audiotestsrc is-live=true wave=red-noise ! audioconvert ! audioresample ! '
        'opusenc ! rtpopuspay ! '
        'application/x-rtp,media=audio,encoding-name=OPUS,payload=111 ! w.')
    webrtc = pipeline.get_by_name('w')
    loop = GLib.MainLoop()

    def done():
        sys.stdout.write(webrtc.get_property('local-description').sdp.as_text())
        loop.quit()
        return False

    def on_gathering(*_):
        if webrtc.get_property('ice-gathering-state') == \
                GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            GLib.idle_add(done)

    def on_offer(promise, _):
        reply = promise.get_reply()  # keep: the offer lives in the reply
        webrtc.emit('set-local-description', reply.get_value('offer'), Gst.Promise.new())

    webrtc.connect('on-negotiation-needed', lambda _: webrtc.emit(
        'create-offer', None, Gst.Promise.new_with_change_func(on_offer, None)))
    webrtc.connect('notify::ice-gathering-state', on_gathering)
    GLib.timeout_add_seconds(10, done)
    pipeline.set_state(Gst.State.PLAYING)
    loop.run()
    pipeline.set_state(Gst.State.NULL)


if __name__ == '__main__':
    main()
