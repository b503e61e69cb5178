/* Real-server health checks: TCP connect, HTTP GET with send/expect, HTTPS
 * (the same over TLS), UDP, DNS and external commands, all driven by one
 * thread running one epoll loop with a timer heap; the code lives in
 * collector/health/ (loop.c the loop, one file per check kind). Identical
 * probes shared by several services run once. Results (state, last
 * transition, duration, why it failed, recent history) reach snapshots
 * through health_annotate, the collector's annotate hook.
 * Health checks never read IPVS: the caller says which real servers to
 * check (health_specs_for_snapshot builds the default set).
 * Threads: set_checks, result reads, stats, annotate and the reason and
 * exec-check helpers are safe from any thread; start/stop/sync/free from
 * the owner's thread only (never from on_change). */
#ifndef LVSTOP_COLLECTOR_HEALTH_H
#define LVSTOP_COLLECTOR_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "share/clock.h"

/* The tag differs from the typedef: model.h owns `enum lvs_health`. */
typedef struct lvs_health_engine lvs_health; /* opaque */

enum lvs_check_type {
	LVS_CHECK_TCP = 0,  /* up when a TCP connect completes */
	LVS_CHECK_HTTP = 1, /* HTTP/1.0 GET (or a raw request); status and/or body */
	LVS_CHECK_UDP = 2,  /* send a datagram; a reply, or no ICMP error */
	LVS_CHECK_EXEC = 3, /* argv + address + port, no shell; exit 0 = up */
	LVS_CHECK_HTTPS = 4, /* the HTTP check over TLS (GnuTLS) */
	LVS_CHECK_DNS = 5,  /* a DNS query over UDP; the rcode and/or an address */
};
#define LVS_CHECK_TYPES 6

/* Defaults, used where a spec field is 0. */
#define LVS_CHECK_INTERVAL 5.0    /* s between check starts */
#define LVS_CHECK_TIMEOUT 3.0     /* s a check may take (each attempt) */
#define LVS_CHECK_RETRY_DELAY 1.0 /* s before retrying a failed attempt */
#define LVS_CHECK_RISE 1          /* successes in a row to turn up */
#define LVS_CHECK_FALL 1          /* failures in a row to turn down */
#define LVS_HEALTH_ERROR_MAX 96   /* bytes of error text, with the NUL */

/* One check of one real server. The engine deep-copies specs (strings,
 * payload, argv): the caller's memory is borrowed only during the call.
 *
 * Identity for deduplication: two specs share one probe when type,
 * effective target (address and port after defaults), timing (interval,
 * timeout, rise, fall, retry, retry_delay, warmup) and the type's own
 * parameters are equal. The real server a spec judges (af/addr/port beyond
 * the target), its service scope and `user` are not part of that identity:
 * the same HTTP check of 10.0.0.1:80 configured under three services runs
 * once and its result reaches all three. */
struct lvs_check_spec {
	/* The real server judged: snapshots are matched on this. */
	uint16_t af;   /* AF_INET or AF_INET6 */
	uint16_t port; /* host byte order; > 0 */
	union lvs_addr addr;

	/* When per_service is set the result applies to that real server only
	 * under this virtual service; otherwise under every service that has
	 * it. Service identity as in snapshot.h (af, protocol, address, port,
	 * fwmark; fwmark services have protocol 0 and port 0). */
	bool per_service;
	uint16_t svc_af, svc_protocol, svc_port;
	uint32_t svc_fwmark;
	union lvs_addr svc_addr;

	enum lvs_check_type type;
	/* Where the probe goes. target_af 0: the real server's address;
	 * target_port 0: the real server's port. */
	uint16_t target_af, target_port;
	union lvs_addr target_addr;

	/* Timing, seconds; 0 takes the default above; negative is -EINVAL.
	 * warmup: delay before the first check. On top of it every probe's
	 * first start is spread over one interval (by a hash of its identity)
	 * so that thousands of checks loaded together do not fire together. */
	double interval, timeout, retry_delay, warmup;
	/* rise/fall: consecutive check results needed to flip the state (from
	 * UNKNOWN too); 0 takes the default. retry: a failed attempt is tried
	 * again up to `retry` times, `retry_delay` apart, before it counts as
	 * one failure (keepalived's retry / delay_before_retry). */
	uint32_t rise, fall, retry;

	/* HTTP and HTTPS. Without http_request the engine sends
	 * "GET <path> HTTP/1.0\r\nHost: <host>\r\nConnection: close\r\n..." */
	const char *http_path;    /* NULL: "/" */
	const char *http_host;    /* NULL: the target address ([v6]:port form when
				   * the port is not 80) */
	const char *http_request; /* raw request sent as is; replaces path/host */
	int http_status;          /* expected status; 0: any 2xx */
	const char *http_expect;  /* substring the body must contain; NULL: none */

	/* HTTPS only. tls_sni: the server name sent (SNI) and, with
	 * tls_verify, the name the certificate must carry; NULL: http_host
	 * when that is a name (not an address), else no SNI. tls_verify: the
	 * chain must verify against tls_ca_file (PEM; NULL: the system's
	 * trust store) and, when there is a name, match it; otherwise any
	 * certificate is taken (keepalived's SSL_GET without verification). */
	const char *tls_sni;
	bool tls_verify;
	const char *tls_ca_file;

	/* DNS: one query (recursion desired) for dns_name of dns_qtype (0: A)
	 * on a connected UDP socket. Up when the reply's rcode equals
	 * dns_rcode (0: NOERROR) and, when dns_expect_af is set, an answer
	 * record (A or AAAA) holds dns_expect_addr. */
	const char *dns_name;
	uint16_t dns_qtype;
	uint8_t dns_rcode;
	uint16_t dns_expect_af;
	union lvs_addr dns_expect_addr;

	/* UDP: the payload (may be empty) goes out on a connected socket; an
	 * ICMP port unreachable (ECONNREFUSED) is always down. Otherwise up
	 * when a reply arrives (containing udp_expect if set) within the
	 * timeout; and with udp_no_icmp, also when the timeout passes with
	 * neither a reply nor an ICMP error (for services that never answer). */
	const void *udp_payload;
	size_t udp_payload_len;
	const char *udp_expect;
	bool udp_no_icmp;

	/* EXEC: NULL-terminated argv; argv[0] is a path, or a name looked up in
	 * PATH. Run without a shell, stdio on /dev/null, in its own process
	 * group, with the target address and port appended as two arguments
	 * ("10.0.0.1" "80"). Exit 0 = up. On timeout the whole process group
	 * gets SIGKILL. Children are reaped by pid (pidfd): the process must
	 * not set SIGCHLD to SIG_IGN nor reap children it did not start. */
	const char *const *exec_argv;

	void *user; /* borrowed, opaque: handed back through on_change */
};

/* The state of one check (of the probe the spec maps to). */
struct lvs_check_result {
	enum lvs_health state; /* UNKNOWN until rise successes or fall failures */
	double since;          /* wall clock of the last transition, whole seconds; 0: none */
	double last;           /* wall clock when the last check ended; 0: none */
	float seconds;         /* duration of the last check (its last attempt) */
	uint32_t ok_run, fail_run; /* current streaks */
	uint64_t checks, failures; /* totals since the probe was created */
	uint32_t shared;       /* specs of the current set using this probe */
	/* Why the last check failed: a reason from a bounded set (model.h;
	 * LVS_HR_NONE when it succeeded), a number that goes with it (the
	 * HTTP status, exit status, signal or DNS rcode; else 0), since when
	 * this same reason has been seen (wall clock in whole seconds, as
	 * since; 0 with LVS_HR_NONE),
	 * and free text (printable; "" if up). */
	uint8_t reason;
	uint16_t reason_code;
	double reason_since;
	char error[LVS_HEALTH_ERROR_MAX];
};

/* One past check result, for the recent-history ring. */
struct lvs_check_sample {
	double time;   /* wall clock when the check ended */
	float seconds; /* its duration */
	bool ok;
	int8_t state;  /* LVS_HEALTH_* after this result */
};

struct lvs_health_opts {
	/* Called on the engine thread for every spec (of the current set) whose
	 * probe changed state, with the engine's copy of the spec (defaults
	 * filled in) and the probe's result (state `to`, reason, text); both
	 * valid during the call. It may call any health_* read and
	 * health_set_checks (the new set is then applied after the callbacks of
	 * this round), never health_stop or health_free. Must be quick: checks
	 * wait meanwhile. */
	void (*on_change)(void *arg, const struct lvs_check_spec *spec,
	                  const struct lvs_check_result *res, enum lvs_health from,
	                  enum lvs_health to);
	void *arg;
	/* The monotonic clock of deadlines (share/clock.h); NULL: the real
	 * one. Tests inject a hand-driven one: the loop then sleeps until woken
	 * (health_sync) or an fd is ready, never on a deadline, since time
	 * moves only when the clock's owner says so. Copied. Results' times
	 * are the wall clock's, always. */
	const struct lvs_clock *clock;
	uint32_t history;     /* results kept per probe for health_history (8
			       * bytes each, at most 4096); 0: none, and
			       * health_history finds none */
	uint32_t max_running; /* checks in flight at once (fds and children);
			       * later ones wait their turn; 0: no limit */
};

struct lvs_health_stats {
	size_t specs;     /* in the current set */
	size_t probes;    /* distinct probes (after deduplication) */
	size_t running;   /* checks in flight now */
	uint64_t checks;  /* checks finished since health_new (attempts too) */
	uint64_t failures;
	uint64_t transitions;
	uint64_t loops;   /* event-loop iterations */
	uint64_t deferred; /* attempts postponed for a shortage of our own (fds,
			    * memory, ephemeral ports, processes): never counted
			    * as the real server's failure */
};

/* Fill *s with a TCP check of addr:port with every default. */
void health_spec_init(struct lvs_check_spec *s, uint16_t af, const union lvs_addr *addr,
                      uint16_t port);

/* 0 when s can be used, else -EINVAL with one sentence naming the field in
 * msg (may be NULL). health_set_checks applies the same test. */
int health_spec_check(const struct lvs_check_spec *s, char *msg, size_t len);

/* "tcp", "http", "udp", "exec", "https", "dns"; and back: the type, or
 * -EINVAL. */
const char *health_type_name(enum lvs_check_type t);
int health_type_parse(const char *name);

/* The default set: one spec per distinct real server (af, address, port)
 * of snap, each a copy of tmpl (NULL: health_spec_init's TCP check) with
 * af/addr/port set to that real server and no service scope. *out is
 * malloc'd (free() it; pointers in it are tmpl's, borrowed); *n its length.
 * 0 or -ENOMEM. */
int health_specs_for_snapshot(const struct lvs_snapshot *snap, const struct lvs_check_spec *tmpl,
                              struct lvs_check_spec **out, size_t *n);

/* A new engine with no checks, not running. opts may be NULL (no
 * callback, defaults). NULL with errno set (ENOMEM, or an fd error). */
lvs_health *health_new(const struct lvs_health_opts *opts);

/* Stops the engine if running, kills and reaps running commands, frees
 * everything. NULL is ignored. */
void health_free(lvs_health *h);

/* Replace the whole set of checks (config reload, real servers coming and
 * going). Probes whose identity is unchanged keep their state, streaks,
 * history and schedule; new ones start UNKNOWN after their warm-up;
 * vanished ones are cancelled. Index i of later reads refers to specs[i].
 * While running, returns once the engine has applied the set (from the
 * on_change callback: before the next check starts). Errors: -EINVAL (a
 * spec fails health_spec_check; nothing changes), -ENOMEM (nothing
 * changes), -E2BIG (more than UINT32_MAX specs). */
int health_set_checks(lvs_health *h, const struct lvs_check_spec *specs, size_t n);

/* A set of checks built one spec at a time, for callers with very many:
 * no array of whole specs exists on either side. Specs that differ only
 * in their real server (af, addr, port) share one copy of the rest (the
 * default check of every real server of a table is one copy), so a spec
 * costs the set a few dozen bytes. A set is owned by one thread until it
 * is applied. */
struct lvs_check_set; /* opaque */

/* An empty set, or NULL (ENOMEM). */
struct lvs_check_set *health_set_new(void);

/* Add one spec (deep-copied where new; the caller's memory is borrowed
 * during the call only). 0, or -EINVAL (the spec fails health_spec_check),
 * -ENOMEM, -E2BIG: the spec is not added and the set remembers its first
 * error, which health_set_apply then returns. */
int health_set_add(struct lvs_check_set *set, const struct lvs_check_spec *spec);

/* Specs added so far. */
size_t health_set_size(const struct lvs_check_set *set);

/* health_set_checks with the specs of set, in the order added: the same
 * errors (the set's first add error, if any: nothing changes then), the
 * same effect. Takes set in every case. */
int health_set_apply(lvs_health *h, struct lvs_check_set *set);

/* Free a set not applied. NULL is ignored. */
void health_set_free(struct lvs_check_set *set);

/* Wake the engine and return once it has gone through one whole round of
 * its loop after this call (timers due by its clock handled, pending sets
 * applied). For tests that move an injected clock. Not from on_change. */
void health_sync(lvs_health *h);

/* Start the engine thread. 0, -EALREADY, or -errno from pthread_create. */
int health_start(lvs_health *h);

/* Stop the engine thread and wait for it: checks in flight are abandoned
 * (sockets closed, commands killed and reaped) and not counted; states
 * stay. health_start resumes. No-op when not running. */
void health_stop(lvs_health *h);

/* Specs in the current set. */
size_t health_count(lvs_health *h);

/* The result of specs[i] of the current set. 0 or -ENOENT (no such index). */
int health_result(lvs_health *h, size_t i, struct lvs_check_result *out);

/* Copy up to max of the newest results of specs[i]'s probe into out,
 * oldest first. Returns the count (0 for a bad index). */
size_t health_history(lvs_health *h, size_t i, struct lvs_check_sample *out, size_t max);

void health_stats(lvs_health *h, struct lvs_health_stats *st);

/* The stable short name of a reason ("connection refused", "timeout
 * connect", ...; "" for LVS_HR_NONE, "?" out of range), for labels. */
const char *health_reason_name(unsigned reason);

/* The reason as one short label into buf: its name, except HTTP statuses,
 * which read "http 404". Bounded: at most LVS_HR_COUNT names plus the 500
 * HTTP statuses. Returns buf. */
const char *health_reason_label(unsigned reason, unsigned code, char *buf, size_t len);

/* Back from a label (health_reason_label's form) to the reason and its
 * number: 0, or -EINVAL for a label not in the set. */
int health_reason_parse(const char *label, unsigned *reason, unsigned *code);

/* Text for a log line: the label, then the free text in parentheses when it
 * adds something ("http 404 (HTTP 404, expected 2xx)"). Returns buf. */
const char *health_reason_text(const struct lvs_check_result *r, char *buf, size_t len);

/* DNS query types by name ("A", "AAAA", "MX", "TXT", "NS", "SOA", "CNAME",
 * "PTR", "SRV", "ANY"; any case) and rcodes ("NOERROR", "NXDOMAIN",
 * "SERVFAIL", "REFUSED", ...): the number, or -EINVAL. */
int health_dns_qtype_parse(const char *name);
int health_dns_rcode_parse(const char *name);

/* Check an exec check's program as the engine will start it, before any
 * run: argv0 with a '/' is that file; a bare name is searched in PATH the
 * way posix_spawnp does (an empty entry is the current directory; no PATH:
 * "/bin:/usr/bin"). The file must be a regular executable file the kernel
 * can run (ELF, or a script starting with "#!": posix_spawnp would not run
 * the shell on it). 0, or -ENOENT / -EACCES / -ENOEXEC with one sentence in
 * msg (may be NULL). */
int health_exec_check(const char *argv0, char *msg, size_t len);

/* The collector's annotate hook (arg: the lvs_health). For every real
 * server of s: its checks are those whose spec names its af/address/port
 * and, when per_service, its service. With none, the fields stay as the
 * source left them (UNKNOWN). With several, the worst state wins (DOWN over
 * UNKNOWN over UP); check_seconds is the longest, health_since the latest
 * transition, health_error, health_reason and health_reason_since those of
 * the first failing check. Results are copied under the engine's result
 * lock (no I/O, no allocation there) a batch of real servers at a time
 * and written into s after it is let go, so a snapshot of any size never
 * stalls the engine and the copy stays small. A set replaced between two
 * batches (a reload) is read from then on; the real servers written
 * before keep the old set's results until the next annotate. Without
 * memory for a batch, the real servers not yet written stay as the source
 * made them. */
void health_annotate(void *arg, struct lvs_snapshot *s);

#endif
