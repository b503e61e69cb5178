/* Key handling as a table: each binding names its keys, the views it works
 * in, a handler returning REDO_* flags, and its help text. The help screen
 * and the function bar are generated from this table.
 * Threads: UI thread only. */
#ifndef LVSTOP_CONSOLE_KEYS_H
#define LVSTOP_CONSOLE_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"

#define V_SERVICES (1u << VIEW_SERVICES)
#define V_DETAIL (1u << VIEW_DETAIL)
#define V_CONNS (1u << VIEW_CONNS)
#define V_EVENTS (1u << VIEW_EVENTS)
#define V_HELP (1u << VIEW_HELP)
#define V_REMOTE (1u << VIEW_REMOTE)
#define V_ALL ((1u << VIEW_COUNT) - 1)

#define KEYS_PER_BINDING 4

struct key_binding {
	int keys[KEYS_PER_BINDING]; /* curses codes; 0 ends the list */
	const char *names;          /* how help shows the keys: "Up k" */
	const char *bar;            /* function-bar label (NULL: not in the bar) */
	const char *help;           /* one line */
	unsigned views;             /* V_* where the binding applies */
	bool edits;                 /* changes the kernel: refused under --read-only */
	int (*fn)(struct app *a, int key);
};

extern const struct key_binding key_table[];
extern const size_t key_table_len;

/* The binding for key in view v, or NULL. */
const struct key_binding *keys_lookup(int key, enum view v);

/* Handle one key: the filter prompt when it is open, else the table.
 * Returns REDO_* flags (0 for an unbound key). */
int keys_dispatch(struct app *a, int key);

/* Why the edit keys change nothing, or NULL when they work:
 * "--read-only" (also --remote, read-only by nature), or "replaying a
 * recording" (a source other than the kernel). */
const char *keys_edit_off(const struct app *a);

/* The function-bar label of a binding's first key, e.g. "F1" or "/". */
const char *keys_first_name(const struct key_binding *b, char *buf, size_t len);

#endif
