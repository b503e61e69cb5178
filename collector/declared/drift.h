/* Drift: where the kernel's IPVS table and the declared one (keepalived.conf
 * or lvs.cf) differ, object by object, with the reason when the declaring
 * daemon's own rules explain it (keepalived removes a real server whose
 * check fails, or sets its weight to 0 with inhibit_on_failure; a sorry
 * server stands in when quorum is lost). Pure: computed from a declared
 * table and a snapshot, owned by the caller. */
#ifndef LVSTOP_COLLECTOR_DECLARED_DRIFT_H
#define LVSTOP_COLLECTOR_DECLARED_DRIFT_H

#include <stdbool.h>
#include <stddef.h>

#include "collector/declared/declared.h"
#include "collector/model.h"

enum lvs_drift_kind {
	LVS_DRIFT_SERVICE_ABSENT = 1,  /* declared, not in the kernel */
	LVS_DRIFT_SERVICE_UNDECLARED,  /* in the kernel, not declared */
	LVS_DRIFT_SERVICE_DIFFERS,     /* one item per field that differs */
	LVS_DRIFT_SERVER_ABSENT,
	LVS_DRIFT_SERVER_UNDECLARED,
	LVS_DRIFT_SERVER_DIFFERS,
	LVS_DRIFT_SORRY_ACTIVE,        /* the sorry server is in the kernel */
};

#define LVS_DRIFT_VALUE_MAX 48
#define LVS_DRIFT_REASON_MAX 200

struct lvs_drift_item {
	enum lvs_drift_kind kind;
	struct lvs_service svc; /* identity (dests unused) */
	bool has_dest;
	struct lvs_dest dest;   /* identity, when has_dest */
	char field[16];         /* "weight", "scheduler", "method", "persistence", ... */
	char declared[LVS_DRIFT_VALUE_MAX], kernel[LVS_DRIFT_VALUE_MAX];
	char reason[LVS_DRIFT_REASON_MAX]; /* "" when no rule explains it */
	const char *file;       /* where it is declared (borrowed from the
				 * declared table), or NULL */
	int line;
};

struct lvs_drift {
	struct lvs_drift_item *items; /* owned; in the order of the services */
	size_t n;
	/* Private: drift_compute's sorted views for drift_dest_state (owned),
	 * valid for the declared table it compared (decl; NULL when none). */
	const struct lvs_declared *decl;
	void *decl_keys, *decl_dest_keys;
	size_t n_decl_dest_keys;
	size_t *differs, n_differs;
};

/* Compare. 0 and *out filled (n == 0: the kernel matches), or -ENOMEM.
 * out must be freed with drift_free even on failure. Each side is sorted
 * once and searched by bisection: O((S + R) log(S + R)) for S services and
 * R real servers, whatever the size of the tables. */
int drift_compute(const struct lvs_declared *decl, const struct lvs_snapshot *snap,
		  struct lvs_drift *out);
void drift_free(struct lvs_drift *d);

/* "service-absent", "service-undeclared", "service-differs",
 * "real-server-absent", "real-server-undeclared", "real-server-differs",
 * "sorry-server-active". */
const char *drift_kind_name(enum lvs_drift_kind k);

/* How one real server of the kernel stands against the declared table. */
enum lvs_decl_state {
	LVS_DECL_STATE_NONE = 0,     /* no declared table */
	LVS_DECL_STATE_DECLARED,     /* declared and as declared */
	LVS_DECL_STATE_DIFFERS,      /* declared, some field differs */
	LVS_DECL_STATE_UNDECLARED,   /* not declared (added by hand) */
	LVS_DECL_STATE_SORRY,        /* the declared sorry server */
};
/* With the drift drift_compute made from decl: by bisection; with any
 * other (a zeroed one), by a search from the front. */
enum lvs_decl_state drift_dest_state(const struct lvs_drift *drift, const struct lvs_declared *decl,
				     const struct lvs_service *svc, const struct lvs_dest *dest);

/* Ownership: when the declaring daemon manages svc (and dest, when not
 * NULL), write into buf one or two sentences saying so (with FILE:LINE)
 * and what it will do with a change made by hand (keepalived 2.2.7: a
 * hand-set weight lasts until that real server's next check transition or a
 * reload of a changed file; see docs/keepalived.md), and return true.
 * False when nothing declares the object (buf untouched). */
bool drift_owner_note(const struct lvs_declared *decl, const struct lvs_service *svc,
		      const struct lvs_dest *dest, char *buf, size_t len);

#endif
