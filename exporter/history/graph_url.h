/* Requests for history, parsed and checked before any file is touched:
 * /graph/... (a PNG) and /api/v1/history (rows as JSON). A request names
 * its object by the ids of rrd_spec.h, parsed back to an identity, so the
 * file it reads is always one lvsd writes (never "..", never another
 * folder). Every refusal comes with a one-line reason for the 400's body.
 * Grammar: docs/history.md. Threads: pure functions. */
#ifndef LVSTOP_EXPORTER_HISTORY_GRAPH_URL_H
#define LVSTOP_EXPORTER_HISTORY_GRAPH_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "collector/model.h"
#include "rrd_spec.h"

/* One query argument, URL-decoded (as the HTTP server hands them over). */
struct graph_arg {
	const char *key, *value; /* value may be NULL ("?a&b") */
};

enum graph_metric {
	GRAPH_CONNS = 0, /* new connections per second */
	GRAPH_PACKETS,   /* packets per second in and out */
	GRAPH_BYTES,     /* bits per second in and out */
	GRAPH_ACTIVE,    /* active, inactive and persistent connections */
	GRAPH_WEIGHT,    /* weight (and a service's real-server count) */
	GRAPH_N_METRICS,
};

/* "conns", "packets", "bytes", "active", "weight"; NULL past the end. */
const char *graph_metric_name(enum graph_metric m);

#define GRAPH_DEFAULT_RANGE 86400u
#define GRAPH_DEFAULT_WIDTH 600u
#define GRAPH_DEFAULT_HEIGHT 160u

struct graph_req {
	bool rs;                           /* a real server's file, not the service's */
	struct lvs_service svc;            /* identity only */
	struct lvs_dest dest;              /* identity only, when rs */
	char svc_id[RRD_SPEC_ID_MAX];      /* canonical */
	char rs_id[RRD_SPEC_ID_MAX];       /* canonical, "" unless rs */
	enum graph_metric metric;          /* graphs only */
	time_t start, end;                 /* the window, start < end */
	unsigned width, height;            /* graphs only: the plot area in pixels */
	unsigned resolution;               /* history only: seconds per row wanted; 0: the finest */
	unsigned cf;                       /* history only: one RRD_CF_* bit (default AVERAGE) */
};

/* The time window from the arguments start=UNIX, end=UNIX, range=DURATION
 * (rrd_spec_parse_duration's grammar), at most two of them: range alone
 * ends at `newest`; start alone runs to `newest`; none is the last
 * GRAPH_DEFAULT_RANGE seconds before `newest`. The window must be at
 * least 10 s and at most 20 years. Exposed for its tests. 0 or -EINVAL. */
int graph_url_window(const char *start, const char *end, const char *range, time_t newest,
		     time_t *out_start, time_t *out_end, char *err, size_t errlen);

/* Parse a graph request: path is the URL path after "/graph/":
 * "service/SVC[.png]" or "real-server/SVC/RS[.png]"; args: metric=NAME
 * (default conns), start, end, range, width=200..2000, height=80..1000.
 * Unknown or repeated arguments are refused. newest is the time of the
 * newest sample (the default end). 0 and *out, or -EINVAL with the reason
 * in err. */
int graph_url_parse(const char *path, const struct graph_arg *args, size_t n, time_t newest,
		    struct graph_req *out, char *err, size_t errlen);

/* Parse /api/v1/history's arguments: service=SVC (required),
 * real_server=RS, start, end, range, resolution=DURATION, cf=AVERAGE|MAX|
 * MIN|LAST. Same rules as above. 0 or -EINVAL with err. */
int graph_url_parse_history(const struct graph_arg *args, size_t n, time_t newest,
			    struct graph_req *out, char *err, size_t errlen);

#endif
