#include "once.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/ip_vs.h>

#include "collector/names.h"
#include "collector/snapjson.h"
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

static void stats_cols(FILE *out, const struct lvs_stats *s, const struct lvs_kern_rates *r,
		       bool exact)
{
	char b[10][24];
	fprintf(out, STAT_COLS, fmt_count(s->conns, exact, b[0], 24),
		fmt_count(s->inpkts, exact, b[1], 24), fmt_count(s->outpkts, exact, b[2], 24),
		fmt_count(s->inbytes, exact, b[3], 24), fmt_count(s->outbytes, exact, b[4], 24),
		fmt_count(r->cps, exact, b[5], 24), fmt_count(r->inpps, exact, b[6], 24),
		fmt_count(r->outpps, exact, b[7], 24), fmt_count(r->inbps, exact, b[8], 24),
		fmt_count(r->outbps, exact, b[9], 24));
}

static void states_text(FILE *out, const struct lvs_state_count *st, size_t n)
{
	char name[4 * LVS_STATE_NAME_MAX];
	for (size_t i = 0; i < n; i++)
		fprintf(out, " %s %" PRIu64, log_clean(name, sizeof(name), st[i].name,
							sizeof(st[i].name)),
			st[i].count);
}

static void print_text(FILE *out, const struct lvs_snapshot *s, bool exact)
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
		fprintf(out, "%s\n%-42s", line, "");
		stats_cols(out, &svc->stats, &svc->krates, exact);
		fputc('\n', out);
		for (size_t j = 0; j < svc->n_dests; j++) {
			const struct lvs_dest *d = &svc->dests[j];
			fprintf(out, "  -> %-28s %-7s %6d %10u %9u %11u\n%-42s",
				fmt_endpoint(d->af, &d->addr, d->port, b, sizeof(b)), fwd_label(d->fwd),
				d->weight, d->active_conns, d->inact_conns, d->persist_conns, "");
			stats_cols(out, &d->stats, &d->krates, exact);
			fputc('\n', out);
		}
	}
	const struct lvs_conn_summary *c = &s->conns;
	if (!c->available) {
		fprintf(out, "Connections: table not read\n");
		return;
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
		char *txt = snapjson_render(s, SNAPJSON_COMPUTED | (st && st->stale ? SNAPJSON_STALE : 0));
		if (!txt)
			return -ENOMEM;
		int r = fprintf(out, "%s\n", txt) < 0 ? -EIO : 0;
		free(txt);
		return r;
	}
	if (st)
		status_line(out, st);
	if (s)
		print_text(out, s, o->exact);
	return ferror(out) ? -EIO : 0;
}
