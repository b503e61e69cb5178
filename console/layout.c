#include "layout.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "share/log.h"

/* Priorities: what an operator reads first on an 80x24 terminal: the
 * columns of ipvsadm -Ln (active and inactive connections together),
 * then health; packets and bytes in and out come and go in pairs. */
const struct col_def col_defs[COL_COUNT] = {
	[COL_PROTO] = { "PROTO", "proto", "protocol: tcp, udp, sctp, fwm (firewall mark)", 5, 5, 0, 6, false },
	[COL_NAME] = { "VIRTUAL / REAL SERVER", "name", "VIP:port or FWM mark; real servers nested", 24, 48, 0, 0, false },
	[COL_SCHED] = { "SCHED", "sched", "scheduler (service) or forwarding method (real server)", 6, 6, 0, 5, false },
	[COL_FLAGS] = { "FLAGS", "flags", "persistence timeout and flags; tunnel type but ipip", 9, 9, 0, 13, false },
	[COL_WEIGHT] = { "WEIGHT", "weight", "weight (a service: the sum of its real servers')", 6, 6, 7, 4, true },
	[COL_ACTIVE] = { "ACTIVE", "active", "active connections", 6, 6, 10, 1, true },
	[COL_INACT] = { "INACT", "inact", "inactive connections", 5, 5, 10, 2, true },
	[COL_PERSIST] = { "PERS", "pers", "persistent connections (templates)", 5, 5, 10, 12, true },
	[COL_CPS] = { "CPS", "cps", "new connections per second", 5, 5, 10, 3, true },
	[COL_INPPS] = { "INPPS", "inpps", "packets per second in", 5, 5, 11, 11, true },
	[COL_OUTPPS] = { "OUTPPS", "outpps", "packets per second out", 6, 6, 11, 11, true },
	[COL_INBPS] = { "INBPS", "inbps", "bytes per second in", 5, 5, 13, 8, true },
	[COL_OUTBPS] = { "OUTBPS", "outbps", "bytes per second out", 6, 6, 13, 8, true },
	[COL_SHARE] = { "TRAF/WGT", "share", "share of the service's bytes in / share of its weight, %", 8, 8, 0, 9, true },
	[COL_HEALTH] = { "HEALTH", "health", "health check result (a dash until checks run)", 6, 6, 0, 7, false },
	[COL_SPARK] = { "HISTORY", "history", "sparkline of the chosen rate over the last minutes", 10, 60, 0, 10, false },
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

int layout_parse_columns(const char *list, unsigned *hide, char *err, size_t errlen)
{
	unsigned h = *hide;
	const char *p = list;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		bool off = false;
		const char *name = p;
		if (n && (*p == '+' || *p == '-')) {
			off = *p == '-';
			name++;
			n--;
		}
		if (!n) {
			char shown[96];
			log_clean(shown, sizeof(shown), list, strnlen(list, 60));
			snprintf(err, errlen, "an empty column name in \"%s\"", shown);
			return -EINVAL;
		}
		bool all = n == 3 && !strncasecmp(name, "all", 3);
		bool dflt = n == 7 && !strncasecmp(name, "default", 7);
		if ((all || dflt) && off) {
			snprintf(err, errlen, "\"-%s\": all and default are sets to show, not columns to leave out",
				 all ? "all" : "default");
			return -EINVAL;
		} else if (all) {
			h = 0;
		} else if (dflt) {
			h = LAYOUT_HIDE_DEFAULT;
		} else {
			int id = -1;
			for (int c = 0; c < COL_COUNT; c++)
				if (strlen(col_defs[c].key) == n && !strncasecmp(name, col_defs[c].key, n))
					id = c;
			if (id < 0) {
				char names[160];
				size_t o = 0;
				for (int c = 0; c < COL_COUNT && o < sizeof(names); c++)
					o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", c ? ", " : "",
							      col_defs[c].key);
				char shown[64];
				log_clean(shown, sizeof(shown), name, n > 40 ? 40 : n);
				snprintf(err, errlen, "no column \"%s\" (the columns: %s; or all, default)",
					 shown, names);
				return -EINVAL;
			}
			if (id == COL_NAME && off) {
				snprintf(err, errlen, "the name column cannot be left out");
				return -EINVAL;
			}
			if (off)
				h |= LAYOUT_BIT(id);
			else
				h &= ~LAYOUT_BIT(id);
		}
		if (!end)
			break;
		p = end + 1;
	}
	*hide = h;
	return 0;
}

int layout_compute(int width, bool exact, int name_need, unsigned hide, struct layout *out)
{
	hide &= ~LAYOUT_BIT(COL_NAME);
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
			if (col_defs[id].prio == p && !(hide & LAYOUT_BIT(id))) {
				need += min_width(id, exact, name_need) + (used || n ? LAYOUT_GAP : 0);
				n++;
			}
		if (!n)
			continue;
		if (used + need > width)
			break;
		for (int id = 0; id < COL_COUNT; id++)
			if (col_defs[id].prio == p && !(hide & LAYOUT_BIT(id))) {
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
