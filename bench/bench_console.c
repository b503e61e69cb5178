/* Console benchmark: a recording of 10,000 services x 10 real servers
 * replayed into the full-screen console under a 200x60 pseudo-terminal;
 * keys sent by the benchmark. Measures keypress-to-frame latency (from
 * writing the key to the pty until the last byte of the key's frame was
 * read; also until the output stayed quiet for QUIET_MS, which counts a
 * refresh that followed too), bytes written per frame (one screen update),
 * and the console's peak memory (VmHWM, in MiB and MB).
 * BENCH_CONSOLE_DUMP=FILE writes the largest frame of each kind of key to
 * FILE.<kind>; BENCH_CONSOLE_TRACE=FILE appends one line per key to FILE
 * (pass, class, CLOCK_MONOTONIC ms when it was sent, ms since the pass's
 * first key, latency, latency until quiet, bytes of its frame, bytes until
 * quiet), to see when slow keys came (perf record -k CLOCK_MONOTONIC
 * shares the clock). Latency depends on what else runs: each pass prints the
 * load average (/proc/loadavg) it ran at, and the benchmark runs twice,
 * on the machine as it is and beside two busy loops of its own (child
 * processes spinning, killed at the end), whose figures are named
 * console_busy_*.
 *
 *   bench_console                      run the benchmark (both passes)
 *   bench_console --busy N             one pass, beside N busy loops
 *   bench_console --frames S R [--max B] [--size CxR] [--max-rss MB]
 *                                      in this process (no timing):
 *                                      bytes per frame of each class of
 *                                      key on S services x R real
 *                                      servers on a C x R terminal
 *                                      (200x60), exit 1 if one is over B
 *                                      or the peak memory (VmHWM) over
 *                                      MB;
 *                                      under callgrind, instructions per
 *                                      class (key_<class> functions)
 *   bench_console --gen FILE S R N     write a recording of S services x R
 *                                      real servers, N snapshots 2 s apart
 *
 * The recording generator is also how the console is tried by hand:
 * `build/lvstop --replay FILE`. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <linux/ip_vs.h>
#include <math.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <curses.h>
#include <locale.h>

#include "collector/collector.h"
#include "collector/names.h"
#include "collector/snapjson.h"
#include "collector/snapshot.h"
#include "console/app.h"
#include "console/crt.h"
#include "share/clock.h"
#include "share/file.h"

/* ---- the recording ------------------------------------------------------ */

static const char *const scheds[] = { "wrr", "rr", "wlc", "lc", "sh", "mh", "sed", "nq" };

/* Snapshot number t of a table of ns services x nd real servers. The
 * table changes a little from one snapshot to the next so that the event
 * log has something to show: at t = 2 the last service leaves, at t = 3 a
 * weight changes, at t = 4 a real server is added. Counters grow with t
 * at a per-object pace, so rates differ between rows. */
static struct lvs_snapshot *gen_snapshot(size_t ns, size_t nd, unsigned t, double t0)
{
	struct lvs_snapshot *s = snapshot_new();
	if (!s)
		return NULL;
	if (snapshot_keep_dest_rates(s)) /* as the kernel source keeps them */
		goto err;
	s->time = t0 + 2.0 * t;
	s->version = (1 << 16) | (2 << 8) | 1;
	s->conn_tab_size = 4096;
	s->timeout_tcp = 900;
	s->timeout_tcpfin = 120;
	s->timeout_udp = 300;
	size_t shown = ns;
	if (t >= 2 && ns > 1)
		shown = ns - 1;
	uint64_t conn_total = 0;
	for (size_t i = 0; i < shown; i++) {
		struct lvs_service v = { 0 };
		v.af = AF_INET;
		v.protocol = IPPROTO_TCP;
		v.port = i % 4 == 1 ? 443 : 80;
		if (i % 17 == 5) {
			v.protocol = IPPROTO_UDP;
			v.port = 53;
		}
		if (i % 29 == 7) {
			v.af = AF_INET6;
			inet_pton(AF_INET6, "2001:db8:f::", &v.addr.v6);
			v.addr.v6.s6_addr[14] = (uint8_t)(i >> 8);
			v.addr.v6.s6_addr[15] = (uint8_t)i;
			v.netmask = 128;
		} else if (i % 31 == 9) {
			v.protocol = 0;
			v.port = 0;
			v.fwmark = (uint32_t)(i + 1);
			v.netmask = 0xffffffff;
		} else {
			v.addr.v4.s_addr = htonl(0xcb007100u + (uint32_t)i); /* 203.0.113.0 + i */
			v.netmask = 0xffffffff;
		}
		snprintf(v.sched, sizeof(v.sched), "%s", scheds[i % 8]);
		if (i % 5 == 3) {
			v.flags = IP_VS_SVC_F_PERSISTENT;
			v.timeout = 300;
		}
		v.flags |= IP_VS_SVC_F_HASHED;
		uint64_t pace = 1 + (i * 7919) % 97;
		v.stats.conns = pace * 10 * t + i;
		v.stats.inpkts = v.stats.conns * 12;
		v.stats.outpkts = v.stats.conns * 10;
		v.stats.inbytes = v.stats.inpkts * 700;
		v.stats.outbytes = v.stats.outpkts * 1400;
		v.krates = (struct lvs_kern_rates){ pace * 5, pace * 60, pace * 50, pace * 42000,
						    pace * 70000 };
		if (snapshot_add_service(s, &v))
			goto err;
		size_t n = nd + (t >= 4 && i == 0 ? 1 : 0);
		for (size_t j = 0; j < n; j++) {
			struct lvs_dest d = { 0 };
			d.af = AF_INET;
			d.addr.v4.s_addr = htonl(0x0a000000u + (uint32_t)(i << 8) + (uint32_t)j + 1);
			d.port = v.port ? v.port : 80;
			d.fwd = (uint32_t)(i % 3 == 0 ? LVS_FWD_MASQ : i % 3 == 1 ? LVS_FWD_ROUTE : LVS_FWD_TUNNEL);
			d.weight = (int32_t)(1 + j % 3);
			if (t >= 3 && i == 0 && j == 0)
				d.weight = 5;
			if (j == 3)
				d.weight = 0;
			uint64_t dp = pace * (j + 1);
			d.active_conns = (uint32_t)(dp % 50 + t);
			d.inact_conns = (uint32_t)(dp % 200);
			d.persist_conns = v.timeout ? (uint32_t)(dp % 7) : 0;
			/* An uneven pace, so that sparklines have a shape. */
			uint64_t wave = 0;
			for (unsigned k = 1; k <= t; k++)
				wave += (k + i + j) % 5;
			d.stats.conns = dp * (2 * t + wave) + j;
			d.stats.inpkts = d.stats.conns * 12;
			d.stats.outpkts = d.stats.conns * 10;
			d.stats.inbytes = d.stats.inpkts * 700;
			d.stats.outbytes = d.stats.outpkts * 1400;
			struct lvs_kern_rates kr = { dp, dp * 12, dp * 10, dp * 8400, dp * 14000 };
			if (snapshot_add_dest_rates(s, i, &d, &kr))
				goto err;
			conn_total += d.active_conns + d.inact_conns;
		}
	}
	snapshot_finish(s);
	/* A small connection summary: states, the first real servers, clients. */
	struct lvs_conn_summary *c = &s->conns;
	c->available = true;
	c->total = conn_total;
	static const char *const st[] = { "ESTABLISHED", "TIME_WAIT", "FIN_WAIT", "SYN_RECV", "UDP" };
	uint64_t left = conn_total;
	for (size_t k = 0; k < 5; k++) {
		snprintf(c->states[k].name, sizeof(c->states[k].name), "%s", st[k]);
		c->states[k].count = k == 4 ? left : left / 2;
		left -= c->states[k].count;
	}
	c->n_states = 5;
	size_t ncd = s->n_dests < 64 ? s->n_dests : 64;
	c->dests = calloc(ncd + 1, sizeof(*c->dests));
	c->top_clients = calloc(10, sizeof(*c->top_clients));
	if (!c->dests || !c->top_clients)
		goto err;
	for (size_t k = 0; k < ncd; k++) {
		struct lvs_conn_dest *d = &c->dests[k];
		d->af = s->dests[k].af;
		d->addr = s->dests[k].addr;
		d->port = s->dests[k].port;
		d->n_states = 2;
		snprintf(d->states[0].name, sizeof(d->states[0].name), "ESTABLISHED");
		d->states[0].count = s->dests[k].active_conns;
		snprintf(d->states[1].name, sizeof(d->states[1].name), "TIME_WAIT");
		d->states[1].count = s->dests[k].inact_conns;
		d->total = d->states[0].count + d->states[1].count;
	}
	c->n_dests = ncd;
	for (size_t k = 0; k < 10; k++) {
		c->top_clients[k].af = AF_INET;
		c->top_clients[k].addr.v4.s_addr = htonl(0xc6336402u + (uint32_t)k); /* 198.51.100.2 */
		c->top_clients[k].conns = (10 - k) * 10 + t;
	}
	c->n_top_clients = 10;
	return s;
err:
	snapshot_unref(s);
	return NULL;
}

static int gen_recording(const char *path, size_t ns, size_t nd, unsigned n)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "bench_console: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	double t0 = (double)time(NULL) - 2.0 * n;
	int r = 0;
	for (unsigned t = 0; t < n && !r; t++) {
		struct lvs_snapshot *s = gen_snapshot(ns, nd, t, t0);
		char *txt = s ? snapjson_render(s, 0) : NULL;
		if (!txt || fputs(txt, f) == EOF || fputc('\n', f) == EOF)
			r = -ENOMEM;
		free(txt);
		snapshot_unref(s);
	}
	if (fclose(f) && !r)
		r = -EIO;
	if (r)
		fprintf(stderr, "bench_console: cannot write %s\n", path);
	return r;
}

/* ---- the benchmark --------------------------------------------------------- */

#define COLS 200
#define ROWS 60
#define QUIET_MS 25      /* no output for this long: the frame is complete */
#define FRAME_MAX_MS 2000 /* a frame not done by then counts as this long */

static double now_ms(void)
{
	return (double)clock_mono_ns() / 1e6;
}

/* Output seen since the last call, the last 64 KiB kept for markers. */
struct out {
	char tail[65536];
	size_t n;
	size_t total;
	/* Arrival of each read since out_mark: total bytes after it, when. */
	struct {
		size_t total;
		double t;
	} reads[512];
	size_t n_reads;
};

static void out_mark(struct out *o)
{
	o->n_reads = 0;
}

static void out_add(struct out *o, const char *b, size_t n)
{
	o->total += n;
	if (n >= sizeof(o->tail)) {
		memcpy(o->tail, b + n - sizeof(o->tail) + 1, sizeof(o->tail) - 1);
		o->n = sizeof(o->tail) - 1;
	} else {
		if (o->n + n >= sizeof(o->tail)) {
			size_t drop = o->n + n - sizeof(o->tail) + 1;
			memmove(o->tail, o->tail + drop, o->n - drop);
			o->n -= drop;
		}
		memcpy(o->tail + o->n, b, n);
		o->n += n;
	}
	o->tail[o->n] = 0;
}

/* Read from fd until it has been quiet for quiet_ms (after at least one
 * byte, when need_byte) or max_ms passed. Returns bytes read; *t_last is
 * when the last byte came (or the start). -1 when the child is gone. */
static long read_frame(int fd, int quiet_ms, int max_ms, bool need_byte, double *t_last,
		       struct out *o)
{
	double start = now_ms(), last = start;
	long got = 0;
	char buf[65536];
	for (;;) {
		double now = now_ms();
		int wait = (got || !need_byte) ? (int)(last + quiet_ms - now) : (int)(start + max_ms - now);
		if (now - start > max_ms)
			break;
		if (wait <= 0)
			break;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return got ? got : -1;
		last = now_ms();
		got += n;
		if (o) {
			out_add(o, buf, (size_t)n);
			if (o->n_reads < sizeof(o->reads) / sizeof(o->reads[0]))
				o->reads[o->n_reads++] = (typeof(o->reads[0])){ o->total, last };
		}
	}
	*t_last = last;
	return got;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double pct(double *v, size_t n, double p)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	size_t i = (size_t)ceil(p / 100.0 * (double)n);
	return v[i ? i - 1 : 0];
}

/* Per key: lat/bytes of the key's own frame (up to where the next frame
 * starts), lat_quiet/bytes_all of everything until the output went quiet
 * (a snapshot's frame that followed within QUIET_MS included). */
struct series {
	const char *name;
	double lat[1024], lat_quiet[1024];
	long bytes[1024], bytes_all[1024];
	size_t n;
};

static void series_add(struct series *s, double lat, long bytes, double lat_quiet, long bytes_all)
{
	if (s->n < 1024) {
		s->lat[s->n] = lat;
		s->bytes[s->n] = bytes;
		s->lat_quiet[s->n] = lat_quiet;
		s->bytes_all[s->n] = bytes_all;
		s->n++;
	}
}

static double mean_of(const long *v, size_t n)
{
	double t = 0;
	for (size_t i = 0; i < n; i++)
		t += (double)v[i];
	return n ? t / (double)n : NAN;
}

static long max_of(const long *v, size_t n)
{
	long m = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

/* Where the second screen update starts in p[0..n), or n. curses updates
 * the lines of one refresh top to bottom, so an address (CUP "ESC[r;cH" or
 * VPA "ESC[rd") to a line above the previous address begins another
 * refresh: the console drew again (a snapshot arrived, the clock ticked)
 * before the output went quiet. */
static size_t first_frame_len(const char *p, size_t n)
{
	long prev = 0;
	for (size_t i = 0; i + 2 < n; i++) {
		if (p[i] != '\033' || p[i + 1] != '[')
			continue;
		size_t j = i + 2;
		long row = 0;
		while (j < n && p[j] >= '0' && p[j] <= '9')
			row = row * 10 + (p[j++] - '0');
		if (j >= n || j == i + 2)
			continue;
		if (p[j] == ';') {
			size_t k = j + 1;
			while (k < n && p[k] >= '0' && p[k] <= '9')
				k++;
			if (k >= n || p[k] != 'H')
				continue;
		} else if (p[j] != 'd') {
			continue;
		}
		if (row < prev)
			return i;
		prev = row;
	}
	return n;
}

/* With BENCH_CONSOLE_DUMP=FILE, the largest frame of each series so far
 * is written to FILE.<series> (to see what the bytes are spent on). */
static void dump_frame(const struct series *s, long bytes, const struct out *o, size_t got)
{
	const char *base = getenv("BENCH_CONSOLE_DUMP");
	if (!base || bytes <= 0 || got > o->n)
		return;
	for (size_t i = 0; i < s->n; i++)
		if (s->bytes[i] >= bytes)
			return;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s.%s", base, s->name);
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fwrite(o->tail + o->n - got, 1, (size_t)bytes, f);
	fclose(f);
}

/* With BENCH_CONSOLE_TRACE=FILE, one line per key (see the top). The pass
 * running: its prefix ("console_", "console_busy_"). */
static const char *trace_pass = "";

static void trace_key(const struct series *s, double t0, double lat, double lat_quiet, long fb,
		      long b)
{
	static FILE *f;
	static double first;
	static const char *pass;
	const char *path = getenv("BENCH_CONSOLE_TRACE");
	if (!path)
		return;
	if (!f && !(f = fopen(path, "ae")))
		return;
	if (pass != trace_pass) {
		pass = trace_pass;
		first = t0;
	}
	fprintf(f, "%s %s %.1f %.1f %.1f %.1f %ld %ld\n", pass, s->name, t0, t0 - first, lat,
		lat_quiet, fb, b);
	fflush(f);
}

/* Send one key, time its frame. */
static int key(int fd, const char *k, struct series *s, struct series *all, struct out *o)
{
	double t0 = now_ms(), t_last;
	out_mark(o);
	size_t before = o->total;
	if (write(fd, k, strlen(k)) != (ssize_t)strlen(k))
		return -EIO;
	long b = read_frame(fd, QUIET_MS, FRAME_MAX_MS, true, &t_last, o);
	if (b < 0)
		return -EPIPE;
	double lat_quiet = b ? t_last - t0 : FRAME_MAX_MS;
	/* The key's own frame: up to where another refresh starts, timed by
	 * the read that brought its last byte. */
	long fb = b;
	double lat = lat_quiet;
	if (b && (size_t)b <= o->n) {
		fb = (long)first_frame_len(o->tail + o->n - (size_t)b, (size_t)b);
		for (size_t i = 0; i < o->n_reads; i++)
			if (o->reads[i].total >= before + (size_t)fb) {
				lat = o->reads[i].t - t0;
				break;
			}
	}
	dump_frame(s, fb, o, (size_t)b);
	trace_key(s, t0, lat, lat_quiet, fb, b);
	series_add(s, lat, fb, lat_quiet, b);
	if (all != s)
		series_add(all, lat, fb, lat_quiet, b);
	/* A pause of 0..40 ms, so that keys land at every phase of the
	 * poller's work. */
	double ignore;
	read_frame(fd, (int)(random() % 40), 40, false, &ignore, o);
	return 0;
}

/* /proc/loadavg as NAME VALUE UNIT lines: the 1, 5 and 15 minute load
 * averages and the tasks runnable at the end of the pass. */
static void print_loadavg(const char *pfx)
{
	FILE *f = fopen("/proc/loadavg", "re");
	double l1, l5, l15;
	unsigned run, tasks;
	if (!f)
		return;
	if (fscanf(f, "%lf %lf %lf %u/%u", &l1, &l5, &l15, &run, &tasks) == 5) {
		printf("%sloadavg_1m %.2f load\n", pfx, l1);
		printf("%sloadavg_5m %.2f load\n", pfx, l5);
		printf("%sloadavg_15m %.2f load\n", pfx, l15);
		printf("%sloadavg_runnable %u tasks\n", pfx, run);
	}
	fclose(f);
}

/* n child processes that spin until killed; their pids in pids. They
 * die with the benchmark too (PR_SET_PDEATHSIG). Returns how many
 * started. */
static int busy_start(pid_t *pids, int n)
{
	int k = 0;
	for (; k < n; k++) {
		pid_t p = fork();
		if (p < 0)
			break;
		if (p == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			volatile unsigned long spin = 0;
			for (;;)
				spin++;
		}
		pids[k] = p;
	}
	return k;
}

static void busy_stop(const pid_t *pids, int n)
{
	for (int i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
}

static int run_bench(const char *lvstop, const char *rec, const char *pfx)
{
	trace_pass = pfx;
	struct winsize ws = { .ws_row = ROWS, .ws_col = COLS };
	int fd;
	pid_t pid = forkpty(&fd, NULL, NULL, &ws);
	if (pid < 0) {
		perror("bench_console: forkpty");
		return 1;
	}
	if (pid == 0) {
		setenv("TERM", "xterm-256color", 1);
		setenv("LC_ALL", "C.UTF-8", 1);
		unsetenv("NO_COLOR");
		execl(lvstop, lvstop, "--replay", rec, "--loop", "-d", "2", (char *)NULL);
		perror("exec lvstop");
		_exit(127);
	}
	struct out *o = calloc(1, sizeof(*o));
	if (!o)
		return 1;
	/* The first snapshot of 110,000 objects: wait for its rows. */
	double t0 = now_ms(), t_last;
	while (!strstr(o->tail, "203.0.113.") && now_ms() - t0 < 300000) {
		if (read_frame(fd, 200, 1000, false, &t_last, o) < 0)
			break;
	}
	if (!strstr(o->tail, "203.0.113.")) {
		fprintf(stderr, "bench_console: no table on the screen after %.0f s\n",
			(now_ms() - t0) / 1e3);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return 1;
	}
	double first = now_ms() - t0;
	read_frame(fd, 500, 5000, false, &t_last, o);

	static struct series down = { .name = "down" }, pgdn = { .name = "pgdn" },
			     sort = { .name = "sort" }, filter = { .name = "filter" },
			     view = { .name = "view" }, all = { .name = "all" },
			     esc = { .name = "esc" };
	struct series *every[] = { &down, &pgdn, &sort, &filter, &view, &all, &esc };
	for (size_t i = 0; i < sizeof(every) / sizeof(every[0]); i++)
		every[i]->n = 0; /* a second pass starts afresh */
	int r = 0;
	srandom(1);
	for (int round = 0; round < 4 && !r; round++) {
		for (int i = 0; i < 40 && !r; i++)
			r = key(fd, "\033OB", &down, &all, o); /* Down (keypad transmit mode) */
		for (int i = 0; i < 25 && !r; i++)
			r = key(fd, "\033[6~", &pgdn, &all, o); /* PgDn */
		for (int i = 0; i < 4 && !r; i++)
			r = key(fd, i % 2 ? "<" : ">", &sort, &all, o);
		if (!r)
			r = key(fd, "/", &view, &all, o);
		const char *f = "10.0.1";
		for (const char *c = f; *c && !r; c++) {
			char k[2] = { *c, 0 };
			r = key(fd, k, &filter, &all, o);
		}
		for (int i = 0; i < 6 && !r; i++)
			r = key(fd, "\177", &filter, &all, o); /* Backspace */
		if (!r)
			r = key(fd, "\r", &view, &all, o);
		/* Back is Backspace here: a bare Esc always waits out curses'
		 * ESCDELAY (25 ms) to be told from an escape sequence; it is
		 * measured on its own below. */
		static const char *const views[] = { "c", "c", "e", "e", "\r", "\177", "\033OP", "\177" };
		for (size_t i = 0; i < sizeof(views) / sizeof(views[0]) && !r; i++)
			r = key(fd, views[i], &view, &all, o);
		if (!r)
			r = key(fd, "\r", &view, &all, o); /* detail again, */
		if (!r)
			r = key(fd, "\033", &esc, &esc, o); /* left with Esc */
		for (int i = 0; i < 25 && !r; i++)
			r = key(fd, "\033[5~", &pgdn, &all, o); /* PgUp */
	}
	long hwm = file_proc_status_kib((int)pid, "VmHWM");
	write(fd, "q", 1);
	int status = 0;
	for (int i = 0; i < 100; i++) {
		read_frame(fd, 50, 100, false, &t_last, NULL);
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (i == 99) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
	}
	close(fd);
	if (r) {
		fprintf(stderr, "bench_console: the console went away during the run\n");
		free(o);
		return 1;
	}

	double lat[1024];
	printf("%sfirst_frame %.0f ms\n", pfx, first);
	/* Key to the end of the key's own frame. */
	memcpy(lat, all.lat, all.n * sizeof(double));
	printf("%skey_latency_p50 %.1f ms\n", pfx, pct(lat, all.n, 50));
	memcpy(lat, all.lat, all.n * sizeof(double));
	printf("%skey_latency_p99 %.1f ms\n", pfx, pct(lat, all.n, 99));
	/* Key until the output went quiet: also counts a refresh that came
	 * right after the key's frame (a snapshot), so it is never lower. */
	memcpy(lat, all.lat_quiet, all.n * sizeof(double));
	printf("%skey_latency_quiet_p50 %.1f ms\n", pfx, pct(lat, all.n, 50));
	memcpy(lat, all.lat_quiet, all.n * sizeof(double));
	printf("%skey_latency_quiet_p99 %.1f ms\n", pfx, pct(lat, all.n, 99));
	/* The goal's case: every visible row changes (a page further); one
	 * frame is one screen update. */
	printf("%sbytes_per_frame %.0f bytes\n", pfx, mean_of(pgdn.bytes, pgdn.n));
	printf("%sbytes_per_frame_max %ld bytes\n", pfx, max_of(pgdn.bytes, pgdn.n));
	/* The same keys, everything written until the output went quiet. */
	printf("%sbytes_per_key_quiet_max %ld bytes\n", pfx, max_of(pgdn.bytes_all, pgdn.n));
	printf("%speak_rss %.1f MiB\n", pfx, hwm / 1024.0);
	printf("%speak_rss_mb %.1f MB\n", pfx, hwm * 1024.0 / 1e6);
	struct series *each[] = { &down, &pgdn, &sort, &filter, &view, &esc };
	for (size_t i = 0; i < sizeof(each) / sizeof(each[0]); i++) {
		struct series *s = each[i];
		memcpy(lat, s->lat, s->n * sizeof(double));
		double p50 = pct(lat, s->n, 50);
		memcpy(lat, s->lat, s->n * sizeof(double));
		printf("%skey_latency_%s_p50 %.1f ms\n", pfx, s->name, p50);
		printf("%skey_latency_%s_p99 %.1f ms\n", pfx, s->name, pct(lat, s->n, 99));
		printf("%sbytes_per_frame_%s %.0f bytes\n", pfx, s->name, mean_of(s->bytes, s->n));
		printf("%sbytes_per_frame_%s_max %ld bytes\n", pfx, s->name, max_of(s->bytes, s->n));
	}
	printf("%skeys %zu keys\n", pfx, all.n + esc.n);
	/* Latency depends on what else runs: say how busy the machine was. */
	double load[1];
	if (getloadavg(load, 1) == 1)
		printf("%shost_loadavg %.2f load\n", pfx, load[0]);
	print_loadavg(pfx);
	printf("%sexit %d status\n", pfx, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	free(o);
	return 0;
}

/* ---- in this process: bytes and instructions of each key class ---------- */

/* The recording's snapshots straight from gen_snapshot, one per poll. */
struct gen_source {
	struct lvs_source base;
	size_t ns, nd;
	unsigned t;
	double t0;
};

/* Snapshots 0 to GEN_LOOP - 1, then 0 again, an hour later, as a
 * recording replayed with --loop: every counter goes down once (a reset
 * event per object, as after ipvsadm -Z). */
#define GEN_LOOP 5

static int gen_poll(struct lvs_source *src, struct lvs_snapshot **out, char *msg, size_t len)
{
	struct gen_source *g = (struct gen_source *)src;
	unsigned t = g->t++;
	*out = gen_snapshot(g->ns, g->nd, t % GEN_LOOP, g->t0 + 3600.0 * (t / GEN_LOOP));
	if (*out)
		return 0;
	snprintf(msg, len, "out of memory");
	return -ENOMEM;
}

static void gen_destroy(struct lvs_source *src)
{
	free(src);
}

static const struct lvs_source_ops gen_ops = { "bench", gen_poll, gen_destroy };

/* The console's terminal: a pseudo-terminal whose master side is read
 * here after each frame. */
struct term {
	int master, slave;
	long first;
	char last[262144]; /* the last frame (its first bytes) */
};

/* Bytes curses wrote for the last frame: a NUL written after it on the
 * same terminal (curses writes none) marks where the frame ends. */
static long term_drain(struct term *t)
{
	if (write(t->slave, "", 1) != 1)
		return -1;
	long n = 0;
	char buf[65536];
	for (;;) {
		struct pollfd p = { .fd = t->master, .events = POLLIN };
		if (poll(&p, 1, 5000) <= 0)
			return -1;
		ssize_t k = read(t->master, buf, sizeof(buf));
		if (k <= 0)
			return -1;
		char *z = memchr(buf, 0, (size_t)k);
		size_t keep = z ? (size_t)(z - buf) : (size_t)k;
		if ((size_t)n + keep <= sizeof(t->last))
			memcpy(t->last + n, buf, keep);
		if (z)
			return n + (z - buf);
		n += k;
	}
}

/* Each class of key in a function of its own, so that callgrind's
 * inclusive cost of the function is that class's cost (run this mode
 * under valgrind --tool=callgrind). The key is handled and its frame
 * drawn as the main loop does. noipa: the bodies are the same, and
 * folded into one function they would be counted as one. */
#define KEY_FN(name)                                              \
	static __attribute__((noipa)) void key_##name(struct app *a, int k) \
	{                                                         \
		app_key(a, k);                                    \
		app_draw(a);                                      \
	}
KEY_FN(down)
KEY_FN(pgdn)
KEY_FN(sort)
KEY_FN(filter)
KEY_FN(view)
KEY_FN(esc)
#undef KEY_FN

/* What the main loop does between keys while the filter prompt is open:
 * the filter texts, a slice per turn (counted apart from the keys). */
static __attribute__((noipa)) void idle_texts(struct app *a)
{
	while (a->snap && !table_prepare_text_some(&a->tbl, a->snap, 8192))
		;
}

static __attribute__((noipa)) void snapshot_frame(struct app *a)
{
	app_take(a);
	app_draw(a);
}

enum { K_DOWN, K_PGDN, K_SORT, K_FILTER, K_VIEW, K_ESC, K_SNAP, K_CLASSES };
static const char *const class_names[K_CLASSES] = { "down", "pgdn", "sort", "filter", "view",
						    "esc", "snapshot" };

struct frame_stats {
	long max[K_CLASSES], sum[K_CLASSES], n[K_CLASSES];
};

static int frame_key(struct app *a, struct term *t, struct frame_stats *st, int cls, int k)
{
	switch (cls) {
	case K_DOWN: key_down(a, k); break;
	case K_PGDN: key_pgdn(a, k); break;
	case K_SORT: key_sort(a, k); break;
	case K_FILTER: key_filter(a, k); break;
	case K_VIEW: key_view(a, k); break;
	case K_ESC: key_esc(a, k); break;
	default: snapshot_frame(a); break;
	}
	long b = term_drain(t);
	if (b < 0)
		return -EIO;
	if (b > st->max[cls]) {
		st->max[cls] = b;
		/* BENCH_CONSOLE_DUMP=FILE: the largest frame of each class in
		 * FILE.<class>, to see what its bytes are spent on. */
		const char *base = getenv("BENCH_CONSOLE_DUMP");
		char path[PATH_MAX];
		FILE *f = NULL;
		if (base && (size_t)b <= sizeof(t->last)) {
			snprintf(path, sizeof(path), "%s.%s", base, class_names[cls]);
			f = fopen(path, "w");
		}
		if (f) {
			fwrite(t->last, 1, (size_t)b, f);
			fclose(f);
		}
	}
	st->sum[cls] += b;
	st->n[cls]++;
	return 0;
}

/* The key script of run_bench, in this process on a rows x cols
 * terminal over a table of ns x nd: bytes per frame of each class
 * (deterministic for one table and size). With max_bytes > 0, exits 1
 * when a class's largest frame is over it. */
static int run_frames(size_t ns, size_t nd, int rows, int cols, long max_bytes, double max_rss_mb)
{
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
	static struct term t;
	mallopt(M_MMAP_THRESHOLD, 1 << 20); /* as console_run_ex */
	t.master = t.slave = -1;
	if (openpty(&t.master, &t.slave, NULL, NULL, &ws)) {
		perror("bench_console: openpty");
		return 1;
	}
	setenv("TERM", "xterm-256color", 1);
	unsetenv("NO_COLOR");
	if (!setlocale(LC_CTYPE, getenv("BENCH_LOCALE") ? getenv("BENCH_LOCALE") : "C.UTF-8"))
		setlocale(LC_CTYPE, "");
	FILE *out = fdopen(dup(t.slave), "w"), *in = fdopen(dup(t.slave), "r");
	struct gen_source *g = calloc(1, sizeof(*g));
	if (!out || !in || !g) {
		fprintf(stderr, "bench_console: out of memory\n");
		return 1;
	}
	g->base.ops = &gen_ops;
	g->ns = ns;
	g->nd = nd;
	g->t0 = 1.7e9; /* a fixed clock: the same bytes on every run */
	lvs_collector *col = collector_new(&g->base, NULL);
	struct console_opts o = { .interval = 2, .read_only = true, .source = "bench" };
	struct app a;
	if (!col || app_open(&a, col, &o, NULL, NULL)) {
		fprintf(stderr, "bench_console: out of memory\n");
		return 1;
	}
	/* Snapshots prepared on this thread: each key's cost is all here. */
	prep_free(a.prep);
	a.prep = NULL;
	if (crt_init_on(out, in, false)) {
		fprintf(stderr, "bench_console: cannot start curses on a pseudo-terminal\n");
		return 1;
	}
	getmaxyx(stdscr, a.rows, a.cols);
	struct frame_stats st = { 0 };
	int r = 0;
	for (int i = 0; i < 3 && !r; i++)
		r = collector_poll(col);
	app_take(&a);
	app_draw(&a);
	t.first = term_drain(&t);
	if (getenv("BENCH_CONSOLE_DUMP") && (size_t)t.first <= sizeof(t.last)) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s.first", getenv("BENCH_CONSOLE_DUMP"));
		FILE *f = fopen(path, "w");
		if (f) {
			fwrite(t.last, 1, (size_t)t.first, f);
			fclose(f);
		}
	}
	for (int round = 0; round < 4 && !r; round++) {
		for (int i = 0; i < 40 && !r; i++)
			r = frame_key(&a, &t, &st, K_DOWN, KEY_DOWN);
		for (int i = 0; i < 25 && !r; i++)
			r = frame_key(&a, &t, &st, K_PGDN, KEY_NPAGE);
		for (int i = 0; i < 4 && !r; i++)
			r = frame_key(&a, &t, &st, K_SORT, i % 2 ? '<' : '>');
		if (!r)
			r = frame_key(&a, &t, &st, K_VIEW, '/');
		idle_texts(&a);
		for (const char *c = "10.0.1"; *c && !r; c++)
			r = frame_key(&a, &t, &st, K_FILTER, *c);
		for (int i = 0; i < 6 && !r; i++)
			r = frame_key(&a, &t, &st, K_FILTER, 127);
		if (!r)
			r = frame_key(&a, &t, &st, K_VIEW, '\r');
		static const int views[] = { 'c', 'c', 'e', 'e', '\r', 127, KEY_F(1), 127, '\r' };
		for (size_t i = 0; i < sizeof(views) / sizeof(views[0]) && !r; i++)
			r = frame_key(&a, &t, &st, K_VIEW, views[i]);
		if (!r)
			r = frame_key(&a, &t, &st, K_ESC, 27);
		for (int i = 0; i < 25 && !r; i++)
			r = frame_key(&a, &t, &st, K_PGDN, KEY_PPAGE);
		if (!r)
			r = collector_poll(col);
		if (!r)
			r = frame_key(&a, &t, &st, K_SNAP, 0);
	}
	crt_done();
	app_close(&a);
	collector_free(col);
	fclose(out);
	fclose(in);
	close(t.master);
	close(t.slave);
	if (r) {
		fprintf(stderr, "bench_console: the frames could not be read: %s\n", strerror(-r));
		return 1;
	}
	printf("console_frames_first %ld bytes\n", t.first);
	/* This process's peak: the console's structures and the collector's
	 * (snapshots, history), plus the benchmark's own few MB. */
	long hwm = file_proc_status_kib(0, "VmHWM");
	printf("console_frames_peak_rss_mb %.1f MB\n", hwm * 1024.0 / 1e6);
	int over = 0;
	if (max_rss_mb > 0 && hwm * 1024.0 / 1e6 > max_rss_mb) {
		fprintf(stderr, "bench_console: peak memory %.1f MB, over %.1f (%zu x %zu)\n",
			hwm * 1024.0 / 1e6, max_rss_mb, ns, nd);
		over = 1;
	}
	for (int c = 0; c < K_CLASSES; c++) {
		printf("console_frames_%s_mean %.0f bytes\n", class_names[c],
		       st.n[c] ? (double)st.sum[c] / (double)st.n[c] : 0.0);
		printf("console_frames_%s_max %ld bytes\n", class_names[c], st.max[c]);
		printf("console_frames_%s_keys %ld keys\n", class_names[c], st.n[c]);
		if (max_bytes > 0 && c != K_SNAP && st.max[c] > max_bytes) {
			fprintf(stderr, "bench_console: a %s frame of %ld bytes, over %ld (%dx%d, %zu x %zu)\n",
				class_names[c], st.max[c], max_bytes, cols, rows, ns, nd);
			over = 1;
		}
	}
	return over;
}

/* build/bench/bench_console -> build/lvstop */
static void find_lvstop(const char *argv0, char *out, size_t len)
{
	const char *env = getenv("LVSTOP");
	if (env) {
		snprintf(out, len, "%s", env);
		return;
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		snprintf(self, sizeof(self), "%s", argv0);
		n = (ssize_t)strlen(self);
	}
	self[n] = 0;
	char *slash = strrchr(self, '/');
	if (slash)
		*slash = 0;
	snprintf(out, len, "%s/../lvstop", self);
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "--gen"))
		return gen_recording(argv[2], strtoul(argv[3], NULL, 10), strtoul(argv[4], NULL, 10),
				     (unsigned)strtoul(argv[5], NULL, 10)) ? 1 : 0;
	if (argc >= 4 && !strcmp(argv[1], "--frames")) {
		long max = 0;
		double max_rss = 0;
		int cols = COLS, rows = ROWS;
		for (int i = 4; i + 1 < argc; i += 2) {
			if (!strcmp(argv[i], "--max"))
				max = strtol(argv[i + 1], NULL, 10);
			else if (!strcmp(argv[i], "--max-rss"))
				max_rss = strtod(argv[i + 1], NULL);
			else if (!strcmp(argv[i], "--size") &&
				 sscanf(argv[i + 1], "%dx%d", &cols, &rows) == 2 && cols >= 40 && rows >= 10)
				continue;
			else
				return 2;
		}
		return run_frames(strtoul(argv[2], NULL, 10), strtoul(argv[3], NULL, 10), rows, cols, max,
				  max_rss);
	}
	int busy = -1; /* -1: a quiet pass, then one beside two busy loops */
	if (argc == 3 && !strcmp(argv[1], "--busy"))
		busy = atoi(argv[2]);
	else if (argc != 1) {
		fprintf(stderr, "usage: bench_console [--busy N]\n"
				"       bench_console --gen FILE SERVICES REALS SNAPSHOTS\n"
				"       bench_console --frames SERVICES REALS [--max BYTES] [--size COLSxROWS]\n"
				"                     [--max-rss MB]\n");
		return 2;
	}
	char lvstop[PATH_MAX + 16];
	find_lvstop(argv[0], lvstop, sizeof(lvstop));
	if (access(lvstop, X_OK)) {
		fprintf(stderr, "bench_console: %s: %s (build it first, or set LVSTOP)\n", lvstop,
			strerror(errno));
		return 1;
	}
	char dir[] = "/tmp/bench_console.XXXXXX";
	if (!mkdtemp(dir)) {
		perror("bench_console: mkdtemp");
		return 1;
	}
	char rec[sizeof(dir) + 16];
	snprintf(rec, sizeof(rec), "%s/rec.jsonl", dir);
	double t0 = now_ms();
	int r = gen_recording(rec, 10000, 10, 3);
	struct stat st;
	if (!r && !stat(rec, &st))
		fprintf(stderr, "bench_console: recording of 10000 x 10 x 3 snapshots: %.1f MB in %.1f s\n",
			(double)st.st_size / 1e6, (now_ms() - t0) / 1e3);
	if (!r && busy <= 0)
		r = run_bench(lvstop, rec, "console_");
	if (!r && busy != 0) {
		pid_t pids[16];
		int want = busy < 0 ? 2 : busy > 16 ? 16 : busy;
		fflush(stdout); /* nothing buffered is copied into the loops */
		int n = busy_start(pids, want);
		printf("console_busy_loops %d loops\n", n);
		r = n == want ? run_bench(lvstop, rec, "console_busy_") : 1;
		busy_stop(pids, n);
	}
	unlink(rec);
	rmdir(dir);
	return r ? 1 : 0;
}
