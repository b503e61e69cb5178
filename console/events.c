#include "events.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "collector/keymap.h"
#include "collector/names.h"
#include "collector/rates.h"
#include "format.h"
#include "share/vec.h"

void ev_vec_done(struct ev_vec *e)
{
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static int push(struct ev_vec *out, const struct lvs_event *e)
{
	if (out->limit && out->n >= 2 * out->limit) {
		/* Keep the newest limit: amortised, one move per limit events. */
		size_t drop = out->n - out->limit;
		memmove(out->v, out->v + drop, out->limit * sizeof(*out->v));
		out->n = out->limit;
		out->dropped += drop;
	}
	if (vec_grow((void **)&out->v, &out->cap, out->n + 1, sizeof(*out->v), 16))
		return -ENOMEM;
	out->v[out->n++] = *e;
	return 0;
}

static int svc_event(struct ev_vec *out, double t, enum ev_kind k, const struct lvs_service *v)
{
	struct lvs_event e = { .time = t, .kind = k, .new_val = (int64_t)v->n_dests };
	lvs_key_service(&e.key, v);
	snprintf(e.new_sched, sizeof(e.new_sched), "%s", v->sched);
	return push(out, &e);
}

static int dest_event(struct ev_vec *out, double t, enum ev_kind k, const struct lvs_service *v,
		      const struct lvs_dest *d, int64_t old_val, int64_t new_val)
{
	struct lvs_event e = { .time = t, .kind = k, .old_val = old_val, .new_val = new_val };
	lvs_key_dest(&e.key, v, d);
	return push(out, &e);
}

/* The real servers of one service present in both snapshots. */
static int diff_dests(const struct lvs_service *pv, const struct lvs_service *cv, double t,
		      struct ev_vec *out)
{
	size_t np = pv->n_dests, nc = cv->n_dests;
	bool stack_seen[64];
	bool *seen = np <= 64 ? stack_seen : calloc(np, 1);
	if (!seen)
		return -ENOMEM;
	memset(seen, 0, np <= 64 ? sizeof(stack_seen) : 0);
	int r = 0;
	for (size_t j = 0; j < nc && !r; j++) {
		const struct lvs_dest *cd = &cv->dests[j], *pd = NULL;
		/* Same position first: the kernel keeps its order. */
		if (j < np && !seen[j] && lvs_dest_same(&pv->dests[j], cd)) {
			pd = &pv->dests[j];
			seen[j] = true;
		} else {
			for (size_t i = 0; i < np; i++) {
				if (!seen[i] && lvs_dest_same(&pv->dests[i], cd)) {
					pd = &pv->dests[i];
					seen[i] = true;
					break;
				}
			}
		}
		if (!pd) {
			r = dest_event(out, t, EV_DEST_ADD, cv, cd, 0, cd->weight);
			continue;
		}
		if (pd->weight != cd->weight)
			r = dest_event(out, t, EV_WEIGHT, cv, cd, pd->weight, cd->weight);
		if (!r && pd->fwd != cd->fwd)
			r = dest_event(out, t, EV_FWD, cv, cd, pd->fwd, cd->fwd);
		if (!r && rates_reset(&pd->stats, &cd->stats))
			r = dest_event(out, t, EV_DEST_RESET, cv, cd, 0, 0);
	}
	for (size_t i = 0; i < np && !r; i++)
		if (!seen[i])
			r = dest_event(out, t, EV_DEST_DEL, cv, &pv->dests[i], pv->dests[i].weight, 0);
	if (seen != stack_seen)
		free(seen);
	return r;
}

int events_diff(const struct lvs_snapshot *prev, const struct lvs_snapshot *cur,
		struct ev_vec *out)
{
	if (!prev || !cur)
		return 0;
	double t = cur->time;
	size_t np = prev->n_services;
	uint8_t *seen = calloc(np + 1, 1);
	struct lvs_keymap map = { 0 };
	bool have_map = false;
	int r = seen ? 0 : -ENOMEM;
	for (size_t j = 0; j < cur->n_services && !r; j++) {
		const struct lvs_service *cv = &cur->services[j];
		long pi = -1;
		if (j < np && !seen[j] && lvs_service_same(&prev->services[j], cv)) {
			pi = (long)j;
		} else {
			/* Out of step: index prev once, then look up. */
			if (!have_map) {
				r = keymap_init(&map, np);
				for (size_t i = 0; i < np && !r; i++) {
					struct lvs_key k;
					lvs_key_service(&k, &prev->services[i]);
					r = keymap_put(&map, &k, (uint32_t)i);
				}
				if (r)
					break;
				have_map = true;
			}
			struct lvs_key k;
			lvs_key_service(&k, cv);
			uint32_t *v = keymap_get(&map, &k);
			if (v && !seen[*v])
				pi = *v;
		}
		if (pi < 0) {
			r = svc_event(out, t, EV_SVC_ADD, cv);
			continue;
		}
		seen[pi] = 1;
		const struct lvs_service *pv = &prev->services[pi];
		if (strcmp(pv->sched, cv->sched)) {
			struct lvs_event e = { .time = t, .kind = EV_SCHED };
			lvs_key_service(&e.key, cv);
			snprintf(e.old_sched, sizeof(e.old_sched), "%s", pv->sched);
			snprintf(e.new_sched, sizeof(e.new_sched), "%s", cv->sched);
			r = push(out, &e);
		}
		if (!r && rates_reset(&pv->stats, &cv->stats))
			r = svc_event(out, t, EV_SVC_RESET, cv);
		if (!r)
			r = diff_dests(pv, cv, t, out);
	}
	for (size_t i = 0; i < np && !r; i++)
		if (!seen[i])
			r = svc_event(out, t, EV_SVC_DEL, &prev->services[i]);
	if (have_map)
		keymap_done(&map);
	free(seen);
	if (out->limit && out->n > out->limit) {
		size_t drop = out->n - out->limit;
		memmove(out->v, out->v + drop, out->limit * sizeof(*out->v));
		out->n = out->limit;
		out->dropped += drop;
	}
	return r;
}

static void key_service_text(const struct lvs_key *k, char *buf, size_t len)
{
	struct lvs_service v = { .af = k->svc_af, .protocol = k->svc_proto, .port = k->svc_port,
				 .fwmark = k->fwmark, .addr = k->svc_addr };
	char ep[LVS_ADDR_STRLEN + 16];
	snprintf(buf, len, "%s %s", lvs_service_proto_name(&v), fmt_service(&v, ep, sizeof(ep)));
}

void event_text(const struct lvs_event *e, char *buf, size_t len)
{
	char svc[LVS_ADDR_STRLEN + 24], rs[LVS_ADDR_STRLEN + 16];
	key_service_text(&e->key, svc, sizeof(svc));
	if (e->key.is_dest)
		fmt_endpoint(e->key.dest_af, &e->key.dest_addr, e->key.dest_port, rs, sizeof(rs));
	switch (e->kind) {
	case EV_SVC_ADD:
		snprintf(buf, len, "+ service %s (%s, %lld real server%s)", svc, e->new_sched,
			 (long long)e->new_val, e->new_val == 1 ? "" : "s");
		break;
	case EV_SVC_DEL:
		snprintf(buf, len, "- service %s (%s, %lld real server%s)", svc, e->new_sched,
			 (long long)e->new_val, e->new_val == 1 ? "" : "s");
		break;
	case EV_DEST_ADD:
		snprintf(buf, len, "+ real server %s in %s (weight %lld)", rs, svc, (long long)e->new_val);
		break;
	case EV_DEST_DEL:
		snprintf(buf, len, "- real server %s from %s (weight was %lld)", rs, svc,
			 (long long)e->old_val);
		break;
	case EV_WEIGHT:
		snprintf(buf, len, "~ weight of %s in %s: %lld -> %lld", rs, svc, (long long)e->old_val,
			 (long long)e->new_val);
		break;
	case EV_SCHED:
		snprintf(buf, len, "~ scheduler of %s: %s -> %s", svc, e->old_sched, e->new_sched);
		break;
	case EV_FWD:
		snprintf(buf, len, "~ forwarding of %s in %s: %s -> %s", rs, svc,
			 lvs_fwd_name((uint32_t)e->old_val), lvs_fwd_name((uint32_t)e->new_val));
		break;
	case EV_SVC_RESET:
		snprintf(buf, len, "! counters of service %s reset", svc);
		break;
	case EV_DEST_RESET:
		snprintf(buf, len, "! counters of real server %s in %s reset", rs, svc);
		break;
	case EV_UNDONE:
		snprintf(buf, len, "! %s", e->text);
		break;
	default:
		snprintf(buf, len, "? event %d", (int)e->kind);
	}
}

int ev_log_init(struct ev_log *l, size_t cap)
{
	memset(l, 0, sizeof(*l));
	l->ring = calloc(cap ? cap : 1, sizeof(*l->ring));
	if (!l->ring)
		return -ENOMEM;
	l->cap = cap ? cap : 1;
	return 0;
}

void ev_log_done(struct ev_log *l)
{
	free(l->ring);
	memset(l, 0, sizeof(*l));
}

void ev_log_add(struct ev_log *l, const struct lvs_event *e)
{
	l->ring[l->head] = *e;
	l->head = (l->head + 1) % l->cap;
	if (l->count < l->cap)
		l->count++;
	l->total++;
}

void ev_log_count(struct ev_log *l, uint64_t n)
{
	l->total += n;
}

const struct lvs_event *ev_log_newest(const struct ev_log *l, size_t i)
{
	if (i >= l->count)
		return NULL;
	return &l->ring[(l->head + l->cap - 1 - i) % l->cap];
}
