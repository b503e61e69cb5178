/* Health-check engine: the interface side. Sets of specs are built here
 * (spec.c normalises each) and handed to the engine thread (loop.c), which
 * applies them and runs the probes; results are read back under the lock,
 * and annotate copies them out before it writes a snapshot. */
#include "collector/health.h"
#include "collector/snapshot.h"
#include "share/clock.h"
#include "share/vec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "health_int.h"

int64_t hc_mono_ns(const struct lvs_health_engine *h)
{
	return lvs_clock_ns(&h->clock);
}

double hc_wall(const struct lvs_health_engine *h)
{
	(void)h;
	return clock_wall_s();
}

/* --- reasons -------------------------------------------------------------- */

static const char *const reason_names[LVS_HR_COUNT] = {
	[LVS_HR_NONE] = "",
	[LVS_HR_REFUSED] = "connection refused",
	[LVS_HR_TIMEOUT_CONNECT] = "timeout connect",
	[LVS_HR_TIMEOUT_TLS] = "timeout tls handshake",
	[LVS_HR_TIMEOUT_SEND] = "timeout send",
	[LVS_HR_TIMEOUT_RESPONSE] = "timeout response",
	[LVS_HR_TIMEOUT_EXEC] = "timeout exec",
	[LVS_HR_NO_ROUTE] = "no route",
	[LVS_HR_RESET] = "connection reset",
	[LVS_HR_NET_ERROR] = "network error",
	[LVS_HR_TLS] = "tls failure",
	[LVS_HR_HTTP_STATUS] = "http status",
	[LVS_HR_BAD_RESPONSE] = "bad response",
	[LVS_HR_EXPECT] = "expected text not found",
	[LVS_HR_UNREACHABLE] = "icmp unreachable",
	[LVS_HR_DNS_RCODE] = "dns rcode",
	[LVS_HR_DNS_ANSWER] = "dns answer mismatch",
	[LVS_HR_EXIT] = "exit status",
	[LVS_HR_SIGNAL] = "killed by signal",
	[LVS_HR_EXEC_FAILED] = "exec failed",
	[LVS_HR_LOCAL] = "local error",
};

const char *health_reason_name(unsigned reason)
{
	return reason < LVS_HR_COUNT ? reason_names[reason] : "?";
}

const char *health_reason_label(unsigned reason, unsigned code, char *buf, size_t len)
{
	if (reason == LVS_HR_HTTP_STATUS && code >= 100 && code <= 599)
		snprintf(buf, len, "http %u", code);
	else
		snprintf(buf, len, "%s", health_reason_name(reason));
	return buf;
}

int health_reason_parse(const char *label, unsigned *reason, unsigned *code)
{
	unsigned st;
	char end;
	if (sscanf(label, "http %3u%c", &st, &end) == 1 && st >= 100 && st <= 599 &&
	    strlen(label) == 8) {
		*reason = LVS_HR_HTTP_STATUS;
		*code = st;
		return 0;
	}
	for (unsigned i = 0; i < LVS_HR_COUNT; i++)
		if (!strcmp(label, reason_names[i])) {
			*reason = i;
			*code = 0;
			return 0;
		}
	return -EINVAL;
}

const char *health_reason_text(const struct lvs_check_result *r, char *buf, size_t len)
{
	char label[32];
	health_reason_label(r->reason, r->reason_code, label, sizeof(label));
	if (r->error[0] && strcmp(r->error, label) != 0)
		snprintf(buf, len, "%s (%s)", label, r->error);
	else
		snprintf(buf, len, "%s", label);
	return buf;
}

/* --- sets ------------------------------------------------------------------ */

static uint32_t rs_hash(uint16_t af, const union lvs_addr *a, uint16_t port)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	h = hc_fnv(h, &af, sizeof(af));
	h = hc_fnv(h, a, af == AF_INET ? 4 : 16);
	h = hc_fnv(h, &port, sizeof(port));
	return (uint32_t)(h ^ (h >> 32));
}

void hc_tmpl_unref(struct hc_tmpl *t)
{
	if (!t || atomic_fetch_sub(&t->refs, 1) != 1)
		return;
	if (t->prepared && t->kind->tmpl_release)
		t->kind->tmpl_release(t);
	free(t->blob);
	free(t);
}

void hc_set_unref(struct lvs_check_set *set)
{
	if (!set || atomic_fetch_sub(&set->refs, 1) != 1)
		return;
	for (size_t i = 0; i < set->n_tmpls; i++)
		hc_tmpl_unref(set->tmpls[i]);
	free(set->tmpls);
	free(set->tmpl_bucket);
	free(set->ents);
	free(set->probe);
	free(set->next_user);
	free(set->rs_bucket);
	free(set->rs_next);
	free(set);
}

void hc_set_spec(const struct lvs_check_set *set, size_t i, struct lvs_check_spec *out)
{
	const struct hc_ent *e = &set->ents[i];
	*out = set->tmpls[e->tmpl]->spec;
	out->af = e->af;
	out->port = e->port;
	out->addr = e->addr;
	/* as hc_spec_copy's normal form: the target defaults to the real server */
	if (!out->target_af) {
		out->target_af = e->af;
		out->target_addr = e->addr;
	}
	if (!out->target_port)
		out->target_port = e->port;
}

struct lvs_check_set *health_set_new(void)
{
	struct lvs_check_set *set = calloc(1, sizeof(*set));
	if (set)
		atomic_init(&set->refs, 1);
	return set;
}

void health_set_free(struct lvs_check_set *set)
{
	hc_set_unref(set);
}

size_t health_set_size(const struct lvs_check_set *set)
{
	return set->n;
}

/* Templates are told apart by what runs and by where results go (scope,
 * user): two specs that differ only in their real server share one. */
static bool tmpl_same(const struct lvs_check_spec *a, const struct lvs_check_spec *b)
{
	return hc_spec_same(a, b) && a->per_service == b->per_service && a->svc_af == b->svc_af &&
	       a->svc_protocol == b->svc_protocol && a->svc_port == b->svc_port &&
	       a->svc_fwmark == b->svc_fwmark &&
	       !memcmp(&a->svc_addr, &b->svc_addr, sizeof(a->svc_addr)) && a->user == b->user;
}

static uint32_t tmpl_hash(const struct lvs_check_spec *t)
{
	uint64_t k = hc_spec_key(t);
	k = hc_fnv(k, &t->per_service, sizeof(t->per_service));
	k = hc_fnv(k, &t->svc_port, sizeof(t->svc_port));
	k = hc_fnv(k, &t->svc_fwmark, sizeof(t->svc_fwmark));
	k = hc_fnv(k, &t->svc_addr, sizeof(t->svc_addr));
	k = hc_fnv(k, &t->user, sizeof(t->user));
	return (uint32_t)(k ^ (k >> 32));
}

/* The index of the template of n (normalised, real server cleared), made
 * when new. 0 or -ENOMEM. */
static int tmpl_find(struct lvs_check_set *set, const struct lvs_check_spec *n, uint32_t *idx)
{
	uint32_t k = tmpl_hash(n);
	if (set->tmpl_bucket) {
		for (uint32_t i = set->tmpl_bucket[k & set->tmpl_mask]; i != HC_NONE;
		     i = set->tmpls[i]->hnext)
			if (tmpl_same(&set->tmpls[i]->spec, n)) {
				*idx = i;
				return 0;
			}
	}
	if (set->n_tmpls >= UINT32_MAX - 1)
		return -E2BIG;
	if (vec_grow((void **)&set->tmpls, &set->cap_tmpls, set->n_tmpls + 1, sizeof(*set->tmpls),
	             4) < 0)
		return -ENOMEM;
	/* the chains: at most one template per two buckets */
	if (!set->tmpl_bucket || set->n_tmpls + 1 > (set->tmpl_mask + 1) / 2) {
		size_t nb = set->tmpl_bucket ? 2 * ((size_t)set->tmpl_mask + 1) : 16;
		uint32_t *b = malloc(nb * sizeof(*b));
		if (!b)
			return -ENOMEM;
		memset(b, 0xff, nb * sizeof(*b));
		for (uint32_t i = 0; i < set->n_tmpls; i++) {
			uint32_t h = tmpl_hash(&set->tmpls[i]->spec) & (uint32_t)(nb - 1);
			set->tmpls[i]->hnext = b[h];
			b[h] = i;
		}
		free(set->tmpl_bucket);
		set->tmpl_bucket = b;
		set->tmpl_mask = (uint32_t)(nb - 1);
	}
	struct hc_tmpl *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (hc_spec_copy(&t->spec, &t->blob, n) < 0) {
		free(t);
		return -ENOMEM;
	}
	atomic_init(&t->refs, 1);
	t->kind = hc_kind_of(t->spec.type);
	t->interval_ns = (int64_t)(t->spec.interval * 1e9 + 0.5);
	t->timeout_ns = (int64_t)(t->spec.timeout * 1e9 + 0.5);
	t->retry_delay_ns = (int64_t)(t->spec.retry_delay * 1e9 + 0.5);
	uint32_t i = (uint32_t)set->n_tmpls++;
	set->tmpls[i] = t;
	t->hnext = set->tmpl_bucket[k & set->tmpl_mask];
	set->tmpl_bucket[k & set->tmpl_mask] = i;
	*idx = i;
	return 0;
}

int health_set_add(struct lvs_check_set *set, const struct lvs_check_spec *spec)
{
	int err = 0;
	if (set->n >= UINT32_MAX - 1)
		err = -E2BIG;
	else if (health_spec_check(spec, NULL, 0) < 0)
		err = -EINVAL;
	else if (vec_grow((void **)&set->ents, &set->cap, set->n + 1, sizeof(*set->ents), 64) < 0)
		err = -ENOMEM;
	if (!err) {
		/* the template: the spec without its real server */
		struct lvs_check_spec raw = *spec, n;
		raw.af = 0;
		raw.port = 0;
		memset(&raw.addr, 0, sizeof(raw.addr));
		hc_spec_norm(&n, &raw);
		struct hc_ent *e = &set->ents[set->n];
		if (!(err = tmpl_find(set, &n, &e->tmpl))) {
			e->af = spec->af;
			e->port = spec->port;
			memset(&e->addr, 0, sizeof(e->addr));
			memcpy(&e->addr, &spec->addr, spec->af == AF_INET ? 4 : 16);
			set->n++;
		}
	}
	if (err && !set->err)
		set->err = err;
	return err;
}

/* What the engine and annotate need beside the specs: per-spec probe
 * slots and the real-server index. The building slack goes. 0 or -ENOMEM. */
static int set_finish(struct lvs_check_set *set)
{
	size_t n = set->n;
	/* Chained: a bucket per spec (4 bytes each) keeps chains short. */
	size_t nb = 16;
	while (nb < n)
		nb <<= 1;
	vec_trim((void **)&set->ents, &set->cap, n, sizeof(*set->ents));
	free(set->tmpl_bucket);
	set->tmpl_bucket = NULL;
	set->probe = calloc(n ? n : 1, sizeof(*set->probe));
	set->next_user = calloc(n ? n : 1, sizeof(*set->next_user));
	set->rs_next = calloc(n ? n : 1, sizeof(*set->rs_next));
	set->rs_bucket = malloc(nb * sizeof(*set->rs_bucket));
	if (!set->probe || !set->next_user || !set->rs_next || !set->rs_bucket)
		return -ENOMEM;
	set->rs_mask = (uint32_t)(nb - 1);
	memset(set->rs_bucket, 0xff, nb * sizeof(*set->rs_bucket));
	for (size_t i = 0; i < n; i++) {
		const struct hc_ent *e = &set->ents[i];
		uint32_t b = rs_hash(e->af, &e->addr, e->port) & set->rs_mask;
		set->rs_next[i] = set->rs_bucket[b];
		set->rs_bucket[b] = (uint32_t)i;
	}
	return 0;
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
	if (h->opts.clock)
		h->clock = *h->opts.clock;
	h->opts.clock = NULL;
	h->history = h->opts.history;
	if (h->history > HC_HISTORY_MAX)
		h->history = HC_HISTORY_MAX;
	h->probe_size = sizeof(struct hc_probe) + h->history * sizeof(struct hc_sample);
	h->probe_block = h->probe_size < HC_BLOCK_BYTES ? HC_BLOCK_BYTES / h->probe_size : 1;
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
	h->set = health_set_new();
	if (!h->scratch || !h->set || set_finish(h->set) < 0) {
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
	hc_texts_free(h);
	hc_set_unref(h->set);
	hc_set_unref(h->pending);
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
	struct lvs_check_set *set = health_set_new();
	if (!set)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (health_set_add(set, &specs[i]) < 0)
			break;
	return health_set_apply(h, set);
}

int health_set_apply(lvs_health *h, struct lvs_check_set *set)
{
	int err = set->err;
	if (!err && set_finish(set) < 0)
		err = -ENOMEM;
	if (err) {
		hc_set_unref(set);
		return err;
	}

	if (hc_engine_self == h) {
		/* From on_change: the engine applies it after this round's
		 * callbacks, before starting anything else. */
		pthread_mutex_lock(&h->lock);
		hc_set_unref(h->pending);
		h->pending = set;
		h->req_seq++;
		pthread_mutex_unlock(&h->lock);
		return 0;
	}

	pthread_mutex_lock(&h->ctl);
	if (!h->running) {
		err = hc_apply(h, set);
		if (err < 0)
			hc_set_unref(set);
	} else {
		pthread_mutex_lock(&h->lock);
		hc_set_unref(h->pending);
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

void health_sync(lvs_health *h)
{
	pthread_mutex_lock(&h->ctl);
	if (h->running) {
		pthread_mutex_lock(&h->lock);
		uint64_t seq = ++h->req_seq;
		wake(h);
		while (h->applied_seq < seq)
			pthread_cond_wait(&h->applied_cv, &h->lock);
		pthread_mutex_unlock(&h->lock);
	}
	pthread_mutex_unlock(&h->ctl);
}

int health_start(lvs_health *h)
{
	pthread_mutex_lock(&h->ctl);
	int err = 0;
	if (h->running) {
		err = -EALREADY;
	} else {
		atomic_store(&h->stop, 0);
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
		atomic_store(&h->stop, 1);
		wake(h);
		pthread_join(h->thread, NULL);
		h->running = false;
		/* a set handed over as the engine stopped is applied here */
		pthread_mutex_lock(&h->lock);
		struct lvs_check_set *p = h->pending;
		h->pending = NULL;
		pthread_mutex_unlock(&h->lock);
		if (p && hc_apply(h, p) < 0)
			hc_set_unref(p);
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
	out->ok_run = p->streak > 0 ? (uint32_t)p->streak : 0;
	out->fail_run = p->streak < 0 ? (uint32_t)-(int64_t)p->streak : 0;
	out->checks = p->checks;
	out->failures = p->failures;
	out->shared = p->users;
	out->reason = p->reason;
	out->reason_code = p->reason_code;
	out->reason_since = p->reason_since;
	snprintf(out->error, sizeof(out->error), "%s", p->error ? p->error->s : "");
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
		/* the newest n, oldest first: back from the newest, whose time
		 * is `last`, by each sample's gap to the one before it */
		double t = p->last;
		for (size_t k = n; k-- > 0;) {
			const struct hc_sample *smp = &p->ring[(p->ring_head + cap - (uint32_t)(n - k)) % cap];
			out[k].time = t;
			out[k].seconds = (float)((smp->bits >> 3) / 1e6);
			out[k].ok = (smp->bits >> 2) & 1;
			out[k].state = (int8_t)(smp->bits & 3);
			t -= smp->dt_ms / 1e3;
		}
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

/* What annotate needs of one spec's probe, copied under the lock. */
struct ann {
	bool has;
	int8_t state;
	uint8_t reason;
	uint16_t code;
	float seconds;
	uint32_t since, reason_since; /* whole seconds, as the probe's */
	char error[LVS_DEST_ERROR_MAX + 1];
};

/* Annotate copies the results of this many real servers' checks (or more,
 * when one real server alone has more) per hold of the lock: a batch is
 * about 200 KB where one copy of every result was 8 MB at 100,000 checks,
 * at the poll's peak. */
#define ANN_BATCH 2048

struct ann_dest {
	struct lvs_dest *d;
	uint32_t off; /* its first entry in spec and res */
};

struct ann_batch {
	struct lvs_check_set *set; /* a reference: the set spec[] indexes */
	size_t n, cap;             /* entries of spec and res */
	uint32_t *spec;
	struct ann *res;
	size_t n_dests;
	struct ann_dest dests[ANN_BATCH];
};

static int ann_grow(struct ann_batch *b)
{
	size_t cap = b->cap * 2;
	uint32_t *spec = realloc(b->spec, cap * sizeof(*spec));
	if (!spec)
		return -ENOMEM;
	b->spec = spec;
	struct ann *res = realloc(b->res, cap * sizeof(*res));
	if (!res)
		return -ENOMEM;
	b->res = res;
	b->cap = cap;
	return 0;
}

/* Add d (of svc) with the indexes of the specs of b->set that check it.
 * 0 (also when none does: d is not added), 1 when the batch is full (d not
 * added; a real server alone in a batch always fits), -ENOMEM. */
static int ann_add(struct ann_batch *b, struct lvs_dest *d, const struct lvs_service *svc)
{
	const struct lvs_check_set *set = b->set;
	if (b->n_dests == ANN_BATCH)
		return 1;
	size_t off = b->n;
	uint32_t bk = rs_hash(d->af, &d->addr, d->port) & set->rs_mask;
	for (uint32_t i = set->rs_bucket[bk]; i != HC_NONE; i = set->rs_next[i]) {
		const struct hc_ent *e = &set->ents[i];
		if (e->af != d->af || e->port != d->port || !addr_eq(d->af, &e->addr, &d->addr) ||
		    !scope_ok(&set->tmpls[e->tmpl]->spec, svc))
			continue;
		if (b->n == b->cap) {
			int r = off > 0 ? 1 : ann_grow(b);
			if (r) {
				b->n = off;
				return r;
			}
		}
		b->spec[b->n++] = i;
	}
	if (b->n > off)
		b->dests[b->n_dests++] = (struct ann_dest){ .d = d, .off = (uint32_t)off };
	return 0;
}

/* Under h->lock, with b->set the current set: the results of b's specs. */
static void ann_copy(const lvs_health *h, struct ann_batch *b)
{
	const struct lvs_check_set *set = h->set;
	for (size_t k = 0; k < b->n; k++) {
		const struct hc_probe *p = set->probe[b->spec[k]];
		struct ann *a = &b->res[k];
		a->has = p != NULL;
		if (!p)
			continue;
		a->state = (int8_t)p->state;
		const char *text = p->error ? p->error->s : "";
		a->reason = p->reason;
		a->code = p->reason_code;
		a->seconds = p->seconds;
		a->since = p->since;
		a->reason_since = p->reason_since;
		/* the model keeps less text than we do: cut it */
		size_t l = strnlen(text, LVS_DEST_ERROR_MAX);
		memcpy(a->error, text, l);
		a->error[l] = 0;
	}
}

/* One real server from the results res[0..n) of its checks. */
static void annotate_dest(const struct ann *res, size_t n, struct lvs_snapshot *snap,
                          struct lvs_dest *d)
{
	bool any = false, failing = false;
	int worst = -1;
	for (size_t i = 0; i < n; i++) {
		const struct ann *p = &res[i];
		if (!p->has)
			continue;
		if (!any) {
			any = true;
			d->check_seconds = 0;
			d->health_since = 0;
			d->health_error = 0;
			d->health_reason = LVS_HR_NONE;
			d->health_code = 0;
			d->health_reason_since = 0;
		}
		int sev = severity(p->state);
		if (sev > worst) {
			worst = sev;
			d->health = p->state;
		}
		if (p->seconds > d->check_seconds)
			d->check_seconds = p->seconds;
		if (p->since > d->health_since)
			d->health_since = p->since;
		if (!failing && p->reason != LVS_HR_NONE) {
			failing = true;
			d->health_reason = p->reason;
			d->health_code = p->code;
			d->health_reason_since = p->reason_since;
			/* Without memory the text stays empty; the state and the
			 * reason are right all the same. */
			if (p->error[0] &&
			    snapshot_add_text(snap, p->error, sizeof(p->error), &d->health_error))
				d->health_error = 0;
		}
	}
}

/* Copy the batch's results under the lock, then write them into snap
 * with the lock let go; the batch is empty after. -EAGAIN when the set
 * was replaced since the batch was gathered (a reload): the old set's
 * probes may be gone, so nothing was read; b->set is the new set, to
 * gather the batch again from. */
static int ann_flush(lvs_health *h, struct ann_batch *b, struct lvs_snapshot *snap)
{
	pthread_mutex_lock(&h->lock);
	if (h->set != b->set) {
		struct lvs_check_set *old = b->set;
		b->set = h->set;
		atomic_fetch_add(&b->set->refs, 1);
		pthread_mutex_unlock(&h->lock);
		hc_set_unref(old);
		b->n = b->n_dests = 0;
		return -EAGAIN;
	}
	ann_copy(h, b);
	pthread_mutex_unlock(&h->lock);
	if (h->annotate_hook)
		h->annotate_hook(h);
	for (size_t k = 0; k < b->n_dests; k++) {
		size_t end = k + 1 < b->n_dests ? b->dests[k + 1].off : b->n;
		annotate_dest(&b->res[b->dests[k].off], end - b->dests[k].off, snap, b->dests[k].d);
	}
	b->n = b->n_dests = 0;
	return 0;
}

void health_annotate(void *arg, struct lvs_snapshot *s)
{
	lvs_health *h = arg;
	struct ann_batch *b = calloc(1, sizeof(*b));
	if (!b)
		return;
	b->cap = ANN_BATCH;
	b->spec = malloc(b->cap * sizeof(*b->spec));
	b->res = malloc(b->cap * sizeof(*b->res));
	pthread_mutex_lock(&h->lock);
	b->set = h->set;
	atomic_fetch_add(&b->set->refs, 1);
	pthread_mutex_unlock(&h->lock);
	if (!b->spec || !b->res)
		goto out;
	/* Real server j of service si is the next to gather. */
	size_t si = 0, j = 0;
	while (si < s->n_services && b->set->n) {
		size_t si0 = si, j0 = j;
		for (; si < s->n_services; si++, j = 0) {
			struct lvs_service *svc = &s->services[si];
			for (; j < svc->n_dests; j++) {
				int r = ann_add(b, &svc->dests[j], svc);
				if (r < 0)
					goto out;
				if (r)
					goto full;
			}
		}
	full:
		if (b->n_dests && ann_flush(h, b, s) == -EAGAIN) {
			si = si0;
			j = j0;
		}
	}
out:
	hc_set_unref(b->set);
	free(b->spec);
	free(b->res);
	free(b);
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
