/* A snapshot read back from its JSON (snapjson_write.h): a recording line
 * (--replay) or a remote lvsd's /api/v1/snapshot body. Streaming: yajl
 * lexes the text as it is fed; each real server, each service without its
 * real servers, and the document without its services are held as a small
 * tree of their own while they are read, so a line of a 100,000-real-server
 * table never sits in memory whole. A document is outside input: every
 * string handed on is printable ASCII (other bytes become '?'), every
 * number and time is range-checked, a key given twice in one object is
 * refused, and every error has text naming what was wrong.
 * Threads: a parser is used by one thread; no global state. */
#ifndef LVSTOP_COLLECTOR_SNAPJSON_READ_H
#define LVSTOP_COLLECTOR_SNAPJSON_READ_H

#include "model.h"

#include <stddef.h>

/* The latest wall-clock time a document may carry ("time"):
 * 9999-12-31T23:59:59Z. */
#define SNAPJSON_TIME_MAX 253402300799.0
/* The latest a real server's "health_since" and "health_reason_since" may
 * be (whole seconds in 32 bits, read down to the second):
 * 2106-02-07T06:28:15Z. */
#define SNAPJSON_SINCE_MAX 4294967295.0
/* The longest check duration a document may carry ("check_seconds"). */
#define SNAPJSON_CHECK_SECONDS_MAX 1e6

/* Parse one document into a new snapshot (*out, one reference).
 * 0; -EINVAL when the text is not JSON, a field is missing, of the wrong
 * type, out of range or given twice (err names the field, e.g.
 * "services[3].real_servers[0].port: expected int"); -ENOMEM. err is
 * always set on an error. */
int snapjson_parse(const char *text, size_t len, struct lvs_snapshot **out, char *err,
		   size_t errlen);

/* The same parse fed in pieces (a recording line need not be in memory
 * whole). The error buffer is borrowed until snapjson_parser_free. */
typedef struct snapjson_parser snapjson_parser; /* opaque */

/* NULL on out of memory. */
snapjson_parser *snapjson_parser_new(char *err, size_t errlen);
/* The next len bytes of the document. 0; -EINVAL when the text is not
 * JSON (err says why; later feeds and finish return the same); -ENOMEM
 * (err says so). Field errors wait for finish: syntax errors anywhere
 * come first, as with a parse of the whole text. */
int snapjson_parser_feed(snapjson_parser *p, const char *buf, size_t len);
/* The end of the document: 0 and *out (one reference), or what
 * snapjson_parse returns, with err set. Call once. */
int snapjson_parser_finish(snapjson_parser *p, struct lvs_snapshot **out);
/* NULL is ignored. */
void snapjson_parser_free(snapjson_parser *p);

#endif
