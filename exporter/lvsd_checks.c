#include "lvsd_checks.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

const struct lvsd_svc_conf *lvsd_checks_find_service(const struct lvsd_config *c,
						     const struct lvs_service *svc)
{
	for (size_t i = 0; i < c->n_svcs; i++) {
		const struct lvsd_svc_conf *k = &c->svcs[i];
		if (k->af != svc->af || k->fwmark != svc->fwmark)
			continue;
		if (k->fwmark || (k->protocol == svc->protocol && k->port == svc->port &&
				  !memcmp(&k->addr, &svc->addr, sizeof(k->addr))))
			return k;
	}
	return NULL;
}

static const struct lvsd_rs_conf *find_rs(const struct lvsd_svc_conf *k, const struct lvs_dest *d)
{
	for (size_t i = 0; i < k->n_rs; i++)
		if (k->rs[i].af == d->af && k->rs[i].port == d->port &&
		    !memcmp(&k->rs[i].addr, &d->addr, sizeof(d->addr)))
			return &k->rs[i];
	return NULL;
}

int lvsd_checks_build(const struct lvsd_config *c, const struct lvs_snapshot *s, bool defaults,
		      struct lvs_check_spec **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!s || !s->n_dests)
		return 0;
	struct lvs_check_spec *v = malloc(s->n_dests * sizeof(*v));
	if (!v)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *sv = &s->services[i];
		const struct lvsd_svc_conf *sc = lvsd_checks_find_service(c, sv);
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
				const struct lvsd_rs_conf *rc = find_rs(sc, d);
				if (rc && rc->check)
					ck = rc->check;
				else if (sc->check)
					ck = sc->check;
			}
			/* Port 0 (a firewall-mark real server without a port):
			 * nothing to probe unless the check names a port. */
			if (!d->port && !ck->spec.target_port)
				continue;
			struct lvs_check_spec *p = &v[k++];
			*p = ck->spec;
			p->af = d->af;
			p->port = d->port;
			p->addr = d->addr;
			/* `user` names the config object: the fingerprint sees a
			 * reload even when only a check's parameters changed. */
			p->user = (void *)ck;
			if (sc) {
				p->per_service = true;
				p->svc_af = sv->af;
				p->svc_protocol = sv->protocol;
				p->svc_port = sv->port;
				p->svc_fwmark = sv->fwmark;
				p->svc_addr = sv->addr;
			}
		}
	}
	if (!k) {
		free(v);
		return 0;
	}
	*out = v;
	*n = k;
	return 0;
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

uint64_t lvsd_checks_hash(const struct lvs_check_spec *v, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	h = mix(h, &n, sizeof(n));
	for (size_t i = 0; i < n; i++) {
		const struct lvs_check_spec *p = &v[i];
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
	}
	return h;
}
