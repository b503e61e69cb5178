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

struct lvs_rings {
	pthread_rwlock_t lock;
	uint32_t samples, evict_after;
	uint32_t slots; /* per ring now; 0 until the first object */
	size_t budget, stride;
	enum lvs_rings_fields fields;
	uint32_t poll;
	struct lvs_keymap map;   /* key -> ring index */
	struct ring_state *st;   /* owned; n_st used (some free), cap_st allocated */
	size_t n_st, cap_st;
	unsigned char *slab;     /* owned; cap_st * slots * stride bytes */
	uint32_t *free_idx;      /* owned; indices of free rings */
	size_t n_free, cap_free;
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
	if (!h->tmp || keymap_init(&h->map, 64)) {
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
	free(h->st);
	free(h->slab);
	free(h->free_idx);
	free(h->tmp);
	keymap_done(&h->map);
	pthread_rwlock_destroy(&h->lock);
	free(h);
}

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

/* The ring of k, made if new: its index, or -ENOMEM. */
static long ring_for(lvs_rings *h, const struct lvs_key *k)
{
	uint32_t *idx = keymap_get(&h->map, k);
	if (idx)
		return (long)*idx;
	size_t i;
	if (h->n_free) {
		i = h->free_idx[--h->n_free];
	} else {
		if (h->n_st == h->cap_st) {
			size_t ncap = h->cap_st ? h->cap_st * 2 : 64;
			struct ring_state *p = realloc(h->st, ncap * sizeof(*p));
			if (!p)
				return -ENOMEM;
			h->st = p;
			unsigned char *q = realloc(h->slab, ncap * h->slots * h->stride);
			if (!q)
				return -ENOMEM;
			h->slab = q;
			h->cap_st = ncap;
		}
		i = h->n_st++;
	}
	if (keymap_put(&h->map, k, (uint32_t)i)) {
		h->free_idx[h->n_free++] = (uint32_t)i; /* cap_free >= n_st */
		return -ENOMEM;
	}
	h->st[i] = (struct ring_state){ 0 };
	return (long)i;
}

static void push(lvs_rings *h, size_t i, double t, const struct lvs_rates *r, uint32_t active,
		 uint32_t inactive)
{
	struct ring_state *st = &h->st[i];
	unsigned char *dst = slot_at(h, i, st->head);
	if (h->fields == LVS_RINGS_CPS) {
		uint16_t e = cps_encode(r->cps);
		memcpy(dst, &e, sizeof(e));
	} else {
		struct lvs_sample smp = { .t = t,
					  .cps = (float)r->cps,
					  .inpps = (float)r->inpps,
					  .outpps = (float)r->outpps,
					  .inbps = (float)r->inbps,
					  .outbps = (float)r->outbps,
					  .active = active,
					  .inactive = inactive };
		memcpy(dst, &smp, sizeof(smp));
	}
	st->head = (uint16_t)(st->head + 1u == h->slots ? 0 : st->head + 1u);
	if (st->count < h->slots)
		st->count++;
	st->last_seen = h->poll;
}

static int put(lvs_rings *h, const struct lvs_key *k, double t, const struct lvs_rates *r,
	       uint32_t active, uint32_t inactive)
{
	long i = ring_for(h, k);
	if (i < 0)
		return (int)i;
	push(h, (size_t)i, t, r, active, inactive);
	return 0;
}

static void evict(lvs_rings *h)
{
	for (size_t e = 0; e < h->map.count;) {
		uint32_t i = h->map.entries[e].value;
		if ((uint32_t)(h->poll - h->st[i].last_seen) <= h->evict_after) {
			e++;
			continue;
		}
		/* The map's last entry moves into e: look at e again. */
		struct lvs_key k = h->map.entries[e].key;
		keymap_del(&h->map, &k);
		h->st[i] = (struct ring_state){ 0 };
		h->free_idx[h->n_free++] = i;
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

int rings_record(lvs_rings *h, const struct lvs_snapshot *s)
{
	size_t objects = s->n_services + s->n_dests;
	int err = 0;
	pthread_rwlock_wrlock(&h->lock);
	/* Room for every index in the free list up front, so that eviction
	 * and failed inserts never allocate. */
	size_t need = h->n_st + objects;
	if (need > h->cap_free) {
		uint32_t *p = realloc(h->free_idx, need * sizeof(*p));
		if (!p) {
			pthread_rwlock_unlock(&h->lock);
			return -ENOMEM;
		}
		h->free_idx = p;
		h->cap_free = need;
	}
	h->poll++;
	if (objects)
		fit(h, objects);
	struct lvs_key k;
	size_t done = 0;
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *svc = &s->services[i];
		if (svc->rates_valid) {
			uint32_t act = 0, inact = 0;
			for (size_t j = 0; j < svc->n_dests; j++) {
				act += svc->dests[j].active_conns;
				inact += svc->dests[j].inact_conns;
			}
			lvs_key_service(&k, svc);
			if (put(h, &k, s->time, &svc->rates, act, inact))
				err = -ENOMEM;
		}
		for (size_t j = 0; j < svc->n_dests; j++) {
			const struct lvs_dest *d = &svc->dests[j];
			if (!d->rates_valid)
				continue;
			lvs_key_dest(&k, svc, d);
			if (put(h, &k, s->time, &d->rates, d->active_conns, d->inact_conns))
				err = -ENOMEM;
		}
		/* Let readers in between batches: on a table of 100,000 objects
		 * one whole pass holds the lock for tens of milliseconds, and a
		 * console drawing sparklines would wait that long for a key.
		 * Each ring stays consistent; only the poll is half recorded. */
		done += 1 + svc->n_dests;
		if (done >= RINGS_BATCH) {
			done = 0;
			pthread_rwlock_unlock(&h->lock);
			pthread_rwlock_wrlock(&h->lock);
		}
	}
	evict(h);
	pthread_rwlock_unlock(&h->lock);
	return err;
}

/* Under the read lock: copy up to max newest samples of k, oldest first. */
static size_t copy_out(const lvs_rings *h, const struct lvs_key *k, struct lvs_sample *out,
		       size_t max)
{
	uint32_t *idx = keymap_get(&h->map, k);
	if (!idx)
		return 0;
	const struct ring_state *r = &h->st[*idx];
	size_t n = r->count < max ? r->count : max;
	size_t at = (r->head + h->slots - n) % h->slots;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *src = slot_at(h, *idx, at);
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
	size_t n = h->map.count;
	pthread_rwlock_unlock(&h->lock);
	return n;
}

size_t rings_bytes(lvs_rings *h)
{
	pthread_rwlock_rdlock(&h->lock);
	size_t n = h->map.count * h->slots * h->stride;
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
