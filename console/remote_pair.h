/* The pair of `lvstop --remote A B`: the two directors side by side, one
 * column each, above their tables: the VRRP role of each instance and the
 * VIP addresses it holds (lvsd puts them in its snapshot), the kernel's
 * sync daemons (state, interface, syncid), the connection entries (on the
 * backup, against the master's: the synced table filling), and where the
 * two tables differ; a summary line names the master, or says both or
 * neither claim it. A director that does not answer says so, and its last
 * known values are shown dimmed.
 * Threads: pure functions of the set (UI thread). */
#ifndef LVSTOP_CONSOLE_REMOTE_PAIR_H
#define LVSTOP_CONSOLE_REMOTE_PAIR_H

#include <stddef.h>

#include "remote.h"

#define PAIR_LINES_MAX 12
#define PAIR_TEXT_MAX 128
#define PAIR_DIFF_ROWS 3 /* differing rows named per column */

enum pair_level { PAIR_OK, PAIR_INFO, PAIR_WARN, PAIR_BAD, PAIR_DIM };

struct pair_cell {
	char text[PAIR_TEXT_MAX]; /* printable */
	enum pair_level level;
};

struct pair_view {
	char summary[256];
	enum pair_level summary_level;
	struct pair_cell col[2][PAIR_LINES_MAX];
	size_t n[2];
};

/* A director's role over its VRRP instances: "MASTER" when it holds every
 * address of one, "BACKUP" when it holds none of any, "SPLIT" otherwise;
 * NULL when its snapshot names no instance. */
const char *remote_pair_role(const struct lvs_snapshot *s);

/* The two columns and the summary of rs's first two directors (now: the
 * wall clock, for ages; width: a column's, for wrapping an error).
 * Nothing unless rs->n is 2. */
void remote_pair_build(const struct remote_set *rs, double now, int width, struct pair_view *out);

#endif
