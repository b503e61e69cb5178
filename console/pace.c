#include "pace.h"

#include <errno.h>
#include <time.h>

#include "collector/snapshot.h"
#include "share/clock.h"

int console_pace_init(struct console_pace *p, double bound)
{
	*p = (struct console_pace){ .bound = bound > 0 ? bound : 1.0 };
	pthread_condattr_t ca;
	int r = pthread_condattr_init(&ca);
	if (r)
		return -r;
	r = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (!r)
		r = pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (r)
		return -r;
	if ((r = pthread_mutex_init(&p->lock, NULL))) {
		pthread_cond_destroy(&p->cond);
		return -r;
	}
	return 0;
}

void console_pace_destroy(struct console_pace *p)
{
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
}

void console_pace_shown(struct console_pace *p, uint64_t seq)
{
	pthread_mutex_lock(&p->lock);
	if (seq > p->shown) {
		p->shown = seq;
		pthread_cond_broadcast(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
}

void console_pace_release(struct console_pace *p)
{
	pthread_mutex_lock(&p->lock);
	p->released = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

int console_pace_wait(struct console_pace *p, uint64_t seq)
{
	pthread_mutex_lock(&p->lock);
	int r = 0;
	if (p->shown < seq && !p->released) {
		p->waits++;
		struct timespec ts = clock_after(CLOCK_MONOTONIC, (int64_t)(p->bound * 1e9));
		while (p->shown < seq && !p->released) {
			if (pthread_cond_timedwait(&p->cond, &p->lock, &ts) == ETIMEDOUT) {
				if (p->shown < seq && !p->released) {
					p->timeouts++;
					r = -ETIMEDOUT;
				}
				break;
			}
		}
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

void console_pace_before_poll(void *arg)
{
	struct console_pace *p = arg;
	struct lvs_status st;
	snapshot_unref(collector_acquire(p->col, &st));
	console_pace_wait(p, st.seq);
}
