// harness.mjs — what the browser tests share: the real server in a
// temporary data directory, tokens from its CLI, Debian's headless Chromium
// (playwright-core) with fake camera and microphone, pages that keep their
// console, screenshots to $ARTIFACTS, bounded waits, and a cleanup that
// stops everything whatever happened.
//
// A plain module, not a test file (run.sh runs *.test.mjs only). Each test
// file keeps its state in one object made by newRun() and passes it in;
// node --test runs every file in its own process, so nothing here is
// shared between files.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const BIN = path.resolve(process.env.CLASSRELAY || path.join(ROOT, 'build', 'app', 'classrelay'));
export const ARTIFACTS = path.resolve(process.env.ARTIFACTS || path.join(ROOT, 'build', 'artifacts'));
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const BASE_FLAGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection',
];
// Grants every camera and microphone request without asking.
export const FAKE_UI = '--use-fake-ui-for-media-stream';
export const CHROMIUM_FLAGS = [...BASE_FLAGS, FAKE_UI];

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/* A test file's state: the server, its output and links, the browser, and
 * the pages by name ({context, page, console: []}); @fields adds the
 * file's own. */
export function newRun(fields = {}) {
    return {
        dir: null,
        server: null,
        stdout: '',
        stderr: '',
        port: 0,
        links: {},
        browser: null,
        pages: {},
        ...fields,
    };
}

/* Whatever happens, nothing outlives the budget: after @budgetMs,
 * @cleanup() and exit 1. Clear the returned timer at the end. */
export function startWatchdog(label, budgetMs, cleanup) {
    const watchdog = setTimeout(() => {
        process.stderr.write(`${label}: over the ${budgetMs / 1000} s budget; stopping\n`);
        cleanup().finally(() => process.exit(1));
    }, budgetMs);
    watchdog.unref();
    return watchdog;
}

/* The server binary and the browser are there (a clear message if not). */
export function requireTools() {
    assert.ok(existsSync(BIN), `classrelay binary not found: ${BIN} (set CLASSRELAY)`);
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: install Debian's chromium package`);
}

/* ---- the server ---- */

/* Starts classrelay on a fresh port, in a new temporary data directory
 * (named @prefix…) or, on a restart, the same one. @settings: more
 * "--set key=value" items. With @demo (the first start in a fresh
 * directory) the demo course, session and links are printed: waits for
 * them and fills run.links. */
export function startServer(run, { prefix = 'cr-browser-', settings = [], demo = true } = {}) {
    if (!run.dir) run.dir = mkdtempSync(path.join(tmpdir(), prefix));
    const args = ['serve', '--listen', '127.0.0.1:0', '--data-dir', run.dir,
        '--set', 'media.addresses=127.0.0.1'];
    for (const setting of settings) args.push('--set', setting);
    const child = spawn(BIN, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' },
    });
    run.server = child;
    run.stdout = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => { run.stderr += text; });
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start in 10 s:\n${run.stderr}`)), 10_000);
        child.on('exit', (code, signal) => {
            clearTimeout(timer);
            reject(new Error(`server exited (${code ?? signal}) before listening:\n${run.stderr}`));
        });
        child.stdout.on('data', (text) => {
            run.stdout += text;
            const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(run.stdout);
            // The demo links follow the "listening" line; wait for the last one.
            if (!port || (demo && !/^\s+coordinator:\s+\S+/m.test(run.stdout))) return;
            run.port = Number(port[1]);
            if (demo) {
                for (const role of ['instructor', 'trainee', 'coordinator']) {
                    const m = new RegExp(`^\\s+${role}:\\s+(\\S+)`, 'm').exec(run.stdout);
                    if (m) run.links[role] = m[1];
                }
            }
            clearTimeout(timer);
            resolve();
        });
    });
}

/* SIGTERM, and SIGKILL if it is still there 5 s later. */
export async function stopServer(run) {
    const server = run.server;
    run.server = null;
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    server.removeAllListeners('exit');
    server.kill('SIGTERM');
    const gone = await Promise.race([
        new Promise((resolve) => server.once('exit', () => resolve(true))), sleep(5000).then(() => false),
    ]);
    if (!gone) server.kill('SIGKILL');
}

/* A join token from `classrelay token` on the run's data directory.
 * @session and @ttl are left out when not given; @settings: "--set" items. */
export function mintToken(run, { role = 'trainee', user, name, session, ttl, settings = [] }) {
    const args = ['token', '--data-dir', run.dir];
    for (const setting of settings) args.push('--set', setting);
    args.push('--role', role, '--user', user, '--name', name);
    if (session) args.push('--session', String(session));
    if (ttl) args.push('--ttl', ttl);
    const r = spawnSync(BIN, args, { encoding: 'utf8', timeout: 20_000 });
    if (r.status !== 0) throw new Error(`classrelay token failed (${r.status}): ${r.stderr}`);
    return r.stdout.trim();
}

/* ---- the browser and its pages ---- */

export function launchBrowser(args = CHROMIUM_FLAGS) {
    return chromium.launch({ executablePath: CHROMIUM, headless: true, args, timeout: 15_000 });
}

/* A page in a context of its own, as run.pages[@name] (replacing, and
 * closing, one of that name), keeping its console for the diagnostics.
 * @grant: camera and microphone for @origin (the server's by default). */
export async function newPage(run, name, {
    browser = run.browser, origin = `http://127.0.0.1:${run.port}`, grant = true,
    width = 1280, height = 720, locale = 'en-US',
} = {}) {
    const old = run.pages[name];
    if (old) await old.context.close().catch(() => {});
    const context = await browser.newContext({ viewport: { width, height }, locale, acceptDownloads: true });
    if (grant) await context.grantPermissions(['camera', 'microphone'], { origin });
    const page = await context.newPage();
    const entry = { context, page, console: [] };
    page.on('console', (msg) => entry.console.push(`[${msg.type()}] ${msg.text()}`));
    page.on('pageerror', (err) => entry.console.push(`[pageerror] ${err.message}`));
    run.pages[name] = entry;
    return page;
}

/* Joined, and the server's subscribe offer answered. */
export async function joined(page, timeout = 30_000) {
    await page.waitForFunction(() => window.__classrelay && window.__classrelay.subscribePc !== null &&
        window.__classrelay.subscribePc.signalingState === 'stable', null, { timeout });
}

/* A screenshot of page @name to $ARTIFACTS/@file; a failure is only
 * reported (a picture is never what a test checks). @options go to
 * Playwright (fullPage, timeout). */
export async function screenshot(run, name, file, options = {}) {
    const entry = run.pages[name];
    if (!entry) return;
    mkdirSync(ARTIFACTS, { recursive: true });
    await entry.page.screenshot({ path: path.join(ARTIFACTS, file), timeout: 15_000, ...options }).catch((err) => {
        process.stderr.write(`screenshot ${file} failed: ${err.message}\n`);
    });
}

/* ---- diagnostics ---- */

export function pageLog(run, name, lines = 25) {
    const entry = run.pages[name];
    return entry ? `\n--- ${name}: console ---\n${entry.console.slice(-lines).join('\n')}` : '';
}

export function serverLog(run, lines = 40) {
    return `\n--- server stderr (last ${lines} lines) ---\n${run.stderr.split('\n').slice(-lines).join('\n')}`;
}

/* Polls @fn until it returns something truthy; fails with @what. */
export async function waitFor(what, fn, timeout = 30_000, every = 250) {
    const deadline = Date.now() + timeout;
    let last;
    while (Date.now() < deadline) {
        try {
            last = await fn();
            if (last) return last;
        } catch (err) {
            last = err;
        }
        await sleep(every);
    }
    throw new Error(`${what} within ${timeout / 1000} s (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

/* ---- the end ---- */

/* Closes the browsers in run[@browsers] (5 s at most each), then
 * @beforeServer() (what the file adds, e.g. a relay), stops the server and
 * removes the data directory (kept with CR_KEEP_TMP=1). */
export async function cleanup(run, { browsers = ['browser'], beforeServer = null } = {}) {
    for (const key of browsers) {
        const browser = run[key];
        run[key] = null;
        if (browser) await Promise.race([browser.close().catch(() => {}), sleep(5000)]);
    }
    if (beforeServer) beforeServer();
    await stopServer(run);
    if (run.dir && !process.env.CR_KEEP_TMP) rmSync(run.dir, { recursive: true, force: true });
    run.dir = null;
}
