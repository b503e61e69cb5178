/* The declared table: what keepalived.conf (with its include files) or
 * piranha's lvs.cf says the IPVS table should hold, read into the same
 * service and real-server types the kernel snapshot uses, each object with
 * the FILE:LINE that declared it, plus the VRRP instances and the sync
 * daemon keepalived is asked to run. Read-only: nothing here touches the
 * kernel. Pure and thread-safe: a table is built by one call and owned by
 * its caller. */
#ifndef LVSTOP_COLLECTOR_DECLARED_DECLARED_H
#define LVSTOP_COLLECTOR_DECLARED_DECLARED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/model.h"

#define LVS_DECL_KEEPALIVED_PATH "/etc/keepalived/keepalived.conf"
#define LVS_DECL_LVSCF_PATH "/etc/sysconfig/ha/lvs.cf"

enum lvs_decl_kind {
	LVS_DECL_KEEPALIVED = 1,
	LVS_DECL_LVSCF = 2,
};

#define LVS_DECL_CHECKS_MAX 4
#define LVS_DECL_MSGS_MAX 1000
#define LVS_DECL_NAME_MAX 64

/* One health checker as the file declares it. Strings are owned by the
 * table (NULL when absent). */
struct lvs_decl_check {
	char kind[16];          /* "TCP_CHECK", "HTTP_GET", "SSL_GET", ...;
				 * lvs.cf: "send_expect" or "connect" */
	uint16_t connect_port;  /* 0: the real server's port */
	double connect_timeout; /* seconds; 0: the checker's default */
	int status_code;        /* HTTP_GET/SSL_GET url status_code; 0: any 2xx */
	char *path;             /* HTTP_GET/SSL_GET url path */
	char *send, *expect;    /* lvs.cf send/expect, as written */
	const char *file;       /* borrowed from the table's file list */
	int line;
};

struct lvs_decl_dest {
	struct lvs_dest d; /* af, addr, port, fwd, weight, u_thresh, l_thresh */
	bool inhibit_on_failure; /* keepalived sets weight 0 instead of removing */
	size_t n_checks;
	struct lvs_decl_check checks[LVS_DECL_CHECKS_MAX];
	const char *file;
	int line;
};

struct lvs_decl_service {
	/* Identity and parameters as the kernel would hold them (af, protocol
	 * (0 for a mark), addr, port, fwmark, sched, flags, timeout, netmask);
	 * dests/n_dests of this struct are unused. */
	struct lvs_service s;
	char group[LVS_DECL_NAME_MAX]; /* virtual_server_group it came from, or "" */
	bool quiesce_server;           /* lvs.cf: a failed server gets weight 0 */
	struct lvs_decl_dest *dests;   /* owned */
	size_t n_dests;
	bool has_sorry;
	struct lvs_decl_dest sorry; /* keepalived's sorry_server */
	const char *file;
	int line;
};

#define LVS_DECL_VIPS_MAX 32
struct lvs_decl_vrrp {
	char name[LVS_DECL_NAME_MAX];
	char state[8];  /* "MASTER", "BACKUP" or "" */
	char iface[LVS_IFNAME_MAX];
	int vrid, priority;
	size_t n_vips;
	uint16_t vip_af[LVS_DECL_VIPS_MAX];
	union lvs_addr vips[LVS_DECL_VIPS_MAX];
	const char *file;
	int line;
};

enum lvs_decl_severity { LVS_DECL_WARNING = 1, LVS_DECL_ERROR = 2 };

struct lvs_decl_msg {
	enum lvs_decl_severity severity;
	const char *file; /* borrowed from the table's file list */
	int line;
	char *text;       /* owned; printable ASCII */
};

struct lvs_declared {
	enum lvs_decl_kind kind;
	char *path; /* owned: the file read first */
	struct lvs_decl_service *services; /* owned */
	size_t n_services;
	struct lvs_decl_vrrp *vrrp; /* owned */
	size_t n_vrrp;
	struct {
		bool set;
		char iface[LVS_IFNAME_MAX];
		char instance[LVS_DECL_NAME_MAX];
		uint32_t syncid;
		const char *file;
		int line;
	} sync;
	struct lvs_decl_msg *msgs; /* owned, in the order found; at most
				    * LVS_DECL_MSGS_MAX, the rest counted */
	size_t n_msgs, msgs_cap;
	size_t n_msgs_dropped;     /* messages past the bound (errors still count) */
	size_t n_errors;
	size_t services_cap;
	char **files; /* owned: every file read (includes too) */
	size_t n_files;
};

/* Read keepalived.conf at path, following include directives (globs,
 * relative to the including file's folder, at most 8 deep). Returns 0 and
 * *out (owned by the caller, free with declared_free) even when the file
 * has errors: they are in (*out)->msgs with FILE:LINE, counted in
 * n_errors. Returns -ENOMEM, or -errno when path itself cannot be read
 * (with msg set to one sentence naming the file and the cause). */
int declared_read_keepalived(const char *path, struct lvs_declared **out, char *msg,
			     size_t msglen);

/* Read piranha's lvs.cf, with the same contract. */
int declared_read_lvscf(const char *path, struct lvs_declared **out, char *msg, size_t msglen);

/* Parse a keepalived.conf or lvs.cf held in memory (name is used for
 * messages; includes are resolved against the current folder). Same
 * contract; for tests and fuzzing. */
int declared_parse_keepalived(const char *name, const char *text, size_t len,
			      struct lvs_declared **out);
int declared_parse_lvscf(const char *name, const char *text, size_t len,
			 struct lvs_declared **out);

/* Read path as keepalived.conf or lvs.cf where the n files, held in
 * memory, are the only files there are: path, includes and their globs
 * resolve among their names as they would on a file system holding just
 * them (collector/declared/conf_tree.h, struct conf_file). No file is
 * opened. Same contract as declared_read_keepalived and
 * declared_read_lvscf; for tests and fuzzing. */
struct conf_file;
int declared_read_keepalived_mem(const char *path, const struct conf_file *files, size_t n,
				 struct lvs_declared **out, char *msg, size_t msglen);
int declared_read_lvscf_mem(const char *path, const struct conf_file *files, size_t n,
			    struct lvs_declared **out, char *msg, size_t msglen);

void declared_free(struct lvs_declared *d);

/* Which file to read when none was named: keepalived.conf when it exists,
 * else lvs.cf when it exists. Returns the kind and sets *path to a static
 * string, or 0 when neither exists. */
enum lvs_decl_kind declared_find_default(const char **path);

/* "keepalived.conf" or "lvs.cf". */
const char *declared_kind_name(enum lvs_decl_kind kind);

#endif
