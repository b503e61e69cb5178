#include "once.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/ip_vs.h>

#include "collector/names.h"
#include "collector/snapjson.h"
#include "collector/snapshot.h"
#include "format.h"
#include "share/log.h"

static void status_line(FILE *out, const struct lvs_status *st)
{
	/* Names and messages may come from a recording or a remote
	 * director, not the local kernel: printable copies only. */
	char msg[4 * sizeof(st->msg)];
	log_clean(msg, sizeof(msg), st->msg, sizeof(st->msg));
	if (st->stale) {
		char when[32] = "never";
		time_t t = (time_t)st->last_ok;
		struct tm tm;
		if (st->last_ok > 0 && localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
		fprintf(out, "STALE: data from the last good poll at %s; %s\n", when, msg);
	} else if (st->err) {
		fprintf(out, "ERROR: %s\n", msg);
	}
}

static const char *fwd_label(uint32_t fwd)
{
	switch (fwd) {
	case LVS_FWD_MASQ: return "Masq";
	case LVS_FWD_LOCAL: return "Local";
	case LVS_FWD_TUNNEL: return "Tunnel";
	case LVS_FWD_ROUTE: return "Route";
	default: return "Bypass";
	}
}

#define STAT_COLS "%8s %8s %8s %8s %8s %7s %7s %7s %8s %8s"

/* The table's hot lines (two per real server) are made here, not by
 * printf: at 100,000 real servers its format parsing was most of the
 * cost. Lines gather in `b` and go to the stream 64 KiB at a time (a
 * write each, where the stream's own buffer makes one per 4 KiB). */
#define LINE_MAX_BYTES 1024 /* a service's two lines, or a real server's, with room */
struct line {
	char *p;
	char b[65536];
};

static void put_str(struct line *l, const char *s, size_t n)
{
	memcpy(l->p, s, n);
	l->p += n;
}

static void put_spaces(struct line *l, size_t n)
{
	memset(l->p, ' ', n);
	l->p += n;
}

/* s right-aligned in width (printf's %Ns); width is at most 42 and s
 * shorter than 32 bytes here. */
static void put_right(struct line *l, const char *s, size_t n, size_t width)
{
	if (n < width)
		put_spaces(l, width - n);
	put_str(l, s, n);
}

static void put_left(struct line *l, const char *s, size_t n, size_t width)
{
	put_str(l, s, n);
	if (n < width)
		put_spaces(l, width - n);
}

/* Decimal digits of v ending at end; where they start. */
static char *digits(uint64_t v, char *end)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

static void put_u64(struct line *l, uint64_t v, size_t width)
{
	char t[24];
	char *d = digits(v, t + sizeof(t));
	put_right(l, d, (size_t)(t + sizeof(t) - d), width);
}

static void put_i64(struct line *l, int64_t v, size_t width)
{
	char t[24];
	char *d = digits(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, t + sizeof(t));
	if (v < 0)
		*--d = '-';
	put_right(l, d, (size_t)(t + sizeof(t) - d), width);
}

/* fmt_count's text: digits when exact or small (as fmt_count writes them). */
static void put_count(struct line *l, uint64_t v, bool exact, size_t width)
{
	if (exact || v < 100000) {
		put_u64(l, v, width);
		return;
	}
	char b[24];
	fmt_count(v, exact, b, sizeof(b));
	put_right(l, b, strlen(b), width);
}

/* fmt_endpoint's text: IPv4 "A.B.C.D:PORT" made here, IPv6 by it. */
static void put_endpoint(struct line *l, uint16_t af, const union lvs_addr *a, uint16_t port,
			 size_t width)
{
	char b[80];
	size_t n;
	if (af == AF_INET6) {
		fmt_endpoint(af, a, port, b, sizeof(b));
		n = strlen(b);
	} else {
		const unsigned char *q = (const unsigned char *)&a->v4;
		char *p = b;
		for (int i = 0; i < 4; i++) {
			char t[4];
			char *d = digits(q[i], t + sizeof(t));
			memcpy(p, d, (size_t)(t + sizeof(t) - d));
			p += t + sizeof(t) - d;
			*p++ = i < 3 ? '.' : ':';
		}
		char t[8];
		char *d = digits(port, t + sizeof(t));
		memcpy(p, d, (size_t)(t + sizeof(t) - d));
		n = (size_t)(p - b) + (size_t)(t + sizeof(t) - d);
	}
	put_left(l, b, n, width);
}

/* The ten stats and rates columns (STAT_COLS), after 42 blanks, and the
 * end of the line. */
static void stats_cols(struct line *l, const struct lvs_stats *s, const struct lvs_kern_rates *r,
		       bool exact)
{
	put_spaces(l, 42);
	put_count(l, s->conns, exact, 8);
	*l->p++ = ' ';
	put_count(l, s->inpkts, exact, 8);
	*l->p++ = ' ';
	put_count(l, s->outpkts, exact, 8);
	*l->p++ = ' ';
	put_count(l, s->inbytes, exact, 8);
	*l->p++ = ' ';
	put_count(l, s->outbytes, exact, 8);
	*l->p++ = ' ';
	put_count(l, r->cps, exact, 7);
	*l->p++ = ' ';
	put_count(l, r->inpps, exact, 7);
	*l->p++ = ' ';
	put_count(l, r->outpps, exact, 7);
	*l->p++ = ' ';
	put_count(l, r->inbps, exact, 8);
	*l->p++ = ' ';
	put_count(l, r->outbps, exact, 8);
	*l->p++ = '\n';
}

/* Hand the gathered lines to the stream when another might not fit
 * (always when `all`). */
static void line_out(FILE *out, struct line *l, bool all)
{
	if (all || (size_t)(l->b + sizeof(l->b) - l->p) < LINE_MAX_BYTES) {
		fwrite(l->b, 1, (size_t)(l->p - l->b), out);
		l->p = l->b;
	}
}

static void states_text(FILE *out, const struct lvs_state_count *st, size_t n)
{
	char name[4 * LVS_STATE_NAME_MAX];
	for (size_t i = 0; i < n; i++)
		fprintf(out, " %s %" PRIu64, log_clean(name, sizeof(name), st[i].name,
							sizeof(st[i].name)),
			st[i].count);
}

static int print_text(FILE *out, const struct lvs_snapshot *s, bool exact)
{
	char ver[16], when[40], b[80];
	time_t t = (time_t)s->time;
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm);
	fprintf(out, "IP Virtual Server version %s (size=%u)  %s\n",
		lvs_version_str(s->version, ver, sizeof(ver)), s->conn_tab_size, when);
	fprintf(out, "Timeouts (tcp tcpfin udp): %u %u %u  Sync daemon:", s->timeout_tcp,
		s->timeout_tcpfin, s->timeout_udp);
	if (!s->n_daemons)
		fprintf(out, " none");
	for (size_t i = 0; i < s->n_daemons; i++) {
		char ifn[4 * LVS_IFNAME_MAX];
		fprintf(out, " %s (%s, syncid %u)", lvs_daemon_state_name(s->daemons[i].state),
			log_clean(ifn, sizeof(ifn), s->daemons[i].mcast_ifn,
				  sizeof(s->daemons[i].mcast_ifn)),
			s->daemons[i].syncid);
	}
	fprintf(out, "\nProt LocalAddress:Port Scheduler Flags\n");
	fprintf(out, "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn PersistConn\n");
	fprintf(out, "%-42s" STAT_COLS "\n", "     (stats and kernel rates, per line)", "Conns",
		"InPkts", "OutPkts", "InBytes", "OutBytes", "CPS", "InPPS", "OutPPS", "InBPS",
		"OutBPS");
	struct line *l = malloc(sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->p = l->b;
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *svc = &s->services[i];
		const char *fl[8];
		size_t nf = lvs_svc_flag_names(svc->flags & ~IP_VS_SVC_F_HASHED, svc->sched, fl, 8);
		char line[256], sched[4 * LVS_SCHED_MAX], pe[4 * LVS_PE_MAX];
		log_clean(sched, sizeof(sched), svc->sched, sizeof(svc->sched));
		log_clean(pe, sizeof(pe), svc->pe_name, sizeof(svc->pe_name));
		int n = snprintf(line, sizeof(line), "%-4s %s %s",
				 svc->fwmark ? "FWM" : lvs_service_proto_name(svc),
				 svc->fwmark ? (snprintf(b, sizeof(b), "%u", svc->fwmark), b)
					     : fmt_service(svc, b, sizeof(b)),
				 sched);
		for (size_t f = 0; f < nf && n > 0 && (size_t)n < sizeof(line); f++) {
			if (!strcmp(fl[f], "persistent"))
				continue;
			n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%s", f ? "," : " ", fl[f]);
		}
		if (svc->flags & IP_VS_SVC_F_PERSISTENT && n > 0 && (size_t)n < sizeof(line)) {
			char mask[LVS_ADDR_STRLEN];
			union lvs_addr m = { .v4.s_addr = svc->netmask };
			if (svc->af == AF_INET6)
				snprintf(mask, sizeof(mask), "%u", svc->netmask);
			else
				lvs_addr_ntop(AF_INET, &m, mask, sizeof(mask));
			n += snprintf(line + n, sizeof(line) - (size_t)n, " persistent %u mask %s",
				      svc->timeout, mask);
		}
		if (svc->pe_name[0] && n > 0 && (size_t)n < sizeof(line))
			snprintf(line + n, sizeof(line) - (size_t)n, " pe %s", pe);
		for (char *p = line; *p && p < line + 4; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
		put_str(l, line, strlen(line));
		*l->p++ = '\n';
		stats_cols(l, &svc->stats, &svc->krates, exact);
		line_out(out, l, false);
		for (size_t j = 0; j < svc->n_dests; j++) {
			/* "  -> %-28s %-7s %6d %10u %9u %11u\n" and the stats. */
			const struct lvs_dest *d = &svc->dests[j];
			const char *fwd = fwd_label(d->fwd);
			put_str(l, "  -> ", 5);
			put_endpoint(l, d->af, &d->addr, d->port, 28);
			*l->p++ = ' ';
			put_left(l, fwd, strlen(fwd), 7);
			*l->p++ = ' ';
			put_i64(l, d->weight, 6);
			*l->p++ = ' ';
			put_u64(l, d->active_conns, 10);
			*l->p++ = ' ';
			put_u64(l, d->inact_conns, 9);
			*l->p++ = ' ';
			put_u64(l, d->persist_conns, 11);
			*l->p++ = '\n';
			stats_cols(l, &d->stats, snapshot_dest_krates(s, d), exact);
			line_out(out, l, false);
		}
	}
	line_out(out, l, true);
	free(l);
	const struct lvs_conn_summary *c = &s->conns;
	if (!c->available) {
		fprintf(out, "Connections: table not read\n");
		return 0;
	}
	fprintf(out, "Connections: %" PRIu64 "%s", c->total, c->partial ? " (partial: table read only in part)" : "");
	states_text(out, c->states, c->n_states);
	fputc('\n', out);
	for (size_t i = 0; i < c->n_dests; i++) {
		fprintf(out, "  -> %-28s %" PRIu64 ":",
			fmt_endpoint(c->dests[i].af, &c->dests[i].addr, c->dests[i].port, b, sizeof(b)),
			c->dests[i].total);
		states_text(out, c->dests[i].states, c->dests[i].n_states);
		fputc('\n', out);
	}
	if (c->n_top_clients) {
		fprintf(out, "Top clients:");
		for (size_t i = 0; i < c->n_top_clients; i++)
			fprintf(out, " %s (%" PRIu64 ")",
				lvs_addr_ntop(c->top_clients[i].af, &c->top_clients[i].addr, b, sizeof(b)),
				c->top_clients[i].conns);
		fputc('\n', out);
	}
	return 0;
}

static int file_sink(void *arg, const char *text, size_t len)
{
	return fwrite(text, 1, len, arg) == len ? 0 : -EIO;
}

int once_print(FILE *out, const struct lvs_snapshot *s, const struct lvs_status *st,
	       const struct once_opts *o)
{
	if (o->json) {
		/* stdout stays a stream of snapshot documents; the error of a
		 * failed poll goes to stderr, and "stale" marks the old data. */
		if (st && st->err) {
			char msg[4 * sizeof(st->msg)];
			fprintf(stderr, "lvstop: %s\n", log_clean(msg, sizeof(msg), st->msg, sizeof(st->msg)));
		}
		if (!s)
			return 0;
		/* Streamed to out in 64 KiB pieces: the document (tens of MB
		 * for a large table) is never whole in memory. */
		int r = snapjson_write(s, SNAPJSON_COMPUTED | (st && st->stale ? SNAPJSON_STALE : 0),
				       file_sink, out);
		if (!r && fputc('\n', out) == EOF)
			r = -EIO;
		return r;
	}
	if (st)
		status_line(out, st);
	int r = s ? print_text(out, s, o->exact) : 0;
	return r ? r : ferror(out) ? -EIO : 0;
}
