/* Health-check engine: the event loop. One thread, one epoll instance, one
 * binary min-heap of deadlines (next start while idle, timeout while
 * running). Every probe holds at most one fd at a time (a socket, or a
 * pidfd for a command), registered with data.ptr = the probe, so an event
 * leads straight to its probe with no lookup. Sockets are non-blocking;
 * nothing in the loop waits except epoll_wait. What an attempt does is its
 * kind's business (struct hc_kind, one file per kind); the loop schedules
 * attempts, bounds them, and turns their verdicts into results. */
#include "health_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

__thread struct lvs_health_engine *hc_engine_self;

/* Retry delay after a local shortage (see hc_defer). */
#define HC_DEFER_NS 50000000

/* --- timer heap --------------------------------------------------------------- */

static void heap_place(struct lvs_health_engine *h, uint32_t i, struct hc_probe *p)
{
	h->heap[i] = p;
	p->heap_idx = i;
}

static void heap_up(struct lvs_health_engine *h, uint32_t i)
{
	struct hc_probe *p = h->heap[i];
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (h->heap[parent]->deadline <= p->deadline)
			break;
		heap_place(h, i, h->heap[parent]);
		i = parent;
	}
	heap_place(h, i, p);
}

static void heap_down(struct lvs_health_engine *h, uint32_t i)
{
	struct hc_probe *p = h->heap[i];
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= h->heap_len)
			break;
		if (c + 1 < h->heap_len && h->heap[c + 1]->deadline < h->heap[c]->deadline)
			c++;
		if (p->deadline <= h->heap[c]->deadline)
			break;
		heap_place(h, i, h->heap[c]);
		i = c;
	}
	heap_place(h, i, p);
}

void hc_heap_remove(struct lvs_health_engine *h, struct hc_probe *p)
{
	uint32_t i = p->heap_idx;
	if (i == HC_NONE)
		return;
	p->heap_idx = HC_NONE;
	struct hc_probe *last = h->heap[--h->heap_len];
	if (i == h->heap_len)
		return;
	heap_place(h, i, last);
	heap_up(h, i);
	heap_down(h, last->heap_idx);
}

/* The heap's capacity covers every probe (hc_apply sees to it), so adding
 * cannot fail. */
void hc_heap_set(struct lvs_health_engine *h, struct hc_probe *p, int64_t deadline)
{
	p->deadline = deadline;
	if (p->heap_idx == HC_NONE) {
		heap_place(h, h->heap_len++, p);
		heap_up(h, p->heap_idx);
	} else {
		heap_up(h, p->heap_idx);
		heap_down(h, p->heap_idx);
	}
}

/* --- probes --------------------------------------------------------------------- */

static void probe_free(struct hc_probe *p)
{
	if (!p)
		return;
	if (p->kind && p->kind->release)
		p->kind->release(p);
	free(p->blob);
	free(p->ring);
	free(p);
}

static int64_t ns(double s)
{
	return (int64_t)(s * 1e9 + 0.5);
}

static struct hc_probe *probe_new(struct lvs_health_engine *h, const struct lvs_check_spec *s,
                                  uint64_t key)
{
	struct hc_probe *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->fd = -1;
	p->heap_idx = HC_NONE;
	p->first_user = HC_NONE;
	p->key = key;
	if (hc_spec_copy(&p->spec, &p->blob, s) < 0)
		goto err;
	s = &p->spec;
	p->ring = calloc(h->history, sizeof(*p->ring));
	if (!p->ring)
		goto err;

	if (s->target_af == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&p->sa;
		a->sin_family = AF_INET;
		a->sin_port = htons(s->target_port);
		memcpy(&a->sin_addr, &s->target_addr.v4, 4);
		p->salen = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&p->sa;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(s->target_port);
		a->sin6_addr = s->target_addr.v6;
		p->salen = sizeof(*a);
	}
	inet_ntop(s->target_af, &s->target_addr, p->arg_addr, sizeof(p->arg_addr));
	snprintf(p->arg_port, sizeof(p->arg_port), "%u", s->target_port);

	p->interval_ns = ns(s->interval);
	p->timeout_ns = ns(s->timeout);
	p->retry_delay_ns = ns(s->retry_delay);
	/* spread first starts over one interval by the identity hash */
	p->first_ns = ns(s->warmup) + (int64_t)(key % (uint64_t)(p->interval_ns > 0 ? p->interval_ns : 1));

	p->kind = hc_kind_of(s->type);
	if (p->kind->prepare && p->kind->prepare(p) < 0)
		goto err;
	return p;
err:
	probe_free(p);
	return NULL;
}

static void probe_close(struct lvs_health_engine *h, struct hc_probe *p)
{
	if (p->kind->cancel)
		p->kind->cancel(p);
	if (p->fd >= 0) {
		/* close() drops the epoll registration: the fd is never dup'ed */
		close(p->fd);
		p->fd = -1;
	}
	p->ep_events = 0;
	(void)h;
}

static void queue_remove(struct lvs_health_engine *h, struct hc_probe *p)
{
	struct hc_probe **pp = &h->q_head, *prev = NULL;
	while (*pp && *pp != p) {
		prev = *pp;
		pp = &(*pp)->qnext;
	}
	if (!*pp)
		return;
	*pp = p->qnext;
	if (h->q_tail == p)
		h->q_tail = prev;
	p->qnext = NULL;
}

/* Abandon what is in flight; the probe goes back to idle, uncounted. */
static void probe_cancel(struct lvs_health_engine *h, struct hc_probe *p)
{
	probe_close(h, p);
	if (p->phase == HC_RUNNING || p->phase == HC_KILLING)
		h->running_n--;
	if (p->phase == HC_QUEUED)
		queue_remove(h, p);
	p->phase = HC_IDLE;
	p->attempt = 0;
}

/* --- results -------------------------------------------------------------------- */

static void call_on_change(struct lvs_health_engine *h, struct hc_probe *p, enum lvs_health from,
                           enum lvs_health to)
{
	if (!h->opts.on_change)
		return;
	/* results change only on this thread: no lock needed to read them */
	struct lvs_check_result r = {
		.state = p->state,
		.since = p->since,
		.last = p->last,
		.seconds = p->seconds,
		.ok_run = p->ok_run,
		.fail_run = p->fail_run,
		.checks = p->checks,
		.failures = p->failures,
		.shared = p->users,
		.reason = p->reason,
		.reason_code = p->reason_code,
		.reason_since = p->reason_since,
	};
	memcpy(r.error, p->error, sizeof(r.error));
	/* h->set changes only on this thread (after callbacks) or while stopped */
	const struct hc_set *set = h->set;
	for (uint32_t i = p->first_user; i != HC_NONE; i = set->next_user[i])
		h->opts.on_change(h->opts.arg, &set->specs[i], &r, from, to);
}

/* Texts may carry bytes from the network or the configuration: they reach
 * logs, terminals and pages, so anything unprintable becomes '?'. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

void hc_finish(struct lvs_health_engine *h, struct hc_probe *p, bool ok, unsigned reason,
               unsigned code, const char *fmt, ...)
{
	int64_t end = hc_mono_ns(h);
	probe_close(h, p);
	p->pid = 0;
	if (p->phase == HC_RUNNING || p->phase == HC_KILLING)
		h->running_n--;
	p->phase = HC_IDLE;

	if (!ok && p->attempt < p->spec.retry) {
		p->attempt++;
		pthread_mutex_lock(&h->lock);
		h->st.checks++;
		h->st.failures++;
		pthread_mutex_unlock(&h->lock);
		hc_heap_set(h, p, end + p->retry_delay_ns);
		return;
	}

	char err[LVS_HEALTH_ERROR_MAX] = "";
	if (!ok) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, sizeof(err), fmt, ap);
		va_end(ap);
		printable(err);
		if (reason == LVS_HR_NONE || reason >= LVS_HR_COUNT)
			reason = LVS_HR_LOCAL;
	} else {
		reason = LVS_HR_NONE;
		code = 0;
	}
	double wall = hc_wall(h);
	enum lvs_health from = p->state, to = from;

	pthread_mutex_lock(&h->lock);
	if (ok) {
		p->ok_run++;
		p->fail_run = 0;
		if (p->ok_run >= p->spec.rise)
			to = LVS_HEALTH_UP;
	} else {
		p->fail_run++;
		p->ok_run = 0;
		p->failures++;
		h->st.failures++;
		if (p->fail_run >= p->spec.fall)
			to = LVS_HEALTH_DOWN;
	}
	p->checks++;
	h->st.checks++;
	p->seconds = (float)((end - p->started) / 1e9);
	p->last = wall;
	memcpy(p->error, err, sizeof(err));
	if (reason != p->reason || code != p->reason_code)
		p->reason_since = reason == LVS_HR_NONE ? 0 : wall;
	p->reason = (uint8_t)reason;
	p->reason_code = (uint16_t)code;
	if (to != from) {
		p->state = to;
		p->since = wall;
		h->st.transitions++;
	}
	struct lvs_check_sample *smp = &p->ring[p->ring_head];
	smp->time = wall;
	smp->seconds = p->seconds;
	smp->ok = ok;
	smp->state = (int8_t)p->state;
	p->ring_head = (p->ring_head + 1) % h->history;
	if (p->ring_count < h->history)
		p->ring_count++;
	h->st.running = h->running_n;
	h->st.loops = h->loops;
	pthread_mutex_unlock(&h->lock);

	p->attempt = 0;
	/* keep the cadence; when a round overran, start the next one now */
	int64_t next = p->round_start + p->interval_ns;
	hc_heap_set(h, p, next > end ? next : end);
	if (to != from)
		call_on_change(h, p, from, to);
}

void hc_timeout(struct lvs_health_engine *h, struct hc_probe *p, unsigned reason)
{
	hc_finish(h, p, false, reason, 0,
	          p->spec.timeout >= 1 ? "timeout after %.1f s" : "timeout after %.3g s",
	          p->spec.timeout);
}

unsigned hc_errno_reason(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return LVS_HR_REFUSED;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case ENETDOWN:
	case EHOSTDOWN:
		return LVS_HR_NO_ROUTE;
	case ECONNRESET:
	case EPIPE:
	case ECONNABORTED:
		return LVS_HR_RESET;
	case ETIMEDOUT:
		return LVS_HR_TIMEOUT_CONNECT;
	default:
		return LVS_HR_NET_ERROR;
	}
}

void hc_fail_errno(struct lvs_health_engine *h, struct hc_probe *p, const char *what, int err)
{
	hc_finish(h, p, false, hc_errno_reason(err), 0, "%s: %s", what, strerror(err));
}

/* Our own shortage (descriptors, memory, ephemeral ports, processes) says
 * nothing about the real server: try again shortly instead of counting a
 * failure, so that a full fd table never marks a farm down. */
bool hc_local_shortage(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM ||
	       err == EADDRNOTAVAIL || err == EAGAIN;
}

void hc_defer(struct lvs_health_engine *h, struct hc_probe *p)
{
	probe_close(h, p);
	if (p->phase == HC_RUNNING)
		h->running_n--;
	p->phase = HC_IDLE;
	pthread_mutex_lock(&h->lock);
	h->st.deferred++;
	pthread_mutex_unlock(&h->lock);
	hc_heap_set(h, p, hc_mono_ns(h) + HC_DEFER_NS);
}

/* --- I/O -------------------------------------------------------------------------- */

int hc_ep_want(struct lvs_health_engine *h, struct hc_probe *p, uint32_t events)
{
	if (p->ep_events == events)
		return 0;
	struct epoll_event ev = {.events = events, .data.ptr = p};
	int op = p->ep_events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(h->ep, op, p->fd, &ev) < 0)
		return -errno;
	p->ep_events = events;
	return 0;
}

void hc_arm_timeout(struct lvs_health_engine *h, struct hc_probe *p)
{
	hc_heap_set(h, p, p->started + p->timeout_ns);
}

int hc_sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

bool hc_socket(struct lvs_health_engine *h, struct hc_probe *p, int type)
{
	p->fd = socket(p->spec.target_af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd >= 0)
		return true;
	if (hc_local_shortage(errno))
		hc_defer(h, p);
	else
		hc_finish(h, p, false, LVS_HR_LOCAL, 0, "socket: %s", strerror(errno));
	return false;
}

int hc_refuse(const char *why, char *msg, size_t len)
{
	if (!why)
		return 0;
	if (msg && len)
		snprintf(msg, len, "%s", why);
	return -EINVAL;
}

static void dgram_icmp(struct lvs_health_engine *h, struct hc_probe *p, int err, const char *what)
{
	if (err == ECONNREFUSED)
		hc_finish(h, p, false, LVS_HR_UNREACHABLE, 0, "ICMP port unreachable");
	else if (err == EHOSTUNREACH || err == ENETUNREACH)
		hc_finish(h, p, false, LVS_HR_UNREACHABLE, 0, "ICMP %s unreachable",
		          err == EHOSTUNREACH ? "host" : "network");
	else
		hc_fail_errno(h, p, what, err);
}

bool hc_dgram_start(struct lvs_health_engine *h, struct hc_probe *p, const void *buf, size_t len)
{
	if (!hc_socket(h, p, SOCK_DGRAM))
		return false;
	if (connect(p->fd, (struct sockaddr *)&p->sa, p->salen) < 0) {
		hc_fail_errno(h, p, "connect", errno);
		return false;
	}
	if (send(p->fd, buf, len, MSG_NOSIGNAL) < 0) {
		dgram_icmp(h, p, errno, "send");
		return false;
	}
	if (hc_ep_want(h, p, EPOLLIN) < 0) {
		hc_defer(h, p);
		return false;
	}
	hc_arm_timeout(h, p);
	return true;
}

ssize_t hc_dgram_recv(struct lvs_health_engine *h, struct hc_probe *p)
{
	ssize_t n = recv(p->fd, h->scratch, HC_SCRATCH, 0);
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		dgram_icmp(h, p, errno, "recv");
	return n < 0 ? -1 : n;
}

static void attempt_run(struct lvs_health_engine *h, struct hc_probe *p);

static void attempt_start(struct lvs_health_engine *h, struct hc_probe *p)
{
	/* behind the queue, not past it: a probe that just finished would
	 * otherwise take its own slot back and starve the waiting ones */
	if (h->opts.max_running && (h->running_n >= h->opts.max_running || h->q_head)) {
		hc_heap_remove(h, p);
		p->phase = HC_QUEUED;
		p->qnext = NULL;
		if (h->q_tail)
			h->q_tail->qnext = p;
		else
			h->q_head = p;
		h->q_tail = p;
		return;
	}
	attempt_run(h, p);
}

static void attempt_run(struct lvs_health_engine *h, struct hc_probe *p)
{
	p->started = hc_mono_ns(h);
	if (p->attempt == 0)
		p->round_start = p->started;
	p->phase = HC_RUNNING;
	h->running_n++;
	p->kind->start(h, p);
}

static void on_timer(struct lvs_health_engine *h, struct hc_probe *p, int64_t now)
{
	switch (p->phase) {
	case HC_IDLE:
		attempt_start(h, p);
		return;
	case HC_RUNNING:
	case HC_KILLING:
		if (p->kind->expire)
			p->kind->expire(h, p, now);
		else
			hc_timeout(h, p, LVS_HR_TIMEOUT_RESPONSE);
		return;
	default:
		hc_heap_remove(h, p);
		return;
	}
}

static void on_io(struct lvs_health_engine *h, struct hc_probe *p, uint32_t events)
{
	if (p->phase != HC_RUNNING && p->phase != HC_KILLING)
		return;
	p->kind->io(h, p, events);
}

/* --- sets ------------------------------------------------------------------------- */

static void list_add(struct lvs_health_engine *h, struct hc_probe *p)
{
	p->prev = NULL;
	p->next = h->probes;
	if (h->probes)
		h->probes->prev = p;
	h->probes = p;
	h->n_probes++;
}

static void list_del(struct lvs_health_engine *h, struct hc_probe *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		h->probes = p->next;
	if (p->next)
		p->next->prev = p->prev;
	h->n_probes--;
}

static void tab_del(struct lvs_health_engine *h, struct hc_probe *p)
{
	struct hc_probe **pp = &h->tab[p->key & h->tab_mask];
	while (*pp && *pp != p)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = p->hnext;
}

/* Make room for `want` probes in the identity table and the heap. */
static int reserve(struct lvs_health_engine *h, size_t want)
{
	if (want > h->heap_cap) {
		size_t cap = h->heap_cap ? h->heap_cap : 64;
		while (cap < want)
			cap *= 2;
		if (cap > UINT32_MAX - 1)
			return -ENOMEM;
		struct hc_probe **heap = realloc(h->heap, cap * sizeof(*heap));
		if (!heap)
			return -ENOMEM;
		h->heap = heap;
		h->heap_cap = (uint32_t)cap;
	}
	size_t nb = 64;
	while (nb < 2 * want)
		nb *= 2;
	if (h->tab && nb <= h->tab_mask + 1)
		return 0;
	struct hc_probe **tab = calloc(nb, sizeof(*tab));
	if (!tab)
		return -ENOMEM;
	for (struct hc_probe *p = h->probes; p; p = p->next) {
		p->hnext = tab[p->key & (nb - 1)];
		tab[p->key & (nb - 1)] = p;
	}
	free(h->tab);
	h->tab = tab;
	h->tab_mask = nb - 1;
	return 0;
}

int hc_apply(struct lvs_health_engine *h, struct hc_set *set)
{
	int err = reserve(h, h->n_probes + set->n);
	if (err < 0)
		return err;
	for (struct hc_probe *p = h->probes; p; p = p->next)
		p->keep = p->fresh = false;

	for (size_t i = 0; i < set->n; i++) {
		const struct lvs_check_spec *s = &set->specs[i];
		uint64_t key = hc_spec_key(s);
		struct hc_probe *p = h->tab[key & h->tab_mask];
		while (p && !(p->key == key && hc_spec_same(&p->spec, s)))
			p = p->hnext;
		if (!p) {
			p = probe_new(h, s, key);
			if (!p)
				goto err;
			p->fresh = true;
			p->hnext = h->tab[key & h->tab_mask];
			h->tab[key & h->tab_mask] = p;
			list_add(h, p);
		}
		p->keep = true;
		set->probe[i] = p;
	}

	/* users in set order, so callbacks follow the caller's order */
	for (struct hc_probe *p = h->probes; p; p = p->next)
		p->first_user = HC_NONE;
	for (size_t i = set->n; i-- > 0;) {
		struct hc_probe *p = set->probe[i];
		set->next_user[i] = p->first_user;
		p->first_user = (uint32_t)i;
	}

	pthread_mutex_lock(&h->lock);
	for (struct hc_probe *p = h->probes; p; p = p->next)
		p->users = 0;
	for (size_t i = 0; i < set->n; i++)
		set->probe[i]->users++;
	struct hc_set *old = h->set;
	h->set = set;
	size_t kept = 0;
	for (struct hc_probe *p = h->probes; p; p = p->next)
		kept += p->keep;
	h->st.probes = kept;
	pthread_mutex_unlock(&h->lock);

	/* no reader can reach dropped probes any more */
	int64_t now = hc_mono_ns(h);
	for (struct hc_probe *p = h->probes, *next; p; p = next) {
		next = p->next;
		if (!p->keep) {
			probe_cancel(h, p);
			hc_heap_remove(h, p);
			tab_del(h, p);
			list_del(h, p);
			probe_free(p);
		} else if (p->fresh) {
			hc_heap_set(h, p, now + p->first_ns);
		}
	}
	hc_set_unref(old);
	return 0;
err:
	for (struct hc_probe *p = h->probes, *next; p; p = next) {
		next = p->next;
		if (p->fresh) {
			tab_del(h, p);
			list_del(h, p);
			probe_free(p);
		}
	}
	for (size_t i = 0; i < set->n; i++)
		set->probe[i] = NULL;
	return -ENOMEM;
}

void hc_cancel_all(struct lvs_health_engine *h)
{
	int64_t now = hc_mono_ns(h);
	/* the queue first, in one pass: probe_cancel would search it for each */
	for (struct hc_probe *p = h->q_head, *next; p; p = next) {
		next = p->qnext;
		p->qnext = NULL;
		p->phase = HC_IDLE;
		hc_heap_set(h, p, now);
	}
	h->q_head = h->q_tail = NULL;
	for (struct hc_probe *p = h->probes; p; p = p->next) {
		bool busy = p->phase != HC_IDLE;
		probe_cancel(h, p);
		/* abandoned attempts are due again as soon as the engine runs */
		if (busy)
			hc_heap_set(h, p, now);
	}
	h->q_head = h->q_tail = NULL;
	h->running_n = 0;
}

void hc_probes_free(struct lvs_health_engine *h)
{
	for (struct hc_probe *p = h->probes, *next; p; p = next) {
		next = p->next;
		probe_free(p);
	}
	h->probes = NULL;
	h->n_probes = 0;
	h->heap_len = 0;
}

/* --- the loop ----------------------------------------------------------------------- */

#define HC_EVENTS 512

void *hc_thread(void *arg)
{
	struct lvs_health_engine *h = arg;
	hc_engine_self = h;
	/* named, so that top -H and /proc/PID/task show where check CPU goes */
	pthread_setname_np(pthread_self(), "lvs-health");
	struct epoll_event ev[HC_EVENTS];
	while (!atomic_load(&h->stop)) {
		int timeout = -1;
		if (h->heap_len) {
			int64_t d = h->heap[0]->deadline - hc_mono_ns(h);
			/* round up: waking early would only spin */
			timeout = d <= 0 ? 0 : d >= (int64_t)INT_MAX * 1000000 ? INT_MAX
			                                                      : (int)((d + 999999) / 1000000);
			/* an injected clock moves only when its owner says so
			 * (and wakes us): never wait on it */
			if (h->clock.now && timeout > 0)
				timeout = -1;
		}
		int n = epoll_wait(h->ep, ev, HC_EVENTS, timeout);
		h->loops++;
		for (int i = 0; i < n; i++) {
			struct hc_probe *p = ev[i].data.ptr;
			if (!p) {
				uint64_t v;
				if (read(h->wake, &v, sizeof(v)) < 0) {
					/* EAGAIN: already drained */
				}
				continue;
			}
			on_io(h, p, ev[i].events);
		}
		int64_t now = hc_mono_ns(h);
		while (h->heap_len && h->heap[0]->deadline <= now)
			on_timer(h, h->heap[0], now);
		while (h->q_head && h->running_n < h->opts.max_running) {
			struct hc_probe *p = h->q_head;
			h->q_head = p->qnext;
			if (!h->q_head)
				h->q_tail = NULL;
			p->qnext = NULL;
			p->phase = HC_IDLE;
			attempt_run(h, p);
		}

		pthread_mutex_lock(&h->lock);
		h->st.running = h->running_n;
		h->st.loops = h->loops;
		struct hc_set *pending = h->pending;
		h->pending = NULL;
		uint64_t seq = h->req_seq;
		pthread_mutex_unlock(&h->lock);
		if (pending || seq != h->applied_seq) {
			int err = pending ? hc_apply(h, pending) : 0;
			if (err < 0)
				hc_set_unref(pending);
			pthread_mutex_lock(&h->lock);
			h->applied_seq = seq;
			h->apply_err = err;
			pthread_cond_broadcast(&h->applied_cv);
			pthread_mutex_unlock(&h->lock);
		}
	}
	hc_cancel_all(h);
	hc_engine_self = NULL;
	return NULL;
}
