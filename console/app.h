/* The console's state and main loop: one struct app shared by the key
 * handlers (keys.c) and the panels (panel_*.c). The loop waits in poll()
 * on the terminal, the collector's notify fd and a signal pipe; it takes
 * a new snapshot when one is published, diffs it into the event log and
 * rebuilds the services table; keys go through the key table.
 * Threads: UI thread only. */
#ifndef LVSTOP_CONSOLE_APP_H
#define LVSTOP_CONSOLE_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "collector/collector.h"
#include "collector/keymap.h"
#include "console.h"
#include "events.h"
#include "layout.h"
#include "marks.h"
#include "prep.h"
#include "sparkline.h"
#include "table.h"

enum view {
	VIEW_SERVICES,
	VIEW_DETAIL,
	VIEW_CONNS,
	VIEW_EVENTS,
	VIEW_HELP,
	VIEW_REMOTE, /* --remote: every director's section (remote.h) */
	VIEW_DOCTOR, /* findings of collector/doctor/ (panel_doctor.h) */
	VIEW_COUNT
};

/* What a key handler asks the loop to redo. */
#define REDO_DRAW 0x1 /* repaint the screen */
#define REDO_ROWS 0x2 /* rebuild the services table (sort, filter, tree) */
#define REDO_QUIT 0x4

#define FILTER_MAX 64

/* Sparkline levels already computed for the snapshot on screen, by
 * object: moving the cursor or re-sorting redraws rows without reading
 * the history rings again (their lock is shared with the poller). */
#define SPARK_CACHE 1024 /* entries, direct-mapped by key hash */
#define SPARK_CACHE_W 64 /* widest sparkline cached */
struct spark_cache {
	struct lvs_key key;
	uint64_t gen;     /* app.snap_gen it was computed for; 0: empty */
	int metric, width;
	int8_t levels[SPARK_CACHE_W];
};

struct app {
	lvs_collector *col;       /* borrowed */
	struct console_opts opts;
	struct lvs_snapshot *snap; /* owned reference: what is shown */
	uint64_t snap_gen;         /* increases each time snap changes */
	prep *prep;                /* owned; NULL: snapshots prepared here */
	struct lvs_snapshot *submitted; /* owned reference: the last one
					 * given to prep (the next diff's past) */
	uint64_t opts_gen;         /* increases when sort/filter/tree change */
	struct lvs_keymap conn_idx; /* real server -> index in snap->conns.dests */
	uint64_t conn_idx_gen;      /* the snap_gen it indexes (0: none) */
	struct spark_cache *sparks; /* owned, SPARK_CACHE entries; NULL: no cache */
	bool history_busy;          /* a frame found the history being written */
	bool text_pending;          /* filter texts are being made a slice a turn */
	bool rows_pending;          /* a filter key's rows wait for those texts */
	int name_need;              /* the widest name (layout_compute), */
	uint64_t name_need_gen;     /* of this snap_gen (0: none yet) */
	bool name_need_tree;        /* in tree or flat form */
	struct lvs_rates totals;    /* the header's sums over every service, */
	uint64_t totals_gen;        /* of this snap_gen (0: none yet) */
	struct lvs_status st;      /* status of the latest publication */
	uint64_t seen_seq;
	long refreshes;            /* publications taken (for -n) */
	double interval;

	enum view view, back;      /* back: where Esc returns from detail/help */
	bool quit, paused, exact, tree, collapse_all;
	struct lvs_keymap toggled; /* services whose collapse state differs */
	enum col_id sort_col;
	bool sort_desc;
	unsigned hide_cols;        /* columns left out (layout.h): the chosen, */
	unsigned hide_chosen;      /* --columns or the default; C shows all */
	enum spark_metric metric;

	/* Filter: editing is the prompt being open; text applies live. */
	bool filter_editing;
	char filter[FILTER_MAX];

	struct table tbl;          /* services view rows */
	long cursor, top;          /* services view */
	struct lvs_key sel;        /* identity under the cursor */
	bool sel_valid;
	long scroll[VIEW_COUNT];   /* other views: first line shown */
	long lines[VIEW_COUNT];    /* other views: lines at the last draw */

	struct lvs_key detail;     /* the object the detail view shows */
	struct ev_log log;
	struct lvs_undo_watch *undo; /* owned; NULL: not this machine's kernel */

	int rows, cols;            /* terminal size */
	struct layout lay;
	char message[128];         /* one-line notice in the function bar */
	struct edit_ui *edit;      /* owned (panel_edit.h); NULL: --read-only, or
				    * the writer thread could not start */

	struct remote_set *remote; /* borrowed; NULL unless --remote */
	const char *lvsd_url;      /* borrowed: the lvsd whose history the zoom
				    * reads for the local kernel (--lvsd) */
	int zoom;                  /* detail charts: 0 the history rings,
				    * 1.. an rrd range (panel_zoom.h) */
	struct hfetch *hist;       /* owned; made at the first zoom */
	struct doctor_view *doctor; /* owned; made at the first doctor key */
	struct decl_view *decl;    /* owned: reads the declared file and computes
				    * the marks off this thread; NULL: no marks */
	struct marks *marks;       /* owned: the newest marks, or NULL */
};

/* Rebuild the services table from a->snap and put the cursor back on the
 * selected object. 0 or -ENOMEM. */
int app_rebuild(struct app *a);
/* One turn of the main loop's work on filter texts while the prompt is
 * open: a slice of them (text_pending: more to make), and the rows a
 * filter key waits for once they are all made (or cannot be). True when
 * the rows were rebuilt (draw them). */
bool app_text_turn(struct app *a);
/* The table options the app's state asks for (borrowing its filter and
 * toggled set). */
void app_table_opts(const struct app *a, struct table_opts *o);
/* Put the cursor back on the selected object after the table changed. */
void app_locate(struct app *a);
/* Move the services cursor to row i (clamped) and remember its object. */
void app_set_cursor(struct app *a, long i);
/* Rows in the body (between header and function bar) of the current size. */
int app_body_rows(const struct app *a);
/* Lines the header takes (it grows by a banner when one is shown). */
int app_header_rows(const struct app *a);
/* Switch view (remembering where Esc goes back to). */
void app_show(struct app *a, enum view v);
/* Up to max history samples of object k, oldest first, none newer than
 * the snapshot on screen (so a paused display stays still while the
 * collector goes on recording). Returns the count. */
size_t app_history(struct app *a, const struct lvs_key *k, struct lvs_sample *out, size_t max);
/* As app_history, without waiting for the poller: -EBUSY while it
 * records a poll into the history (the caller draws what it drew before,
 * and the loop draws again shortly), else 0 and the count in *n. */
int app_history_try(struct app *a, const struct lvs_key *k, struct lvs_sample *out, size_t max,
		    size_t *n);
/* The connection-table entry counts of real server d of the snapshot on
 * screen, or NULL (none read, or no entry). Indexed once per snapshot. */
const struct lvs_conn_dest *app_conn_dest(struct app *a, const struct lvs_dest *d);
/* Show the snapshots of collector c from now on (--remote: the director
 * chosen in the directors view): the snapshot on screen is replaced by
 * c's newest and the table rebuilt. */
void app_focus(struct app *a, lvs_collector *c);
/* Set a up to show collector c's snapshots (opts, directors and lvsd as
 * for console_run_ex); the terminal is the caller's (crt_init). 0,
 * -ENOMEM, or -EINVAL when o->columns does not parse. */
int app_open(struct app *a, lvs_collector *c, const struct console_opts *o, struct remote_set *rs,
	     const char *lvsd_url);
/* Free what app_open and the session took (a is zeroed). */
void app_close(struct app *a);
/* Take the collector's newest publication. True when something changed
 * on screen. */
bool app_take(struct app *a);
/* One key as the main loop handles it: dispatched through the key table,
 * the rows rebuilt when it asks, except for a key typed into the filter
 * before the snapshot's filter texts are made: the prompt shows it at
 * once and the rows wait (rows_pending) for app_text_turn. Returns the
 * REDO_* flags still to do (REDO_DRAW, REDO_QUIT). */
int app_key(struct app *a, int key);
/* Draw the current view and send the changes to the terminal. */
void app_draw(struct app *a);
/* console_run for --remote (rs: the directors; the console starts on
 * the directors view, c must be one of rs's collectors) and with the lvsd
 * the zoom reads history from (NULL: LVSD_DEFAULT_URL, panel_zoom.h). */
int console_run_ex(lvs_collector *c, const struct console_opts *o, struct remote_set *rs,
		   const char *lvsd_url);
/* The service and real server with identity k in a->snap (*dest NULL for
 * a service); NULL when absent. */
const struct lvs_service *app_find(const struct app *a, const struct lvs_key *k,
				   const struct lvs_dest **dest);

#endif
