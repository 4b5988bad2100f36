/* bytes.h — big-endian (network order) reads and writes of fixed-size
 * fields. The callers check lengths first; these only assemble bytes, so
 * no packet struct is ever cast over a buffer. Pure, any thread. */
#pragma once

#include <glib.h>

static inline guint16
cr_read_be16(const guint8 *p)
{
    return (guint16)((guint16)p[0] << 8 | p[1]);
}

static inline guint32
cr_read_be32(const guint8 *p)
{
    return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static inline void
cr_write_be16(guint8 *p, guint16 v)
{
    p[0] = (guint8)(v >> 8);
    p[1] = (guint8)v;
}

static inline void
cr_write_be32(guint8 *p, guint32 v)
{
    p[0] = (guint8)(v >> 24);
    p[1] = (guint8)(v >> 16);
    p[2] = (guint8)(v >> 8);
    p[3] = (guint8)v;
}
