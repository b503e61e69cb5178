#include "conn_guard.h"

#include "share/clock.h"
#include "share/worker.h"

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
	struct lvs_worker w; /* its lock guards the list and the count */
	struct conn_guard_node *head;
	unsigned long cut;
};

/* Four looks a second: a deadline is kept to within a quarter second. */
static void run(struct lvs_worker *w, void *arg)
{
	struct conn_guard *g = arg;
	worker_lock(w);
	while (!worker_stopping(w)) {
		worker_wait_until(w, clock_mono_ns() + 250 * 1000 * 1000);
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
	worker_unlock(w);
}

struct conn_guard *conn_guard_new(double header_timeout, double idle)
{
	struct conn_guard *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->header_timeout = header_timeout;
	g->idle = idle;
	if (worker_start(&g->w, run, g)) {
		free(g);
		return NULL;
	}
	return g;
}

void conn_guard_free(struct conn_guard *g)
{
	if (!g)
		return;
	worker_stop(&g->w);
	for (struct conn_guard_node *n = g->head, *next; n; n = next) {
		next = n->next;
		free(n);
	}
	free(g);
}

struct conn_guard_node *conn_guard_open(struct conn_guard *g, int fd)
{
	struct conn_guard_node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->fd = fd;
	n->deadline = clock_mono_s() + g->header_timeout;
	worker_lock(&g->w);
	n->next = g->head;
	if (g->head)
		g->head->prev = n;
	g->head = n;
	worker_unlock(&g->w);
	return n;
}

void conn_guard_headers_done(struct conn_guard *g, struct conn_guard_node *n)
{
	if (!n)
		return;
	worker_lock(&g->w);
	n->deadline = 0;
	worker_unlock(&g->w);
}

void conn_guard_request_done(struct conn_guard *g, struct conn_guard_node *n)
{
	if (!n)
		return;
	double d = clock_mono_s() + g->idle + g->header_timeout;
	worker_lock(&g->w);
	n->deadline = d;
	worker_unlock(&g->w);
}

void conn_guard_close(struct conn_guard *g, struct conn_guard_node *n)
{
	if (!n)
		return;
	worker_lock(&g->w);
	if (n->prev)
		n->prev->next = n->next;
	else
		g->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	worker_unlock(&g->w);
	free(n);
}

unsigned long conn_guard_cut(struct conn_guard *g)
{
	worker_lock(&g->w);
	unsigned long n = g->cut;
	worker_unlock(&g->w);
	return n;
}
