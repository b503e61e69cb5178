/* Over 800 lines on purpose: the row table is built, sorted, filtered and
 * lazily expanded by one set of functions over one structure; the lazy
 * build and the full build must stay equal (tests/unit/test_table.c), which
 * is easiest to keep true in one file.
 */
#include "table.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/ip_vs.h>

#include "collector/names.h"
#include "collector/snapshot.h"
#include "format.h"
#include "share/vec.h"

void table_init(struct table *t)
{
	memset(t, 0, sizeof(*t));
}

static void text_drop(struct table *t)
{
	snapshot_unref(t->text_of);
	snapshot_unref(t->text_part);
	free(t->text);
	free(t->svc_text);
	free(t->dest_text);
	t->text_of = t->text_part = NULL;
	t->text = NULL;
	t->svc_text = t->dest_text = NULL;
	t->text_next = t->text_used = t->text_cap = 0;
}

static void lazy_drop(struct table *t)
{
	snapshot_unref(t->lazy_of);
	t->lazy_of = NULL;
	free(t->ranks);
	t->ranks = NULL;
}

static void cache_free(struct table_cache *c);

void table_done(struct table *t)
{
	cache_free(t->cache);
	text_drop(t);
	lazy_drop(t);
	free(t->scratch);
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

void table_rates(const struct lvs_rates_f *r, bool valid, const struct lvs_kern_rates *k,
		 struct lvs_rates *out)
{
	if (valid) {
		*out = (struct lvs_rates){ r->cps, r->inpps, r->outpps, r->inbps, r->outbps };
		return;
	}
	out->cps = (double)k->cps;
	out->inpps = (double)k->inpps;
	out->outpps = (double)k->outpps;
	out->inbps = (double)k->inbps;
	out->outbps = (double)k->outbps;
}

static void svc_rates(const struct lvs_service *v, struct lvs_rates *out)
{
	table_rates(&v->rates, v->rates_valid, &v->krates, out);
}

static void dest_rates(const struct lvs_snapshot *s, const struct lvs_dest *d,
		       struct lvs_rates *out)
{
	table_rates(&d->rates, d->rates_valid, snapshot_dest_krates(s, d), out);
}

/* Sums over a service's real servers. */
struct svc_sums {
	int64_t weight, pos_weight;
	uint64_t active, inact, persist;
	double inbps;
	unsigned up, down;
};

static void sums_of(const struct lvs_snapshot *s, const struct lvs_service *v,
		    struct svc_sums *m)
{
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < v->n_dests; i++) {
		const struct lvs_dest *d = &v->dests[i];
		struct lvs_rates r;
		dest_rates(s, d, &r);
		m->weight += d->weight;
		if (d->weight > 0)
			m->pos_weight += d->weight;
		m->active += d->active_conns;
		m->inact += d->inact_conns;
		m->persist += d->persist_conns;
		m->inbps += r.inbps;
		m->up += d->health == LVS_HEALTH_UP;
		m->down += d->health == LVS_HEALTH_DOWN;
	}
}

/* Share of the service's bytes in and of its weight, in percent; < 0
 * when undefined (nothing flowing, no positive weight). */
static void shares(const struct lvs_snapshot *s, const struct lvs_service *v,
		   const struct lvs_dest *d, double *traffic, double *weight)
{
	struct svc_sums m;
	struct lvs_rates r;
	sums_of(s, v, &m);
	dest_rates(s, d, &r);
	*traffic = m.inbps > 0 ? 100.0 * r.inbps / m.inbps : -1;
	*weight = m.pos_weight > 0 ? 100.0 * (d->weight > 0 ? d->weight : 0) / (double)m.pos_weight
				   : -1;
}

bool table_sortable(enum col_id c)
{
	return c < COL_COUNT && c != COL_SPARK;
}

bool table_sort_descending_first(enum col_id c)
{
	return !(c == COL_PROTO || c == COL_NAME || c == COL_SCHED || c == COL_FLAGS);
}

static bool is_text_col(enum col_id c)
{
	return c == COL_PROTO || c == COL_NAME || c == COL_SCHED;
}

static double num_value(const struct lvs_snapshot *s, const struct lvs_service *v,
			const struct lvs_dest *d, enum col_id c)
{
	struct lvs_rates r;
	if (d)
		dest_rates(s, d, &r);
	else
		svc_rates(v, &r);
	struct svc_sums m;
	switch (c) {
	case COL_FLAGS: return d ? (double)d->tun_type : (double)v->timeout;
	case COL_WEIGHT:
		if (d)
			return d->weight;
		sums_of(s, v, &m);
		return (double)m.weight;
	case COL_ACTIVE:
	case COL_INACT:
	case COL_PERSIST:
		if (d)
			return c == COL_ACTIVE ? d->active_conns
			       : c == COL_INACT ? d->inact_conns : d->persist_conns;
		sums_of(s, v, &m);
		return (double)(c == COL_ACTIVE ? m.active : c == COL_INACT ? m.inact : m.persist);
	case COL_CPS: return r.cps;
	case COL_INPPS: return r.inpps;
	case COL_OUTPPS: return r.outpps;
	case COL_INBPS: return r.inbps;
	case COL_OUTBPS: return r.outbps;
	case COL_SHARE: {
		if (!d)
			return -1;
		double t, w;
		shares(s, v, d, &t, &w);
		return t;
	}
	case COL_HEALTH:
		if (d)
			return d->health;
		sums_of(s, v, &m);
		return m.down ? 2 : m.up ? 1 : 0;
	default: return 0;
	}
}

static int cmp_addr(uint16_t af1, const union lvs_addr *a1, uint16_t p1, uint16_t af2,
		    const union lvs_addr *a2, uint16_t p2)
{
	int r = addr_cmp(af1, a1, af2, a2);
	if (r)
		return r < 0 ? -1 : 1;
	return (p1 > p2) - (p1 < p2);
}

static int cmp_svc_name(const struct lvs_service *a, const struct lvs_service *b)
{
	if (!!a->fwmark != !!b->fwmark)
		return a->fwmark ? 1 : -1;
	if (a->fwmark || b->fwmark) {
		if (a->fwmark != b->fwmark)
			return a->fwmark < b->fwmark ? -1 : 1;
		return (a->af > b->af) - (a->af < b->af);
	}
	int r = cmp_addr(a->af, &a->addr, a->port, b->af, &b->addr, b->port);
	return r ? r : (a->protocol > b->protocol) - (a->protocol < b->protocol);
}

static const char *sched_text(const struct lvs_service *v, const struct lvs_dest *d);

static int cmp_item_addr(const struct lvs_service *va, const struct lvs_dest *da,
			 const struct lvs_service *vb, const struct lvs_dest *db)
{
	bool ma = !da && va->fwmark, mb = !db && vb->fwmark;
	if (ma != mb)
		return ma ? 1 : -1;
	if (ma)
		return (va->fwmark > vb->fwmark) - (va->fwmark < vb->fwmark);
	if (da && db)
		return cmp_addr(da->af, &da->addr, da->port, db->af, &db->addr, db->port);
	return cmp_addr(da ? da->af : va->af, da ? &da->addr : &va->addr, da ? da->port : va->port,
			db ? db->af : vb->af, db ? &db->addr : &vb->addr, db ? db->port : vb->port);
}

static int cmp_text(const struct lvs_service *va, const struct lvs_dest *da,
		    const struct lvs_service *vb, const struct lvs_dest *db, enum col_id c)
{
	int r = 0;
	switch (c) {
	case COL_PROTO:
		r = strcmp(lvs_service_proto_name(va), lvs_service_proto_name(vb));
		break;
	case COL_SCHED:
		r = strcmp(sched_text(va, da), sched_text(vb, db));
		break;
	default:
		break;
	}
	if (r)
		return r < 0 ? -1 : 1;
	/* COL_NAME, and the tie-breaker of the others: the row's own address
	 * (a real server's, or the service's; firewall marks after every
	 * address), then the service. */
	r = cmp_item_addr(va, da, vb, db);
	if (r)
		return r;
	return va == vb ? 0 : cmp_svc_name(va, vb);
}

struct table_item {
	double key;
	uint32_t svc;
	int32_t dest;
};

struct sort_ctx {
	const struct lvs_snapshot *s;
	enum col_id col;
	bool desc;
};

static int cmp_items(const void *pa, const void *pb, void *arg)
{
	const struct table_item *a = pa, *b = pb;
	const struct sort_ctx *x = arg;
	int r;
	if (is_text_col(x->col)) {
		const struct lvs_service *va = &x->s->services[a->svc], *vb = &x->s->services[b->svc];
		r = cmp_text(va, a->dest >= 0 ? &va->dests[a->dest] : NULL, vb,
			     b->dest >= 0 ? &vb->dests[b->dest] : NULL, x->col);
	} else {
		r = (a->key > b->key) - (a->key < b->key);
	}
	if (x->desc)
		r = -r;
	if (r)
		return r;
	/* Stable: the kernel's order. */
	if (a->svc != b->svc)
		return a->svc < b->svc ? -1 : 1;
	return (a->dest > b->dest) - (a->dest < b->dest);
}

/* Sort keys of the text columns: a number whose order agrees with the
 * full comparison (cmp_text) wherever it differs, so that most pairs are
 * told apart by one comparison of doubles; equal keys are then refined
 * with cmp_text. Addresses map below 2^50: IPv4 exactly (address, port),
 * IPv6 by their first 32 bits, firewall marks after both. */
#define TWO_48 281474976710656.0
static double addr_key(uint16_t af, const union lvs_addr *a, uint16_t port)
{
	uint32_t hi = (uint32_t)a->raw[0] << 24 | (uint32_t)a->raw[1] << 16 | (uint32_t)a->raw[2] << 8 |
		      a->raw[3];
	double k = (double)hi * 65536.0;
	return af == AF_INET6 ? TWO_48 + k : k + port;
}

static double svc_addr_key(const struct lvs_service *v)
{
	if (v->fwmark)
		return 2 * TWO_48 + v->fwmark;
	return addr_key(v->af, &v->addr, v->port);
}

/* Rank of a name in a sorted list; -1 when absent. */
static int name_rank(const char *name, const char *const *sorted, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(name, sorted[i]))
			return i;
	return -1;
}

static const char *const proto_names[] = { "fwm", "ip", "sctp", "tcp", "udp" };

static const char *sched_text(const struct lvs_service *v, const struct lvs_dest *d)
{
	return d ? lvs_fwd_name(d->fwd) : v->sched;
}

/* The scheduler and method names of a snapshot in strcmp order, so that
 * SCHED sorts by rank and address in one number. */
#define SCHED_RANKS 15 /* rank * SCHED_STEP + address stays below 2^53 */
#define SCHED_STEP (2 * TWO_48 + 8589934592.0) /* above every address key */
struct name_ranks {
	const char *names[SCHED_RANKS];
	int n;
	bool overflow; /* more distinct names than ranks: rank 0 for all */
	int fwd[LVS_FWD_BYPASS + 1]; /* rank of each forwarding method */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void ranks_add(struct name_ranks *r, const char *name)
{
	if (r->overflow || name_rank(name, r->names, r->n) >= 0)
		return;
	if (r->n == SCHED_RANKS) {
		r->overflow = true;
		return;
	}
	r->names[r->n++] = name;
}

static void ranks_of(const struct lvs_snapshot *s, struct name_ranks *r)
{
	memset(r, 0, sizeof(*r));
	for (uint32_t f = 0; f <= LVS_FWD_BYPASS; f++)
		ranks_add(r, lvs_fwd_name(f));
	for (size_t i = 0; i < s->n_services; i++)
		ranks_add(r, s->services[i].sched);
	qsort(r->names, (size_t)r->n, sizeof(r->names[0]), cmp_str);
	for (uint32_t f = 0; f <= LVS_FWD_BYPASS; f++)
		r->fwd[f] = name_rank(lvs_fwd_name(f), r->names, r->n);
}

static double text_key(const struct lvs_service *v, const struct lvs_dest *d, enum col_id c,
		       const struct name_ranks *ranks)
{
	double a = d ? addr_key(d->af, &d->addr, d->port) : svc_addr_key(v);
	switch (c) {
	case COL_NAME: return a;
	case COL_PROTO: {
		int r = name_rank(lvs_service_proto_name(v), proto_names, 5); /* never -1 */
		return (r < 0 ? 0 : r) * 4 * TWO_48 + a;
	}
	case COL_SCHED: {
		if (!ranks || ranks->overflow)
			return 0;
		int r = d && d->fwd <= LVS_FWD_BYPASS ? ranks->fwd[d->fwd]
						       : name_rank(sched_text(v, d), ranks->names, ranks->n);
		return r < 0 ? 0 : r * SCHED_STEP + a;
	}
	default: return 0;
	}
}

static void fill_key(const struct lvs_snapshot *s, struct table_item *it, enum col_id c,
		     const struct name_ranks *ranks)
{
	const struct lvs_service *v = &s->services[it->svc];
	const struct lvs_dest *d = it->dest >= 0 ? &v->dests[it->dest] : NULL;
	it->key = is_text_col(c) ? text_key(v, d, c, ranks) : num_value(s, v, d, c);
}

static inline bool item_before(const struct table_item *a, const struct table_item *b, bool desc)
{
	if (a->key != b->key)
		return desc ? a->key > b->key : a->key < b->key;
	if (a->svc != b->svc)
		return a->svc < b->svc;
	return a->dest < b->dest;
}

static void insertion_sort(struct table_item *v, size_t n, bool desc)
{
	for (size_t i = 1; i < n; i++) {
		struct table_item x = v[i];
		size_t j = i;
		while (j > 0 && item_before(&x, &v[j - 1], desc)) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* Quicksort on (key, svc, dest) with the comparison inlined: the keys of
 * all items differ in (svc, dest), so there are no equal elements. */
static void quick_sort(struct table_item *v, size_t n, bool desc)
{
	while (n > 16) {
		size_t m = n / 2;
		/* Median of three to the middle. */
		if (item_before(&v[m], &v[0], desc)) {
			struct table_item t = v[m]; v[m] = v[0]; v[0] = t;
		}
		if (item_before(&v[n - 1], &v[m], desc)) {
			struct table_item t = v[m]; v[m] = v[n - 1]; v[n - 1] = t;
			if (item_before(&v[m], &v[0], desc)) {
				t = v[m]; v[m] = v[0]; v[0] = t;
			}
		}
		struct table_item pivot = v[m];
		size_t i = 0, j = n - 1;
		for (;;) {
			while (item_before(&v[i], &pivot, desc))
				i++;
			while (item_before(&pivot, &v[j], desc))
				j--;
			if (i >= j)
				break;
			struct table_item t = v[i]; v[i] = v[j]; v[j] = t;
			i++;
			j--;
		}
		/* Recurse into the smaller side, loop on the larger. */
		size_t left = j + 1;
		if (left < n - left) {
			quick_sort(v, left, desc);
			v += left;
			n -= left;
		} else {
			quick_sort(v + left, n - left, desc);
			n = left;
		}
	}
	insertion_sort(v, n, desc);
}

/* Sort items by ctx: by key, then (text columns) runs of equal keys by the
 * full comparison. */
static void sort_items(struct table_item *v, size_t n, struct sort_ctx *ctx)
{
	quick_sort(v, n, ctx->desc);
	if (!is_text_col(ctx->col))
		return;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && v[j].key == v[i].key)
			j++;
		if (j - i > 1)
			qsort_r(v + i, j - i, sizeof(*v), cmp_items, ctx);
		i = j;
	}
}

bool table_match(const char *hay, const char *needle)
{
	if (!needle || !*needle)
		return true;
	size_t n = strlen(needle);
	for (const char *h = hay; *h; h++)
		if (!strncasecmp(h, needle, n))
			return true;
	return false;
}

void table_filter_text(const struct lvs_snapshot *s, const struct row *r, char *buf, size_t len)
{
	const struct lvs_service *v = &s->services[r->svc];
	char ep[LVS_ADDR_STRLEN + 16];
	if (r->dest < 0) {
		snprintf(buf, len, "%s %s %s", lvs_service_proto_name(v), fmt_service(v, ep, sizeof(ep)),
			 v->sched);
	} else {
		const struct lvs_dest *d = &v->dests[r->dest];
		snprintf(buf, len, "%s %s", fmt_endpoint(d->af, &d->addr, d->port, ep, sizeof(ep)),
			 lvs_fwd_name(d->fwd));
	}
}

static char *put_u(char *o, unsigned v)
{
	char tmp[12];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*o++ = tmp[--n];
	return o;
}

static char *put_s(char *o, const char *s)
{
	while (*s)
		*o++ = *s++;
	return o;
}

/* table_filter_text, lower-cased, written fast for the common IPv4 case
 * (the cache is built for every object of a snapshot). */
static void filter_text_lower(const struct lvs_snapshot *s, const struct row *r, char *buf,
			      size_t len)
{
	const struct lvs_service *v = &s->services[r->svc];
	const struct lvs_dest *d = r->dest >= 0 ? &v->dests[r->dest] : NULL;
	uint16_t af = d ? d->af : v->af;
	if (af == AF_INET && !(d == NULL && v->fwmark) && len >= 80) {
		const union lvs_addr *a = d ? &d->addr : &v->addr;
		char *o = buf;
		if (!d) {
			o = put_s(o, lvs_service_proto_name(v));
			*o++ = ' ';
		}
		for (int i = 0; i < 4; i++) {
			o = put_u(o, a->raw[i]);
			*o++ = i < 3 ? '.' : ':';
		}
		o = put_u(o, d ? d->port : v->port);
		*o++ = ' ';
		/* The rest is digits, separators and a lower-case protocol:
		 * only the name at the end may need lowering. */
		const char *tail = d ? lvs_fwd_name(d->fwd) : v->sched;
		for (size_t i = 0; i < LVS_SCHED_MAX && tail[i]; i++)
			*o++ = (char)tolower((unsigned char)tail[i]);
		*o = 0;
		return;
	}
	table_filter_text(s, r, buf, len);
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

/* Build the lower-cased filter texts of the objects of s (once per
 * snapshot), from service t->text_next on, about budget objects (0: all).
 * 1 when complete, 0 when services are left, -ENOMEM. */
static int text_step(struct table *t, const struct lvs_snapshot *s, size_t budget)
{
	if (t->text_of == s)
		return 1;
	if (t->text_part != s) {
		text_drop(t);
		t->text_cap = (s->n_services + s->n_dests) * 32 + 64;
		t->text = malloc(t->text_cap);
		t->svc_text = malloc((s->n_services + 1) * sizeof(uint32_t));
		t->dest_text = malloc((s->n_dests + 1) * sizeof(uint32_t));
		if (!t->text || !t->svc_text || !t->dest_text)
			goto err;
		t->text_part = snapshot_ref((struct lvs_snapshot *)s);
	}
	size_t done = 0, used = t->text_used, cap = t->text_cap;
	for (size_t i = t->text_next; i < s->n_services; i++) {
		if (budget && done >= budget) {
			t->text_next = i;
			t->text_used = used;
			return 0;
		}
		const struct lvs_service *v = &s->services[i];
		for (long j = -1; j < (long)v->n_dests; j++) {
			char buf[160];
			struct row r = { .svc = (uint32_t)i, .dest = (int32_t)j };
			filter_text_lower(s, &r, buf, sizeof(buf));
			size_t n = strlen(buf) + 1;
			if (used + n > cap || used + n > UINT32_MAX) {
				size_t ncap = cap * 2;
				char *p = ncap <= UINT32_MAX ? realloc(t->text, ncap) : NULL;
				if (!p)
					goto err;
				t->text = p;
				cap = t->text_cap = ncap;
			}
			memcpy(t->text + used, buf, n);
			if (j < 0)
				t->svc_text[i] = (uint32_t)used;
			else
				t->dest_text[v->first_dest + (size_t)j] = (uint32_t)used;
			used += n;
		}
		done += 1 + v->n_dests;
	}
	t->text_of = t->text_part;
	t->text_part = NULL;
	t->text_next = t->text_used = 0;
	return 1;
err:
	text_drop(t);
	return -ENOMEM;
}

static int text_build(struct table *t, const struct lvs_snapshot *s)
{
	int r = text_step(t, s, 0);
	return r < 0 ? r : 0;
}

int table_prepare_text_some(struct table *t, const struct lvs_snapshot *s, size_t budget)
{
	return text_step(t, s, budget ? budget : 1);
}

int table_prepare_text(struct table *t, const struct lvs_snapshot *s)
{
	return text_build(t, s);
}

bool table_adopt_text(struct table *dst, struct table *src, const struct lvs_snapshot *s)
{
	if (!src->text_of || src->text_of != s || dst->text_of == s)
		return false;
	text_drop(dst);
	dst->text_of = src->text_of;
	dst->text = src->text;
	dst->svc_text = src->svc_text;
	dst->dest_text = src->dest_text;
	src->text_of = NULL;
	src->text = NULL;
	src->svc_text = src->dest_text = NULL;
	return true;
}

static bool row_matches(const struct table *t, const struct lvs_snapshot *s, uint32_t svc,
			int32_t dest, const char *lower)
{
	const struct lvs_service *v = &s->services[svc];
	const char *txt = t->text + (dest < 0 ? t->svc_text[svc] : t->dest_text[v->first_dest + (size_t)dest]);
	return strstr(txt, lower) != NULL;
}

static int reserve(struct table *t, size_t n)
{
	return vec_grow((void **)&t->rows, &t->cap, n, sizeof(*t->rows), 256);
}

static bool collapsed(const struct lvs_service *v, const struct table_opts *o)
{
	bool c = o->collapse_all;
	if (o->toggled && o->toggled->count) {
		struct lvs_key k;
		lvs_key_service(&k, v);
		if (keymap_get(o->toggled, &k))
			c = !c;
	}
	return c;
}

/* table_build without the cache. */
static int build_rows(struct table *t, const struct lvs_snapshot *s, const struct table_opts *o)
{
	t->n = 0;
	lazy_drop(t);
	if ((t->text_of && t->text_of != s) || (t->text_part && t->text_part != s))
		text_drop(t); /* do not keep an old snapshot alive */
	bool filtering = o->filter && *o->filter;
	struct sort_ctx ctx = { s, o->sort_col, o->descending };
	struct table_item *items = NULL, *ditems = NULL;
	size_t n_items = 0;
	int err = -ENOMEM;
	char lower[128];
	struct name_ranks ranks;
	if (o->sort_col == COL_SCHED)
		ranks_of(s, &ranks);
	else
		ranks.overflow = true;
	if (filtering) {
		size_t k = 0;
		for (; o->filter[k] && k + 1 < sizeof(lower); k++)
			lower[k] = (char)tolower((unsigned char)o->filter[k]);
		lower[k] = 0;
		if (text_build(t, s))
			return -ENOMEM;
	}

	if (!o->tree) {
		items = malloc((s->n_dests + s->n_services + 1) * sizeof(*items));
		if (!items)
			goto err;
		for (uint32_t i = 0; i < s->n_services; i++) {
			const struct lvs_service *v = &s->services[i];
			bool svc_hit = !filtering || row_matches(t, s, i, -1, lower);
			if (!v->n_dests) {
				if (svc_hit)
					items[n_items++] = (struct table_item){ 0, i, -1 };
				continue;
			}
			for (size_t j = 0; j < v->n_dests; j++)
				if (svc_hit || row_matches(t, s, i, (int32_t)j, lower))
					items[n_items++] = (struct table_item){ 0, i, (int32_t)j };
		}
		for (size_t i = 0; i < n_items; i++)
			fill_key(s, &items[i], o->sort_col, &ranks);
		sort_items(items, n_items, &ctx);
		if (reserve(t, n_items))
			goto err;
		for (size_t i = 0; i < n_items; i++)
			t->rows[i] = (struct row){ items[i].svc, items[i].dest, 0 };
		t->n = n_items;
		free(items);
		return 0;
	}

	/* Tree: which services show, and with which real servers. */
	items = malloc((s->n_services + 1) * sizeof(*items));
	uint8_t *dmatch = filtering ? calloc(s->n_dests + 1, 1) : NULL;
	if (!items || (filtering && !dmatch)) {
		free(dmatch);
		goto err;
	}
	size_t max_dests = 0, total = 0;
	for (uint32_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *v = &s->services[i];
		bool show = true;
		if (filtering) {
			bool svc_hit = row_matches(t, s, i, -1, lower);
			bool any = false;
			for (size_t j = 0; j < v->n_dests; j++) {
				bool hit = svc_hit || row_matches(t, s, i, (int32_t)j, lower);
				dmatch[v->first_dest + j] = hit;
				any |= hit;
			}
			show = svc_hit || any;
		}
		if (!show)
			continue;
		items[n_items] = (struct table_item){ 0, i, -1 };
		fill_key(s, &items[n_items], o->sort_col, &ranks);
		n_items++;
		if (v->n_dests > max_dests)
			max_dests = v->n_dests;
		total += 1 + v->n_dests;
	}
	sort_items(items, n_items, &ctx);
	if (reserve(t, total)) {
		free(dmatch);
		goto err;
	}
	if (o->lazy) {
		/* Room for sorting the largest block later, and the ranks. */
		if (vec_grow((void **)&t->scratch, &t->scratch_cap, max_dests + 1,
			     sizeof(*t->scratch), max_dests + 1)) {
			free(dmatch);
			goto err;
		}
		if (o->sort_col == COL_SCHED) {
			t->ranks = malloc(sizeof(*t->ranks));
			if (!t->ranks) {
				free(dmatch);
				goto err;
			}
			*t->ranks = ranks;
		}
		t->lazy_of = snapshot_ref((struct lvs_snapshot *)s);
		t->sort_col = o->sort_col;
		t->descending = o->descending;
	} else {
		ditems = malloc((max_dests + 1) * sizeof(*ditems));
		if (!ditems) {
			free(dmatch);
			goto err;
		}
	}
	for (size_t i = 0; i < n_items; i++) {
		const struct lvs_service *v = &s->services[items[i].svc];
		bool fold = collapsed(v, o);
		size_t at = t->n;
		t->rows[t->n++] = (struct row){ items[i].svc, -1, fold && v->n_dests ? ROW_COLLAPSED : 0 };
		if (fold)
			continue;
		if (o->lazy) {
			/* The kernel's order for now: no real server is read. */
			size_t first = t->n;
			for (size_t j = 0; j < v->n_dests; j++)
				if (!dmatch || dmatch[v->first_dest + j])
					t->rows[t->n++] = (struct row){ items[i].svc, (int32_t)j, 0 };
			if (t->n > first)
				t->rows[t->n - 1].flags = ROW_LAST;
			if (t->n - first > 1)
				t->rows[at].flags |= ROW_UNSORTED;
			continue;
		}
		size_t nd = 0;
		for (size_t j = 0; j < v->n_dests; j++) {
			if (dmatch && !dmatch[v->first_dest + j])
				continue;
			ditems[nd] = (struct table_item){ 0, items[i].svc, (int32_t)j };
			fill_key(s, &ditems[nd], o->sort_col, &ranks);
			nd++;
		}
		sort_items(ditems, nd, &ctx);
		for (size_t j = 0; j < nd; j++)
			t->rows[t->n++] = (struct row){ ditems[j].svc, ditems[j].dest,
							j + 1 == nd ? ROW_LAST : 0 };
	}
	free(dmatch);
	free(ditems);
	free(items);
	return 0;
err:
	free(ditems);
	free(items);
	lazy_drop(t);
	t->n = 0;
	return err;
}

/* ---- the cache of builds ------------------------------------------------ */

#define CACHE_ORDERS 2 /* sort orders kept: a key and its way back */

/* The rows of one filter (lower-cased; "" for every row). */
struct level {
	char filter[128];
	struct row *rows; /* owned, or the level below's (same) */
	bool same;        /* every row of the level below matched */
	size_t n;
};

/* One sort order's builds: level 0 unfiltered, each next level's filter
 * extending the one before (the filters typed, one key at a time). */
struct order {
	bool set;
	enum col_id sort_col;
	bool descending, tree, collapse_all;
	bool lazy;              /* real servers left in the kernel's order */
	bool has_ranks;
	struct name_ranks ranks;
	unsigned used;          /* the cache's clock when last used */
	struct level *lv;       /* owned */
	size_t n_lv, cap_lv;
};

struct table_cache {
	struct lvs_snapshot *of; /* one reference: the snapshot built */
	size_t max_dests;        /* real servers of its largest service */
	unsigned clock;
	struct order ord[CACHE_ORDERS];
};

static void order_drop(struct order *d)
{
	for (size_t i = 0; i < d->n_lv; i++)
		if (!d->lv[i].same)
			free(d->lv[i].rows);
	free(d->lv);
	memset(d, 0, sizeof(*d));
}

static void cache_free(struct table_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < CACHE_ORDERS; i++)
		order_drop(&c->ord[i]);
	snapshot_unref(c->of);
	free(c);
}

/* Keep a copy of rows as the next level of d; without memory, nothing is
 * kept (the next key builds again). Rows that are all of the level below
 * (the first keys of an address prefix keep most of a table) share its
 * copy. */
static void level_push(struct order *d, const char *filter, const struct row *rows, size_t n)
{
	if (vec_grow((void **)&d->lv, &d->cap_lv, d->n_lv + 1, sizeof(*d->lv), 4))
		return;
	struct level *l = &d->lv[d->n_lv];
	const struct level *below = d->n_lv ? &d->lv[d->n_lv - 1] : NULL;
	l->same = below && below->n == n;
	l->rows = l->same ? below->rows : malloc((n ? n : 1) * sizeof(*rows));
	if (!l->rows)
		return;
	if (!l->same && n)
		memcpy(l->rows, rows, n * sizeof(*rows));
	l->n = n;
	snprintf(l->filter, sizeof(l->filter), "%s", filter);
	d->n_lv++;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* t's rows := the rows of src that match f (lower-cased, not empty),
 * in src's order. Tree: a service that matches keeps its whole block; one
 * that does not keeps the real servers that match, and is dropped when
 * none does (a folded one is kept when one of its real servers matches).
 * Flat: the rows whose service or real server matches. The blocks of a
 * lazy build stay to be settled: a part of an unsorted block is marked
 * unsorted, a part of a sorted one is sorted. */
static int filter_rows(struct table *t, const struct lvs_snapshot *s, bool tree,
		       const struct level *src, const char *f)
{
	t->n = 0;
	if (reserve(t, src->n + 1))
		return -ENOMEM;
	const struct row *r = src->rows;
	for (size_t i = 0; i < src->n;) {
		uint32_t svc = r[i].svc;
		bool svc_hit = row_matches(t, s, svc, -1, f);
		if (!tree) {
			if (svc_hit || (r[i].dest >= 0 && row_matches(t, s, svc, r[i].dest, f)))
				t->rows[t->n++] = r[i];
			i++;
			continue;
		}
		size_t e = i + 1;
		while (e < src->n && r[e].dest >= 0)
			e++;
		if (svc_hit) {
			memcpy(t->rows + t->n, r + i, (e - i) * sizeof(*r));
			t->n += e - i;
		} else if (r[i].flags & ROW_COLLAPSED) {
			const struct lvs_service *v = &s->services[svc];
			for (size_t j = 0; j < v->n_dests; j++)
				if (row_matches(t, s, svc, (int32_t)j, f)) {
					t->rows[t->n++] = r[i];
					break;
				}
		} else {
			size_t at = t->n++, k = 0;
			for (size_t j = i + 1; j < e; j++)
				if (row_matches(t, s, svc, r[j].dest, f)) {
					t->rows[t->n] = r[j];
					t->rows[t->n++].flags &= ~(uint32_t)ROW_LAST;
					k++;
				}
			if (!k) {
				t->n = at;
			} else {
				t->rows[at] = r[i];
				t->rows[at].flags &= ~(uint32_t)ROW_UNSORTED;
				if ((r[i].flags & ROW_UNSORTED) && k > 1)
					t->rows[at].flags |= ROW_UNSORTED;
				t->rows[t->n - 1].flags |= ROW_LAST;
			}
		}
		i = e;
	}
	return 0;
}

/* The order of c that o can use (a lazy one only for a lazy build), or
 * NULL. */
static struct order *order_find(struct table_cache *c, const struct table_opts *o)
{
	for (size_t i = 0; i < CACHE_ORDERS; i++) {
		struct order *d = &c->ord[i];
		if (d->set && d->sort_col == o->sort_col && d->descending == o->descending &&
		    d->tree == o->tree && d->collapse_all == o->collapse_all && (o->lazy || !d->lazy))
			return d;
	}
	return NULL;
}

/* Build the unfiltered rows of s under o into t and keep them as a new
 * order of c (replacing the one least recently used). */
static struct order *order_add(struct table *t, struct table_cache *c, const struct lvs_snapshot *s,
			       const struct table_opts *o)
{
	struct table_opts u = *o;
	u.filter = NULL;
	if (build_rows(t, s, &u))
		return NULL;
	struct order *d = &c->ord[0];
	for (size_t i = 1; i < CACHE_ORDERS; i++)
		if (!d->set || (c->ord[i].set ? c->ord[i].used < d->used : true))
			d = d->set ? &c->ord[i] : d;
	order_drop(d);
	level_push(d, "", t->rows, t->n);
	if (!d->n_lv)
		return NULL;
	d->set = true;
	d->sort_col = o->sort_col;
	d->descending = o->descending;
	d->tree = o->tree;
	d->collapse_all = o->collapse_all;
	d->lazy = t->lazy_of != NULL;
	d->has_ranks = t->ranks != NULL;
	if (t->ranks)
		d->ranks = *t->ranks;
	return d;
}

/* Make t's lazy state that of order d (its rows are d's). 0 or -ENOMEM. */
static int order_use(struct table *t, const struct table_cache *c, const struct order *d)
{
	lazy_drop(t);
	if (!d->lazy)
		return 0;
	if (vec_grow((void **)&t->scratch, &t->scratch_cap, c->max_dests + 1, sizeof(*t->scratch),
		     c->max_dests + 1))
		return -ENOMEM;
	if (d->has_ranks) {
		t->ranks = malloc(sizeof(*t->ranks));
		if (!t->ranks)
			return -ENOMEM;
		*t->ranks = d->ranks;
	}
	t->lazy_of = snapshot_ref(c->of);
	t->sort_col = d->sort_col;
	t->descending = d->descending;
	return 0;
}

static int cached_build(struct table *t, const struct lvs_snapshot *s, const struct table_opts *o)
{
	struct table_cache *c = t->cache;
	if (c && c->of != s) {
		cache_free(c);
		c = t->cache = NULL;
	}
	if (!c) {
		c = t->cache = calloc(1, sizeof(*c));
		if (!c)
			return build_rows(t, s, o);
		c->of = snapshot_ref((struct lvs_snapshot *)s);
		for (size_t i = 0; i < s->n_services; i++)
			if (s->services[i].n_dests > c->max_dests)
				c->max_dests = s->services[i].n_dests;
	}
	if ((t->text_of && t->text_of != s) || (t->text_part && t->text_part != s))
		text_drop(t); /* do not keep an old snapshot alive */
	char f[128];
	size_t k = 0;
	for (; o->filter && o->filter[k] && k + 1 < sizeof(f); k++)
		f[k] = (char)tolower((unsigned char)o->filter[k]);
	f[k] = 0;
	struct order *d = order_find(c, o);
	bool fresh = !d;
	if (fresh && !(d = order_add(t, c, s, o)))
		return build_rows(t, s, o);
	d->used = ++c->clock;
	if (!fresh && order_use(t, c, d)) {
		t->n = 0;
		return -ENOMEM;
	}
	/* The longest filter kept that f extends (level 0's "" at least). */
	while (d->n_lv > 1 && !has_prefix(f, d->lv[d->n_lv - 1].filter)) {
		if (!d->lv[d->n_lv - 1].same)
			free(d->lv[d->n_lv - 1].rows);
		d->n_lv--;
	}
	const struct level *src = &d->lv[d->n_lv - 1];
	if (!strcmp(src->filter, f)) {
		if (fresh)
			return 0; /* t's rows are level 0's already */
		t->n = 0;
		if (reserve(t, src->n + 1))
			return -ENOMEM;
		if (src->n)
			memcpy(t->rows, src->rows, src->n * sizeof(*src->rows));
		t->n = src->n;
		return 0;
	}
	int r = text_build(t, s);
	if (!r)
		r = filter_rows(t, s, o->tree, src, f);
	if (r) {
		t->n = 0;
		return r;
	}
	level_push(d, f, t->rows, t->n);
	return 0;
}

int table_build(struct table *t, const struct lvs_snapshot *s, const struct table_opts *o)
{
	int r = o->toggled && o->toggled->count ? build_rows(t, s, o) : cached_build(t, s, o);
	if (!r && o->texts)
		(void)text_build(t, s); /* on -ENOMEM the filter makes them later */
	return r;
}

/* Sort the real-server rows of the service at row b (a lazy build's). */
static void settle_block(struct table *t, size_t b)
{
	const struct lvs_snapshot *s = t->lazy_of;
	size_t e = b + 1;
	while (e < t->n && t->rows[e].dest >= 0)
		e++;
	size_t nd = e - b - 1;
	assert(nd <= t->scratch_cap);
	struct table_item *it = t->scratch;
	struct sort_ctx ctx = { s, t->sort_col, t->descending };
	for (size_t j = 0; j < nd; j++) {
		it[j] = (struct table_item){ 0, t->rows[b + 1 + j].svc, t->rows[b + 1 + j].dest };
		fill_key(s, &it[j], t->sort_col, t->ranks);
	}
	sort_items(it, nd, &ctx);
	for (size_t j = 0; j < nd; j++)
		t->rows[b + 1 + j] = (struct row){ it[j].svc, it[j].dest, j + 1 == nd ? ROW_LAST : 0 };
	t->rows[b].flags &= ~(uint32_t)ROW_UNSORTED;
}

void table_settle(struct table *t, size_t from, size_t to)
{
	if (!t->lazy_of)
		return;
	if (to > t->n)
		to = t->n;
	if (from >= to)
		return;
	/* From the service row of the block `from` falls in. */
	size_t i = from;
	while (i > 0 && t->rows[i].dest >= 0)
		i--;
	for (; i < to; i++)
		if (t->rows[i].dest < 0 && (t->rows[i].flags & ROW_UNSORTED))
			settle_block(t, i);
}

const struct row *table_row(struct table *t, size_t i)
{
	table_settle(t, i, i + 1);
	return &t->rows[i];
}

/* Where row i's object is once its service is settled (settling only
 * reorders the real servers within their service). */
static long settled_index(struct table *t, size_t i)
{
	if (!t->lazy_of || t->rows[i].dest < 0)
		return (long)i;
	uint32_t svc = t->rows[i].svc;
	int32_t dest = t->rows[i].dest;
	table_settle(t, i, i + 1);
	size_t b = i;
	while (b > 0 && t->rows[b].dest >= 0)
		b--;
	for (size_t j = b + 1; j < t->n && t->rows[j].dest >= 0; j++)
		if (t->rows[j].svc == svc && t->rows[j].dest == dest)
			return (long)j;
	return (long)i;
}

void table_row_key(const struct lvs_snapshot *s, const struct row *r, struct lvs_key *k)
{
	const struct lvs_service *v = &s->services[r->svc];
	if (r->dest < 0)
		lvs_key_service(k, v);
	else
		lvs_key_dest(k, v, &v->dests[r->dest]);
}

long table_find_index(struct table *t, uint32_t svc, int32_t dest)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].svc == svc && t->rows[i].dest == dest)
			return settled_index(t, i);
	return -1;
}

long table_find(struct table *t, const struct lvs_snapshot *s, const struct lvs_key *k)
{
	for (size_t i = 0; i < t->n; i++) {
		struct lvs_key rk;
		table_row_key(s, &t->rows[i], &rk);
		if (lvs_key_equal(&rk, k))
			return settled_index(t, i);
	}
	return -1;
}

static void fmt_u(uint64_t v, bool exact, char *buf, size_t len)
{
	fmt_count(v, exact, buf, len);
}

void table_cell(const struct lvs_snapshot *s, const struct row *r, enum col_id c, bool exact,
		bool flat, char *buf, size_t len)
{
	const struct lvs_service *v = &s->services[r->svc];
	const struct lvs_dest *d = r->dest >= 0 ? &v->dests[r->dest] : NULL;
	struct lvs_rates rt;
	struct svc_sums m;
	char a[LVS_ADDR_STRLEN + 16], b[LVS_ADDR_STRLEN + 16];
	buf[0] = 0;
	if (d)
		dest_rates(s, d, &rt);
	else
		svc_rates(v, &rt);
	switch (c) {
	case COL_PROTO:
		snprintf(buf, len, "%s", lvs_service_proto_name(v));
		break;
	case COL_NAME:
		if (!d)
			fmt_service(v, buf, len);
		else if (flat)
			snprintf(buf, len, "%s < %s", fmt_endpoint(d->af, &d->addr, d->port, a, sizeof(a)),
				 fmt_service(v, b, sizeof(b)));
		else
			fmt_endpoint(d->af, &d->addr, d->port, buf, len);
		break;
	case COL_SCHED:
		snprintf(buf, len, "%s", d ? lvs_fwd_name(d->fwd) : v->sched);
		break;
	case COL_FLAGS:
		if (d) {
			/* ipvsadm -Ln's way: ipip, the default, goes without
			 * saying; gue and gre are named. */
			if (d->fwd == LVS_FWD_TUNNEL && d->tun_type != IP_VS_CONN_F_TUNNEL_TYPE_IPIP)
				snprintf(buf, len, "%s", lvs_tun_type_name(d->tun_type));
			else if (d->u_thresh || d->l_thresh)
				snprintf(buf, len, "%u-%u", d->l_thresh, d->u_thresh);
		} else {
			const char *names[8];
			size_t n = lvs_svc_flag_names(v->flags & ~0x3u, v->sched, names, 8);
			int o = 0;
			if (v->flags & 0x1)
				o = snprintf(buf, len, "pers %u", v->timeout);
			for (size_t i = 0; i < n && o >= 0 && (size_t)o < len; i++)
				o += snprintf(buf + o, len - (size_t)o, "%s%s", o ? " " : "", names[i]);
		}
		break;
	case COL_WEIGHT:
		if (d) {
			snprintf(buf, len, "%" PRId32, d->weight);
		} else {
			sums_of(s, v, &m);
			snprintf(buf, len, "%" PRId64, m.weight);
		}
		break;
	case COL_ACTIVE:
	case COL_INACT:
	case COL_PERSIST:
		fmt_u((uint64_t)num_value(s, v, d, c), exact, buf, len);
		break;
	case COL_CPS: fmt_rate(rt.cps, exact, buf, len); break;
	case COL_INPPS: fmt_rate(rt.inpps, exact, buf, len); break;
	case COL_OUTPPS: fmt_rate(rt.outpps, exact, buf, len); break;
	case COL_INBPS: fmt_rate(rt.inbps, exact, buf, len); break;
	case COL_OUTBPS: fmt_rate(rt.outbps, exact, buf, len); break;
	case COL_SHARE:
		if (d) {
			double t, w;
			shares(s, v, d, &t, &w);
			char ts[8] = "-", ws[8] = "-";
			if (t >= 0)
				snprintf(ts, sizeof(ts), "%.0f", t);
			if (w >= 0)
				snprintf(ws, sizeof(ws), "%.0f", w);
			snprintf(buf, len, "%s/%s", ts, ws);
		}
		break;
	case COL_HEALTH:
		if (d) {
			snprintf(buf, len, "%s", d->health == LVS_HEALTH_UP     ? "up"
						 : d->health == LVS_HEALTH_DOWN ? "down"
										: "-");
		} else {
			sums_of(s, v, &m);
			if (m.up + m.down)
				snprintf(buf, len, "%u/%zu", m.up, v->n_dests);
			else
				snprintf(buf, len, "-");
		}
		break;
	default:
		break;
	}
}
