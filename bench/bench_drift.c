/* Drift benchmark: keepalived.conf against the kernel's table as lvsd
 * compares them on every poll, at 10,000 services x 10 real servers (the
 * kernel's table equals the file but for every 7th real server's weight),
 * then the state of every kernel real server (lvsd_real_server_declared).
 * Each figure is the best of RUNS runs (CPU time: the machine is shared).
 * Prints "NAME VALUE UNIT" lines: drift_compute_10000x10 and
 * drift_dest_state_100000 (ms), drift_items (count), and the host's load. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector/declared/drift.h"
#include "collector/snapshot.h"

#define SERVICES 10000
#define DESTS 10
#define RUNS 5

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return 1;
	struct lvs_snapshot *s = snapshot_new();
	if (!s)
		return 1;
	for (unsigned i = 0; i < SERVICES; i++) {
		char vip[32];
		snprintf(vip, sizeof(vip), "10.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);
		fprintf(f, "virtual_server %s 80 {\n protocol TCP\n lb_algo wrr\n lb_kind DR\n", vip);
		struct lvs_service v = { .af = AF_INET, .protocol = 6, .port = 80 };
		inet_pton(AF_INET, vip, &v.addr.v4);
		strcpy(v.sched, "wrr");
		size_t si = s->n_services;
		if (snapshot_add_service(s, &v))
			return 1;
		for (unsigned r = 0; r < DESTS; r++) {
			char rip[32];
			snprintf(rip, sizeof(rip), "172.%u.%u.%u", 16 + (i >> 16), (i >> 8) & 255, 10 + r);
			fprintf(f, " real_server %s 80 { weight 2\n TCP_CHECK { connect_timeout 2 } }\n", rip);
			struct lvs_dest d = { .af = AF_INET, .port = 80, .fwd = LVS_FWD_ROUTE, .weight = 2 };
			inet_pton(AF_INET, rip, &d.addr.v4);
			if ((i * DESTS + r) % 7 == 0)
				d.weight = 5;
			if (snapshot_add_dest(s, si, &d))
				return 1;
		}
		fprintf(f, "}\n");
	}
	fclose(f);
	snapshot_finish(s);
	struct lvs_declared *decl = NULL;
	if (declared_parse_keepalived("bench.conf", text, len, &decl) || !decl) {
		fprintf(stderr, "bench_drift: cannot parse the generated file\n");
		return 1;
	}
	free(text);

	double best_c = 1e18, best_s = 1e18;
	size_t items = 0, differs = 0;
	for (int run = 0; run < RUNS; run++) {
		struct lvs_drift dr;
		double t0 = cpu_ms();
		if (drift_compute(decl, s, &dr))
			return 1;
		double t1 = cpu_ms();
		differs = 0;
		for (size_t i = 0; i < s->n_services; i++)
			for (size_t j = 0; j < s->services[i].n_dests; j++)
				differs += drift_dest_state(&dr, decl, &s->services[i],
							    &s->services[i].dests[j]) ==
					   LVS_DECL_STATE_DIFFERS;
		double t2 = cpu_ms();
		items = dr.n;
		drift_free(&dr);
		if (t1 - t0 < best_c)
			best_c = t1 - t0;
		if (t2 - t1 < best_s)
			best_s = t2 - t1;
	}
	if (differs != items) {
		fprintf(stderr, "bench_drift: %zu differing real servers, %zu items\n", differs, items);
		return 1;
	}
	printf("drift_compute_%ux%u %.1f ms\n", SERVICES, DESTS, best_c);
	printf("drift_dest_state_%u %.1f ms\n", SERVICES * DESTS, best_s);
	printf("drift_items %zu count\n", items);
	double load[1];
	if (getloadavg(load, 1) == 1)
		printf("drift_host_loadavg %.2f load\n", load[0]);
	snapshot_unref(s);
	declared_free(decl);
	return 0;
}
