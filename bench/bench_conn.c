/* Connection-table parse benchmark: a generated 1,000,000-line
 * /proc/net/ip_vs_conn (80% IPv4 / 20% IPv6 clients, mixed TCP/UDP/SCTP
 * states, a few hundred real servers, ~250k clients with a heavy head),
 * parsed by conn_parse_file and by a loop written like ipvsadm's
 * connection printer (list_conn/print_conn: fgets, sscanf, inet_pton,
 * addrport_to_anyname, expire formatting; only the final printf to the
 * terminal is replaced by formatting into a buffer).
 *
 * Memory: this program replaces malloc/calloc/realloc/free (glibc's
 * documented way, forwarding to __libc_*) and counts live heap bytes
 * (malloc_usable_size) while conn_parse_file runs; the peak is what the
 * parser used, read buffer and result arrays included. Its stack use is
 * about 2 KiB, not counted. */
#include <arpa/inet.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector/conn_parse.h"
#include "collector/snapshot.h"
#include "share/clock.h"

#define LINES_BIG 1000000
#define LINES_SMALL 100000
#define REPS_OURS 9
#define REPS_PEER 3

/* --- heap accounting ---------------------------------------------------------
 * Not under AddressSanitizer, which owns malloc. */
#if defined(__SANITIZE_ADDRESS__)
#define HEAP_COUNTED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_COUNTED 0
#endif
#endif
#ifndef HEAP_COUNTED
#define HEAP_COUNTED 1
#endif

static bool heap_on;
static size_t heap_live, heap_peak;

#if HEAP_COUNTED
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static void heap_add(void *p)
{
	if (heap_on && p) {
		heap_live += malloc_usable_size(p);
		if (heap_live > heap_peak)
			heap_peak = heap_live;
	}
}

static void heap_sub(void *p)
{
	if (heap_on && p) {
		size_t n = malloc_usable_size(p);
		heap_live = heap_live > n ? heap_live - n : 0;
	}
}

void *malloc(size_t n)
{
	void *p = __libc_malloc(n);
	heap_add(p);
	return p;
}

void *calloc(size_t n, size_t m)
{
	void *p = __libc_calloc(n, m);
	heap_add(p);
	return p;
}

void *realloc(void *old, size_t n)
{
	heap_sub(old);
	void *p = __libc_realloc(old, n);
	heap_add(p ? p : old);
	return p;
}

void free(void *p)
{
	heap_sub(p);
	__libc_free(p);
}
#endif

static double now(void)
{
	return clock_mono_s();
}

/* Best of the repetitions, for both loops: on a shared machine the
 * slower runs measure the neighbours, not the code. */
static double best(const double *v, int n)
{
	double b = v[0];
	for (int i = 1; i < n; i++)
		if (v[i] < b)
			b = v[i];
	return b;
}

/* --- the table ------------------------------------------------------------ */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void put_v6(FILE *f, uint32_t a, uint32_t b)
{
	fprintf(f, "2001:0db8:%04x:%04x:0000:0000:%04x:%04x", a >> 16, a & 0xffff, b >> 16,
	        b & 0xffff);
}

struct state_mix {
	const char *proto, *state;
	unsigned per_mille;
};

static const struct state_mix mix[] = {
	{ "TCP", "ESTABLISHED", 430 }, { "TCP", "TIME_WAIT", 200 }, { "TCP", "FIN_WAIT", 70 },
	{ "TCP", "SYN_RECV", 40 },     { "TCP", "CLOSE_WAIT", 30 }, { "TCP", "LAST_ACK", 20 },
	{ "TCP", "CLOSE", 20 },        { "TCP", "SYN_SENT", 10 },   { "TCP", "NONE", 10 },
	{ "UDP", "UDP", 140 },         { "SCTP", "ESTABLISHED", 20 }, { "SCTP", "COOKIE_ECHOED", 10 },
};

/* Writes the header and n entries; 0 or -1. */
static int write_table(const char *path, unsigned n)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	rng = 0x9e3779b97f4a7c15ULL;
	fputs("Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n",
	      f);
	for (unsigned i = 0; i < n; i++) {
		unsigned r = rnd() % 1000, acc = 0;
		const struct state_mix *m = &mix[0];
		for (size_t k = 0; k < sizeof(mix) / sizeof(mix[0]); k++) {
			acc += mix[k].per_mille;
			if (r < acc) {
				m = &mix[k];
				break;
			}
		}
		bool v6 = rnd() % 10 < 2;
		/* a heavy head: 10% of entries from 100 clients */
		uint32_t client = rnd() % 10 == 0 ? rnd() % 100 : rnd() % 250000;
		unsigned svc = rnd() % 8;
		unsigned dest = rnd() % 40; /* 8 services x 40 = 320 real servers */
		unsigned cport = 1024 + rnd() % 60000, port = 80 + svc;

		fprintf(f, "%-3s ", m->proto);
		if (v6) {
			put_v6(f, 0xc0de0000u | (client >> 16), client);
			fprintf(f, " %04X ", cport);
			put_v6(f, 0xffff0000u, svc);
			fprintf(f, " %04X ", port);
			if (dest == 39) /* mixed-af: IPv6 service, IPv4 real server */
				fprintf(f, "%08X", 0x0a640000u | svc << 8 | dest);
			else
				put_v6(f, 0x00100000u | svc, dest);
		} else {
			fprintf(f, "%08X %04X %08X %04X %08X", 0x64000000u + client, cport,
			        0x0a000000u | svc, port, 0x0a010000u | svc << 8 | dest);
		}
		fprintf(f, " %04X %-11s %7u", port, m->state, rnd() % 900);
		if (rnd() % 200 == 0)
			fprintf(f, " sip %08x@pbx%u", rnd(), rnd() % 10);
		fputc('\n', f);
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* --- the ipvsadm-style loop ------------------------------------------------------ */

#define FMT_NUMERIC 0x1
static size_t peer_sink;

union peer_addr {
	struct in_addr in;
	struct in6_addr in6;
	uint32_t ip;
};

static char *peer_addrport(int af, const void *addr, unsigned short port)
{
	char *buf, pbuf[INET6_ADDRSTRLEN];
	if (!(buf = malloc(60)))
		return NULL;
	snprintf(buf, 60, "%s%s%s:%u", af == AF_INET ? "" : "[",
	         inet_ntop(af, addr, pbuf, sizeof(pbuf)), af == AF_INET ? "" : "]", port);
	return buf;
}

static void peer_print_conn(const char *buf)
{
	char protocol[8];
	unsigned short proto;
	union peer_addr caddr, vaddr, daddr;
	unsigned short cport, vport, dport;
	char state[16];
	int expires;
	unsigned short af = AF_INET;
	char pe_name[32], pe_data[256];
	char temp1[INET6_ADDRSTRLEN], temp2[INET6_ADDRSTRLEN], temp3[INET6_ADDRSTRLEN];
	char *cname, *vname, *dname;
	unsigned minutes, seconds;
	char expire_str[12], line[256];
	int n;

	if ((n = sscanf(buf, "%s %s %hX %s %hX %s %hX %s %d %s %s", protocol, temp1,
	                &cport, temp2, &vport, temp3, &dport, state, &expires, pe_name,
	                pe_data)) == -1)
		exit(1);
	if (strcmp(protocol, "TCP") == 0)
		proto = IPPROTO_TCP;
	else if (strcmp(protocol, "UDP") == 0)
		proto = IPPROTO_UDP;
	else
		proto = 0;
	(void)proto; /* ipvsadm uses it only for service names, not with -n */

	if (inet_pton(AF_INET6, temp1, &caddr.in6) > 0) {
		inet_pton(AF_INET6, temp2, &vaddr.in6);
		inet_pton(AF_INET6, temp3, &daddr.in6);
		af = AF_INET6;
	} else if (inet_pton(AF_INET, temp1, &caddr.ip) > 0) {
		inet_pton(AF_INET, temp2, &vaddr.ip);
		inet_pton(AF_INET, temp3, &daddr.ip);
	} else {
		caddr.ip = (uint32_t)htonl(strtoul(temp1, NULL, 16));
		vaddr.ip = (uint32_t)htonl(strtoul(temp2, NULL, 16));
		daddr.ip = (uint32_t)htonl(strtoul(temp3, NULL, 16));
	}
	if (!(cname = peer_addrport(af, &caddr, cport)))
		exit(1);
	if (!(vname = peer_addrport(af, &vaddr, vport)))
		exit(1);
	if (!(dname = peer_addrport(af, &daddr, dport)))
		exit(1);
	seconds = (unsigned)expires % 60;
	minutes = (unsigned)expires / 60;
	snprintf(expire_str, sizeof(expire_str), "%02u:%02u", minutes, seconds);
	/* printf to the terminal in ipvsadm; formatted into memory here */
	peer_sink += (size_t)snprintf(line, sizeof(line), "%-3s %-6s %-11s %-18s %-18s %s\n",
	                              protocol, expire_str, state, cname, vname, dname);
	free(cname);
	free(vname);
	free(dname);
}

static int peer_list_conn(const char *path)
{
	static char buffer[256];
	FILE *handle = fopen(path, "r");
	if (!handle)
		return -1;
	if (fgets(buffer, sizeof(buffer), handle) == NULL) {
		fclose(handle);
		return -1;
	}
	while (!feof(handle)) {
		if (fgets(buffer, sizeof(buffer), handle))
			peer_print_conn(buffer);
	}
	fclose(handle);
	return 0;
}

/* --- measurements ---------------------------------------------------------------- */

static const struct lvs_conn_opts unbounded = { .max_lines = 0, .max_seconds = 0,
	                                        .top_clients = 10, .client_slots = 4096,
	                                        .max_dests = 65536 };

/* Peak heap bytes of one conn_parse_file run; 0 when not counted. */
static size_t parse_peak(const char *path, uint64_t want_total)
{
	struct lvs_conn_summary s;
	heap_live = heap_peak = 0;
	heap_on = HEAP_COUNTED;
	int rc = conn_parse_file(path, &unbounded, &s);
	heap_on = false;
	if (rc != 0 || s.total != want_total) {
		fprintf(stderr, "bench_conn: parse of %s failed (%d, %llu entries)\n", path, rc,
		        (unsigned long long)s.total);
		exit(1);
	}
	lvs_conn_summary_clear(&s);
	return heap_peak;
}

int main(void)
{
	char big[] = "/tmp/lvstop-bench-conn-XXXXXX", small[] = "/tmp/lvstop-bench-conn-XXXXXX";
	int fd1 = mkstemp(big), fd2 = mkstemp(small);
	if (fd1 < 0 || fd2 < 0) {
		perror("bench_conn: mkstemp");
		return 1;
	}
	close(fd1);
	close(fd2);
	int rc = 1;
	if (write_table(big, LINES_BIG) < 0 || write_table(small, LINES_SMALL) < 0) {
		perror("bench_conn: writing the table");
		goto out;
	}

	/* ours: warm the page cache and the code, then time */
	struct lvs_conn_summary s;
	if (conn_parse_file(big, &unbounded, &s) != 0 || s.total != LINES_BIG || s.partial) {
		fprintf(stderr, "bench_conn: unexpected result (%llu entries)\n",
		        (unsigned long long)s.total);
		goto out;
	}
	fprintf(stderr, "bench_conn: %zu real servers, %zu states, top client %llu conns\n",
	        s.n_dests, s.n_states,
	        s.n_top_clients ? (unsigned long long)s.top_clients[0].conns : 0ULL);
	lvs_conn_summary_clear(&s);
	double ours[REPS_OURS];
	for (int i = 0; i < REPS_OURS; i++) {
		double t0 = now();
		conn_parse_file(big, &unbounded, &s);
		ours[i] = (now() - t0) * 1e9 / LINES_BIG;
		lvs_conn_summary_clear(&s);
	}
	double ours_ns = best(ours, REPS_OURS);

	double peer[REPS_PEER];
	for (int i = 0; i < REPS_PEER; i++) {
		double t0 = now();
		if (peer_list_conn(big) < 0)
			goto out;
		peer[i] = (now() - t0) * 1e9 / LINES_BIG;
	}
	double peer_ns = best(peer, REPS_PEER);

	size_t mem_big = parse_peak(big, LINES_BIG);
	size_t mem_small = parse_peak(small, LINES_SMALL);

	printf("conn_parse_ns_per_line %.1f ns/line\n", ours_ns);
	printf("conn_parse_sscanf_ns_per_line %.1f ns/line\n", peer_ns);
	printf("conn_parse_speedup ratio %.1f vs ipvsadm-sscanf\n", peer_ns / ours_ns);
	if (HEAP_COUNTED) {
		printf("conn_parse_mem %zu KiB\n", (mem_big + 1023) / 1024);
		printf("conn_parse_mem_100k %zu KiB\n", (mem_small + 1023) / 1024);
	} else {
		fprintf(stderr, "bench_conn: heap not counted under a sanitizer\n");
	}
	if (peer_sink == 0)
		fprintf(stderr, "bench_conn: peer produced nothing\n");
	rc = 0;
out:
	unlink(big);
	unlink(small);
	return rc;
}
