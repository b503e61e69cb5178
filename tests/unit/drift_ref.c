/* The drift comparison as it was first written, searching both tables
 * front to back for every object: the reference the sorted lookups of
 * collector/declared/drift.c must agree with, item for item. Slow on
 * purpose (quadratic); tests only. */
#include "drift_ref.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ip_vs.h>

#include "collector/names.h"
#include "collector/snapshot.h"

static bool dest_same(const struct lvs_dest *a, const struct lvs_dest *b)
{
	return a->af == b->af && a->port == b->port &&
	       !memcmp(&a->addr, &b->addr, a->af == AF_INET6 ? 16 : 4);
}

static const struct lvs_decl_service *find_decl(const struct lvs_declared *d,
						const struct lvs_service *s)
{
	for (size_t i = 0; i < d->n_services; i++)
		if (lvs_service_same(&d->services[i].s, s))
			return &d->services[i];
	return NULL;
}

static const struct lvs_service *find_kernel(const struct lvs_snapshot *snap,
					     const struct lvs_service *s)
{
	for (size_t i = 0; i < snap->n_services; i++)
		if (lvs_service_same(&snap->services[i], s))
			return &snap->services[i];
	return NULL;
}

static struct lvs_drift_item *add(struct lvs_drift *out, size_t *cap, enum lvs_drift_kind kind,
				  const struct lvs_service *svc, const struct lvs_dest *dest,
				  const char *file, int line)
{
	if (out->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct lvs_drift_item *p = realloc(out->items, nc * sizeof(*p));
		if (!p)
			return NULL;
		out->items = p;
		*cap = nc;
	}
	struct lvs_drift_item *it = &out->items[out->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->svc = *svc;
	it->svc.dests = NULL;
	it->svc.n_dests = 0;
	if (dest) {
		it->has_dest = true;
		it->dest = *dest;
	}
	it->file = file;
	it->line = line;
	return it;
}

static void persistence_text(const struct lvs_service *s, char *buf, size_t len)
{
	if (!(s->flags & IP_VS_SVC_F_PERSISTENT)) {
		snprintf(buf, len, "none");
		return;
	}
	if (s->af == AF_INET6) {
		snprintf(buf, len, "%u s /%u", s->timeout, s->netmask);
		return;
	}
	char m[INET_ADDRSTRLEN];
	struct in_addr a = { .s_addr = s->netmask };
	inet_ntop(AF_INET, &a, m, sizeof(m));
	snprintf(buf, len, "%u s %s", s->timeout, m);
}

static const char *method_text(uint32_t fwd)
{
	switch (fwd) {
	case LVS_FWD_MASQ: return "NAT";
	case LVS_FWD_ROUTE: return "DR";
	case LVS_FWD_TUNNEL: return "TUN";
	case LVS_FWD_LOCAL: return "local";
	}
	return "bypass";
}

static bool has_checks(const struct lvs_decl_dest *r, char *kinds, size_t len)
{
	size_t o = 0;
	kinds[0] = 0;
	for (size_t c = 0; c < r->n_checks && o < len; c++)
		o += (size_t)snprintf(kinds + o, len - o, "%s%s", c ? ", " : "", r->checks[c].kind);
	return r->n_checks > 0;
}

static int compare_service(const struct lvs_declared *decl, const struct lvs_decl_service *ds,
			   const struct lvs_service *ks, struct lvs_drift *out, size_t *cap)
{
	char kinds[80];
	bool keepalived = decl->kind == LVS_DECL_KEEPALIVED;
	struct lvs_drift_item *it;

	if (strcmp(ds->s.sched, ks->sched)) {
		if (!(it = add(out, cap, LVS_DRIFT_SERVICE_DIFFERS, ks, NULL, ds->file, ds->line)))
			return -ENOMEM;
		snprintf(it->field, sizeof(it->field), "scheduler");
		snprintf(it->declared, sizeof(it->declared), "%s", ds->s.sched);
		snprintf(it->kernel, sizeof(it->kernel), "%s", ks->sched);
	}
	bool dp = ds->s.flags & IP_VS_SVC_F_PERSISTENT, kp = ks->flags & IP_VS_SVC_F_PERSISTENT;
	if (dp != kp || (dp && (ds->s.timeout != ks->timeout || ds->s.netmask != ks->netmask))) {
		if (!(it = add(out, cap, LVS_DRIFT_SERVICE_DIFFERS, ks, NULL, ds->file, ds->line)))
			return -ENOMEM;
		snprintf(it->field, sizeof(it->field), "persistence");
		persistence_text(&ds->s, it->declared, sizeof(it->declared));
		persistence_text(ks, it->kernel, sizeof(it->kernel));
	}
	/* Declared real servers against the kernel's. */
	for (size_t i = 0; i < ds->n_dests; i++) {
		const struct lvs_decl_dest *r = &ds->dests[i];
		const struct lvs_dest *k = NULL;
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = dest_same(&ds->dests[j].d, &r->d);
		if (dup)
			continue; /* warned about when read; compared once */
		for (size_t j = 0; j < ks->n_dests && !k; j++)
			if (dest_same(&ks->dests[j], &r->d))
				k = &ks->dests[j];
		bool checked = has_checks(r, kinds, sizeof(kinds));
		if (!k) {
			if (!(it = add(out, cap, LVS_DRIFT_SERVER_ABSENT, ks, &r->d, r->file, r->line)))
				return -ENOMEM;
			if (keepalived && checked && !r->inhibit_on_failure)
				snprintf(it->reason, sizeof(it->reason),
					 "keepalived removes a real server whose check fails (%s)", kinds);
			else if (!keepalived && !ds->quiesce_server)
				snprintf(it->reason, sizeof(it->reason),
					 "nanny removes a real server whose check fails (%s)", kinds);
			else if (ds->has_sorry)
				snprintf(it->reason, sizeof(it->reason),
					 "quorum lost: the sorry server stands in for the real servers");
			continue;
		}
		if (r->d.weight != k->weight) {
			if (!(it = add(out, cap, LVS_DRIFT_SERVER_DIFFERS, ks, k, r->file, r->line)))
				return -ENOMEM;
			snprintf(it->field, sizeof(it->field), "weight");
			snprintf(it->declared, sizeof(it->declared), "%d", r->d.weight);
			snprintf(it->kernel, sizeof(it->kernel), "%d", k->weight);
			if (k->weight == 0 && r->inhibit_on_failure && checked)
				snprintf(it->reason, sizeof(it->reason),
					 "%s sets weight 0 while the check fails (%s)",
					 keepalived ? "keepalived (inhibit_on_failure)"
						    : "nanny (quiesce_server)", kinds);
		}
		if (r->d.fwd != k->fwd) {
			if (!(it = add(out, cap, LVS_DRIFT_SERVER_DIFFERS, ks, k, r->file, r->line)))
				return -ENOMEM;
			snprintf(it->field, sizeof(it->field), "method");
			snprintf(it->declared, sizeof(it->declared), "%s", method_text(r->d.fwd));
			snprintf(it->kernel, sizeof(it->kernel), "%s", method_text(k->fwd));
		}
	}
	/* Kernel real servers nobody declared. */
	for (size_t j = 0; j < ks->n_dests; j++) {
		const struct lvs_dest *k = &ks->dests[j];
		bool found = false;
		for (size_t i = 0; i < ds->n_dests && !found; i++)
			found = dest_same(&ds->dests[i].d, k);
		if (found)
			continue;
		if (ds->has_sorry && dest_same(&ds->sorry.d, k)) {
			if (!(it = add(out, cap, LVS_DRIFT_SORRY_ACTIVE, ks, k, ds->sorry.file,
				       ds->sorry.line)))
				return -ENOMEM;
			snprintf(it->reason, sizeof(it->reason),
				 "quorum lost: every real server's check fails");
			continue;
		}
		if (!(it = add(out, cap, LVS_DRIFT_SERVER_UNDECLARED, ks, k, NULL, 0)))
			return -ENOMEM;
		snprintf(it->reason, sizeof(it->reason), "not in %s: added by hand?",
			 declared_kind_name(decl->kind));
	}
	return 0;
}

int drift_ref_compute(const struct lvs_declared *decl, const struct lvs_snapshot *snap,
		  struct lvs_drift *out)
{
	size_t cap = 0;
	struct lvs_drift_item *it;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < decl->n_services; i++) {
		const struct lvs_decl_service *ds = &decl->services[i];
		if (find_decl(decl, &ds->s) != ds)
			continue; /* declared twice: warned about when read */
		const struct lvs_service *ks = find_kernel(snap, &ds->s);
		if (!ks) {
			if (!(it = add(out, &cap, LVS_DRIFT_SERVICE_ABSENT, &ds->s, NULL, ds->file,
				       ds->line)))
				return -ENOMEM;
			snprintf(it->reason, sizeof(it->reason),
				 decl->kind == LVS_DECL_KEEPALIVED
					 ? "keepalived has not loaded it (is it running? did its "
					   "last reload fail?)"
					 : "lvsd (piranha) has not loaded it (is pulse running on the "
					   "active director?)");
			continue;
		}
		if (compare_service(decl, ds, ks, out, &cap) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < snap->n_services; i++) {
		const struct lvs_service *ks = &snap->services[i];
		if (find_decl(decl, ks))
			continue;
		if (!(it = add(out, &cap, LVS_DRIFT_SERVICE_UNDECLARED, ks, NULL, NULL, 0)))
			return -ENOMEM;
		snprintf(it->reason, sizeof(it->reason), "not in %s: added by hand?",
			 declared_kind_name(decl->kind));
	}
	return 0;
}

enum lvs_decl_state drift_ref_dest_state(const struct lvs_drift *drift,
					 const struct lvs_declared *decl,
					 const struct lvs_service *svc, const struct lvs_dest *dest)
{
	if (!decl)
		return LVS_DECL_STATE_NONE;
	enum lvs_decl_state st = LVS_DECL_STATE_UNDECLARED;
	const struct lvs_decl_service *ds = find_decl(decl, svc);
	if (ds) {
		for (size_t i = 0; i < ds->n_dests; i++)
			if (dest_same(&ds->dests[i].d, dest))
				st = LVS_DECL_STATE_DECLARED;
		if (st != LVS_DECL_STATE_DECLARED && ds->has_sorry && dest_same(&ds->sorry.d, dest))
			return LVS_DECL_STATE_SORRY;
	}
	if (st != LVS_DECL_STATE_DECLARED)
		return st;
	for (size_t i = 0; i < drift->n; i++) {
		const struct lvs_drift_item *it = &drift->items[i];
		if (it->kind == LVS_DRIFT_SERVER_DIFFERS && lvs_service_same(&it->svc, svc) &&
		    dest_same(&it->dest, dest))
			return LVS_DECL_STATE_DIFFERS;
	}
	return st;
}
