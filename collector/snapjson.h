/* A snapshot as JSON (json-c): the `lvstop --once --json` document, one
 * line of a recording (--record), and the body of lvsd's /api/v1/snapshot.
 * Parsing reads the same document back (--replay). Field reference:
 * docs/architecture.md. Threads: pure functions. */
#ifndef LVSTOP_COLLECTOR_SNAPJSON_H
#define LVSTOP_COLLECTOR_SNAPJSON_H

#include "model.h"

#define SNAPJSON_PRETTY 0x1   /* indented, for people */
#define SNAPJSON_COMPUTED 0x2 /* add "rates_computed" where valid */
#define SNAPJSON_STALE 0x4    /* add "stale": true (a failed poll since) */

/* A NUL-terminated document the caller frees with free(); NULL on out of
 * memory. */
char *snapjson_render(const struct lvs_snapshot *s, unsigned flags);

/* Parse one document into a new snapshot (*out, one reference).
 * 0; -EINVAL when the text is not JSON or a field is missing or of the
 * wrong type (err names the field, e.g. "services[3].real_servers[0].port:
 * expected a number"); -ENOMEM. */
int snapjson_parse(const char *text, size_t len, struct lvs_snapshot **out, char *err,
		   size_t errlen);

#endif
