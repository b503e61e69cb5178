#include "json_tree.h"

#include <stdlib.h>
#include <string.h>

struct json_block {
	struct json_block *next;
	size_t cap, used;
	max_align_t data[];
};

static const char *const type_names[] = { "null", "boolean", "int", "double",
					  "string", "object", "array" };

const char *jnode_type_name(enum jnode_type t)
{
	return (unsigned)t < sizeof(type_names) / sizeof(type_names[0]) ? type_names[t] : "?";
}

#define BLOCK_MIN 65536

void *json_arena_alloc(struct json_arena *a, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	struct json_block *b = a->cur;
	if (b && b->cap - b->used >= n)
		goto take;
	/* The blocks after cur are free (a piece was dropped): reuse one. */
	if (b && b->next && b->next->cap >= n) {
		b = b->next;
		b->used = 0;
		goto take;
	}
	size_t cap = n > BLOCK_MIN ? n : BLOCK_MIN;
	struct json_block *nb = malloc(sizeof(*nb) + cap);
	if (!nb)
		return NULL;
	nb->cap = cap;
	nb->used = 0;
	if (b) {
		nb->next = b->next;
		b->next = nb;
	} else {
		nb->next = a->head;
		a->head = nb;
	}
	b = nb;
take:
	a->cur = b;
	void *p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

struct json_arena_mark json_arena_mark(const struct json_arena *a)
{
	return (struct json_arena_mark){ a->cur, a->cur ? a->cur->used : 0 };
}

void json_arena_release(struct json_arena *a, struct json_arena_mark m)
{
	a->cur = m.b;
	if (m.b)
		m.b->used = m.used;
	else if (a->head) {
		a->cur = a->head;
		a->head->used = 0;
	}
}

void json_arena_free(struct json_arena *a)
{
	for (struct json_block *b = a->head, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	a->head = a->cur = NULL;
}

void json_printable(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			s[i] = '?';
}

char *json_arena_text(struct json_arena *a, const void *src, size_t n)
{
	char *t = json_arena_alloc(a, n + 1);
	if (t) {
		memcpy(t, src, n);
		t[n] = 0;
		json_printable(t, n);
	}
	return t;
}

struct jnode *jnode_get(struct jnode *o, const char *key)
{
	if (!o || o->type != JN_OBJECT || !o->first)
		return NULL;
	size_t kl = strlen(key);
	struct jnode *start = o->cursor && o->cursor->next ? o->cursor->next : o->first, *v = start;
	do {
		if (v->key_len == kl && !memcmp(v->key, key, kl)) {
			o->cursor = v;
			return v;
		}
		v = v->next ? v->next : o->first;
	} while (v != start);
	return NULL;
}
