/* One streaming JSON writer for every document lvstop and lvsd write:
 * values go out as they are made, handed to a sink in pieces of up to
 * 64 KiB, so a large document never sits in memory whole. The text is
 * byte for byte what yajl's generator writes for the same calls (compact,
 * or beautified with two spaces), made here without a call per token: a
 * large table's document is written several times faster. The member calls
 * (a key and its value in one) write the compact text of most of a
 * snapshot's members straight into the piece: under an emulated CPU the
 * per-token calls and byte loops, not the output's size, were the cost.
 * Numbers are exact: 64-bit integers as integers, doubles as "%.17g" (with
 * ".0" added when that text looks integral), or text the caller formats.
 * Errors are sticky: after the first one every call does nothing, and
 * json_writer_finish returns it.
 * Threads: a writer is used by one thread at a time; no global state. */
#ifndef LVSTOP_COLLECTOR_JSON_WRITER_H
#define LVSTOP_COLLECTOR_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "share/buf.h"

#define JSON_WRITER_PRETTY 0x1 /* indented by two spaces, for people */

/* Where the text goes: 0, or a negative errno that stops the writing (it
 * becomes the writer's error). text is borrowed for the call only. */
typedef int (*json_sink)(void *arg, const char *text, size_t len);

typedef struct json_writer json_writer; /* opaque */

/* A writer for one document. NULL on out of memory. */
json_writer *json_writer_new(unsigned flags, json_sink sink, void *arg);

/* Containers. A key goes directly inside an object, before each value;
 * a key anywhere else, a value where a key belongs, a close that does not
 * match the open container or follows a key without its value, and a
 * second document are errors (-EINVAL at finish). */
void json_writer_begin_object(json_writer *w);
void json_writer_end_object(json_writer *w);
void json_writer_begin_array(json_writer *w);
void json_writer_end_array(json_writer *w);
void json_writer_key(json_writer *w, const char *key);
/* The same for a key of len bytes (it may hold any byte, NUL too). */
void json_writer_key_len(json_writer *w, const char *key, size_t len);

/* Values. A NULL string is written as null; strings are escaped as JSON
 * requires and otherwise written as they are (a reader decides what it
 * shows). A double that is not finite is written as null. */
void json_writer_string(json_writer *w, const char *s);
void json_writer_string_len(json_writer *w, const char *s, size_t len);
void json_writer_u64(json_writer *w, uint64_t v);
void json_writer_i64(json_writer *w, int64_t v);
void json_writer_double(json_writer *w, double v);
void json_writer_bool(json_writer *w, bool v);
void json_writer_null(json_writer *w);
/* A number the caller formatted (for example "%.17g" without the ".0"):
 * written as it is, so it must be a JSON number. */
void json_writer_number(json_writer *w, const char *text);

/* Members: a key of len bytes (as json_writer_key_len) and its value,
 * the same text and errors as the two calls, made in one step when the
 * writer is compact. A large table's document is mostly members. */
void json_writer_member_u64(json_writer *w, const char *key, size_t len, uint64_t v);
void json_writer_member_i64(json_writer *w, const char *key, size_t len, int64_t v);
void json_writer_member_string(json_writer *w, const char *key, size_t len, const char *s);
void json_writer_member_string_len(json_writer *w, const char *key, size_t len, const char *s,
				   size_t slen);
void json_writer_member_null(json_writer *w, const char *key, size_t len);

/* End the document: what is still buffered goes to the sink. 0; -EINVAL
 * when the document is not complete or a call was out of place (a value
 * where a key belongs, a close without an open, nesting over 128);
 * -ENOMEM; or the sink's error. */
int json_writer_finish(json_writer *w);

/* NULL is ignored. Does not call the sink. */
void json_writer_free(json_writer *w);

/* A sink appending the document to a struct lvs_buf (share/buf.h) given
 * as arg: the caller owns the buffer (also after an error). -ENOMEM. */
int json_buf_sink(void *arg, const char *text, size_t len);

#endif
