#include "table.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "collector/names.h"
#include "collector/snapshot.h"
#include "format.h"

void table_init(struct table *t)
{
	memset(t, 0, sizeof(*t));
}

void table_done(struct table *t)
{
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

void table_rates(const struct lvs_rates *r, bool valid, const struct lvs_kern_rates *k,
		 struct lvs_rates *out)
{
	if (valid) {
		*out = *r;
		return;
	}
	out->cps = (double)k->cps;
	out->inpps = (double)k->inpps;
	out->outpps = (double)k->outpps;
	out->inbps = (double)k->inbps;
	out->outbps = (double)k->outbps;
}

static void svc_rates(const struct lvs_service *v, struct lvs_rates *out)
{
	table_rates(&v->rates, v->rates_valid, &v->krates, out);
}

static void dest_rates(const struct lvs_dest *d, struct lvs_rates *out)
{
	table_rates(&d->rates, d->rates_valid, &d->krates, out);
}

/* Sums over a service's real servers. */
struct svc_sums {
	int64_t weight, pos_weight;
	uint64_t active, inact, persist;
	double inbps;
	unsigned up, down;
};

static void sums_of(const struct lvs_service *v, struct svc_sums *m)
{
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < v->n_dests; i++) {
		const struct lvs_dest *d = &v->dests[i];
		struct lvs_rates r;
		dest_rates(d, &r);
		m->weight += d->weight;
		if (d->weight > 0)
			m->pos_weight += d->weight;
		m->active += d->active_conns;
		m->inact += d->inact_conns;
		m->persist += d->persist_conns;
		m->inbps += r.inbps;
		m->up += d->health == LVS_HEALTH_UP;
		m->down += d->health == LVS_HEALTH_DOWN;
	}
}

/* Share of the service's bytes in and of its weight, in percent; < 0
 * when undefined (nothing flowing, no positive weight). */
static void shares(const struct lvs_service *v, const struct lvs_dest *d, double *traffic,
		   double *weight)
{
	struct svc_sums m;
	struct lvs_rates r;
	sums_of(v, &m);
	dest_rates(d, &r);
	*traffic = m.inbps > 0 ? 100.0 * r.inbps / m.inbps : -1;
	*weight = m.pos_weight > 0 ? 100.0 * (d->weight > 0 ? d->weight : 0) / (double)m.pos_weight
				   : -1;
}

bool table_sortable(enum col_id c)
{
	return c < COL_COUNT && c != COL_SPARK;
}

bool table_sort_descending_first(enum col_id c)
{
	return !(c == COL_PROTO || c == COL_NAME || c == COL_SCHED || c == COL_FLAGS);
}

static bool is_text_col(enum col_id c)
{
	return c == COL_PROTO || c == COL_NAME || c == COL_SCHED;
}

static double num_value(const struct lvs_service *v, const struct lvs_dest *d, enum col_id c)
{
	struct lvs_rates r;
	if (d)
		dest_rates(d, &r);
	else
		svc_rates(v, &r);
	struct svc_sums m;
	switch (c) {
	case COL_FLAGS: return d ? (double)d->tun_type : (double)v->timeout;
	case COL_WEIGHT:
		if (d)
			return d->weight;
		sums_of(v, &m);
		return (double)m.weight;
	case COL_ACTIVE:
	case COL_INACT:
	case COL_PERSIST:
		if (d)
			return c == COL_ACTIVE ? d->active_conns
			       : c == COL_INACT ? d->inact_conns : d->persist_conns;
		sums_of(v, &m);
		return (double)(c == COL_ACTIVE ? m.active : c == COL_INACT ? m.inact : m.persist);
	case COL_CPS: return r.cps;
	case COL_INPPS: return r.inpps;
	case COL_OUTPPS: return r.outpps;
	case COL_INBPS: return r.inbps;
	case COL_OUTBPS: return r.outbps;
	case COL_SHARE: {
		if (!d)
			return -1;
		double t, w;
		shares(v, d, &t, &w);
		return t;
	}
	case COL_HEALTH:
		if (d)
			return d->health;
		sums_of(v, &m);
		return m.down ? 2 : m.up ? 1 : 0;
	default: return 0;
	}
}

static int cmp_addr(uint16_t af1, const union lvs_addr *a1, uint16_t p1, uint16_t af2,
		    const union lvs_addr *a2, uint16_t p2)
{
	if (af1 != af2)
		return af1 == AF_INET ? -1 : 1;
	int r = memcmp(a1->raw, a2->raw, af1 == AF_INET6 ? 16 : 4);
	if (r)
		return r < 0 ? -1 : 1;
	return (p1 > p2) - (p1 < p2);
}

static int cmp_svc_name(const struct lvs_service *a, const struct lvs_service *b)
{
	if (!!a->fwmark != !!b->fwmark)
		return a->fwmark ? 1 : -1;
	if (a->fwmark || b->fwmark) {
		if (a->fwmark != b->fwmark)
			return a->fwmark < b->fwmark ? -1 : 1;
		return (a->af > b->af) - (a->af < b->af);
	}
	int r = cmp_addr(a->af, &a->addr, a->port, b->af, &b->addr, b->port);
	return r ? r : (a->protocol > b->protocol) - (a->protocol < b->protocol);
}

static int cmp_text(const struct lvs_service *va, const struct lvs_dest *da,
		    const struct lvs_service *vb, const struct lvs_dest *db, enum col_id c)
{
	int r = 0;
	switch (c) {
	case COL_PROTO:
		r = strcmp(lvs_service_proto_name(va), lvs_service_proto_name(vb));
		break;
	case COL_SCHED:
		if (da && db)
			r = strcmp(lvs_fwd_name(da->fwd), lvs_fwd_name(db->fwd));
		else
			r = strcmp(va->sched, vb->sched);
		break;
	default:
		break;
	}
	if (r)
		return r < 0 ? -1 : 1;
	/* COL_NAME, and the tie-breaker of the others. */
	if (da && db) {
		r = cmp_addr(da->af, &da->addr, da->port, db->af, &db->addr, db->port);
		if (r)
			return r;
	}
	return va == vb ? 0 : cmp_svc_name(va, vb);
}

struct item {
	double key;
	uint32_t svc;
	int32_t dest;
};

struct sort_ctx {
	const struct lvs_snapshot *s;
	enum col_id col;
	bool desc;
};

static int cmp_items(const void *pa, const void *pb, void *arg)
{
	const struct item *a = pa, *b = pb;
	const struct sort_ctx *x = arg;
	int r;
	if (is_text_col(x->col)) {
		const struct lvs_service *va = &x->s->services[a->svc], *vb = &x->s->services[b->svc];
		r = cmp_text(va, a->dest >= 0 ? &va->dests[a->dest] : NULL, vb,
			     b->dest >= 0 ? &vb->dests[b->dest] : NULL, x->col);
	} else {
		r = (a->key > b->key) - (a->key < b->key);
	}
	if (x->desc)
		r = -r;
	if (r)
		return r;
	/* Stable: the kernel's order. */
	if (a->svc != b->svc)
		return a->svc < b->svc ? -1 : 1;
	return (a->dest > b->dest) - (a->dest < b->dest);
}

static void fill_key(const struct lvs_snapshot *s, struct item *it, enum col_id c)
{
	if (is_text_col(c)) {
		it->key = 0;
		return;
	}
	const struct lvs_service *v = &s->services[it->svc];
	it->key = num_value(v, it->dest >= 0 ? &v->dests[it->dest] : NULL, c);
}

bool table_match(const char *hay, const char *needle)
{
	if (!needle || !*needle)
		return true;
	size_t n = strlen(needle);
	for (const char *h = hay; *h; h++)
		if (!strncasecmp(h, needle, n))
			return true;
	return false;
}

void table_filter_text(const struct lvs_snapshot *s, const struct row *r, char *buf, size_t len)
{
	const struct lvs_service *v = &s->services[r->svc];
	char ep[LVS_ADDR_STRLEN + 16];
	if (r->dest < 0) {
		snprintf(buf, len, "%s %s %s", lvs_service_proto_name(v), fmt_service(v, ep, sizeof(ep)),
			 v->sched);
	} else {
		const struct lvs_dest *d = &v->dests[r->dest];
		snprintf(buf, len, "%s %s", fmt_endpoint(d->af, &d->addr, d->port, ep, sizeof(ep)),
			 lvs_fwd_name(d->fwd));
	}
}

static bool row_matches(const struct lvs_snapshot *s, uint32_t svc, int32_t dest, const char *f)
{
	char txt[128];
	struct row r = { .svc = svc, .dest = dest };
	table_filter_text(s, &r, txt, sizeof(txt));
	return table_match(txt, f);
}

static int reserve(struct table *t, size_t n)
{
	if (n <= t->cap)
		return 0;
	size_t cap = t->cap ? t->cap : 256;
	while (cap < n)
		cap *= 2;
	struct row *p = realloc(t->rows, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	t->rows = p;
	t->cap = cap;
	return 0;
}

static bool collapsed(const struct lvs_service *v, const struct table_opts *o)
{
	bool c = o->collapse_all;
	if (o->toggled && o->toggled->count) {
		struct lvs_key k;
		lvs_key_service(&k, v);
		if (keymap_get(o->toggled, &k))
			c = !c;
	}
	return c;
}

int table_build(struct table *t, const struct lvs_snapshot *s, const struct table_opts *o)
{
	t->n = 0;
	bool filtering = o->filter && *o->filter;
	struct sort_ctx ctx = { s, o->sort_col, o->descending };
	struct item *items = NULL, *ditems = NULL;
	size_t n_items = 0;
	int err = -ENOMEM;

	if (!o->tree) {
		items = malloc((s->n_dests + s->n_services + 1) * sizeof(*items));
		if (!items)
			goto err;
		for (uint32_t i = 0; i < s->n_services; i++) {
			const struct lvs_service *v = &s->services[i];
			bool svc_hit = !filtering || row_matches(s, i, -1, o->filter);
			if (!v->n_dests) {
				if (svc_hit)
					items[n_items++] = (struct item){ 0, i, -1 };
				continue;
			}
			for (size_t j = 0; j < v->n_dests; j++)
				if (svc_hit || row_matches(s, i, (int32_t)j, o->filter))
					items[n_items++] = (struct item){ 0, i, (int32_t)j };
		}
		for (size_t i = 0; i < n_items; i++)
			fill_key(s, &items[i], o->sort_col);
		qsort_r(items, n_items, sizeof(*items), cmp_items, &ctx);
		if (reserve(t, n_items))
			goto err;
		for (size_t i = 0; i < n_items; i++)
			t->rows[i] = (struct row){ items[i].svc, items[i].dest, 0 };
		t->n = n_items;
		free(items);
		return 0;
	}

	/* Tree: which services show, and with which real servers. */
	items = malloc((s->n_services + 1) * sizeof(*items));
	uint8_t *dmatch = filtering ? calloc(s->n_dests + 1, 1) : NULL;
	if (!items || (filtering && !dmatch)) {
		free(dmatch);
		goto err;
	}
	size_t max_dests = 0, total = 0;
	for (uint32_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *v = &s->services[i];
		bool show = true;
		if (filtering) {
			bool svc_hit = row_matches(s, i, -1, o->filter);
			bool any = false;
			for (size_t j = 0; j < v->n_dests; j++) {
				bool hit = svc_hit || row_matches(s, i, (int32_t)j, o->filter);
				dmatch[v->first_dest + j] = hit;
				any |= hit;
			}
			show = svc_hit || any;
		}
		if (!show)
			continue;
		items[n_items] = (struct item){ 0, i, -1 };
		fill_key(s, &items[n_items], o->sort_col);
		n_items++;
		if (v->n_dests > max_dests)
			max_dests = v->n_dests;
		total += 1 + v->n_dests;
	}
	qsort_r(items, n_items, sizeof(*items), cmp_items, &ctx);
	ditems = malloc((max_dests + 1) * sizeof(*ditems));
	if (!ditems || reserve(t, total)) {
		free(dmatch);
		goto err;
	}
	for (size_t i = 0; i < n_items; i++) {
		const struct lvs_service *v = &s->services[items[i].svc];
		bool fold = collapsed(v, o);
		t->rows[t->n++] = (struct row){ items[i].svc, -1, fold && v->n_dests ? ROW_COLLAPSED : 0 };
		if (fold)
			continue;
		size_t nd = 0;
		for (size_t j = 0; j < v->n_dests; j++) {
			if (dmatch && !dmatch[v->first_dest + j])
				continue;
			ditems[nd] = (struct item){ 0, items[i].svc, (int32_t)j };
			fill_key(s, &ditems[nd], o->sort_col);
			nd++;
		}
		qsort_r(ditems, nd, sizeof(*ditems), cmp_items, &ctx);
		for (size_t j = 0; j < nd; j++)
			t->rows[t->n++] = (struct row){ ditems[j].svc, ditems[j].dest,
							j + 1 == nd ? ROW_LAST : 0 };
	}
	free(dmatch);
	free(ditems);
	free(items);
	return 0;
err:
	free(ditems);
	free(items);
	t->n = 0;
	return err;
}

void table_row_key(const struct lvs_snapshot *s, const struct row *r, struct lvs_key *k)
{
	const struct lvs_service *v = &s->services[r->svc];
	if (r->dest < 0)
		lvs_key_service(k, v);
	else
		lvs_key_dest(k, v, &v->dests[r->dest]);
}

long table_find(const struct table *t, const struct lvs_snapshot *s, const struct lvs_key *k)
{
	for (size_t i = 0; i < t->n; i++) {
		struct lvs_key rk;
		table_row_key(s, &t->rows[i], &rk);
		if (lvs_key_equal(&rk, k))
			return (long)i;
	}
	return -1;
}

static void fmt_u(uint64_t v, bool exact, char *buf, size_t len)
{
	fmt_count(v, exact, buf, len);
}

void table_cell(const struct lvs_snapshot *s, const struct row *r, enum col_id c, bool exact,
		bool flat, char *buf, size_t len)
{
	const struct lvs_service *v = &s->services[r->svc];
	const struct lvs_dest *d = r->dest >= 0 ? &v->dests[r->dest] : NULL;
	struct lvs_rates rt;
	struct svc_sums m;
	char a[LVS_ADDR_STRLEN + 16], b[LVS_ADDR_STRLEN + 16];
	buf[0] = 0;
	if (d)
		dest_rates(d, &rt);
	else
		svc_rates(v, &rt);
	switch (c) {
	case COL_PROTO:
		snprintf(buf, len, "%s", lvs_service_proto_name(v));
		break;
	case COL_NAME:
		if (!d)
			fmt_service(v, buf, len);
		else if (flat)
			snprintf(buf, len, "%s < %s", fmt_endpoint(d->af, &d->addr, d->port, a, sizeof(a)),
				 fmt_service(v, b, sizeof(b)));
		else
			fmt_endpoint(d->af, &d->addr, d->port, buf, len);
		break;
	case COL_SCHED:
		snprintf(buf, len, "%s", d ? lvs_fwd_name(d->fwd) : v->sched);
		break;
	case COL_FLAGS:
		if (d) {
			if (d->fwd == LVS_FWD_TUNNEL)
				snprintf(buf, len, "%s", lvs_tun_type_name(d->tun_type));
			else if (d->u_thresh || d->l_thresh)
				snprintf(buf, len, "%u-%u", d->l_thresh, d->u_thresh);
		} else {
			const char *names[8];
			size_t n = lvs_svc_flag_names(v->flags & ~0x3u, v->sched, names, 8);
			int o = 0;
			if (v->flags & 0x1)
				o = snprintf(buf, len, "pers %u", v->timeout);
			for (size_t i = 0; i < n && o >= 0 && (size_t)o < len; i++)
				o += snprintf(buf + o, len - (size_t)o, "%s%s", o ? " " : "", names[i]);
		}
		break;
	case COL_WEIGHT:
		if (d) {
			snprintf(buf, len, "%" PRId32, d->weight);
		} else {
			sums_of(v, &m);
			snprintf(buf, len, "%" PRId64, m.weight);
		}
		break;
	case COL_ACTIVE:
	case COL_INACT:
	case COL_PERSIST:
		fmt_u((uint64_t)num_value(v, d, c), exact, buf, len);
		break;
	case COL_CPS: fmt_rate(rt.cps, exact, buf, len); break;
	case COL_INPPS: fmt_rate(rt.inpps, exact, buf, len); break;
	case COL_OUTPPS: fmt_rate(rt.outpps, exact, buf, len); break;
	case COL_INBPS: fmt_rate(rt.inbps, exact, buf, len); break;
	case COL_OUTBPS: fmt_rate(rt.outbps, exact, buf, len); break;
	case COL_SHARE:
		if (d) {
			double t, w;
			shares(v, d, &t, &w);
			char ts[8] = "-", ws[8] = "-";
			if (t >= 0)
				snprintf(ts, sizeof(ts), "%.0f", t);
			if (w >= 0)
				snprintf(ws, sizeof(ws), "%.0f", w);
			snprintf(buf, len, "%s/%s", ts, ws);
		}
		break;
	case COL_HEALTH:
		if (d) {
			snprintf(buf, len, "%s", d->health == LVS_HEALTH_UP     ? "up"
						 : d->health == LVS_HEALTH_DOWN ? "down"
										: "-");
		} else {
			sums_of(v, &m);
			if (m.up + m.down)
				snprintf(buf, len, "%u/%zu", m.up, v->n_dests);
			else
				snprintf(buf, len, "-");
		}
		break;
	default:
		break;
	}
}
