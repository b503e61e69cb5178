/* Command arguments written the way ipvsadm takes them (-t|-u|--sctp-service
 * ADDR:PORT, -f MARK [-6], -r ADDR[:PORT], -g|-i|-m, -w, -x, -y, -s, -b, -p
 * [TIMEOUT], -M, -o, --pe, --tun-*), parsed and checked field by field
 * before anything reaches the kernel. The same parser reads the lines of an
 * `ipvsadm -S` file (-A/-a/-E/-e/-D/-d). Pure: no kernel, no I/O, no global
 * state; thread-safe.
 * Addresses go through share/addr.h (numeric only; IPv6 in brackets when a
 * port may follow), with the port rule of each use:
 *   -t/-u/--sctp-service  port optional, 0..65535: 0 (or none) is "any
 *                         port", which args_check_service allows only on a
 *                         persistent service, as the kernel does;
 *   -r                    port optional, 0..65535: none means the
 *                         service's port (ipvsadm's rule), 0 is a mark's;
 *   --mcast-group         no port (the port is --mcast-port); bare IPv6. */
#ifndef LVSTOP_ACTIONS_ARGS_H
#define LVSTOP_ACTIONS_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/model.h"

enum lvs_act {
	LVS_ACT_QUIESCE,
	LVS_ACT_DRAIN,
	LVS_ACT_RESTORE,
	LVS_ACT_WEIGHT,
	LVS_ACT_ADD_SVC,
	LVS_ACT_EDIT_SVC,
	LVS_ACT_DEL_SVC,
	LVS_ACT_ADD_DEST,
	LVS_ACT_EDIT_DEST,
	LVS_ACT_DEL_DEST,
	LVS_ACT_ZERO,
	LVS_ACT_TIMEOUTS,
	LVS_ACT_FLUSH,
	LVS_ACT_SAVE,
	LVS_ACT_LOAD,
	LVS_ACT_START_DAEMON,
	LVS_ACT_STOP_DAEMON,
};

/* Which settings the command gave (the rest keep their current values on
 * edits, or ipvsadm's defaults on adds). */
enum {
	LVS_ARG_SVC = 1u << 0,
	LVS_ARG_DEST = 1u << 1,
	LVS_ARG_SCHED = 1u << 2,
	LVS_ARG_PERSIST = 1u << 3,
	LVS_ARG_NETMASK = 1u << 4,
	LVS_ARG_FLAGS = 1u << 5,   /* -b */
	LVS_ARG_ONEPACKET = 1u << 6,
	LVS_ARG_PE = 1u << 7,
	LVS_ARG_FWD = 1u << 8,
	LVS_ARG_WEIGHT = 1u << 9,
	LVS_ARG_UTH = 1u << 10,
	LVS_ARG_LTH = 1u << 11,
	LVS_ARG_TUN_TYPE = 1u << 12,
	LVS_ARG_TUN_PORT = 1u << 13,
	LVS_ARG_TUN_FLAGS = 1u << 14,
	LVS_ARG_DEST_PORT = 1u << 15, /* -r carried a port */
	LVS_ARG_IPV6 = 1u << 16,      /* -6 */
	LVS_ARG_NO_PERSIST = 1u << 17,   /* --no-persistent (edit-service) */
	LVS_ARG_NO_ONEPACKET = 1u << 18, /* --no-ops (edit-service) */
};

#define LVS_PERSIST_DEFAULT 360u      /* ipvsadm's -p without a value */
#define LVS_TIMEOUT_MAX (86400u * 31) /* ipvsadm's bound for -p and timeouts */
#define LVS_WEIGHT_MAX 2147483647     /* the kernel keeps an int and refuses < 0 */

struct lvs_args {
	enum lvs_act act;
	unsigned given; /* LVS_ARG_* */
	struct lvs_service svc; /* identity; settings where given */
	struct lvs_dest dest;   /* identity; settings where given */
	bool weight_relative;   /* weight +N / -N */
	int64_t weight_delta;
	bool wait, remove, yes, full, flush_first, ignore_inactive;
	bool has_wait_timeout;
	double wait_timeout;   /* drain --timeout S */
	double interval;       /* drain --interval S (default 1) */
	uint32_t timeouts[3];  /* timeouts TCP TCPFIN UDP */
	struct lvs_daemon dm;  /* start-daemon / stop-daemon master|backup ... */
	const char *file;      /* load FILE, save -f FILE: borrowed from argv */
};

/* Parse one command: argv[0] is the command word (quiesce, add-server,
 * ... or a rule file's -A, -a, -E, -e, -D, -d). *out is fully written.
 * 0, or -EINVAL with one sentence in err naming the field and the problem,
 * e.g. "weight: '70000x' is not a number". Checks here need no table;
 * args_check_* do the rest once current values are merged in. */
int args_parse(int argc, char *const argv[], struct lvs_args *out, char *err, size_t errlen);

/* Split a rule-file line into words (spaces and tabs; no quoting: the
 * format has none). Writes at most max pointers into line (modified in
 * place). Returns the count, or -E2BIG. */
int args_split(char *line, char **argv, int max);

/* The command word for an action ("quiesce", ...), and back (also -A ...). */
const char *args_act_name(enum lvs_act act);
int args_act_from_word(const char *word, enum lvs_act *act);

/* A whole service as it will be sent (after merging): the scheduler's flags
 * match it, persistence and netmask agree, a zero port only on a
 * persistent service. 0 or -EINVAL with a sentence. */
int args_check_service(const struct lvs_service *svc, char *err, size_t errlen);
/* A whole real server as it will be sent, within svc: weight and
 * thresholds, tunnel settings only with tunnelling, a GUE port, the port
 * rule of direct routing and tunnelling, address families. */
int args_check_dest(const struct lvs_service *svc, const struct lvs_dest *d, char *err,
		    size_t errlen);

/* The whole-object checks above that need no table, on a parsed command:
 * what an add creates is all in the command (with ipvsadm's defaults), and
 * an edit that gives the forwarding method fixes what the method allows of
 * the address family and port. Run before IPVS is reached, so these errors
 * come the same on any machine. args_parse leaves them out (the console's
 * forms parse one field at a time). 0 or -EINVAL with a sentence. */
int args_check_given(const struct lvs_args *g, char *err, size_t errlen);

/* The thirteen schedulers the kernel ships (6.1); true when name is one. */
bool args_sched_known(const char *name);

#endif
