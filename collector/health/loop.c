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

/* A free probe is poisoned under AddressSanitizer, as free() would: a
 * probe used after it was dropped is still caught in its block. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define PROBE_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define PROBE_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define PROBE_POISON(p, n) ((void)(p), (void)(n))
#define PROBE_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define HC_BLOCK_HEAD 16 /* the link to the next block, probes aligned */

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

/* --- result texts ------------------------------------------------------------------ */

/* Interned so that 100,000 probes failing the same way hold one copy. The
 * table belongs to the engine thread; readers reach a text only through a
 * probe, under h->lock, and a text is freed only after the probe let go
 * of it under that lock. */
static struct hc_text *text_get(struct lvs_health_engine *h, const char *s)
{
	if (!*s)
		return NULL;
	uint64_t k = hc_fnv(0xcbf29ce484222325ULL, s, strlen(s));
	if (h->n_texts + 1 > (h->texts_mask + 1) / 2 || !h->texts) {
		size_t nb = h->texts ? 2 * (h->texts_mask + 1) : 64;
		struct hc_text **tab = calloc(nb, sizeof(*tab));
		if (tab) {
			for (size_t i = 0; h->texts && i <= h->texts_mask; i++)
				for (struct hc_text *t = h->texts[i], *n; t; t = n) {
					n = t->hnext;
					size_t b = hc_fnv(0xcbf29ce484222325ULL, t->s, strlen(t->s)) & (nb - 1);
					t->hnext = tab[b];
					tab[b] = t;
				}
			free(h->texts);
			h->texts = tab;
			h->texts_mask = nb - 1;
		} else if (!h->texts) {
			return NULL; /* without memory the text stays empty */
		}
	}
	struct hc_text **b = &h->texts[k & h->texts_mask];
	for (struct hc_text *t = *b; t; t = t->hnext)
		if (!strcmp(t->s, s)) {
			t->refs++;
			return t;
		}
	size_t l = strlen(s) + 1;
	struct hc_text *t = malloc(sizeof(*t) + l);
	if (!t)
		return NULL;
	t->refs = 1;
	memcpy(t->s, s, l);
	t->hnext = *b;
	*b = t;
	h->n_texts++;
	return t;
}

static void text_put(struct lvs_health_engine *h, struct hc_text *t)
{
	if (!t || --t->refs)
		return;
	struct hc_text **pp = &h->texts[hc_fnv(0xcbf29ce484222325ULL, t->s, strlen(t->s)) & h->texts_mask];
	while (*pp != t)
		pp = &(*pp)->hnext;
	*pp = t->hnext;
	h->n_texts--;
	free(t);
}

void hc_texts_free(struct lvs_health_engine *h)
{
	for (size_t i = 0; h->texts && i <= h->texts_mask; i++)
		for (struct hc_text *t = h->texts[i], *n; t; t = n) {
			n = t->hnext;
			free(t);
		}
	free(h->texts);
	h->texts = NULL;
	h->n_texts = 0;
}

/* --- probes --------------------------------------------------------------------- */

/* A zeroed probe from the free list, a new block when it is empty; NULL
 * on out of memory. */
static struct hc_probe *probe_alloc(struct lvs_health_engine *h)
{
	if (!h->probe_free) {
		unsigned char *b = malloc(HC_BLOCK_HEAD + h->probe_block * h->probe_size);
		if (!b)
			return NULL;
		memcpy(b, &h->probe_blocks, sizeof(h->probe_blocks));
		h->probe_blocks = b;
		for (size_t i = h->probe_block; i-- > 0;) {
			struct hc_probe *p = (struct hc_probe *)(void *)(b + HC_BLOCK_HEAD + i * h->probe_size);
			p->qnext = h->probe_free;
			h->probe_free = p;
			PROBE_POISON(p, h->probe_size);
		}
	}
	struct hc_probe *p = h->probe_free;
	PROBE_UNPOISON(p, h->probe_size);
	h->probe_free = p->qnext;
	memset(p, 0, h->probe_size);
	return p;
}

/* Every probe is free: the blocks go. */
static void blocks_free(struct lvs_health_engine *h)
{
	while (h->probe_blocks) {
		unsigned char *b = h->probe_blocks;
		memcpy(&h->probe_blocks, b, sizeof(h->probe_blocks));
		PROBE_UNPOISON(b, HC_BLOCK_HEAD + h->probe_block * h->probe_size);
		free(b);
	}
	h->probe_free = NULL;
}

static void probe_free(struct lvs_health_engine *h, struct hc_probe *p)
{
	if (!p)
		return;
	text_put(h, p->error);
	hc_tmpl_unref(p->t);
	p->qnext = h->probe_free;
	h->probe_free = p;
	PROBE_POISON(p, h->probe_size);
}

static int64_t ns(double s)
{
	return (int64_t)(s * 1e9 + 0.5);
}

void hc_probe_spec(const struct hc_probe *p, struct lvs_check_spec *out)
{
	*out = p->t->spec;
	out->target_af = p->target_af;
	out->target_port = p->target_port;
	out->target_addr = p->target_addr;
}

/* A probe for the normalised spec s of template t (a reference is taken). */
static struct hc_probe *probe_new(struct lvs_health_engine *h, struct hc_tmpl *t,
                                  const struct lvs_check_spec *s, uint64_t key)
{
	if (!t->prepared) {
		if (t->kind->tmpl_prepare && t->kind->tmpl_prepare(t) < 0) {
			if (t->kind->tmpl_release)
				t->kind->tmpl_release(t);
			return NULL;
		}
		t->prepared = true;
	}
	struct hc_probe *p = probe_alloc(h);
	if (!p)
		return NULL;
	p->heap_idx = HC_NONE;
	p->first_user = HC_NONE;
	p->key = (uint32_t)key;
	atomic_fetch_add(&t->refs, 1);
	p->t = t;
	p->target_af = s->target_af;
	p->target_port = s->target_port;
	p->target_addr = s->target_addr;
	return p;
}

/* When a new probe first starts: after the warm-up, spread over one
 * interval by the identity hash. */
static int64_t probe_first_ns(const struct hc_probe *p)
{
	int64_t iv = p->t->interval_ns;
	return ns(p->t->spec.warmup) + (int64_t)((double)p->key / 4294967296.0 * (double)iv);
}

/* The attempt's own state: the spec with its target, the address, what
 * the kind derives. 0, or -ENOMEM (nothing allocated then). */
static int io_new(struct hc_probe *p)
{
	struct hc_io *io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	io->fd = -1;
	hc_probe_spec(p, &io->spec);
	const struct lvs_check_spec *s = &io->spec;
	if (s->target_af == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&io->sa;
		a->sin_family = AF_INET;
		a->sin_port = htons(s->target_port);
		memcpy(&a->sin_addr, &s->target_addr.v4, 4);
		io->salen = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&io->sa;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(s->target_port);
		a->sin6_addr = s->target_addr.v6;
		io->salen = sizeof(*a);
	}
	inet_ntop(s->target_af, &s->target_addr, io->arg_addr, sizeof(io->arg_addr));
	snprintf(io->arg_port, sizeof(io->arg_port), "%u", s->target_port);
	p->io = io;
	if (p->t->kind->prepare && p->t->kind->prepare(p) < 0) {
		if (p->t->kind->release)
			p->t->kind->release(p);
		free(io);
		p->io = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* End of an attempt: its state goes. */
static void probe_close(struct lvs_health_engine *h, struct hc_probe *p)
{
	(void)h;
	if (p->phase != HC_RUNNING && p->phase != HC_KILLING)
		return;
	struct hc_io *io = p->io;
	if (!io)
		return;
	const struct hc_kind *k = p->t->kind;
	if (k->cancel)
		k->cancel(p);
	if (io->fd >= 0) {
		/* close() drops the epoll registration: the fd is never dup'ed */
		close(io->fd);
		io->fd = -1;
	}
	if (k->release)
		k->release(p);
	free(io);
	p->io = NULL;
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
		.ok_run = p->streak > 0 ? (uint32_t)p->streak : 0,
		.fail_run = p->streak < 0 ? (uint32_t)-(int64_t)p->streak : 0,
		.checks = p->checks,
		.failures = p->failures,
		.shared = p->users,
		.reason = p->reason,
		.reason_code = p->reason_code,
		.reason_since = p->reason_since,
	};
	snprintf(r.error, sizeof(r.error), "%s", p->error ? p->error->s : "");
	/* h->set changes only on this thread (after callbacks) or while stopped */
	const struct lvs_check_set *set = h->set;
	for (uint32_t i = p->first_user; i != HC_NONE; i = set->next_user[i]) {
		struct lvs_check_spec spec;
		hc_set_spec(set, i, &spec);
		h->opts.on_change(h->opts.arg, &spec, &r, from, to);
	}
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
	const struct lvs_check_spec *spec = &p->t->spec;
	/* the text first: its arguments may live in the attempt's state */
	char err[LVS_HEALTH_ERROR_MAX] = "";
	bool retry = !ok && p->attempt < spec->retry;
	if (!ok && !retry) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, sizeof(err), fmt, ap);
		va_end(ap);
		printable(err);
		if (reason == LVS_HR_NONE || reason >= LVS_HR_COUNT)
			reason = LVS_HR_LOCAL;
	} else if (ok) {
		reason = LVS_HR_NONE;
		code = 0;
	}
	bool busy = p->phase == HC_RUNNING || p->phase == HC_KILLING;
	int64_t started = busy && p->io ? p->io->started : end;
	probe_close(h, p);
	if (p->phase == HC_RUNNING || p->phase == HC_KILLING)
		h->running_n--;
	p->phase = HC_IDLE;

	if (retry) {
		p->attempt++;
		pthread_mutex_lock(&h->lock);
		h->st.checks++;
		h->st.failures++;
		pthread_mutex_unlock(&h->lock);
		hc_heap_set(h, p, end + p->t->retry_delay_ns);
		return;
	}

	double wall = hc_wall(h);
	enum lvs_health from = (enum lvs_health)p->state, to = from;
	struct hc_text *text = text_get(h, err), *old;

	pthread_mutex_lock(&h->lock);
	if (ok) {
		p->streak = p->streak > 0 ? p->streak + (p->streak < INT32_MAX) : 1;
		if ((uint32_t)p->streak >= spec->rise)
			to = LVS_HEALTH_UP;
	} else {
		p->streak = p->streak < 0 ? p->streak - (p->streak > -INT32_MAX) : -1;
		p->failures += p->failures < UINT32_MAX;
		h->st.failures++;
		if ((uint32_t)-p->streak >= spec->fall)
			to = LVS_HEALTH_DOWN;
	}
	p->checks += p->checks < UINT32_MAX;
	h->st.checks++;
	p->seconds = (float)((end - started) / 1e9);
	/* the sample keeps the gap to the result before it: the newest one's
	 * time is `last`, each older one's the newer one's less its gap */
	double gap = p->ring_count ? (wall - p->last) * 1e3 + 0.5 : 0;
	p->last = wall;
	old = p->error;
	p->error = text;
	if (reason != p->reason || code != p->reason_code)
		p->reason_since = reason == LVS_HR_NONE ? 0 : lvs_time32(wall);
	p->reason = (uint8_t)reason;
	p->reason_code = (uint16_t)code;
	if (to != from) {
		p->state = (uint8_t)to;
		p->since = lvs_time32(wall);
		h->st.transitions++;
	}
	if (h->history) {
		double us = (double)p->seconds * 1e6 + 0.5;
		struct hc_sample *smp = &p->ring[p->ring_head];
		smp->dt_ms = gap <= 0 ? 0 : gap >= UINT32_MAX ? UINT32_MAX : (uint32_t)gap;
		smp->bits = (us >= HC_SAMPLE_US_MAX ? HC_SAMPLE_US_MAX : us <= 0 ? 0 : (uint32_t)us)
				    << 3 |
			    (uint32_t)ok << 2 | (p->state & 3u);
		p->ring_head = (uint16_t)((p->ring_head + 1) % h->history);
		if (p->ring_count < h->history)
			p->ring_count++;
	}
	h->st.running = h->running_n;
	h->st.loops = h->loops;
	pthread_mutex_unlock(&h->lock);
	text_put(h, old);

	p->attempt = 0;
	/* keep the cadence; when a round overran, start the next one now */
	int64_t next = p->round_start + p->t->interval_ns;
	hc_heap_set(h, p, next > end ? next : end);
	if (to != from)
		call_on_change(h, p, from, to);
}

void hc_timeout(struct lvs_health_engine *h, struct hc_probe *p, unsigned reason)
{
	double t = p->t->spec.timeout;
	hc_finish(h, p, false, reason, 0, t >= 1 ? "timeout after %.1f s" : "timeout after %.3g s", t);
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
	struct hc_io *io = p->io;
	if (io->ep_events == events)
		return 0;
	struct epoll_event ev = {.events = events, .data.ptr = p};
	int op = io->ep_events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(h->ep, op, io->fd, &ev) < 0)
		return -errno;
	io->ep_events = events;
	return 0;
}

void hc_arm_timeout(struct lvs_health_engine *h, struct hc_probe *p)
{
	hc_heap_set(h, p, p->io->started + p->t->timeout_ns);
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
	p->io->fd = socket(p->target_af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->io->fd >= 0)
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
	if (connect(p->io->fd, (struct sockaddr *)&p->io->sa, p->io->salen) < 0) {
		hc_fail_errno(h, p, "connect", errno);
		return false;
	}
	if (send(p->io->fd, buf, len, MSG_NOSIGNAL) < 0) {
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
	ssize_t n = recv(p->io->fd, h->scratch, HC_SCRATCH, 0);
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
	int64_t now = hc_mono_ns(h);
	if (p->attempt == 0)
		p->round_start = now;
	p->phase = HC_RUNNING;
	h->running_n++;
	/* the attempt's state exists only while it runs */
	if (io_new(p) < 0) {
		hc_defer(h, p);
		return;
	}
	p->io->started = now;
	p->t->kind->start(h, p);
}

static void on_timer(struct lvs_health_engine *h, struct hc_probe *p, int64_t now)
{
	switch (p->phase) {
	case HC_IDLE:
		attempt_start(h, p);
		return;
	case HC_RUNNING:
	case HC_KILLING:
		if (p->t->kind->expire)
			p->t->kind->expire(h, p, now);
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
	p->t->kind->io(h, p, events);
}

/* --- sets ------------------------------------------------------------------------- */

/* Every probe, by the identity table; fn may drop the one it is given. */
#define HC_EACH_PROBE(h, p)                                                    \
	for (size_t hc_b_ = 0; (h)->tab && hc_b_ <= (h)->tab_mask; hc_b_++)    \
		for (struct hc_probe *p = (h)->tab[hc_b_], *hc_n_;             \
		     p && ((hc_n_ = p->hnext), 1); p = hc_n_)

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
	/* Chained: one bucket per probe keeps the chains at one probe on
	 * average (8 bytes a probe; at half full it was 16). */
	size_t nb = 64;
	while (nb < want)
		nb *= 2;
	if (h->tab && nb <= h->tab_mask + 1)
		return 0;
	struct hc_probe **tab = calloc(nb, sizeof(*tab));
	if (!tab)
		return -ENOMEM;
	HC_EACH_PROBE(h, p) {
		p->hnext = tab[p->key & (nb - 1)];
		tab[p->key & (nb - 1)] = p;
	}
	free(h->tab);
	h->tab = tab;
	h->tab_mask = nb - 1;
	return 0;
}

int hc_apply(struct lvs_health_engine *h, struct lvs_check_set *set)
{
	int err = reserve(h, h->n_probes + set->n);
	if (err < 0)
		return err;
	HC_EACH_PROBE(h, p)
		p->keep = p->fresh = false;

	for (size_t i = 0; i < set->n; i++) {
		struct lvs_check_spec s;
		hc_set_spec(set, i, &s);
		uint64_t key = hc_spec_key(&s);
		struct hc_probe *p = h->tab[key & h->tab_mask];
		while (p) {
			if (p->key == (uint32_t)key && p->target_af == s.target_af &&
			    p->target_port == s.target_port &&
			    !memcmp(&p->target_addr, &s.target_addr, sizeof(s.target_addr))) {
				struct lvs_check_spec ps;
				hc_probe_spec(p, &ps);
				if (hc_spec_same(&ps, &s))
					break;
			}
			p = p->hnext;
		}
		if (!p) {
			p = probe_new(h, set->tmpls[set->ents[i].tmpl], &s, key);
			if (!p)
				goto err;
			p->fresh = true;
			p->hnext = h->tab[key & h->tab_mask];
			h->tab[key & h->tab_mask] = p;
			h->n_probes++;
		}
		p->keep = true;
		set->probe[i] = p;
	}

	/* users in set order, so callbacks follow the caller's order */
	HC_EACH_PROBE(h, p)
		p->first_user = HC_NONE;
	for (size_t i = set->n; i-- > 0;) {
		struct hc_probe *p = set->probe[i];
		set->next_user[i] = p->first_user;
		p->first_user = (uint32_t)i;
	}

	pthread_mutex_lock(&h->lock);
	HC_EACH_PROBE(h, p)
		p->users = 0;
	for (size_t i = 0; i < set->n; i++)
		set->probe[i]->users++;
	struct lvs_check_set *old = h->set;
	h->set = set;
	size_t kept = 0;
	HC_EACH_PROBE(h, p)
		kept += p->keep;
	h->st.probes = kept;
	pthread_mutex_unlock(&h->lock);

	/* no reader can reach dropped probes any more */
	int64_t now = hc_mono_ns(h);
	HC_EACH_PROBE(h, p) {
		if (!p->keep) {
			probe_cancel(h, p);
			hc_heap_remove(h, p);
			tab_del(h, p);
			h->n_probes--;
			probe_free(h, p);
		} else if (p->fresh) {
			hc_heap_set(h, p, now + probe_first_ns(p));
		}
	}
	/* A set that drops every check gives the blocks back; one that
	 * shrinks keeps them for the probes of the next. */
	if (!h->n_probes)
		blocks_free(h);
	hc_set_unref(old);
	return 0;
err:
	HC_EACH_PROBE(h, p) {
		if (p->fresh) {
			tab_del(h, p);
			h->n_probes--;
			probe_free(h, p);
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
	HC_EACH_PROBE(h, p) {
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
	HC_EACH_PROBE(h, p)
		probe_free(h, p);
	if (h->tab)
		memset(h->tab, 0, (h->tab_mask + 1) * sizeof(*h->tab));
	h->n_probes = 0;
	h->heap_len = 0;
	blocks_free(h);
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
		struct lvs_check_set *pending = h->pending;
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
