#include "rings.h"

#include "keymap.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RINGS_BATCH 4096     /* objects recorded per hold of the write lock */
#define RINGS_SLOTS_MAX 65535 /* head and count are 16-bit */
/* LVS_RINGS_CPS keeps a rate in 16 bits, as a small float of sixteenths
 * of a connection: 5 bits of exponent, 11 of mantissa. Below 128 a second
 * it is exact to 1/16; above, within 0.025 % (plenty for a line 12 pixels
 * high and a maximum printed with three digits), up to 2.7e11 a second.
 * Integer work only but one multiplication: a poll encodes every object,
 * and floating-point library calls are slow where the CPU is emulated. */
#define CPS_FRAC 16.0
#define CPS_TOP (4095.0 * 0x1p30 / CPS_FRAC) /* the largest value kept */

static uint16_t cps_encode(double cps)
{
	if (!(cps > 0))
		return 0; /* also NaN */
	if (cps >= CPS_TOP)
		return 0xffff;
	double x = cps * CPS_FRAC;
	uint64_t v = (uint64_t)(x + 0.5);
	if (v < 2048)
		return (uint16_t)v; /* exponent 0: v itself */
	/* One rounding, of x scaled (exactly) to 2048..4096. */
	unsigned shift = 63 - (unsigned)__builtin_clzll(v) - 11;
	uint64_t m = (uint64_t)(x / (double)(1ull << shift) + 0.5);
	if (m == 4096) { /* rounded up past the mantissa */
		m = 2048;
		shift++;
	}
	unsigned e = shift + 1;
	if (e > 31)
		return 0xffff;
	return (uint16_t)(e << 11 | (unsigned)(m - 2048));
}

static float cps_decode(uint16_t c)
{
	unsigned e = c >> 11, m = c & 0x7ff;
	uint64_t v = e ? (uint64_t)(2048 + m) << (e - 1) : m;
	return (float)((double)v / CPS_FRAC);
}

/* A ring's place is its index: its slots are slab[index * slots ...]. */
struct ring_state {
	uint32_t last_seen; /* poll number (low 32 bits) */
	uint16_t head;      /* where the next sample goes */
	uint16_t count;
};

#define RING_NONE UINT32_MAX
#define RING_DUP (UINT32_MAX - 1) /* an object with the key of an earlier one */

/* Objects are numbered in a snapshot's order: its services, then its real
 * servers (n_services + index in dests). */
struct lvs_rings {
	pthread_rwlock_t lock;
	uint32_t samples, evict_after;
	uint32_t slots; /* per ring now; 0 until the first object */
	size_t budget, stride;
	enum lvs_rings_fields fields;
	uint32_t poll;
	/* The table last recorded, which finds an object's ring without a
	 * copy of its key: its snapshot (a reference; the collector
	 * publishes the same one), each object's ring (RING_NONE: none) and
	 * an index by key (open addressing, object number + 1; 0 empty). */
	struct lvs_snapshot *snap;
	uint32_t *ring_of;
	uint32_t *index;
	size_t index_mask;
	/* Objects no longer in snap whose ring is kept until evict_after
	 * polls have gone by: key -> ring (empty while the table holds). */
	struct lvs_keymap gone;
	struct ring_state *st;   /* owned; n_st used (some free), cap_st allocated */
	size_t n_st, cap_st;
	unsigned char *slab;     /* owned; cap_st * slots * stride bytes */
	uint32_t *free_idx;      /* owned; indices of free rings (room for cap_st) */
	size_t n_free;
	unsigned char *tmp;      /* owned; one ring's samples, for a resize */
};

lvs_rings *rings_new(uint32_t samples, size_t budget, uint32_t evict_after,
		     enum lvs_rings_fields fields)
{
	lvs_rings *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->samples = samples ? samples : 1;
	if (h->samples > RINGS_SLOTS_MAX)
		h->samples = RINGS_SLOTS_MAX;
	h->fields = fields;
	h->stride = fields == LVS_RINGS_CPS ? sizeof(uint16_t) : sizeof(struct lvs_sample);
	h->budget = budget;
	h->evict_after = evict_after;
	h->tmp = malloc((size_t)h->samples * h->stride);
	if (!h->tmp || keymap_init(&h->gone, 16)) {
		free(h->tmp);
		free(h);
		return NULL;
	}
	pthread_rwlock_init(&h->lock, NULL);
	return h;
}

void rings_free(lvs_rings *h)
{
	if (!h)
		return;
	snapshot_unref(h->snap);
	free(h->ring_of);
	free(h->index);
	free(h->st);
	free(h->slab);
	free(h->free_idx);
	free(h->tmp);
	keymap_done(&h->gone);
	pthread_rwlock_destroy(&h->lock);
	free(h);
}

/* --- objects of a snapshot, by key ------------------------------------------ */

static size_t n_objects(const struct lvs_snapshot *s)
{
	return s->n_services + s->n_dests;
}

static void object_key(const struct lvs_snapshot *s, size_t o, struct lvs_key *k)
{
	if (o < s->n_services) {
		lvs_key_service(k, &s->services[o]);
		return;
	}
	size_t j = o - s->n_services;
	lvs_key_dest(k, &s->services[snapshot_dest_service(s, j)], &s->dests[j]);
}

/* An index of s's objects by key: mask + 1 slots, at most half full.
 * ring_of (one per object) gets RING_NONE, or RING_DUP for an object
 * with the key of an earlier one (which the index keeps). NULL on out of
 * memory. */
static uint32_t *index_build(const struct lvs_snapshot *s, size_t *mask, uint32_t *ring_of)
{
	size_t n = n_objects(s), slots = 16;
	while (slots < 2 * n)
		slots *= 2;
	uint32_t *ix = calloc(slots, sizeof(*ix));
	if (!ix)
		return NULL;
	struct lvs_key k;
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *svc = &s->services[i];
		for (size_t j = 0; j <= svc->n_dests; j++) {
			/* the service, then its real servers */
			size_t obj = j ? s->n_services + svc->first_dest + j - 1 : i;
			if (j)
				lvs_key_dest(&k, svc, &svc->dests[j - 1]);
			else
				lvs_key_service(&k, svc);
			size_t at = lvs_key_hash(&k) & (slots - 1);
			bool dup = false;
			for (; ix[at]; at = (at + 1) & (slots - 1)) {
				struct lvs_key o2;
				object_key(s, ix[at] - 1, &o2);
				if ((dup = lvs_key_equal(&o2, &k)))
					break; /* the first of two equal objects wins */
			}
			if (!dup)
				ix[at] = (uint32_t)obj + 1;
			ring_of[obj] = dup ? RING_DUP : RING_NONE;
		}
	}
	*mask = slots - 1;
	return ix;
}

/* The object of s with key k: its number, or -1. */
static long index_find(const struct lvs_snapshot *s, const uint32_t *ix, size_t mask,
		       const struct lvs_key *k)
{
	for (size_t at = lvs_key_hash(k) & mask; ix[at]; at = (at + 1) & mask) {
		struct lvs_key o;
		object_key(s, ix[at] - 1, &o);
		if (lvs_key_equal(&o, k))
			return (long)ix[at] - 1;
	}
	return -1;
}

/* The ring of k now (under a lock, or on the writer): RING_NONE if none. */
static uint32_t ring_of_key(const lvs_rings *h, const struct lvs_key *k)
{
	if (h->snap) {
		long o = index_find(h->snap, h->index, h->index_mask, k);
		if (o >= 0)
			return h->ring_of[o];
	}
	uint32_t *g = keymap_get(&h->gone, k);
	return g ? *g : RING_NONE;
}

/* --- the rings ---------------------------------------------------------------- */

static unsigned char *slot_at(const lvs_rings *h, size_t ring, size_t slot)
{
	return h->slab + (ring * h->slots + slot) * h->stride;
}

/* Slots per ring for a table of `objects`: the budget shared out, at
 * least 2 (a sparkline needs two points), at most `samples`. */
static uint32_t slots_for(const lvs_rings *h, size_t objects)
{
	size_t per = objects ? h->budget / (objects * h->stride) : h->samples;
	if (per < 2)
		per = 2;
	return per < h->samples ? (uint32_t)per : h->samples;
}

/* Copy ring i's newest n samples, oldest first, to dst (n <= count). */
static void linearize(const lvs_rings *h, size_t i, size_t n, unsigned char *dst)
{
	const struct ring_state *r = &h->st[i];
	size_t at = (r->head + h->slots - n) % h->slots;
	for (size_t k = 0; k < n; k++) {
		memcpy(dst + k * h->stride, slot_at(h, i, at), h->stride);
		at = at + 1 == h->slots ? 0 : at + 1;
	}
}

/* Ring i into its place for `to` slots per ring, keeping the newest. */
static void move_ring(lvs_rings *h, size_t i, uint32_t to)
{
	struct ring_state *r = &h->st[i];
	size_t n = r->count < to ? r->count : to;
	linearize(h, i, n, h->tmp);
	memcpy(h->slab + i * to * h->stride, h->tmp, n * h->stride);
	r->count = (uint16_t)n;
	r->head = (uint16_t)(n == to ? 0 : n);
}

/* Every ring to `to` slots, in place: growing walks from the last ring
 * (each moves up, past no ring not yet moved), shrinking from the first.
 * 0 or -ENOMEM (nothing changed then). */
static int resize_rings(lvs_rings *h, uint32_t to)
{
	if (to == h->slots)
		return 0;
	if (!h->slots || !h->cap_st) {
		h->slots = to; /* nothing stored yet */
		return 0;
	}
	uint32_t from = h->slots;
	if (to > from) {
		unsigned char *p = realloc(h->slab, h->cap_st * to * h->stride);
		if (!p)
			return -ENOMEM;
		h->slab = p;
		for (size_t i = h->n_st; i-- > 0;)
			move_ring(h, i, to);
	} else {
		for (size_t i = 0; i < h->n_st; i++)
			move_ring(h, i, to);
		unsigned char *p = realloc(h->slab, h->cap_st * to * h->stride);
		if (p)
			h->slab = p;
	}
	h->slots = to;
	return 0;
}

/* Room for cap rings (more than cap_st): their states, samples and
 * places in the free list, which so never has to grow when a ring is
 * released (it holds at most n_st). 0 or -ENOMEM (cap_st unchanged). */
static int rings_reserve(lvs_rings *h, size_t cap)
{
	struct ring_state *p = realloc(h->st, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	h->st = p;
	uint32_t *f = realloc(h->free_idx, cap * sizeof(*f));
	if (!f)
		return -ENOMEM;
	h->free_idx = f;
	unsigned char *q = realloc(h->slab, cap * h->slots * h->stride);
	if (!q)
		return -ENOMEM;
	h->slab = q;
	h->cap_st = cap;
	return 0;
}

/* A new, empty ring: its index, or RING_NONE without memory. */
static uint32_t ring_alloc(lvs_rings *h)
{
	size_t i;
	if (h->n_free) {
		i = h->free_idx[--h->n_free];
	} else {
		if (h->n_st == h->cap_st && rings_reserve(h, h->cap_st ? h->cap_st * 2 : 64))
			return RING_NONE;
		i = h->n_st++;
	}
	h->st[i] = (struct ring_state){ .last_seen = h->poll };
	return (uint32_t)i;
}

static void ring_release(lvs_rings *h, uint32_t i)
{
	h->st[i] = (struct ring_state){ 0 };
	h->free_idx[h->n_free++] = i; /* room for cap_st >= n_st */
}

static void push(lvs_rings *h, size_t i, double t, const struct lvs_rates_f *r, uint32_t active,
		 uint32_t inactive)
{
	struct ring_state *st = &h->st[i];
	unsigned char *dst = slot_at(h, i, st->head);
	if (h->fields == LVS_RINGS_CPS) {
		uint16_t e = cps_encode(r->cps);
		memcpy(dst, &e, sizeof(e));
	} else {
		struct lvs_sample smp = { .t = t,
					  .cps = r->cps,
					  .inpps = r->inpps,
					  .outpps = r->outpps,
					  .inbps = r->inbps,
					  .outbps = r->outbps,
					  .active = active,
					  .inactive = inactive };
		memcpy(dst, &smp, sizeof(smp));
	}
	st->head = (uint16_t)(st->head + 1u == h->slots ? 0 : st->head + 1u);
	if (st->count < h->slots)
		st->count++;
	st->last_seen = h->poll;
}

/* Rings of objects gone longer than evict_after polls are freed. */
static void evict(lvs_rings *h)
{
	for (size_t e = 0; e < h->gone.count;) {
		uint32_t i = h->gone.entries[e].value;
		if ((uint32_t)(h->poll - h->st[i].last_seen) <= h->evict_after) {
			e++;
			continue;
		}
		/* The map's last entry moves into e: look at e again. */
		struct lvs_key k = h->gone.entries[e].key;
		keymap_del(&h->gone, &k);
		ring_release(h, i);
	}
}

/* Slots for this poll's table: shrink at once (the budget), grow only by
 * an eighth or more, or to the most, so that a table whose size hovers
 * at a boundary does not resize every ring at every poll. */
static void fit(lvs_rings *h, size_t objects)
{
	uint32_t want = slots_for(h, objects);
	uint32_t step = h->slots / 8 ? h->slots / 8 : 1;
	if (want < h->slots || (want > h->slots && (want >= h->slots + step || want == h->samples)))
		resize_rings(h, want); /* on -ENOMEM the rings keep their size */
}

/* How a changed table's objects find their rings, worked out by the
 * writer before it takes the lock (nothing readers see changes). */
struct plan {
	uint32_t *ring_of;      /* per object of the new table */
	uint32_t *ix;           /* its index by key */
	size_t mask;
	uint32_t *gone;         /* old objects with a ring that left */
	size_t n_gone;
	struct lvs_key *back;   /* keys of objects among the gone that came back */
	size_t n_back, cap_back;
};

static void plan_free(struct plan *p)
{
	free(p->ring_of);
	free(p->ix);
	free(p->gone);
	free(p->back);
}

/* The ring an object of the new table had: its old self's (by position
 * when the table kept it, else by key), or its ring among the gone. */
static int find_ring(const lvs_rings *h, struct plan *p, size_t o, long old_o,
		     const struct lvs_key *k, unsigned char *seen)
{
	const struct lvs_snapshot *old = h->snap;
	/* A place that held the second of two equal objects has no ring:
	 * the first one's is found by key. */
	if ((old_o < 0 || h->ring_of[old_o] == RING_DUP) && old)
		old_o = index_find(old, h->index, h->index_mask, k);
	if (old_o >= 0) {
		p->ring_of[o] = h->ring_of[old_o];
		seen[old_o] = 1;
		return 0;
	}
	uint32_t *g = h->gone.count ? keymap_get(&h->gone, k) : NULL;
	if (!g)
		return 0;
	if (p->n_back == p->cap_back) {
		size_t cap = p->cap_back ? 2 * p->cap_back : 16;
		struct lvs_key *b = realloc(p->back, cap * sizeof(*b));
		if (!b)
			return -ENOMEM;
		p->back = b;
		p->cap_back = cap;
	}
	p->back[p->n_back++] = *k;
	p->ring_of[o] = *g;
	return 0;
}

/* Match the objects of s (a table that changed) with the table last
 * recorded. 0 or -ENOMEM. */
static int plan_make(const lvs_rings *h, const struct lvs_snapshot *s, struct plan *p)
{
	memset(p, 0, sizeof(*p));
	const struct lvs_snapshot *old = h->snap;
	size_t n = n_objects(s), n_old = old ? n_objects(old) : 0;
	unsigned char *seen = calloc(n_old ? n_old : 1, 1);
	if (!seen || !(p->ring_of = malloc((n ? n : 1) * sizeof(*p->ring_of))) ||
	    !(p->ix = index_build(s, &p->mask, p->ring_of)))
		goto nomem;
	struct lvs_key k;
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *svc = &s->services[i];
		/* Its old self: at the same index, else by key. */
		long oi = -1;
		if (old && i < old->n_services && lvs_service_same(&old->services[i], svc))
			oi = (long)i;
		lvs_key_service(&k, svc);
		if (oi < 0 && old)
			oi = index_find(old, h->index, h->index_mask, &k);
		if (p->ring_of[i] != RING_DUP && find_ring(h, p, i, oi, &k, seen))
			goto nomem;
		const struct lvs_service *os = oi >= 0 ? &old->services[oi] : NULL;
		for (size_t j = 0; j < svc->n_dests; j++) {
			size_t o = s->n_services + svc->first_dest + j;
			if (p->ring_of[o] == RING_DUP)
				continue;
			/* Its old self: the same place in the old service, else by key. */
			long od = -1;
			if (os && j < os->n_dests && lvs_dest_same(&os->dests[j], &svc->dests[j]))
				od = (long)(old->n_services + os->first_dest + j);
			lvs_key_dest(&k, svc, &svc->dests[j]);
			if (find_ring(h, p, o, od, &k, seen))
				goto nomem;
		}
	}
	/* The old objects with a ring that nothing matched have left. */
	size_t gone = 0;
	for (size_t o = 0; o < n_old; o++)
		gone += !seen[o] && h->ring_of[o] != RING_NONE && h->ring_of[o] != RING_DUP;
	if (gone && !(p->gone = malloc(gone * sizeof(*p->gone))))
		goto nomem;
	for (size_t o = 0; o < n_old; o++)
		if (!seen[o] && h->ring_of[o] != RING_NONE && h->ring_of[o] != RING_DUP)
			p->gone[p->n_gone++] = (uint32_t)o;
	free(seen);
	return 0;
nomem:
	free(seen);
	plan_free(p);
	return -ENOMEM;
}

/* Under the write lock: the objects that came back leave the gone, those
 * that left join them with their ring. */
static void plan_apply_gone(lvs_rings *h, const struct plan *p)
{
	for (size_t i = 0; i < p->n_back; i++)
		keymap_del(&h->gone, &p->back[i]);
	struct lvs_key k;
	for (size_t i = 0; i < p->n_gone; i++) {
		uint32_t r = h->ring_of[p->gone[i]];
		object_key(h->snap, p->gone[i], &k);
		if (keymap_put(&h->gone, &k, r))
			ring_release(h, r); /* without memory its samples go */
	}
}

int rings_record(lvs_rings *h, struct lvs_snapshot *s)
{
	size_t objects = n_objects(s);
	/* Most polls find the table as it was: the index and each object's
	 * ring stay. Otherwise both are made for s before the lock. */
	bool same = h->snap && snapshot_same_layout(h->snap, s);
	struct plan pl = { .ring_of = h->ring_of };
	if (!same && plan_make(h, s, &pl))
		return -ENOMEM;
	uint32_t *ring_of = pl.ring_of;
	int err = 0;
	pthread_rwlock_wrlock(&h->lock);
	h->poll++;
	if (objects)
		fit(h, objects);
	/* A table larger than the rings gets room for itself and a little
	 * more at once, not by doubling: at 110,000 objects doubling left
	 * room for 131,072. Failing, ring_alloc still grows them by doubling. */
	if (objects > h->cap_st)
		(void)rings_reserve(h, objects + objects / 64 + 16);
	size_t done = 0;
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *svc = &s->services[i];
		for (size_t j = 0; j <= svc->n_dests; j++) {
			const struct lvs_dest *d = j ? &svc->dests[j - 1] : NULL;
			size_t o = j ? s->n_services + svc->first_dest + j - 1 : i;
			if (!(d ? d->rates_valid : svc->rates_valid) || ring_of[o] == RING_DUP)
				continue;
			if (ring_of[o] == RING_NONE && (ring_of[o] = ring_alloc(h)) == RING_NONE) {
				err = -ENOMEM; /* skipped this poll */
				continue;
			}
			if (d) {
				push(h, ring_of[o], s->time, &d->rates, d->active_conns, d->inact_conns);
			} else {
				uint32_t act = 0, inact = 0;
				for (size_t m = 0; m < svc->n_dests; m++) {
					act += svc->dests[m].active_conns;
					inact += svc->dests[m].inact_conns;
				}
				push(h, ring_of[o], s->time, &svc->rates, act, inact);
			}
		}
		/* Let readers in between batches: on a table of 100,000 objects
		 * one whole pass holds the lock for tens of milliseconds, and a
		 * console drawing sparklines would wait that long for a key.
		 * Each ring stays consistent; only the poll is half recorded,
		 * and readers find objects by the table recorded before. */
		done += 1 + svc->n_dests;
		if (done >= RINGS_BATCH) {
			done = 0;
			pthread_rwlock_unlock(&h->lock);
			pthread_rwlock_wrlock(&h->lock);
		}
	}
	struct lvs_snapshot *old = h->snap;
	if (!same) {
		plan_apply_gone(h, &pl);
		/* The plan takes the old tables, to be freed outside the lock. */
		uint32_t *ix = pl.ix, *ro = pl.ring_of;
		pl.ix = h->index;
		pl.ring_of = h->ring_of;
		h->index = ix;
		h->index_mask = pl.mask;
		h->ring_of = ro;
	}
	h->snap = snapshot_ref(s);
	evict(h);
	pthread_rwlock_unlock(&h->lock);
	snapshot_unref(old);
	if (!same)
		plan_free(&pl);
	return err;
}

/* Under the read lock: copy up to max newest samples of k, oldest first. */
static size_t copy_out(const lvs_rings *h, const struct lvs_key *k, struct lvs_sample *out,
		       size_t max)
{
	uint32_t idx = ring_of_key(h, k);
	if (idx == RING_NONE || idx == RING_DUP)
		return 0;
	const struct ring_state *r = &h->st[idx];
	size_t n = r->count < max ? r->count : max;
	size_t at = (r->head + h->slots - n) % h->slots;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *src = slot_at(h, idx, at);
		if (h->fields == LVS_RINGS_CPS) {
			uint16_t e;
			memcpy(&e, src, sizeof(e));
			out[i] = (struct lvs_sample){ .cps = cps_decode(e) };
		} else {
			memcpy(&out[i], src, sizeof(out[i]));
		}
		at = at + 1 == h->slots ? 0 : at + 1;
	}
	return n;
}

size_t rings_read(lvs_rings *h, const struct lvs_key *k, struct lvs_sample *out, size_t max)
{
	pthread_rwlock_rdlock(&h->lock);
	size_t n = copy_out(h, k, out, max);
	pthread_rwlock_unlock(&h->lock);
	return n;
}

int rings_try_read(lvs_rings *h, const struct lvs_key *k, struct lvs_sample *out, size_t max,
		   size_t *n)
{
	*n = 0;
	if (pthread_rwlock_tryrdlock(&h->lock))
		return -EBUSY;
	*n = copy_out(h, k, out, max);
	pthread_rwlock_unlock(&h->lock);
	return 0;
}

size_t rings_objects(lvs_rings *h)
{
	pthread_rwlock_rdlock(&h->lock);
	size_t n = h->n_st - h->n_free;
	pthread_rwlock_unlock(&h->lock);
	return n;
}

size_t rings_bytes(lvs_rings *h)
{
	pthread_rwlock_rdlock(&h->lock);
	size_t n = (h->n_st - h->n_free) * h->slots * h->stride;
	pthread_rwlock_unlock(&h->lock);
	return n;
}

size_t rings_capacity(lvs_rings *h)
{
	pthread_rwlock_rdlock(&h->lock);
	size_t n = h->cap_st;
	pthread_rwlock_unlock(&h->lock);
	return n;
}

uint32_t rings_slots(lvs_rings *h)
{
	pthread_rwlock_rdlock(&h->lock);
	uint32_t n = h->slots;
	pthread_rwlock_unlock(&h->lock);
	return n;
}
