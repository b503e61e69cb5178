/* The rule format of `ipvsadm -S -n`, both ways: print a table exactly as
 * ipvsadm 1.31 prints it (same lines, same order: libipvs's sort, which
 * compares addresses by subtracting them as 32-bit numbers, emulated
 * comparison by comparison), and read such a file back into commands
 * (-A/-a lines, and -E/-e/-D/-d, as ipvsadm -R does).
 * Pure apart from the FILE* given; thread-safe. */
#ifndef LVSTOP_ACTIONS_RULES_H
#define LVSTOP_ACTIONS_RULES_H

#include <stdbool.h>
#include <stdio.h>

#include "actions/args.h"
#include "collector/model.h"

/* One rule line, no newline: "-A -t 203.0.113.10:80 -s rr" and
 * "-a -t 203.0.113.10:80 -r 192.0.2.11:80 -m -w 1". full adds -x/-y when a
 * threshold is set (ipvsadm -S leaves thresholds out; -R reads them).
 * Returns the length the whole line needs (as snprintf). */
int rules_service_line(const struct lvs_service *svc, char *buf, size_t len);
int rules_dest_line(const struct lvs_service *svc, const struct lvs_dest *d, bool full,
		    char *buf, size_t len);

/* Print every service and real server of s in ipvsadm's order.
 * 0, -ENOMEM, or -EIO when writing failed. */
int rules_save(const struct lvs_snapshot *s, bool full, FILE *out);

/* The order ipvsadm lists things in: a permutation of 0..n-1 (idx, n
 * entries, filled here) for the services of s, and for the real servers of
 * one service. Exposed for tests. */
void rules_order_services(const struct lvs_service *v, size_t n, size_t *idx, size_t *tmp);
void rules_order_dests(const struct lvs_dest *v, size_t n, size_t *idx, size_t *tmp);

/* A parsed rule file: one entry per command line (blank lines and # comments
 * skipped). lineno counts from 1. */
struct rules_line {
	int lineno;
	struct lvs_args args;
};
/* Parse text (NUL-terminated). *out (owned by the caller, free()) and *n are
 * set only on success. -EINVAL with "line N: <problem>" in err, -ENOMEM. */
int rules_parse(const char *text, struct rules_line **out, size_t *n, char *err, size_t errlen);

#endif
