/* A snapshot written as JSON: the `lvstop --once --json` document, one
 * line of a recording (--record), and the body of lvsd's /api/v1/snapshot.
 * Streamed through json_writer: the text of a 100,000-real-server table
 * goes out in 64 KiB pieces and never sits in memory whole, nor as a tree.
 * Field reference: docs/architecture.md. Reading it back: snapjson_read.h.
 * Threads: pure functions of the snapshot (which is immutable). */
#ifndef LVSTOP_COLLECTOR_SNAPJSON_WRITE_H
#define LVSTOP_COLLECTOR_SNAPJSON_WRITE_H

#include "json_writer.h"
#include "model.h"

#define SNAPJSON_PRETTY 0x1   /* indented, for people (ends with a newline) */
#define SNAPJSON_COMPUTED 0x2 /* add "rates_computed" where valid */
#define SNAPJSON_STALE 0x4    /* add "stale": true (a failed poll since) */

/* The document handed to write(arg, text, len) in pieces (0 or a negative
 * errno, which stops the writing). 0, -ENOMEM, or write's error. */
int snapjson_write(const struct lvs_snapshot *s, unsigned flags, json_sink write, void *arg);

/* The same document as one NUL-terminated string the caller frees with
 * free(); NULL on out of memory. */
char *snapjson_render(const struct lvs_snapshot *s, unsigned flags);

#endif
