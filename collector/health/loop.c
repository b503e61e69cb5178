/* Health-check engine: the event loop. One thread, one epoll instance, one
 * binary min-heap of deadlines (next start while idle, timeout while
 * running). Every probe holds at most one fd at a time (a socket, or a
 * pidfd for a command), registered with data.ptr = the probe, so an event
 * leads straight to its probe with no lookup. Sockets are non-blocking;
 * nothing in the loop waits except epoll_wait. */
#include "health_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

__thread struct lvs_health_engine *hc_engine_self;

/* Without pidfds (kernels before 5.3) a running command is polled. */
#define HC_REAP_POLL_NS 10000000
/* Retry delay after a local shortage (see defer). */
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

static void heap_remove(struct lvs_health_engine *h, struct hc_probe *p)
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
static void heap_set(struct lvs_health_engine *h, struct hc_probe *p, int64_t deadline)
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
	free(p->blob);
	free(p->req);
	free(p->kmp);
	free(p->argv);
	free(p->ring);
	free(p);
}

/* KMP failure table: lets the body search run over any split of reads
 * without keeping the body. */
static uint32_t *kmp_table(const char *pat, uint32_t m)
{
	uint32_t *f = malloc(m * sizeof(*f));
	if (!f)
		return NULL;
	f[0] = 0;
	for (uint32_t i = 1, k = 0; i < m; i++) {
		while (k && pat[i] != pat[k])
			k = f[k - 1];
		if (pat[i] == pat[k])
			k++;
		f[i] = k;
	}
	return f;
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

	const char *expect = s->type == LVS_CHECK_HTTP ? s->http_expect : NULL;
	if (expect) {
		p->expect_len = (uint32_t)strlen(expect);
		if (!(p->kmp = kmp_table(expect, p->expect_len)))
			goto err;
	}
	if (s->type == LVS_CHECK_HTTP) {
		if (s->http_request) {
			p->req = strdup(s->http_request);
			p->req_len = p->req ? strlen(p->req) : 0;
		} else {
			char host[80];
			if (s->http_host)
				host[0] = 0;
			else if (s->target_af == AF_INET6)
				snprintf(host, sizeof(host), s->target_port == 80 ? "[%s]" : "[%s]:%s",
				         p->arg_addr, p->arg_port);
			else
				snprintf(host, sizeof(host), s->target_port == 80 ? "%s" : "%s:%s",
				         p->arg_addr, p->arg_port);
			int n = asprintf(&p->req,
			                 "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: lvsd health check\r\n"
			                 "Accept: */*\r\nConnection: close\r\n\r\n",
			                 s->http_path, s->http_host ? s->http_host : host);
			if (n < 0)
				p->req = NULL;
			p->req_len = n < 0 ? 0 : (size_t)n;
		}
		if (!p->req)
			goto err;
	}
	if (s->type == LVS_CHECK_EXEC) {
		size_t argc = 0;
		while (s->exec_argv[argc])
			argc++;
		p->argv = malloc((argc + 3) * sizeof(*p->argv));
		if (!p->argv)
			goto err;
		for (size_t i = 0; i < argc; i++)
			p->argv[i] = (char *)s->exec_argv[i];
		p->argv[argc] = p->arg_addr;
		p->argv[argc + 1] = p->arg_port;
		p->argv[argc + 2] = NULL;
	}
	return p;
err:
	probe_free(p);
	return NULL;
}

static void probe_close(struct lvs_health_engine *h, struct hc_probe *p)
{
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
	if (p->pid > 0) {
		kill(-p->pid, SIGKILL);
		/* SIGKILL makes this short; the child is ours, so it is reapable */
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
		p->pid = 0;
	}
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
	/* h->set changes only on this thread (after callbacks) or while stopped */
	const struct hc_set *set = h->set;
	for (uint32_t i = p->first_user; i != HC_NONE; i = set->next_user[i])
		h->opts.on_change(h->opts.arg, &set->specs[i], from, to);
}

/* The attempt ended: retry it, or count it and schedule the next round. */
static void finish(struct lvs_health_engine *h, struct hc_probe *p, bool ok, const char *fmt, ...)
{
	int64_t end = hc_mono_ns();
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
		heap_set(h, p, end + p->retry_delay_ns);
		return;
	}

	char err[LVS_HEALTH_ERROR_MAX] = "";
	if (!ok) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, sizeof(err), fmt, ap);
		va_end(ap);
	}
	double wall = hc_wall();
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
	heap_set(h, p, next > end ? next : end);
	if (to != from)
		call_on_change(h, p, from, to);
}

static const char *timeout_text(const struct hc_probe *p, char *buf, size_t len)
{
	snprintf(buf, len, p->spec.timeout >= 1 ? "timeout after %.1f s" : "timeout after %.3g s",
	         p->spec.timeout);
	return buf;
}

/* Our own shortage (descriptors, memory, ephemeral ports, processes) says
 * nothing about the real server: try again shortly instead of counting a
 * failure, so that a full fd table never marks a farm down. */
static bool local_shortage(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM ||
	       err == EADDRNOTAVAIL || err == EAGAIN;
}

static void defer(struct lvs_health_engine *h, struct hc_probe *p)
{
	probe_close(h, p);
	if (p->phase == HC_RUNNING)
		h->running_n--;
	p->phase = HC_IDLE;
	pthread_mutex_lock(&h->lock);
	h->st.deferred++;
	pthread_mutex_unlock(&h->lock);
	heap_set(h, p, hc_mono_ns() + HC_DEFER_NS);
}

/* --- I/O -------------------------------------------------------------------------- */

static int ep_want(struct lvs_health_engine *h, struct hc_probe *p, uint32_t events)
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

static void arm_timeout(struct lvs_health_engine *h, struct hc_probe *p)
{
	heap_set(h, p, p->started + p->timeout_ns);
}

/* Feed response bytes. 1: verdict up, -1: verdict down (err set), 0: more. */
static int http_feed(struct hc_probe *p, const char *b, size_t n, char *err, size_t elen)
{
	struct hc_http *x = &p->http;
	const struct lvs_check_spec *s = &p->spec;
	for (size_t i = 0; i < n; i++) {
		char c = b[i];
		if (x->part == 0) {
			if (c != '\n') {
				if (x->line_len < sizeof(x->line) - 1)
					x->line[x->line_len++] = c;
				continue;
			}
			x->line[x->line_len] = 0;
			const char *sp = strchr(x->line, ' ');
			if (strncmp(x->line, "HTTP/", 5) != 0 || !sp || sp[1] < '1' || sp[1] > '5' ||
			    sp[2] < '0' || sp[2] > '9' || sp[3] < '0' || sp[3] > '9') {
				snprintf(err, elen, "bad HTTP status line");
				return -1;
			}
			x->status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
			if (s->http_status ? x->status != s->http_status
			                   : (x->status < 200 || x->status > 299)) {
				if (s->http_status)
					snprintf(err, elen, "HTTP %d, expected %d", x->status, s->http_status);
				else
					snprintf(err, elen, "HTTP %d, expected 2xx", x->status);
				return -1;
			}
			if (!p->expect_len)
				return 1;
			x->part = 1;
			x->hdr_state = 1;
		} else if (x->part == 1) {
			if (c == '\n') {
				if (x->hdr_state)
					x->part = 2;
				else
					x->hdr_state = 1;
			} else if (c == '\r') {
				if (x->hdr_state == 1)
					x->hdr_state = 2;
			} else {
				x->hdr_state = 0;
			}
		} else {
			const char *e = s->http_expect;
			while (x->matched && e[x->matched] != c)
				x->matched = p->kmp[x->matched - 1];
			if (e[x->matched] == c && ++x->matched == p->expect_len)
				return 1;
		}
	}
	return 0;
}

static void http_send(struct lvs_health_engine *h, struct hc_probe *p)
{
	while (p->sent < p->req_len) {
		ssize_t n = send(p->fd, p->req + p->sent, p->req_len - p->sent, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				int e = ep_want(h, p, EPOLLOUT);
				if (e < 0)
					finish(h, p, false, "epoll: %s", strerror(-e));
				return;
			}
			finish(h, p, false, "send: %s", strerror(errno));
			return;
		}
		p->sent += (size_t)n;
	}
	p->step = 2;
	int e = ep_want(h, p, EPOLLIN);
	if (e < 0)
		finish(h, p, false, "epoll: %s", strerror(-e));
}

static void http_recv(struct lvs_health_engine *h, struct hc_probe *p)
{
	ssize_t n = recv(p->fd, h->scratch, 16384, 0);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			finish(h, p, false, "recv: %s", strerror(errno));
		return;
	}
	char err[LVS_HEALTH_ERROR_MAX];
	if (n == 0) {
		if (p->http.part == 0)
			finish(h, p, false, "closed before the HTTP status line");
		else
			finish(h, p, false, "body lacks \"%s\"", p->spec.http_expect);
		return;
	}
	int v = http_feed(p, h->scratch, (size_t)n, err, sizeof(err));
	if (v > 0)
		finish(h, p, true, NULL);
	else if (v < 0)
		finish(h, p, false, "%s", err);
}

static int sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

/* Open the probe's non-blocking socket. False when there is none: the
 * probe is then deferred (the checker ran short) or finished as failed. */
static bool probe_socket(struct lvs_health_engine *h, struct hc_probe *p, int type)
{
	p->fd = socket(p->spec.target_af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd >= 0)
		return true;
	if (local_shortage(errno))
		defer(h, p);
	else
		finish(h, p, false, "socket: %s", strerror(errno));
	return false;
}

static void stream_start(struct lvs_health_engine *h, struct hc_probe *p)
{
	if (!probe_socket(h, p, SOCK_STREAM))
		return;
	/* Abort on close (RST, no FIN): the checker's end of thousands of
	 * short connections never sits in TIME_WAIT holding ephemeral ports. */
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	p->step = 0;
	p->sent = 0;
	memset(&p->http, 0, sizeof(p->http));
	if (connect(p->fd, (struct sockaddr *)&p->sa, p->salen) == 0) {
		if (p->spec.type == LVS_CHECK_TCP) {
			finish(h, p, true, NULL);
			return;
		}
		p->step = 1;
		arm_timeout(h, p);
		http_send(h, p);
		return;
	}
	if (errno != EINPROGRESS) {
		if (errno == EADDRNOTAVAIL || errno == EAGAIN)
			defer(h, p); /* out of ephemeral ports */
		else
			finish(h, p, false, "connect: %s", strerror(errno));
		return;
	}
	if (ep_want(h, p, EPOLLOUT) < 0) { /* ENOMEM, ENOSPC (max_user_watches) */
		defer(h, p);
		return;
	}
	arm_timeout(h, p);
}

static void stream_io(struct lvs_health_engine *h, struct hc_probe *p, uint32_t events)
{
	if (p->step == 0) {
		/* EPOLLOUT alone means connected: no getsockopt on the fast path */
		if (events & (EPOLLERR | EPOLLHUP)) {
			int err = sock_error(p->fd);
			finish(h, p, false, "connect: %s", err ? strerror(err) : "connection failed");
			return;
		}
		if (!(events & EPOLLOUT))
			return;
		if (p->spec.type == LVS_CHECK_TCP) {
			finish(h, p, true, NULL);
			return;
		}
		p->step = 1;
	}
	if (p->step == 1)
		http_send(h, p);
	else
		http_recv(h, p);
}

static void udp_start(struct lvs_health_engine *h, struct hc_probe *p)
{
	if (!probe_socket(h, p, SOCK_DGRAM))
		return;
	/* connected: the kernel then reports ICMP port unreachable to us as
	 * ECONNREFUSED */
	if (connect(p->fd, (struct sockaddr *)&p->sa, p->salen) < 0) {
		finish(h, p, false, "connect: %s", strerror(errno));
		return;
	}
	if (send(p->fd, p->spec.udp_payload ? p->spec.udp_payload : "", p->spec.udp_payload_len,
	         MSG_NOSIGNAL) < 0) {
		if (errno == ECONNREFUSED)
			finish(h, p, false, "ICMP port unreachable");
		else
			finish(h, p, false, "send: %s", strerror(errno));
		return;
	}
	if (ep_want(h, p, EPOLLIN) < 0) {
		defer(h, p);
		return;
	}
	arm_timeout(h, p);
}

static void udp_io(struct lvs_health_engine *h, struct hc_probe *p)
{
	ssize_t n = recv(p->fd, h->scratch, 16384, 0);
	if (n < 0) {
		if (errno == ECONNREFUSED)
			finish(h, p, false, "ICMP port unreachable");
		else if (errno != EAGAIN && errno != EINTR)
			finish(h, p, false, "recv: %s", strerror(errno));
		return;
	}
	const char *want = p->spec.udp_expect;
	if (want && !memmem(h->scratch, (size_t)n, want, strlen(want)))
		finish(h, p, false, "reply lacks \"%s\"", want);
	else
		finish(h, p, true, NULL);
}

static void exec_start(struct lvs_health_engine *h, struct hc_probe *p)
{
	posix_spawnattr_t at;
	posix_spawn_file_actions_t fa;
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_init(&fa);
	/* own process group: a timeout kills the command and its children */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
	                                      POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	/* the daemon's other fds (sockets, logs) are none of the command's
	 * business, whether or not their owner set CLOEXEC */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	pid_t pid;
	int err = posix_spawnp(&pid, p->argv[0], &fa, &at, p->argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (err) {
		if (err == EAGAIN || err == ENOMEM || err == EMFILE || err == ENFILE)
			defer(h, p); /* process or descriptor limits: ours */
		else
			finish(h, p, false, "exec %s: %s", p->argv[0], strerror(err));
		return;
	}
	p->pid = pid;
	p->fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p->fd >= 0 && ep_want(h, p, EPOLLIN) < 0) {
		close(p->fd);
		p->fd = -1;
	}
	if (p->fd < 0) {
		/* no pidfd: poll for the exit */
		int64_t poll = p->started + HC_REAP_POLL_NS, to = p->started + p->timeout_ns;
		heap_set(h, p, poll < to ? poll : to);
		return;
	}
	arm_timeout(h, p);
}

/* 1 when the command was reaped (and the verdict given), else 0. */
static int exec_reap(struct lvs_health_engine *h, struct hc_probe *p)
{
	int st;
	pid_t r = waitpid(p->pid, &st, WNOHANG);
	if (r == 0 || (r < 0 && errno == EINTR))
		return 0;
	char buf[48];
	if (r < 0)
		finish(h, p, false, "waitpid: %s", strerror(errno));
	else if (p->phase == HC_KILLING)
		finish(h, p, false, "%s", timeout_text(p, buf, sizeof(buf)));
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		finish(h, p, true, NULL);
	else if (WIFEXITED(st))
		finish(h, p, false, "exit %d", WEXITSTATUS(st));
	else
		finish(h, p, false, "killed by signal %d", WTERMSIG(st));
	return 1;
}

static void attempt_run(struct lvs_health_engine *h, struct hc_probe *p);

static void attempt_start(struct lvs_health_engine *h, struct hc_probe *p)
{
	/* behind the queue, not past it: a probe that just finished would
	 * otherwise take its own slot back and starve the waiting ones */
	if (h->opts.max_running && (h->running_n >= h->opts.max_running || h->q_head)) {
		heap_remove(h, p);
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
	p->started = hc_mono_ns();
	if (p->attempt == 0)
		p->round_start = p->started;
	p->phase = HC_RUNNING;
	h->running_n++;
	switch (p->spec.type) {
	case LVS_CHECK_TCP:
	case LVS_CHECK_HTTP:
		stream_start(h, p);
		break;
	case LVS_CHECK_UDP:
		udp_start(h, p);
		break;
	case LVS_CHECK_EXEC:
		exec_start(h, p);
		break;
	}
}

static void on_timer(struct lvs_health_engine *h, struct hc_probe *p, int64_t now)
{
	char buf[48];
	switch (p->phase) {
	case HC_IDLE:
		attempt_start(h, p);
		return;
	case HC_RUNNING:
		if (p->spec.type == LVS_CHECK_EXEC) {
			if (p->fd < 0 && exec_reap(h, p))
				return;
			if (now < p->started + p->timeout_ns) { /* polling without a pidfd */
				int64_t poll = now + HC_REAP_POLL_NS, to = p->started + p->timeout_ns;
				heap_set(h, p, poll < to ? poll : to);
				return;
			}
			kill(-p->pid, SIGKILL);
			p->phase = HC_KILLING;
			if (p->fd >= 0)
				heap_remove(h, p); /* the pidfd tells when it is gone */
			else
				heap_set(h, p, now + HC_REAP_POLL_NS);
			return;
		}
		if (p->spec.type == LVS_CHECK_UDP && p->spec.udp_no_icmp)
			finish(h, p, true, NULL);
		else
			finish(h, p, false, "%s", timeout_text(p, buf, sizeof(buf)));
		return;
	case HC_KILLING:
		if (!exec_reap(h, p))
			heap_set(h, p, now + HC_REAP_POLL_NS);
		return;
	default:
		heap_remove(h, p);
		return;
	}
}

static void on_io(struct lvs_health_engine *h, struct hc_probe *p, uint32_t events)
{
	if (p->phase != HC_RUNNING && p->phase != HC_KILLING)
		return;
	switch (p->spec.type) {
	case LVS_CHECK_TCP:
	case LVS_CHECK_HTTP:
		stream_io(h, p, events);
		break;
	case LVS_CHECK_UDP:
		udp_io(h, p);
		break;
	case LVS_CHECK_EXEC:
		exec_reap(h, p);
		break;
	}
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
	int64_t now = hc_mono_ns();
	for (struct hc_probe *p = h->probes, *next; p; p = next) {
		next = p->next;
		if (!p->keep) {
			probe_cancel(h, p);
			heap_remove(h, p);
			tab_del(h, p);
			list_del(h, p);
			probe_free(p);
		} else if (p->fresh) {
			heap_set(h, p, now + p->first_ns);
		}
	}
	hc_set_free(old);
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
	int64_t now = hc_mono_ns();
	/* the queue first, in one pass: probe_cancel would search it for each */
	for (struct hc_probe *p = h->q_head, *next; p; p = next) {
		next = p->qnext;
		p->qnext = NULL;
		p->phase = HC_IDLE;
		heap_set(h, p, now);
	}
	h->q_head = h->q_tail = NULL;
	for (struct hc_probe *p = h->probes; p; p = p->next) {
		bool busy = p->phase != HC_IDLE;
		probe_cancel(h, p);
		/* abandoned attempts are due again as soon as the engine runs */
		if (busy)
			heap_set(h, p, now);
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
	while (!__atomic_load_n(&h->stop, __ATOMIC_SEQ_CST)) {
		int timeout = -1;
		if (h->heap_len) {
			int64_t d = h->heap[0]->deadline - hc_mono_ns();
			/* round up: waking early would only spin */
			timeout = d <= 0 ? 0 : d >= (int64_t)INT_MAX * 1000000 ? INT_MAX
			                                                      : (int)((d + 999999) / 1000000);
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
		int64_t now = hc_mono_ns();
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
		struct hc_set *pending = h->pending;
		h->pending = NULL;
		uint64_t seq = h->req_seq;
		pthread_mutex_unlock(&h->lock);
		if (pending || seq != h->applied_seq) {
			int err = pending ? hc_apply(h, pending) : 0;
			if (err < 0)
				hc_set_free(pending);
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
