/* The full-screen console: `lvstop` without --once. Draws what the
 * collector publishes; never polls the kernel itself (the collector's
 * poller thread does), so keys answer while the kernel is slow.
 * Threads: console_run owns the calling thread until the user quits. */
#ifndef LVSTOP_CONSOLE_CONSOLE_H
#define LVSTOP_CONSOLE_CONSOLE_H

#include <stdbool.h>

#include "collector/collector.h"

struct lvsd_health;
struct console_pace;

struct console_opts {
	double interval;   /* seconds between polls (the collector's) */
	long iterations;   /* -n: exit after this many refreshes (0: never) */
	bool read_only;    /* --read-only: no key may change the kernel */
	bool exact;        /* start with raw numbers */
	bool no_color;     /* monochrome even on a colour terminal */
	const char *columns; /* --columns list (layout_parse_columns), checked
			      * by the caller; NULL: LAYOUT_HIDE_DEFAULT */
	const char *source; /* "kernel" or the recording's path, for the header */
	struct lvsd_health *health; /* borrowed: the lvsd whose health the rows
				     * show (lvsd_health.h), for the header;
				     * NULL: none asked */
	bool declared;      /* mark the table against a declared file
			     * (marks.h): declared_path, or the first of
			     * the default paths that exists */
	const char *declared_path; /* NULL: the default paths */
	int declared_kind;  /* enum lvs_decl_kind of declared_path */
	struct console_pace *pace; /* borrowed: told what is shown, released
				    * before the poller stops (pace.h); NULL:
				    * the poller keeps its own schedule */
};

/* Start the poller, run the console until `q` (or -n refreshes, or
 * SIGINT/SIGTERM/SIGHUP), restore the terminal and stop the poller.
 * 0; -ENOTTY when stdin/stdout is not a usable terminal; -ENOMEM; or the
 * negative errno of starting the poller thread. */
int console_run(lvs_collector *c, const struct console_opts *o);

#endif
