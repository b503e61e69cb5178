/* `lvstop --remote URL...`: the model of several directors' lvsd at
 * once. Each director has its own collector (a remote source and its own
 * poller thread), so one that does not answer only marks itself stale
 * while the others keep updating. The set keeps, per director, the
 * snapshot shown, its services in identity order, its totals, and its
 * differences from its partner's table (the first director's partner is
 * the second; every other director's is the first: a master/backup pair
 * given as two URLs compares both ways). The directors view that draws
 * it is remote_panel.h's. The console's other views show one director at
 * a time: the focused one, whose collector the app reads.
 * Threads: the set is made and freed on the main thread, read by the UI
 * thread; the collectors poll on their own threads. */
#ifndef LVSTOP_CONSOLE_REMOTE_H
#define LVSTOP_CONSOLE_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "collector/collector.h"
#include "collector/source_remote.h"
#include "remote_diff.h"

#define REMOTE_MAX 8 /* directors at once */

struct app;
struct pollfd;

struct remote_director {
	char url[REMOTE_URL_MAX]; /* the base URL */
	char name[64];            /* HOST:PORT, for headers */
	lvs_collector *col;       /* owned */
	struct lvs_snapshot *snap; /* owned reference: what is shown */
	struct lvs_status st;      /* of the same instant */
	struct remote_diff diff;   /* snap against the partner's snapshot */
	const struct lvs_snapshot *diff_mine, *diff_other; /* what diff was made from */
	uint32_t *order;           /* owned: services sorted by identity, for snap */
	const struct lvs_snapshot *order_of;
	double cps;                /* new connections per second, all services */
	uint64_t active;           /* active connections, all real servers */
};

/* One line of the directors view. */
struct remote_line {
	int dir;           /* director index */
	int kind;          /* REMOTE_L_* */
	uint32_t svc;      /* REMOTE_L_SERVICE, REMOTE_L_DEST: index in the snapshot */
	int32_t dest;      /* REMOTE_L_DEST: index in the service's dests */
};
enum { REMOTE_L_HEADER, REMOTE_L_BANNER, REMOTE_L_TITLES, REMOTE_L_SERVICE, REMOTE_L_DEST,
       REMOTE_L_NOTE, REMOTE_L_GAP };

struct remote_set {
	size_t n;
	struct remote_director d[REMOTE_MAX];
	int focus;                 /* the director the app's collector is */
	/* The directors view's state (remote_panel.c's; freed with the set). */
	struct remote_line *lines; /* owned: the view's lines at the last draw */
	size_t n_lines, cap_lines;
	long cursor, top;          /* the view's cursor line and first line shown */
};

/* A director shown as failing: its last poll failed while a table is
 * shown, or it never answered and has an error. */
static inline bool remote_director_failing(const struct remote_director *d)
{
	return d->st.stale || (!d->snap && d->st.err);
}

/* Check and normalise the URLs given to --remote (remote_url_base each),
 * refusing duplicates and more than REMOTE_MAX. 0 and out[0..n-1];
 * -EINVAL with err naming the URL and the reason. */
int remote_parse_urls(const char *const *in, size_t n, char out[][REMOTE_URL_MAX], char *err,
		      size_t errlen);

/* A set of directors, one collector each (polling every interval
 * seconds; 0: the default), not started. 0 and *out; -ENOMEM (err says
 * so). urls are base URLs (remote_parse_urls). */
int remote_set_new(const char out_urls[][REMOTE_URL_MAX], size_t n, double interval,
		   const struct lvs_remote_opts *ro, struct remote_set **out, char *err, size_t errlen);
/* Start every director's poller. 0 or the first error (-errno of
 * pthread_create); -EALREADY is not an error. */
int remote_set_start(struct remote_set *rs);
/* Stop the pollers and free everything. NULL is ignored. */
void remote_set_free(struct remote_set *rs);

/* Take every director's newest publication (and, when a table changed,
 * redo its diff). True when anything changed. */
bool remote_set_refresh(struct remote_set *rs);
/* The indices of s's services in identity order (mark, family,
 * protocol, address, port) into order[0 .. n_services - 1], so that two
 * directors list a shared table alike whatever order their kernels keep.
 * Pure: any thread. */
void remote_sort_services(const struct lvs_snapshot *s, uint32_t *order);

/* Set every director's poll interval. */
void remote_set_interval(struct remote_set *rs, double seconds);

/* For the console's poll(): the notify fds of the directors other than
 * the focused one (the app's own collector is polled already), so a
 * director's new table is drawn when it comes. Fills up to REMOTE_MAX
 * entries of p; returns how many (0 without --remote). remote_poll_done
 * drains those that fired. */
int remote_poll_fds(const struct app *a, struct pollfd *p);
void remote_poll_done(struct app *a, const struct pollfd *p);

#endif
