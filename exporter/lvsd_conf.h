/* lvsd's configuration file (libconfig syntax; reference and example:
 * docs/configuration.md, share/lvsd.conf.example). Loading validates
 * everything a running daemon would trip over later: unknown keys, bad
 * addresses, non-positive intervals, unknown check types, missing files.
 * Every error names the file and line. A loaded config is immutable and
 * owned by whoever loaded it; a reload loads a new one and swaps.
 * Threads: pure functions over their arguments. */
#ifndef LVSTOP_EXPORTER_LVSD_CONF_H
#define LVSTOP_EXPORTER_LVSD_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "collector/health.h"
#include "collector/keymap.h"
#include "collector/model.h"
#include "exporter/metrics/metrics.h"
#include "exporter/history/rrd_spec.h"

/* One configured check: the engine's spec with the strings it points to
 * owned here. The spec's real server/service fields are filled when
 * checks are built against a snapshot (lvsd_checks.h). */
struct lvsd_check {
	struct lvs_check_spec spec;
	char *http_path, *http_host, *http_request, *http_expect; /* owned */
	char *udp_payload, *udp_expect;                           /* owned */
	char *tls_sni, *tls_ca_file, *dns_name;                   /* owned */
	char **argv;                                              /* owned, NULL-terminated */
	int line;
};

struct lvsd_rs_conf {
	uint16_t af, port;
	union lvs_addr addr;
	struct lvsd_check *check; /* owned; NULL: the service's check */
	int line;
};

struct lvsd_svc_conf {
	/* Identity, as in snapshot.h (fwmark services: protocol 0, port 0). */
	uint16_t af, protocol, port;
	uint32_t fwmark;
	union lvs_addr addr;
	bool quiesce_on_failure;
	struct lvsd_check *check; /* owned; NULL: health.default */
	struct lvsd_rs_conf *rs;  /* owned */
	size_t n_rs;
	int line;
};

/* daemon.history_mib by default: the status page's sparklines keep 32
 * polls of the connection rate (2 bytes each) for up to 32,768 services
 * and real servers, fewer above (9 polls of 110,000). */
#define LVSD_HISTORY_MIB 2

struct lvsd_config {
	char *path; /* owned; NULL for the built-in defaults */

	/* daemon */
	double interval;       /* s between polls */
	bool read_conns;       /* parse /proc/net/ip_vs_conn at each poll */
	unsigned conn_limit;   /* lines of it per poll; 0: the collector's default */
	size_t history_budget; /* bytes of history rings (LVSD_HISTORY_MIB) */

	/* exporter */
	char *listen;               /* owned */
	char *tls_cert, *tls_key;   /* owned; NULL: plain HTTP */
	char *auth_file;            /* owned; NULL: no auth */
	unsigned threads;           /* HTTP worker threads */
	unsigned per_client;        /* connections one client address may hold */
	double header_timeout;      /* s a request may take to send its headers */
	int gzip_level;             /* 1..9; 0: no gzip form */
	struct lvs_metrics_opts metrics;

	/* history: rrd files (docs/history.md) */
	char *history_dir;       /* owned; NULL: history off */
	char *history_daemon;    /* owned; rrdcached address; NULL: lvsd writes the files */
	bool history_rs;         /* a file per real server too */
	unsigned history_queue;  /* snapshots waiting for the writer at most */
	struct rrd_spec history_spec;

	/* declared: keepalived.conf or lvs.cf (docs/keepalived.md) */
	char *declared_path; /* owned; NULL: where they usually are */
	int declared_kind;   /* enum lvs_decl_kind of declared_path */

	/* health */
	bool default_checks;          /* check real servers the config does not name */
	struct lvsd_check default_check; /* template for them and for services without one */
	struct lvsd_svc_conf *svcs;   /* owned: lvsd.conf's services, then the ones
				       * health.from adds */
	size_t n_svcs;
	/* health.from: 0 (lvsd.conf only), or the enum lvs_decl_kind whose
	 * checkers are mapped into svcs (exporter/lvsd_decl_checks.h), from
	 * the file health_from_path. */
	int health_from;
	char *health_from_path; /* owned */
	struct lvsd_health_note {
		bool warning; /* else a mapping ("FILE:LINE: SERVICE -> SERVER: how") */
		char *text;   /* owned; "FILE:LINE: ...", printable */
	} *health_notes;      /* owned */
	size_t n_health_notes;

	/* Lookups in O(1) for tables of 100,000 real servers: service key ->
	 * index in svcs; real-server key -> index in rs_refs. */
	struct lvs_keymap index;
	struct lvsd_rs_ref {
		uint32_t svc, rs;
	} *rs_refs; /* owned */
	size_t n_rs_refs;
};

/* The configured service for svc (fwmark services match on family and
 * mark), or NULL. */
const struct lvsd_svc_conf *lvsd_conf_find_service(const struct lvsd_config *c,
						   const struct lvs_service *svc);
/* The configured real server d of configured service k (as found by
 * lvsd_conf_find_service for svc), or NULL. */
const struct lvsd_rs_conf *lvsd_conf_find_rs(const struct lvsd_config *c,
					     const struct lvsd_svc_conf *k,
					     const struct lvs_service *svc, const struct lvs_dest *d);

/* The built-in configuration (no --config). NULL on out of memory. */
struct lvsd_config *lvsd_conf_default(void);

/* Load and validate path. 0 and *out; -EINVAL with "FILE:LINE: message"
 * in err (syntax errors, unknown keys, bad values, missing files);
 * -ENOENT/-EACCES when the file itself cannot be read; -ENOMEM. */
int lvsd_conf_load(const char *path, struct lvsd_config **out, char *err, size_t errlen);

void lvsd_conf_free(struct lvsd_config *c);

/* Parse a service as written in the config: "tcp:203.0.113.10:80",
 * "udp:[2001:db8::1]:53", "sctp:...", "fwm:1" (IPv4) or "fwm6:1" (IPv6).
 * 0 or -EINVAL. */
int lvsd_conf_parse_service(const char *s, struct lvsd_svc_conf *out);
/* Parse "ADDR:PORT" / "[V6]:PORT" with share/addr.h, the port required
 * and 1..65535 (a service or real server has a real port). 0 or -EINVAL. */
int lvsd_conf_parse_hostport(const char *s, uint16_t *af, union lvs_addr *addr, uint16_t *port);

/* Check types by name ("tcp", "http", "udp", "exec"); -EINVAL otherwise.
 * (Kept here so the config does not need the engine to validate.) */
int lvsd_conf_check_type(const char *name);

#endif
