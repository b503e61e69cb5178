#include "collector/declared/drift.h"

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

/* --- sorted lookups ----------------------------------------------------------
 * drift_compute runs on every poll of lvsd: with tens of thousands of
 * services, comparing every declared object with every kernel one was
 * quadratic. Each side is sorted once by identity (then by position, so that
 * the first of equal objects comes first, as a front-to-back search finds
 * it) and searched by bisection. */

static int cmp_u(unsigned long a, unsigned long b)
{
	return a < b ? -1 : a > b;
}

/* The order of lvs_service_same's identity: equal exactly when it says so. */
static int svc_cmp(const struct lvs_service *a, const struct lvs_service *b)
{
	int c;
	if ((c = cmp_u(a->af, b->af)) || (c = cmp_u(a->protocol, b->protocol)) ||
	    (c = cmp_u(a->port, b->port)) || (c = cmp_u(a->fwmark, b->fwmark)))
		return c;
	return memcmp(&a->addr, &b->addr, a->af == AF_INET6 ? 16 : 4);
}

/* The order of dest_same's identity. */
static int dest_cmp(const struct lvs_dest *a, const struct lvs_dest *b)
{
	int c;
	if ((c = cmp_u(a->af, b->af)) || (c = cmp_u(a->port, b->port)))
		return c;
	return memcmp(&a->addr, &b->addr, a->af == AF_INET6 ? 16 : 4);
}

struct svc_key {
	const struct lvs_service *s;
	size_t i; /* position in its table */
};

struct dest_key {
	size_t grp; /* the service it belongs to (a position), or 0 */
	const struct lvs_dest *d;
	size_t i;   /* position in its service */
};

static int svc_key_cmp(const void *x, const void *y)
{
	const struct svc_key *a = x, *b = y;
	int c = svc_cmp(a->s, b->s);
	return c ? c : cmp_u(a->i, b->i);
}

static int dest_key_cmp(const void *x, const void *y)
{
	const struct dest_key *a = x, *b = y;
	int c = cmp_u(a->grp, b->grp);
	if (!c)
		c = dest_cmp(a->d, b->d);
	return c ? c : cmp_u(a->i, b->i);
}

/* The position of the first of the services equal to s, or SIZE_MAX. */
static size_t svc_find(const struct svc_key *k, size_t n, const struct lvs_service *s)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (svc_cmp(k[mid].s, s) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && !svc_cmp(k[lo].s, s) ? k[lo].i : SIZE_MAX;
}

/* The position of the first real server of group grp equal to d, or SIZE_MAX. */
static size_t dest_find(const struct dest_key *k, size_t n, size_t grp, const struct lvs_dest *d)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_u(k[mid].grp, grp);
		if (!c)
			c = dest_cmp(k[mid].d, d);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && k[lo].grp == grp && !dest_cmp(k[lo].d, d) ? k[lo].i : SIZE_MAX;
}

/* The declared services, sorted (n: decl->n_services). */
static struct svc_key *decl_keys(const struct lvs_declared *d)
{
	struct svc_key *k = malloc((d->n_services ? d->n_services : 1) * sizeof(*k));
	if (!k)
		return NULL;
	for (size_t i = 0; i < d->n_services; i++)
		k[i] = (struct svc_key){ &d->services[i].s, i };
	qsort(k, d->n_services, sizeof(*k), svc_key_cmp);
	return k;
}

/* Every declared real server of every service, sorted by service, then
 * identity (n: the sum of the services' n_dests, into *n). */
static struct dest_key *decl_dest_keys(const struct lvs_declared *d, size_t *n)
{
	size_t total = 0;
	for (size_t i = 0; i < d->n_services; i++)
		total += d->services[i].n_dests;
	struct dest_key *k = malloc((total ? total : 1) * sizeof(*k));
	if (!k)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < d->n_services; i++)
		for (size_t j = 0; j < d->services[i].n_dests; j++)
			k[o++] = (struct dest_key){ i, &d->services[i].dests[j].d, j };
	qsort(k, total, sizeof(*k), dest_key_cmp);
	*n = total;
	return k;
}

static const struct lvs_decl_service *find_decl(const struct lvs_declared *d,
						const struct lvs_service *s)
{
	for (size_t i = 0; i < d->n_services; i++)
		if (lvs_service_same(&d->services[i].s, s))
			return &d->services[i];
	return NULL;
}

/* Where drift_compute keeps its sorted views while it runs. */
struct lookup {
	struct svc_key *decl, *kern;
	struct dest_key *ddest; /* the declared real servers (grp: service position) */
	size_t n_ddest;
	struct dest_key *kdest; /* the current kernel service's (grp 0) */
	size_t kdest_cap;
};

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
			   const struct lvs_service *ks, struct lookup *lk, struct lvs_drift *out,
			   size_t *cap)
{
	size_t dsi = (size_t)(ds - decl->services);
	/* The kernel service's real servers, sorted. */
	if (ks->n_dests > lk->kdest_cap) {
		struct dest_key *p = realloc(lk->kdest, ks->n_dests * sizeof(*p));
		if (!p)
			return -ENOMEM;
		lk->kdest = p;
		lk->kdest_cap = ks->n_dests;
	}
	for (size_t j = 0; j < ks->n_dests; j++)
		lk->kdest[j] = (struct dest_key){ 0, &ks->dests[j], j };
	qsort(lk->kdest, ks->n_dests, sizeof(*lk->kdest), dest_key_cmp);

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
		if (dest_find(lk->ddest, lk->n_ddest, dsi, &r->d) != i)
			continue; /* declared twice: warned about when read; compared once */
		size_t kj = dest_find(lk->kdest, ks->n_dests, 0, &r->d);
		const struct lvs_dest *k = kj == SIZE_MAX ? NULL : &ks->dests[kj];
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
		if (dest_find(lk->ddest, lk->n_ddest, dsi, k) != SIZE_MAX)
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

/* The kernel's services, sorted. */
static struct svc_key *kernel_keys(const struct lvs_snapshot *snap)
{
	struct svc_key *k = malloc((snap->n_services ? snap->n_services : 1) * sizeof(*k));
	if (!k)
		return NULL;
	for (size_t i = 0; i < snap->n_services; i++)
		k[i] = (struct svc_key){ &snap->services[i], i };
	qsort(k, snap->n_services, sizeof(*k), svc_key_cmp);
	return k;
}

static int compute(const struct lvs_declared *decl, const struct lvs_snapshot *snap,
		   struct lookup *lk, struct lvs_drift *out)
{
	size_t cap = 0;
	struct lvs_drift_item *it;

	if (!(lk->decl = decl_keys(decl)) || !(lk->kern = kernel_keys(snap)) ||
	    !(lk->ddest = decl_dest_keys(decl, &lk->n_ddest)))
		return -ENOMEM;
	for (size_t i = 0; i < decl->n_services; i++) {
		const struct lvs_decl_service *ds = &decl->services[i];
		if (svc_find(lk->decl, decl->n_services, &ds->s) != i)
			continue; /* declared twice: warned about when read */
		size_t ki = svc_find(lk->kern, snap->n_services, &ds->s);
		if (ki == SIZE_MAX) {
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
		if (compare_service(decl, ds, &snap->services[ki], lk, out, &cap) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < snap->n_services; i++) {
		const struct lvs_service *ks = &snap->services[i];
		if (svc_find(lk->decl, decl->n_services, ks) != SIZE_MAX)
			continue;
		if (!(it = add(out, &cap, LVS_DRIFT_SERVICE_UNDECLARED, ks, NULL, NULL, 0)))
			return -ENOMEM;
		snprintf(it->reason, sizeof(it->reason), "not in %s: added by hand?",
			 declared_kind_name(decl->kind));
	}
	return 0;
}

/* The order of SERVER_DIFFERS items: service, then real server. */
static int differs_cmp(const void *x, const void *y, void *arg)
{
	const struct lvs_drift_item *items = arg;
	const struct lvs_drift_item *a = &items[*(const size_t *)x];
	const struct lvs_drift_item *b = &items[*(const size_t *)y];
	int c = svc_cmp(&a->svc, &b->svc);
	return c ? c : dest_cmp(&a->dest, &b->dest);
}

/* The real servers drift_dest_state answers "differs" for, sorted (into
 * out->differs). */
static int index_differs(struct lvs_drift *out)
{
	size_t n = 0;
	for (size_t i = 0; i < out->n; i++)
		n += out->items[i].kind == LVS_DRIFT_SERVER_DIFFERS;
	out->differs = malloc((n ? n : 1) * sizeof(*out->differs));
	if (!out->differs)
		return -ENOMEM;
	for (size_t i = 0; i < out->n; i++)
		if (out->items[i].kind == LVS_DRIFT_SERVER_DIFFERS)
			out->differs[out->n_differs++] = i;
	qsort_r(out->differs, out->n_differs, sizeof(*out->differs), differs_cmp, out->items);
	return 0;
}

int drift_compute(const struct lvs_declared *decl, const struct lvs_snapshot *snap,
		  struct lvs_drift *out)
{
	struct lookup lk = { 0 };
	memset(out, 0, sizeof(*out));
	int rc = compute(decl, snap, &lk, out);
	free(lk.kern);
	free(lk.kdest);
	out->decl_keys = lk.decl;
	out->decl_dest_keys = lk.ddest;
	out->n_decl_dest_keys = lk.n_ddest;
	if (!rc)
		rc = index_differs(out);
	if (!rc)
		out->decl = decl;
	return rc;
}

void drift_free(struct lvs_drift *d)
{
	free(d->items);
	free(d->decl_keys);
	free(d->decl_dest_keys);
	free(d->differs);
	memset(d, 0, sizeof(*d));
}

const char *drift_kind_name(enum lvs_drift_kind k)
{
	switch (k) {
	case LVS_DRIFT_SERVICE_ABSENT: return "service-absent";
	case LVS_DRIFT_SERVICE_UNDECLARED: return "service-undeclared";
	case LVS_DRIFT_SERVICE_DIFFERS: return "service-differs";
	case LVS_DRIFT_SERVER_ABSENT: return "real-server-absent";
	case LVS_DRIFT_SERVER_UNDECLARED: return "real-server-undeclared";
	case LVS_DRIFT_SERVER_DIFFERS: return "real-server-differs";
	case LVS_DRIFT_SORRY_ACTIVE: return "sorry-server-active";
	}
	return "?";
}

enum lvs_decl_state drift_dest_state(const struct lvs_drift *drift, const struct lvs_declared *decl,
				     const struct lvs_service *svc, const struct lvs_dest *dest)
{
	if (!decl)
		return LVS_DECL_STATE_NONE;
	bool indexed = drift->decl == decl;
	enum lvs_decl_state st = LVS_DECL_STATE_UNDECLARED;
	const struct lvs_decl_service *ds;
	if (indexed) {
		size_t i = svc_find(drift->decl_keys, decl->n_services, svc);
		ds = i == SIZE_MAX ? NULL : &decl->services[i];
	} else {
		ds = find_decl(decl, svc);
	}
	if (ds) {
		if (indexed) {
			if (dest_find(drift->decl_dest_keys, drift->n_decl_dest_keys,
				      (size_t)(ds - decl->services), dest) != SIZE_MAX)
				st = LVS_DECL_STATE_DECLARED;
		} else {
			for (size_t i = 0; i < ds->n_dests; i++)
				if (dest_same(&ds->dests[i].d, dest))
					st = LVS_DECL_STATE_DECLARED;
		}
		if (st != LVS_DECL_STATE_DECLARED && ds->has_sorry && dest_same(&ds->sorry.d, dest))
			return LVS_DECL_STATE_SORRY;
	}
	if (st != LVS_DECL_STATE_DECLARED)
		return st;
	if (indexed) {
		size_t lo = 0, hi = drift->n_differs;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const struct lvs_drift_item *it = &drift->items[drift->differs[mid]];
			int c = svc_cmp(&it->svc, svc);
			if (!c)
				c = dest_cmp(&it->dest, dest);
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < drift->n_differs) {
			const struct lvs_drift_item *it = &drift->items[drift->differs[lo]];
			if (lvs_service_same(&it->svc, svc) && dest_same(&it->dest, dest))
				return LVS_DECL_STATE_DIFFERS;
		}
		return st;
	}
	for (size_t i = 0; i < drift->n; i++) {
		const struct lvs_drift_item *it = &drift->items[i];
		if (it->kind == LVS_DRIFT_SERVER_DIFFERS && lvs_service_same(&it->svc, svc) &&
		    dest_same(&it->dest, dest))
			return LVS_DECL_STATE_DIFFERS;
	}
	return st;
}

bool drift_owner_note(const struct lvs_declared *decl, const struct lvs_service *svc,
		      const struct lvs_dest *dest, char *buf, size_t len)
{
	const struct lvs_decl_service *ds = decl ? find_decl(decl, svc) : NULL;
	if (!ds)
		return false;
	bool ka = decl->kind == LVS_DECL_KEEPALIVED;
	const char *who = ka ? "keepalived" : "piranha (nanny)";
	char st[96], dt[64];
	lvs_svc_text(svc, st, sizeof(st));
	if (!dest) {
		snprintf(buf, len,
			 "%s is declared in %s:%d: %s manages it and puts back what the file "
			 "says when it next reloads", st, ds->file, ds->line, who);
		return true;
	}
	for (size_t i = 0; i < ds->n_dests; i++) {
		const struct lvs_decl_dest *r = &ds->dests[i];
		if (!dest_same(&r->d, dest))
			continue;
		lvs_dest_text(dest, dt, sizeof(dt));
		snprintf(buf, len,
			 "%s in %s is declared in %s:%d with weight %d: %s sets that weight again "
			 "at the real server's next check transition%s; to keep a change, write "
			 "it in the file and reload %s", dt, st, r->file, r->line, r->d.weight, who,
			 ka ? " or when a reload changes it" : "", ka ? "keepalived" : "pulse");
		return true;
	}
	return false;
}
