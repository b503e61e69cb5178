#include "rrd_store.h"

#include "rrd_lib.h"

#include "exporter/unix_time.h"
#include "share/clock.h"
#include "share/log.h"
#include "share/worker.h"

#include "collector/snapshot.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct rrd_store {
	char *dir, *daemon; /* owned */
	bool real_servers;
	struct rrd_spec spec;

	/* The writer thread from new to free; it writes only while go is set.
	 * Its lock guards the queue, go, busy and stats; it notifies (the
	 * eventfd) at the end of every pass, which wait_idle polls. */
	struct lvs_worker w;
	struct lvs_snapshot **q; /* ring of queue_cap references */
	unsigned q_cap, q_head, q_len;
	bool busy, go;

	struct rrd_store_stats stats; /* under the worker's lock */
	/* The writer's own: the newest time written, and the error state as
	 * last logged (so a broken disk logs once, not at every poll). */
	double written_time;
	bool failing;
};

static void writer(struct lvs_worker *w, void *arg);

rrd_store *rrd_store_new(const struct rrd_store_opts *o)
{
	char err[200];
	if (!o->dir || !*o->dir || rrd_spec_check(&o->spec, err, sizeof(err))) {
		errno = EINVAL;
		return NULL;
	}
	if (rrd_lib_open(NULL, 0)) {
		errno = ELIBACC; /* rrd_lib_open(err, ...) says why */
		return NULL;
	}
	struct rrd_store *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->q_cap = o->queue ? o->queue : 4;
	st->dir = strdup(o->dir);
	st->daemon = o->daemon ? strdup(o->daemon) : NULL;
	st->q = calloc(st->q_cap, sizeof(*st->q));
	if (!st->dir || (o->daemon && !st->daemon) || !st->q) {
		free(st->dir);
		free(st->daemon);
		free(st->q);
		free(st);
		errno = ENOMEM;
		return NULL;
	}
	st->real_servers = o->real_servers;
	st->spec = o->spec;
	st->stats.up = true;
	int r = worker_start(&st->w, writer, st);
	if (r) {
		free(st->dir);
		free(st->daemon);
		free(st->q);
		free(st);
		errno = -r;
		return NULL;
	}
	return st;
}

/* mkdir -p for the store's own folders. 0 or -errno. */
static int make_dir(const char *path)
{
	char p[4096];
	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Write one object's update, creating its file first when missing.
 * 0, or -1 with why set. */
static int write_one(struct rrd_store *st, const char *path, bool service, double t,
		     const char *values, char *why, size_t whylen)
{
	if (access(path, F_OK)) {
		if (errno != ENOENT) {
			snprintf(why, whylen, "%s: %s", path, strerror(errno));
			return -1;
		}
		char defs[RRD_SPEC_SVC_DS + 4 * RRD_SPEC_MAX_RRAS][RRD_SPEC_DEF_MAX];
		const char *argv[RRD_SPEC_SVC_DS + 4 * RRD_SPEC_MAX_RRAS];
		int n = rrd_spec_create_args(&st->spec, service, defs, sizeof(defs) / sizeof(defs[0]));
		if (n < 0) {
			snprintf(why, whylen, "%s: too many archives", path);
			return -1;
		}
		for (int i = 0; i < n; i++)
			argv[i] = defs[i];
		rrd_lib()->clear_error();
		/* Start one step before the first sample so that it is accepted. */
		if (rrd_lib()->create_r(path, st->spec.step, (time_t)t - (time_t)st->spec.step, n, argv)) {
			snprintf(why, whylen, "creating %s: %s", path, rrd_lib()->get_error());
			return -1;
		}
	}
	const char *argv[1] = { values };
	rrd_lib()->clear_error();
	/* A time not after the file's last update (lvsd restarted on a
	 * recording it already wrote, the clock stepped back) is skipped by
	 * librrd rather than failed: it is not a disk problem. */
	int r = st->daemon ? rrd_lib()->c_update(path, 1, argv)
			   : rrd_lib()->updatex_r(path, NULL, RRD_SKIP_PAST_UPDATES, 1, argv);
	if (r) {
		const char *e = rrd_lib()->get_error();
		snprintf(why, whylen, "updating %s%s: %s", path, st->daemon ? " via rrdcached" : "",
			 e && *e ? e : strerror(r < 0 ? -r : r));
		return -1;
	}
	return 0;
}

/* One snapshot: every service's file, and its real servers'. */
static void write_pass(struct rrd_store *st, const struct lvs_snapshot *s)
{
	double t0 = clock_mono_s();
	uint64_t ok = 0, bad = 0;
	char why[600] = "", first_why[600] = "";
	char path[4096], sid[RRD_SPEC_ID_MAX], did[RRD_SPEC_ID_MAX], line[RRD_SPEC_LINE_MAX];
	int dr = make_dir(st->dir);
	if (dr)
		snprintf(first_why, sizeof(first_why), "cannot create %s: %s", st->dir, strerror(-dr));
	if (st->daemon && rrd_lib()->c_connect(st->daemon)) {
		const char *e = rrd_lib()->get_error();
		snprintf(first_why, sizeof(first_why), "cannot connect to rrdcached at %s: %s",
			 st->daemon, e && *e ? e : "no answer");
	}
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *sv = &s->services[i];
		if (rrd_spec_service_id(sv, sid, sizeof(sid)) ||
		    rrd_spec_path(st->dir, sid, NULL, path, sizeof(path)) ||
		    rrd_spec_values(s->time, sv, NULL, line, sizeof(line))) {
			bad++;
			continue;
		}
		if (write_one(st, path, true, s->time, line, why, sizeof(why))) {
			bad++;
			if (!first_why[0])
				snprintf(first_why, sizeof(first_why), "%s", why);
		} else {
			ok++;
		}
		if (!st->real_servers || !sv->n_dests)
			continue;
		/* The service's folder holds its real servers' files. */
		if (snprintf(path, sizeof(path), "%s/%s", st->dir, sid) >= (int)sizeof(path)) {
			bad += sv->n_dests;
			continue;
		}
		if ((dr = make_dir(path)) && !first_why[0])
			snprintf(first_why, sizeof(first_why), "cannot create %.400s: %s", path,
				 strerror(-dr));
		for (size_t j = 0; j < sv->n_dests; j++) {
			const struct lvs_dest *d = &sv->dests[j];
			if (rrd_spec_dest_id(d, did, sizeof(did)) ||
			    rrd_spec_path(st->dir, sid, did, path, sizeof(path)) ||
			    rrd_spec_values(s->time, sv, d, line, sizeof(line))) {
				bad++;
				continue;
			}
			if (write_one(st, path, false, s->time, line, why, sizeof(why))) {
				bad++;
				if (!first_why[0])
					snprintf(first_why, sizeof(first_why), "%s", why);
			} else {
				ok++;
			}
		}
	}
	bool up = bad == 0 && !first_why[0];
	if (!up && !st->failing)
		log_err("history: writes fail (collection goes on): %s", first_why[0] ? first_why : "?");
	else if (up && st->failing)
		log_notice("history: writes work again");
	st->failing = !up;
	worker_lock(&st->w);
	st->stats.updates += ok;
	st->stats.write_errors += bad;
	st->stats.passes++;
	st->stats.up = up;
	st->stats.pass_seconds = clock_mono_s() - t0;
	worker_unlock(&st->w);
}

static void writer(struct lvs_worker *w, void *arg)
{
	struct rrd_store *st = arg;
	worker_lock(w);
	while (!worker_stopping(w)) {
		if (!st->go || !st->q_len) {
			worker_wait(w);
			continue;
		}
		struct lvs_snapshot *s = st->q[st->q_head];
		st->q[st->q_head] = NULL;
		st->q_head = (st->q_head + 1) % st->q_cap;
		st->q_len--;
		st->busy = true;
		worker_unlock(w);
		/* rrd refuses a time not after a file's last update: a recording
		 * replayed with --loop starts over in the past. Skip, once per
		 * snapshot, instead of failing every file. A time out of range
		 * (a recording's "time": 1e300) is never written either: rrd
		 * takes a time_t. */
		bool skip = !unix_time_ok(s->time) || s->time <= st->written_time;
		if (!skip) {
			write_pass(st, s);
			st->written_time = s->time;
		}
		snapshot_unref(s);
		worker_lock(w);
		if (skip)
			st->stats.skipped++;
		st->busy = false;
		worker_unlock_notify(w);
		worker_lock(w);
	}
	worker_unlock(w);
}

int rrd_store_start(rrd_store *st)
{
	worker_lock(&st->w);
	bool was = st->go;
	st->go = true;
	worker_post(&st->w);
	worker_unlock(&st->w);
	return was ? -EALREADY : 0;
}

static void drain(struct rrd_store *st)
{
	while (st->q_len) {
		snapshot_unref(st->q[st->q_head]);
		st->q[st->q_head] = NULL;
		st->q_head = (st->q_head + 1) % st->q_cap;
		st->q_len--;
	}
}

/* Lock held or not: poll the worker's eventfd until pred holds, at most
 * until deadline (monotonic ns). */
static bool wait_for(struct rrd_store *st, bool (*pred)(const struct rrd_store *st),
		     int64_t deadline)
{
	for (;;) {
		worker_drain(&st->w);
		worker_lock(&st->w);
		bool ok = pred(st);
		worker_unlock(&st->w);
		if (ok)
			return true;
		int64_t left = deadline - clock_mono_ns();
		if (left <= 0)
			return false;
		struct pollfd pfd = { .fd = worker_fd(&st->w), .events = POLLIN };
		poll(&pfd, 1, (int)(left / 1000000 + 1));
	}
}

static bool not_busy(const struct rrd_store *st)
{
	return !st->busy;
}

static bool idle(const struct rrd_store *st)
{
	return !st->q_len && !st->busy;
}

void rrd_store_stop(rrd_store *st)
{
	worker_lock(&st->w);
	bool was = st->go;
	st->go = false;
	drain(st);
	worker_unlock(&st->w);
	if (!was)
		return;
	/* The pass under way finishes first (a pass is bounded by its
	 * files; an hour stands for "never"). */
	wait_for(st, not_busy, clock_mono_ns() + 3600 * (int64_t)1000000000);
	if (st->daemon)
		rrd_lib()->c_disconnect();
}

void rrd_store_free(rrd_store *st)
{
	if (!st)
		return;
	rrd_store_stop(st);
	worker_stop(&st->w);
	drain(st);
	free(st->q);
	free(st->dir);
	free(st->daemon);
	free(st);
}

static uint64_t updates_of(const struct rrd_store *st, const struct lvs_snapshot *s)
{
	return s->n_services + (st->real_servers ? s->n_dests : 0);
}

int rrd_store_push(rrd_store *st, struct lvs_snapshot *s)
{
	worker_lock(&st->w);
	if (unix_time_ok(s->time) && s->time > st->stats.last_time)
		st->stats.last_time = s->time;
	if (st->q_len == st->q_cap) {
		st->stats.dropped += updates_of(st, s);
		worker_unlock(&st->w);
		return -ENOBUFS;
	}
	st->q[(st->q_head + st->q_len) % st->q_cap] = snapshot_ref(s);
	st->q_len++;
	worker_post(&st->w);
	worker_unlock(&st->w);
	return 0;
}

int rrd_store_wait_idle(rrd_store *st, double timeout)
{
	worker_lock(&st->w);
	bool go = st->go, now_idle = idle(st);
	worker_unlock(&st->w);
	if (now_idle)
		return 0;
	if (!go) /* nothing will empty the queue */
		return -ETIMEDOUT;
	return wait_for(st, idle, clock_mono_ns() + (int64_t)(timeout * 1e9)) ? 0 : -ETIMEDOUT;
}

void rrd_store_stats(rrd_store *st, struct rrd_store_stats *out)
{
	worker_lock(&st->w);
	*out = st->stats;
	worker_unlock(&st->w);
}

static void family(struct outbuf *o, const char *name, const char *type, const char *help)
{
	outbuf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void rrd_store_render_metrics(rrd_store *st, struct outbuf *o)
{
	if (!st)
		return;
	struct rrd_store_stats s;
	rrd_store_stats(st, &s);
	family(o, "lvsd_history_up", "gauge",
	       "1 when the last history pass wrote every rrd file, 0 when a write failed.");
	outbuf_printf(o, "lvsd_history_up %d\n", s.up ? 1 : 0);
	static const struct {
		const char *name, *help;
		size_t off;
	} ctrs[] = {
		{ "lvsd_history_updates_total", "rrd file updates written.",
		  offsetof(struct rrd_store_stats, updates) },
		{ "lvsd_history_write_errors_total",
		  "rrd file creations or updates that failed (full or read-only disk, permissions).",
		  offsetof(struct rrd_store_stats, write_errors) },
		{ "lvsd_history_dropped_updates_total",
		  "rrd file updates dropped because the writer's queue was full.",
		  offsetof(struct rrd_store_stats, dropped) },
		{ "lvsd_history_skipped_snapshots_total",
		  "Snapshots not written because they were not newer than the last one written.",
		  offsetof(struct rrd_store_stats, skipped) },
	};
	for (size_t i = 0; i < sizeof(ctrs) / sizeof(ctrs[0]); i++) {
		family(o, ctrs[i].name, "counter", ctrs[i].help);
		outbuf_puts(o, ctrs[i].name);
		outbuf_putc(o, ' ');
		outbuf_put_u64(o, *(const uint64_t *)((const char *)&s + ctrs[i].off));
		outbuf_putc(o, '\n');
	}
	family(o, "lvsd_history_write_duration_seconds", "gauge",
	       "Duration of the last history pass (every file of one snapshot).");
	outbuf_puts(o, "lvsd_history_write_duration_seconds ");
	outbuf_put_double(o, s.pass_seconds);
	outbuf_putc(o, '\n');
}

const char *rrd_store_dir(const rrd_store *st)
{
	return st->dir;
}

const char *rrd_store_daemon(const rrd_store *st)
{
	return st->daemon;
}

bool rrd_store_has_real_servers(const rrd_store *st)
{
	return st->real_servers;
}

const struct rrd_spec *rrd_store_spec(const rrd_store *st)
{
	return &st->spec;
}
