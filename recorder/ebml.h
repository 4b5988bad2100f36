/* ebml.h — EBML (RFC 8794) encoding and decoding of element headers and
 * values, for the Matroska writer and its repair. Pure functions. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Matroska element ids used here (RFC 9559). */
enum {
    CR_EBML_HEADER = 0x1A45DFA3,
    CR_EBML_VERSION = 0x4286,
    CR_EBML_READ_VERSION = 0x42F7,
    CR_EBML_MAX_ID_LENGTH = 0x42F2,
    CR_EBML_MAX_SIZE_LENGTH = 0x42F3,
    CR_EBML_DOCTYPE = 0x4282,
    CR_EBML_DOCTYPE_VERSION = 0x4287,
    CR_EBML_DOCTYPE_READ_VERSION = 0x4285,
    CR_EBML_VOID = 0xEC,
    CR_MKV_SEGMENT = 0x18538067,
    CR_MKV_SEEK_HEAD = 0x114D9B74,
    CR_MKV_SEEK = 0x4DBB,
    CR_MKV_SEEK_ID = 0x53AB,
    CR_MKV_SEEK_POSITION = 0x53AC,
    CR_MKV_INFO = 0x1549A966,
    CR_MKV_TIMECODE_SCALE = 0x2AD7B1,
    CR_MKV_DURATION = 0x4489,
    CR_MKV_DATE_UTC = 0x4461,
    CR_MKV_MUXING_APP = 0x4D80,
    CR_MKV_WRITING_APP = 0x5741,
    CR_MKV_TRACKS = 0x1654AE6B,
    CR_MKV_TRACK_ENTRY = 0xAE,
    CR_MKV_TRACK_NUMBER = 0xD7,
    CR_MKV_TRACK_UID = 0x73C5,
    CR_MKV_TRACK_TYPE = 0x83,
    CR_MKV_FLAG_LACING = 0x9C,
    CR_MKV_FLAG_DEFAULT = 0x88,
    CR_MKV_NAME = 0x536E,
    CR_MKV_CODEC_ID = 0x86,
    CR_MKV_CODEC_PRIVATE = 0x63A2,
    CR_MKV_CODEC_DELAY = 0x56AA,
    CR_MKV_SEEK_PRE_ROLL = 0x56BB,
    CR_MKV_VIDEO = 0xE0,
    CR_MKV_PIXEL_WIDTH = 0xB0,
    CR_MKV_PIXEL_HEIGHT = 0xBA,
    CR_MKV_AUDIO = 0xE1,
    CR_MKV_SAMPLING_FREQUENCY = 0xB5,
    CR_MKV_CHANNELS = 0x9F,
    CR_MKV_CLUSTER = 0x1F43B675,
    CR_MKV_TIMECODE = 0xE7,
    CR_MKV_SIMPLE_BLOCK = 0xA3,
    CR_MKV_CUES = 0x1C53BB6B,
    CR_MKV_CUE_POINT = 0xBB,
    CR_MKV_CUE_TIME = 0xB3,
    CR_MKV_CUE_TRACK_POSITIONS = 0xB7,
    CR_MKV_CUE_TRACK = 0xF7,
    CR_MKV_CUE_CLUSTER_POSITION = 0xF1,
};

/* The "unknown size" marker in its 8-byte form. */
#define CR_EBML_UNKNOWN_SIZE G_GUINT64_CONSTANT(0x00FFFFFFFFFFFFFF)

void cr_ebml_put_id(GByteArray *out, guint32 id);
/* A size as a vint of @width bytes (1..8; 0 = the shortest). */
void cr_ebml_put_size(GByteArray *out, guint64 size, guint width);
/* Writes @value as a vint of exactly @width bytes into @out. */
void cr_ebml_encode_size(guint8 *out, guint64 value, guint width);
/* Elements with a value; uint with @width bytes (0 = the shortest). */
void cr_ebml_put_uint(GByteArray *out, guint32 id, guint64 value, guint width);
void cr_ebml_put_int(GByteArray *out, guint32 id, gint64 value);
void cr_ebml_put_float(GByteArray *out, guint32 id, double value);
void cr_ebml_put_string(GByteArray *out, guint32 id, const char *value);
void cr_ebml_put_binary(GByteArray *out, guint32 id, const guint8 *data, gsize len);
/* A Void element of exactly @total bytes (at least 2). */
void cr_ebml_put_void(GByteArray *out, gsize total);
/* Opens a master element with an 8-byte size to be patched by
 * cr_ebml_close_master; returns the offset of the size field. */
gsize cr_ebml_open_master(GByteArray *out, guint32 id);
void cr_ebml_close_master(GByteArray *out, gsize size_offset);

/* Reads an element header at @data[0..len): its id, its data size
 * (CR_EBML_UNKNOWN_SIZE for unknown) and the header's length. FALSE when
 * the header is malformed or runs past @len. */
gboolean cr_ebml_read_header(const guint8 *data, gsize len, guint32 *id, guint64 *size,
                             gsize *header_len);
/* Iterates the children of a master element's body @data[0..len): from
 * *@offset, the next child's id, value and value size; advances *@offset.
 * FALSE at the end or at a malformed child (which ends the walk). */
typedef struct {
    guint32 id;
    const guint8 *value;
    gsize size;
    gsize offset; /* of the child's header in @data */
} CrEbmlChild;
gboolean cr_ebml_next_child(const guint8 *data, gsize len, gsize *offset, CrEbmlChild *child);

/* Reads an unsigned integer value of @len bytes (at most 8). */
guint64 cr_ebml_read_uint(const guint8 *data, gsize len);

G_END_DECLS
