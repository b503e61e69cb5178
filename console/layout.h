/* Columns of the services view and how they fit the terminal: each column
 * has a minimum width and a priority; the narrowest terminal (80 columns)
 * keeps the most important ones, wider terminals add the rest and give the
 * spare width to the flexible columns (name, as wide as its widest text,
 * and sparkline).
 * Threads: pure functions over constant tables. */
#ifndef LVSTOP_CONSOLE_LAYOUT_H
#define LVSTOP_CONSOLE_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

/* Display order, left to right. */
enum col_id {
	COL_PROTO,   /* tcp/udp/sctp/fwm */
	COL_NAME,    /* VIP:port, FWM n, or the real server (tree-indented) */
	COL_SCHED,   /* scheduler (service) or forwarding method (real server) */
	COL_WEIGHT,  /* weight; a service shows the sum of its real servers' */
	COL_ACTIVE,  /* active connections */
	COL_INACT,   /* inactive connections */
	COL_PERSIST, /* persistent connections */
	COL_CPS,     /* connections per second */
	COL_INPPS,   /* packets per second in */
	COL_OUTPPS,  /* packets per second out */
	COL_INBPS,   /* bytes per second in */
	COL_OUTBPS,  /* bytes per second out */
	COL_SHARE,   /* share of the service's traffic / share of its weight, % */
	COL_HEALTH,  /* up/down, a dash while unknown */
	COL_SPARK,   /* sparkline of the chosen rate */
	COL_FLAGS,   /* persistence and service flags; tunnel type; last, as
		      * free text of any length (most real servers have none,
		      * and a blank column in mid-row costs every row a gap) */
	COL_COUNT
};

struct col_def {
	const char *title;
	const char *key;   /* its name in --columns: lower case, no blanks */
	const char *help;  /* one line for the help screen */
	int min, max;      /* width; max > min only for flexible columns */
	int exact_min;     /* width with --exact numbers (0: as min) */
	int prio;          /* 0 is kept first; columns of one priority come
			    * and go together */
	bool right;        /* right-aligned (numbers) */
};

extern const struct col_def col_defs[COL_COUNT];

#define LAYOUT_GAP 1 /* blank between columns */

struct layout {
	int n; /* visible columns, in display order */
	struct {
		enum col_id id;
		int x, w;
	} col[COL_COUNT];
	int width; /* used: never more than the terminal's */
};

/* Columns as a set: bit (1u << id). */
#define LAYOUT_BIT(id) (1u << (id))
/* Left out unless asked for (--columns, the C key): the two groups of the
 * lowest priority but flags, packets per second in and out and persistent
 * connections (the header keeps the packet totals). Each column costs
 * every redrawn row its width in bytes. */
#define LAYOUT_HIDE_DEFAULT \
	(LAYOUT_BIT(COL_PERSIST) | LAYOUT_BIT(COL_INPPS) | LAYOUT_BIT(COL_OUTPPS))

/* Apply a --columns list to *hide (a set of columns left out; start from
 * LAYOUT_HIDE_DEFAULT): comma-separated column keys (col_def.key), each
 * shown as NAME or +NAME, left out as -NAME; "all" shows every column,
 * "default" goes back to LAYOUT_HIDE_DEFAULT. 0, or -EINVAL with the
 * reason in err (*hide unchanged): an unknown name, an empty item, or the
 * name column left out. */
int layout_parse_columns(const char *list, unsigned *hide, char *err, size_t errlen);

/* Choose the columns that fit `width` terminal columns (exact: room for
 * raw numbers) and their positions, leaving out the columns in `hide`
 * (never the name). name_need is the width of the widest
 * name to show (tree glyphs and marks included): the spare width grows the
 * name column up to it (never past the column's maximum), then the
 * sparkline; what is left stays blank, so a short name is not followed
 * by a wide gap. name_need <= 0: not known, the name grows to its
 * maximum. 0, or -EINVAL when even the name column does not fit (width <
 * its minimum). */
int layout_compute(int width, bool exact, int name_need, unsigned hide, struct layout *out);

/* Index of column id in the layout, or -1 when it is not shown. */
int layout_find(const struct layout *l, enum col_id id);

#endif
