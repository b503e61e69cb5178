#include "rates.h"

#include "keymap.h"
#include "snapshot.h"

#include <errno.h>

uint64_t rates_delta(uint64_t prev, uint64_t cur)
{
	return cur >= prev ? cur - prev : cur;
}

bool rates_reset(const struct lvs_stats *p, const struct lvs_stats *c)
{
	return c->conns < p->conns || c->inpkts < p->inpkts || c->outpkts < p->outpkts ||
	       c->inbytes < p->inbytes || c->outbytes < p->outbytes;
}

void rates_from_stats(const struct lvs_stats *p, const struct lvs_stats *c, double dt,
		      struct lvs_rates_f *out)
{
	/* One reset resets every counter of the object: when any went down,
	 * take every current value as the increase so the rates agree. */
	struct lvs_stats base = rates_reset(p, c) ? (struct lvs_stats){ 0 } : *p;
	out->cps = (float)((double)rates_delta(base.conns, c->conns) / dt);
	out->inpps = (float)((double)rates_delta(base.inpkts, c->inpkts) / dt);
	out->outpps = (float)((double)rates_delta(base.outpkts, c->outpkts) / dt);
	out->inbps = (float)((double)rates_delta(base.inbytes, c->inbytes) / dt);
	out->outbps = (float)((double)rates_delta(base.outbytes, c->outbytes) / dt);
}

double rates_interval(const struct lvs_snapshot *prev, const struct lvs_snapshot *cur)
{
	if (prev->mono > 0 && cur->mono > 0)
		return cur->mono - prev->mono;
	return cur->time - prev->time;
}

static void invalidate(struct lvs_snapshot *cur)
{
	for (size_t i = 0; i < cur->n_services; i++)
		cur->services[i].rates_valid = false;
	for (size_t i = 0; i < cur->n_dests; i++)
		cur->dests[i].rates_valid = false;
}

/* Objects that stay keep their order in IPVS's dumps (services in hash
 * order, a service's real servers in list order), so a table that changed
 * is mostly the previous one with an object added or removed here and
 * there, each shifting what follows by one. Walking both in step, with
 * *at the place the previous table is expected to go on, finds an
 * object's previous self in one or two comparisons: at *at, or just after
 * it when the object there left. A new object leaves *at where it is.
 * -1: neither; the caller looks it up by key. */
static long step_match_service(const struct lvs_snapshot *prev, size_t *at,
			       const struct lvs_service *s)
{
	for (size_t p = *at; p < prev->n_services && p <= *at + 1; p++)
		if (lvs_service_same(&prev->services[p], s)) {
			*at = p + 1;
			return (long)p;
		}
	return -1;
}

static long step_match_dest(const struct lvs_service *ps, size_t *at, const struct lvs_dest *d)
{
	for (size_t p = *at; p < ps->n_dests && p <= *at + 1; p++)
		if (lvs_dest_same(&ps->dests[p], d)) {
			*at = p + 1;
			return (long)p;
		}
	return -1;
}

/* A map of prev's services by key. 0 or -ENOMEM (m may hold part of it:
 * keymap_done frees it either way). */
static int key_services(struct lvs_keymap *m, const struct lvs_snapshot *prev)
{
	if (keymap_init(m, prev->n_services))
		return -ENOMEM;
	struct lvs_key k;
	for (size_t i = 0; i < prev->n_services; i++) {
		lvs_key_service(&k, &prev->services[i]);
		if (keymap_put(m, &k, (uint32_t)i))
			return -ENOMEM;
	}
	return 0;
}

/* A map of ps's real servers by key. 0 or -ENOMEM (m may hold part of
 * it: keymap_done frees it either way). */
static int key_dests(struct lvs_keymap *m, const struct lvs_service *ps)
{
	if (keymap_init(m, ps->n_dests))
		return -ENOMEM;
	struct lvs_key k;
	for (size_t p = 0; p < ps->n_dests; p++) {
		lvs_key_dest(&k, ps, &ps->dests[p]);
		if (keymap_put(m, &k, (uint32_t)p))
			return -ENOMEM;
	}
	return 0;
}

/* A service's real servers looked up one by one beyond this many are
 * looked up through a map of them instead. */
#define DEST_SCAN_MAX 64

/* Rates of the real servers of s from those of ps, its previous self. */
static int match_dests(struct lvs_service *s, const struct lvs_service *ps, double dt)
{
	struct lvs_keymap m = { 0 };
	struct lvs_key k;
	size_t at = 0;
	for (size_t j = 0; j < s->n_dests; j++) {
		struct lvs_dest *d = &s->dests[j];
		long q = step_match_dest(ps, &at, d);
		if (q < 0 && ps->n_dests <= DEST_SCAN_MAX) {
			for (size_t p = 0; p < ps->n_dests && q < 0; p++)
				if (lvs_dest_same(&ps->dests[p], d))
					q = (long)p;
		} else if (q < 0) {
			if (!m.slots && key_dests(&m, ps)) {
				keymap_done(&m);
				return -ENOMEM;
			}
			lvs_key_dest(&k, s, d);
			uint32_t *v = keymap_get(&m, &k);
			q = v ? (long)*v : -1;
		}
		if (q < 0)
			continue;
		at = (size_t)q + 1;
		rates_from_stats(&ps->dests[q].stats, &d->stats, dt, &d->rates);
		d->rates_valid = true;
	}
	keymap_done(&m);
	return 0;
}

int rates_compute(struct lvs_snapshot *cur, const struct lvs_snapshot *prev)
{
	invalidate(cur);
	if (!prev)
		return 0;
	double dt = rates_interval(prev, cur);
	if (!(dt > 0))
		return 0;

	/* Most polls find the table as it was, in the same order: then each
	 * object's previous self is at the same index. */
	if (snapshot_same_layout(prev, cur)) {
		for (size_t i = 0; i < cur->n_services; i++) {
			struct lvs_service *s = &cur->services[i];
			rates_from_stats(&prev->services[i].stats, &s->stats, dt, &s->rates);
			s->rates_valid = true;
		}
		for (size_t j = 0; j < cur->n_dests; j++) {
			struct lvs_dest *d = &cur->dests[j];
			rates_from_stats(&prev->dests[j].stats, &d->stats, dt, &d->rates);
			d->rates_valid = true;
		}
		return 0;
	}

	/* A changed table: each object's previous self found by walking both
	 * tables in step (below), with a map only where that fails. */
	struct lvs_keymap svc_map = { 0 };
	size_t at = 0;
	for (size_t i = 0; i < cur->n_services; i++) {
		struct lvs_service *s = &cur->services[i];
		long pi = step_match_service(prev, &at, s);
		if (pi < 0) {
			/* Reordered, or new: by key, through a map of the previous
			 * services made once (10,000 services: about 0.6 MiB). */
			struct lvs_key k;
			if (!svc_map.slots && key_services(&svc_map, prev))
				goto nomem;
			lvs_key_service(&k, s);
			uint32_t *v = keymap_get(&svc_map, &k);
			if (v) {
				pi = (long)*v;
				at = *v + 1;
			}
		}
		if (pi < 0)
			continue;
		const struct lvs_service *ps = &prev->services[pi];
		rates_from_stats(&ps->stats, &s->stats, dt, &s->rates);
		s->rates_valid = true;
		if (match_dests(s, ps, dt))
			goto nomem;
	}
	keymap_done(&svc_map);
	return 0;
nomem:
	keymap_done(&svc_map);
	invalidate(cur);
	return -ENOMEM;
}
