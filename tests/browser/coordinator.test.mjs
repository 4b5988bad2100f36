// coordinator.test.mjs — the coordinator's desk and the home page in a
// real browser.
//
// Starts the real server (binary from $CLASSRELAY) in a temporary data
// directory and drives Debian's headless Chromium (playwright-core):
//
//   1. an instructor page publishes the fake camera and microphone and two
//      trainee pages receive it, so the relay records media intervals;
//   2. the desk's live view shows the three people while the class runs;
//   3. after the class ends, the desk lists the session with both
//      trainees and plausible credited seconds (checked against the
//      clock of this test), downloads the CSV (content checked), and draws
//      the timeline with one row per person;
//   4. a recording plays in the page and its time advances after a seek,
//      then it is deleted after a confirmation. The recording comes from
//      the recorder (POST /api/sessions/{id}/recording/start) when the
//      server has one; otherwise (or with CR_TEST_RECORDING=gst) a real
//      WebM made by gst-launch-1.0 is entered in the recordings catalog
//      while the server is stopped;
//   5. a trainee token on the desk is refused, an invalid one explained;
//   6. the home page routes a pasted token to the right page.
//
// Screenshots go to $ARTIFACTS (default build/artifacts). Run inside a
// private network namespace (run.sh); every wait is bounded, and the
// server and browser are stopped at the end whatever happens.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import {
    cleanup as cleanupRun, launchBrowser, mintToken, newPage, newRun, pageLog, requireTools, screenshot, serverLog,
    sleep, startServer, startWatchdog, stopServer,
} from './harness.mjs';

const TOTAL_BUDGET_MS = 240_000;
const CLASS_SECONDS = 8; // how long the trainees stay in the class

const run = newRun({
    tokens: {},
    session: 0,
    failed: false,
    joinedAt: 0, // ms, when both trainees were receiving
    endedAt: 0, // ms, when the class was ended
    recording: null, // the recording JSON the desk should play
});

const cleanup = () => cleanupRun(run);
const watchdog = startWatchdog('coordinator.test', TOTAL_BUDGET_MS, cleanup);

/* ---- the server ---- */

const origin = () => `http://127.0.0.1:${run.port}`;

const mint = (role, user, name, session) => mintToken(run, { role, user, name, session });

/* A coordinator token that expired an hour ago, signed as the server
 * signs (docs/api.md "Tokens": HS256 with the join key, derived from the
 * secret in the data directory). `classrelay token` mints only live ones. */
function expiredCoordinatorToken() {
    const secret = readFileSync(path.join(run.dir, 'secret'), 'utf8').trim();
    const key = createHmac('sha256', secret).update('classrelay join token v1').digest();
    const b64 = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
        sub: 'old-coordinator', name: 'Old Coordinator', role: 'coordinator', iat: now - 7200, exp: now - 3600,
    })}`;
    return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

/* The HTTP API from here, with the coordinator's token. */
async function api(method, apiPath, { token = run.tokens.coordinator, body, headers = {} } = {}) {
    const init = { method, headers: { ...headers } };
    if (token) init.headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) {
        init.headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
    }
    const response = await fetch(`${origin()}${apiPath}`, init);
    const text = await response.text();
    let json = null;
    try {
        json = text ? JSON.parse(text) : null;
    } catch {
        /* not JSON */
    }
    return { status: response.status, json, text, headers: response.headers };
}

/* ---- pages ---- */

async function closePage(name) {
    const entry = run.pages[name];
    delete run.pages[name];
    if (entry) await entry.context.close().catch(() => {});
}

const shot = (name, file, options = {}) => screenshot(run, name, file, options);

function diagnose() {
    return Object.keys(run.pages).map((name) => pageLog(run, name)).join('') + serverLog(run);
}

let current = null;
const t0 = Date.now();
function note(text) {
    if (current) current.diagnostic(text);
    // Also now, with the time: a step that times out loses its diagnostics.
    if (process.env.CR_VERBOSE) process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${text}\n`);
}

/* Later steps need the earlier ones and are skipped after a failure,
 * except those that say what they need (@needs: true when it is there:
 * the server, the desk page), so that one fault does not hide others. */
function step(name, fn, timeout = 60_000, { needs = null } = {}) {
    test(name, { timeout }, async (t) => {
        if (run.failed && !(needs && needs())) {
            t.skip('an earlier step failed');
            return;
        }
        current = t;
        // A step that times out goes on running (node:test does not stop
        // it): count it as failed from then on. Failures are never cleared.
        let done = false;
        const timer = setTimeout(() => { if (!done) run.failed = true; }, timeout - 200);
        try {
            await fn(t);
            done = true;
        } catch (err) {
            done = true;
            run.failed = true;
            err.message += diagnose();
            for (const page of Object.keys(run.pages)) await shot(page, `coordinator-failed-${page}.png`);
            throw err;
        } finally {
            clearTimeout(timer);
            current = null;
        }
    });
}

/* ---- the tests ---- */

const serverUp = () => run.server !== null && run.server.exitCode === null;
const deskOpen = () => serverUp() && run.pages.desk !== undefined && run.session > 0 &&
    run.pages.desk.page.url().includes('/coordinator');

before(async () => {
    requireTools();
    await startServer(run, { prefix: 'cr-desk-', demo: true });
    assert.ok(run.links.instructor && run.links.trainee && run.links.coordinator, `no demo links in:\n${run.stdout}`);
    run.session = Number(/\/join\/(\d+)\?/.exec(run.links.trainee)[1]);
    run.tokens.coordinator = new URL(run.links.coordinator).searchParams.get('token');
    run.tokens.trainee = new URL(run.links.trainee).searchParams.get('token');
    run.tokens.trainee2 = mint('trainee', 't2', 'Trainee Two', run.session);
    run.tokens.trainee3 = mint('trainee', 't3', 'Trainee Three', run.session);
    run.browser = await launchBrowser();
}, { timeout: 30_000 });

after(async () => {
    if (run.failed) process.stderr.write(`${diagnose()}\n`);
    await cleanup();
    clearTimeout(watchdog);
}, { timeout: 20_000 });

step('an instructor publishes and two trainees receive the class', async () => {
    const inst = await newPage(run, 'instructor');
    await inst.goto(run.links.instructor, { waitUntil: 'load', timeout: 20_000 });
    await inst.getByRole('button', { name: 'Start camera and microphone' }).click({ timeout: 20_000 });
    await inst.waitForFunction(() => window.__classrelay?.publishState === 'on', null, { timeout: 15_000 });
    for (const [name, token] of [['trainee1', run.tokens.trainee], ['trainee2', run.tokens.trainee2]]) {
        const page = await newPage(run, name);
        await page.goto(`${origin()}/join/${run.session}?token=${token}`, { waitUntil: 'load', timeout: 20_000 });
    }
    for (const name of ['trainee1', 'trainee2']) {
        await run.pages[name].page.waitForFunction(() => {
            const v = document.querySelector('video[data-track="class-video"]');
            return v && v.videoWidth > 0 && v.currentTime > 0;
        }, null, { timeout: 20_000 });
    }
    run.joinedAt = Date.now();
});

step('the desk shows the running class live', async () => {
    const desk = await newPage(run, 'desk');
    await desk.goto(run.links.coordinator, { waitUntil: 'load', timeout: 20_000 });
    // The class running now is opened by itself.
    note('desk open');
    const card = desk.locator('#live-card');
    await card.getByRole('heading', { name: 'Live class' }).waitFor({ timeout: 20_000 });
    note('live card shown');
    const table = card.getByRole('table', { name: 'Who is connected' });
    await table.waitFor({ timeout: 20_000 });
    await desk.waitForFunction(() => document.querySelectorAll('#live-card tbody tr').length === 3, null, { timeout: 20_000 });
    for (const name of ['Demo Instructor', 'Demo Trainee', 'Trainee Two'])
        await table.getByRole('rowheader', { name: new RegExp(name) }).waitFor({ timeout: 15_000 });
    const present = await card.locator('.live-count').first().locator('dd').textContent();
    assert.equal(present.trim(), '3', 'three people connected');
    // Each trainee's page receives the class (the relay's counters).
    for (const name of ['Demo Trainee', 'Trainee Two']) {
        const row = table.getByRole('row').filter({ has: desk.getByRole('rowheader', { name }) });
        await row.locator('.live-peer[data-pc="subscribe"][data-flowing="true"]').waitFor({ timeout: 20_000 });
        note(`${name} live media: ${(await row.locator('.live-media').textContent()).trim()}`);
    }
    // A third trainee joins over a bare WebSocket (no media: a light page
    // on a loaded machine) and raises a hand; the desk shows the queue.
    const ws = await newPage(run, 'ws');
    await ws.goto(`${origin()}/healthz`, { waitUntil: 'load', timeout: 20_000 });
    note('WebSocket trainee: page open');
    const welcome = await ws.evaluate((url) => new Promise((resolve, reject) => {
        setTimeout(() => reject(new Error('no welcome in 15 s')), 15_000);
        const socket = new WebSocket(url);
        window.socket = socket;
        socket.onclose = (event) => reject(new Error(`WebSocket closed (${event.code} ${event.reason})`));
        socket.onmessage = (event) => {
            const msg = JSON.parse(event.data);
            if (msg.type === 'welcome') {
                socket.send(JSON.stringify({ type: 'raise_hand', ref: 'h1' }));
                // Heartbeats, so the server keeps the connection.
                setInterval(() => socket.send(JSON.stringify({ type: 'ping' })), 5000);
                resolve(msg.type);
            } else if (msg.type === 'error') {
                reject(new Error(msg.message));
            }
        };
        socket.onerror = () => reject(new Error('WebSocket error'));
    }), `ws://127.0.0.1:${run.port}/ws?token=${run.tokens.trainee3}`);
    assert.equal(welcome, 'welcome');
    note('WebSocket trainee: joined, hand raised');
    await card.locator('.live-queue li').filter({ hasText: 'Trainee Three' }).waitFor({ timeout: 20_000 });
    await table.getByRole('row').filter({ has: desk.getByRole('rowheader', { name: 'Trainee Three' }) })
        .getByText('Hand #1').waitFor({ timeout: 15_000 });
    await shot('desk', 'coordinator-live.png');
});

step('the class ends after the trainees attended for a while', async () => {
    const wait = CLASS_SECONDS * 1000 - (Date.now() - run.joinedAt);
    if (wait > 0) await sleep(wait);
    // Record the last seconds when the server has a recorder (unless
    // CR_TEST_RECORDING=gst asks for the catalog path, to tell a recorder
    // fault from a player fault).
    const start = process.env.CR_TEST_RECORDING === 'gst' ? { status: 404, text: 'skipped' }
        : await api('POST', `/api/sessions/${run.session}/recording/start`);
    note(`POST recording/start → ${start.status}`);
    if (start.status === 201) {
        await sleep(4000);
        const stop = await api('POST', `/api/sessions/${run.session}/recording/stop`);
        assert.equal(stop.status, 200, `recording/stop: ${stop.text}`);
        run.recording = stop.json;
    } else {
        assert.ok([404, 405].includes(start.status), `recording/start answered ${start.status}: ${start.text}`);
    }
    const end = await api('POST', `/api/sessions/${run.session}/end`);
    assert.equal(end.status, 200, `end: ${end.text}`);
    run.endedAt = Date.now();
    for (const name of ['instructor', 'trainee1', 'trainee2', 'ws']) await closePage(name);
});

/* Until the recorder makes one: a real VP8 WebM from gst-launch-1.0, put in
 * the catalog while the server is stopped (the schema's recordings table). */
step('a recording is in the catalog', async () => {
    if (run.recording) {
        const deadline = Date.now() + 20_000;
        while (!['complete', 'repaired'].includes(run.recording.state) && Date.now() < deadline) {
            await sleep(500);
            run.recording = (await api('GET', `/api/recordings/${run.recording.id}`)).json;
        }
        assert.ok(['complete', 'repaired'].includes(run.recording.state), `recording state ${run.recording.state}`);
        note(`recorder made recording ${run.recording.id}: ${run.recording.duration_seconds} s, ${run.recording.size_bytes} bytes`);
        return;
    }
    await closePage('desk');
    await stopServer(run);
    const dir = path.join(run.dir, 'recordings');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'test-session.webm');
    const gst = spawnSync('gst-launch-1.0', ['-q', 'videotestsrc', 'num-buffers=150', '!',
        'video/x-raw,width=320,height=240,framerate=30/1', '!', 'vp8enc', 'deadline=1', '!', 'webmmux', '!',
        'filesink', `location=${file}`], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(gst.status, 0, `gst-launch-1.0 failed: ${gst.stderr}`);
    const size = statSync(file).size;
    const now = Math.floor(Date.now() / 1000);
    const sql = 'INSERT INTO recordings (session_id, path, container, tracks, state, started_at, ended_at,' +
        ' duration_seconds, size_bytes, created_at) VALUES (' +
        `${run.session}, 'test-session.webm', 'webm',` +
        ` '[{"kind":"video","source":"classroom","codec":"VP8"}]', 'complete', ${now - 10}, ${now - 5}, 5.0, ${size}, ${now});`;
    const db = spawnSync('sqlite3', [path.join(run.dir, 'classrelay.db'), sql], { encoding: 'utf8', timeout: 20_000 });
    if (db.status !== 0 && /no such file|unable to open/i.test(db.stderr)) {
        throw new Error(`the database is not at ${run.dir}/classrelay.db: ${db.stderr}`);
    }
    assert.equal(db.status, 0, `sqlite3 failed: ${db.stderr}`);
    // The same data directory, on a new port; the demo links were printed once.
    await startServer(run, { demo: false });
    const list = await api('GET', `/api/sessions/${run.session}/recordings`);
    assert.equal(list.status, 200, `recordings list: ${list.text}`);
    assert.equal(list.json.recordings.length, 1);
    run.recording = list.json.recordings[0];
    note(`catalog row ${run.recording.id}: ${size} bytes from gst-launch-1.0`);
});

step('the desk lists the session with both trainees and plausible credited time', async () => {
    const desk = await newPage(run, 'desk');
    await desk.goto(`${origin()}/coordinator?token=${run.tokens.coordinator}`, { waitUntil: 'load', timeout: 20_000 });
    await desk.locator('#session-list button.pick').first().click({ timeout: 20_000 });
    const attendance = desk.getByRole('table', { name: 'Attendance' });
    await attendance.waitFor({ timeout: 20_000 });

    const report = (await api('GET', `/api/sessions/${run.session}/attendance`)).json;
    const attended = (run.endedAt - run.joinedAt) / 1000;
    for (const name of ['Demo Trainee', 'Trainee Two']) {
        const row = report.rows.find((r) => r.name === name);
        assert.ok(row, `${name} has a report row`);
        note(`${name}: credited ${row.credited_seconds} s, media ${row.media_seconds} s, modes ${row.modes}; ` +
            `in class ${attended.toFixed(1)} s after their video played`);
        // Joined a little before their video played; left when the class ended.
        assert.ok(row.credited_seconds >= attended - 3, `${name}: credited ${row.credited_seconds} s ≥ ${attended} s - 3`);
        assert.ok(row.credited_seconds <= attended + 20, `${name}: credited ${row.credited_seconds} s not more than the class`);
        assert.ok(row.media_seconds > 0, `${name}: media seconds`);
        assert.deepEqual(row.modes, ['remote']);
        // The table shows it: the name, the time in words with the exact seconds.
        const tr = attendance.getByRole('row').filter({ has: desk.getByRole('rowheader', { name }) });
        await tr.waitFor({ timeout: 15_000 });
        const cells = await tr.locator('td').allTextContents();
        note(`${name} row: ${cells.join(' | ')}`);
        const headers = await attendance.locator('thead th').allTextContents();
        const credited = tr.locator('th, td').nth(headers.indexOf('Credited time'));
        assert.equal(await credited.locator('span').getAttribute('title'), `${row.credited_seconds} seconds`,
            `${name}: the credited time cell says ${row.credited_seconds} seconds`);
        assert.ok(cells.includes('Remote'), `${name}: remote`);
    }
    assert.equal(await attendance.locator('tbody tr').count(), report.rows.length, 'one table row per person');
});

step('the CSV downloads with the same rows', async () => {
    const desk = run.pages.desk.page;
    const [download] = await Promise.all([
        desk.waitForEvent('download', { timeout: 20_000 }),
        desk.getByRole('button', { name: 'Download CSV' }).first().click(),
    ]);
    assert.equal(download.suggestedFilename(), `attendance-session-${run.session}.csv`);
    const text = readFileSync(await download.path(), 'utf8');
    assert.ok(text.startsWith('\ufeff'), 'UTF-8 byte-order mark for spreadsheets');
    const lines = text.slice(1).split('\r\n').filter(Boolean);
    const header = lines[0].split(',');
    assert.deepEqual(header.slice(0, 4), ['session_id', 'session_title', 'person', 'name']);
    const col = (n) => header.indexOf(n);
    const report = (await api('GET', `/api/sessions/${run.session}/attendance`)).json;
    assert.equal(lines.length - 1, report.rows.length, 'one CSV line per person');
    for (const row of report.rows) {
        const line = lines.find((l) => l.split(',')[col('person')] === row.person);
        assert.ok(line, `CSV has ${row.person}`);
        const fields = line.split(',');
        assert.equal(fields[col('name')], row.name);
        assert.equal(Number(fields[col('credited_seconds')]), row.credited_seconds, `${row.name}: credited_seconds`);
        assert.equal(Number(fields[col('media_seconds')]), row.media_seconds, `${row.name}: media_seconds`);
    }
    note(`CSV: ${lines.length - 1} rows; ${lines[0]}`);
});

step('the timeline has one row per person', async () => {
    const desk = run.pages.desk.page;
    const card = desk.locator('#timeline-card');
    const chart = card.getByRole('img', { name: /Presence timeline of 4 people/ });
    await chart.waitFor({ timeout: 15_000 });
    const report = (await api('GET', `/api/sessions/${run.session}/attendance`)).json;
    const people = await card.locator('svg g.tl-person').evaluateAll((gs) => gs.map((g) => ({
        name: g.querySelector('.tl-name').textContent,
        bars: g.querySelectorAll('.tl-bar').length,
        width: Math.max(...[...g.querySelectorAll('.tl-bar')].map((b) => b.getBBox().width)),
    })));
    note(`timeline rows: ${JSON.stringify(people)}`);
    assert.deepEqual(people.map((p) => p.name).sort(), report.rows.map((r) => r.name).sort());
    for (const p of people) {
        const row = report.rows.find((r) => r.name === p.name);
        assert.equal(p.bars, row.intervals.length, `${p.name}: a bar per interval`);
        assert.ok(p.width >= 2, `${p.name}: bar drawn`);
    }
    assert.equal(await card.locator('svg .tl-start').count(), 1, 'scheduled start marked');
    // Zoomed to when people were there, the few seconds fill the chart.
    await card.getByRole('radio', { name: 'When people were present' }).check();
    const zoomed = await card.locator('svg .tl-bar').evaluateAll((bars) => bars.map((b) => b.getBBox().width));
    note(`zoomed bar widths: ${zoomed.map((w) => w.toFixed(0)).join(', ')}`);
    // (The bare-WebSocket trainee came last: hers is the shortest.)
    assert.ok(Math.max(...zoomed) > 300 && Math.min(...zoomed) > 20, 'zoomed bars are wide');
    // The text alternative.
    await card.getByText('Show the timeline as a table').click();
    const table = card.getByRole('table', { name: 'Timeline as a table' });
    await table.waitFor({ timeout: 15_000 });
    for (const row of report.rows) await table.getByRole('rowheader', { name: row.name }).waitFor({ timeout: 20_000 });
});

step('a recording plays in the page and time advances after a seek', async () => {
    const desk = run.pages.desk.page;
    const card = desk.locator('#recordings-card');
    const row = card.locator(`tr[data-recording="${run.recording.id}"]`);
    await row.waitFor({ timeout: 20_000 });
    const rowText = await row.textContent();
    assert.match(rowText, /Complete|Repaired/);
    assert.match(rowText, /VP8/);
    // Range requests answered with 206 (what makes seeking work).
    const media = await api('GET', `/api/recordings/${run.recording.id}/media?token=${run.tokens.coordinator}`,
        { token: null, headers: { Range: 'bytes=100-199' } });
    assert.equal(media.status, 206, 'media answers a Range request with 206');
    assert.match(media.headers.get('content-range') ?? '', /^bytes 100-199\//);

    await row.getByRole('button', { name: /^Play the recording/ }).click();
    const video = card.locator('video.rec-video');
    await video.waitFor({ timeout: 15_000 });
    await desk.waitForFunction(() => {
        const v = document.querySelector('video.rec-video');
        return v && v.readyState >= 1 && Number.isFinite(v.duration) && v.duration > 1;
    }, null, { timeout: 20_000 });
    const info = await video.evaluate(async (v) => {
        v.muted = true;
        await v.play().catch(() => {});
        const target = v.duration / 2;
        await new Promise((resolve) => {
            v.addEventListener('seeked', resolve, { once: true });
            v.currentTime = target;
        });
        const seekedTo = v.currentTime;
        await v.play().catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 1500));
        return {
            duration: v.duration, target, seekedTo, after: v.currentTime, paused: v.paused,
            width: v.videoWidth, seekable: v.seekable.length ? v.seekable.end(0) : 0, error: v.error?.code ?? null,
        };
    });
    note(`video: ${JSON.stringify(info)}`);
    assert.equal(info.error, null, 'no media error');
    assert.ok(info.width > 0, 'video has pixels');
    assert.ok(info.seekable > 1, 'seekable range');
    // A seek that lands at the end instead is what a player does with cue
    // points on delta frames (nothing to decode from there).
    assert.ok(Math.abs(info.seekedTo - info.target) < 0.5,
        `the seek landed: asked ${info.target.toFixed(2)} s, at ${info.seekedTo.toFixed(2)} s of ${info.duration.toFixed(2)} s`);
    assert.ok(info.after > info.seekedTo + 0.3 || (info.after >= info.duration - 0.1 && info.after > info.seekedTo),
        `time advances after the seek (${info.seekedTo} → ${info.after})`);
    await video.evaluate((v) => v.pause());
    await shot('desk', 'coordinator-desk.png', { fullPage: true });
});

step('the desk reads in Traditional Chinese and fits a phone', async () => {
    const desk = run.pages.desk.page;
    await desk.getByRole('button', { name: /^中文/ }).click();
    await desk.getByRole('heading', { name: /^出席紀錄/ }).waitFor({ timeout: 15_000 });
    await desk.locator('#timeline-card').getByRole('img', { name: /4 人的出席時間軸/ }).waitFor({ timeout: 15_000 });
    await shot('desk', 'coordinator-desk-zh.png', { fullPage: true });
    await desk.getByRole('button', { name: /^English/ }).click();

    const phone = await newPage(run, 'phone', { width: 390, height: 844 });
    await phone.goto(`${origin()}/coordinator?token=${run.tokens.coordinator}`, { waitUntil: 'load', timeout: 20_000 });
    await phone.locator('#session-list button.pick').first().click({ timeout: 20_000 });
    await phone.locator('#timeline-card svg').waitFor({ timeout: 20_000 });
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling on a phone (${overflow} px too wide)`);
    await shot('phone', 'coordinator-phone.png', { fullPage: true });
    await closePage('phone');
}, 60_000, { needs: deskOpen });

step('a recording is deleted after a confirmation', async () => {
    const desk = run.pages.desk.page;
    const card = desk.locator('#recordings-card');
    const del = card.getByRole('button', { name: /^Delete the recording/ });
    await del.click();
    const dialog = desk.getByRole('dialog', { name: 'Delete this recording?' });
    await dialog.waitFor({ timeout: 15_000 });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 15_000 });
    assert.equal((await api('GET', `/api/recordings/${run.recording.id}`)).status, 200, 'cancel keeps it');
    await del.click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await card.getByText('This session has no recordings.').waitFor({ timeout: 20_000 });
    assert.equal((await api('GET', `/api/recordings/${run.recording.id}`)).status, 404, 'deleted');
}, 60_000, { needs: () => deskOpen() && run.recording !== null });

step('courses and sessions are created, with the API\'s errors shown', async () => {
    const desk = run.pages.desk.page;
    // A duplicate code: the server's 409, in words, next to the form. A bad
    // number: the server's 400 with its reason.
    await desk.getByText('New course', { exact: true }).click();
    await desk.getByLabel('Code').fill('DEMO-101');
    await desk.getByLabel('Title', { exact: true }).first().fill('Duplicate');
    await desk.getByRole('button', { name: 'Create course' }).click();
    const courseMessage = desk.locator('#course-message');
    await courseMessage.filter({ hasText: 'A course with the code DEMO-101 already exists.' }).waitFor({ timeout: 15_000 });
    assert.equal(await desk.getByLabel('Code').getAttribute('aria-invalid'), 'true');
    note(`duplicate course: ${await courseMessage.textContent()}`);
    await desk.getByLabel('Code').fill('HR-201');
    await desk.getByLabel('Credit hours').fill('5000');
    await desk.getByRole('button', { name: 'Create course' }).click();
    await courseMessage.filter({ hasText: 'The request was not accepted. (field "credit_hours" must be a number from 0 to 1000)' })
        .waitFor({ timeout: 15_000 });
    assert.equal(await desk.getByLabel('Credit hours').getAttribute('aria-invalid'), 'true', 'the refused field is marked');
    note(`out-of-range hours: ${await courseMessage.textContent()}`);
    await desk.getByLabel('Code').fill('HR-201');
    await desk.getByLabel('Title', { exact: true }).first().fill('Public procurement law');
    await desk.getByLabel('Credit hours').fill('3');
    await desk.getByRole('button', { name: 'Create course' }).click();
    await desk.locator('#course-list').getByText('Public procurement law').waitFor({ timeout: 15_000 });

    // A session ending before it starts is stopped in the page.
    await desk.getByText('New session', { exact: true }).click();
    const form = desk.locator('#session-form');
    assert.match(await form.getByLabel('Course').locator('option:checked').textContent(), /HR-201/);
    await form.getByLabel('Title').fill('Week 1');
    await form.getByLabel('Start').fill('2026-12-01T09:00');
    await form.getByLabel('End').fill('2026-12-01T08:00');
    await form.getByRole('button', { name: 'Create session' }).click();
    await form.getByText('The end must be after the start.').waitFor({ timeout: 15_000 });
    assert.equal(await form.getByLabel('End').getAttribute('aria-invalid'), 'true');
    await form.getByLabel('End').fill('2026-12-01T12:00');
    await form.getByLabel('Record this session').check();
    await form.getByRole('button', { name: 'Create session' }).click();
    await desk.getByRole('heading', { name: 'Attendance — Week 1' }).waitFor({ timeout: 15_000 });
    const sessions = (await api('GET', '/api/sessions')).json.sessions;
    const week1 = sessions.find((x) => x.title === 'Week 1');
    assert.ok(week1, 'the session was created');
    assert.equal(week1.course_code, 'HR-201');
    assert.equal(week1.record, true, 'record as ticked');
    assert.equal(Date.parse(week1.scheduled_end) - Date.parse(week1.scheduled_start), 3 * 3600 * 1000, 'three hours');
    await desk.locator('#session-list').getByText('Week 1').waitFor({ timeout: 15_000 });
}, 60_000, { needs: deskOpen });

step('a trainee token is refused and an invalid token explained', async () => {
    const page = await newPage(run, 'refused');
    await page.goto(`${origin()}/coordinator?token=${run.tokens.trainee2}`, { waitUntil: 'load', timeout: 20_000 });
    await page.getByRole('heading', { name: 'This is not a coordinator link' }).waitFor({ timeout: 20_000 });
    await page.getByText('This is a trainee link').waitFor({ timeout: 20_000 });
    const own = page.getByRole('link', { name: 'Go to my class' });
    assert.equal(await own.getAttribute('href'), `/join/${run.session}?token=${encodeURIComponent(run.tokens.trainee2)}`);
    assert.equal(await page.locator('#coord').isVisible(), false, 'no desk for a trainee');
    assert.equal(new URL(page.url()).pathname, '/coordinator', 'not sent elsewhere');
    await shot('refused', 'coordinator-trainee-refused.png');

    await page.goto(`${origin()}/coordinator?token=not-a-token`, { waitUntil: 'load', timeout: 20_000 });
    await page.getByRole('heading', { name: 'This link is invalid or has expired' }).waitFor({ timeout: 20_000 });
    await page.getByText('needs a valid coordinator link').waitFor({ timeout: 20_000 });
    await shot('refused', 'coordinator-invalid-token.png');

    const expired = expiredCoordinatorToken();
    assert.equal((await api('GET', '/api/me', { token: expired })).status, 401, 'the server refuses the expired token');
    await page.goto(`${origin()}/coordinator?token=${expired}`, { waitUntil: 'load', timeout: 20_000 });
    await page.getByRole('heading', { name: 'This link is invalid or has expired' }).waitFor({ timeout: 20_000 });
    const detail = await page.locator('#end-panel .end-extra').textContent();
    note(`expired token: ${detail}`);
    assert.match(detail, /expired/i, 'the reason says the link expired');
    await closePage('refused');
}, 60_000, { needs: serverUp });

step('the home page routes a pasted token to the right page', async () => {
    const page = await newPage(run, 'home');
    // Stand-ins for the destinations: this checks where the home page goes,
    // without opening a class.
    await page.route(/\/(join|class)\/\d+/, (route) => route.fulfill({ contentType: 'text/html', body: '<title>stub</title>' }));
    const cases = [
        [run.tokens.trainee2, new RegExp(`/join/${run.session}\\?token=`)],
        [mint('instructor', 'i2', 'Second Instructor', run.session), new RegExp(`/class/${run.session}\\?token=`)],
        [`  ${origin()}/coordinator?token=${run.tokens.coordinator}  `, /\/coordinator\?token=/],
        [run.tokens.coordinator, /\/coordinator\?token=/],
    ];
    for (const [input, where] of cases) {
        const started = Date.now();
        await page.goto(`${origin()}/`, { waitUntil: 'load', timeout: 20_000 });
        await page.getByLabel('Your link or token').fill(input);
        await page.getByRole('button', { name: 'Open', exact: true }).click();
        await page.waitForURL(where, { timeout: 15_000 });
        note(`${input.trim().slice(0, 24)}… → ${new URL(page.url()).pathname} in ${Date.now() - started} ms`);
    }
    // An invalid token stays on the page with the reason.
    await page.goto(`${origin()}/`, { waitUntil: 'load', timeout: 20_000 });
    await page.getByLabel('Your link or token').fill('not-a-token');
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByText('Your link is invalid or has expired.').waitFor({ timeout: 20_000 });
    assert.equal(new URL(page.url()).pathname, '/');
    await shot('home', 'home.png', { fullPage: true });
    const phone = await newPage(run, 'home-phone', { width: 390, height: 844, locale: 'zh-TW' });
    await phone.goto(`${origin()}/`, { waitUntil: 'load', timeout: 20_000 });
    await phone.getByRole('heading', { name: '進入你的課程' }).waitFor({ timeout: 15_000 });
    await phone.getByText('學員連結會開啟你的課程頁面。').waitFor({ timeout: 15_000 });
    await shot('home-phone', 'home-phone-zh.png', { fullPage: true });
}, 90_000, { needs: serverUp });
