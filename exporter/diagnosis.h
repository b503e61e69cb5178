/* lvsd_diagnosis: doctor's cheap checks (every rule of collector/doctor/,
 * without the ARP probe) on every publication, exported as one series per
 * finding: lvsd_diagnosis{id,service,real_server,severity} 1. service and
 * real_server are in ipvsadm's words ("-t 203.0.113.10:80",
 * "192.0.2.12:80"), "" for a finding about the whole director.
 * Threads: the caller's (lvsd's main loop); no globals. */
#ifndef LVSTOP_EXPORTER_DIAGNOSIS_H
#define LVSTOP_EXPORTER_DIAGNOSIS_H

#include "collector/doctor/findings.h"
#include "collector/model.h"
#include "exporter/metrics/outbuf.h"

/* The metric family (HELP, TYPE, one sample per finding). Pure. */
void diagnosis_render(struct outbuf *o, const struct doctor_findings *f);

/* Gather the facts (sysctls, rtnetlink, keepalived, the usual rules
 * files; no ARP probe), run the rules over s (this machine's kernel) and
 * render. With s NULL, or when the facts cannot be had, the family is
 * rendered empty. 0, or -ENOMEM. */
int diagnosis_run(struct outbuf *o, const struct lvs_snapshot *s);

#endif
