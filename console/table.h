/* The rows of the services view, built from one snapshot: tree (services
 * with their real servers nested) or flat (one row per real server),
 * filtered and sorted by any column. Also the text and sort value of every
 * cell, so that drawing, sorting and filtering agree.
 * Threads: pure functions of their arguments; a table is owned by one
 * thread. */
#ifndef LVSTOP_CONSOLE_TABLE_H
#define LVSTOP_CONSOLE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/keymap.h"
#include "collector/model.h"
#include "layout.h"

#define ROW_LAST 0x1      /* the last real server of its service (tree glyph) */
#define ROW_COLLAPSED 0x2 /* a service whose real servers are hidden */
#define ROW_UNSORTED 0x4  /* a service whose real-server rows are still in
			   * the kernel's order (a lazy build): table_settle
			   * sorts them when they are first needed */

struct row {
	uint32_t svc;  /* index in the snapshot's services */
	int32_t dest;  /* index in that service's dests; -1: the service row */
	uint32_t flags; /* ROW_* */
};

struct table_opts {
	enum col_id sort_col;
	bool descending;
	bool tree;            /* false: flat, one row per real server */
	const char *filter;   /* NULL or "": every row; else a case-insensitive
			       * substring of the service or real-server text */
	bool collapse_all;    /* services start collapsed */
	const struct lvs_keymap *toggled; /* borrowed, may be NULL: services
					   * whose collapse state is the
					   * opposite of collapse_all */
	bool lazy;            /* tree: sort the services now but leave each
			       * one's real servers in the kernel's order
			       * until their rows are read through table_row,
			       * table_find* or table_settle. Re-sorting
			       * 100,000 real servers reads all of them (most
			       * of a sort's time); a frame shows a few dozen. */
	bool texts;           /* also make the filter texts of s (kept with
			       * t, as a filtered build keeps them) when no
			       * filter needs them yet: the filter prompt is
			       * open, and its next key should not wait for
			       * 100,000 addresses to be formatted. Best
			       * effort: without memory for them the rows are
			       * still built. */
};

struct table_item;  /* table.c's sort item */
struct name_ranks;  /* table.c's scheduler name order */
struct table_cache; /* table.c's builds kept for the next keys */

struct table {
	struct row *rows; /* owned */
	size_t n, cap;
	/* Filter texts of every object of one snapshot, lower-cased, built
	 * on the first filtered build and kept while the snapshot is the
	 * same (so typing a filter does not format 100,000 addresses per
	 * key). */
	struct lvs_snapshot *text_of; /* one reference held, or NULL */
	char *text;                   /* owned; NUL-separated */
	uint32_t *svc_text, *dest_text; /* owned; offsets into text */
	struct lvs_snapshot *text_part; /* one reference: texts being made a
					 * slice at a time (then text_of is
					 * NULL), up to service text_next */
	size_t text_next, text_used, text_cap;
	/* A lazy build's unsorted blocks are sorted later under these. */
	struct lvs_snapshot *lazy_of;   /* one reference, or NULL: every row
					 * is in its final order */
	enum col_id sort_col;
	bool descending;
	struct name_ranks *ranks;       /* owned, or NULL */
	struct table_item *scratch;     /* owned; room for the largest block */
	size_t scratch_cap;
	/* Builds of the snapshot last built, kept so that the next key costs
	 * no sort: the unfiltered rows under the last few sort orders, and
	 * for the latest one the rows of each filter typed so far (a key
	 * typed filters only the rows the shorter filter left; Backspace
	 * takes the shorter filter's rows back). Not used while services are
	 * folded one by one (table_opts.toggled not empty). */
	struct table_cache *cache;      /* owned, or NULL */
};

void table_init(struct table *t);
void table_done(struct table *t);

/* Replace t's rows with those of s under o. Tree: a service is listed when
 * it or one of its real servers matches the filter; a matching service
 * shows all its real servers, otherwise only the matching ones; services
 * are sorted among themselves and real servers within their service.
 * Flat: every matching real server, sorted together; a service without
 * real servers appears as its own row. Ties keep the kernel's order.
 * Built again from the same snapshot, the rows come from t's cache when
 * it holds them (the same rows in the same order: filtering never
 * reorders, so the rows of a longer filter are those of a shorter one
 * that still match).
 * 0 or -ENOMEM (t is then empty). */
int table_build(struct table *t, const struct lvs_snapshot *s, const struct table_opts *o);

/* Build the filter texts of every object of s into t (kept with t while
 * s is the snapshot t is built from: table_build then filters without
 * formatting them). 0 or -ENOMEM. */
int table_prepare_text(struct table *t, const struct lvs_snapshot *s);
/* table_prepare_text a slice at a time: the texts of about budget more
 * objects of s (resuming where the last call stopped, or starting over
 * for another snapshot). 1 when every text is made, 0 when some are
 * left, -ENOMEM. */
int table_prepare_text_some(struct table *t, const struct lvs_snapshot *s, size_t budget);
/* Move src's filter texts into dst when they are those of s and dst has
 * none for s. True when moved. */
bool table_adopt_text(struct table *dst, struct table *src, const struct lvs_snapshot *s);

/* Put rows [from, to) in their final order: the real servers of a lazy
 * build's services that overlap the range are sorted within their service
 * (the rows of a service stay where they are, so no other row moves).
 * Never fails: the room it needs was taken by table_build. */
void table_settle(struct table *t, size_t from, size_t to);
/* Row i (< t->n) in its final order. */
const struct row *table_row(struct table *t, size_t i);
/* The row of service svc's real server dest (-1: the service row), or -1;
 * its final place (its service is settled). */
long table_find_index(struct table *t, uint32_t svc, int32_t dest);
/* The row whose object has the identity k, or -1; settled like
 * table_find_index. */
long table_find(struct table *t, const struct lvs_snapshot *s, const struct lvs_key *k);
/* The identity of a row's object. */
void table_row_key(const struct lvs_snapshot *s, const struct row *r, struct lvs_key *k);

/* The rates shown for an object: computed from counters when valid, the
 * kernel's estimate otherwise. */
void table_rates(const struct lvs_rates_f *r, bool valid, const struct lvs_kern_rates *k,
		 struct lvs_rates *out);

/* Text of one cell (no tree glyphs: the panel draws those). COL_SPARK
 * gives "". flat: the name of a real server also names its service. */
void table_cell(const struct lvs_snapshot *s, const struct row *r, enum col_id c, bool exact,
		bool flat, char *buf, size_t len);

/* Whether a column can be sorted by, and its natural direction (numbers
 * descending, names ascending). */
bool table_sortable(enum col_id c);
bool table_sort_descending_first(enum col_id c);

/* The text the filter matches against: "tcp 10.0.0.1:80 wrr" for a
 * service, "10.0.0.2:80 masq" for a real server. */
void table_filter_text(const struct lvs_snapshot *s, const struct row *r, char *buf, size_t len);
/* Case-insensitive substring test; an empty or NULL needle matches. */
bool table_match(const char *hay, const char *needle);

#endif
