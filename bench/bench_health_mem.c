/* Health-check engine memory: what N checks cost, the way lvsd builds
 * them for a table (one default TCP check per real server).
 *
 * The real servers are N distinct addresses of 127.0.0.0/8, port 1
 * (closed): nothing leaves the machine. Phases, each reported as bytes
 * per check of malloc'd memory (mallinfo2: arena in use plus mmap'd
 * blocks) beside VmRSS and VmHWM:
 *   set     the set built one spec at a time (health_set_add), not applied
 *   applied the set applied to a stopped engine: the persistent state
 *           (set, probes, engine tables), nothing in flight
 *   array   the same checks handed over as an array of whole specs
 *           (health_set_checks) to a second engine, while the array
 *           is alive: what a caller holding such an array costs
 *   run     the first engine started for `seconds` (every check runs
 *           about once in 5 s: refused at once on the loopback), then
 *           stopped: attempts in flight come and go
 *
 * Usage: bench_health_mem [checks [seconds]] (default 100000 0: no run).
 * One "NAME VALUE UNIT" line per figure. */
#include <arpa/inet.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector/health.h"
#include "share/file.h"

static size_t heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static void spec_of(struct lvs_check_spec *s, size_t i)
{
	union lvs_addr a;
	memset(&a, 0, sizeof(a));
	/* 127.0.1.0 upwards: skip 127.0.0.x, which the host may use */
	uint32_t host = (127u << 24) | (uint32_t)(256 + i);
	a.v4.s_addr = htonl(host);
	health_spec_init(s, AF_INET, &a, 1);
}

static void report(const char *phase, size_t base, size_t n)
{
	size_t now = heap_used();
	printf("health_mem_%s_bytes_per_check %.1f B\n", phase,
	       n ? (double)(now > base ? now - base : 0) / (double)n : 0.0);
	printf("health_mem_%s_heap %.1f MiB\n", phase, (double)(now - base) / 1048576.0);
	printf("health_mem_%s_vmrss %.1f MiB\n", phase, file_proc_status_kib(0, "VmRSS") / 1024.0);
	printf("health_mem_%s_vmhwm %.1f MiB\n", phase, file_proc_status_kib(0, "VmHWM") / 1024.0);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	double seconds = argc > 2 ? atof(argv[2]) : 0;
	if (!n || n > 16000000) {
		fprintf(stderr, "usage: bench_health_mem [checks (1..16000000) [seconds]]\n");
		return 2;
	}
	printf("health_mem_checks %zu checks\n", n);
	size_t base = heap_used();
	lvs_health *h = health_new(NULL);
	if (!h) {
		perror("health_new");
		return 1;
	}
	struct lvs_check_set *set = health_set_new();
	for (size_t i = 0; set && i < n; i++) {
		struct lvs_check_spec s;
		spec_of(&s, i);
		if (health_set_add(set, &s) < 0) {
			fprintf(stderr, "health_set_add failed at %zu\n", i);
			return 1;
		}
	}
	if (!set)
		return 1;
	report("set", base, n);
	int r = health_set_apply(h, set);
	if (r) {
		fprintf(stderr, "health_set_apply: %s\n", strerror(-r));
		return 1;
	}
	report("applied", base, n);
	struct lvs_health_stats st;
	health_stats(h, &st);
	printf("health_mem_probes %zu probes\n", st.probes);

	size_t base2 = heap_used();
	lvs_health *h2 = health_new(NULL);
	struct lvs_check_spec *v = malloc(n * sizeof(*v));
	if (!h2 || !v)
		return 1;
	for (size_t i = 0; i < n; i++)
		spec_of(&v[i], i);
	r = health_set_checks(h2, v, n);
	if (r) {
		fprintf(stderr, "health_set_checks: %s\n", strerror(-r));
		return 1;
	}
	report("array", base2, n);
	free(v);
	health_free(h2);

	if (seconds > 0) {
		if ((r = health_start(h))) {
			fprintf(stderr, "health_start: %s\n", strerror(-r));
			return 1;
		}
		struct timespec ts = {.tv_sec = (time_t)seconds,
		                      .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
		nanosleep(&ts, NULL);
		health_stop(h);
		health_stats(h, &st);
		printf("health_mem_run_checks %llu checks\n", (unsigned long long)st.checks);
		report("run", base, n);
	}
	health_free(h);
	return 0;
}
