#include "keymap.h"

#include <errno.h>
#include <stdlib.h>

static uint64_t slot_hash(const struct lvs_key *k)
{
	uint64_t h = lvs_key_hash(k);
	return h ? h : 1; /* 0 marks an empty slot */
}

int keymap_init(struct lvs_keymap *m, size_t expect)
{
	size_t cap = 16;
	while (cap < expect * 2)
		cap *= 2;
	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots)
		return -ENOMEM;
	m->mask = cap - 1;
	m->count = 0;
	return 0;
}

void keymap_done(struct lvs_keymap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->mask = 0;
	m->count = 0;
}

static struct lvs_keymap_slot *find(const struct lvs_keymap *m, const struct lvs_key *k,
				    uint64_t h)
{
	for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
		struct lvs_keymap_slot *s = &m->slots[i];
		if (!s->hash || (s->hash == h && lvs_key_equal(&s->key, k)))
			return s;
	}
}

static int resize(struct lvs_keymap *m)
{
	struct lvs_keymap old = *m;
	size_t cap = (old.mask + 1) * 2;
	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots) {
		*m = old;
		return -ENOMEM;
	}
	m->mask = cap - 1;
	for (size_t i = 0; i <= old.mask; i++)
		if (old.slots[i].hash)
			*find(m, &old.slots[i].key, old.slots[i].hash) = old.slots[i];
	free(old.slots);
	return 0;
}

int keymap_put(struct lvs_keymap *m, const struct lvs_key *k, uint32_t value)
{
	uint64_t h = slot_hash(k);
	struct lvs_keymap_slot *s = find(m, k, h);
	if (s->hash) {
		s->value = value;
		return 0;
	}
	if ((m->count + 1) * 4 > (m->mask + 1) * 3) { /* keep load <= 3/4 */
		int r = resize(m);
		if (r)
			return r;
		s = find(m, k, h);
	}
	s->key = *k;
	s->hash = h;
	s->value = value;
	m->count++;
	return 0;
}

uint32_t *keymap_get(const struct lvs_keymap *m, const struct lvs_key *k)
{
	if (!m->slots)
		return NULL;
	struct lvs_keymap_slot *s = find(m, k, slot_hash(k));
	return s->hash ? &s->value : NULL;
}

bool keymap_del(struct lvs_keymap *m, const struct lvs_key *k)
{
	if (!m->slots)
		return false;
	struct lvs_keymap_slot *s = find(m, k, slot_hash(k));
	if (!s->hash)
		return false;
	/* Backward-shift: pull later members of the probe run into the hole. */
	size_t hole = (size_t)(s - m->slots);
	for (size_t i = (hole + 1) & m->mask; m->slots[i].hash; i = (i + 1) & m->mask) {
		size_t home = m->slots[i].hash & m->mask;
		/* Move i into the hole unless its home lies cyclically in (hole, i]. */
		bool stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
		if (!stays) {
			m->slots[hole] = m->slots[i];
			hole = i;
		}
	}
	m->slots[hole].hash = 0;
	m->count--;
	return true;
}
