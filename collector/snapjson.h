/* A snapshot as JSON (json-c): the `lvstop --once --json` document, one
 * line of a recording (--record), and the body of lvsd's /api/v1/snapshot.
 * Parsing reads the same document back (--replay), streaming: yajl walks
 * it, json-c reads one real server (or one service, or the root without
 * its services) at a time, so a line of a 100,000-real-server table never
 * sits in memory as a DOM. Field reference: docs/architecture.md.
 * Threads: pure functions; a parser is used by one thread. */
#ifndef LVSTOP_COLLECTOR_SNAPJSON_H
#define LVSTOP_COLLECTOR_SNAPJSON_H

#include "model.h"

#define SNAPJSON_PRETTY 0x1   /* indented, for people */
#define SNAPJSON_COMPUTED 0x2 /* add "rates_computed" where valid */
#define SNAPJSON_STALE 0x4    /* add "stale": true (a failed poll since) */

/* A NUL-terminated document the caller frees with free(); NULL on out of
 * memory. */
char *snapjson_render(const struct lvs_snapshot *s, unsigned flags);

/* The same document handed to write(arg, text, len) in pieces (0 or a
 * negative errno, which stops the writing): one service's JSON tree at a
 * time is in memory, not the table's (PRETTY is made whole). 0, -ENOMEM,
 * or write's error. */
int snapjson_write(const struct lvs_snapshot *s, unsigned flags,
		   int (*write)(void *arg, const char *text, size_t len), void *arg);

/* Parse one document into a new snapshot (*out, one reference).
 * 0; -EINVAL when the text is not JSON or a field is missing or of the
 * wrong type (err names the field, e.g. "services[3].real_servers[0].port:
 * expected a number"); -ENOMEM. */
int snapjson_parse(const char *text, size_t len, struct lvs_snapshot **out, char *err,
		   size_t errlen);

/* The same parse fed in pieces (a recording line need not be in memory
 * whole). The error buffer is borrowed until snapjson_parser_free. */
typedef struct snapjson_parser snapjson_parser; /* opaque */

/* NULL on out of memory. */
snapjson_parser *snapjson_parser_new(char *err, size_t errlen);
/* The next len bytes of the document. 0; -EINVAL when the text is not
 * JSON (err says why; later feeds and finish return the same); -ENOMEM.
 * Field errors wait for finish: syntax errors anywhere come first, as
 * with a parse of the whole text. */
int snapjson_parser_feed(snapjson_parser *p, const char *buf, size_t len);
/* The end of the document: 0 and *out (one reference), or what
 * snapjson_parse returns, with err set. Call once. */
int snapjson_parser_finish(snapjson_parser *p, struct lvs_snapshot **out);
/* NULL is ignored. */
void snapjson_parser_free(snapjson_parser *p);

#endif
