#include "seq_gate.h"

#include <errno.h>
#include <time.h>

#include "share/clock.h"

int seq_gate_init(struct seq_gate *g, double bound)
{
	*g = (struct seq_gate){ .bound = bound > 0 ? bound : 1 };
	pthread_condattr_t ca;
	int r = pthread_condattr_init(&ca);
	if (r)
		return -r;
	r = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (!r)
		r = pthread_cond_init(&g->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (r)
		return -r;
	if ((r = pthread_mutex_init(&g->lock, NULL))) {
		pthread_cond_destroy(&g->cond);
		return -r;
	}
	return 0;
}

void seq_gate_destroy(struct seq_gate *g)
{
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
}

void seq_gate_set_bound(struct seq_gate *g, double bound)
{
	if (!(bound > 0))
		return;
	pthread_mutex_lock(&g->lock);
	g->bound = bound;
	pthread_mutex_unlock(&g->lock);
}

void seq_gate_reach(struct seq_gate *g, uint64_t seq)
{
	pthread_mutex_lock(&g->lock);
	if (seq > g->reached) {
		g->reached = seq;
		pthread_cond_broadcast(&g->cond);
	}
	pthread_mutex_unlock(&g->lock);
}

void seq_gate_release(struct seq_gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->released = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

int seq_gate_wait(struct seq_gate *g, uint64_t seq)
{
	int r = 0;
	pthread_mutex_lock(&g->lock);
	if (!g->released && g->reached < seq) {
		g->waits++;
		struct timespec ts = clock_after(CLOCK_MONOTONIC, (int64_t)(g->bound * 1e9));
		while (!g->released && g->reached < seq) {
			if (pthread_cond_timedwait(&g->cond, &g->lock, &ts) == ETIMEDOUT) {
				r = g->released || g->reached >= seq ? 0 : -ETIMEDOUT;
				break;
			}
		}
		if (r)
			g->timeouts++;
	}
	pthread_mutex_unlock(&g->lock);
	return r;
}
