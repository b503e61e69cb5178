/* The doctor view: every finding, errors first, with evidence and fix. */
#include "panel_doctor.h"

#include <stdio.h>
#include <string.h>

#include "collector/doctor/rules.h"
#include "doctor_view.h"
#include "panel.h"

/* Facts come from this machine: only its own kernel fits them. */
static bool local_kernel(const struct app *a)
{
	return !a->remote && (!a->opts.source || !strcmp(a->opts.source, "kernel"));
}

bool panel_doctor_request(struct app *a)
{
	if (!local_kernel(a)) {
		snprintf(a->message, sizeof(a->message),
			 "doctor reads this machine: run lvstop doctor on the director itself");
		return false;
	}
	if (!a->doctor && !(a->doctor = doctor_view_new())) {
		snprintf(a->message, sizeof(a->message), "doctor: cannot start its worker");
		return false;
	}
	doctor_view_request(a->doctor, a->snap);
	return true;
}

static enum crt_role sev_role(enum doctor_severity s)
{
	return s == DOCTOR_ERROR ? CR_HEALTH_DOWN : s == DOCTOR_WARNING ? CR_EV_CHANGE : CR_DIM;
}

/* Evidence and fix may hold several lines: one textbuf line each. Bytes
 * outside printable ASCII become '?' (texts can carry a health check's
 * error from a remote host). */
static void block(struct textbuf *t, const char *label, const char *text)
{
	const char *p = text;
	bool first = true;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[DOCTOR_TEXT_MAX];
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		for (char *c = line; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
				*c = '?';
		textbuf_add(t, CR_HEADER_LABEL, 14, CR_DEFAULT, "    %-10s%s", first ? label : "",
			    line);
		first = false;
		if (!nl)
			break;
		p = nl + 1;
	}
}

static void one(struct textbuf *t, const struct doctor_finding *x, bool object)
{
	if (object)
		textbuf_add(t, sev_role(x->severity), 10, CR_TITLE, "  %-8s%s %s%s%s",
			    doctor_severity_name(x->severity), x->id, x->service,
			    x->real_server[0] ? " -r " : "", x->real_server);
	else
		textbuf_add(t, sev_role(x->severity), 10, CR_TITLE, "  %-8s%s",
			    doctor_severity_name(x->severity), x->id);
	block(t, "", x->summary);
	block(t, "evidence", x->evidence);
	block(t, "fix", x->fix);
}

static void doctor_draw(struct app *a, int y, int h)
{
	struct textbuf t;
	textbuf_begin(&t, y, 0, a->cols, h, a->scroll[VIEW_DOCTOR]);
	if (!a->doctor) {
		textbuf_add(&t, CR_DIM, 0, CR_DIM, "  %s",
			    a->message[0] ? a->message : "doctor has not run");
		a->lines[VIEW_DOCTOR] = t.n;
		return;
	}
	struct doctor_findings f;
	uint64_t gen;
	bool busy;
	char err[256];
	doctor_view_take(a->doctor, &f, &gen, &busy, err, sizeof(err));
	if (!gen) {
		textbuf_add(&t, CR_TITLE, 0, CR_TITLE, "Doctor: checking...");
	} else {
		textbuf_add(&t, CR_TITLE, 0, CR_TITLE,
			    "Doctor: %zu finding%s (%zu error%s, %zu warning%s)%s", f.n,
			    f.n == 1 ? "" : "s", doctor_findings_count(&f, DOCTOR_ERROR),
			    doctor_findings_count(&f, DOCTOR_ERROR) == 1 ? "" : "s",
			    doctor_findings_count(&f, DOCTOR_WARNING),
			    doctor_findings_count(&f, DOCTOR_WARNING) == 1 ? "" : "s",
			    busy ? "   [checking again]" : "");
		if (err[0])
			textbuf_add(&t, CR_DIM, 0, CR_DIM, "  %s", err);
		if (!f.n)
			textbuf_add(&t, CR_DIM, 0, CR_DIM,
				    "  nothing found: none of the classic LVS failures "
				    "(docs/doctor.md) shows on this director");
	}
	for (size_t i = 0; i < f.n; i++) {
		if (i)
			textbuf_add(&t, CR_DEFAULT, 0, CR_DEFAULT, "%s", "");
		one(&t, &f.v[i], true);
	}
	doctor_findings_done(&f);
	a->lines[VIEW_DOCTOR] = t.n;
}

void panel_doctor_dest_lines(struct app *a, struct textbuf *t, const struct lvs_service *svc,
			     const struct lvs_dest *d)
{
	/* The first detail of a real server starts the doctor; each new
	 * snapshot shown here runs it again (app.c). */
	if (!a->doctor && (!local_kernel(a) || !panel_doctor_request(a)))
		return;
	struct doctor_findings f;
	uint64_t gen;
	bool busy;
	char err[256], sw[DOCTOR_SERVICE_MAX], dw[DOCTOR_RS_MAX];
	if (doctor_view_take(a->doctor, &f, &gen, &busy, err, sizeof(err)) || !gen) {
		doctor_findings_done(&f);
		textbuf_add(t, CR_TITLE, 0, CR_TITLE, "Doctor: checking...");
		return;
	}
	doctor_service_words(svc, sw, sizeof(sw));
	doctor_dest_words(d, dw, sizeof(dw));
	size_t n = 0;
	for (size_t i = 0; i < f.n; i++)
		n += !strcmp(f.v[i].service, sw) && !strcmp(f.v[i].real_server, dw);
	textbuf_add(t, CR_TITLE, 0, CR_TITLE, "Doctor: %zu finding%s on this real server", n,
		    n == 1 ? "" : "s");
	for (size_t i = 0; i < f.n; i++)
		if (!strcmp(f.v[i].service, sw) && !strcmp(f.v[i].real_server, dw))
			one(t, &f.v[i], false);
	doctor_findings_done(&f);
}

const struct panel panel_doctor = {
	.name = "doctor",
	.draw = doctor_draw,
};
