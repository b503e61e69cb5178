#include "keymap.h"

#include <errno.h>
#include <stdlib.h>

#include "share/vec.h"

static uint32_t key_hash(const struct lvs_key *k)
{
	uint64_t h = lvs_key_hash(k);
	uint32_t x = (uint32_t)(h ^ (h >> 32));
	return x ? x : 1; /* 0 marks an empty slot */
}

static size_t slots_for(size_t expect)
{
	size_t cap = 16;
	while (cap < expect * 2)
		cap *= 2;
	return cap;
}

int keymap_init(struct lvs_keymap *m, size_t expect)
{
	size_t n = slots_for(expect);
	m->slots = calloc(n, sizeof(*m->slots));
	m->entries = malloc((expect ? expect : 1) * sizeof(*m->entries));
	if (!m->slots || !m->entries) {
		free(m->slots);
		free(m->entries);
		m->slots = NULL;
		m->entries = NULL;
		return -ENOMEM;
	}
	m->mask = n - 1;
	m->count = 0;
	m->cap = expect ? expect : 1;
	return 0;
}

void keymap_done(struct lvs_keymap *m)
{
	free(m->slots);
	free(m->entries);
	m->slots = NULL;
	m->entries = NULL;
	m->mask = m->count = m->cap = 0;
}

/* The slot holding k, or the empty slot where it would go. */
static struct lvs_keymap_slot *find(const struct lvs_keymap *m, const struct lvs_key *k,
				    uint32_t h)
{
	for (size_t i = h & m->mask;; i = (i + 1) & m->mask) {
		struct lvs_keymap_slot *s = &m->slots[i];
		if (!s->hash || (s->hash == h && lvs_key_equal(&m->entries[s->entry].key, k)))
			return s;
	}
}

static struct lvs_keymap_slot *slot_of_entry(const struct lvs_keymap *m, uint32_t entry)
{
	for (size_t i = m->entries[entry].hash & m->mask;; i = (i + 1) & m->mask)
		if (m->slots[i].hash && m->slots[i].entry == entry)
			return &m->slots[i];
}

static int grow_slots(struct lvs_keymap *m)
{
	size_t n = (m->mask + 1) * 2;
	struct lvs_keymap_slot *s = calloc(n, sizeof(*s));
	if (!s)
		return -ENOMEM;
	free(m->slots);
	m->slots = s;
	m->mask = n - 1;
	for (uint32_t e = 0; e < m->count; e++) {
		size_t i = m->entries[e].hash & m->mask;
		while (m->slots[i].hash)
			i = (i + 1) & m->mask;
		m->slots[i] = (struct lvs_keymap_slot){ m->entries[e].hash, e };
	}
	return 0;
}

int keymap_put(struct lvs_keymap *m, const struct lvs_key *k, uint32_t value)
{
	uint32_t h = key_hash(k);
	struct lvs_keymap_slot *s = find(m, k, h);
	if (s->hash) {
		m->entries[s->entry].value = value;
		return 0;
	}
	if (vec_grow((void **)&m->entries, &m->cap, m->count + 1, sizeof(*m->entries), 16))
		return -ENOMEM;
	if ((m->count + 1) * 4 > (m->mask + 1) * 3) { /* keep load <= 3/4 */
		if (grow_slots(m))
			return -ENOMEM;
		s = find(m, k, h);
	}
	uint32_t e = (uint32_t)m->count++;
	m->entries[e] = (struct lvs_keymap_entry){ .key = *k, .value = value, .hash = h };
	*s = (struct lvs_keymap_slot){ h, e };
	return 0;
}

uint32_t *keymap_get(const struct lvs_keymap *m, const struct lvs_key *k)
{
	if (!m->slots)
		return NULL;
	struct lvs_keymap_slot *s = find(m, k, key_hash(k));
	return s->hash ? &m->entries[s->entry].value : NULL;
}

bool keymap_del(struct lvs_keymap *m, const struct lvs_key *k)
{
	if (!m->slots)
		return false;
	struct lvs_keymap_slot *s = find(m, k, key_hash(k));
	if (!s->hash)
		return false;
	uint32_t gone = s->entry;
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
	/* Keep entries dense: the last one moves into the freed place. */
	uint32_t last = (uint32_t)--m->count;
	if (gone != last) {
		slot_of_entry(m, last)->entry = gone;
		m->entries[gone] = m->entries[last];
	}
	return true;
}
