#!/usr/bin/python3
"""Regenerates the Firefox fixtures of this folder (not run by the tests).

    make-firefox-sdp.py publish|recvonly > firefox-MODE.sdp

Serves one page on 127.0.0.1 (a secure context, so getUserMedia works
over plain http) and opens it in Debian's `firefox-esr --headless` with a
throwaway profile. The profile's user.js turns on Firefox's fake camera
and microphone and skips the permission prompt. The page makes its
RTCPeerConnection the way web/js/media.mjs does (max-bundle, rtcp-mux
required, sendonly transceivers with a stream), waits for ICE gathering,
and POSTs pc.localDescription.sdp back; it is printed unchanged (CRLF).
Needs only the standard library and firefox-esr.
"""
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

TIMEOUT = 60  # seconds for Firefox to start and post its offer

PREFS = {
    # Fake devices, no permission prompt.
    'media.navigator.streams.fake': True,
    'media.navigator.permission.disabled': True,
    # Nothing else on screen or on the network while it runs.
    'browser.shell.checkDefaultBrowser': False,
    'browser.startup.homepage_override.mstone': 'ignore',
    'browser.aboutwelcome.enabled': False,
    'datareporting.policy.dataSubmissionEnabled': False,
    'datareporting.healthreport.uploadEnabled': False,
    'toolkit.telemetry.reportingpolicy.firstRun': False,
    'app.update.auto': False,
    'app.normandy.enabled': False,
    'network.captive-portal-service.enabled': False,
    'network.connectivity-service.enabled': False,
    'extensions.update.enabled': False,
    'browser.safebrowsing.update.enabled': False,
}

PAGE = """<!doctype html><meta charset="utf-8"><title>sdp</title><script>
const post = (path, body) => fetch(path, {method: 'POST', body});
const gathered = (pc) => new Promise(r => {
  if (pc.iceGatheringState === 'complete') return r();
  pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') r(); };
  setTimeout(r, 10000);
});
(async () => {
  const pc = new RTCPeerConnection({bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require'});
  if (MODE === 'publish') {
    const s = await navigator.mediaDevices.getUserMedia({audio: true, video: true});
    for (const t of s.getTracks()) pc.addTransceiver(t, {direction: 'sendonly', streams: [s]});
  } else {
    pc.addTransceiver('audio', {direction: 'recvonly'});
    pc.addTransceiver('video', {direction: 'recvonly'});
  }
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  await post('/sdp', pc.localDescription.sdp);
})().catch(e => post('/error', String(e)));
</script>"""


class Result:
    def __init__(self):
        self.done = threading.Event()
        self.sdp = None
        self.error = None


def handler(mode, result):
    page = PAGE.replace('MODE', json.dumps(mode)).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != '/':
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header('Content-Type', 'text/html; charset=utf-8')
            self.send_header('Content-Length', str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
            self.send_response(204)
            self.end_headers()
            if self.path == '/sdp':
                result.sdp = body
            else:
                result.error = body.decode(errors='replace')
            result.done.set()

        def log_message(self, *args):
            pass

    return Handler


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ('publish', 'recvonly'):
        sys.exit('usage: make-firefox-sdp.py publish|recvonly > OUT.sdp')
    mode = sys.argv[1]
    result = Result()
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler(mode, result))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    profile = tempfile.mkdtemp(prefix='firefox-sdp-')
    try:
        with open(os.path.join(profile, 'user.js'), 'w') as f:
            for name, value in PREFS.items():
                f.write(f'user_pref({json.dumps(name)}, {json.dumps(value)});\n')
        browser = subprocess.Popen(
            ['firefox-esr', '--headless', '--no-remote', '--profile', profile,
             f'http://127.0.0.1:{server.server_port}/'],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=dict(os.environ, MOZ_CRASHREPORTER_DISABLE='1'))
        try:
            if not result.done.wait(TIMEOUT):
                sys.exit(f'make-firefox-sdp: no offer from Firefox in {TIMEOUT} s')
        finally:
            browser.terminate()
            try:
                browser.wait(10)
            except subprocess.TimeoutExpired:
                browser.kill()
                browser.wait()
        if result.error is not None:
            sys.exit(f'make-firefox-sdp: the page failed: {result.error}')
        sys.stdout.buffer.write(result.sdp)
    finally:
        server.shutdown()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == '__main__':
    main()
