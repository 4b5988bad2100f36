// media.test.mjs — the class pages' audio and video in a real browser.
//
// Starts the real server (binary from $CLASSRELAY) in a temporary data
// directory, opens the instructor page and two trainee pages in headless
// Chromium (Debian's /usr/bin/chromium, driven by playwright-core, with
// fake camera and microphone), and checks on the pages' own
// RTCPeerConnection statistics that:
//
//   1. the instructor's camera and microphone reach both trainees
//      (video frames decoded, audio bytes with energy);
//   2. a trainee who raised a hand, was granted the floor and pressed
//      "Speak" is heard (and seen) by the instructor and the other trainee;
//   3. once the instructor revokes the floor, that audio stops.
//
// Buttons are found by their accessible names, as a person would find
// them. Screenshots of every page go to $ARTIFACTS (default
// build/artifacts). Run by run.sh inside a private network namespace;
// every wait is bounded, and the server and browser are stopped at the
// end whatever happens.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
    cleanup as cleanupRun, joined, launchBrowser, mintToken, newPage, newRun, requireTools, screenshot,
    serverLog as serverTail, sleep, startServer, startWatchdog,
} from './harness.mjs';

const TOTAL_BUDGET_MS = 100_000;

/* The server, browser and pages of this file (harness.mjs runs them). */
const run = newRun({ failed: false });

const cleanup = () => cleanupRun(run);
const watchdog = startWatchdog('media.test', TOTAL_BUDGET_MS, cleanup);

/* ---- pages ---- */

async function openPage(name, url) {
    const page = await newPage(run, name);
    await page.goto(url, { waitUntil: 'load', timeout: 10_000 });
    await joined(page, 10_000);
    return page;
}

// Short: the after hook takes one of every page within its 20 s.
const shot = (name, file) => screenshot(run, name, file, { timeout: 5000 });

/* inbound-rtp of the page's subscribe PeerConnection, by mid, read from
 * getStats() here (not through media.mjs's own helpers). */
function inbound(page) {
    return page.evaluate(async () => {
        const pc = window.__classrelay.subscribePc;
        if (!pc) return null;
        const out = {};
        for (const r of (await pc.getStats()).values()) {
            if (r.type !== 'inbound-rtp') continue;
            out[r.mid] = {
                kind: r.kind, bytes: r.bytesReceived ?? 0, packets: r.packetsReceived ?? 0,
                frames: r.framesDecoded ?? 0, energy: r.totalAudioEnergy ?? 0,
            };
        }
        return out;
    });
}

/* What went wrong on the way, for the failure message. */
async function diagnose(name) {
    const entry = run.pages[name];
    if (!entry) return '';
    let transport = null;
    try {
        transport = await entry.page.evaluate(async () => ({
            subscribe: await window.__classrelay.transport('subscribe'),
            publish: await window.__classrelay.transport('publish'),
            publishState: window.__classrelay.publishState,
            slots: window.__classrelay.slots,
        }));
    } catch (err) {
        transport = String(err);
    }
    return `\n--- ${name}: transport ---\n${JSON.stringify(transport, null, 1)}` +
        `\n--- ${name}: console ---\n${entry.console.slice(-30).join('\n')}`;
}

const serverLog = () => serverTail(run, 60);

/* Waits until @check(inbound stats) is true; fails with diagnostics. */
async function waitStats(name, what, check, timeout = 10_000) {
    const page = run.pages[name].page;
    const deadline = Date.now() + timeout;
    let last = null;
    while (Date.now() < deadline) {
        last = await inbound(page);
        if (last && check(last)) return last;
        await sleep(250);
    }
    throw new Error(`${name}: ${what} within ${timeout / 1000} s; last inbound-rtp by mid ${JSON.stringify(last)}` +
        ` (a mid missing there received no RTP packet at all)` + await diagnose(name) + serverLog());
}

/* Two samples a second apart. */
async function growth(name) {
    const page = run.pages[name].page;
    const a = await inbound(page);
    await sleep(1000);
    const b = await inbound(page);
    return { a, b };
}

/* Clicks "Click to enable sound" if the page shows it (autoplay policy). */
async function enableSoundIfAsked(name) {
    const page = run.pages[name].page;
    const button = page.getByRole('button', { name: 'Click to enable sound' });
    if (await button.isVisible()) {
        note(`${name}: autoplay was blocked; clicking "Click to enable sound"`);
        await button.click({ timeout: 5000 });
    }
}

let current = null; // the running test's context, for diagnostics

function note(text) {
    if (current) current.diagnostic(text);
}

/* ---- the tests ---- */

let trainee2Url = '';

before(async () => {
    requireTools();
    await startServer(run);
    assert.ok(run.links.instructor && run.links.trainee, `no demo links in:\n${run.stdout}`);
    const session = /\/join\/(\d+)\?/.exec(run.links.trainee)[1];
    trainee2Url = `http://127.0.0.1:${run.port}/join/${session}?token=${mintToken(run, { user: 't2', name: 'Trainee Two', session })}`;
    run.browser = await launchBrowser();
}, { timeout: 30_000 });

after(async () => {
    if (run.failed) {
        // Every page's side of the story (the failing step's message has one).
        for (const name of Object.keys(run.pages)) process.stderr.write(`${await diagnose(name)}\n`);
        process.stderr.write(`${serverLog()}\n`);
    }
    for (const name of Object.keys(run.pages)) await shot(name, `browser-${name}-final.png`);
    await cleanup();
    clearTimeout(watchdog);
}, { timeout: 20_000 });

/* Later steps need the earlier ones: after a failure they are skipped. */
function step(name, fn, timeout = 20_000) {
    test(name, { timeout }, async (t) => {
        if (run.failed) {
            t.skip('an earlier step failed');
            return;
        }
        current = t;
        try {
            await fn(t);
        } catch (err) {
            run.failed = true;
            throw err;
        } finally {
            current = null;
        }
    });
}

step('the instructor starts the camera and microphone', async () => {
    const page = await openPage('instructor', run.links.instructor);
    const start = page.getByRole('button', { name: 'Start camera and microphone' });
    await start.click({ timeout: 10_000 });
    try {
        await page.waitForFunction(() => window.__classrelay.publishState === 'on', null, { timeout: 10_000 });
    } catch {
        throw new Error(`the publish connection did not connect (state ${await page.evaluate(() => window.__classrelay.publishState)})` +
            await diagnose('instructor') + serverLog());
    }
    await page.getByRole('button', { name: 'Stop camera and microphone' }).waitFor({ timeout: 5000 });
    // The preview shows the fake camera.
    await page.waitForFunction(() => {
        const v = document.querySelector('video[data-track="local-video"]');
        return v && v.videoWidth > 0 && !v.paused;
    }, null, { timeout: 5000 });
});

step('both trainees receive the classroom camera and microphone', async () => {
    await openPage('trainee1', run.links.trainee);
    await openPage('trainee2', trainee2Url);
    for (const name of ['trainee1', 'trainee2']) {
        // mid 0 classroom audio, mid 1 classroom camera.
        await waitStats(name, 'classroom video frames decoded', (s) => s['1']?.frames > 0);
        await enableSoundIfAsked(name);
        await waitStats(name, 'classroom audio with energy', (s) => s['0']?.bytes > 0 && s['0']?.energy > 0);
        const { a, b } = await growth(name);
        note(`${name}: video frames ${a['1'].frames} -> ${b['1'].frames}, bytes ${a['1'].bytes} -> ${b['1'].bytes}; ` +
            `audio bytes ${a['0'].bytes} -> ${b['0'].bytes}, energy ${b['0'].energy.toFixed(4)}`);
        assert.ok(b['1'].frames > a['1'].frames, `${name}: video framesDecoded grows`);
        assert.ok(b['1'].bytes > a['1'].bytes, `${name}: video bytesReceived grows`);
        assert.ok(b['0'].bytes > a['0'].bytes, `${name}: audio bytesReceived grows`);
        assert.ok(b['0'].energy > 0, `${name}: audio totalAudioEnergy > 0`);
        // Pixels on the page: the <video> plays at the fake camera's size.
        const size = await run.pages[name].page.evaluate(() => {
            const v = document.querySelector('video[data-track="class-video"]');
            return { w: v.videoWidth, h: v.videoHeight, paused: v.paused, shown: v.checkVisibility() };
        });
        assert.ok(size.w > 0 && size.h > 0 && !size.paused && size.shown, `${name}: classroom video plays (${JSON.stringify(size)})`);
    }
    await shot('instructor', 'browser-instructor-publishing.png');
    await shot('trainee1', 'browser-trainee1-watching.png');
    await shot('trainee2', 'browser-trainee2-watching.png');
});

step('a trainee given the floor is heard by the instructor', async () => {
    const t1 = run.pages.trainee1.page;
    const inst = run.pages.instructor.page;
    await t1.getByRole('button', { name: 'Raise hand' }).click({ timeout: 5000 });
    await inst.getByRole('button', { name: 'Grant floor to Demo Trainee' }).click({ timeout: 5000 });
    await t1.getByLabel('Also turn on my camera').check({ timeout: 5000 });
    await t1.getByRole('button', { name: 'Speak (turn on microphone)' }).click({ timeout: 5000 });
    try {
        await t1.waitForFunction(() => window.__classrelay.publishState === 'on', null, { timeout: 10_000 });
    } catch {
        throw new Error(`the trainee's publish connection did not connect (state ${await t1.evaluate(() => window.__classrelay.publishState)})` +
            await diagnose('trainee1') + serverLog());
    }
    await t1.getByRole('heading', { name: 'You are on air' }).waitFor({ timeout: 5000 });
    await t1.getByRole('button', { name: 'Stop speaking' }).waitFor({ timeout: 5000 });

    // The instructor: mid 0 floor audio, mid 1 floor video.
    await enableSoundIfAsked('instructor');
    await waitStats('instructor', 'floor audio with energy', (s) => s['0']?.bytes > 0 && s['0']?.energy > 0);
    // The floor video starts on a keyframe, which can come a moment after
    // the audio: sample its growth only once it decodes.
    await waitStats('instructor', 'floor video frames decoded', (s) => s['1']?.frames > 0);
    const { a, b } = await growth('instructor');
    note(`instructor: floor audio bytes ${a['0'].bytes} -> ${b['0'].bytes}, energy ${b['0'].energy.toFixed(4)}; ` +
        `floor video frames ${a['1']?.frames} -> ${b['1']?.frames}`);
    assert.ok(b['0'].bytes > a['0'].bytes, 'instructor: floor audio bytesReceived grows');
    assert.ok(b['0'].energy > 0, 'instructor: floor audio totalAudioEnergy > 0');
    assert.ok(b['1']?.frames > a['1']?.frames, 'instructor: floor video framesDecoded grows');

    // The other trainee hears the floor too (mid 3 floor audio).
    await waitStats('trainee2', 'floor audio from the other trainee', (s) => s['3']?.bytes > 0 && s['3']?.energy > 0);
    const other = await growth('trainee2');
    assert.ok(other.b['3'].bytes > other.a['3'].bytes, 'trainee2: floor audio bytesReceived grows');

    await shot('instructor', 'browser-instructor-floor.png');
    await shot('trainee1', 'browser-trainee1-on-air.png');
    await shot('trainee2', 'browser-trainee2-floor.png');
});

step('revoking the floor stops the trainee\'s audio', async () => {
    const t1 = run.pages.trainee1.page;
    const inst = run.pages.instructor.page;
    await inst.getByRole('button', { name: 'Revoke floor from Demo Trainee' }).click({ timeout: 5000 });
    // The trainee's page turns the microphone off (the relay says floor_revoked).
    await t1.waitForFunction(() => window.__classrelay.publishState === 'off' &&
        window.__classrelay.publishPc === null, null, { timeout: 5000 });
    await t1.getByRole('button', { name: 'Speak (turn on microphone)' }).waitFor({ state: 'hidden', timeout: 5000 });
    await t1.getByText('The instructor ended your turn to speak.').first().waitFor({ timeout: 5000 });
    await shot('trainee1', 'browser-trainee1-revoked.png');
    const tracks = await t1.evaluate(() => [...document.querySelectorAll('video[data-track="local-video"]')]
        .map((v) => v.srcObject ? v.srcObject.getTracks().length : 0));
    assert.deepEqual(tracks, [0], 'trainee1: the camera preview is gone');
    await sleep(1000); // packets already on the way
    const { a, b } = await growth('instructor');
    await sleep(500);
    const c = await inbound(inst);
    note(`instructor after revoke: floor audio bytes ${a['0'].bytes} -> ${b['0'].bytes} -> ${c['0'].bytes}`);
    assert.equal(c['0'].bytes, a['0'].bytes, 'instructor: floor audio bytesReceived stops growing');
    // The classroom still flows to the trainees.
    const still = await growth('trainee2');
    assert.ok(still.b['1'].frames > still.a['1'].frames, 'trainee2: classroom video still flows');
    await shot('instructor', 'browser-instructor-revoked.png');
});
