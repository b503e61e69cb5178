#include "metrics.h"

#include "collector/health.h"
#include "collector/names.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/ip_vs.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

/* --- names ------------------------------------------------------------- */

static const struct {
	const char *name;
	unsigned bit;
} rs_groups[] = {
	{ "connections", LVS_RSG_CONNECTIONS }, { "packets", LVS_RSG_PACKETS },
	{ "bytes", LVS_RSG_BYTES },             { "active", LVS_RSG_ACTIVE },
	{ "inactive", LVS_RSG_INACTIVE },       { "persistent", LVS_RSG_PERSISTENT },
	{ "weight", LVS_RSG_WEIGHT },           { "thresholds", LVS_RSG_THRESHOLDS },
	{ "info", LVS_RSG_INFO },               { "health", LVS_RSG_HEALTH },
	{ "entries", LVS_RSG_ENTRIES },
};

unsigned metrics_rs_group_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(rs_groups) / sizeof(rs_groups[0]); i++)
		if (!strcmp(name, rs_groups[i].name))
			return rs_groups[i].bit;
	return 0;
}

const char *metrics_rs_group_name(unsigned bit)
{
	for (size_t i = 0; i < sizeof(rs_groups) / sizeof(rs_groups[0]); i++)
		if (rs_groups[i].bit == bit)
			return rs_groups[i].name;
	return NULL;
}

int metrics_rs_mode_from_name(const char *name)
{
	if (!strcmp(name, "all"))
		return LVS_RS_ALL;
	if (!strcmp(name, "aggregate"))
		return LVS_RS_AGGREGATE;
	if (!strcmp(name, "drop"))
		return LVS_RS_DROP;
	return -EINVAL;
}

/* --- health reasons ------------------------------------------------------ */

/* The one place a check's reason becomes a label value: the snapshot's
 * health_reason words (health_reason_name), the HTTP status written out,
 * "ok" when up, "other" for a failure without a known reason. The set is
 * bounded by the reasons model.h knows; docs/metrics.md lists them, and a
 * unit test holds the two together. */
const char *metrics_health_reason(int health, unsigned reason, unsigned code, char *buf,
				  size_t len)
{
	if (health == LVS_HEALTH_UP)
		return "ok";
	if (reason == LVS_HR_NONE || reason >= LVS_HR_COUNT)
		return "other";
	if (reason == LVS_HR_HTTP_STATUS && code >= 100 && code <= 599 && len >= 9) {
		snprintf(buf, len, "http %u", code);
		return buf;
	}
	return health_reason_name(reason);
}

/* --- label blocks -------------------------------------------------------- */

/* Label sets of every object, formatted once per render: block i is
 * "{labels} " (ready to sit between a metric name and its value), stored
 * back to back in one buffer. */
struct blocks {
	struct outbuf b;
	size_t *off; /* n + 1 offsets */
	size_t n;
	uint32_t *svc; /* real-server blocks: the service of each (owned) */
};

static int blocks_init(struct blocks *k, size_t n)
{
	outbuf_init(&k->b);
	k->n = n;
	k->off = calloc(n + 1, sizeof(*k->off));
	return k->off ? 0 : -ENOMEM;
}

static void blocks_done(struct blocks *k)
{
	outbuf_done(&k->b);
	free(k->off);
	free(k->svc);
}

static inline const char *blk(const struct blocks *k, size_t i, size_t *len)
{
	*len = k->off[i + 1] - k->off[i];
	return k->b.data + k->off[i];
}

/* The bare labels of block i, without "{" and "} ", to add more labels. */
static inline void put_inner(struct outbuf *o, const struct blocks *k, size_t i)
{
	size_t len;
	const char *p = blk(k, i, &len);
	outbuf_put(o, p + 1, len - 3);
}

/* Service labels. Address-port services: service="203.0.113.10:80" or
 * "[2001:db8::1]:80", protocol, address (no brackets), port. Firewall-mark
 * services: service="fwm:1" (IPv4) or "fwm6:1" (IPv6), protocol="fwm",
 * fwmark, family: the kernel keeps an IPv4 and an IPv6 service per mark
 * apart, so must we. */
static void put_service_labels(struct outbuf *o, const struct lvs_service *svc)
{
	char a[LVS_ADDR_STRLEN];
	if (svc->fwmark) {
		bool v6 = svc->af == AF_INET6;
		outbuf_puts(o, v6 ? "service=\"fwm6:" : "service=\"fwm:");
		outbuf_put_u64(o, svc->fwmark);
		outbuf_puts(o, "\",protocol=\"fwm\",fwmark=\"");
		outbuf_put_u64(o, svc->fwmark);
		outbuf_puts(o, v6 ? "\",family=\"ipv6\"" : "\",family=\"ipv4\"");
		return;
	}
	lvs_addr_ntop(svc->af, &svc->addr, a, sizeof(a));
	bool v6 = svc->af == AF_INET6;
	outbuf_puts(o, "service=\"");
	if (v6)
		outbuf_putc(o, '[');
	outbuf_puts(o, a);
	outbuf_puts(o, v6 ? "]:" : ":");
	outbuf_put_u64(o, svc->port);
	outbuf_puts(o, "\",protocol=\"");
	outbuf_put_label(o, lvs_service_proto_name(svc));
	outbuf_puts(o, "\",address=\"");
	outbuf_puts(o, a);
	outbuf_puts(o, "\",port=\"");
	outbuf_put_u64(o, svc->port);
	outbuf_putc(o, '"');
}

static void put_dest_labels(struct outbuf *o, const struct lvs_dest *d)
{
	char a[LVS_ADDR_STRLEN];
	lvs_addr_ntop(d->af, &d->addr, a, sizeof(a));
	outbuf_puts(o, "real_address=\"");
	outbuf_puts(o, a);
	outbuf_puts(o, "\",real_port=\"");
	outbuf_put_u64(o, d->port);
	outbuf_putc(o, '"');
}

static int build_service_blocks(struct blocks *k, const struct lvs_snapshot *s)
{
	if (blocks_init(k, s->n_services))
		return -ENOMEM;
	for (size_t i = 0; i < s->n_services; i++) {
		k->off[i] = k->b.len;
		outbuf_putc(&k->b, '{');
		put_service_labels(&k->b, &s->services[i]);
		outbuf_put(&k->b, "} ", 2);
	}
	k->off[s->n_services] = k->b.len;
	return outbuf_failed(&k->b) ? -ENOMEM : 0;
}

/* Real-server blocks, indexed like s->dests: only the real server's own
 * labels and the closing "} " (real_address="...",real_port="..."} ); the
 * service's labels come from its block when a sample is written, so a
 * real server's series join its service's on those labels. Kept apart,
 * the blocks of 100,000 real servers are 4 MiB instead of 12. */
static int build_dest_blocks(struct blocks *k, const struct lvs_snapshot *s)
{
	if (blocks_init(k, s->n_dests))
		return -ENOMEM;
	k->svc = calloc(s->n_dests ? s->n_dests : 1, sizeof(*k->svc));
	if (!k->svc)
		return -ENOMEM;
	size_t j = 0;
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *sv = &s->services[i];
		for (size_t d = 0; d < sv->n_dests; d++, j++) {
			k->off[sv->first_dest + d] = k->b.len;
			k->svc[sv->first_dest + d] = (uint32_t)i;
			put_dest_labels(&k->b, &sv->dests[d]);
			outbuf_put(&k->b, "} ", 2);
		}
	}
	k->off[s->n_dests] = k->b.len;
	/* Every dest belongs to exactly one service; offsets were filled in
	 * service order, which is dest-array order (snapshot_add_dest). */
	return j == s->n_dests && !outbuf_failed(&k->b) ? 0 : -ENOMEM;
}

/* The labels of real server j without braces: its service's, then its own. */
static void put_dest_inner(struct outbuf *o, const struct blocks *sb, const struct blocks *db,
			   size_t j)
{
	size_t len;
	put_inner(o, sb, db->svc[j]);
	outbuf_putc(o, ',');
	const char *p = blk(db, j, &len);
	outbuf_put(o, p, len - 2);
}

/* name{service labels,real server labels} v */
static void dest_sample_i64(struct outbuf *o, const char *name, size_t nlen, const struct blocks *sb,
			    const struct blocks *db, size_t j, int64_t v)
{
	size_t len;
	outbuf_put(o, name, nlen);
	const char *p = blk(sb, db->svc[j], &len);
	outbuf_put(o, p, len - 2); /* "{labels" */
	outbuf_putc(o, ',');
	p = blk(db, j, &len);
	outbuf_put(o, p, len); /* "real_address=...} " */
	outbuf_put_i64(o, v);
	outbuf_putc(o, '\n');
}

/* --- samples ------------------------------------------------------------- */

static void head(struct outbuf *o, const char *name, const char *type, const char *help)
{
	outbuf_puts(o, "# HELP ");
	outbuf_puts(o, name);
	outbuf_putc(o, ' ');
	outbuf_puts(o, help);
	outbuf_puts(o, "\n# TYPE ");
	outbuf_puts(o, name);
	outbuf_putc(o, ' ');
	outbuf_puts(o, type);
	outbuf_putc(o, '\n');
}

static void sample_i64(struct outbuf *o, const char *name, size_t nlen, const char *b, size_t blen,
		       int64_t v)
{
	outbuf_put(o, name, nlen);
	outbuf_put(o, b, blen);
	outbuf_put_i64(o, v);
	outbuf_putc(o, '\n');
}

/* A sample without labels. */
static void plain_f(struct outbuf *o, const char *name, const char *type, const char *help, double v)
{
	head(o, name, type, help);
	outbuf_puts(o, name);
	outbuf_putc(o, ' ');
	outbuf_put_double(o, v);
	outbuf_putc(o, '\n');
}

enum field {
	F_CONNS,
	F_INPKTS,
	F_OUTPKTS,
	F_INBYTES,
	F_OUTBYTES,
	F_ACTIVE,
	F_INACT,
	F_PERSIST,
	F_WEIGHT,
	F_UTHRESH,
	F_LTHRESH,
};

static int64_t stat_field(const struct lvs_stats *st, enum field f)
{
	/* Prometheus counters are floats; int64 keeps every value a kernel
	 * counter reaches within a machine's lifetime exact. */
	switch (f) {
	case F_CONNS: return (int64_t)st->conns;
	case F_INPKTS: return (int64_t)st->inpkts;
	case F_OUTPKTS: return (int64_t)st->outpkts;
	case F_INBYTES: return (int64_t)st->inbytes;
	case F_OUTBYTES: return (int64_t)st->outbytes;
	default: return 0;
	}
}

static int64_t dest_field(const struct lvs_dest *d, enum field f)
{
	switch (f) {
	case F_ACTIVE: return d->active_conns;
	case F_INACT: return d->inact_conns;
	case F_PERSIST: return d->persist_conns;
	case F_WEIGHT: return d->weight;
	case F_UTHRESH: return d->u_thresh;
	case F_LTHRESH: return d->l_thresh;
	default: return stat_field(&d->stats, f);
	}
}

struct fam {
	const char *suffix; /* after the object prefix */
	const char *type;
	const char *help;
	enum field field;
	unsigned group; /* LVS_RSG_* (real servers only) */
};

/* Counters shared by the whole table, services and real servers. */
static const struct fam stat_fams[] = {
	{ "connections_total", "counter", "Connections scheduled.", F_CONNS, LVS_RSG_CONNECTIONS },
	{ "incoming_packets_total", "counter", "Packets from clients (to the real servers).",
	  F_INPKTS, LVS_RSG_PACKETS },
	{ "outgoing_packets_total", "counter", "Packets from the real servers (to clients).",
	  F_OUTPKTS, LVS_RSG_PACKETS },
	{ "incoming_bytes_total", "counter", "Bytes from clients (to the real servers).", F_INBYTES,
	  LVS_RSG_BYTES },
	{ "outgoing_bytes_total", "counter", "Bytes from the real servers (to clients).",
	  F_OUTBYTES, LVS_RSG_BYTES },
};

static const struct fam dest_fams[] = {
	{ "active_connections", "gauge", "Active connections (ESTABLISHED for TCP).", F_ACTIVE,
	  LVS_RSG_ACTIVE },
	{ "inactive_connections", "gauge", "Inactive connections (any other state).", F_INACT,
	  LVS_RSG_INACTIVE },
	{ "persistent_connections", "gauge",
	  "Persistence templates pointing at the real server (ipvsadm --persistent-conn).",
	  F_PERSIST, LVS_RSG_PERSISTENT },
	{ "weight", "gauge", "Scheduling weight; 0 means quiesced.", F_WEIGHT, LVS_RSG_WEIGHT },
	{ "upper_threshold", "gauge", "Upper connection threshold; 0 means none.", F_UTHRESH,
	  LVS_RSG_THRESHOLDS },
	{ "lower_threshold", "gauge", "Lower connection threshold; 0 means none.", F_LTHRESH,
	  LVS_RSG_THRESHOLDS },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Names are built in a small buffer: prefix + suffix. */
static size_t fam_name(char *buf, size_t len, const char *prefix, const char *suffix)
{
	int n = snprintf(buf, len, "%s%s", prefix, suffix);
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

/* --- sections ------------------------------------------------------------ */

static void render_global(struct outbuf *o, const struct lvs_snapshot *s)
{
	struct lvs_stats sum = { 0 };
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_stats *st = &s->services[i].stats;
		sum.conns += st->conns;
		sum.inpkts += st->inpkts;
		sum.outpkts += st->outpkts;
		sum.inbytes += st->inbytes;
		sum.outbytes += st->outbytes;
	}
	char name[96], help[160];
	for (size_t f = 0; f < N(stat_fams); f++) {
		fam_name(name, sizeof(name), "ipvs_", stat_fams[f].suffix);
		snprintf(help, sizeof(help), "%s Sum over the current virtual services.",
			 stat_fams[f].help);
		plain_f(o, name, "counter", help, (double)stat_field(&sum, stat_fams[f].field));
	}
	plain_f(o, "ipvs_services", "gauge", "Virtual services in the table.",
		(double)s->n_services);
	plain_f(o, "ipvs_real_servers", "gauge", "Real servers in the table, over all services.",
		(double)s->n_dests);
	plain_f(o, "ipvs_connection_hash_buckets", "gauge",
		"Buckets of the kernel's connection hash table (ipvsadm's size=).",
		(double)s->conn_tab_size);

	head(o, "ipvs_timeout_seconds", "gauge",
	     "Connection timeouts (ipvsadm -L --timeout), by protocol state.");
	static const char *tn[] = { "tcp", "tcpfin", "udp" };
	uint32_t tv[] = { s->timeout_tcp, s->timeout_tcpfin, s->timeout_udp };
	for (size_t i = 0; i < 3; i++) {
		outbuf_puts(o, "ipvs_timeout_seconds{timeout=\"");
		outbuf_puts(o, tn[i]);
		outbuf_puts(o, "\"} ");
		outbuf_put_u64(o, tv[i]);
		outbuf_putc(o, '\n');
	}

	if (s->n_daemons) {
		head(o, "ipvs_sync_daemon_info", "gauge",
		     "Connection synchronisation daemons running in the kernel (always 1).");
		for (size_t i = 0; i < s->n_daemons && i < N(s->daemons); i++) {
			const struct lvs_daemon *d = &s->daemons[i];
			outbuf_puts(o, "ipvs_sync_daemon_info{state=\"");
			outbuf_put_label(o, lvs_daemon_state_name(d->state));
			outbuf_puts(o, "\",interface=\"");
			outbuf_put_label(o, d->mcast_ifn);
			outbuf_puts(o, "\",syncid=\"");
			outbuf_put_u64(o, d->syncid);
			outbuf_puts(o, "\"} 1\n");
		}
	}
}

/* weight_sum, by_health: the per-service stand-ins for real-server series
 * left out (aggregate mode: both; a health group left out by the series
 * budget: by_health). */
static void render_services(struct outbuf *o, const struct lvs_snapshot *s, const struct blocks *sb,
			    bool weight_sum, bool by_health)
{
	char name[96];
	size_t nlen, blen;
	const char *b;

	head(o, "ipvs_service_info", "gauge",
	     "Virtual service settings as labels (always 1): scheduler, persistence engine, flags.");
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *sv = &s->services[i];
		outbuf_puts(o, "ipvs_service_info{");
		put_inner(o, sb, i);
		outbuf_puts(o, ",scheduler=\"");
		outbuf_put_label(o, sv->sched);
		outbuf_puts(o, "\",pe=\"");
		outbuf_put_label(o, sv->pe_name);
		outbuf_puts(o, "\",flags=\"");
		const char *fl[32];
		size_t nf = lvs_svc_flag_names(sv->flags, sv->sched, fl, N(fl));
		for (size_t f = 0; f < nf; f++) {
			if (f)
				outbuf_putc(o, ',');
			outbuf_put_label(o, fl[f]);
		}
		outbuf_puts(o, "\"} 1\n");
	}

	head(o, "ipvs_service_persistence_timeout_seconds", "gauge",
	     "Persistence timeout; 0 when the service is not persistent.");
	nlen = strlen("ipvs_service_persistence_timeout_seconds");
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *sv = &s->services[i];
		b = blk(sb, i, &blen);
		sample_i64(o, "ipvs_service_persistence_timeout_seconds", nlen, b, blen,
			   sv->flags & IP_VS_SVC_F_PERSISTENT ? (int64_t)sv->timeout : 0);
	}

	for (size_t f = 0; f < N(stat_fams); f++) {
		nlen = fam_name(name, sizeof(name), "ipvs_service_", stat_fams[f].suffix);
		head(o, name, stat_fams[f].type, stat_fams[f].help);
		for (size_t i = 0; i < s->n_services; i++) {
			b = blk(sb, i, &blen);
			sample_i64(o, name, nlen, b, blen,
				   stat_field(&s->services[i].stats, stat_fams[f].field));
		}
	}

	/* The kernel keeps connection gauges per real server only; a
	 * service's are the sums over its real servers (what ipvsadm's
	 * per-service view would show if it had one). */
	for (size_t f = 0; f < 3; f++) {
		nlen = fam_name(name, sizeof(name), "ipvs_service_", dest_fams[f].suffix);
		char help[160];
		snprintf(help, sizeof(help), "%s Sum over the service's real servers.",
			 dest_fams[f].help);
		head(o, name, "gauge", help);
		for (size_t i = 0; i < s->n_services; i++) {
			const struct lvs_service *sv = &s->services[i];
			int64_t v = 0;
			for (size_t d = 0; d < sv->n_dests; d++)
				v += dest_field(&sv->dests[d], dest_fams[f].field);
			b = blk(sb, i, &blen);
			sample_i64(o, name, nlen, b, blen, v);
		}
	}

	head(o, "ipvs_service_real_servers", "gauge", "Real servers of the service.");
	nlen = strlen("ipvs_service_real_servers");
	for (size_t i = 0; i < s->n_services; i++) {
		b = blk(sb, i, &blen);
		sample_i64(o, "ipvs_service_real_servers", nlen, b, blen,
			   (int64_t)s->services[i].n_dests);
	}

	if (weight_sum) {
		head(o, "ipvs_service_weight", "gauge",
		     "Sum of the weights of the service's real servers (aggregate mode).");
		nlen = strlen("ipvs_service_weight");
		for (size_t i = 0; i < s->n_services; i++) {
			const struct lvs_service *sv = &s->services[i];
			int64_t v = 0;
			for (size_t d = 0; d < sv->n_dests; d++)
				v += sv->dests[d].weight;
			b = blk(sb, i, &blen);
			sample_i64(o, "ipvs_service_weight", nlen, b, blen, v);
		}
	}
	if (!by_health)
		return;
	head(o, "lvsd_service_real_servers_by_health", "gauge",
	     "Real servers of the service by health-check state (aggregate mode, or health "
	     "left out by exporter.max_series).");
	static const char *hn[] = { "unknown", "up", "down" };
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *sv = &s->services[i];
		uint64_t n[3] = { 0 };
		for (size_t d = 0; d < sv->n_dests; d++) {
			int h = sv->dests[d].health;
			n[h >= 0 && h <= 2 ? h : 0]++;
		}
		for (int h = 0; h < 3; h++) {
			outbuf_puts(o, "lvsd_service_real_servers_by_health{");
			put_inner(o, sb, i);
			outbuf_puts(o, ",health=\"");
			outbuf_puts(o, hn[h]);
			outbuf_puts(o, "\"} ");
			outbuf_put_u64(o, n[h]);
			outbuf_putc(o, '\n');
		}
	}
}

static void render_dests(struct outbuf *o, const struct lvs_snapshot *s, const struct blocks *sb,
			 const struct blocks *db, unsigned groups)
{
	char name[96];
	size_t nlen;

	for (size_t f = 0; f < N(stat_fams); f++) {
		if (!(groups & stat_fams[f].group))
			continue;
		nlen = fam_name(name, sizeof(name), "ipvs_real_server_", stat_fams[f].suffix);
		head(o, name, stat_fams[f].type, stat_fams[f].help);
		for (size_t j = 0; j < s->n_dests; j++) {
			dest_sample_i64(o, name, nlen, sb, db, j,
					stat_field(&s->dests[j].stats, stat_fams[f].field));
		}
	}
	for (size_t f = 0; f < N(dest_fams); f++) {
		if (!(groups & dest_fams[f].group))
			continue;
		nlen = fam_name(name, sizeof(name), "ipvs_real_server_", dest_fams[f].suffix);
		head(o, name, dest_fams[f].type, dest_fams[f].help);
		for (size_t j = 0; j < s->n_dests; j++) {
			dest_sample_i64(o, name, nlen, sb, db, j,
					dest_field(&s->dests[j], dest_fams[f].field));
		}
	}
	if (groups & LVS_RSG_INFO) {
		head(o, "ipvs_real_server_info", "gauge",
		     "Real server settings as labels (always 1): forwarding method.");
		for (size_t j = 0; j < s->n_dests; j++) {
			outbuf_puts(o, "ipvs_real_server_info{");
			put_dest_inner(o, sb, db, j);
			outbuf_puts(o, ",forward=\"");
			outbuf_put_label(o, lvs_fwd_name(s->dests[j].fwd));
			outbuf_puts(o, "\"} 1\n");
		}
	}
	if (!(groups & LVS_RSG_HEALTH))
		return;
	/* Health series exist only for real servers a check has judged: an
	 * absent series means "not checked", never "down". */
	size_t judged = 0, moved = 0;
	for (size_t j = 0; j < s->n_dests; j++) {
		judged += s->dests[j].health != LVS_HEALTH_UNKNOWN;
		moved += s->dests[j].health_since > 0;
	}
	if (judged) {
		head(o, "lvsd_real_server_healthy", "gauge",
		     "1 when the real server's health check passes, 0 when it fails.");
		nlen = strlen("lvsd_real_server_healthy");
		for (size_t j = 0; j < s->n_dests; j++) {
			if (s->dests[j].health == LVS_HEALTH_UNKNOWN)
				continue;
			dest_sample_i64(o, "lvsd_real_server_healthy", nlen, sb, db, j,
					s->dests[j].health == LVS_HEALTH_UP);
		}
		head(o, "lvsd_real_server_health_info", "gauge",
		     "Why the real server's health check fails, as the reason label (always 1): "
		     "\"ok\" when it passes; a bounded set of values (docs/metrics.md).");
		for (size_t j = 0; j < s->n_dests; j++) {
			const struct lvs_dest *d = &s->dests[j];
			if (d->health == LVS_HEALTH_UNKNOWN)
				continue;
			char rb[16];
			outbuf_puts(o, "lvsd_real_server_health_info{");
			put_dest_inner(o, sb, db, j);
			outbuf_puts(o, ",reason=\"");
			outbuf_puts(o, metrics_health_reason(d->health, d->health_reason,
							     d->health_code, rb, sizeof(rb)));
			outbuf_puts(o, "\"} 1\n");
		}
		head(o, "lvsd_real_server_check_duration_seconds", "gauge",
		     "How long the last health check of the real server took.");
		for (size_t j = 0; j < s->n_dests; j++) {
			if (s->dests[j].health == LVS_HEALTH_UNKNOWN)
				continue;
			outbuf_puts(o, "lvsd_real_server_check_duration_seconds{");
			put_dest_inner(o, sb, db, j);
			outbuf_put(o, "} ", 2);
			outbuf_put_double(o, (double)s->dests[j].check_seconds);
			outbuf_putc(o, '\n');
		}
	}
	if (moved) {
		head(o, "lvsd_real_server_health_last_transition_timestamp_seconds", "gauge",
		     "When the real server's health state last changed (Unix time).");
		for (size_t j = 0; j < s->n_dests; j++) {
			if (!(s->dests[j].health_since > 0))
				continue;
			outbuf_puts(o, "lvsd_real_server_health_last_transition_timestamp_seconds{");
			put_dest_inner(o, sb, db, j);
			outbuf_put(o, "} ", 2);
			char t[32];
			int n = snprintf(t, sizeof(t), "%" PRIu32, s->dests[j].health_since);
			outbuf_put(o, t, (size_t)n);
			outbuf_putc(o, '\n');
		}
	}
}

static void render_conns(struct outbuf *o, const struct lvs_snapshot *s, unsigned groups,
			 enum lvs_rs_mode mode)
{
	const struct lvs_conn_summary *c = &s->conns;
	if (!c->available)
		return;
	plain_f(o, "ipvs_connection_table_complete", "gauge",
		"1 when the last read of the connection table was complete, 0 when it stopped "
		"at its bound (entry counts are then lower bounds).",
		c->partial ? 0 : 1);
	head(o, "ipvs_connection_entries", "gauge",
	     "Entries in the connection table (/proc/net/ip_vs_conn), by state.");
	for (size_t i = 0; i < c->n_states; i++) {
		outbuf_puts(o, "ipvs_connection_entries{state=\"");
		outbuf_put_label(o, c->states[i].name);
		outbuf_puts(o, "\"} ");
		outbuf_put_u64(o, c->states[i].count);
		outbuf_putc(o, '\n');
	}
	if (mode != LVS_RS_ALL || !(groups & LVS_RSG_ENTRIES) || !c->n_dests)
		return;
	head(o, "ipvs_real_server_connection_entries", "gauge",
	     "Entries in the connection table by real server (over all services) and state.");
	for (size_t i = 0; i < c->n_dests; i++) {
		const struct lvs_conn_dest *d = &c->dests[i];
		char a[LVS_ADDR_STRLEN];
		lvs_addr_ntop(d->af, &d->addr, a, sizeof(a));
		for (size_t k = 0; k < d->n_states; k++) {
			outbuf_puts(o, "ipvs_real_server_connection_entries{real_address=\"");
			outbuf_puts(o, a);
			outbuf_puts(o, "\",real_port=\"");
			outbuf_put_u64(o, d->port);
			outbuf_puts(o, "\",state=\"");
			outbuf_put_label(o, d->states[k].name);
			outbuf_puts(o, "\"} ");
			outbuf_put_u64(o, d->states[k].count);
			outbuf_putc(o, '\n');
		}
	}
}

/* --- the series budget ------------------------------------------------------ */

/* What a large table gives up last: the connection gauges and the weight
 * (node_exporter's ipvs collector's set), then health, then counters. */
static const unsigned rs_group_order[] = {
	LVS_RSG_ACTIVE,     LVS_RSG_INACTIVE, LVS_RSG_WEIGHT,  LVS_RSG_HEALTH,
	LVS_RSG_CONNECTIONS, LVS_RSG_BYTES,   LVS_RSG_PACKETS, LVS_RSG_PERSISTENT,
	LVS_RSG_ENTRIES,    LVS_RSG_THRESHOLDS, LVS_RSG_INFO,
};

unsigned metrics_rs_group_at(size_t i)
{
	return i < N(rs_group_order) ? rs_group_order[i] : 0;
}

static size_t judged_dests(const struct lvs_snapshot *s)
{
	size_t n = 0;
	for (size_t j = 0; j < s->n_dests; j++)
		n += s->dests[j].health != LVS_HEALTH_UNKNOWN;
	return n;
}

/* Series one group adds (render_dests, render_conns). */
static uint64_t group_series(const struct lvs_snapshot *s, unsigned g, size_t judged)
{
	uint64_t n = s->n_dests;
	switch (g) {
	case LVS_RSG_PACKETS:
	case LVS_RSG_BYTES:
	case LVS_RSG_THRESHOLDS:
		return 2 * n;
	case LVS_RSG_HEALTH:
		return 4 * (uint64_t)judged; /* healthy, info, duration, transition */
	case LVS_RSG_ENTRIES: {
		uint64_t e = 0;
		if (s->conns.available)
			for (size_t i = 0; i < s->conns.n_dests; i++)
				e += s->conns.dests[i].n_states;
		return e;
	}
	default:
		return n;
	}
}

/* Whether max_series chooses the groups (never the configured ones). */
static bool budget_applies(const struct lvs_metrics_opts *opt)
{
	return opt && !opt->rs_groups && opt->max_series && opt->rs_mode == LVS_RS_ALL;
}

/* metrics_rs_groups_for, and the judged real servers it counted (0 when
 * the budget does not apply), which the render reuses. */
static unsigned groups_for(const struct lvs_snapshot *s, const struct lvs_metrics_opts *o,
			   size_t *judged_out)
{
	*judged_out = 0;
	if (o && o->rs_groups)
		return o->rs_groups;
	if (!s || !budget_applies(o))
		return LVS_RSG_ALL;
	size_t judged = judged_dests(s);
	*judged_out = judged;
	/* Services: info, persistence, the counters, three sums, the count;
	 * the whole table and lvsd itself about 100 more. */
	uint64_t base = (uint64_t)s->n_services * (5 + N(stat_fams)) + 100;
	if (s->conns.available)
		base += s->conns.n_states;
	uint64_t all = base;
	for (size_t i = 0; i < N(rs_group_order); i++)
		all += group_series(s, rs_group_order[i], judged);
	if (all <= o->max_series)
		return LVS_RSG_ALL;
	/* Health left out: three series a service say it instead. */
	uint64_t total = base + (judged ? 3 * (uint64_t)s->n_services : 0);
	unsigned kept = 0;
	for (size_t i = 0; i < N(rs_group_order); i++) {
		uint64_t g = group_series(s, rs_group_order[i], judged);
		if (total + g > o->max_series)
			break;
		total += g;
		kept |= rs_group_order[i];
	}
	return kept;
}

unsigned metrics_rs_groups_for(const struct lvs_snapshot *s, const struct lvs_metrics_opts *o)
{
	size_t judged;
	return groups_for(s, o, &judged);
}

/* Which groups the budget left out. */
static void render_limit(struct outbuf *o, const struct lvs_metrics_opts *opt, unsigned groups)
{
	if (!budget_applies(opt))
		return;
	bool limited = groups != LVS_RSG_ALL;
	plain_f(o, "lvsd_exporter_series_limited", "gauge",
		"1 when per-real-server groups are left out to keep the body within "
		"exporter.max_series.",
		limited ? 1 : 0);
	if (!limited)
		return;
	head(o, "lvsd_exporter_real_server_group_left_out", "gauge",
	     "A per-real-server group left out by exporter.max_series (always 1).");
	for (size_t i = 0; i < N(rs_group_order); i++) {
		if (groups & rs_group_order[i])
			continue;
		outbuf_puts(o, "lvsd_exporter_real_server_group_left_out{group=\"");
		outbuf_puts(o, metrics_rs_group_name(rs_group_order[i]));
		outbuf_puts(o, "\"} 1\n");
	}
}

static void render_self(struct outbuf *o, const struct lvs_snapshot *s, const struct lvs_status *st,
			const struct lvs_metrics_self *self)
{
	head(o, "lvsd_build_info", "gauge", "lvsd's version (always 1).");
	outbuf_puts(o, "lvsd_build_info{version=\"");
	outbuf_put_label(o, self->version ? self->version : "");
	outbuf_puts(o, "\"} 1\n");
	plain_f(o, "lvsd_start_time_seconds", "gauge", "When lvsd started (Unix time).",
		self->start_time);
	plain_f(o, "lvsd_polls_total", "counter", "Polls of the IPVS table, failed ones included.",
		(double)st->polls);
	plain_f(o, "lvsd_poll_errors_total", "counter", "Polls of the IPVS table that failed.",
		(double)st->errors);
	plain_f(o, "lvsd_poll_duration_seconds", "gauge", "How long the last poll took.",
		st->poll_seconds);
	plain_f(o, "lvsd_last_poll_timestamp_seconds", "gauge",
		"When the last poll ran (Unix time).", st->last_attempt);
	plain_f(o, "lvsd_last_successful_poll_timestamp_seconds", "gauge",
		"When the last successful poll ran (Unix time); 0 before the first.", st->last_ok);
	plain_f(o, "lvsd_snapshot_stale", "gauge",
		"1 when polls have failed since the snapshot these series come from.",
		st->stale ? 1 : 0);
	if (s)
		plain_f(o, "lvsd_snapshot_timestamp_seconds", "gauge",
			"When the snapshot these series come from was taken (Unix time).", s->time);
	plain_f(o, "lvsd_render_duration_seconds", "gauge",
		"How long rendering the previous /metrics body took.", self->render_seconds);
	head(o, "lvsd_config_reloads_total", "counter", "Configuration reloads (SIGHUP), by result.");
	outbuf_puts(o, "lvsd_config_reloads_total{result=\"success\"} ");
	outbuf_put_u64(o, self->reloads_ok);
	outbuf_puts(o, "\nlvsd_config_reloads_total{result=\"failure\"} ");
	outbuf_put_u64(o, self->reloads_failed);
	outbuf_putc(o, '\n');
	plain_f(o, "lvsd_config_last_reload_successful", "gauge",
		"0 when the last reload was rejected (the previous configuration stays).",
		self->last_reload_ok ? 1 : 0);
	plain_f(o, "lvsd_health_checks", "gauge", "Health checks configured.", (double)self->checks);
}

int metrics_render(struct outbuf *o, const struct lvs_snapshot *s, const struct lvs_status *st,
		   const struct lvs_metrics_opts *opt, const struct lvs_metrics_self *self,
		   unsigned *left_out)
{
	static const struct lvs_metrics_opts defaults = { 0 };
	if (!opt)
		opt = &defaults;
	size_t judged;
	unsigned groups = groups_for(s, opt, &judged);
	bool up = s && !st->stale && st->err == 0;
	plain_f(o, "ipvs_up", "gauge",
		"1 when the last poll read the IPVS table, 0 when it failed (IPVS missing, no "
		"CAP_NET_ADMIN).",
		up ? 1 : 0);
	int rc = 0;
	struct blocks sb = { 0 }, db = { 0 };
	if (s) {
		char v[32];
		head(o, "ipvs_version_info", "gauge", "The kernel's IPVS version (always 1).");
		outbuf_puts(o, "ipvs_version_info{version=\"");
		outbuf_puts(o, lvs_version_str(s->version, v, sizeof(v)));
		outbuf_puts(o, "\"} 1\n");
		render_global(o, s);
		if (build_service_blocks(&sb, s)) {
			rc = -ENOMEM;
			goto out;
		}
		bool agg = opt->rs_mode == LVS_RS_AGGREGATE;
		bool health_out = budget_applies(opt) && !(groups & LVS_RSG_HEALTH) && judged;
		render_services(o, s, &sb, agg, agg || health_out);
		if (opt->rs_mode == LVS_RS_ALL && s->n_dests) {
			if (build_dest_blocks(&db, s)) {
				rc = -ENOMEM;
				goto out;
			}
			render_dests(o, s, &sb, &db, groups);
		}
		render_conns(o, s, groups, opt->rs_mode);
		render_limit(o, opt, groups);
	}
	render_self(o, s, st, self);
out:
	if (s) {
		blocks_done(&sb);
		blocks_done(&db);
	}
	if (left_out)
		*left_out = budget_applies(opt) ? LVS_RSG_ALL & ~groups : 0;
	if (outbuf_failed(o))
		rc = -ENOMEM;
	return rc;
}

void metrics_service_labels(struct outbuf *o, const struct lvs_service *svc)
{
	put_service_labels(o, svc);
}

void metrics_dest_labels(struct outbuf *o, const struct lvs_dest *d)
{
	put_dest_labels(o, d);
}
