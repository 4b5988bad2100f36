// qr.mjs — a QR Code encoder (ISO/IEC 18004:2015), for the check-in link
// the instructor shows in the room.
//
// Byte mode only (a URL is bytes), error correction level M (15 % of the
// symbol can be damaged or covered and it still reads: a projector's glare,
// a finger), versions 1–20 (up to 666 bytes; a check-in link is ~150).
// Pure functions of their input, no DOM: the browser page draws the matrix
// as SVG, and tests/browser/qr.test.mjs renders it to an image in node and
// decodes it with zbarimg.
//
//   import { encodeQr, qrSvg } from './qr.mjs';
//   const qr = encodeQr('https://host/checkin/3?code=…');
//   qr.size, qr.version, qr.mask, qr.isDark(row, col)
//   element.replaceChildren(qrSvg(qr, {title: 'Check-in QR code'}));
//
// Section numbers below are ISO/IEC 18004:2015's.

/* ---- capacity (Table 9, level M) ---- */

// Per version: [EC codewords per block, [blocks, data codewords per block]...]
const BLOCKS_M = [
    null,
    [10, [1, 16]],
    [16, [1, 28]],
    [26, [1, 44]],
    [18, [2, 32]],
    [24, [2, 43]],
    [16, [4, 27]],
    [18, [4, 31]],
    [22, [2, 38], [2, 39]],
    [22, [3, 36], [2, 37]],
    [26, [4, 43], [1, 44]],
    [30, [1, 50], [4, 51]],
    [22, [6, 36], [2, 37]],
    [22, [8, 37], [1, 38]],
    [24, [4, 40], [5, 41]],
    [24, [5, 41], [5, 42]],
    [28, [7, 45], [3, 46]],
    [28, [10, 46], [1, 47]],
    [26, [9, 43], [4, 44]],
    [26, [3, 44], [11, 45]],
    [26, [3, 41], [13, 42]],
];

export const MAX_VERSION = BLOCKS_M.length - 1;

// Row/column centres of the alignment patterns (Annex E, Table E.1).
const ALIGNMENT = [
    null, [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34],
    [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50], [6, 30, 54], [6, 32, 58], [6, 34, 62],
    [6, 26, 46, 66], [6, 26, 48, 70], [6, 26, 50, 74], [6, 30, 54, 78], [6, 30, 56, 82],
    [6, 30, 58, 86], [6, 34, 62, 90],
];

/* The block structure of @version at level M: EC codewords per block and
 * [blocks, data codewords per block] groups. */
export function blockLayout(version) {
    const [ec, ...groups] = BLOCKS_M[version];
    return { ec, groups: groups.map((g) => [...g]) };
}

/* Data codewords a version holds at level M. */
export function dataCodewords(version) {
    const [, ...groups] = BLOCKS_M[version];
    return groups.reduce((sum, [blocks, data]) => sum + blocks * data, 0);
}

/* All codewords (data + EC) a version holds: the modules left after the
 * function patterns, divided by 8 (§7.1, Table 1). The block table must
 * add up to this; the unit test checks it. */
export function totalCodewords(version) {
    let modules = (16 * version + 128) * version + 64;
    if (version >= 2) {
        const n = Math.floor(version / 7) + 2;
        modules -= (25 * n - 10) * n - 55;
        if (version >= 7) modules -= 36;
    }
    return Math.floor(modules / 8);
}

/* The byte-mode character count field is 8 bits up to version 9, then 16
 * (§7.4.1, Table 3). */
function countBits(version) {
    return version <= 9 ? 8 : 16;
}

/* How many bytes fit in @version at level M. */
export function byteCapacity(version) {
    return Math.floor((dataCodewords(version) * 8 - 4 - countBits(version)) / 8);
}

/* ---- Reed–Solomon over GF(2^8), polynomial x^8+x^4+x^3+x^2+1 (§7.5.2) ---- */

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
    let x = 1;
    for (let i = 0; i < 255; i++) {
        EXP[i] = x;
        LOG[x] = i;
        x <<= 1;
        if (x & 0x100) x ^= 0x11d;
    }
    for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
}

function gfMul(a, b) {
    return a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]];
}

/* The generator polynomial (x - α^0)(x - α^1)…(x - α^(n-1)), highest
 * degree first, leading 1 left out. */
const generators = new Map();
function generator(degree) {
    let poly = generators.get(degree);
    if (poly) return poly;
    poly = new Uint8Array(degree);
    poly[degree - 1] = 1;
    let root = 1;
    for (let i = 0; i < degree; i++) {
        // Multiply by (x - root): shift and add root × poly.
        for (let j = 0; j < degree; j++) {
            poly[j] = gfMul(poly[j], root);
            if (j + 1 < degree) poly[j] ^= poly[j + 1];
        }
        root = gfMul(root, 2);
    }
    generators.set(degree, poly);
    return poly;
}

/* The @degree error correction codewords of @data: the remainder of
 * data(x)·x^degree divided by the generator. */
export function reedSolomon(data, degree) {
    const gen = generator(degree);
    const rem = new Uint8Array(degree);
    for (const byte of data) {
        const factor = byte ^ rem[0];
        rem.copyWithin(0, 1);
        rem[degree - 1] = 0;
        for (let i = 0; i < degree; i++) rem[i] ^= gfMul(gen[i], factor);
    }
    return rem;
}

/* ---- the bit stream (§7.4) ---- */

function utf8(text) {
    return typeof text === 'string' ? new TextEncoder().encode(text) : Uint8Array.from(text);
}

function smallestVersion(length, minVersion) {
    for (let v = Math.max(1, minVersion); v <= MAX_VERSION; v++)
        if (length <= byteCapacity(v)) return v;
    return 0;
}

/* Mode, count, bytes, terminator, padding to the version's data codewords. */
function dataStream(bytes, version) {
    const capacity = dataCodewords(version) * 8;
    const bits = [];
    const put = (value, n) => {
        for (let i = n - 1; i >= 0; i--) bits.push((value >>> i) & 1);
    };
    put(0b0100, 4); // byte mode
    put(bytes.length, countBits(version));
    for (const b of bytes) put(b, 8);
    put(0, Math.min(4, capacity - bits.length)); // terminator
    put(0, (8 - (bits.length % 8)) % 8);
    const out = [];
    for (let i = 0; i < bits.length; i += 8) {
        let byte = 0;
        for (let j = 0; j < 8; j++) byte = (byte << 1) | bits[i + j];
        out.push(byte);
    }
    for (let pad = 0xec; out.length < capacity / 8; pad ^= 0xec ^ 0x11) out.push(pad);
    return out;
}

/* Splits into blocks, adds each block's EC codewords and interleaves
 * (§7.6): data codeword i of every block in turn, then EC codeword i. */
function interleave(data, version) {
    const [ecLen, ...groups] = BLOCKS_M[version];
    const blocks = [];
    let at = 0;
    for (const [count, size] of groups) {
        for (let b = 0; b < count; b++) {
            const chunk = data.slice(at, at + size);
            at += size;
            blocks.push({ data: chunk, ec: reedSolomon(chunk, ecLen) });
        }
    }
    const out = [];
    const longest = Math.max(...blocks.map((b) => b.data.length));
    for (let i = 0; i < longest; i++)
        for (const b of blocks) if (i < b.data.length) out.push(b.data[i]);
    for (let i = 0; i < ecLen; i++)
        for (const b of blocks) out.push(b.ec[i]);
    return out;
}

/* ---- the matrix ---- */

class Matrix {
    constructor(version) {
        this.version = version;
        this.size = 17 + 4 * version;
        this.dark = new Uint8Array(this.size * this.size);
        this.fixed = new Uint8Array(this.size * this.size); // function patterns
    }

    get(row, col) {
        return this.dark[row * this.size + col];
    }

    set(row, col, dark, fixed = true) {
        const i = row * this.size + col;
        this.dark[i] = dark ? 1 : 0;
        if (fixed) this.fixed[i] = 1;
    }

    isFixed(row, col) {
        return this.fixed[row * this.size + col] === 1;
    }
}

/* Finder pattern with its separator, centred at (@row, @col) (§6.3.3). */
function drawFinder(m, row, col) {
    for (let dr = -4; dr <= 4; dr++) {
        for (let dc = -4; dc <= 4; dc++) {
            const r = row + dr;
            const c = col + dc;
            if (r < 0 || c < 0 || r >= m.size || c >= m.size) continue;
            const ring = Math.max(Math.abs(dr), Math.abs(dc));
            m.set(r, c, ring !== 2 && ring !== 4);
        }
    }
}

function drawAlignment(m, row, col) {
    for (let dr = -2; dr <= 2; dr++)
        for (let dc = -2; dc <= 2; dc++)
            m.set(row + dr, col + dc, Math.max(Math.abs(dr), Math.abs(dc)) !== 1);
}

/* BCH code of @value (the remainder of value·x^(deg g) by @poly). */
function bch(value, poly, degree) {
    let rem = value << degree;
    for (let i = 31 - Math.clz32(rem); i >= degree; i--)
        if ((rem >>> i) & 1) rem ^= poly << (i - degree);
    return (value << degree) | rem;
}

/* Format information: level M (00) and the mask, BCH(15,5), XOR-masked
 * with 101010000010010 (§7.9). Bit 14 is the most significant. */
export function formatBits(mask) {
    return bch((0b00 << 3) | mask, 0x537, 10) ^ 0x5412;
}

/* Version information for versions 7 and up: BCH(18,6) (§7.10). */
export function versionBits(version) {
    return bch(version, 0x1f25, 12);
}

function drawFormat(m, mask) {
    const bits = formatBits(mask);
    const bit = (i) => (bits >>> i) & 1;
    const n = m.size;
    // Around the top-left finder: bits 0–7 down column 8 (skipping the
    // timing row), bits 8–14 along row 8 leftwards (skipping column 6).
    for (let i = 0; i <= 5; i++) m.set(i, 8, bit(i));
    m.set(7, 8, bit(6));
    m.set(8, 8, bit(7));
    m.set(8, 7, bit(8));
    for (let i = 9; i < 15; i++) m.set(8, 14 - i, bit(i));
    // The copy: bits 0–7 along row 8 from the right edge, bits 8–14 up
    // column 8 from the bottom edge.
    for (let i = 0; i < 8; i++) m.set(8, n - 1 - i, bit(i));
    for (let i = 8; i < 15; i++) m.set(n - 15 + i, 8, bit(i));
    m.set(n - 8, 8, 1); // the dark module
}

function drawVersion(m) {
    if (m.version < 7) return;
    const bits = versionBits(m.version);
    for (let i = 0; i < 18; i++) {
        const dark = (bits >>> i) & 1;
        const a = m.size - 11 + (i % 3);
        const b = Math.floor(i / 3);
        m.set(b, a, dark);
        m.set(a, b, dark);
    }
}

function drawFunctionPatterns(m) {
    const n = m.size;
    for (let i = 0; i < n; i++) {
        m.set(6, i, i % 2 === 0);
        m.set(i, 6, i % 2 === 0);
    }
    drawFinder(m, 3, 3);
    drawFinder(m, 3, n - 4);
    drawFinder(m, n - 4, 3);
    const centres = ALIGNMENT[m.version];
    const last = centres.length - 1;
    for (let i = 0; i <= last; i++) {
        for (let j = 0; j <= last; j++) {
            // Not over the three finders.
            if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) continue;
            drawAlignment(m, centres[i], centres[j]);
        }
    }
    // Reserve the format and version areas (real bits come with the mask).
    drawFormat(m, 0);
    drawVersion(m);
}

/* Codewords into the matrix, two columns at a time from the right,
 * upwards then downwards, skipping function modules and the vertical
 * timing column (§7.7.3). Remainder bits stay light. */
function placeData(m, codewords) {
    const n = m.size;
    let bitIndex = 0;
    const total = codewords.length * 8;
    for (let right = n - 1; right >= 1; right -= 2) {
        if (right === 6) right = 5;
        const upward = ((n - 1 - right) >> 1) % 2 === 0;
        for (let k = 0; k < n; k++) {
            const row = upward ? n - 1 - k : k;
            for (let dx = 0; dx < 2; dx++) {
                const col = right - dx;
                if (m.isFixed(row, col)) continue;
                let dark = 0;
                if (bitIndex < total) dark = (codewords[bitIndex >>> 3] >>> (7 - (bitIndex & 7))) & 1;
                bitIndex += 1;
                m.set(row, col, dark, false);
            }
        }
    }
}

/* The eight data masks (§7.8.2, Table 10); i is the row, j the column. */
const MASKS = [
    (i, j) => (i + j) % 2 === 0,
    (i) => i % 2 === 0,
    (i, j) => j % 3 === 0,
    (i, j) => (i + j) % 3 === 0,
    (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
    (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
    (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
    (i, j) => (((i + j) % 2) + ((i * j) % 3)) % 2 === 0,
];

function applyMask(m, mask) {
    const fn = MASKS[mask];
    for (let i = 0; i < m.size; i++)
        for (let j = 0; j < m.size; j++)
            if (!m.isFixed(i, j) && fn(i, j)) m.dark[i * m.size + j] ^= 1;
}

/* ---- mask choice: the penalty score (§7.8.3, Table 11) ---- */

const N1 = 3;
const N2 = 3;
const N3 = 40;
const N4 = 10;

/* Penalty of one line (a row or a column) read through @at(k): runs of
 * five or more (N1 + run − 5) and finder-like 1:1:3:1:1 patterns with
 * four light modules on one side (N3; outside the symbol counts as
 * light). */
function linePenalty(n, at) {
    let score = 0;
    let run = 0;
    let color = -1;
    for (let k = 0; k < n; k++) {
        const d = at(k);
        if (d === color) {
            run += 1;
        } else {
            if (run >= 5) score += N1 + run - 5;
            color = d;
            run = 1;
        }
    }
    if (run >= 5) score += N1 + run - 5;
    const get = (k) => (k < 0 || k >= n ? 0 : at(k));
    const core = [1, 0, 1, 1, 1, 0, 1];
    for (let k = 0; k + 7 <= n; k++) {
        let match = true;
        for (let x = 0; x < 7 && match; x++) if (get(k + x) !== core[x]) match = false;
        if (!match) continue;
        let before = true;
        let after = true;
        for (let x = 1; x <= 4; x++) {
            if (get(k - x) !== 0) before = false;
            if (get(k + 6 + x) !== 0) after = false;
        }
        if (before) score += N3;
        if (after) score += N3;
    }
    return score;
}

export function penalty(m) {
    const n = m.size;
    let score = 0;
    for (let i = 0; i < n; i++) {
        score += linePenalty(n, (k) => m.get(i, k));
        score += linePenalty(n, (k) => m.get(k, i));
    }
    for (let i = 0; i + 1 < n; i++) {
        for (let j = 0; j + 1 < n; j++) {
            const d = m.get(i, j);
            if (d === m.get(i, j + 1) && d === m.get(i + 1, j) && d === m.get(i + 1, j + 1)) score += N2;
        }
    }
    let dark = 0;
    for (const d of m.dark) dark += d;
    // Each full 5 % away from half dark costs N4.
    const k = Math.floor(Math.abs(dark * 20 - n * n * 10) / (n * n));
    score += k * N4;
    return score;
}

/* ---- the encoder ---- */

export class QrError extends Error {
    constructor(message) {
        super(message);
        this.name = 'QrError';
    }
}

/* Encodes @text (a string, as UTF-8, or bytes) at level M in the smallest
 * version from @minVersion up that holds it. @mask forces a mask (0–7;
 * for tests), else the one with the lowest penalty is used. Throws a
 * QrError when the text is too long for version 20. */
export function encodeQr(text, { minVersion = 1, mask = null } = {}) {
    const bytes = utf8(text);
    const version = smallestVersion(bytes.length, minVersion);
    if (!version)
        throw new QrError(`${bytes.length} bytes do not fit a QR code (at most ${byteCapacity(MAX_VERSION)})`);
    const codewords = interleave(dataStream(bytes, version), version);

    const base = new Matrix(version);
    drawFunctionPatterns(base);
    placeData(base, codewords);

    let best = null;
    const candidates = mask === null ? [0, 1, 2, 3, 4, 5, 6, 7] : [mask];
    for (const candidate of candidates) {
        const m = new Matrix(version);
        m.dark.set(base.dark);
        m.fixed.set(base.fixed);
        applyMask(m, candidate);
        drawFormat(m, candidate);
        const score = penalty(m);
        if (!best || score < best.score) best = { m, score, mask: candidate };
    }
    const { m } = best;
    return {
        version,
        mask: best.mask,
        size: m.size,
        penalty: best.score,
        isDark: (row, col) => row >= 0 && col >= 0 && row < m.size && col < m.size && m.get(row, col) === 1,
    };
}

/* ---- drawing ---- */

const SVG_NS = 'http://www.w3.org/2000/svg';

/* The SVG path of the dark modules, one unit per module, offset by the
 * quiet zone @margin (4 modules by the standard, §6.3.8). */
export function qrPath(qr, margin = 4) {
    const parts = [];
    for (let r = 0; r < qr.size; r++) {
        for (let c = 0; c < qr.size; c++) {
            if (!qr.isDark(r, c)) continue;
            // Runs along the row make a shorter path.
            let end = c;
            while (end + 1 < qr.size && qr.isDark(r, end + 1)) end += 1;
            parts.push(`M${c + margin} ${r + margin}h${end - c + 1}v1h${-(end - c + 1)}z`);
            c = end;
        }
    }
    return parts.join('');
}

/* An <svg> element (browser only) showing @qr black on white with its
 * quiet zone, scaling to its box; @title is its accessible name. */
export function qrSvg(qr, { title = '', margin = 4 } = {}) {
    const side = qr.size + 2 * margin;
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', `0 0 ${side} ${side}`);
    svg.setAttribute('shape-rendering', 'crispEdges');
    svg.setAttribute('class', 'qr');
    if (title) {
        svg.setAttribute('role', 'img');
        svg.setAttribute('aria-label', title);
    } else {
        svg.setAttribute('aria-hidden', 'true');
    }
    const bg = document.createElementNS(SVG_NS, 'rect');
    bg.setAttribute('width', String(side));
    bg.setAttribute('height', String(side));
    bg.setAttribute('fill', '#fff');
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', qrPath(qr, margin));
    path.setAttribute('fill', '#000');
    svg.append(bg, path);
    return svg;
}
