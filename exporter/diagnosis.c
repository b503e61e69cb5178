#include "exporter/diagnosis.h"

#include <errno.h>

#include "collector/doctor/gather.h"
#include "collector/doctor/rules.h"

void diagnosis_render(struct outbuf *o, const struct doctor_findings *f)
{
	outbuf_puts(o, "# HELP lvsd_diagnosis A finding of lvstop doctor's checks (always 1; "
		       "docs/doctor.md).\n# TYPE lvsd_diagnosis gauge\n");
	for (size_t i = 0; i < f->n; i++) {
		const struct doctor_finding *x = &f->v[i];
		outbuf_puts(o, "lvsd_diagnosis{id=\"");
		outbuf_put_label(o, x->id);
		outbuf_puts(o, "\",service=\"");
		outbuf_put_label(o, x->service);
		outbuf_puts(o, "\",real_server=\"");
		outbuf_put_label(o, x->real_server);
		outbuf_puts(o, "\",severity=\"");
		outbuf_puts(o, doctor_severity_name(x->severity));
		outbuf_puts(o, "\"} 1\n");
	}
}

int diagnosis_run(struct outbuf *o, const struct lvs_snapshot *s)
{
	struct doctor_findings f;
	struct doctor_gathered g;
	struct doctor_gather_opts go = { .no_arp = true };
	char msg[256];
	int r = 0;
	doctor_findings_init(&f);
	f.labels_only = true; /* the series carry no more */
	if (s && !doctor_gather(s, true, &go, &g, msg, sizeof(msg))) {
		r = doctor_diagnose(s, &g.facts, NULL, &f);
		doctor_findings_sort(&f);
	}
	if (s)
		doctor_gathered_done(&g);
	if (!r)
		diagnosis_render(o, &f);
	doctor_findings_done(&f);
	return r;
}
