/* The event log: what changed between two consecutive snapshots
 * (services and real servers appearing or leaving, weight, scheduler and
 * forwarding changes, counter resets), kept in a bounded ring for the
 * event view. events_diff is a pure function of the two snapshots.
 * Threads: none of their own; the log is owned by the UI thread. */
#ifndef LVSTOP_CONSOLE_EVENTS_H
#define LVSTOP_CONSOLE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/model.h"
#include "collector/snapshot.h"

#define LVS_EV_TEXT_MAX 320 /* as actions/undo.h's LVS_UNDO_TEXT_MAX */

enum ev_kind {
	EV_SVC_ADD,     /* a virtual service appeared */
	EV_SVC_DEL,     /* a virtual service left */
	EV_DEST_ADD,    /* a real server appeared in a service that was there */
	EV_DEST_DEL,    /* a real server left a service that stays */
	EV_WEIGHT,      /* a real server's weight changed (old -> new) */
	EV_SCHED,       /* a service's scheduler changed */
	EV_FWD,         /* a real server's forwarding method changed */
	EV_SVC_RESET,   /* a service's counters went down (re-created, zeroed) */
	EV_DEST_RESET,  /* a real server's counters went down */
	EV_UNDONE,      /* keepalived undid an lvstop change (text: actions/undo.h) */
	EV_KIND_COUNT
};

struct lvs_event {
	double time;        /* the newer snapshot's wall clock */
	enum ev_kind kind;
	struct lvs_key key; /* the object (a real server's key names its service too) */
	int64_t old_val, new_val; /* weight; fwd; number of real servers (SVC_ADD/DEL) */
	char old_sched[LVS_SCHED_MAX], new_sched[LVS_SCHED_MAX];
	char text[LVS_EV_TEXT_MAX]; /* EV_UNDONE: the sentence, printable */
};

/* The events of one diff, oldest first. With limit > 0 only the newest
 * limit events are kept and the older ones are counted in dropped: the
 * log keeps no more than its capacity anyway, and a diff can hold one
 * event per real server (counters zeroed: 100,000 events of 430 bytes at
 * 10,000 x 10). The array then never holds more than 2 x limit events. */
struct ev_vec {
	struct lvs_event *v; /* owned */
	size_t n, cap;
	size_t limit;     /* 0: every event kept */
	uint64_t dropped; /* events left out under limit */
};

void ev_vec_done(struct ev_vec *e);

/* Append to out the events that turn prev into cur (prev NULL: none;
 * under out->limit the oldest are dropped and counted).
 * Objects are matched by identity (lvs_key), not by position; within a
 * service, events come in the kernel's order: services added and changed
 * in cur's order, then services removed in prev's order.
 * 0 or -ENOMEM (out keeps what was appended). */
int events_diff(const struct lvs_snapshot *prev, const struct lvs_snapshot *cur,
		struct ev_vec *out);

/* One line for an event, without its time: "+ service tcp 10.0.0.1:80 (wrr,
 * 2 real servers)", "~ weight 10.0.0.2:80 in tcp 10.0.0.1:80: 1 -> 3". */
void event_text(const struct lvs_event *e, char *buf, size_t len);

/* The console's log holds this many events; diffs keep no more. */
#define EV_LOG_CAP 2000

/* The newest `cap` events, oldest first. */
struct ev_log {
	struct lvs_event *ring; /* owned */
	size_t cap, head, count;
	uint64_t total; /* events ever added */
};

int ev_log_init(struct ev_log *l, size_t cap); /* 0 or -ENOMEM */
void ev_log_done(struct ev_log *l);
void ev_log_add(struct ev_log *l, const struct lvs_event *e);
/* Count n events that were never added (an ev_vec's dropped ones): they
 * would have left the ring already, but they happened. */
void ev_log_count(struct ev_log *l, uint64_t n);
/* The i-th newest event (0: the newest), or NULL past the end. */
const struct lvs_event *ev_log_newest(const struct ev_log *l, size_t i);

#endif
