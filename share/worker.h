/* One worker thread and what it shares with its owner: a mutex guarding
 * the owner module's job and result fields, a condition the worker sleeps
 * on (CLOCK_MONOTONIC for timed waits), and an eventfd that becomes
 * readable when the worker has a result, so the owner's poll() loop wakes.
 * The module keeps its own job/result fields; the worker only provides
 * the thread and the signalling, so "replace the pending job", queues and
 * timed polls all fit.
 *
 * Pattern:
 *   owner:  worker_lock(w); put the job; worker_post(w); worker_unlock(w);
 *   worker: worker_lock(w);
 *           while (!worker_stopping(w)) {
 *                   if (no job) { worker_wait(w); continue; }
 *                   take the job; worker_unlock(w); work;
 *                   worker_lock(w); store the result;
 *                   worker_unlock_notify(w); worker_lock(w);
 *           }
 *           worker_unlock(w);
 *   owner (on worker_fd readable): worker_drain(w); take results under the lock.
 * Threads: worker_start and worker_stop from the owning thread; the rest
 * as said per function. */
#ifndef LVSTOP_SHARE_WORKER_H
#define LVSTOP_SHARE_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct lvs_worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int efd;   /* eventfd (non-blocking, close-on-exec) */
	bool stop; /* under lock */
	bool running;
	void (*fn)(struct lvs_worker *w, void *arg);
	void *arg; /* borrowed */
};

/* Set up the lock, condition and eventfd and start a thread running
 * fn(w, arg); fn returns when worker_stopping says so. w must stay put
 * until worker_stop. 0, or -errno (eventfd's -EMFILE/-ENFILE, or
 * pthread_create's -EAGAIN...): nothing to undo then. */
int worker_start(struct lvs_worker *w, void (*fn)(struct lvs_worker *w, void *arg), void *arg);
/* Ask the thread to stop, wake it, join it, and free the lock, condition
 * and eventfd. Jobs and results are the owner's to free afterwards. A
 * worker never started (zeroed) or already stopped is ignored. Must not
 * be called with the lock held, nor from the worker. */
void worker_stop(struct lvs_worker *w);

void worker_lock(struct lvs_worker *w);
void worker_unlock(struct lvs_worker *w);
/* Lock held: wake the worker (a job was posted or changed). */
void worker_post(struct lvs_worker *w);
/* Lock held, on the worker: sleep until posted or asked to stop (may
 * return early: callers re-check their condition). */
void worker_wait(struct lvs_worker *w);
/* Lock held, on the worker: as worker_wait, but no later than the
 * CLOCK_MONOTONIC time deadline_ns (clock_mono_ns). */
void worker_wait_until(struct lvs_worker *w, int64_t deadline_ns);
/* Lock held: whether worker_stop was called. */
bool worker_stopping(const struct lvs_worker *w);
/* Any thread: make worker_fd readable (a result is ready). Not with the
 * lock held: see worker_unlock_notify. */
void worker_notify(struct lvs_worker *w);
/* Lock held: let it go, then make worker_fd readable, in that order. The
 * owner the notification wakes may preempt a worker of lower priority at
 * once (the console's helpers run in the idle class or at nice 10); woken
 * while the worker still held the lock, it waited for it until the worker
 * ran again, 60 to 80 ms on a busy machine. */
void worker_unlock_notify(struct lvs_worker *w);
/* The eventfd, for the owner's poll(). */
int worker_fd(const struct lvs_worker *w);
/* Owner: reset the eventfd (before taking results, so none is missed). */
void worker_drain(struct lvs_worker *w);

/* Lower the calling thread's priority (on Linux the nice value and the
 * scheduling class are per thread, and threads it creates inherit them).
 * idle: the idle class when the kernel groups the session's threads
 * (autogroup: the process's threads then share one entity against other
 * work, and an idle-class thread yields only to its own process); for a
 * thread that holds no lock a higher one waits on. Otherwise, or without
 * grouping (an idle-class thread could starve behind any process), nice
 * `nice`. Best effort: a thread already lower stays as it is. */
void worker_lower_self(bool idle, int nice);

/* Call start(arg) on a short-lived thread at nice `nice` and return what
 * it returns: the threads start creates inherit that priority (how a
 * module's thread is started below its caller's without the module
 * knowing). -errno of pthread_create when the thread cannot start (start
 * is not called). */
int worker_call_lowered(int nice, int (*start)(void *arg), void *arg);

#endif
