#include "rings.h"

#include "keymap.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#define RINGS_BATCH 4096 /* objects recorded per hold of the write lock */

struct ring_entry {
	struct lvs_key key;
	struct lvs_ring ring;
	uint64_t last_seen; /* poll number */
	bool used;
};

struct lvs_rings {
	pthread_rwlock_t lock;
	uint32_t samples, evict_after;
	size_t budget;
	uint64_t poll;
	struct lvs_keymap map; /* key -> index in entries */
	struct ring_entry *entries; /* owned */
	size_t n_entries, cap_entries;
	uint32_t *free_idx; /* owned; indices of unused entries */
	size_t n_free, cap_free;
	size_t bytes;
};

lvs_rings *rings_new(uint32_t samples, size_t budget, uint32_t evict_after)
{
	lvs_rings *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	if (keymap_init(&h->map, 64)) {
		free(h);
		return NULL;
	}
	pthread_rwlock_init(&h->lock, NULL);
	h->samples = samples ? samples : 1;
	h->budget = budget;
	h->evict_after = evict_after;
	return h;
}

void rings_free(lvs_rings *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n_entries; i++)
		if (h->entries[i].used)
			ring_done(&h->entries[i].ring);
	free(h->entries);
	free(h->free_idx);
	keymap_done(&h->map);
	pthread_rwlock_destroy(&h->lock);
	free(h);
}

static uint32_t ring_cap(const lvs_rings *h, size_t objects)
{
	size_t per = objects ? h->budget / (objects * sizeof(struct lvs_sample)) : h->samples;
	if (per < 2)
		per = 2; /* a sparkline needs two points */
	return per < h->samples ? (uint32_t)per : h->samples;
}

static struct ring_entry *entry_for(lvs_rings *h, const struct lvs_key *k, size_t objects)
{
	uint32_t *idx = keymap_get(&h->map, k);
	if (idx)
		return &h->entries[*idx];
	size_t i;
	if (h->n_free) {
		i = h->free_idx[--h->n_free];
	} else {
		if (h->n_entries == h->cap_entries) {
			size_t ncap = h->cap_entries ? h->cap_entries * 2 : 64;
			struct ring_entry *p = realloc(h->entries, ncap * sizeof(*p));
			if (!p)
				return NULL;
			h->entries = p;
			h->cap_entries = ncap;
		}
		i = h->n_entries++;
		h->entries[i].used = false;
	}
	struct ring_entry *e = &h->entries[i];
	uint32_t cap = ring_cap(h, objects);
	if (ring_init(&e->ring, cap) || keymap_put(&h->map, k, (uint32_t)i)) {
		if (e->ring.buf)
			ring_done(&e->ring);
		e->used = false;
		h->free_idx[h->n_free++] = (uint32_t)i; /* cap_free >= n_entries */
		return NULL;
	}
	e->key = *k;
	e->used = true;
	h->bytes += (size_t)cap * sizeof(struct lvs_sample);
	return e;
}

static void sample_of(struct lvs_sample *smp, double t, const struct lvs_rates *r,
		      uint32_t active, uint32_t inactive)
{
	smp->t = t;
	smp->cps = (float)r->cps;
	smp->inpps = (float)r->inpps;
	smp->outpps = (float)r->outpps;
	smp->inbps = (float)r->inbps;
	smp->outbps = (float)r->outbps;
	smp->active = active;
	smp->inactive = inactive;
}

static int put(lvs_rings *h, const struct lvs_key *k, const struct lvs_sample *smp,
	       size_t objects)
{
	struct ring_entry *e = entry_for(h, k, objects);
	if (!e)
		return -ENOMEM;
	e->last_seen = h->poll;
	ring_push(&e->ring, smp);
	return 0;
}

static void evict(lvs_rings *h)
{
	for (size_t i = 0; i < h->n_entries; i++) {
		struct ring_entry *e = &h->entries[i];
		if (!e->used || h->poll - e->last_seen <= h->evict_after)
			continue;
		keymap_del(&h->map, &e->key);
		h->bytes -= (size_t)e->ring.cap * sizeof(struct lvs_sample);
		ring_done(&e->ring);
		e->used = false;
		h->free_idx[h->n_free++] = (uint32_t)i;
	}
}

int rings_record(lvs_rings *h, const struct lvs_snapshot *s)
{
	size_t objects = s->n_services + s->n_dests;
	int err = 0;
	pthread_rwlock_wrlock(&h->lock);
	/* Room for every index in the free list up front, so that eviction
	 * and failed inserts never allocate. */
	size_t need = h->n_entries + objects;
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
	struct lvs_key k;
	struct lvs_sample smp;
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
			sample_of(&smp, s->time, &svc->rates, act, inact);
			if (put(h, &k, &smp, objects))
				err = -ENOMEM;
		}
		for (size_t j = 0; j < svc->n_dests; j++) {
			const struct lvs_dest *d = &svc->dests[j];
			if (!d->rates_valid)
				continue;
			lvs_key_dest(&k, svc, d);
			sample_of(&smp, s->time, &d->rates, d->active_conns, d->inact_conns);
			if (put(h, &k, &smp, objects))
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

size_t rings_read(lvs_rings *h, const struct lvs_key *k, struct lvs_sample *out, size_t max)
{
	size_t n = 0;
	pthread_rwlock_rdlock(&h->lock);
	uint32_t *idx = keymap_get(&h->map, k);
	if (idx)
		n = ring_copy(&h->entries[*idx].ring, out, max);
	pthread_rwlock_unlock(&h->lock);
	return n;
}

int rings_try_read(lvs_rings *h, const struct lvs_key *k, struct lvs_sample *out, size_t max,
		   size_t *n)
{
	*n = 0;
	if (pthread_rwlock_tryrdlock(&h->lock))
		return -EBUSY;
	uint32_t *idx = keymap_get(&h->map, k);
	if (idx)
		*n = ring_copy(&h->entries[*idx].ring, out, max);
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
	size_t n = h->bytes;
	pthread_rwlock_unlock(&h->lock);
	return n;
}
