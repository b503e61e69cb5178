/* Exporter benchmark, and the recording generator the exporter's tests use.
 *
 *   bench_exporter                 the benchmark (make bench): a recording of
 *                                  10,000 services x 10 real servers replayed
 *                                  into lvsd, scraped plain and gzip; the same
 *                                  table as /proc/net/ip_vs{,_stats} files
 *                                  for node_exporter's ipvs collector alone.
 *   bench_exporter --gen FILE [--services N] [--dests M] [--lines L] [--mixed]
 *                  [--proc DIR]    write a recording (and a procfs tree)
 *
 * Prints "NAME VALUE UNIT" lines: exporter_scrape_p50/p99 and
 * exporter_scrape_gzip_p99 (ms), exporter_peak_rss (MiB, lvsd's VmHWM),
 * node_exporter_scrape_p50 (ms) and exporter_speedup (ratio of the p50s).
 * Goals: p99 <= 150 ms plain, RSS <= 64 MiB, >= 20x node_exporter.
 * Everything binds and connects to 127.0.0.1 only. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collector/snapjson.h"
#include "collector/snapshot.h"

struct gen {
	unsigned services, dests, lines;
	bool mixed; /* every kind of service: IPv4, IPv6, fwmark v4/v6, UDP, SCTP */
	const char *proc; /* also write DIR/net/ip_vs and DIR/net/ip_vs_stats */
};

/* A deterministic counter value for object `id` at line `line`: grows
 * with the line, differs between objects. */
static uint64_t ctr(uint64_t id, unsigned which, unsigned line)
{
	uint64_t base = (id * 2654435761u + which * 40503u) % 100000u;
	return base * (which + 1) + (uint64_t)line * (id % 7 + 1) * (which + 3);
}

static void svc_of(const struct gen *g, unsigned i, struct lvs_service *s)
{
	memset(s, 0, sizeof(*s));
	unsigned kind = g->mixed ? i % 6 : 0;
	strcpy(s->sched, i % 3 ? "wlc" : "rr");
	s->af = AF_INET;
	switch (kind) {
	case 0: /* TCP IPv4: 10.x.y.z:80 */
	case 4: /* UDP IPv4 */
	case 5: /* SCTP IPv4 */
		s->protocol = kind == 4 ? IPPROTO_UDP : kind == 5 ? IPPROTO_SCTP : IPPROTO_TCP;
		s->addr.v4.s_addr = htonl(0x0a000000u | (i + 1));
		s->port = (uint16_t)(kind == 4 ? 53 : 80);
		break;
	case 1: /* TCP IPv6 */
		s->af = AF_INET6;
		s->protocol = IPPROTO_TCP;
		inet_pton(AF_INET6, "2001:db8:f::", &s->addr.v6);
		s->addr.v6.s6_addr[14] = (uint8_t)((i + 1) >> 8);
		s->addr.v6.s6_addr[15] = (uint8_t)(i + 1);
		s->port = 443;
		break;
	case 2: /* fwmark IPv4 and IPv6 share the mark: series must differ */
	case 3:
		s->af = kind == 2 ? AF_INET : AF_INET6;
		s->fwmark = i / 6 + 1;
		s->flags = 0x1; /* persistent */
		s->timeout = 300;
		s->netmask = kind == 2 ? 0xffffffffu : 128;
		break;
	}
}

static void dest_of(const struct gen *g, const struct lvs_service *s, unsigned i, unsigned j,
		    unsigned line, struct lvs_dest *d)
{
	memset(d, 0, sizeof(*d));
	uint64_t id = (uint64_t)i * g->dests + j;
	d->af = s->af;
	if (s->af == AF_INET6) {
		inet_pton(AF_INET6, "2001:db8:a::", &d->addr.v6);
		d->addr.v6.s6_addr[13] = (uint8_t)j;
		d->addr.v6.s6_addr[14] = (uint8_t)((i + 1) >> 8);
		d->addr.v6.s6_addr[15] = (uint8_t)(i + 1);
	} else {
		d->addr.v4.s_addr = htonl(0xac100000u | (uint32_t)(id & 0xfffff));
	}
	d->port = s->port ? s->port : 8080;
	d->fwd = s->fwmark ? 3 : 0;
	d->weight = (int32_t)(j % 4 + 1);
	d->u_thresh = j % 2 ? 1000 : 0;
	d->l_thresh = j % 2 ? 100 : 0;
	d->active_conns = (uint32_t)(ctr(id, 9, line) % 5000);
	d->inact_conns = (uint32_t)(ctr(id, 10, line) % 3000);
	d->persist_conns = s->fwmark ? (uint32_t)(ctr(id, 11, line) % 50) : 0;
	d->stats.conns = ctr(id, 0, line);
	d->stats.inpkts = ctr(id, 1, line) * 10;
	d->stats.outpkts = ctr(id, 2, line) * 9;
	d->stats.inbytes = ctr(id, 3, line) * 1500;
	d->stats.outbytes = ctr(id, 4, line) * 15000;
}

static struct lvs_snapshot *gen_snapshot(const struct gen *g, unsigned line)
{
	struct lvs_snapshot *s = snapshot_new();
	if (!s)
		return NULL;
	s->time = 1763700000.0 + 2.0 * line;
	s->version = (1 << 16) | (2 << 8) | 1;
	s->conn_tab_size = 4096;
	s->timeout_tcp = 900;
	s->timeout_tcpfin = 120;
	s->timeout_udp = 300;
	for (unsigned i = 0; i < g->services; i++) {
		struct lvs_service sv;
		svc_of(g, i, &sv);
		/* A service's counters are its real servers' sums, as in the kernel. */
		for (unsigned j = 0; j < g->dests; j++) {
			struct lvs_dest d;
			dest_of(g, &sv, i, j, line, &d);
			sv.stats.conns += d.stats.conns;
			sv.stats.inpkts += d.stats.inpkts;
			sv.stats.outpkts += d.stats.outpkts;
			sv.stats.inbytes += d.stats.inbytes;
			sv.stats.outbytes += d.stats.outbytes;
		}
		if (snapshot_add_service(s, &sv))
			goto err;
		for (unsigned j = 0; j < g->dests; j++) {
			struct lvs_dest d;
			dest_of(g, &sv, i, j, line, &d);
			if (snapshot_add_dest(s, i, &d))
				goto err;
		}
	}
	snapshot_finish(s);
	struct lvs_conn_summary *c = &s->conns;
	c->available = true;
	c->n_states = 2;
	strcpy(c->states[0].name, "ESTABLISHED");
	c->states[0].count = 100 + line;
	strcpy(c->states[1].name, "TIME_WAIT");
	c->states[1].count = 40 + 2 * line;
	c->total = c->states[0].count + c->states[1].count;
	return s;
err:
	snapshot_unref(s);
	return NULL;
}

/* /proc/net/ip_vs and ip_vs_stats as the kernel prints them (IPv4 and
 * fwmark services; addresses and ports in hex). */
static int write_proc(const struct gen *g, const struct lvs_snapshot *s)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/net", g->proc);
	if (mkdir(g->proc, 0755) && errno != EEXIST)
		return -errno;
	if (mkdir(p, 0755) && errno != EEXIST)
		return -errno;
	snprintf(p, sizeof(p), "%s/net/ip_vs", g->proc);
	FILE *f = fopen(p, "w");
	if (!f)
		return -errno;
	fprintf(f, "IP Virtual Server version 1.2.1 (size=4096)\n"
		   "Prot LocalAddress:Port Scheduler Flags\n"
		   "  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n");
	static const char *fwd[] = { "Masq", "Local", "Tunnel", "Route" };
	struct lvs_stats tot = { 0 };
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *sv = &s->services[i];
		if (sv->af != AF_INET)
			continue;
		if (sv->fwmark)
			fprintf(f, "FWM  %08X %s\n", sv->fwmark, sv->sched);
		else
			fprintf(f, "%s  %08X:%04X %s\n", sv->protocol == IPPROTO_UDP ? "UDP" : "TCP",
				ntohl(sv->addr.v4.s_addr), sv->port, sv->sched);
		tot.conns += sv->stats.conns;
		tot.inpkts += sv->stats.inpkts;
		tot.outpkts += sv->stats.outpkts;
		tot.inbytes += sv->stats.inbytes;
		tot.outbytes += sv->stats.outbytes;
		for (size_t j = 0; j < sv->n_dests; j++) {
			const struct lvs_dest *d = &sv->dests[j];
			fprintf(f, "  -> %08X:%04X      %-7s %-6d %-10u %-10u\n",
				ntohl(d->addr.v4.s_addr), d->port, fwd[d->fwd & 3], d->weight,
				d->active_conns, d->inact_conns);
		}
	}
	fclose(f);
	snprintf(p, sizeof(p), "%s/net/ip_vs_stats", g->proc);
	if (!(f = fopen(p, "w")))
		return -errno;
	fprintf(f, "   Total Incoming Outgoing         Incoming         Outgoing\n"
		   "   Conns  Packets  Packets            Bytes            Bytes\n"
		   "%8llX %8llX %8llX %16llX %16llX\n\n"
		   " Conns/s   Pkts/s   Pkts/s          Bytes/s          Bytes/s\n"
		   "%8X %8X %8X %16X %16X\n",
		(unsigned long long)tot.conns, (unsigned long long)tot.inpkts,
		(unsigned long long)tot.outpkts, (unsigned long long)tot.inbytes,
		(unsigned long long)tot.outbytes, 0, 0, 0, 0, 0);
	fclose(f);
	return 0;
}

static int generate(const struct gen *g, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "bench_exporter: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (unsigned line = 0; line < g->lines; line++) {
		struct lvs_snapshot *s = gen_snapshot(g, line);
		char *txt = s ? snapjson_render(s, 0) : NULL;
		if (!txt) {
			fprintf(stderr, "bench_exporter: out of memory\n");
			snapshot_unref(s);
			fclose(f);
			return 1;
		}
		fputs(txt, f);
		fputc('\n', f);
		free(txt);
		if (g->proc && line == 0 && write_proc(g, s)) {
			fprintf(stderr, "bench_exporter: cannot write %s: %s\n", g->proc, strerror(errno));
			snapshot_unref(s);
			fclose(f);
			return 1;
		}
		snapshot_unref(s);
	}
	if (fclose(f)) {
		fprintf(stderr, "bench_exporter: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct gen g = { .services = 10000, .dests = 10, .lines = 1 };
	const char *out = NULL;
	static const struct option opts[] = {
		{ "gen", required_argument, NULL, 'g' },   { "services", required_argument, NULL, 's' },
		{ "dests", required_argument, NULL, 'd' }, { "lines", required_argument, NULL, 'l' },
		{ "mixed", no_argument, NULL, 'm' },       { "proc", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'g': out = optarg; break;
		case 's': g.services = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'd': g.dests = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'l': g.lines = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'm': g.mixed = true; break;
		case 'p': g.proc = optarg; break;
		default: return 2;
		}
	}
	if (out)
		return generate(&g, out);
	fprintf(stderr, "bench_exporter: the benchmark itself is not written yet\n");
	return 1;
}
