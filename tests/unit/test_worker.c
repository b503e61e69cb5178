#include <CUnit/CUnit.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <unistd.h>

#include "share/clock.h"
#include "share/worker.h"

/* A doubling service: the owner posts numbers, the worker doubles them. */
struct doubler {
	struct lvs_worker w;
	int job;      /* 0: none */
	int result;   /* 0: none */
	int done;     /* jobs finished */
	bool timed;   /* wait with a deadline instead */
	int timeouts;
};

static void doubler_main(struct lvs_worker *w, void *arg)
{
	struct doubler *d = arg;
	worker_lock(w);
	while (!worker_stopping(w)) {
		if (!d->job) {
			if (d->timed) {
				int64_t before = clock_mono_ns();
				worker_wait_until(w, before + 20000000);
				if (!d->job && clock_mono_ns() - before >= 20000000)
					d->timeouts++;
			} else {
				worker_wait(w);
			}
			continue;
		}
		int j = d->job;
		d->job = 0;
		worker_unlock(w);
		int r = j * 2;
		worker_lock(w);
		d->result = r;
		d->done++;
		worker_unlock_notify(w);
		worker_lock(w);
	}
	worker_unlock(w);
}

static bool wait_fd(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, ms) == 1;
}

static void test_post_and_notify(void)
{
	struct doubler d = { 0 };
	CU_ASSERT_EQUAL_FATAL(worker_start(&d.w, doubler_main, &d), 0);
	CU_ASSERT_FALSE(wait_fd(worker_fd(&d.w), 0)); /* nothing yet */
	for (int i = 1; i <= 50; i++) {
		worker_lock(&d.w);
		d.job = i;
		worker_post(&d.w);
		worker_unlock(&d.w);
		CU_ASSERT_FATAL(wait_fd(worker_fd(&d.w), 10000));
		worker_drain(&d.w);
		worker_lock(&d.w);
		int r = d.result;
		d.result = 0;
		worker_unlock(&d.w);
		CU_ASSERT_EQUAL(r, 2 * i);
	}
	CU_ASSERT_FALSE(wait_fd(worker_fd(&d.w), 0)); /* drained */
	worker_stop(&d.w);
	CU_ASSERT_EQUAL(d.done, 50);
	worker_stop(&d.w); /* twice is harmless */
}

static void test_timed_wait(void)
{
	struct doubler d = { .timed = true };
	CU_ASSERT_EQUAL_FATAL(worker_start(&d.w, doubler_main, &d), 0);
	/* No job: the worker wakes on its own deadline, again and again. */
	int64_t until = clock_mono_ns() + 10000000000LL;
	int seen = 0;
	while (clock_mono_ns() < until) {
		worker_lock(&d.w);
		seen = d.timeouts;
		worker_unlock(&d.w);
		if (seen >= 2)
			break;
		struct pollfd none;
		poll(&none, 0, 5);
	}
	CU_ASSERT(seen >= 2);
	worker_stop(&d.w);
}

static void test_stop_wakes_sleeper(void)
{
	struct doubler d = { 0 };
	CU_ASSERT_EQUAL_FATAL(worker_start(&d.w, doubler_main, &d), 0);
	int64_t t0 = clock_mono_ns();
	worker_stop(&d.w); /* returns: the untimed wait was woken */
	CU_ASSERT(clock_mono_ns() - t0 < 10000000000LL);
	CU_ASSERT_EQUAL(d.done, 0);
	struct lvs_worker never = { 0 };
	worker_stop(&never); /* never started: ignored */
}

static int nice_now(void)
{
	return getpriority(PRIO_PROCESS, (id_t)gettid());
}

static void *child_nice(void *arg)
{
	*(int *)arg = nice_now();
	return NULL;
}

/* What worker_call_lowered's start sees: its own nice value and that of a
 * thread it creates. */
struct seen {
	int self, child, ret;
};

static int seen_start(void *arg)
{
	struct seen *s = arg;
	s->self = nice_now();
	pthread_t t;
	if (pthread_create(&t, NULL, child_nice, &s->child))
		return -1;
	pthread_join(t, NULL);
	return s->ret;
}

static void *lower_then_call(void *arg)
{
	struct seen *s = arg;
	worker_lower_self(false, 15);
	CU_ASSERT(worker_call_lowered(5, seen_start, s) == s->ret);
	return NULL;
}

/* The start function runs lowered, threads it creates inherit that, its
 * return value comes back, and the caller keeps its own priority; a
 * thread already lower is not raised. */
static void test_call_lowered(void)
{
	int before = nice_now();
	int want = before > 7 ? before : 7;
	struct seen s = { -100, -100, 42 };
	CU_ASSERT_EQUAL(worker_call_lowered(7, seen_start, &s), 42);
	CU_ASSERT_EQUAL(s.self, want);
	CU_ASSERT_EQUAL(s.child, want);
	CU_ASSERT_EQUAL(nice_now(), before);
	struct seen low = { -100, -100, 3 };
	pthread_t t;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, lower_then_call, &low), 0);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(low.self, before > 15 ? before : 15);
	CU_ASSERT_EQUAL(low.child, low.self);
}

/* worker_unlock_notify lets the lock go before worker_fd is readable. The
 * owner and an idle-class worker share one CPU, as on a busy machine: the
 * eventfd's wake-up preempts the worker at once, so a worker that wrote
 * it with the lock held would still hold it when the owner looks. */
static void idle_notifier(struct lvs_worker *w, void *arg)
{
	int *ok = arg;
	struct sched_param sp = { 0 };
	*ok = sched_setscheduler(0, SCHED_IDLE, &sp) == 0;
	worker_lock(w);
	worker_unlock_notify(w);
	worker_lock(w);
	while (!worker_stopping(w))
		worker_wait(w);
	worker_unlock(w);
}

static void test_unlock_notify(void)
{
	cpu_set_t old, one;
	CU_ASSERT_EQUAL_FATAL(sched_getaffinity(0, sizeof(old), &old), 0);
	int cpu = -1;
	for (int c = 0; c < CPU_SETSIZE && cpu < 0; c++)
		if (CPU_ISSET(c, &old))
			cpu = c;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	CU_ASSERT_EQUAL_FATAL(sched_setaffinity(0, sizeof(one), &one), 0);
	struct lvs_worker w;
	int ok = 0;
	CU_ASSERT_EQUAL_FATAL(worker_start(&w, idle_notifier, &ok), 0); /* on this CPU too */
	struct pollfd p = { .fd = worker_fd(&w), .events = POLLIN };
	CU_ASSERT_EQUAL(poll(&p, 1, 5000), 1);
	int locked = pthread_mutex_trylock(&w.lock);
	CU_ASSERT_EQUAL(locked, 0);
	if (!locked)
		pthread_mutex_unlock(&w.lock);
	worker_stop(&w);
	CU_ASSERT_TRUE(ok);
	sched_setaffinity(0, sizeof(old), &old);
}

int register_worker(void)
{
	CU_pSuite s = CU_add_suite("worker", NULL, NULL);
	if (!s || !CU_add_test(s, "post, notify, drain", test_post_and_notify) ||
	    !CU_add_test(s, "timed wait", test_timed_wait) ||
	    !CU_add_test(s, "stop wakes a sleeping worker", test_stop_wakes_sleeper) ||
	    !CU_add_test(s, "call lowered", test_call_lowered) ||
	    !CU_add_test(s, "the lock is free when the owner is woken", test_unlock_notify))
		return -1;
	return 0;
}
