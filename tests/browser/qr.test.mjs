// qr.test.mjs — the check-in QR code encoder (web/js/qr.mjs) against a
// real decoder.
//
// Encodes texts that need versions 1 to 20 (and every one of the eight
// masks), draws each symbol into a PNG here (a small writer with node's
// zlib), and has zbarimg (Debian's zbar-tools) read it back: the decoded
// text must be the input, byte for byte. Also checks the encoder's tables
// against the standard's own sums and a few published format and version
// information words, so that a wrong table fails here by name rather than
// as an unreadable symbol.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

import {
    MAX_VERSION, blockLayout, byteCapacity, dataCodewords, encodeQr, formatBits, penalty, reedSolomon,
    totalCodewords, versionBits,
} from '../../web/js/qr.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const ARTIFACTS = path.resolve(process.env.ARTIFACTS || path.join(ROOT, 'build', 'artifacts'));
const ZBARIMG = process.env.ZBARIMG || '/usr/bin/zbarimg';
const dir = mkdtempSync(path.join(tmpdir(), 'cr-qr-'));

after(() => rmSync(dir, { recursive: true, force: true }));

/* ---- a PNG writer: 8-bit greyscale, one filter byte per row ---- */

const CRC_TABLE = new Int32Array(256).map((_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c;
});

function crc32(bytes) {
    let c = -1;
    for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ -1) >>> 0;
}

function chunk(type, data) {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
}

/* The symbol @scale pixels per module with a 4-module quiet zone. */
function png(qr, scale = 4, margin = 4) {
    const side = (qr.size + 2 * margin) * scale;
    const raw = Buffer.alloc(side * (side + 1), 0xff);
    for (let y = 0; y < side; y++) {
        raw[y * (side + 1)] = 0; // filter: none
        const row = Math.floor(y / scale) - margin;
        for (let x = 0; x < side; x++) {
            const col = Math.floor(x / scale) - margin;
            if (qr.isDark(row, col)) raw[y * (side + 1) + 1 + x] = 0;
        }
    }
    const header = Buffer.alloc(13);
    header.writeUInt32BE(side, 0);
    header.writeUInt32BE(side, 4);
    header[8] = 8; // bit depth
    header[9] = 0; // greyscale
    return Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        chunk('IHDR', header),
        chunk('IDAT', deflateSync(raw)),
        chunk('IEND', Buffer.alloc(0)),
    ]);
}

/* What zbarimg reads in @file, as bytes (it prints the raw payload). */
function zbar(file) {
    const r = spawnSync(ZBARIMG, ['--raw', '-q', '-Sdisable', '-Sqrcode.enable', '-Sbinary', file],
        { timeout: 20_000 });
    return { status: r.status, out: r.stdout ?? Buffer.alloc(0), err: String(r.stderr ?? '') };
}

let fileSeq = 0;
function decode(qr, name = null) {
    fileSeq += 1;
    const file = path.join(dir, name ?? `qr-${fileSeq}.png`);
    writeFileSync(file, png(qr));
    return zbar(file);
}

/* ---- tables and building blocks ---- */

test('block table adds up to each version\'s codewords', () => {
    for (let v = 1; v <= MAX_VERSION; v++) {
        const { ec, groups } = blockLayout(v);
        const sum = groups.reduce((s, [blocks, data]) => s + blocks * (data + ec), 0);
        assert.equal(sum, totalCodewords(v), `version ${v}: blocks hold every codeword`);
        assert.equal(dataCodewords(v), groups.reduce((s, [blocks, data]) => s + blocks * data, 0));
        // Groups differ by one data codeword at most (§7.5.1).
        if (groups.length === 2) assert.equal(groups[1][1], groups[0][1] + 1, `version ${v}`);
    }
    // Published totals (ISO 18004 Table 1) and level-M byte capacities (Table 7).
    assert.deepEqual([1, 2, 7, 10, 14, 20].map(totalCodewords), [26, 44, 196, 346, 581, 1085]);
    assert.deepEqual([1, 2, 5, 9, 10, 15, 20].map(byteCapacity), [14, 26, 84, 180, 213, 412, 666]);
});

test('format and version information match the standard\'s tables', () => {
    // Annex C, Table C.1, level M: masks 0, 1, 7.
    assert.equal(formatBits(0).toString(2).padStart(15, '0'), '101010000010010');
    assert.equal(formatBits(1).toString(2).padStart(15, '0'), '101000100100101');
    assert.equal(formatBits(7).toString(2).padStart(15, '0'), '100101010100000');
    // Annex D, Table D.1.
    assert.equal(versionBits(7).toString(2).padStart(18, '0'), '000111110010010100');
    assert.equal(versionBits(20).toString(2).padStart(18, '0'), '010100100110100110');
});

test('Reed–Solomon codewords of the standard\'s example (Annex I, 1-M "01234567")', () => {
    const data = [0x10, 0x20, 0x0c, 0x56, 0x61, 0x80, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11];
    assert.deepEqual([...reedSolomon(data, 10)],
        [0xa5, 0x24, 0xd4, 0xc1, 0xed, 0x36, 0xc7, 0x87, 0x2c, 0x55]);
});

test('too long a text is refused with a clear error', () => {
    assert.throws(() => encodeQr('x'.repeat(byteCapacity(MAX_VERSION) + 1)), /do not fit/);
});

/* ---- decoding with zbarimg ---- */

test('zbarimg is installed (Debian package zbar-tools)', () => {
    assert.ok(existsSync(ZBARIMG), `${ZBARIMG} not found: apt-get install zbar-tools`);
});

const link = 'http://127.0.0.1:8080/checkin/12?code=';

test('every version from 1 to 20 decodes to its input', () => {
    const seen = new Set();
    for (let v = 1; v <= MAX_VERSION; v++) {
        // The longest text for the version, so that a wrong capacity or
        // block table shows, cut from a check-in-like link.
        const n = byteCapacity(v);
        let text = link + 'aZ09-_'.repeat(200);
        text = text.slice(0, n);
        const qr = encodeQr(text);
        assert.equal(qr.version, v, `${n} bytes take version ${v}`);
        assert.equal(qr.size, 17 + 4 * v);
        seen.add(qr.mask);
        const r = decode(qr, `version-${v}.png`);
        assert.equal(r.status, 0, `version ${v}: zbarimg found no code (${r.err.trim()})`);
        assert.equal(r.out.toString('utf8').replace(/\n$/, ''), text, `version ${v} decodes`);
    }
});

test('every mask decodes (forced), and the chosen mask has the lowest penalty', () => {
    const text = `${link}Vx3kQ9bT7mN2pL5wR8yZ`;
    let best = Infinity;
    for (let mask = 0; mask < 8; mask++) {
        const qr = encodeQr(text, { mask });
        assert.equal(qr.mask, mask);
        best = Math.min(best, qr.penalty);
        const r = decode(qr);
        assert.equal(r.status, 0, `mask ${mask}: zbarimg found no code (${r.err.trim()})`);
        assert.equal(r.out.toString('utf8').replace(/\n$/, ''), text, `mask ${mask} decodes`);
    }
    const auto = encodeQr(text);
    assert.equal(auto.penalty, best, 'the automatic choice is the lowest penalty');
});

test('UTF-8 text (Chinese) and bytes of every value survive', () => {
    const chinese = '簽到：林美 https://training.example.gov.tw/checkin/3?code=測試';
    const r = decode(encodeQr(chinese));
    assert.equal(r.status, 0, r.err);
    assert.equal(r.out.toString('utf8').replace(/\n$/, ''), chinese);

    // Short inputs, small versions: 1 byte, and a link with a real-looking code.
    for (const text of ['A', 'http://10.0.0.1/checkin/1?code=abc', `${link}${'k'.repeat(120)}`]) {
        const qr = encodeQr(text);
        const out = decode(qr);
        assert.equal(out.status, 0, `"${text}" (version ${qr.version}): ${out.err}`);
        assert.equal(out.out.toString('utf8').replace(/\n$/, ''), text);
    }
});

test('a version floor gives a bigger symbol that still decodes', () => {
    const qr = encodeQr('classrelay', { minVersion: 6 });
    assert.equal(qr.version, 6);
    const r = decode(qr);
    assert.equal(r.status, 0, r.err);
    assert.equal(r.out.toString('utf8').replace(/\n$/, ''), 'classrelay');
    // Keep one for people to look at.
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(path.join(ARTIFACTS, 'qr-version-6.png'), png(qr, 6));
});

test('penalty counts a uniform symbol heavily', () => {
    // An all-light 21×21 "symbol": long runs, 2×2 blocks, 0 % dark.
    const size = 21;
    const m = { size, get: () => 0, dark: new Uint8Array(size * size) };
    const runs = 2 * size * (3 + size - 5);
    const blocks = (size - 1) * (size - 1) * 3;
    const balance = 10 * 10;
    // No rule 3: an all-light line has no 1:1:3:1:1 pattern.
    assert.equal(penalty(m), runs + blocks + balance);
});
