/* The Prometheus text exposition (format 0.0.4) of one snapshot: IPVS
 * objects under `ipvs_`, what lvsd itself measures (polls, health checks,
 * build) under `lvsd_`. Rendered once per publication by the daemon and
 * served from a cache, so this is built for throughput: label sets are
 * formatted once per object, samples are appended without printf.
 * Metric reference: docs/metrics.md. Threads: pure functions. */
#ifndef LVSTOP_EXPORTER_METRICS_METRICS_H
#define LVSTOP_EXPORTER_METRICS_METRICS_H

#include "collector/collector.h"
#include "collector/model.h"
#include "outbuf.h"

/* What to do with per-real-server series (very large tables). */
enum lvs_rs_mode {
	LVS_RS_ALL = 0,   /* every per-real-server series */
	LVS_RS_AGGREGATE, /* per-service aggregates of them instead */
	LVS_RS_DROP,      /* neither */
};

/* Per-real-server metric groups, for metrics_opts.rs_groups. */
enum {
	LVS_RSG_CONNECTIONS = 1u << 0, /* ipvs_real_server_connections_total */
	LVS_RSG_PACKETS = 1u << 1,     /* ..._incoming/outgoing_packets_total */
	LVS_RSG_BYTES = 1u << 2,       /* ..._incoming/outgoing_bytes_total */
	LVS_RSG_ACTIVE = 1u << 3,      /* ..._active_connections */
	LVS_RSG_INACTIVE = 1u << 4,    /* ..._inactive_connections */
	LVS_RSG_PERSISTENT = 1u << 5,  /* ..._persistent_connections */
	LVS_RSG_WEIGHT = 1u << 6,      /* ..._weight */
	LVS_RSG_THRESHOLDS = 1u << 7,  /* ..._upper/lower_threshold */
	LVS_RSG_INFO = 1u << 8,        /* ..._info (forwarding method) */
	LVS_RSG_HEALTH = 1u << 9,      /* lvsd_real_server_healthy and friends */
	LVS_RSG_ENTRIES = 1u << 10,    /* ipvs_real_server_connection_entries */
	LVS_RSG_ALL = (1u << 11) - 1,
};

/* The group bit for a config name ("connections", "packets", "bytes",
 * "active", "inactive", "persistent", "weight", "thresholds", "info",
 * "health", "entries"); 0 when unknown. */
unsigned metrics_rs_group_from_name(const char *name);
/* "all", "aggregate", "drop"; -EINVAL otherwise. */
int metrics_rs_mode_from_name(const char *name);

struct lvs_metrics_opts {
	enum lvs_rs_mode rs_mode;
	unsigned rs_groups;  /* LVS_RSG_* bits; 0: every group that fits in
			      * max_series (metrics_rs_groups_for) */
	uint64_t max_series; /* with rs_groups 0: about how many series the
			      * body may hold before per-real-server groups
			      * are left out; 0: no limit */
};

/* exporter.max_series by default: a director of up to about 25,000 real
 * servers exports every series; a larger one keeps what node_exporter's
 * ipvs collector exports and more while it fits. */
#define LVSD_DEFAULT_MAX_SERIES 500000

/* The per-real-server groups a render of s exports under o: o->rs_groups
 * when set; every group when o->max_series is 0 or per-real-server series
 * are aggregated or dropped (rs_mode); else every group while the body's
 * series (counted from s: services, real servers, judged health,
 * connection entries) stay within o->max_series; else the groups in the
 * order active, inactive, weight, health, connections, bytes, packets,
 * persistent, entries, thresholds, info, up to the first that would pass
 * it. A render that leaves groups out says so (lvsd_exporter_series_limited,
 * lvsd_exporter_real_server_group_left_out) and, when health is left out,
 * exports the per-service lvsd_service_real_servers_by_health instead.
 * s may be NULL (every group). */
unsigned metrics_rs_groups_for(const struct lvs_snapshot *s, const struct lvs_metrics_opts *o);
/* The config name of one LVS_RSG_* bit ("active", ...), NULL if none. */
const char *metrics_rs_group_name(unsigned bit);
/* The i-th LVS_RSG_* bit in the order the series budget keeps groups
 * (the order /metrics lists those it left out in); 0 past the last. */
unsigned metrics_rs_group_at(size_t i);

/* What the daemon knows about itself, for the lvsd_ series. */
struct lvs_metrics_self {
	const char *version;      /* lvsd's version, for lvsd_build_info */
	double start_time;        /* wall clock the daemon started */
	double render_seconds;    /* how long the previous render took */
	uint64_t reloads_ok, reloads_failed;
	bool last_reload_ok;
	uint64_t checks;          /* health checks configured (0: none run) */
};

/* Append the whole exposition to out. s may be NULL (no good poll yet:
 * only ipvs_up 0 and the lvsd_ series). st and self must not be NULL.
 * left_out (may be NULL) is set to the per-real-server groups
 * o->max_series left out of this render (0: none). 0, or -ENOMEM (out is
 * marked failed). */
int metrics_render(struct outbuf *out, const struct lvs_snapshot *s, const struct lvs_status *st,
		   const struct lvs_metrics_opts *o, const struct lvs_metrics_self *self,
		   unsigned *left_out);

/* The reason label of lvsd_real_server_health_info for a real server's
 * health (LVS_HEALTH_*), reason (enum lvs_health_reason) and its number:
 * "ok" when up; else the reason's name ("connection refused", "timeout
 * connect", "dns answer mismatch", ...), "http NNN" for an unexpected HTTP
 * status in 100..599, and "other" for anything else (no reason, one out of
 * range). Never free text: the set is bounded (LVS_HR_COUNT names, 500
 * statuses, "ok", "other") and listed in docs/metrics.md. Returns a static
 * string or buf (which needs 9 bytes for a status). */
const char *metrics_health_reason(int health, unsigned reason, unsigned code, char *buf,
				  size_t len);

/* The label sets every family of a service and of a real server carries
 * (service, protocol, address, port or fwmark and family; real_address,
 * real_port), without braces, for other families to join on them. */
void metrics_service_labels(struct outbuf *o, const struct lvs_service *svc);
void metrics_dest_labels(struct outbuf *o, const struct lvs_dest *d);

#endif
