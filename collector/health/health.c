/* Health-check engine: the interface side. Specs are validated, normalised
 * (defaults filled in, unused fields cleared) and deep-copied here, so that
 * identity comparison for deduplication is a plain field comparison; the
 * engine thread (loop.c) applies sets and runs probes. */
#include "collector/health.h"
#include "collector/snapshot.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "health_int.h"

#define HC_ARGV_MAX 64
#define HC_UDP_PAYLOAD_MAX 65507
#define HC_TIME_MAX 86400.0 /* a day: anything longer is a typo */

int64_t hc_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double hc_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- specs ---------------------------------------------------------------- */

void health_spec_init(struct lvs_check_spec *s, uint16_t af, const union lvs_addr *addr,
                      uint16_t port)
{
	memset(s, 0, sizeof(*s));
	s->af = af;
	if (addr)
		s->addr = *addr;
	s->port = port;
	s->type = LVS_CHECK_TCP;
	s->interval = LVS_CHECK_INTERVAL;
	s->timeout = LVS_CHECK_TIMEOUT;
	s->retry_delay = LVS_CHECK_RETRY_DELAY;
	s->rise = LVS_CHECK_RISE;
	s->fall = LVS_CHECK_FALL;
}

static const char *const type_names[] = {
	[LVS_CHECK_TCP] = "tcp",
	[LVS_CHECK_HTTP] = "http",
	[LVS_CHECK_UDP] = "udp",
	[LVS_CHECK_EXEC] = "exec",
};

const char *health_type_name(enum lvs_check_type t)
{
	if ((unsigned)t < sizeof(type_names) / sizeof(type_names[0]))
		return type_names[t];
	return "?";
}

int health_type_parse(const char *name)
{
	for (size_t i = 0; name && i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcasecmp(name, type_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

static int bad(char *msg, size_t len, const char *fmt, ...)
{
	if (msg && len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool af_ok(uint16_t af)
{
	return af == AF_INET || af == AF_INET6;
}

static bool time_ok(double t)
{
	return isfinite(t) && t >= 0 && t <= HC_TIME_MAX;
}

/* Header text must not break the request it goes into. */
static bool header_safe(const char *s)
{
	return !strpbrk(s, "\r\n");
}

int health_spec_check(const struct lvs_check_spec *s, char *msg, size_t len)
{
	if (!af_ok(s->af))
		return bad(msg, len, "address family %u is neither IPv4 nor IPv6", s->af);
	if ((unsigned)s->type > LVS_CHECK_EXEC)
		return bad(msg, len, "unknown check type %d", (int)s->type);
	if (s->target_af && !af_ok(s->target_af))
		return bad(msg, len, "target address family %u is neither IPv4 nor IPv6",
		           s->target_af);
	if (s->type != LVS_CHECK_EXEC && !s->port && !s->target_port)
		return bad(msg, len, "a %s check needs a port (the real server's is 0)",
		           health_type_name(s->type));
	if (s->per_service && !af_ok(s->svc_af))
		return bad(msg, len, "service address family %u is neither IPv4 nor IPv6",
		           s->svc_af);
	if (!time_ok(s->interval))
		return bad(msg, len, "interval %g is not between 0 and %g s", s->interval, HC_TIME_MAX);
	if (!time_ok(s->timeout))
		return bad(msg, len, "timeout %g is not between 0 and %g s", s->timeout, HC_TIME_MAX);
	if (!time_ok(s->retry_delay))
		return bad(msg, len, "retry delay %g is not between 0 and %g s", s->retry_delay,
		           HC_TIME_MAX);
	if (!time_ok(s->warmup))
		return bad(msg, len, "warm-up %g is not between 0 and %g s", s->warmup, HC_TIME_MAX);
	if (s->rise > 1000 || s->fall > 1000 || s->retry > 1000)
		return bad(msg, len, "rise, fall and retry must be at most 1000");
	switch (s->type) {
	case LVS_CHECK_HTTP:
		if (s->http_request) {
			if (!*s->http_request)
				return bad(msg, len, "the HTTP request is empty");
			break;
		}
		if (s->http_path && (s->http_path[0] != '/' || strpbrk(s->http_path, " \t\r\n")))
			return bad(msg, len, "HTTP path \"%s\" must start with / and hold no blanks",
			           s->http_path);
		if (s->http_host && (!*s->http_host || !header_safe(s->http_host)))
			return bad(msg, len, "HTTP host must be one non-empty line");
		if (s->http_status && (s->http_status < 100 || s->http_status > 599))
			return bad(msg, len, "HTTP status %d is not between 100 and 599",
			           s->http_status);
		if (s->http_expect && !*s->http_expect)
			return bad(msg, len, "the expected HTTP body text is empty");
		break;
	case LVS_CHECK_UDP:
		if (s->udp_payload_len > HC_UDP_PAYLOAD_MAX)
			return bad(msg, len, "UDP payload of %zu bytes exceeds %d", s->udp_payload_len,
			           HC_UDP_PAYLOAD_MAX);
		if (s->udp_payload_len && !s->udp_payload)
			return bad(msg, len, "UDP payload length without a payload");
		if (s->udp_expect && !*s->udp_expect)
			return bad(msg, len, "the expected UDP reply text is empty");
		break;
	case LVS_CHECK_EXEC: {
		if (!s->exec_argv || !s->exec_argv[0] || !*s->exec_argv[0])
			return bad(msg, len, "an exec check needs a command");
		size_t n = 0;
		while (s->exec_argv[n])
			n++;
		if (n > HC_ARGV_MAX)
			return bad(msg, len, "an exec command takes at most %d arguments", HC_ARGV_MAX);
		break;
	}
	default:
		break;
	}
	return 0;
}

/* The identity and the timing after defaults; fields the type does not use
 * are cleared, so that they cannot split identical probes. */
static void normalise(struct lvs_check_spec *d, const struct lvs_check_spec *s)
{
	*d = *s;
	size_t alen = s->af == AF_INET ? 4 : 16;
	memset(&d->addr, 0, sizeof(d->addr));
	memcpy(&d->addr, &s->addr, alen);
	if (!d->per_service) {
		d->svc_af = d->svc_protocol = d->svc_port = 0;
		d->svc_fwmark = 0;
		memset(&d->svc_addr, 0, sizeof(d->svc_addr));
	} else {
		union lvs_addr a;
		memset(&a, 0, sizeof(a));
		memcpy(&a, &s->svc_addr, s->svc_af == AF_INET ? 4 : 16);
		d->svc_addr = a;
	}
	if (!s->target_af) {
		d->target_af = d->af;
		d->target_addr = d->addr;
	} else {
		memset(&d->target_addr, 0, sizeof(d->target_addr));
		memcpy(&d->target_addr, &s->target_addr, s->target_af == AF_INET ? 4 : 16);
	}
	if (!d->target_port)
		d->target_port = d->port;
	if (d->interval == 0)
		d->interval = LVS_CHECK_INTERVAL;
	if (d->timeout == 0)
		d->timeout = LVS_CHECK_TIMEOUT;
	if (d->retry_delay == 0)
		d->retry_delay = LVS_CHECK_RETRY_DELAY;
	if (!d->retry)
		d->retry_delay = LVS_CHECK_RETRY_DELAY; /* unused: do not split on it */
	if (!d->rise)
		d->rise = LVS_CHECK_RISE;
	if (!d->fall)
		d->fall = LVS_CHECK_FALL;
	if (d->type != LVS_CHECK_HTTP) {
		d->http_path = d->http_host = d->http_request = d->http_expect = NULL;
		d->http_status = 0;
	} else if (d->http_request) {
		d->http_path = d->http_host = NULL;
	} else if (!d->http_path) {
		d->http_path = "/";
	}
	if (d->type != LVS_CHECK_UDP) {
		d->udp_payload = NULL;
		d->udp_payload_len = 0;
		d->udp_expect = NULL;
		d->udp_no_icmp = false;
	}
	if (d->type != LVS_CHECK_EXEC)
		d->exec_argv = NULL;
}

static size_t str_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static char *put_str(char **at, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *r = memcpy(*at, s, n);
	*at += n;
	return r;
}

int hc_spec_copy(struct lvs_check_spec *dst, char **blob, const struct lvs_check_spec *src)
{
	struct lvs_check_spec n;
	normalise(&n, src);
	size_t argc = 0, size = 0;
	if (n.exec_argv) {
		while (n.exec_argv[argc])
			size += strlen(n.exec_argv[argc++]) + 1;
		size += (argc + 1) * sizeof(char *);
	}
	size += str_size(n.http_path) + str_size(n.http_host) + str_size(n.http_request) +
	        str_size(n.http_expect) + str_size(n.udp_expect) + n.udp_payload_len;
	*blob = NULL;
	if (size) {
		/* pointers first: the blob is malloc-aligned */
		char *b = malloc(size);
		if (!b)
			return -ENOMEM;
		char *at = b;
		if (n.exec_argv) {
			const char **argv = (const char **)(void *)at;
			at += (argc + 1) * sizeof(char *);
			for (size_t i = 0; i < argc; i++)
				argv[i] = put_str(&at, n.exec_argv[i]);
			argv[argc] = NULL;
			n.exec_argv = argv;
		}
		n.http_path = put_str(&at, n.http_path);
		n.http_host = put_str(&at, n.http_host);
		n.http_request = put_str(&at, n.http_request);
		n.http_expect = put_str(&at, n.http_expect);
		n.udp_expect = put_str(&at, n.udp_expect);
		if (n.udp_payload_len) {
			n.udp_payload = memcpy(at, n.udp_payload, n.udp_payload_len);
			at += n.udp_payload_len;
		} else {
			n.udp_payload = NULL;
		}
		*blob = b;
	}
	*dst = n;
	return 0;
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Both normalised. The real server judged, the service scope and `user`
 * are left out on purpose: they say where a result goes, not what runs. */
bool hc_spec_same(const struct lvs_check_spec *a, const struct lvs_check_spec *b)
{
	if (a->type != b->type || a->target_af != b->target_af || a->target_port != b->target_port ||
	    memcmp(&a->target_addr, &b->target_addr, sizeof(a->target_addr)) != 0 ||
	    a->interval != b->interval || a->timeout != b->timeout ||
	    a->retry_delay != b->retry_delay || a->warmup != b->warmup || a->rise != b->rise ||
	    a->fall != b->fall || a->retry != b->retry)
		return false;
	switch (a->type) {
	case LVS_CHECK_HTTP:
		return a->http_status == b->http_status && str_eq(a->http_path, b->http_path) &&
		       str_eq(a->http_host, b->http_host) &&
		       str_eq(a->http_request, b->http_request) &&
		       str_eq(a->http_expect, b->http_expect);
	case LVS_CHECK_UDP:
		return a->udp_no_icmp == b->udp_no_icmp && a->udp_payload_len == b->udp_payload_len &&
		       (!a->udp_payload_len ||
		        memcmp(a->udp_payload, b->udp_payload, a->udp_payload_len) == 0) &&
		       str_eq(a->udp_expect, b->udp_expect);
	case LVS_CHECK_EXEC: {
		size_t i = 0;
		for (; a->exec_argv[i] && b->exec_argv[i]; i++)
			if (strcmp(a->exec_argv[i], b->exec_argv[i]) != 0)
				return false;
		return !a->exec_argv[i] && !b->exec_argv[i];
	}
	default:
		return true;
	}
}

/* FNV-1a, 64-bit */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	return s ? fnv(h, s, strlen(s) + 1) : fnv(h, "", 1);
}

uint64_t hc_spec_key(const struct lvs_check_spec *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	int t = s->type;
	h = fnv(h, &t, sizeof(t));
	h = fnv(h, &s->target_af, sizeof(s->target_af));
	h = fnv(h, &s->target_port, sizeof(s->target_port));
	h = fnv(h, &s->target_addr, sizeof(s->target_addr));
	double tm[4] = {s->interval, s->timeout, s->retry_delay, s->warmup};
	h = fnv(h, tm, sizeof(tm));
	uint32_t c[3] = {s->rise, s->fall, s->retry};
	h = fnv(h, c, sizeof(c));
	h = fnv_str(h, s->http_path);
	h = fnv_str(h, s->http_request);
	h = fnv_str(h, s->http_expect);
	if (s->udp_payload_len)
		h = fnv(h, s->udp_payload, s->udp_payload_len);
	for (size_t i = 0; s->exec_argv && s->exec_argv[i]; i++)
		h = fnv_str(h, s->exec_argv[i]);
	return h;
}

/* --- sets ------------------------------------------------------------------ */

static uint32_t rs_hash(uint16_t af, const union lvs_addr *a, uint16_t port)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	h = fnv(h, &af, sizeof(af));
	h = fnv(h, a, af == AF_INET ? 4 : 16);
	h = fnv(h, &port, sizeof(port));
	return (uint32_t)(h ^ (h >> 32));
}

void hc_set_free(struct hc_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; set->blobs && i < set->n; i++)
		free(set->blobs[i]);
	free(set->blobs);
	free(set->specs);
	free(set->probe);
	free(set->next_user);
	free(set->rs_bucket);
	free(set->rs_next);
	free(set);
}

static struct hc_set *set_build(const struct lvs_check_spec *specs, size_t n)
{
	struct hc_set *set = calloc(1, sizeof(*set));
	if (!set)
		return NULL;
	size_t nb = 16;
	while (nb < 2 * n)
		nb <<= 1;
	set->n = n;
	set->specs = calloc(n ? n : 1, sizeof(*set->specs));
	set->blobs = calloc(n ? n : 1, sizeof(*set->blobs));
	set->probe = calloc(n ? n : 1, sizeof(*set->probe));
	set->next_user = calloc(n ? n : 1, sizeof(*set->next_user));
	set->rs_next = calloc(n ? n : 1, sizeof(*set->rs_next));
	set->rs_bucket = malloc(nb * sizeof(*set->rs_bucket));
	if (!set->specs || !set->blobs || !set->probe || !set->next_user || !set->rs_next ||
	    !set->rs_bucket)
		goto err;
	set->rs_mask = (uint32_t)(nb - 1);
	memset(set->rs_bucket, 0xff, nb * sizeof(*set->rs_bucket));
	for (size_t i = 0; i < n; i++) {
		if (hc_spec_copy(&set->specs[i], &set->blobs[i], &specs[i]) < 0)
			goto err;
		const struct lvs_check_spec *s = &set->specs[i];
		uint32_t b = rs_hash(s->af, &s->addr, s->port) & set->rs_mask;
		set->rs_next[i] = set->rs_bucket[b];
		set->rs_bucket[b] = (uint32_t)i;
	}
	return set;
err:
	hc_set_free(set);
	return NULL;
}

/* --- lifetime -------------------------------------------------------------- */

lvs_health *health_new(const struct lvs_health_opts *opts)
{
	struct lvs_health_engine *h = calloc(1, sizeof(*h));
	if (!h) {
		errno = ENOMEM;
		return NULL;
	}
	if (opts)
		h->opts = *opts;
	h->history = h->opts.history ? h->opts.history : LVS_HEALTH_HISTORY;
	h->ep = h->wake = -1;
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->ctl, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->applied_cv, &ca);
	pthread_condattr_destroy(&ca);
	int err = 0;
	h->ep = epoll_create1(EPOLL_CLOEXEC);
	if (h->ep < 0)
		goto err;
	h->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (h->wake < 0)
		goto err;
	/* data.ptr NULL marks the wake-up fd: probes are never NULL */
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	if (epoll_ctl(h->ep, EPOLL_CTL_ADD, h->wake, &ev) < 0)
		goto err;
	h->scratch = malloc(16384);
	h->set = set_build(NULL, 0);
	if (!h->scratch || !h->set) {
		errno = ENOMEM;
		goto err;
	}
	return h;
err:
	err = errno;
	health_free(h);
	errno = err;
	return NULL;
}

void health_free(lvs_health *h)
{
	if (!h)
		return;
	health_stop(h);
	hc_cancel_all(h);
	hc_probes_free(h);
	hc_set_free(h->set);
	hc_set_free(h->pending);
	free(h->heap);
	free(h->tab);
	free(h->scratch);
	if (h->ep >= 0)
		close(h->ep);
	if (h->wake >= 0)
		close(h->wake);
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->ctl);
	pthread_cond_destroy(&h->applied_cv);
	free(h);
}

static void wake(lvs_health *h)
{
	uint64_t one = 1;
	/* EAGAIN means the counter is already non-zero: the wake is pending */
	if (write(h->wake, &one, sizeof(one)) < 0) {
	}
}

int health_set_checks(lvs_health *h, const struct lvs_check_spec *specs, size_t n)
{
	if (n > UINT32_MAX - 1)
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		if (health_spec_check(&specs[i], NULL, 0) < 0)
			return -EINVAL;
	struct hc_set *set = set_build(specs, n);
	if (!set)
		return -ENOMEM;

	if (hc_engine_self == h) {
		/* From on_change: the engine applies it after this round's
		 * callbacks, before starting anything else. */
		pthread_mutex_lock(&h->lock);
		hc_set_free(h->pending);
		h->pending = set;
		h->req_seq++;
		pthread_mutex_unlock(&h->lock);
		return 0;
	}

	pthread_mutex_lock(&h->ctl);
	int err;
	if (!h->running) {
		err = hc_apply(h, set);
		if (err < 0)
			hc_set_free(set);
	} else {
		pthread_mutex_lock(&h->lock);
		hc_set_free(h->pending);
		h->pending = set;
		uint64_t seq = ++h->req_seq;
		wake(h);
		while (h->applied_seq < seq)
			pthread_cond_wait(&h->applied_cv, &h->lock);
		err = h->apply_err;
		pthread_mutex_unlock(&h->lock);
	}
	pthread_mutex_unlock(&h->ctl);
	return err;
}

int health_start(lvs_health *h)
{
	pthread_mutex_lock(&h->ctl);
	int err = 0;
	if (h->running) {
		err = -EALREADY;
	} else {
		__atomic_store_n(&h->stop, 0, __ATOMIC_SEQ_CST);
		err = -pthread_create(&h->thread, NULL, hc_thread, h);
		if (!err)
			h->running = true;
	}
	pthread_mutex_unlock(&h->ctl);
	return err;
}

void health_stop(lvs_health *h)
{
	pthread_mutex_lock(&h->ctl);
	if (h->running) {
		__atomic_store_n(&h->stop, 1, __ATOMIC_SEQ_CST);
		wake(h);
		pthread_join(h->thread, NULL);
		h->running = false;
		/* a set handed over as the engine stopped is applied here */
		pthread_mutex_lock(&h->lock);
		struct hc_set *p = h->pending;
		h->pending = NULL;
		pthread_mutex_unlock(&h->lock);
		if (p && hc_apply(h, p) < 0)
			hc_set_free(p);
	}
	pthread_mutex_unlock(&h->ctl);
}

/* --- results ----------------------------------------------------------------- */

size_t health_count(lvs_health *h)
{
	pthread_mutex_lock(&h->lock);
	size_t n = h->set->n;
	pthread_mutex_unlock(&h->lock);
	return n;
}

static void result_copy(struct lvs_check_result *out, const struct hc_probe *p)
{
	out->state = p->state;
	out->since = p->since;
	out->last = p->last;
	out->seconds = p->seconds;
	out->ok_run = p->ok_run;
	out->fail_run = p->fail_run;
	out->checks = p->checks;
	out->failures = p->failures;
	out->shared = p->users;
	memcpy(out->error, p->error, sizeof(out->error));
}

int health_result(lvs_health *h, size_t i, struct lvs_check_result *out)
{
	int err = -ENOENT;
	pthread_mutex_lock(&h->lock);
	if (i < h->set->n && h->set->probe[i]) {
		result_copy(out, h->set->probe[i]);
		err = 0;
	}
	pthread_mutex_unlock(&h->lock);
	return err;
}

size_t health_history(lvs_health *h, size_t i, struct lvs_check_sample *out, size_t max)
{
	size_t n = 0;
	pthread_mutex_lock(&h->lock);
	if (i < h->set->n && h->set->probe[i]) {
		const struct hc_probe *p = h->set->probe[i];
		n = p->ring_count < max ? p->ring_count : max;
		uint32_t cap = h->history;
		/* the newest n, oldest first */
		uint32_t start = (p->ring_head + cap - (uint32_t)n) % cap;
		for (size_t k = 0; k < n; k++)
			out[k] = p->ring[(start + k) % cap];
	}
	pthread_mutex_unlock(&h->lock);
	return n;
}

void health_stats(lvs_health *h, struct lvs_health_stats *st)
{
	pthread_mutex_lock(&h->lock);
	*st = h->st;
	st->specs = h->set->n;
	pthread_mutex_unlock(&h->lock);
}

/* --- snapshot ------------------------------------------------------------------ */

static int severity(enum lvs_health s)
{
	return s == LVS_HEALTH_DOWN ? 2 : s == LVS_HEALTH_UNKNOWN ? 1 : 0;
}

static bool addr_eq(uint16_t af, const union lvs_addr *a, const union lvs_addr *b)
{
	return memcmp(a, b, af == AF_INET ? 4 : 16) == 0;
}

static bool scope_ok(const struct lvs_check_spec *s, const struct lvs_service *svc)
{
	if (!s->per_service)
		return true;
	return s->svc_af == svc->af && s->svc_protocol == svc->protocol &&
	       s->svc_port == svc->port && s->svc_fwmark == svc->fwmark &&
	       addr_eq(svc->af, &s->svc_addr, &svc->addr);
}

static void annotate_dest(const struct hc_set *set, struct lvs_snapshot *snap,
                          const struct lvs_service *svc, struct lvs_dest *d)
{
	uint32_t b = rs_hash(d->af, &d->addr, d->port) & set->rs_mask;
	bool any = false;
	int worst = -1;
	for (uint32_t i = set->rs_bucket[b]; i != HC_NONE; i = set->rs_next[i]) {
		const struct lvs_check_spec *s = &set->specs[i];
		if (s->af != d->af || s->port != d->port || !addr_eq(d->af, &s->addr, &d->addr) ||
		    !scope_ok(s, svc))
			continue;
		const struct hc_probe *p = set->probe[i];
		if (!p)
			continue;
		if (!any) {
			any = true;
			d->check_seconds = 0;
			d->health_since = 0;
			d->health_error = 0;
		}
		int sev = severity(p->state);
		if (sev > worst) {
			worst = sev;
			d->health = (int8_t)p->state;
		}
		if (p->seconds > d->check_seconds)
			d->check_seconds = p->seconds;
		if (p->since > d->health_since)
			d->health_since = p->since;
		/* The model keeps less text than we do: cut it. Without memory
		 * the reason stays empty; the state is right all the same. */
		if (!d->health_error && p->error[0] &&
		    snapshot_add_text(snap, p->error,
				      LVS_DEST_ERROR_MAX < sizeof(p->error) ? LVS_DEST_ERROR_MAX
									: sizeof(p->error),
				      &d->health_error))
			d->health_error = 0;
	}
}

void health_annotate(void *arg, struct lvs_snapshot *s)
{
	lvs_health *h = arg;
	pthread_mutex_lock(&h->lock);
	const struct hc_set *set = h->set;
	if (set->n) {
		for (size_t i = 0; i < s->n_services; i++) {
			struct lvs_service *svc = &s->services[i];
			for (size_t j = 0; j < svc->n_dests; j++)
				annotate_dest(set, s, svc, &svc->dests[j]);
		}
	}
	pthread_mutex_unlock(&h->lock);
}

/* --- the default set ------------------------------------------------------------ */

static int dest_cmp(const void *a, const void *b)
{
	const struct lvs_dest *x = *(const struct lvs_dest *const *)a;
	const struct lvs_dest *y = *(const struct lvs_dest *const *)b;
	if (x->af != y->af)
		return x->af < y->af ? -1 : 1;
	int c = memcmp(&x->addr, &y->addr, x->af == AF_INET ? 4 : 16);
	if (c)
		return c;
	return (x->port > y->port) - (x->port < y->port);
}

int health_specs_for_snapshot(const struct lvs_snapshot *snap, const struct lvs_check_spec *tmpl,
                              struct lvs_check_spec **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	size_t total = snap ? snap->n_dests : 0;
	if (!total)
		return 0;
	const struct lvs_dest **v = malloc(total * sizeof(*v));
	struct lvs_check_spec *specs = malloc(total * sizeof(*specs));
	if (!v || !specs) {
		free(v);
		free(specs);
		return -ENOMEM;
	}
	for (size_t i = 0; i < total; i++)
		v[i] = &snap->dests[i];
	qsort(v, total, sizeof(*v), dest_cmp);
	size_t k = 0;
	for (size_t i = 0; i < total; i++) {
		if (i && dest_cmp(&v[i - 1], &v[i]) == 0)
			continue;
		struct lvs_check_spec *s = &specs[k++];
		if (tmpl)
			*s = *tmpl;
		else
			health_spec_init(s, 0, NULL, 0);
		s->af = v[i]->af;
		s->addr = v[i]->addr;
		s->port = v[i]->port;
		s->per_service = false;
		/* a firewall-mark real server may have port 0: nothing to connect to
		 * unless the template names a port */
		if (health_spec_check(s, NULL, 0) < 0)
			k--;
	}
	free(v);
	*out = specs;
	*n = k;
	return 0;
}
