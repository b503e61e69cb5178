#include "snapshot.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "share/vec.h"

/* The reference count lives beside the public struct so that the model
 * stays plain data. */
struct snap_box {
	atomic_uint refs;
	size_t cap_services, cap_dests, cap_krates;
	bool keep_krates; /* snapshot_keep_dest_rates was called */
	size_t last_svc; /* svc_index of the last snapshot_add_dest */
	uint32_t last_text; /* offset of the last snapshot_add_text (0: none) */
	struct lvs_snapshot s;
};

const struct lvs_kern_rates lvs_kern_rates_none;

static struct snap_box *box_of(struct lvs_snapshot *s)
{
	return (struct snap_box *)((char *)s - offsetof(struct snap_box, s));
}

struct lvs_snapshot *snapshot_new(void)
{
	struct snap_box *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	atomic_init(&b->refs, 1);
	return &b->s;
}

struct lvs_snapshot *snapshot_ref(struct lvs_snapshot *s)
{
	atomic_fetch_add_explicit(&box_of(s)->refs, 1, memory_order_relaxed);
	return s;
}

void lvs_conn_summary_clear(struct lvs_conn_summary *c)
{
	free(c->dests);
	free(c->top_clients);
	memset(c, 0, sizeof(*c));
}

void snapshot_unref(struct lvs_snapshot *s)
{
	if (!s)
		return;
	struct snap_box *b = box_of(s);
	if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1)
		return;
	free(s->services);
	free(s->dests);
	free(s->dest_krates);
	free(s->text);
	lvs_conn_summary_clear(&s->conns);
	free(b);
}

int snapshot_add_service(struct lvs_snapshot *s, const struct lvs_service *svc)
{
	struct snap_box *b = box_of(s);
	int r = vec_grow((void **)&s->services, &b->cap_services, s->n_services + 1,
			 sizeof(*s->services), 16);
	if (r)
		return r;
	struct lvs_service *n = &s->services[s->n_services++];
	*n = *svc;
	/* While building, dests holds nothing; n_dests counts the service's
	 * real servers and the first one's index is kept in first_dest. */
	n->dests = NULL;
	n->n_dests = 0;
	n->first_dest = s->n_dests;
	return 0;
}

/* The kernel rates get as much room as the real servers have (reserved,
 * or grown): one array follows the other. 0 or -ENOMEM. */
static int krates_fit(struct lvs_snapshot *s, struct snap_box *b)
{
	if (b->cap_krates >= b->cap_dests)
		return 0;
	return vec_grow_exact((void **)&s->dest_krates, &b->cap_krates, b->cap_dests,
			      sizeof(*s->dest_krates)) ? -ENOMEM : 0;
}

int snapshot_keep_dest_rates(struct lvs_snapshot *s)
{
	struct snap_box *b = box_of(s);
	if (b->keep_krates)
		return 0;
	if (krates_fit(s, b))
		return -ENOMEM;
	if (s->n_dests)
		memset(s->dest_krates, 0, s->n_dests * sizeof(*s->dest_krates));
	b->keep_krates = true;
	return 0;
}

int snapshot_add_dest(struct lvs_snapshot *s, size_t svc_index, const struct lvs_dest *d)
{
	return snapshot_add_dest_rates(s, svc_index, d, NULL);
}

int snapshot_add_dest_rates(struct lvs_snapshot *s, size_t svc_index, const struct lvs_dest *d,
			    const struct lvs_kern_rates *kr)
{
	struct snap_box *b = box_of(s);
	if (svc_index >= s->n_services || (s->n_dests && svc_index < b->last_svc))
		return -EINVAL;
	int r = vec_grow((void **)&s->dests, &b->cap_dests, s->n_dests + 1, sizeof(*s->dests), 16);
	if (r)
		return r;
	if (b->keep_krates) {
		if (krates_fit(s, b))
			return -ENOMEM;
		s->dest_krates[s->n_dests] = kr ? *kr : lvs_kern_rates_none;
	}
	struct lvs_service *svc = &s->services[svc_index];
	if (svc->n_dests == 0)
		svc->first_dest = s->n_dests;
	s->dests[s->n_dests++] = *d;
	svc->n_dests++;
	b->last_svc = svc_index;
	return 0;
}

int snapshot_reserve(struct lvs_snapshot *s, size_t n_services, size_t n_dests)
{
	struct snap_box *b = box_of(s);
	if (vec_grow_exact((void **)&s->services, &b->cap_services, n_services, sizeof(*s->services)))
		return -ENOMEM;
	if (vec_grow_exact((void **)&s->dests, &b->cap_dests, n_dests, sizeof(*s->dests)))
		return -ENOMEM;
	return b->keep_krates ? krates_fit(s, b) : 0;
}

int snapshot_add_text(struct lvs_snapshot *s, const char *text, size_t max, uint32_t *off)
{
	size_t n = strnlen(text, max);
	if (!n) {
		*off = 0;
		return 0;
	}
	/* Many real servers fail the same way at once: reuse the last text. */
	struct snap_box *b = box_of(s);
	if (b->last_text && strlen(s->text + b->last_text) == n &&
	    !memcmp(s->text + b->last_text, text, n)) {
		*off = b->last_text;
		return 0;
	}
	size_t at = s->text_len ? s->text_len : 1; /* offset 0 is "" */
	if (at + n + 1 > UINT32_MAX)
		return -ENOMEM;
	if (at + n + 1 > s->text_cap) {
		if (vec_grow((void **)&s->text, &s->text_cap, at + n + 1, 1, 1024))
			return -ENOMEM;
		s->text[0] = 0;
	}
	memcpy(s->text + at, text, n);
	s->text[at + n] = 0;
	s->text_len = at + n + 1;
	b->last_text = (uint32_t)at;
	*off = (uint32_t)at;
	return 0;
}

void snapshot_finish(struct lvs_snapshot *s)
{
	struct snap_box *b = box_of(s);
	/* Give back the slack of the doubling growth: a published snapshot
	 * lives for a whole poll interval, two or three of them at once. */
	vec_trim((void **)&s->services, &b->cap_services, s->n_services, sizeof(*s->services));
	vec_trim((void **)&s->dests, &b->cap_dests, s->n_dests, sizeof(*s->dests));
	if (b->keep_krates)
		vec_trim((void **)&s->dest_krates, &b->cap_krates, s->n_dests,
			 sizeof(*s->dest_krates));
	size_t end = 0;
	for (size_t i = 0; i < s->n_services; i++) {
		struct lvs_service *svc = &s->services[i];
		/* A service without real servers starts where the last one
		 * ended, so first_dest never decreases (snapshot_dest_service). */
		if (!svc->n_dests)
			svc->first_dest = end;
		svc->dests = svc->n_dests ? &s->dests[svc->first_dest] : NULL;
		end = svc->first_dest + svc->n_dests;
	}
}

size_t snapshot_dest_service(const struct lvs_snapshot *s, size_t j)
{
	/* The last service that starts at or before j holds it. */
	size_t lo = 0, hi = s->n_services;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->services[mid].first_dest <= j)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

bool snapshot_same_layout(const struct lvs_snapshot *a, const struct lvs_snapshot *b)
{
	if (a->n_services != b->n_services || a->n_dests != b->n_dests)
		return false;
	for (size_t i = 0; i < b->n_services; i++) {
		const struct lvs_service *p = &a->services[i], *c = &b->services[i];
		if (!lvs_service_same(p, c) || p->n_dests != c->n_dests ||
		    p->first_dest != c->first_dest)
			return false;
		for (size_t j = 0; j < c->n_dests; j++)
			if (!lvs_dest_same(&p->dests[j], &c->dests[j]))
				return false;
	}
	return true;
}

static size_t addr_len(uint16_t af)
{
	return af == AF_INET6 ? 16 : 4;
}

bool lvs_service_same(const struct lvs_service *a, const struct lvs_service *b)
{
	return a->af == b->af && a->protocol == b->protocol && a->port == b->port &&
	       a->fwmark == b->fwmark && !memcmp(&a->addr, &b->addr, addr_len(a->af));
}

bool lvs_dest_same(const struct lvs_dest *a, const struct lvs_dest *b)
{
	return a->af == b->af && a->port == b->port &&
	       !memcmp(&a->addr, &b->addr, addr_len(a->af));
}

/* FNV-1a over the identity fields, then a final mix so that open addressing
 * with a power-of-two table sees well-spread low bits. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

uint64_t lvs_service_hash(const struct lvs_service *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint32_t k[3] = { (uint32_t)s->af << 16 | s->protocol, s->port, s->fwmark };
	h = fnv(h, k, sizeof(k));
	return mix(fnv(h, &s->addr, addr_len(s->af)));
}

uint64_t lvs_dest_hash(const struct lvs_dest *d)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint32_t k = (uint32_t)d->af << 16 | d->port;
	h = fnv(h, &k, sizeof(k));
	return mix(fnv(h, &d->addr, addr_len(d->af)));
}

void lvs_key_service(struct lvs_key *k, const struct lvs_service *s)
{
	memset(k, 0, sizeof(*k));
	k->svc_af = s->af;
	k->svc_proto = s->protocol;
	k->fwmark = s->fwmark;
	k->svc_port = s->port;
	memcpy(&k->svc_addr, &s->addr, addr_len(s->af));
}

void lvs_key_dest(struct lvs_key *k, const struct lvs_service *s, const struct lvs_dest *d)
{
	lvs_key_service(k, s);
	k->is_dest = 1;
	k->dest_af = d->af;
	k->dest_port = d->port;
	memcpy(&k->dest_addr, &d->addr, addr_len(d->af));
}

uint64_t lvs_key_hash(const struct lvs_key *k)
{
	return mix(fnv(0xcbf29ce484222325ULL, k, sizeof(*k)));
}

bool lvs_key_equal(const struct lvs_key *a, const struct lvs_key *b)
{
	return !memcmp(a, b, sizeof(*a));
}
