/* Health-check engine throughput: TCP connect checks on the loopback.
 * A listener thread owns many listening sockets on 127.0.0.1 and accepts
 * in one epoll loop; the engine runs thousands of distinct TCP checks with
 * a tiny interval, so it is always busy, for a few seconds. Reported:
 * completed checks per second, and CPU time of the engine thread alone
 * (from /proc/self/task/TID/schedstat, ns), per check and per CPU-second.
 *
 * Checks of one port differ only in their timeout (1 ms steps), which
 * makes them distinct probes: identical ones would be shared and run once.
 * The checker closes with SO_LINGER 0 (RST), so its side never piles up in
 * TIME_WAIT; the listener's sockets are reset before it accepts them.
 *
 * Usage: bench_health [checks [ports [seconds [interval]]]]
 * (default 10000 1000 4 0.01: the engine saturated). With an interval the
 * engine can keep up with (20000 checks every 1 s), the figures show the
 * CPU a paced load costs. */
#include <dirent.h>
#include <errno.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "collector/health.h"
#include "share/clock.h"

struct listener {
	int ep;
	int *fds;
	uint16_t *ports;
	int n;
	atomic_int stop;
	atomic_ulong accepted;
};

static void *listener_main(void *arg)
{
	struct listener *l = arg;
	struct epoll_event ev[256];
	while (!atomic_load(&l->stop)) {
		int n = epoll_wait(l->ep, ev, 256, 50);
		for (int i = 0; i < n; i++) {
			int fd = ev[i].data.fd;
			for (;;) {
				int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (c < 0)
					break;
				close(c);
				atomic_fetch_add_explicit(&l->accepted, 1, memory_order_relaxed);
			}
		}
	}
	return NULL;
}

static int listener_open(struct listener *l, int n)
{
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	l->fds = calloc((size_t)n, sizeof(*l->fds));
	l->ports = calloc((size_t)n, sizeof(*l->ports));
	if (l->ep < 0 || !l->fds || !l->ports)
		return -1;
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		socklen_t len = sizeof(a);
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, len) < 0 || listen(fd, 4096) < 0 ||
		    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
			perror("bench_health: listener");
			return -1;
		}
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
		epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev);
		l->fds[i] = fd;
		l->ports[i] = ntohs(a.sin_port);
		l->n++;
	}
	return 0;
}

/* The engine thread's id, found by its name. */
static pid_t engine_tid(void)
{
	DIR *d = opendir("/proc/self/task");
	pid_t tid = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char path[300], name[32] = "";
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f) && strncmp(name, "lvs-health", 10) == 0)
			tid = (pid_t)atoi(e->d_name);
		fclose(f);
	}
	if (d)
		closedir(d);
	return tid;
}

/* CPU seconds the thread has run (schedstat: ns on CPU). */
static double thread_cpu(pid_t tid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)tid);
	FILE *f = fopen(path, "r");
	unsigned long long ns = 0;
	if (f) {
		if (fscanf(f, "%llu", &ns) != 1)
			ns = 0;
		fclose(f);
	}
	return ns / 1e9;
}

static double mono(void)
{
	return clock_mono_s();
}

int main(int argc, char **argv)
{
	int checks = argc > 1 ? atoi(argv[1]) : 10000;
	int ports = argc > 2 ? atoi(argv[2]) : 1000;
	double seconds = argc > 3 ? atof(argv[3]) : 4;
	double interval = argc > 4 ? atof(argv[4]) : 0.01;
	if (checks <= 0 || ports <= 0 || seconds <= 0 || interval <= 0) {
		fprintf(stderr, "usage: bench_health [checks [ports [seconds [interval]]]]\n");
		return 2;
	}

	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	/* listeners, plus both ends of every connection in flight, plus slack */
	rlim_t need = (rlim_t)ports + 64;
	if (rl.rlim_cur < need + 256) {
		fprintf(stderr, "bench_health: fd limit %llu too low for %d ports\n",
		        (unsigned long long)rl.rlim_cur, ports);
		return 1;
	}
	uint32_t max_running = (uint32_t)((rl.rlim_cur - need) / 4);
	if (max_running > 2048)
		max_running = 2048;

	struct listener l = {0};
	if (listener_open(&l, ports) < 0)
		return 1;
	pthread_t lt;
	pthread_create(&lt, NULL, listener_main, &l);

	struct lvs_check_spec *specs = calloc((size_t)checks, sizeof(*specs));
	if (!specs)
		return 1;
	union lvs_addr lo;
	memset(&lo, 0, sizeof(lo));
	lo.v4.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < checks; i++) {
		health_spec_init(&specs[i], AF_INET, &lo, l.ports[i % ports]);
		specs[i].interval = interval;
		specs[i].timeout = 1.0 + 0.001 * (i / ports);
	}
	struct lvs_health_opts o = {.max_running = max_running};
	lvs_health *h = health_new(&o);
	if (!h || health_set_checks(h, specs, (size_t)checks) < 0 || health_start(h) < 0) {
		fprintf(stderr, "bench_health: cannot start the engine\n");
		return 1;
	}
	pid_t tid = 0;
	for (int i = 0; i < 100 && !tid; i++) { /* the thread names itself */
		usleep(20000);
		tid = engine_tid();
	}
	if (!tid) {
		fprintf(stderr, "bench_health: engine thread not found\n");
		return 1;
	}
	/* warm-up: first starts are spread over an interval */
	usleep((useconds_t)((interval > 0.9 ? interval : 0.9) * 1e6));

	struct lvs_health_stats s0, s1;
	health_stats(h, &s0);
	double c0 = thread_cpu(tid), t0 = mono();
	usleep((useconds_t)(seconds * 1e6));
	health_stats(h, &s1);
	double c1 = thread_cpu(tid), t1 = mono();

	size_t up = 0;
	for (int i = 0; i < checks; i++) {
		struct lvs_check_result r;
		if (health_result(h, (size_t)i, &r) == 0 && r.state == LVS_HEALTH_UP)
			up++;
	}
	health_free(h);
	atomic_store(&l.stop, 1);
	pthread_join(lt, NULL);

	double n = (double)(s1.checks - s0.checks), failed = (double)(s1.failures - s0.failures);
	double cpu = c1 - c0, wall = t1 - t0;
	fprintf(stderr,
	        "bench_health: %d checks (%zu probes) on %d ports, max_running %u, %.1f s: "
	        "%.0f checks, %.0f failed, %zu up at the end, engine CPU %.2f s, %llu loop turns\n",
	        checks, s1.probes, ports, max_running, wall, n, failed, up, cpu,
	        (unsigned long long)(s1.loops - s0.loops));
	printf("health_tcp_checks_per_s %.0f checks/s\n", n / wall);
	printf("health_tcp_cpu_per_check %.2f us/check\n", n > 0 ? cpu * 1e6 / n : 0);
	printf("health_tcp_checks_per_cpu_s %.0f checks/cpu-s\n", cpu > 0 ? n / cpu : 0);
	free(specs);
	for (int i = 0; i < l.n; i++)
		close(l.fds[i]);
	close(l.ep);
	free(l.fds);
	free(l.ports);
	return failed > n / 100 ? 1 : 0;
}
