// classroom.test.mjs — the instructor's console and the trainee's page in
// a real browser, beyond media (media.test.mjs has that):
//
//   1. the console's check-in QR code, as drawn on the screen, decodes
//      (zbarimg) to the check-in link shown beside it;
//   2. a trainee's page shows a connection-quality value, and the console
//      lists the trainee as receiving media, with live counts;
//   3. the trainee's connection is cut (every TCP connection of that page
//      reset, new ones refused for a few seconds) and the page reconnects
//      on its own: the console showed "Reconnecting…" meanwhile and ends
//      with one roster entry; the attendance API shows two intervals whose
//      gap the grace rule bridged (credited more than the intervals add up to);
//   4. an invalid and an expired token each get their own message;
//   5. a trainee whose browser refuses the microphone is told so, with what
//      to do (a browser without the auto-accepting fake permission UI);
//   6. starting and stopping the recording shows and hides the indicator on
//      the trainee's page;
//   7. a class not started yet, and one that has ended, say so;
//   screenshots of both pages, at 1280×720 and phone size, go to $ARTIFACTS.
//
// The trainee page reaches the server through a TCP relay in this file, so
// that the test can cut that page's connections alone (the instructor's
// stay up). Run by run.sh inside a private network namespace; every wait
// is bounded; server, relay and browsers stop at the end whatever happens.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
    ARTIFACTS, BASE_FLAGS, CHROMIUM_FLAGS, cleanup as cleanupRun, joined, launchBrowser, mintToken, newPage, newRun,
    pageLog as pageTail, requireTools, screenshot, serverLog as serverTail, sleep, startServer, startWatchdog,
    waitFor,
} from './harness.mjs';

import { classify, measure, steady } from '../../web/js/quality.mjs';

const ZBARIMG = process.env.ZBARIMG || '/usr/bin/zbarimg';
const TOTAL_BUDGET_MS = 300_000;
const OUTAGE_MS = 6000;

const run = newRun({
    coordinatorToken: '',
    sessionId: 0,
    browserNoPrompt: null,
    relay: null,
});

const watchdog = startWatchdog('classroom.test', TOTAL_BUDGET_MS, cleanup);

/* ---- the server ---- */

function mint(user, name, { role = 'trainee', ttl = '3h' } = {}) {
    return mintToken(run, { role, user, name, session: run.sessionId, ttl, settings: ['auth.leeway_seconds=0'] });
}

async function api(pathname) {
    const response = await fetch(`http://127.0.0.1:${run.port}${pathname}`, {
        headers: { Authorization: `Bearer ${run.coordinatorToken}` },
    });
    const body = await response.json();
    assert.equal(response.status, 200, `GET ${pathname}: ${JSON.stringify(body)}`);
    return body;
}

/* ---- a TCP relay the test can cut ---- */

/* Forwards 127.0.0.1:<its port> to the server. cut(ms) resets every
 * connection through it and refuses new ones for @ms: to the page that
 * is a network drop (its WebSocket and HTTP fail), to the server a
 * connection reset. */
function startRelay(targetPort) {
    const sockets = new Set();
    let refuseUntil = 0;
    const server = net.createServer((client) => {
        if (Date.now() < refuseUntil) {
            client.resetAndDestroy();
            return;
        }
        const upstream = net.connect(targetPort, '127.0.0.1');
        sockets.add(client);
        sockets.add(upstream);
        const close = () => {
            sockets.delete(client);
            sockets.delete(upstream);
            client.destroy();
            upstream.destroy();
        };
        client.on('error', close);
        upstream.on('error', close);
        client.on('close', close);
        upstream.on('close', close);
        client.pipe(upstream);
        upstream.pipe(client);
    });
    return new Promise((resolve) => {
        server.listen(0, '127.0.0.1', () => {
            resolve({
                port: server.address().port,
                cut(ms) {
                    refuseUntil = Date.now() + ms;
                    const n = sockets.size;
                    for (const s of [...sockets]) s.resetAndDestroy();
                    return n;
                },
                close() {
                    for (const s of [...sockets]) s.destroy();
                    server.close();
                },
            });
        });
    });
}

/* ---- pages ---- */

async function openPage(name, url, { browser = run.browser, grant = true } = {}) {
    const page = await newPage(run, name, { browser, grant, origin: new URL(url).origin });
    // What is still loading when a page does not finish, for the message.
    const pending = new Map();
    page.on('request', (r) => pending.set(r, Date.now()));
    page.on('requestfinished', (r) => pending.delete(r));
    page.on('requestfailed', (r) => pending.delete(r));
    try {
        await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
    } catch (err) {
        const left = [...pending].map(([r, at]) => `${r.method()} ${r.url().slice(0, 100)} (${Date.now() - at} ms)`);
        err.message += `\nstill loading: ${left.join('; ') || 'nothing'}${pageLog(name)}`;
        throw err;
    }
    return page;
}

const shot = (name, file, options = {}) => screenshot(run, name, file, options);
const pageLog = (name) => pageTail(run, name);
const serverLog = () => serverTail(run);

/* The console's roster rows for @person: [{state, text}]. */
function rosterRows(page, person) {
    return page.evaluate((who) => [...document.querySelectorAll('#roster li')]
        .filter((li) => li.dataset.person === who)
        .map((li) => ({
            state: li.querySelector('.conn-state')?.dataset.state ?? null,
            text: li.textContent.replace(/\s+/g, ' ').trim(),
        })), person);
}

/* Server, relay and browsers stop whatever happened. */
function cleanup() {
    return cleanupRun(run, {
        browsers: ['browser', 'browserNoPrompt'],
        beforeServer: () => {
            if (run.relay) run.relay.close();
            run.relay = null;
        },
    });
}

/* ---- the tests ---- */

let failed = false; // any step failed: print the logs at the end
let failedSteps = false; // a step others need failed: skip them

/* Later steps need the earlier ones: after a failure they are skipped. */
function step(name, fn, { timeout = 60_000, todo = undefined, independent = false } = {}) {
    test(name, { timeout, todo }, async (t) => {
        if (failedSteps && !independent) {
            t.skip('an earlier step failed');
            return;
        }
        try {
            await fn(t);
        } catch (err) {
            if (!todo) failed = true;
            if (!todo && !independent) failedSteps = true;
            throw err;
        }
    });
}

before(async () => {
    requireTools();
    // No leeway, so a token one second old is plainly expired.
    // Presence alone is credited here: the reconnect test checks the grace
    // rule on attendance intervals, and media resuming after a reconnect
    // takes a variable few seconds (attendance.require_media is covered by
    // tests/media).
    await startServer(run, { prefix: 'cr-classroom-',
                             settings: ['auth.leeway_seconds=0', 'attendance.require_media=false'] });
    assert.ok(run.links.instructor && run.links.coordinator, `no demo links in:\n${run.stdout}`);
    run.sessionId = Number(/\/class\/(\d+)\?/.exec(run.links.instructor)[1]);
    run.coordinatorToken = new URL(run.links.coordinator).searchParams.get('token');
    run.relay = await startRelay(run.port);
    run.browser = await launchBrowser(CHROMIUM_FLAGS);
}, { timeout: 30_000 });

after(async () => {
    if (failed) {
        for (const name of Object.keys(run.pages)) process.stderr.write(`${pageLog(name)}\n`);
        process.stderr.write(`${serverLog()}\n`);
    }
    if (failed) {
        await shot('instructor', 'classroom-console-at-failure.png');
        await shot('trainee', 'classroom-trainee-at-failure.png');
    }
    await cleanup();
    clearTimeout(watchdog);
}, { timeout: 30_000 });

const TRAINEE = { id: 'ta', name: 'Alex Chen' };

/* The grading itself, on made-up getStats() reports (no browser). */
test('connection quality: measures from getStats and grades good, fair, poor', () => {
    const report = (received, lost, extra = {}) => new Map(Object.entries({
        T: { type: 'transport', selectedCandidatePairId: 'P' },
        P: { type: 'candidate-pair', id: 'P', currentRoundTripTime: extra.rtt ?? 0.04 },
        A: { type: 'inbound-rtp', kind: 'audio', ssrc: 1, packetsReceived: received, packetsLost: lost, jitter: extra.jitter ?? 0.01 },
        V: { type: 'inbound-rtp', kind: 'video', ssrc: 2, packetsReceived: received * 2, packetsLost: 0,
            framesDecoded: 100, framesPerSecond: extra.fps ?? 30 },
    }));
    const first = measure(report(100, 0));
    assert.equal(first.loss, null, 'no loss figure from a single reading');
    assert.equal(classify(first), 'good');
    // 50 audio + 100 video packets arrived and 4 were lost: 2.6 %.
    const m = measure(report(150, 4), first.counters);
    assert.ok(Math.abs(m.loss - 4 / 154) < 1e-9, `loss ${m.loss}`);
    assert.equal(classify(m), 'fair');
    assert.equal(classify({ ...m, loss: 0.001 }), 'good');
    assert.equal(classify({ rtt: 0.5 }), 'poor');
    assert.equal(classify({ rtt: 0.05, jitter: 0.1 }), 'poor');
    assert.equal(classify({ rtt: 0.05, fps: 12 }), 'fair');
    assert.equal(classify({ rtt: 0.05, fps: 5 }), 'poor');
    assert.equal(classify({}), 'unknown');
    // Only sending (the instructor): the relay's receiver reports.
    const sender = measure(new Map(Object.entries({
        R: { type: 'remote-inbound-rtp', kind: 'video', fractionLost: 0.1, roundTripTime: 0.02, jitter: 0.005 },
    })));
    assert.equal(sender.rtt, 0.02);
    assert.equal(sender.loss, 0.1);
    assert.equal(classify(sender), 'poor');
    // A single bad reading does not change what is shown; two in a row do.
    assert.equal(steady('poor', 'good'), 'good');
    assert.equal(steady('poor', 'poor'), 'poor');
    assert.equal(steady('good', 'poor'), 'good');
    assert.equal(steady('fair', null), 'fair');
    assert.equal(steady('unknown', 'good'), 'unknown');
});

step('the console shows a check-in QR code that decodes to the check-in link', async () => {
    const page = await openPage('instructor', run.links.instructor);
    await joined(page);
    await page.getByRole('button', { name: 'Start camera and microphone' }).click({ timeout: 20_000 });
    // Generous waits throughout: on a loaded two-core machine a browser
    // can take many seconds for what usually takes one.
    await page.waitForFunction(() => window.__classrelay.publishState === 'on', null, { timeout: 30_000 });
    // Choosing a camera swaps it in while publishing (replaceTrack).
    await page.getByText('Choose camera and microphone').click({ timeout: 15_000 });
    const camera = page.getByRole('combobox', { name: /^Camera/ });
    const options = await camera.locator('option').allTextContents();
    assert.ok(options.length >= 1 && options[0], `the camera list has named devices: ${JSON.stringify(options)}`);
    const before = await page.evaluate(() => document.querySelector('video[data-track="local-video"]').srcObject.getTracks()[0].id);
    await camera.selectOption({ index: options.length - 1 });
    await page.waitForFunction((id) => {
        const v = document.querySelector('video[data-track="local-video"]');
        const track = v?.srcObject?.getTracks()[0];
        return track && track.id !== id && track.readyState === 'live' && v.videoWidth > 0;
    }, before, { timeout: 20_000 });
    assert.equal(await page.evaluate(() => window.__classrelay.publishState), 'on', 'still publishing');
    await page.getByRole('button', { name: 'Check-in link' }).click({ timeout: 15_000 });
    const qr = page.getByRole('img', { name: 'QR code of the check-in link' });
    await qr.waitFor({ timeout: 15_000 });
    const link = (await page.locator('#checkin-link').textContent()).trim();
    assert.match(link, new RegExp(`^http://127\\.0\\.0\\.1:${run.port}/checkin/${run.sessionId}\\?code=`));
    // What is on the screen, as a camera would see it.
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, 'classroom-checkin-qr.png');
    await qr.screenshot({ path: file, timeout: 15_000 });
    const r = spawnSync(ZBARIMG, ['--raw', '-q', file], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, `zbarimg read no code from the screenshot (${r.stderr})`);
    assert.equal(r.stdout.trim(), link, 'the QR code holds the link shown');
    await shot('instructor', 'classroom-console-checkin.png');

    // Full screen, for the back of the room: the same link.
    await page.getByRole('button', { name: 'Show full screen' }).click({ timeout: 15_000 });
    const dialog = page.getByRole('dialog', { name: 'Scan to check in' });
    const big = dialog.getByRole('img', { name: 'QR code of the check-in link' });
    await big.waitFor({ timeout: 15_000 });
    const box = await big.boundingBox();
    assert.ok(box.width >= 400, `the full-screen code is big (${Math.round(box.width)} px)`);
    const bigFile = path.join(ARTIFACTS, 'classroom-checkin-qr-big.png');
    await big.screenshot({ path: bigFile, timeout: 15_000 });
    const rb = spawnSync(ZBARIMG, ['--raw', '-q', bigFile], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(rb.status, 0, `zbarimg read no code from the full-screen code (${rb.stderr})`);
    assert.equal(rb.stdout.trim(), link);
    await shot('instructor', 'classroom-console-checkin-big.png');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: 15_000 });
    await page.getByRole('button', { name: 'Hide check-in link' }).click({ timeout: 15_000 });
});

step('a trainee sees a connection-quality value; the console lists them receiving media', async (t) => {
    const url = `http://127.0.0.1:${run.relay.port}/join/${run.sessionId}?token=${mint(TRAINEE.id, TRAINEE.name)}`;
    const page = await openPage('trainee', url);
    await joined(page);
    const level = await waitFor('the quality indicator shows good, fair or poor', async () => {
        const v = await page.locator('#quality').getAttribute('data-level');
        return ['good', 'fair', 'poor'].includes(v) ? v : null;
    });
    const label = await page.getByRole('img', { name: /^Connection quality: / }).getAttribute('aria-label');
    assert.match(label, /round trip \d+ ms/, `the indicator says what it measured: ${label}`);
    assert.ok(await page.locator('#quality').isVisible(), 'the indicator is on the screen');
    t.diagnostic(`quality: ${level} — ${label}`);

    const inst = run.pages.instructor.page;
    await waitFor('the console lists the trainee as receiving media', async () => {
        const rows = await rosterRows(inst, TRAINEE.id);
        return rows.length === 1 && rows[0].state === 'receiving' ? rows : null;
    }, 40_000);
    assert.equal(await inst.locator('#stat-present').textContent(), '1');
    assert.equal(await inst.locator('#stat-media').textContent(), '1');
    await shot('trainee', 'classroom-trainee-watching.png');
});

step('a dropped connection comes back by itself: one roster entry, intervals merged by the grace rule', async (t) => {
    const page = run.pages.trainee.page;
    const inst = run.pages.instructor.page;
    const cut = run.relay.cut(OUTAGE_MS);
    assert.ok(cut > 0, 'the trainee page had connections through the relay');
    // The trainee's page says it is reconnecting; the console keeps the
    // trainee listed as reconnecting, not gone, and not twice.
    await page.getByText('The connection to the class was lost.', { exact: false }).first().waitFor({ timeout: 20_000 });
    await waitFor('the console shows the trainee reconnecting', async () => {
        const rows = await rosterRows(inst, TRAINEE.id);
        return rows.length === 1 && rows[0].state === 'reconnecting' ? rows : null;
    }, 15_000, 100);
    await shot('instructor', 'classroom-console-reconnecting.png');
    await shot('trainee', 'classroom-trainee-reconnecting.png');

    // Back without anyone touching the page.
    await waitFor('the trainee page reconnects', () => page.evaluate(() =>
        document.getElementById('conn-status').textContent === 'Connected'), 40_000);
    await joined(page);
    await waitFor('the console shows the trainee back, once', async () => {
        const rows = await rosterRows(inst, TRAINEE.id);
        return rows.length === 1 && rows[0].state !== 'reconnecting' ? rows : null;
    }, 20_000);
    // Media again (the classroom camera).
    await waitFor('classroom video plays again', () => page.evaluate(() => {
        const v = document.querySelector('video[data-track="class-video"]');
        return v && v.videoWidth > 0 && !v.paused;
    }), 30_000);
    await sleep(3000); // some credited time on the new connection

    const report = await api(`/api/sessions/${run.sessionId}/attendance`);
    const rows = report.rows.filter((r) => r.person === TRAINEE.id);
    assert.equal(rows.length, 1, 'one attendance row for the trainee');
    const row = rows[0];
    const iv = row.intervals;
    assert.equal(iv.length, 2, `two intervals, one per connection: ${JSON.stringify(iv)}`);
    assert.ok(iv[0].closed && !iv[1].closed, `the first closed, the second open: ${JSON.stringify(iv)}`);
    const sec = (s) => Date.parse(s) / 1000;
    const now = sec(report.generated_at);
    const gap = sec(iv[1].opened) - sec(iv[0].closed);
    const grace = report.rules.reconnect_grace_seconds;
    assert.ok(gap >= 1 && gap < grace, `the gap (${gap} s) is a real one, shorter than the grace (${grace} s)`);
    const sum = (sec(iv[0].closed) - sec(iv[0].opened)) + (now - sec(iv[1].opened));
    const span = now - sec(iv[0].opened);
    t.diagnostic(`intervals ${JSON.stringify(iv)}; gap ${gap} s; credited ${row.credited_seconds} s; ` +
        `intervals add up to ${sum} s; span ${span} s; media ${row.media_seconds} s`);
    // Bridged: the credit covers the gap, so it is more than the
    // intervals themselves add up to.
    assert.ok(row.credited_seconds > sum, `credited ${row.credited_seconds} s > ${sum} s: the gap was bridged`);
    // The whole span, gap included (a second or two of rounding).
    assert.ok(row.credited_seconds >= span - 2, `credited ${row.credited_seconds} s is about the whole span ${span} s`);
    assert.equal(row.last_departure, null, 'still present');
});

step('an invalid and an expired token each show their own message', async () => {
    const base = `http://127.0.0.1:${run.port}/join/${run.sessionId}?token=`;
    const page = await openPage('badtoken', `${base}not-a-real-token`, { grant: false });
    await page.getByRole('heading', { name: 'This link is not valid' }).waitFor({ timeout: 20_000 });
    await shot('badtoken', 'classroom-trainee-invalid-token.png');

    const expired = mint('tx', 'Expired Person', { ttl: '1s' });
    await sleep(2100);
    await page.goto(`${base}${expired}`, { waitUntil: 'load', timeout: 30_000 });
    await page.getByRole('heading', { name: 'This link has expired' }).waitFor({ timeout: 20_000 });
    assert.equal(await page.getByRole('heading', { name: 'This link is not valid' }).count(), 0);
    await shot('badtoken', 'classroom-trainee-expired-token.png');
    await run.pages.badtoken.context.close();
    delete run.pages.badtoken;
}, { independent: true });

step('a trainee whose browser refuses the microphone is told why and what to do', async () => {
    // Without the fake permission UI: the browser refuses the microphone.
    run.browserNoPrompt = await launchBrowser(BASE_FLAGS);
    const url = `http://127.0.0.1:${run.port}/join/${run.sessionId}?token=${mint('tb', 'Bo Lin')}`;
    const page = await openPage('refused', url, { browser: run.browserNoPrompt, grant: false });
    await joined(page);
    await page.getByRole('button', { name: 'Raise hand' }).click({ timeout: 15_000 });
    const inst = run.pages.instructor.page;
    await inst.getByRole('button', { name: 'Grant floor to Bo Lin' }).click({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Speak (turn on microphone)' }).click({ timeout: 20_000 });
    const alert = page.getByRole('alert').filter({ hasText: 'Your microphone is blocked' });
    await alert.waitFor({ timeout: 20_000 });
    assert.match(await alert.textContent(), /Allow/);
    assert.equal(await page.evaluate(() => window.__classrelay.publishState), 'off');
    await shot('refused', 'classroom-trainee-permission-refused.png');
    await inst.getByRole('button', { name: 'Revoke floor from Bo Lin' }).click({ timeout: 15_000 });
    await run.pages.refused.context.close();
    delete run.pages.refused;
    await run.browserNoPrompt.close();
    run.browserNoPrompt = null;
});

step('starting and stopping the recording shows and hides the indicator for trainees', async () => {
    const inst = run.pages.instructor.page;
    const page = run.pages.trainee.page;
    const indicator = page.locator('#rec-indicator');
    await inst.getByRole('button', { name: 'Start recording' }).click({ timeout: 15_000 });
    // A server without recording refuses at once, and the console says so.
    const refused = inst.getByText('This server cannot record classes yet.');
    const deadline = Date.now() + 20_000;
    while (!(await indicator.isVisible())) {
        if (await refused.first().isVisible()) throw new Error('the server refused "record"; the console said so');
        assert.ok(Date.now() < deadline, 'the recording indicator appears on the trainee page within 20 s');
        await sleep(200);
    }
    assert.match(await indicator.textContent(), /Recording/);
    await inst.locator('#rec-indicator').waitFor({ state: 'visible', timeout: 15_000 });
    await shot('instructor', 'classroom-console-recording.png');
    await shot('trainee', 'classroom-trainee-recording.png');
    await inst.getByRole('button', { name: 'Stop recording' }).click({ timeout: 15_000 });
    await inst.getByRole('dialog').getByRole('button', { name: 'Stop recording' }).click({ timeout: 15_000 });
    await indicator.waitFor({ state: 'hidden', timeout: 20_000 });
});

step('both pages at phone size', async (t) => {
    for (const name of ['instructor', 'trainee']) {
        if (!run.pages[name]) {
            t.skip(`no ${name} page (an earlier step failed)`);
            return;
        }
        const { page } = run.pages[name];
        await page.setViewportSize({ width: 390, height: 844 });
        await sleep(300);
        // Nothing sticks out sideways.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `${name}: the page is ${overflow} px wider than a phone`);
        await shot(name, `classroom-${name === 'instructor' ? 'console' : 'trainee'}-phone.png`, { fullPage: true });
        await page.setViewportSize({ width: 1280, height: 720 });
    }
}, { independent: true });

step('a class not started yet, and one that has ended, say so', async () => {
    // A session three hours from now: too early to join (join_early_minutes is 60).
    const start = new Date(Date.now() + 3 * 3600_000);
    const response = await fetch(`http://127.0.0.1:${run.port}/api/sessions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${run.coordinatorToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
            course_id: 1, title: 'Later', scheduled_start: start.toISOString().replace(/\.\d+Z$/, 'Z'),
            scheduled_end: new Date(start.getTime() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
        }),
    });
    const later = await response.json();
    assert.equal(response.status, 201, JSON.stringify(later));
    const early = mintToken(run, { user: 'tc', name: 'Chen Yu', session: later.id });
    const page = await openPage('early', `http://127.0.0.1:${run.port}/join/${later.id}?token=${early}`, { grant: false });
    await page.getByRole('heading', { name: 'The class has not started yet' }).waitFor({ timeout: 20_000 });
    await shot('early', 'classroom-trainee-not-started.png');
    await run.pages.early.context.close();
    delete run.pages.early;

    // The instructor ends the class: the trainee is told, and a late
    // joiner too.
    const inst = run.pages.instructor.page;
    const trainee = run.pages.trainee.page;
    await shot('instructor', 'classroom-console-final.png');
    await shot('trainee', 'classroom-trainee-final.png');
    await inst.getByRole('button', { name: 'End class' }).click({ timeout: 15_000 });
    await inst.getByRole('dialog').getByRole('button', { name: 'End class' }).click({ timeout: 15_000 });
    await trainee.getByRole('heading', { name: 'This class has ended' }).waitFor({ timeout: 20_000 });
    await inst.getByRole('heading', { name: 'The class has ended' }).waitFor({ timeout: 20_000 });
    await shot('trainee', 'classroom-trainee-ended.png');
    const lateUrl = `http://127.0.0.1:${run.port}/join/${run.sessionId}?token=${mint('td', 'Late Person')}`;
    const late = await openPage('late', lateUrl, { grant: false });
    await late.getByRole('heading', { name: 'The class has ended' }).waitFor({ timeout: 20_000 });
    await run.pages.late.context.close();
    delete run.pages.late;
});
