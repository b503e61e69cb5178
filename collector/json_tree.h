/* A JSON value as a small tree of nodes in a stack arena: a streaming
 * reader (yajl's callbacks) builds one piece of a document at a time,
 * reads it, and drops it by moving the arena's top back to a mark, so
 * memory is one piece of each kind and malloc is not called per value.
 * Strings and keys are copied printable (see json_printable): a document
 * is outside input. Threads: an arena and its nodes belong to one thread. */
#ifndef LVSTOP_COLLECTOR_JSON_TREE_H
#define LVSTOP_COLLECTOR_JSON_TREE_H

#include <stdbool.h>
#include <stddef.h>

enum jnode_type { JN_NULL, JN_BOOL, JN_INT, JN_DOUBLE, JN_STRING, JN_OBJECT, JN_ARRAY };

struct jnode {
	struct jnode *next;         /* the next sibling */
	struct jnode *first, *last; /* children of an object or array */
	struct jnode *cursor;       /* object: where the last lookup ended */
	const char *key;            /* inside an object: its key (printable, NUL-terminated) */
	const char *text;           /* a string (printable, NUL-terminated) or a number's text */
	size_t key_len, len, n;     /* n: children */
	unsigned char type;         /* enum jnode_type */
	bool b;                     /* a boolean's value */
};

/* "null", "boolean", "int", "double", "string", "object", "array": the
 * names json-c gave, which error messages have always used. */
const char *jnode_type_name(enum jnode_type t);

/* The child of object o named key, or NULL (also when o is not an
 * object). Fields asked for in the order they were written are found in
 * one step: the search starts after the last hit. */
struct jnode *jnode_get(struct jnode *o, const char *key);

/* Blocks of at least 64 KiB, used as a stack. Zeroed to start. */
struct json_arena {
	struct json_block *head, *cur; /* owned */
};
struct json_arena_mark {
	struct json_block *b;
	size_t used;
};

/* n bytes aligned for any type, or NULL on out of memory. */
void *json_arena_alloc(struct json_arena *a, size_t n);
/* The top now; json_arena_release(a, m) frees everything allocated after
 * it (marks are released in the reverse order of taking). */
struct json_arena_mark json_arena_mark(const struct json_arena *a);
void json_arena_release(struct json_arena *a, struct json_arena_mark m);
/* All blocks; the arena is empty after. */
void json_arena_free(struct json_arena *a);
/* A NUL-terminated copy of n bytes made printable; NULL on out of memory. */
char *json_arena_text(struct json_arena *a, const void *src, size_t n);

/* Bytes a terminal or a log could take as control, and any byte that is
 * not ASCII, become '?': only 0x20 to 0x7e stay. */
void json_printable(char *s, size_t n);

#endif
