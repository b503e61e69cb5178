/* Snapshot JSON benchmark: the read side as a replay uses it, and the
 * write side as lvsd's /api/v1/snapshot and --record use it.
 *
 *   bench_snapjson [FILE]   FILE: a recording line to read (default: the
 *                           10,000 services x 10 real servers line that
 *                           bench_exporter --gen writes, made in /tmp)
 *
 * The line is fed to the streaming reader in 64 KiB pieces, as the replay
 * source feeds it; each figure is the best of RUNS runs (the machine is
 * shared: the minimum is the least disturbed), with the median beside it.
 * Prints "NAME VALUE UNIT" lines: snapjson_read and snapjson_write (ms
 * per line, wall clock), the same as CPU time (_cpu: what a busy machine
 * distorts least), snapjson_read_rate (MB/s) and the host's load average
 * around the runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collector/snapjson.h"
#include "collector/snapshot.h"
#include "share/clock.h"
#include "share/file.h"

#define RUNS 7
#define PIECE 65536

/* CPU seconds of this process: on a shared machine, what the work cost
 * rather than how long it waited for a core. */
static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The recording as the exporter's tests and benchmark make it. */
static int generate(const char *self, const char *path)
{
	char gen[4096];
	const char *slash = strrchr(self, '/');
	snprintf(gen, sizeof(gen), "%.*sbench_exporter", slash ? (int)(slash - self + 1) : 0, self);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execl(gen, gen, "--gen", path, "--services", "10000", "--dests", "10", "--lines", "1",
		      (char *)NULL);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return -ECHILD;
	return 0;
}

static int read_once(const char *txt, size_t len, struct lvs_snapshot **out)
{
	char err[256];
	snapjson_parser *p = snapjson_parser_new(err, sizeof(err));
	if (!p)
		return -ENOMEM;
	int r = 0;
	for (size_t off = 0; off < len && !r; off += PIECE)
		r = snapjson_parser_feed(p, txt + off, len - off < PIECE ? len - off : PIECE);
	if (!r)
		r = snapjson_parser_finish(p, out);
	if (r)
		fprintf(stderr, "bench_snapjson: %s\n", err);
	snapjson_parser_free(p);
	return r;
}

static int count(void *arg, const char *text, size_t len)
{
	(void)text;
	*(size_t *)arg += len;
	return 0;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/snapjson_bench_XXXXXX", rec[256];
	const char *path = argc > 1 ? argv[1] : NULL;
	if (!path) {
		if (!mkdtemp(dir)) {
			perror("bench_snapjson: mkdtemp");
			return 1;
		}
		snprintf(rec, sizeof(rec), "%s/table.jsonl", dir);
		if (generate(argv[0], rec)) {
			fprintf(stderr, "bench_snapjson: bench_exporter --gen failed\n");
			rmdir(dir);
			return 1;
		}
		path = rec;
	}
	struct lvs_buf line = LVS_BUF_INIT;
	int fr = file_read(path, 0, &line);
	if (fr) {
		fprintf(stderr, "bench_snapjson: %s: %s\n", path, strerror(-fr));
		return 1;
	}
	char *txt = line.p;
	size_t len = line.len;
	if (path == rec) {
		unlink(rec);
		rmdir(dir);
	}
	while (len && txt[len - 1] == '\n')
		len--;

	double load_start = -1, load_end = -1;
	if (getloadavg(&load_start, 1) != 1)
		load_start = -1;
	double rd[RUNS], wr[RUNS], rc[RUNS], wc[RUNS];
	size_t services = 0, dests = 0, written = 0;
	for (int i = 0; i < RUNS; i++) {
		struct lvs_snapshot *s = NULL;
		double t0 = clock_mono_s(), c0 = cpu_s();
		if (read_once(txt, len, &s))
			return 1;
		rd[i] = clock_mono_s() - t0;
		rc[i] = cpu_s() - c0;
		services = s->n_services;
		dests = s->n_dests;
		written = 0;
		t0 = clock_mono_s();
		c0 = cpu_s();
		if (snapjson_write(s, 0, count, &written)) {
			fprintf(stderr, "bench_snapjson: write failed\n");
			return 1;
		}
		wr[i] = clock_mono_s() - t0;
		wc[i] = cpu_s() - c0;
		snapshot_unref(s);
	}
	if (getloadavg(&load_end, 1) != 1)
		load_end = -1;
	qsort(rd, RUNS, sizeof(rd[0]), cmp_double);
	qsort(wr, RUNS, sizeof(wr[0]), cmp_double);
	qsort(rc, RUNS, sizeof(rc[0]), cmp_double);
	qsort(wc, RUNS, sizeof(wc[0]), cmp_double);
	printf("snapjson_line %.1f MB (%zu services, %zu real servers; %zu bytes written back)\n",
	       len / 1e6, services, dests, written);
	printf("snapjson_read %.1f ms (best of %d; median %.1f)\n", rd[0] * 1e3, RUNS,
	       rd[RUNS / 2] * 1e3);
	printf("snapjson_read_cpu %.1f ms (best of %d; median %.1f)\n", rc[0] * 1e3, RUNS,
	       rc[RUNS / 2] * 1e3);
	printf("snapjson_read_rate %.1f MB/s\n", len / 1e6 / rd[0]);
	printf("snapjson_write %.1f ms (best of %d; median %.1f)\n", wr[0] * 1e3, RUNS,
	       wr[RUNS / 2] * 1e3);
	printf("snapjson_write_cpu %.1f ms (best of %d; median %.1f)\n", wc[0] * 1e3, RUNS,
	       wc[RUNS / 2] * 1e3);
	printf("snapjson_host_loadavg %.2f load (at the start; %.2f at the end)\n", load_start,
	       load_end);
	buf_free(&line);
	return 0;
}
