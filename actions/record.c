/* The audit record of a plan: the rule lines (ipvsadm -S form, with
 * thresholds) of every object the plan touched, as they were before it and
 * are after it, and the record itself (audit.h). */
#include "actions/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/audit.h"
#include "actions/rules.h"
#include "collector/names.h"
#include "share/clock.h"
#include "share/vec.h"

#define AUDIT_LINES_MAX 2000 /* a flush of a huge table records this many, then a count */

/* ------------------------------------------------------------------------
 * Audit: the rule lines of the objects a plan touched.
 * ------------------------------------------------------------------------ */

struct lines {
	char **v;
	size_t n, cap, dropped;
};

static void lines_add(struct lines *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return;
	if (l->n >= AUDIT_LINES_MAX) {
		l->dropped++;
		return;
	}
	if (vec_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v), 16) < 0) {
		l->dropped++;
		return;
	}
	char *c = strdup(s);
	if (!c) {
		l->dropped++;
		return;
	}
	l->v[l->n++] = c;
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The lines for one object as s has it: a service with all its real
 * servers, or one real server. */
static void object_lines(const struct lvs_snapshot *s, const struct lvs_service *id,
			 const struct lvs_dest *d, struct lines *l)
{
	char line[512];
	const struct lvs_service *svc = act_find_svc(s, id);
	if (!svc)
		return;
	if (d) {
		const struct lvs_dest *x = act_find_dest(svc, d);
		if (x) {
			rules_dest_line(svc, x, true, line, sizeof(line));
			lines_add(l, line);
		}
		return;
	}
	rules_service_line(svc, line, sizeof(line));
	lines_add(l, line);
	for (size_t i = 0; i < svc->n_dests; i++) {
		rules_dest_line(svc, &svc->dests[i], true, line, sizeof(line));
		lines_add(l, line);
	}
}

static void plan_lines(const struct lvs_plan *p, const struct lvs_snapshot *s, struct lines *l)
{
	char line[128];
	for (size_t i = 0; i < p->n; i++) {
		const struct lvs_op *op = &p->ops[i];
		switch (op->kind) {
		case LVS_OP_ADD_SVC:
		case LVS_OP_SET_SVC:
		case LVS_OP_DEL_SVC:
			object_lines(s, &op->svc, NULL, l);
			break;
		case LVS_OP_ADD_DEST:
		case LVS_OP_SET_DEST:
		case LVS_OP_DEL_DEST:
			object_lines(s, &op->svc, &op->dest, l);
			break;
		case LVS_OP_FLUSH:
			for (size_t k = 0; s && k < s->n_services; k++)
				object_lines(s, &s->services[k], NULL, l);
			break;
		case LVS_OP_TIMEOUTS:
			if (s) {
				snprintf(line, sizeof(line), "timeouts %u %u %u", s->timeout_tcp,
					 s->timeout_tcpfin, s->timeout_udp);
				lines_add(l, line);
			}
			break;
		case LVS_OP_ADD_DAEMON:
		case LVS_OP_DEL_DAEMON:
			for (size_t k = 0; s && k < s->n_daemons; k++) {
				snprintf(line, sizeof(line), "sync-daemon %s %s syncid %u",
					 lvs_daemon_state_name(s->daemons[k].state), s->daemons[k].mcast_ifn,
					 s->daemons[k].syncid);
				lines_add(l, line);
			}
			break;
		case LVS_OP_ZERO:
			break;
		}
	}
	if (l->dropped) {
		snprintf(line, sizeof(line), "... and %zu more", l->dropped);
		l->dropped = 0;
		if (l->n) {
			l->n--; /* make room: the count replaces the last line */
			free(l->v[l->n]);
		}
		lines_add(l, line);
	}
}

void act_audit_plan(lvs_actions *a, const char *action, const char *object, const struct lvs_plan *p,
		  const struct lvs_snapshot *after, bool ok, bool rolled_back, const char *error)
{
	struct lines before = { 0 }, aft = { 0 };
	plan_lines(p, p->before, &before);
	plan_lines(p, after, &aft);
	struct lvs_audit_rec rec = {
		.time = clock_wall_s(),
		.user = a->user,
		.sudo_user = a->sudo,
		.source = a->source,
		.action = action,
		.object = object,
		.before = (const char *const *)before.v,
		.n_before = before.n,
		.after = (const char *const *)aft.v,
		.n_after = aft.n,
		.ok = ok,
		.rolled_back = rolled_back,
		.error = error,
	};
	int r = audit_append(a->audit_path, &rec, a->syslog);
	if (r && ok) {
		/* The change stands; say that its record is missing. */
		size_t n = strlen(a->msg);
		snprintf(a->msg + n, sizeof(a->msg) - n, " (warning: audit log %s not written: %s)",
			 a->audit_path, strerror(-r));
	}
	lines_free(&before);
	lines_free(&aft);
}

