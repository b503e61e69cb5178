/* What lvsd's rrd files look like, with no I/O: retention (the RRAs) from
 * the configuration, the data sources of a service's and a real server's
 * file, the values line of one update, and the file-name scheme that
 * turns an object's identity into a safe, unique path and back.
 * Reference: docs/history.md. Threads: pure functions. */
#ifndef LVSTOP_EXPORTER_HISTORY_RRD_SPEC_H
#define LVSTOP_EXPORTER_HISTORY_RRD_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/model.h"

#define RRD_SPEC_MAX_RRAS 8
#define RRD_SPEC_DEF_MAX 64  /* bytes of one "DS:..." or "RRA:..." string */
#define RRD_SPEC_ID_MAX 80   /* bytes of an object id, NUL included */
#define RRD_SPEC_LINE_MAX 400 /* bytes of one update's values line */

/* Consolidation functions, for rrd_spec.cfs. */
enum {
	RRD_CF_AVERAGE = 1u << 0,
	RRD_CF_MAX = 1u << 1,
	RRD_CF_MIN = 1u << 2,
	RRD_CF_LAST = 1u << 3,
};

/* One archive: a row every res seconds, kept for span seconds. */
struct rrd_rra {
	unsigned res, span;
};

struct rrd_spec {
	unsigned step;      /* seconds of a primary data point (default 10) */
	unsigned heartbeat; /* seconds without an update before a value is unknown */
	unsigned cfs;       /* RRD_CF_* bits (default AVERAGE) */
	size_t n_rras;
	struct rrd_rra rras[RRD_SPEC_MAX_RRAS];
};

/* 10 s steps, 30 s heartbeat, AVERAGE; 10 s for a day, 1 min for 30 days,
 * 1 h for a year. */
void rrd_spec_default(struct rrd_spec *s);

/* A duration "N<unit>", unit s, min, h, d, w, mo (30 d) or y (365 d); a
 * bare number is seconds. "m" and "M" are refused as ambiguous (minute or
 * month?). 0 and *secs (> 0, at most 20 years); -EINVAL with the reason
 * in err. */
int rrd_spec_parse_duration(const char *s, unsigned *secs, char *err, size_t errlen);

/* An archive "RES:SPAN" ("10s:1d", "1min:30d", "1h:1y"), checked against
 * step: RES a multiple of step, SPAN a multiple of RES. 0 and *out;
 * -EINVAL with the reason in err. */
int rrd_spec_parse_rra(const char *s, unsigned step, struct rrd_rra *out, char *err,
		       size_t errlen);
/* "AVERAGE", "MAX", "MIN", "LAST" -> RRD_CF_* bit; 0 when unknown. */
unsigned rrd_spec_cf_from_name(const char *name);

/* Whole-spec validation (what the config loader calls last): step 1..3600,
 * heartbeat >= step, 1..RRD_SPEC_MAX_RRAS archives each fitting step,
 * at least one consolidation function. 0 or -EINVAL with err. */
int rrd_spec_check(const struct rrd_spec *s, char *err, size_t errlen);

/* The data sources: a service's file has RRD_SPEC_SVC_DS of them, a real
 * server's RRD_SPEC_RS_DS (the first ones of the service's list). */
#define RRD_SPEC_SVC_DS 10
#define RRD_SPEC_RS_DS 9
/* The name of data source i (0 .. RRD_SPEC_SVC_DS-1): conns, inpkts,
 * outpkts, inbytes, outbytes (DERIVE, min 0), active, inactive,
 * persistent, weight, real_servers (GAUGE). NULL past the end. */
const char *rrd_spec_ds_name(size_t i);
/* True for the counters (stored as DERIVE: per-second rates). */
bool rrd_spec_ds_is_counter(size_t i);

/* The "DS:..." and "RRA:..." arguments of rrd_create for a service's file
 * (service true) or a real server's, written into defs (max rows of
 * RRD_SPEC_DEF_MAX bytes). The count, or -ENOSPC when max is too small. */
int rrd_spec_create_args(const struct rrd_spec *s, bool service, char (*defs)[RRD_SPEC_DEF_MAX],
			 size_t max);

/* The update line "TIME:v1:v2:..." of a service (d NULL) or a real server
 * (d set; svc unused then may be NULL). Time in seconds with milliseconds.
 * 0 or -ENOSPC. */
int rrd_spec_values(double time, const struct lvs_service *svc, const struct lvs_dest *d,
		    char *buf, size_t len);

/* Object ids, used as file names and in URLs: only [a-z0-9._-], so never
 * a path separator, never "..", and nothing a URL or rrdtool's ':' syntax
 * must escape.
 *   service   tcp-203.0.113.10-80   udp-2001_db8__53-53 (IPv6, ':' -> '_')
 *             sctp-...   fwm-42 (IPv4 mark)   fwm6-42 (IPv6 mark)
 *   real srv  192.0.2.11-80   2001_db8_a__11-80
 * The address is inet_ntop's canonical text, so one object has one id.
 * 0 or -ENOSPC (len < RRD_SPEC_ID_MAX is never needed). */
int rrd_spec_service_id(const struct lvs_service *s, char *buf, size_t len);
int rrd_spec_dest_id(const struct lvs_dest *d, char *buf, size_t len);
/* Parse ids back into an identity (af, protocol, addr, port, fwmark; the
 * rest zeroed). Only canonical ids are accepted, the ones the functions
 * above make. 0, or -EINVAL with the reason in err. */
int rrd_spec_parse_service_id(const char *id, struct lvs_service *out, char *err, size_t errlen);
int rrd_spec_parse_dest_id(const char *id, struct lvs_dest *out, char *err, size_t errlen);

/* DIR/SVC.rrd for a service, DIR/SVC/RS.rrd for a real server (rs_id
 * NULL for the service). 0 or -ENAMETOOLONG. */
int rrd_spec_path(const char *dir, const char *svc_id, const char *rs_id, char *buf, size_t len);

#endif
