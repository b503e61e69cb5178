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

int rates_compute(struct lvs_snapshot *cur, const struct lvs_snapshot *prev)
{
	invalidate(cur);
	if (!prev)
		return 0;
	double dt = rates_interval(prev, cur);
	if (!(dt > 0))
		return 0;

	/* Most polls find the table as it was, in the same order: then each
	 * object's previous self is at the same index and no map is needed
	 * (at 100,000 real servers the map is 16 MiB). */
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

	/* One map over the previous snapshot: services and real servers. */
	struct lvs_keymap m;
	if (keymap_init(&m, prev->n_services + prev->n_dests))
		return -ENOMEM;
	struct lvs_key k;
	for (size_t i = 0; i < prev->n_services; i++) {
		const struct lvs_service *s = &prev->services[i];
		lvs_key_service(&k, s);
		if (keymap_put(&m, &k, (uint32_t)i))
			goto nomem;
		for (size_t j = 0; j < s->n_dests; j++) {
			lvs_key_dest(&k, s, &s->dests[j]);
			if (keymap_put(&m, &k, (uint32_t)(s->first_dest + j)))
				goto nomem;
		}
	}
	for (size_t i = 0; i < cur->n_services; i++) {
		struct lvs_service *s = &cur->services[i];
		lvs_key_service(&k, s);
		uint32_t *pi = keymap_get(&m, &k);
		if (pi) {
			rates_from_stats(&prev->services[*pi].stats, &s->stats, dt, &s->rates);
			s->rates_valid = true;
		}
		for (size_t j = 0; j < s->n_dests; j++) {
			struct lvs_dest *d = &s->dests[j];
			lvs_key_dest(&k, s, d);
			uint32_t *pd = keymap_get(&m, &k);
			if (pd) {
				rates_from_stats(&prev->dests[*pd].stats, &d->stats, dt, &d->rates);
				d->rates_valid = true;
			}
		}
	}
	keymap_done(&m);
	return 0;
nomem:
	keymap_done(&m);
	return -ENOMEM;
}
