#include "collector.h"

#include "rates.h"
#include "snapjson.h"
#include "snapshot.h"
#include "share/clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct lvs_collector {
	struct lvs_source *src; /* owned */
	lvs_rings *rings;       /* owned */
	FILE *record;           /* borrowed */
	void (*annotate)(void *arg, struct lvs_snapshot *s);
	void *annotate_arg;
	void (*before_poll)(void *arg);
	void *before_poll_arg;
	int efd;                /* eventfd: publications */

	/* Publication: the pointer and the status, swapped under pub_lock. */
	pthread_mutex_t pub_lock;
	struct lvs_snapshot *cur; /* one reference held here */
	struct lvs_status status;

	/* Poller thread control. */
	pthread_mutex_t run_lock;
	pthread_cond_t run_cond;
	pthread_t thread;
	bool running, stop, kick;
	double interval;

	/* Poller-only state. */
	struct lvs_snapshot *prev; /* last good snapshot, for rates */
};

lvs_collector *collector_new(struct lvs_source *src, const struct lvs_collector_opts *o)
{
	lvs_collector *c = calloc(1, sizeof(*c));
	if (!c)
		goto err;
	if (!(o && o->no_rings)) {
		c->rings = rings_new(o && o->ring_samples ? o->ring_samples : LVS_RINGS_SAMPLES,
				     o && o->ring_budget ? o->ring_budget : LVS_RINGS_BUDGET,
				     LVS_RINGS_EVICT_AFTER, o ? o->ring_fields : LVS_RINGS_ALL);
		if (!c->rings)
			goto err;
	}
	c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->efd < 0)
		goto err;
	c->src = src;
	c->record = o ? o->record : NULL;
	c->annotate = o ? o->annotate : NULL;
	c->annotate_arg = o ? o->annotate_arg : NULL;
	c->before_poll = o ? o->before_poll : NULL;
	c->before_poll_arg = o ? o->before_poll_arg : NULL;
	c->interval = o && o->interval > 0 ? o->interval : LVS_POLL_INTERVAL;
	pthread_mutex_init(&c->pub_lock, NULL);
	pthread_mutex_init(&c->run_lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->run_cond, &ca);
	pthread_condattr_destroy(&ca);
	return c;
err:
	if (c) {
		rings_free(c->rings);
		free(c);
	}
	source_free(src);
	return NULL;
}

void collector_free(lvs_collector *c)
{
	if (!c)
		return;
	collector_stop(c);
	snapshot_unref(c->cur);
	snapshot_unref(c->prev);
	source_free(c->src);
	rings_free(c->rings);
	close(c->efd);
	pthread_mutex_destroy(&c->pub_lock);
	pthread_mutex_destroy(&c->run_lock);
	pthread_cond_destroy(&c->run_cond);
	free(c);
}

static void notify(lvs_collector *c)
{
	uint64_t one = 1;
	/* EAGAIN only when the counter is saturated: readable anyway. */
	(void)!write(c->efd, &one, sizeof(one));
}

static void record(lvs_collector *c, const struct lvs_snapshot *s)
{
	char *txt = snapjson_render(s, 0);
	if (!txt)
		return;
	fputs(txt, c->record);
	fputc('\n', c->record);
	fflush(c->record);
	free(txt);
}

int collector_poll(lvs_collector *c)
{
	char msg[sizeof(c->status.msg)] = "";
	struct lvs_snapshot *s = NULL;
	double t0 = clock_mono_s(), wall = clock_wall_s();
	int r = source_poll(c->src, &s, msg, sizeof(msg));
	double took = clock_mono_s() - t0;
	if (!r) {
		/* Rates are best effort: without memory they stay invalid. */
		rates_compute(s, c->prev);
		if (c->annotate)
			c->annotate(c->annotate_arg, s);
		if (c->rings)
			rings_record(c->rings, s);
		if (c->record)
			record(c, s);
		snapshot_unref(c->prev);
		c->prev = snapshot_ref(s);
	}

	pthread_mutex_lock(&c->pub_lock);
	struct lvs_snapshot *old = NULL;
	struct lvs_status *st = &c->status;
	st->polls++;
	st->last_attempt = wall;
	st->poll_seconds = took;
	if (!r) {
		old = c->cur;
		c->cur = s;
		st->err = 0;
		st->msg[0] = 0;
		st->stale = false;
		st->ended = false;
		st->last_ok = wall;
	} else if (r == -ENODATA) {
		st->ended = true;
		memcpy(st->msg, msg, sizeof(msg));
	} else {
		st->errors++;
		st->err = r;
		st->stale = c->cur != NULL;
		memcpy(st->msg, msg, sizeof(msg));
	}
	st->seq++;
	pthread_mutex_unlock(&c->pub_lock);
	snapshot_unref(old); /* outside the lock: freeing may take a while */
	notify(c);
	return r;
}

static void *poller(void *arg)
{
	lvs_collector *c = arg;
	pthread_setname_np(pthread_self(), "lvs-poll"); /* top -H, ps -L */
	double next = clock_mono_s();
	pthread_mutex_lock(&c->run_lock);
	while (!c->stop) {
		pthread_mutex_unlock(&c->run_lock);
		if (c->before_poll)
			c->before_poll(c->before_poll_arg);
		int r = collector_poll(c);
		pthread_mutex_lock(&c->run_lock);
		if (r == -ENODATA)
			break; /* a recording ended: nothing more will come */
		/* Fixed-rate schedule; after an overrun, start afresh from now. */
		double now = clock_mono_s();
		next += c->interval;
		if (next < now)
			next = now + c->interval;
		while (!c->stop && !c->kick) {
			double left = next - clock_mono_s();
			if (left <= 0)
				break;
			struct timespec ts;
			double at = clock_mono_s() + (left < c->interval ? left : c->interval);
			ts.tv_sec = (time_t)at;
			ts.tv_nsec = (long)((at - (double)ts.tv_sec) * 1e9);
			pthread_cond_timedwait(&c->run_cond, &c->run_lock, &ts);
		}
		if (c->kick) {
			c->kick = false;
			next = clock_mono_s();
		}
	}
	pthread_mutex_unlock(&c->run_lock);
	return NULL;
}

int collector_start(lvs_collector *c)
{
	pthread_mutex_lock(&c->run_lock);
	if (c->running) {
		pthread_mutex_unlock(&c->run_lock);
		return -EALREADY;
	}
	c->stop = false;
	int r = pthread_create(&c->thread, NULL, poller, c);
	if (!r)
		c->running = true;
	pthread_mutex_unlock(&c->run_lock);
	return -r;
}

void collector_stop(lvs_collector *c)
{
	pthread_mutex_lock(&c->run_lock);
	if (!c->running) {
		pthread_mutex_unlock(&c->run_lock);
		return;
	}
	c->stop = true;
	pthread_cond_broadcast(&c->run_cond);
	pthread_mutex_unlock(&c->run_lock);
	pthread_join(c->thread, NULL);
	c->running = false;
}

void collector_set_interval(lvs_collector *c, double seconds)
{
	if (!(seconds > 0))
		return;
	pthread_mutex_lock(&c->run_lock);
	c->interval = seconds;
	pthread_cond_broadcast(&c->run_cond);
	pthread_mutex_unlock(&c->run_lock);
}

void collector_kick(lvs_collector *c)
{
	pthread_mutex_lock(&c->run_lock);
	c->kick = true;
	pthread_cond_broadcast(&c->run_cond);
	pthread_mutex_unlock(&c->run_lock);
}

struct lvs_snapshot *collector_acquire(lvs_collector *c, struct lvs_status *st)
{
	pthread_mutex_lock(&c->pub_lock);
	struct lvs_snapshot *s = c->cur ? snapshot_ref(c->cur) : NULL;
	if (st)
		*st = c->status;
	pthread_mutex_unlock(&c->pub_lock);
	return s;
}

int collector_notify_fd(lvs_collector *c)
{
	return c->efd;
}

void collector_notify_drain(lvs_collector *c)
{
	uint64_t v;
	(void)!read(c->efd, &v, sizeof(v));
}

lvs_rings *collector_rings(lvs_collector *c)
{
	return c->rings;
}
