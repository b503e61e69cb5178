/* An open-addressing hash map from struct lvs_key to a uint32_t value
 * (usually an index). Linear probing with backward-shift deletion, so no
 * tombstones build up in a map that lives for the daemon's lifetime.
 * Threads: none of its own; the owner serialises access. */
#ifndef LVSTOP_COLLECTOR_KEYMAP_H
#define LVSTOP_COLLECTOR_KEYMAP_H

#include "snapshot.h"

struct lvs_keymap_slot {
	struct lvs_key key;
	uint64_t hash; /* 0: empty */
	uint32_t value;
};

struct lvs_keymap {
	struct lvs_keymap_slot *slots; /* owned */
	size_t mask; /* capacity - 1; capacity is a power of two */
	size_t count;
};

/* Empty map sized for about `expect` keys. 0 or -ENOMEM. */
int keymap_init(struct lvs_keymap *m, size_t expect);
void keymap_done(struct lvs_keymap *m);

/* Insert or overwrite. 0 or -ENOMEM (the map is unchanged then). */
int keymap_put(struct lvs_keymap *m, const struct lvs_key *k, uint32_t value);
/* Pointer to the stored value, or NULL. Valid until the next put/del. */
uint32_t *keymap_get(const struct lvs_keymap *m, const struct lvs_key *k);
/* Remove; true when the key was present. */
bool keymap_del(struct lvs_keymap *m, const struct lvs_key *k);

#endif
