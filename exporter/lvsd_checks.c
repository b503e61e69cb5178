#include "lvsd_checks.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* Visit the spec of every real server that gets a check, in table order.
 * The spec lives on the stack: fn copies what it keeps. */
static int walk(const struct lvsd_config *c, const struct lvs_snapshot *s, bool defaults,
		int (*fn)(void *arg, const struct lvs_check_spec *p), void *arg)
{
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *sv = &s->services[i];
		const struct lvsd_svc_conf *sc = lvsd_conf_find_service(c, sv);
		if (!sc && !(defaults && c->default_checks))
			continue;
		/* A TCP connect says nothing about a UDP or SCTP service: those
		 * are checked only when the config says how. */
		if (!sc && sv->protocol != IPPROTO_TCP && !sv->fwmark &&
		    c->default_check.spec.type == LVS_CHECK_TCP)
			continue;
		for (size_t j = 0; j < sv->n_dests; j++) {
			const struct lvs_dest *d = &sv->dests[j];
			const struct lvsd_check *ck = &c->default_check;
			if (sc) {
				const struct lvsd_rs_conf *rc = lvsd_conf_find_rs(c, sc, sv, d);
				if (rc && rc->check)
					ck = rc->check;
				else if (sc->check)
					ck = sc->check;
			}
			/* Port 0 (a firewall-mark real server without a port):
			 * nothing to probe unless the check names a port. */
			if (!d->port && !ck->spec.target_port)
				continue;
			struct lvs_check_spec p = ck->spec;
			p.af = d->af;
			p.port = d->port;
			p.addr = d->addr;
			/* `user` names the config object: the fingerprint sees a
			 * reload even when only a check's parameters changed. */
			p.user = (void *)ck;
			if (sc) {
				p.per_service = true;
				p.svc_af = sv->af;
				p.svc_protocol = sv->protocol;
				p.svc_port = sv->port;
				p.svc_fwmark = sv->fwmark;
				p.svc_addr = sv->addr;
			}
			int r = fn(arg, &p);
			if (r)
				return r;
		}
	}
	return 0;
}

struct collect {
	struct lvs_check_spec *v;
	size_t n;
};

static int collect_one(void *arg, const struct lvs_check_spec *p)
{
	struct collect *k = arg;
	k->v[k->n++] = *p;
	return 0;
}

int lvsd_checks_build(const struct lvsd_config *c, const struct lvs_snapshot *s, bool defaults,
		      struct lvs_check_spec **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!s || !s->n_dests)
		return 0;
	struct collect k = { .v = malloc(s->n_dests * sizeof(*k.v)) };
	if (!k.v)
		return -ENOMEM;
	walk(c, s, defaults, collect_one, &k);
	if (!k.n) {
		free(k.v);
		return 0;
	}
	*out = k.v;
	*n = k.n;
	return 0;
}

static int add_one(void *arg, const struct lvs_check_spec *p)
{
	/* a refused spec is the set's error (health_set_apply says it); go on */
	int r = health_set_add(arg, p);
	return r == -EINVAL ? 0 : r;
}

int lvsd_checks_fill(const struct lvsd_config *c, const struct lvs_snapshot *s, bool defaults,
		     struct lvs_check_set *set)
{
	if (!s || !s->n_dests)
		return 0;
	return walk(c, s, defaults, add_one, set);
}

static uint64_t mix(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull; /* FNV-1a */
	}
	return h;
}

static uint64_t mix_spec(uint64_t h, const struct lvs_check_spec *p)
{
	h = mix(h, &p->af, sizeof(p->af));
	h = mix(h, &p->port, sizeof(p->port));
	h = mix(h, &p->addr, sizeof(p->addr));
	h = mix(h, &p->per_service, sizeof(p->per_service));
	h = mix(h, &p->svc_af, sizeof(p->svc_af));
	h = mix(h, &p->svc_protocol, sizeof(p->svc_protocol));
	h = mix(h, &p->svc_port, sizeof(p->svc_port));
	h = mix(h, &p->svc_fwmark, sizeof(p->svc_fwmark));
	h = mix(h, &p->svc_addr, sizeof(p->svc_addr));
	h = mix(h, &p->user, sizeof(p->user));
	return h;
}

#define HASH_SEED 0xcbf29ce484222325ull

uint64_t lvsd_checks_hash(const struct lvs_check_spec *v, size_t n)
{
	uint64_t h = HASH_SEED;
	for (size_t i = 0; i < n; i++)
		h = mix_spec(h, &v[i]);
	return mix(h, &n, sizeof(n));
}

struct fp {
	uint64_t h;
	size_t n;
};

static int fp_one(void *arg, const struct lvs_check_spec *p)
{
	struct fp *f = arg;
	f->h = mix_spec(f->h, p);
	f->n++;
	return 0;
}

uint64_t lvsd_checks_fingerprint(const struct lvsd_config *c, const struct lvs_snapshot *s,
				 bool defaults)
{
	struct fp f = { .h = HASH_SEED };
	if (s && s->n_dests)
		walk(c, s, defaults, fp_one, &f);
	return mix(f.h, &f.n, sizeof(f.n));
}
