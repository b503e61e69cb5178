/* Doctor's findings: what is wrong with a director, on which object, the
 * evidence that shows it and the fix. A plain list plus its two renderers
 * (text for a terminal, JSON for scripts). Pure: no kernel, no globals;
 * a list is used by one thread at a time. */
#ifndef LVSTOP_COLLECTOR_DOCTOR_FINDINGS_H
#define LVSTOP_COLLECTOR_DOCTOR_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum doctor_severity {
	DOCTOR_INFO = 0,
	DOCTOR_WARNING = 1,
	DOCTOR_ERROR = 2,
};

#define DOCTOR_ID_MAX 32
#define DOCTOR_SERVICE_MAX 72 /* "--sctp-service [v6]:65535" */
#define DOCTOR_RS_MAX 56      /* "[v6]:65535" */
#define DOCTOR_SUMMARY_MAX 200
#define DOCTOR_TEXT_MAX 1024  /* evidence, fix */

/* One finding. service and real_server are in ipvsadm's words
 * ("-t 203.0.113.10:80", "192.0.2.11:80"); "" when the finding is about
 * the whole director or the whole service. Every text is truncated to its
 * DOCTOR_*_MAX (terminator included) and never NULL. The texts belong to
 * the list the finding is in and live as long as it: a finding is moved
 * (sort, a list handed over) but never copied alone. */
struct doctor_finding {
	enum doctor_severity severity;
	const char *id, *service, *real_server;
	const char *summary, *evidence, *fix;
};

struct doctor_text; /* the list's texts, in blocks that never move */

struct doctor_findings {
	struct doctor_finding *v; /* owned */
	size_t n, cap;
	struct doctor_text *text; /* owned */
	/* Keep only id, severity, service and real_server; summary,
	 * evidence and fix are "". For lvsd, whose lvsd_diagnosis series
	 * carry just those: a backup director with 10,000 services not held
	 * has a finding for each at every poll. Set after init. */
	bool labels_only;
};

void doctor_findings_init(struct doctor_findings *f);
void doctor_findings_done(struct doctor_findings *f);

/* Append a finding (copies every string; NULL is ""). Returns the new
 * finding, or NULL when out of memory (the list's findings are unchanged). */
struct doctor_finding *doctor_findings_add(struct doctor_findings *f, const char *id,
					   enum doctor_severity sev, const char *service,
					   const char *real_server, const char *summary,
					   const char *evidence, const char *fix);

/* dst (not initialised) becomes a copy of src, texts included. 0, or
 * -ENOMEM with dst empty (doctor_findings_done it either way). */
int doctor_findings_copy(struct doctor_findings *dst, const struct doctor_findings *src);

/* Order: errors first, then warnings, then info; within one severity by
 * service, real server and id, so output is stable between runs. */
void doctor_findings_sort(struct doctor_findings *f);

/* "error", "warning", "info". */
const char *doctor_severity_name(enum doctor_severity sev);

/* Count of findings of one severity. */
size_t doctor_findings_count(const struct doctor_findings *f, enum doctor_severity sev);

/* Text for a terminal: one block per finding, then a summary line
 * ("no findings" or "N findings: E errors, W warnings, I info"). Bytes
 * outside printable ASCII are written as '?'. 0 or -EIO. */
int doctor_render_text(const struct doctor_findings *f, FILE *out);

/* {"findings": [{"id", "severity", "service", "real_server", "summary",
 * "evidence", "fix"}]} with a final newline; service and real_server are
 * null when empty. Returns a malloc'd string, NULL when out of memory. */
char *doctor_render_json(const struct doctor_findings *f);

#endif
