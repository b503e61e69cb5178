/* The doctor view (findings of collector/doctor/ for this director,
 * computed on doctor_view's worker) and the lines the detail view of a
 * real server shows of its own findings. UI thread only. */
#ifndef LVSTOP_CONSOLE_PANEL_DOCTOR_H
#define LVSTOP_CONSOLE_PANEL_DOCTOR_H

#include "app.h"
#include "draw.h"

/* Start the doctor's worker if needed and ask for a run over the
 * snapshot on screen. False when doctor cannot run here (a recording or
 * another director: its facts are not this machine's), with a->message
 * saying so. */
bool panel_doctor_request(struct app *a);

/* Add the findings about real server d of service svc to t (nothing
 * while doctor has not run). */
void panel_doctor_dest_lines(struct app *a, struct textbuf *t, const struct lvs_service *svc,
			     const struct lvs_dest *d);

#endif
