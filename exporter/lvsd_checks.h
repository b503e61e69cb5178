/* Which health checks lvsd runs: the configured checks and the default
 * TCP check, matched against the real servers the IPVS table holds now.
 * Rebuilt whenever the table's membership or the config changes; the
 * engine keeps the state of checks whose identity stays the same.
 * Threads: pure functions. */
#ifndef LVSTOP_EXPORTER_LVSD_CHECKS_H
#define LVSTOP_EXPORTER_LVSD_CHECKS_H

#include "collector/health.h"
#include "lvsd_conf.h"

/* The specs for snapshot s under config c: every real server of a
 * configured service gets its own check, else its service's, else
 * health.default (scoped to that service); real servers of TCP and
 * firewall-mark services the config does not name get health.default
 * (unscoped, shared by every service that has them) when c->default_checks
 * and `defaults` are set (UDP and SCTP services only when health.default
 * is not a TCP check). Real servers without a port (firewall-mark
 * services) are skipped unless their check names a port.
 * Strings in the specs are borrowed from c. *out is malloc'd (free it;
 * NULL when *n is 0). 0 or -ENOMEM. */
int lvsd_checks_build(const struct lvsd_config *c, const struct lvs_snapshot *s, bool defaults,
		      struct lvs_check_spec **out, size_t *n);

/* The same specs, added to set (health_set_add) one by one: no array of
 * whole specs is built. 0, or the first add's error (-ENOMEM, -EINVAL,
 * -E2BIG), which the set also keeps. */
int lvsd_checks_fill(const struct lvsd_config *c, const struct lvs_snapshot *s, bool defaults,
		     struct lvs_check_set *set);

/* A fingerprint of a set built by lvsd_checks_build: equal sets from the
 * same config give equal values, so the caller replaces the engine's set
 * only when it changed. */
uint64_t lvsd_checks_hash(const struct lvs_check_spec *specs, size_t n);

/* lvsd_checks_hash of what lvsd_checks_build would build, without
 * building it: a poll of an unchanged table costs no allocation. */
uint64_t lvsd_checks_fingerprint(const struct lvsd_config *c, const struct lvs_snapshot *s,
				 bool defaults);

#endif
