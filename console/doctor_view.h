/* The console's doctor: the findings of collector/doctor/ for the
 * snapshot on screen, computed on a worker thread (gathering reads
 * rtnetlink and /proc and waits for ARP answers: never on the UI thread).
 * The UI asks for a run with the newest snapshot and reads the latest
 * result whenever it draws. Threads: doctor_view_* from the UI thread;
 * the worker only reads the snapshots it was given. */
#ifndef LVSTOP_CONSOLE_DOCTOR_VIEW_H
#define LVSTOP_CONSOLE_DOCTOR_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "collector/doctor/findings.h"
#include "collector/model.h"

typedef struct doctor_view doctor_view; /* opaque */

/* Start the worker. NULL when out of memory or no thread could start. */
doctor_view *doctor_view_new(void);
/* Stop the worker (waits for a run in progress: at most the ARP wait). */
void doctor_view_free(doctor_view *v);

/* Run the checks over s (a reference is taken; NULL: no table could be
 * read, the checks see an empty one) as soon as the worker is free; a
 * request not yet started is replaced by the newer one. */
void doctor_view_request(doctor_view *v, struct lvs_snapshot *s);

/* A copy of the latest result into out (doctor_findings_done it; out is
 * initialised here). *gen: 0 before the first run finished, then
 * increasing per run; *busy: a run is queued or in progress; err: why the
 * last run failed ("" if it did not; at least 128 bytes). 0 or -ENOMEM. */
int doctor_view_take(doctor_view *v, struct doctor_findings *out, uint64_t *gen, bool *busy,
		     char *err, size_t errlen);

#endif
