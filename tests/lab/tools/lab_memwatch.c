/* lab-memwatch: where a process's memory is at its largest. Reads VmRSS
 * from /proc/PID/status every INTERVAL ms for SECONDS; each time it is
 * larger than ever before, /proc/PID/smaps is read and kept. At the end it
 * prints the mappings of that moment, largest first:
 *   usage: lab-memwatch PID SECONDS [INTERVAL_MS (20)] [MIN_KIB (1024)]
 *   peak VMRSS_KIB at T s (SAMPLES samples)
 *   map RSS_KIB SIZE_KIB KIND NAME THP_KIB   one per mapping of >= MIN_KIB
 *   rest RSS_KIB                        the smaller mappings together
 *   thp KIB                             resident in transparent huge pages
 * (THP_KIB: of the mapping's RSS, what is in transparent huge pages: a
 * huge page makes 2 MiB resident at the first write into it)
 * KIND is heap, stack, anon (other threads' malloc arenas, blocks malloc
 * gave their own mapping) or file. Exit 1 when the process is gone before
 * the first sample. Lab use only: smaps costs the sampled process little,
 * and it is read only when a new largest VmRSS is seen. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "share/clock.h"
#include "share/file.h"

#define MAPS_MAX 4096

struct map {
	long rss, size, thp;
	char kind[8];
	char name[96];
};

static struct map peak_maps[MAPS_MAX];
static int n_peak;

static int read_smaps(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int n = -1;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		char name[256] = "";
		long v;
		/* A mapping's line: "START-END PERMS ..." (a field's line is
		 * "Name:  N kB", never a hex number and a '-'). */
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255s", &a, &b, name) >= 2) {
			if (n + 1 >= MAPS_MAX)
				break;
			struct map *m = &peak_maps[++n];
			m->size = (long)((b - a) / 1024);
			m->rss = 0;
			m->thp = 0;
			snprintf(m->name, sizeof(m->name), "%s", name[0] ? name : "-");
			snprintf(m->kind, sizeof(m->kind), "%s",
				 !name[0] ? "anon" : !strcmp(name, "[heap]") ? "heap" :
				 !strcmp(name, "[stack]") ? "stack" : name[0] == '[' ? "anon" : "file");
		} else if (n >= 0 && sscanf(line, "Rss: %ld", &v) == 1) {
			peak_maps[n].rss = v;
		} else if (n >= 0 && sscanf(line, "AnonHugePages: %ld", &v) == 1) {
			peak_maps[n].thp = v;
		}
	}
	fclose(f);
	n_peak = n + 1;
	return 0;
}

static int by_rss(const void *a, const void *b)
{
	const struct map *x = a, *y = b;
	return (y->rss > x->rss) - (y->rss < x->rss);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: lab-memwatch PID SECONDS [INTERVAL_MS] [MIN_KIB]\n");
		return 2;
	}
	int pid = atoi(argv[1]);
	if (pid <= 0) {
		fprintf(stderr, "lab-memwatch: '%s' is not a process id\n", argv[1]);
		return 2;
	}
	char smaps[64];
	snprintf(smaps, sizeof(smaps), "/proc/%d/smaps", pid);
	double secs = atof(argv[2]);
	long ms = argc > 3 ? atol(argv[3]) : 20;
	long min_kib = argc > 4 ? atol(argv[4]) : 1024;
	if (ms < 1)
		ms = 1;
	double t0 = clock_mono_s(), at = 0;
	long peak = -1, samples = 0;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (clock_mono_s() - t0 < secs) {
		long v = file_proc_status_kib(pid, "VmRSS");
		if (v < 0)
			break;
		samples++;
		if (v > peak && read_smaps(smaps) == 0) {
			peak = v;
			at = clock_mono_s() - t0;
		}
		nanosleep(&ts, NULL);
	}
	if (peak < 0) {
		fprintf(stderr, "lab-memwatch: process %s is gone\n", argv[1]);
		return 1;
	}
	printf("peak %ld at %.1f s (%ld samples)\n", peak, at, samples);
	qsort(peak_maps, (size_t)n_peak, sizeof(peak_maps[0]), by_rss);
	long rest = 0, thp = 0;
	for (int i = 0; i < n_peak; i++) {
		const struct map *m = &peak_maps[i];
		thp += m->thp;
		if (m->rss >= min_kib)
			printf("map %ld %ld %s %s %ld\n", m->rss, m->size, m->kind, m->name, m->thp);
		else
			rest += m->rss;
	}
	printf("rest %ld\n", rest);
	printf("thp %ld\n", thp);
	return 0;
}
