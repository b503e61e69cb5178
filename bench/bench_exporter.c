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
 * The exporter_* lines come from lvsd exporting what node_exporter exports
 * per real server (active, inactive, weight: like for like, about 400,000
 * series with the per-service ones); exporter_full_* from every
 * per-real-server series (about 1.3 million: exporter.max_series = 0; by
 * default lvsd keeps a table this large within 500,000). Peak RSS includes
 * the replay source reading each 80 MB recording line (streamed through
 * yajl in 64 KiB pieces, one real server at a time), which the kernel
 * source does not do; two snapshots of the table are alive while one is
 * read, as with the kernel. Plain scrapes are inflated from the gzip body
 * as they are sent (lvsd keeps no plain copy of a large body).
 * Everything binds and connects to 127.0.0.1 only. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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
#include "share/clock.h"
#include "share/file.h"
#include "share/vec.h"

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

/* --- the benchmark ------------------------------------------------------------ */

static double now(void)
{
	return clock_mono_s();
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double pct(double *v, size_t n, double p)
{
	qsort(v, n, sizeof(*v), cmp_double);
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

/* A free 127.0.0.1 port, as the kernel hands one out. */
static unsigned free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &l)) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	close(fd);
	return ntohs(a.sin_port);
}

struct reply {
	int status;
	size_t body_len;
	bool gzip;
	char *body; /* when keep: malloc'd, NUL-terminated */
};

/* One HTTP/1.0 GET of 127.0.0.1:port/path; the whole answer is read.
 * 0 or -errno. */
static int scrape(unsigned port, const char *path, bool gzip, bool keep, struct reply *r)
{
	memset(r, 0, sizeof(*r));
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int e = errno;
		close(fd);
		return -e;
	}
	char req[256];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%u\r\n%s\r\n", path, port,
			 gzip ? "Accept-Encoding: gzip\r\n" : "");
	if (write(fd, req, (size_t)n) != n) {
		close(fd);
		return -EIO;
	}
	static char buf[1 << 20];
	char head[4096];
	size_t head_len = 0, total = 0, cap = 0;
	bool in_body = false;
	ssize_t got;
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		size_t off = 0;
		if (!in_body) {
			size_t before = head_len;
			size_t take = (size_t)got < sizeof(head) - 1 - head_len ? (size_t)got
										 : sizeof(head) - 1 - head_len;
			memcpy(head + head_len, buf, take);
			head_len += take;
			head[head_len] = 0;
			char *end = strstr(head, "\r\n\r\n");
			if (!end)
				continue;
			size_t hl = (size_t)(end + 4 - head);
			off = hl - before; /* header bytes of this read */
			in_body = true;
			sscanf(head, "HTTP/%*s %d", &r->status);
			r->gzip = strstr(head, "Content-Encoding: gzip") != NULL;
		}
		size_t part = (size_t)got - off;
		if (keep) {
			if (vec_grow((void **)&r->body, &cap, total + part + 1, 1, 65536)) {
				free(r->body);
				close(fd);
				return -ENOMEM;
			}
			memcpy(r->body + total, buf + off, part);
			r->body[total + part] = 0;
		}
		total += part;
	}
	close(fd);
	r->body_len = total;
	return got < 0 ? -errno : 0;
}

static pid_t spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static void stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* Wait until path on port answers 200 with a body containing want. */
static int wait_ready(unsigned port, const char *want, pid_t pid, double timeout)
{
	double until = now() + timeout;
	while (now() < until) {
		struct reply r;
		if (!scrape(port, "/metrics", false, true, &r) && r.status == 200 && r.body &&
		    strstr(r.body, want)) {
			free(r.body);
			return 0;
		}
		free(r.body);
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -ECHILD;
		usleep(200000);
	}
	return -ETIMEDOUT;
}

static size_t count_series(const char *body)
{
	size_t n = 0;
	for (const char *p = body; p && *p;) {
		const char *nl = strchr(p, '\n');
		if (*p != '#' && nl != p)
			n++;
		p = nl ? nl + 1 : NULL;
	}
	return n;
}

struct run {
	double p50, p99, gz_p50, gz_p99;
	size_t series, bytes, gz_bytes;
	long hwm_kib, rss_kib;
	double render_ms, poll_ms; /* lvsd's own figures, from its last body */
};

/* The value of an unlabelled series in an exposition, or -1. */
static double series_value(const char *body, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = body; p && *p;) {
		if (!strncmp(p, name, nl) && p[nl] == ' ')
			return strtod(p + nl + 1, NULL);
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return -1;
}

/* Start lvsd on the recording with config conf, scrape it n times plain
 * and n times gzip, one after the other. */
static int bench_lvsd(const char *lvsd, const char *dir, const char *rec, const char *conf,
		      const char *tag, unsigned n, struct run *out)
{
	unsigned port = free_port();
	char listen[64], log[600];
	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	snprintf(log, sizeof(log), "%s/lvsd-%s.log", dir, tag);
	/* Polls every 5 s: a recording line of this table takes seconds to
	 * parse, and scrapes go on during polls as they would in production. */
	char *argv[] = { (char *)lvsd, "--config", (char *)conf, "--replay", (char *)rec, "--loop",
			 "--interval", "5", "--listen", listen, NULL };
	pid_t pid = spawn(argv, log);
	int rc = wait_ready(port, "ipvs_services 10000\n", pid, 120);
	if (rc) {
		fprintf(stderr, "bench_exporter: lvsd did not serve the table (%s); log: %s\n",
			strerror(-rc), log);
		stop(pid);
		return rc;
	}
	double *t = calloc(n, sizeof(*t));
	struct reply r;
	scrape(port, "/metrics", false, true, &r);
	out->series = count_series(r.body);
	out->bytes = r.body_len;
	free(r.body);
	for (int gz = 0; gz < 2 && !rc; gz++) {
		for (unsigned i = 0; i < n; i++) {
			double t0 = now();
			rc = scrape(port, "/metrics", gz, false, &r);
			t[i] = (now() - t0) * 1000;
			if (rc || r.status != 200 || r.gzip != (bool)gz || r.body_len < 1000) {
				fprintf(stderr, "bench_exporter: scrape %u (%s) failed: %s, status %d\n", i,
					gz ? "gzip" : "plain", rc ? strerror(-rc) : "bad answer", r.status);
				rc = rc ? rc : -EIO;
				break;
			}
			if (gz)
				out->gz_bytes = r.body_len;
		}
		if (rc)
			break;
		double *p50 = gz ? &out->gz_p50 : &out->p50, *p99 = gz ? &out->gz_p99 : &out->p99;
		*p50 = pct(t, n, 0.50);
		*p99 = pct(t, n, 0.99);
	}
	/* A body's render time is the previous render's: wait for a body made
	 * after two renders of the table (the first render is of no table). */
	for (double until = now() + 60; !rc && now() < until; usleep(500000)) {
		if (scrape(port, "/metrics", false, true, &r) || !r.body) {
			free(r.body);
			continue;
		}
		bool late = series_value(r.body, "lvsd_polls_total") >= 3;
		if (late) {
			out->render_ms = series_value(r.body, "lvsd_render_duration_seconds") * 1000;
			out->poll_ms = series_value(r.body, "lvsd_poll_duration_seconds") * 1000;
		}
		free(r.body);
		if (late)
			break;
	}
	out->hwm_kib = file_proc_status_kib((int)pid, "VmHWM");
	out->rss_kib = file_proc_status_kib((int)pid, "VmRSS");
	free(t);
	stop(pid);
	return rc;
}

static int bench_node_exporter(const char *bin, const char *dir, const char *proc, unsigned n,
			       double *p50, size_t *series)
{
	unsigned port = free_port();
	char listen[80], procarg[600], log[600];
	snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%u", port);
	snprintf(procarg, sizeof(procarg), "--path.procfs=%s", proc);
	snprintf(log, sizeof(log), "%s/node_exporter.log", dir);
	char *argv[] = { (char *)bin, "--collector.disable-defaults", "--collector.ipvs", procarg,
			 listen, NULL };
	pid_t pid = spawn(argv, log);
	int rc = wait_ready(port, "node_ipvs_backend_weight{", pid, 60);
	if (rc) {
		fprintf(stderr, "bench_exporter: node_exporter did not serve the table (%s); log: %s\n",
			strerror(-rc), log);
		stop(pid);
		return rc;
	}
	struct reply r;
	scrape(port, "/metrics", false, true, &r);
	*series = count_series(r.body);
	free(r.body);
	double *t = calloc(n, sizeof(*t));
	for (unsigned i = 0; i < n && !rc; i++) {
		double t0 = now();
		rc = scrape(port, "/metrics", false, false, &r);
		t[i] = (now() - t0) * 1000;
		if (!rc && r.status != 200)
			rc = -EIO;
	}
	if (!rc)
		*p50 = pct(t, n, 0.5);
	free(t);
	stop(pid);
	return rc;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

static int benchmark(const char *argv0)
{
	const char *node = "/usr/bin/prometheus-node-exporter";
	char lvsd[4096];
	const char *env = getenv("LVSD");
	if (env) {
		snprintf(lvsd, sizeof(lvsd), "%s", env);
	} else {
		/* build/bench/bench_exporter -> build/lvsd */
		snprintf(lvsd, sizeof(lvsd), "%s", argv0);
		char *slash = strrchr(lvsd, '/');
		if (slash)
			*slash = 0;
		else
			strcpy(lvsd, ".");
		strncat(lvsd, "/../lvsd", sizeof(lvsd) - strlen(lvsd) - 1);
	}
	if (access(lvsd, X_OK)) {
		fprintf(stderr, "bench_exporter: %s: not found (make build/lvsd, or set LVSD)\n", lvsd);
		return 1;
	}
	if (access(node, X_OK)) {
		fprintf(stderr, "bench_exporter: %s missing (apt-get install prometheus-node-exporter)\n", node);
		return 1;
	}
	char dir[] = "/tmp/lvsd_bench_XXXXXX";
	if (!mkdtemp(dir)) {
		perror("bench_exporter: mkdtemp");
		return 1;
	}
	char rec[512], proc[512], conf_eq[512], conf_full[512];
	snprintf(rec, sizeof(rec), "%s/table.jsonl", dir);
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	snprintf(conf_eq, sizeof(conf_eq), "%s/equivalent.conf", dir);
	snprintf(conf_full, sizeof(conf_full), "%s/full.conf", dir);
	struct gen g = { .services = 10000, .dests = 10, .lines = 2, .proc = proc };
	int rc = 1;
	if (generate(&g, rec))
		goto out;
	/* What node_exporter exports per real server (active, inactive,
	 * weight) and a small history: the like-for-like run. */
	if (write_file(conf_eq, "daemon = { history_mib = 1; };\n"
				"exporter = { real_server_metrics = [ \"active\", \"inactive\", \"weight\" ]; };\n") ||
	    write_file(conf_full, "daemon = { history_mib = 1; };\n"
				  "exporter = { max_series = 0; };\n")) {
		fprintf(stderr, "bench_exporter: cannot write configs in %s\n", dir);
		goto out;
	}
	struct run eq = { 0 }, full = { 0 };
	double node_p50 = 0;
	/* The host's load around the runs: the p99 figures are CPU-bound (a
	 * plain scrape inflates the body) and spread with the machine's load. */
	double load_start = -1, load_end = -1;
	if (getloadavg(&load_start, 1) != 1)
		load_start = -1;
	size_t node_series = 0;
	if (bench_lvsd(lvsd, dir, rec, conf_eq, "equivalent", 200, &eq) ||
	    bench_lvsd(lvsd, dir, rec, conf_full, "full", 50, &full) ||
	    bench_node_exporter(node, dir, proc, 10, &node_p50, &node_series))
		goto out;
	if (getloadavg(&load_end, 1) != 1)
		load_end = -1;
	printf("exporter_host_loadavg %.2f load (at the start; %.2f at the end)\n", load_start,
	       load_end);
	printf("exporter_series %zu series\n", eq.series);
	printf("exporter_body %.1f MiB\n", (double)eq.bytes / 1048576);
	printf("exporter_scrape_p50 %.1f ms\n", eq.p50);
	printf("exporter_scrape_p99 %.1f ms\n", eq.p99);
	printf("exporter_scrape_gzip_p50 %.1f ms\n", eq.gz_p50);
	printf("exporter_scrape_gzip_p99 %.1f ms\n", eq.gz_p99);
	printf("exporter_peak_rss %.1f MiB\n", (double)eq.hwm_kib / 1024);
	printf("exporter_rss_after_scrapes %.1f MiB\n", (double)eq.rss_kib / 1024);
	printf("exporter_render %.1f ms\n", eq.render_ms);
	printf("exporter_replay_poll %.1f ms\n", eq.poll_ms);
	printf("exporter_full_series %zu series\n", full.series);
	printf("exporter_full_body %.1f MiB\n", (double)full.bytes / 1048576);
	printf("exporter_full_scrape_p50 %.1f ms\n", full.p50);
	printf("exporter_full_scrape_p99 %.1f ms\n", full.p99);
	printf("exporter_full_scrape_gzip_p99 %.1f ms\n", full.gz_p99);
	printf("exporter_full_peak_rss %.1f MiB\n", (double)full.hwm_kib / 1024);
	printf("exporter_full_rss_after_scrapes %.1f MiB\n", (double)full.rss_kib / 1024);
	printf("exporter_full_render %.1f ms\n", full.render_ms);
	printf("node_exporter_series %zu series\n", node_series);
	printf("node_exporter_scrape_p50 %.1f ms\n", node_p50);
	printf("exporter_speedup ratio %.1f vs node_exporter\n", eq.p50 > 0 ? node_p50 / eq.p50 : 0);
	rc = 0;
out:;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "bench_exporter: could not remove %s\n", dir);
	return rc;
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
	signal(SIGPIPE, SIG_IGN);
	return benchmark(argv[0]);
}
