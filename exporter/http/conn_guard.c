#include "conn_guard.h"

#include "share/clock.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

struct conn_guard_node {
	int fd;
	double deadline; /* monotonic seconds; 0: none (headers are in) */
	bool cut;
	struct conn_guard_node *prev, *next;
};

struct conn_guard {
	double header_timeout, idle;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool stop;
	struct conn_guard_node *head;
	unsigned long cut;
};

/* Four looks a second: a deadline is kept to within a quarter second. */
static void *run(void *arg)
{
	struct conn_guard *g = arg;
	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		struct timespec ts = clock_after(CLOCK_MONOTONIC, 250 * 1000 * 1000);
		pthread_cond_timedwait(&g->cond, &g->lock, &ts);
		double now = clock_mono_s();
		for (struct conn_guard_node *n = g->head; n; n = n->next) {
			if (n->cut || !n->deadline || now < n->deadline)
				continue;
			/* The socket stays open (and the fd ours to touch) until
			 * conn_guard_close, which waits for this lock. */
			shutdown(n->fd, SHUT_RDWR);
			n->cut = true;
			g->cut++;
		}
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

struct conn_guard *conn_guard_new(double header_timeout, double idle)
{
	struct conn_guard *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->header_timeout = header_timeout;
	g->idle = idle;
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&g->thread, NULL, run, g)) {
		pthread_cond_destroy(&g->cond);
		pthread_mutex_destroy(&g->lock);
		free(g);
		return NULL;
	}
	return g;
}

void conn_guard_free(struct conn_guard *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_signal(&g->cond);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	for (struct conn_guard_node *n = g->head, *next; n; n = next) {
		next = n->next;
		free(n);
	}
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

struct conn_guard_node *conn_guard_open(struct conn_guard *g, int fd)
{
	struct conn_guard_node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->fd = fd;
	n->deadline = clock_mono_s() + g->header_timeout;
	pthread_mutex_lock(&g->lock);
	n->next = g->head;
	if (g->head)
		g->head->prev = n;
	g->head = n;
	pthread_mutex_unlock(&g->lock);
	return n;
}

void conn_guard_headers_done(struct conn_guard *g, struct conn_guard_node *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&g->lock);
	n->deadline = 0;
	pthread_mutex_unlock(&g->lock);
}

void conn_guard_request_done(struct conn_guard *g, struct conn_guard_node *n)
{
	if (!n)
		return;
	double d = clock_mono_s() + g->idle + g->header_timeout;
	pthread_mutex_lock(&g->lock);
	n->deadline = d;
	pthread_mutex_unlock(&g->lock);
}

void conn_guard_close(struct conn_guard *g, struct conn_guard_node *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&g->lock);
	if (n->prev)
		n->prev->next = n->next;
	else
		g->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	pthread_mutex_unlock(&g->lock);
	free(n);
}

unsigned long conn_guard_cut(struct conn_guard *g)
{
	pthread_mutex_lock(&g->lock);
	unsigned long n = g->cut;
	pthread_mutex_unlock(&g->lock);
	return n;
}
