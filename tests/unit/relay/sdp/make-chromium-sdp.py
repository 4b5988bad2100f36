#!/usr/bin/python3
"""Regenerates the Chromium fixtures of this folder (not run by the tests).

    make-chromium-sdp.py publish|recvonly|datachannel|vp9av1 > OUT.sdp
    make-chromium-sdp.py answer RELAY-OFFER.sdp > chrome-answer-to-relay-offer.sdp

Drives Debian's headless Chromium over the DevTools protocol (needs
python3-websockets). Camera and microphone are Chromium's fake devices;
permission is granted through Browser.grantPermissions, because the
--use-fake-ui-for-media-stream flag alone leaves getUserMedia() pending in
headless mode. ICE gathering is awaited, so the offers carry the host
candidates of the machine that made them.
"""
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import urllib.request

import websockets

PORT = 9339

OFFER_JS = """(async () => {
  const pc = new RTCPeerConnection({bundlePolicy: 'max-bundle'});
  const mode = MODE;
  const media = (c) => navigator.mediaDevices.getUserMedia(c);
  if (mode === 'publish' || mode === 'datachannel') {
    const s = await media({audio: true, video: true});
    for (const t of s.getTracks()) pc.addTransceiver(t, {direction: 'sendonly', streams: [s]});
    if (mode === 'datachannel') pc.createDataChannel('chat');
  } else if (mode === 'vp9av1') {
    const s = await media({video: true});
    const tr = pc.addTransceiver(s.getVideoTracks()[0], {direction: 'sendonly', streams: [s]});
    tr.setCodecPreferences(RTCRtpSender.getCapabilities('video').codecs
                             .filter(c => /VP9|AV1|rtx/.test(c.mimeType)));
  } else {
    pc.addTransceiver('audio', {direction: 'recvonly'});
    pc.addTransceiver('video', {direction: 'recvonly'});
  }
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  return pc.localDescription.sdp;
})()"""

ANSWER_JS = """(async () => {
  const pc = new RTCPeerConnection({bundlePolicy: 'max-bundle'});
  await pc.setRemoteDescription({type: 'offer', sdp: OFFER});
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  return pc.localDescription.sdp;
})()"""

GATHERED_JS = """window.gathered = (pc) => new Promise(r => {
  if (pc.iceGatheringState === 'complete') r();
  pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') r(); };
  setTimeout(r, 3000);
});"""


async def evaluate(ws, ident, expression):
    await ws.send(json.dumps({'id': ident, 'method': 'Runtime.evaluate', 'params': {
        'expression': expression, 'awaitPromise': True, 'returnByValue': True}}))
    while True:
        reply = json.loads(await ws.recv())
        if reply.get('id') == ident:
            result = reply['result']
            if 'exceptionDetails' in result:
                raise RuntimeError(json.dumps(result['exceptionDetails']))
            return result['result'].get('value')


async def run(expression):
    version = json.load(urllib.request.urlopen(f'http://127.0.0.1:{PORT}/json/version'))
    targets = json.load(urllib.request.urlopen(f'http://127.0.0.1:{PORT}/json'))
    page = [t for t in targets if t['type'] == 'page'][0]
    async with websockets.connect(version['webSocketDebuggerUrl'], max_size=None) as browser:
        await evaluate_browser(browser)
    async with websockets.connect(page['webSocketDebuggerUrl'], max_size=None) as ws:
        await evaluate(ws, 2, GATHERED_JS)
        return await evaluate(ws, 3, expression)


async def evaluate_browser(browser):
    await browser.send(json.dumps({'id': 1, 'method': 'Browser.grantPermissions', 'params': {
        'permissions': ['audioCapture', 'videoCapture']}}))
    await browser.recv()


def main():
    mode = sys.argv[1]
    if mode == 'answer':
        expression = ANSWER_JS.replace('OFFER', json.dumps(open(sys.argv[2]).read()))
    else:
        expression = OFFER_JS.replace('MODE', json.dumps(mode))
    # Chromium helpers may still write the profile after it exits.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as home:
        page = f'{home}/blank.html'  # a file: page is a secure context
        open(page, 'w').write('<!doctype html><title>sdp</title>')
        browser = subprocess.Popen(
            ['chromium', '--headless', '--no-sandbox', '--disable-gpu',
             '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
             f'--remote-debugging-port={PORT}', f'--user-data-dir={home}/profile',
             f'file://{page}'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f'http://127.0.0.1:{PORT}/json/version')
                    break
                except OSError:
                    time.sleep(0.1)
            sys.stdout.write(asyncio.run(run(expression)))
        finally:
            browser.terminate()
            browser.wait()


if __name__ == '__main__':
    main()
