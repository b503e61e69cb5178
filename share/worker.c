#include "worker.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static void *trampoline(void *arg)
{
	struct lvs_worker *w = arg;
	w->fn(w, w->arg);
	return NULL;
}

int worker_start(struct lvs_worker *w, void (*fn)(struct lvs_worker *w, void *arg), void *arg)
{
	memset(w, 0, sizeof(*w));
	w->fn = fn;
	w->arg = arg;
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0)
		return -errno;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&w->lock, NULL);
	int r = pthread_create(&w->thread, NULL, trampoline, w);
	if (r) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		close(w->efd);
		memset(w, 0, sizeof(*w));
		return -r;
	}
	w->running = true;
	return 0;
}

void worker_stop(struct lvs_worker *w)
{
	if (!w->running)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	close(w->efd);
	w->efd = -1;
	w->running = false;
}

void worker_lock(struct lvs_worker *w)
{
	pthread_mutex_lock(&w->lock);
}

void worker_unlock(struct lvs_worker *w)
{
	pthread_mutex_unlock(&w->lock);
}

void worker_post(struct lvs_worker *w)
{
	pthread_cond_signal(&w->cond);
}

void worker_wait(struct lvs_worker *w)
{
	if (!w->stop)
		pthread_cond_wait(&w->cond, &w->lock);
}

void worker_wait_until(struct lvs_worker *w, int64_t deadline_ns)
{
	if (w->stop)
		return;
	if (deadline_ns < 0)
		deadline_ns = 0;
	struct timespec ts = { .tv_sec = (time_t)(deadline_ns / 1000000000),
			       .tv_nsec = (long)(deadline_ns % 1000000000) };
	pthread_cond_timedwait(&w->cond, &w->lock, &ts);
}

bool worker_stopping(const struct lvs_worker *w)
{
	return w->stop;
}

void worker_notify(struct lvs_worker *w)
{
	uint64_t one = 1;
	(void)!write(w->efd, &one, sizeof(one));
}

void worker_unlock_notify(struct lvs_worker *w)
{
	worker_unlock(w);
	worker_notify(w);
}

int worker_fd(const struct lvs_worker *w)
{
	return w->efd;
}

void worker_drain(struct lvs_worker *w)
{
	uint64_t v;
	(void)!read(w->efd, &v, sizeof(v));
}

/* Whether the scheduler groups this session's threads (autogroup). */
static bool grouped(void)
{
	FILE *f = fopen("/proc/sys/kernel/sched_autogroup_enabled", "re");
	int on = 0;
	if (f) {
		if (fscanf(f, "%d", &on) != 1)
			on = 0;
		fclose(f);
	}
	return on == 1;
}

void worker_lower_self(bool idle, int nice)
{
	struct sched_param sp = { 0 };
	if (idle && grouped() && !pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp))
		return;
	id_t tid = (id_t)gettid();
	errno = 0;
	int now = getpriority(PRIO_PROCESS, tid);
	if (errno || now < nice)
		(void)setpriority(PRIO_PROCESS, tid, nice);
}

struct lowered_call {
	int nice;
	int (*start)(void *);
	void *arg;
	int ret;
};

static void *lowered(void *arg)
{
	struct lowered_call *c = arg;
	worker_lower_self(false, c->nice);
	c->ret = c->start(c->arg);
	return NULL;
}

int worker_call_lowered(int nice, int (*start)(void *arg), void *arg)
{
	struct lowered_call c = { nice, start, arg, 0 };
	pthread_t t;
	int r = pthread_create(&t, NULL, lowered, &c);
	if (r)
		return -r;
	pthread_join(t, NULL);
	return c.ret;
}
