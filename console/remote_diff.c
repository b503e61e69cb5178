#include "remote_diff.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/keymap.h"
#include "collector/snapshot.h"

void remote_diff_done(struct remote_diff *d)
{
	free(d->svc);
	free(d->dest);
	memset(d, 0, sizeof(*d));
}

/* What makes two services schedule alike: the scheduler, its flags (the
 * kernel's hashed bit aside: it only says the service is in the table),
 * persistence. */
static bool same_scheduling(const struct lvs_service *a, const struct lvs_service *b)
{
	const uint32_t hashed = 0x2; /* IP_VS_SVC_F_HASHED */
	return !strcmp(a->sched, b->sched) && (a->flags & ~hashed) == (b->flags & ~hashed) &&
	       a->timeout == b->timeout && a->netmask == b->netmask;
}

int remote_diff_compute(const struct lvs_snapshot *mine, const struct lvs_snapshot *other,
			struct remote_diff *out)
{
	memset(out, 0, sizeof(*out));
	out->svc = calloc(mine->n_services ? mine->n_services : 1, 1);
	out->dest = calloc(mine->n_dests ? mine->n_dests : 1, 1);
	if (!out->svc || !out->dest) {
		remote_diff_done(out);
		return -ENOMEM;
	}
	out->n_svc = mine->n_services;
	out->n_dest = mine->n_dests;
	if (!other)
		return 0;
	/* Every object of the other side by identity: services' index, real
	 * servers' index in other->dests. */
	struct lvs_keymap m;
	if (keymap_init(&m, other->n_services + other->n_dests + 1)) {
		remote_diff_done(out);
		return -ENOMEM;
	}
	int r = 0;
	for (size_t i = 0; i < other->n_services && !r; i++) {
		const struct lvs_service *v = &other->services[i];
		struct lvs_key k;
		lvs_key_service(&k, v);
		r = keymap_put(&m, &k, (uint32_t)i);
		for (size_t j = 0; j < v->n_dests && !r; j++) {
			lvs_key_dest(&k, v, &v->dests[j]);
			r = keymap_put(&m, &k, (uint32_t)(v->first_dest + j));
		}
	}
	if (r) {
		keymap_done(&m);
		remote_diff_done(out);
		return -ENOMEM;
	}
	for (size_t i = 0; i < mine->n_services; i++) {
		const struct lvs_service *v = &mine->services[i];
		struct lvs_key k;
		lvs_key_service(&k, v);
		uint32_t *oi = keymap_get(&m, &k);
		uint8_t sm = 0;
		const struct lvs_service *ov = oi ? &other->services[*oi] : NULL;
		if (!ov)
			sm |= RDIFF_ONLY_HERE;
		else if (!same_scheduling(v, ov))
			sm |= RDIFF_SCHED;
		size_t matched = 0;
		for (size_t j = 0; j < v->n_dests; j++) {
			const struct lvs_dest *d = &v->dests[j];
			uint8_t dm = 0;
			if (!ov) {
				dm = RDIFF_ONLY_HERE; /* its service is missing there */
			} else {
				lvs_key_dest(&k, v, d);
				uint32_t *di = keymap_get(&m, &k);
				if (!di) {
					dm = RDIFF_ONLY_HERE;
				} else {
					const struct lvs_dest *od = &other->dests[*di];
					matched++;
					if (od->weight != d->weight)
						dm |= RDIFF_WEIGHT;
					if (od->fwd != d->fwd)
						dm |= RDIFF_FWD;
				}
			}
			out->dest[v->first_dest + j] = dm;
			if (dm) {
				out->n_marked++;
				if (ov)
					sm |= RDIFF_DESTS;
			}
		}
		/* Real servers only the other side has show on its service. */
		if (ov && matched < ov->n_dests)
			sm |= RDIFF_DESTS;
		out->svc[i] = sm;
		if (sm)
			out->n_marked++;
	}
	keymap_done(&m);
	return 0;
}

const char *remote_diff_text(uint8_t mark, char *buf, size_t len)
{
	static const struct {
		uint8_t bit;
		const char *text;
	} names[] = {
		{ RDIFF_ONLY_HERE, "only here" }, { RDIFF_SCHED, "sched" }, { RDIFF_WEIGHT, "weight" },
		{ RDIFF_FWD, "fwd" },             { RDIFF_DESTS, "servers" },
	};
	size_t o = 0;
	if (len)
		buf[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(mark & names[i].bit))
			continue;
		int n = snprintf(buf + o, len > o ? len - o : 0, "%s%s", o ? "," : "", names[i].text);
		if (n < 0 || o + (size_t)n >= len) {
			if (len)
				buf[o] = 0; /* whole names only */
			break;
		}
		o += (size_t)n;
	}
	return buf;
}
