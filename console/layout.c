#include "layout.h"

#include <errno.h>
#include <string.h>

/* Priorities: what an operator reads first on an 80x24 terminal: the
 * columns of ipvsadm -Ln (active and inactive connections together),
 * then health; packets and bytes in and out come and go in pairs. */
const struct col_def col_defs[COL_COUNT] = {
	[COL_PROTO] = { "PROTO", "protocol: tcp, udp, sctp, fwm (firewall mark)", 5, 5, 0, 6, false },
	[COL_NAME] = { "VIRTUAL / REAL SERVER", "VIP:port or FWM mark; real servers nested", 24, 48, 0, 0, false },
	[COL_SCHED] = { "SCHED", "scheduler (service) or forwarding method (real server)", 6, 6, 0, 5, false },
	[COL_FLAGS] = { "FLAGS", "persistence timeout and flags; tunnel type but ipip", 9, 9, 0, 13, false },
	[COL_WEIGHT] = { "WEIGHT", "weight (a service: the sum of its real servers')", 6, 6, 7, 4, true },
	[COL_ACTIVE] = { "ACTIVE", "active connections", 6, 6, 10, 1, true },
	[COL_INACT] = { "INACT", "inactive connections", 5, 5, 10, 2, true },
	[COL_PERSIST] = { "PERS", "persistent connections (templates)", 5, 5, 10, 12, true },
	[COL_CPS] = { "CPS", "new connections per second", 5, 5, 10, 3, true },
	[COL_INPPS] = { "INPPS", "packets per second in", 5, 5, 11, 11, true },
	[COL_OUTPPS] = { "OUTPPS", "packets per second out", 6, 6, 11, 11, true },
	[COL_INBPS] = { "INBPS", "bytes per second in", 5, 5, 13, 8, true },
	[COL_OUTBPS] = { "OUTBPS", "bytes per second out", 6, 6, 13, 8, true },
	[COL_SHARE] = { "TRAF/WGT", "share of the service's bytes in / share of its weight, %", 8, 8, 0, 9, true },
	[COL_HEALTH] = { "HEALTH", "health check result (a dash until checks run)", 6, 6, 0, 7, false },
	[COL_SPARK] = { "HISTORY", "sparkline of the chosen rate over the last minutes", 10, 60, 0, 10, false },
};

/* The narrowest the name column may be when its widest text is known:
 * its title and the sort arrow. */
#define NAME_FIT_MIN 22

static int min_width(enum col_id id, bool exact, int name_need)
{
	const struct col_def *d = &col_defs[id];
	if (id == COL_NAME && name_need > 0 && name_need < d->min)
		return name_need > NAME_FIT_MIN ? name_need : NAME_FIT_MIN;
	return exact && d->exact_min > d->min ? d->exact_min : d->min;
}

int layout_compute(int width, bool exact, int name_need, struct layout *out)
{
	memset(out, 0, sizeof(*out));
	if (width < min_width(COL_NAME, exact, name_need))
		return -EINVAL;
	bool on[COL_COUNT] = { 0 };
	int w[COL_COUNT] = { 0 };
	int used = 0;
	/* Take columns by priority until one does not fit: a less important
	 * column never displaces a more important one. */
	for (int p = 0; p < COL_COUNT; p++) {
		/* Columns of one priority are taken together or not at all. */
		int need = 0, n = 0;
		for (int id = 0; id < COL_COUNT; id++)
			if (col_defs[id].prio == p) {
				need += min_width(id, exact, name_need) + (used || n ? LAYOUT_GAP : 0);
				n++;
			}
		if (!n)
			continue;
		if (used + need > width)
			break;
		for (int id = 0; id < COL_COUNT; id++)
			if (col_defs[id].prio == p) {
				on[id] = true;
				w[id] = min_width(id, exact, name_need);
			}
		used += need;
	}
	/* Spare width: the name first (long IPv6 addresses), as wide as its
	 * widest text, then the sparkline. A name column wider than its
	 * texts would put a gap in every row, and a terminal is sent a
	 * cursor address for each gap wider than a few columns. */
	static const enum col_id flex[] = { COL_NAME, COL_SPARK };
	for (size_t i = 0; i < sizeof(flex) / sizeof(flex[0]); i++) {
		enum col_id id = flex[i];
		if (!on[id])
			continue;
		int max = col_defs[id].max;
		if (id == COL_NAME && name_need > 0 && name_need < max)
			max = name_need;
		int grow = max - w[id];
		if (grow > width - used)
			grow = width - used;
		if (grow > 0) {
			w[id] += grow;
			used += grow;
		}
	}
	int x = 0;
	for (int id = 0; id < COL_COUNT; id++) {
		if (!on[id])
			continue;
		if (out->n)
			x += LAYOUT_GAP;
		out->col[out->n].id = id;
		out->col[out->n].x = x;
		out->col[out->n].w = w[id];
		out->n++;
		x += w[id];
	}
	out->width = x;
	return 0;
}

int layout_find(const struct layout *l, enum col_id id)
{
	for (int i = 0; i < l->n; i++)
		if (l->col[i].id == id)
			return i;
	return -1;
}
