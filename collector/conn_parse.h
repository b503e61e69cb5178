/* Streaming parser for /proc/net/ip_vs_conn: aggregates entries by TCP/UDP/
 * SCTP state, by real server and by client, with time and memory bounded
 * independent of the table's size.
 * Threads: a parser is used by one thread; no globals. */
#ifndef LVSTOP_COLLECTOR_CONN_PARSE_H
#define LVSTOP_COLLECTOR_CONN_PARSE_H

#include "model.h"
#include "share/clock.h"

/* Zero in max_lines/max_seconds means no bound; zero in client_slots or
 * max_dests means the default (both are capped at 16M). client_slots is
 * raised to top_clients when smaller; top_clients 0 reports no clients. */
struct lvs_conn_opts {
	uint64_t max_lines;     /* stop after this many entries, malformed ones included (0: no limit) */
	double max_seconds;     /* stop after this much time (0: no limit) */
	size_t top_clients;     /* how many top clients to report (default 10) */
	size_t client_slots;    /* clients tracked at once (heavy-hitter table) */
	size_t max_dests;       /* distinct real servers tracked (beyond: dropped, partial) */
	const struct lvs_clock *clock; /* borrowed; NULL: CLOCK_MONOTONIC (tests drive it) */
};
#define LVS_CONN_OPTS_DEFAULT { .max_lines = 2000000, .max_seconds = 0.5, \
	.top_clients = 10, .client_slots = 4096, .max_dests = 65536 }

/* The time bound: the clock starts at a round's first feed and is read
 * at the start of every later feed (a read() of /proc/net/ip_vs_conn is
 * one feed: on kernels that re-walk the table on each read, that is where
 * the time goes) and every 4096 entries inside a feed. A round therefore
 * overruns max_seconds by at most one feed's read plus 4096 entries.
 *
 * What the summary means:
 * - total, states, dests: exact counts of the entries read (a lower bound
 *   of the table when partial). At most LVS_CONN_STATES_MAX state names are
 *   kept; entries of further distinct names are counted under "OTHER".
 *   summary.states is ordered by count, descending; each dest lists only
 *   its non-zero states, in the same order.
 * - dests: one per real server (af, address, port); when more than
 *   max_dests appear, entries of the extra servers are left out of dests
 *   (still in total and states) and the summary is marked partial.
 * - top_clients: Misra-Gries over client_slots counters. While the
 *   distinct clients fit in client_slots the counts are exact. Beyond, each
 *   count is a lower bound at most total / (client_slots + 1) under the
 *   true count, and every client with more entries than that is listed.
 *   Memory for this does not grow with the table.
 * - Entry counts are 32-bit inside: a round stops (partial) at 2^32 - 1
 *   entries whatever max_lines says. */

typedef struct lvs_conn_parser lvs_conn_parser; /* opaque */

/* New parser. NULL on out of memory. opts NULL means the defaults. */
lvs_conn_parser *conn_parser_new(const struct lvs_conn_opts *opts);
void conn_parser_free(lvs_conn_parser *p);

/* Feed bytes; lines may be split across calls at any byte. The header line
 * and blank lines are skipped; a malformed line (bad hex, missing fields,
 * a token or line too long) is counted (conn_parser_bad_lines) and
 * skipped. Returns 0, or 1 when a bound was reached (stop feeding: the
 * result will be marked partial; later calls return 1 and ignore their
 * bytes). If memory for a new real server cannot be had, that server is
 * left out and the result marked partial: feeding never fails. */
int conn_parser_feed(lvs_conn_parser *p, const char *buf, size_t len);

/* Entries rejected as malformed since the last finish (still readable
 * after a finish, until the next feed). */
uint64_t conn_parser_bad_lines(const lvs_conn_parser *p);

/* Finish (a last unterminated line counts as truncated: skipped, counted
 * bad) and move the result into *out (the caller owns it then: free with
 * lvs_conn_summary_clear). *out is overwritten, not freed first. The
 * parser can be reused after that.
 * 0 (out->available true) or -ENOMEM (*out zeroed, available false; the
 * parser is reset all the same). */
int conn_parser_finish(lvs_conn_parser *p, struct lvs_conn_summary *out);

/* Read and parse a whole file (normally /proc/net/ip_vs_conn) with bounded
 * 64 KiB reads: memory does not depend on the file's size. *out is
 * overwritten. 0 (out->available true), -errno from open/read (*out
 * zeroed, available false), -ENOMEM. */
int conn_parse_file(const char *path, const struct lvs_conn_opts *opts,
                    struct lvs_conn_summary *out);

#endif
