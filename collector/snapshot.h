/* Snapshot lifetime and construction. A snapshot is built by one thread
 * (a source), then published and from then on never modified: readers
 * share it through reference counts. */
#ifndef LVSTOP_COLLECTOR_SNAPSHOT_H
#define LVSTOP_COLLECTOR_SNAPSHOT_H

#include "model.h"

/* A new, empty snapshot with one reference. NULL when out of memory. */
struct lvs_snapshot *snapshot_new(void);

/* Take another reference. Thread-safe. Returns s. */
struct lvs_snapshot *snapshot_ref(struct lvs_snapshot *s);

/* Drop a reference; the last one frees everything the snapshot owns.
 * Thread-safe; NULL is ignored. */
void snapshot_unref(struct lvs_snapshot *s);

/* Append a copy of *svc (its dests/n_dests are ignored: add real servers
 * with snapshot_add_dest). Only while building. 0 or -ENOMEM. */
int snapshot_add_service(struct lvs_snapshot *s, const struct lvs_service *svc);

/* Append a copy of *d as a real server of service svc_index. Calls must
 * come in non-decreasing svc_index order (one service's real servers
 * together). 0, -EINVAL (index out of range or out of order), -ENOMEM. */
int snapshot_add_dest(struct lvs_snapshot *s, size_t svc_index, const struct lvs_dest *d);
/* As snapshot_add_dest, with the real server's kernel rates: kept (in
 * s->dest_krates) only once snapshot_keep_dest_rates was called; kr NULL
 * is all zeros. */
int snapshot_add_dest_rates(struct lvs_snapshot *s, size_t svc_index, const struct lvs_dest *d,
			    const struct lvs_kern_rates *kr);
/* From now on keep the real servers' kernel rates (the ones added before
 * get zeros). Only while building. 0 or -ENOMEM (none kept). */
int snapshot_keep_dest_rates(struct lvs_snapshot *s);
/* Room for this many services and real servers in all (and their kernel
 * rates, when kept), allocated once (a source that knows about how many
 * the last poll had): adds up to them then never grow the arrays. Grown
 * by doubling, the real servers' array of a 100,000-server table is
 * mapped at 23 MiB for 17.6 used, and where transparent huge pages are
 * on (Debian's kernel: "always") its written end is resident 2 MiB at a
 * time. Only while building; less than is there already changes
 * nothing. 0 or -ENOMEM (adds grow as before). */
int snapshot_reserve(struct lvs_snapshot *s, size_t n_services, size_t n_dests);

/* Keep text (its first max bytes at most) in the snapshot and set *off to
 * its offset, for a field such as lvs_dest.health_error: "" is 0, and the
 * same text as the last one added shares its offset. Only while building
 * (the health checker annotates before publication). 0 or -ENOMEM. */
int snapshot_add_text(struct lvs_snapshot *s, const char *text, size_t max, uint32_t *off);

/* The kernel's rates of real server d of s: zeros when s keeps none. */
extern const struct lvs_kern_rates lvs_kern_rates_none;
static inline const struct lvs_kern_rates *snapshot_dest_krates(const struct lvs_snapshot *s,
								const struct lvs_dest *d)
{
	size_t j = (size_t)(d - s->dests);
	return s->dest_krates && j < s->n_dests ? &s->dest_krates[j] : &lvs_kern_rates_none;
}

/* The text at offset off (from snapshot_add_text); "" for 0. */
static inline const char *snapshot_text(const struct lvs_snapshot *s, uint32_t off)
{
	return off && s->text && off < s->text_len ? s->text + off : "";
}

/* Fix the services' dest pointers after the last add. Must be called once
 * building is done and before the snapshot is shared. */
void snapshot_finish(struct lvs_snapshot *s);

/* The index of the service that real server j (an index in s->dests) of
 * a finished snapshot belongs to. j < s->n_dests. */
size_t snapshot_dest_service(const struct lvs_snapshot *s, size_t j);

/* Same objects at the same indices: services, and each service's real
 * servers in the same slice of the dest array (finished snapshots). */
bool snapshot_same_layout(const struct lvs_snapshot *a, const struct lvs_snapshot *b);

/* Identity: two services are the same object when af, protocol, address,
 * port and fwmark match; two real servers of one service when af, address
 * and port match. */
bool lvs_service_same(const struct lvs_service *a, const struct lvs_service *b);
bool lvs_dest_same(const struct lvs_dest *a, const struct lvs_dest *b);
uint64_t lvs_service_hash(const struct lvs_service *s);
uint64_t lvs_dest_hash(const struct lvs_dest *d);

/* A fixed-size identity of a service, or of a real server within its
 * service, usable as a hash-map key across snapshots (compare with
 * lvs_key_equal: padding is zeroed). */
struct lvs_key {
	uint16_t svc_af, svc_proto;
	uint32_t fwmark;
	uint16_t svc_port, dest_af, dest_port, is_dest;
	union lvs_addr svc_addr, dest_addr;
};
void lvs_key_service(struct lvs_key *k, const struct lvs_service *s);
void lvs_key_dest(struct lvs_key *k, const struct lvs_service *s, const struct lvs_dest *d);
uint64_t lvs_key_hash(const struct lvs_key *k);
bool lvs_key_equal(const struct lvs_key *a, const struct lvs_key *b);

/* Free what a connection summary owns and zero it. */
void lvs_conn_summary_clear(struct lvs_conn_summary *c);

#endif
