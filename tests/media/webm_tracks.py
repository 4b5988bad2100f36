"""Reads a recording's clusters (Matroska/WebM, EBML RFC 8794) and returns,
per track number, the first and last block time (ms) and the block count:
an independent look at what the recorder wrote, for the tests."""


def _vint(b, i, keep_marker=False):
    first = b[i]
    n = 1
    while n <= 8 and not first & (0x80 >> (n - 1)):
        n += 1
    v = first if keep_marker else first & (0xFF >> n)
    for k in range(1, n):
        v = (v << 8) | b[i + k]
    return v, n


def track_times(path):
    b = open(path, 'rb').read()
    out = {}
    i = 0
    ident, n = _vint(b, i, True)
    size, m = _vint(b, i + n)
    i += n + m + size                 # past the EBML header
    ident, n = _vint(b, i, True)
    size, m = _vint(b, i + n)
    i += n + m                        # into the Segment
    while i < len(b):
        ident, n = _vint(b, i, True)
        size, m = _vint(b, i + n)
        body = i + n + m
        if ident == 0x1F43B675:       # Cluster
            j, cluster = body, 0
            while j < body + size:
                cid, cn = _vint(b, j, True)
                csz, cm = _vint(b, j + cn)
                v = j + cn + cm
                if cid == 0xE7:       # Timecode
                    cluster = int.from_bytes(b[v:v + csz], 'big')
                elif cid == 0xA3:     # SimpleBlock
                    track = b[v] & 0x7F
                    t = cluster + int.from_bytes(b[v + 1:v + 3], 'big', signed=True)
                    lo, hi, count = out.get(track, (t, t, 0))
                    out[track] = (min(lo, t), max(hi, t), count + 1)
                j = v + csz
        i = body + size
    return out
