#include "render_gate.h"

#include <errno.h>
#include <time.h>

int render_gate_init(struct render_gate *g, double bound)
{
	*g = (struct render_gate){ .bound = bound > 0 ? bound : 1 };
	pthread_condattr_t ca;
	int r = pthread_condattr_init(&ca);
	if (r)
		return -r;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
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

void render_gate_destroy(struct render_gate *g)
{
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
}

void render_gate_set_bound(struct render_gate *g, double bound)
{
	if (!(bound > 0))
		return;
	pthread_mutex_lock(&g->lock);
	g->bound = bound;
	pthread_mutex_unlock(&g->lock);
}

void render_gate_done(struct render_gate *g, uint64_t seq)
{
	pthread_mutex_lock(&g->lock);
	if (seq > g->rendered)
		g->rendered = seq;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

void render_gate_release(struct render_gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->released = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

int render_gate_wait(struct render_gate *g, uint64_t seq)
{
	int r = 0;
	pthread_mutex_lock(&g->lock);
	if (!g->released && g->rendered < seq) {
		g->waits++;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		double at = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + g->bound;
		ts.tv_sec = (time_t)at;
		ts.tv_nsec = (long)((at - (double)ts.tv_sec) * 1e9);
		while (!g->released && g->rendered < seq) {
			if (pthread_cond_timedwait(&g->cond, &g->lock, &ts) == ETIMEDOUT) {
				r = g->released || g->rendered >= seq ? 0 : -ETIMEDOUT;
				break;
			}
		}
		if (r)
			g->timeouts++;
	}
	pthread_mutex_unlock(&g->lock);
	return r;
}
