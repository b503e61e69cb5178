/* Internals of the health-check engine, shared by the files of
 * collector/health/: health.c (interface, sets, results, annotate), spec.c
 * (validation, normal form, identity), loop.c (event loop, timer heap,
 * attempts and their verdicts) and one file per check kind (tcp.c, http.c,
 * https.c, udp.c, dns.c, exec.c), each exporting one const struct hc_kind.
 * Not for use outside collector/health/. */
#ifndef LVSTOP_COLLECTOR_HEALTH_INT_H
#define LVSTOP_COLLECTOR_HEALTH_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "collector/health.h"

#define HC_NONE UINT32_MAX
#define HC_SCRATCH 16384 /* receive buffer, bytes */
#define HC_HISTORY_MAX 4096 /* results kept per probe, at most */
#define HC_BLOCK_BYTES 65536 /* probes are allocated this many bytes at a time */
#define HC_SAMPLE_US_MAX ((1u << 29) - 1) /* a sample's longest duration, us */

struct lvs_health_engine;
struct hc_probe;
struct hc_tmpl;

/* One check kind. Every hook runs on the engine thread (or the ctl holder
 * while stopped); NULL hooks are skipped. An attempt ends by exactly one
 * call of hc_finish or hc_defer, from start, io or expire. */
struct hc_kind {
	const char *name; /* "tcp", as in lvsd.conf */
	/* The kind's own fields of a spec: 0, or -EINVAL with a sentence. */
	int (*check)(const struct lvs_check_spec *s, char *msg, size_t len);
	/* Derive what every probe of a template shares (tables, TLS
	 * credentials), once, before its first probe runs: 0 or -ENOMEM.
	 * tmpl_release frees it (from any thread, when the last user goes). */
	int (*tmpl_prepare)(struct hc_tmpl *t);
	void (*tmpl_release)(struct hc_tmpl *t);
	/* Derive what one attempt needs (request bytes, argv) into p->io at
	 * its start: 0 or -ENOMEM (the attempt is deferred). release frees it
	 * when the attempt ends, however it ends. */
	int (*prepare)(struct hc_probe *p);
	void (*release)(struct hc_probe *p);
	/* Begin an attempt: p->io->started is set, p->phase is HC_RUNNING. */
	void (*start)(struct lvs_health_engine *h, struct hc_probe *p);
	/* p->io->fd is ready with these epoll events. */
	void (*io)(struct lvs_health_engine *h, struct hc_probe *p, uint32_t events);
	/* The attempt's deadline passed (p->phase HC_RUNNING or HC_KILLING).
	 * NULL: hc_finish with the timeout of the phase hc_timeout_reason
	 * gives. */
	void (*expire)(struct lvs_health_engine *h, struct hc_probe *p, int64_t now);
	/* Drop the attempt's own state beyond p->io->fd (the loop closes
	 * that): a TLS session, a child still running (killed and reaped).
	 * Called at every end of an attempt, finished or abandoned. */
	void (*cancel)(struct hc_probe *p);
};

extern const struct hc_kind hc_kind_tcp, hc_kind_http, hc_kind_https, hc_kind_udp, hc_kind_dns,
	hc_kind_exec;
/* By enum lvs_check_type; NULL for none. */
const struct hc_kind *hc_kind_of(enum lvs_check_type t);

enum hc_phase {
	HC_IDLE = 0,    /* waiting for its start time (in the heap) */
	HC_QUEUED = 1,  /* due, waiting for a slot under max_running */
	HC_RUNNING = 2, /* an attempt in flight (in the heap for its timeout) */
	HC_KILLING = 3, /* an EXEC attempt timed out; waiting for the reap */
};

/* Streaming HTTP response reader: tolerates any split of the bytes. */
struct hc_http {
	uint8_t part;     /* 0 status line, 1 headers, 2 body */
	uint8_t line_len; /* bytes of the status line kept */
	uint8_t hdr_state; /* end-of-headers detection: 0 in a line, 1 at a
			    * line start, 2 after a CR at a line start */
	char line[16];    /* "HTTP/1.1 200" is all we need of it */
	int status;
	uint32_t matched; /* KMP: bytes of http_expect matched so far */
};

/* Steps of a stream attempt, for the timeout's phase. */
enum hc_step {
	HC_STEP_CONNECT = 0,
	HC_STEP_SEND = 1,
	HC_STEP_RECV = 2,
	HC_STEP_HANDSHAKE = 3, /* TLS */
};

/* What the specs of a set share: one normalised spec with the real server
 * (af, addr, port) cleared, and the target cleared where it comes from the
 * real server (target_af 0, target_port 0), so that every default check
 * of a table shares one. Immutable once built; shared by reference
 * between a set and the probes created from it. */
struct hc_tmpl {
	atomic_uint refs;
	struct lvs_check_spec spec; /* normalised, strings in blob */
	char *blob;
	const struct hc_kind *kind;
	int64_t interval_ns, timeout_ns, retry_delay_ns;
	/* derived once by the kind's tmpl_prepare (engine thread) */
	bool prepared;
	uint32_t *kmp; /* http.c: failure table of http_expect */
	uint32_t expect_len;
	void *tls_cred; /* https.c: gnutls_certificate_credentials_t */
	int tls_cred_err; /* https.c: the trust store could not be loaded */
	uint32_t hnext; /* set building: the template hash chain */
};

/* One attempt in flight: allocated when it starts, freed when it ends, so
 * at most max_running exist. Engine thread only. */
struct hc_io {
	struct lvs_check_spec spec; /* the probe's spec: template + target */
	struct sockaddr_storage sa;
	socklen_t salen;
	char arg_addr[48], arg_port[8];
	char *req; /* kind-owned: HTTP request or DNS query */
	size_t req_len;
	char **argv; /* exec.c: argv + address + port + NULL */
	int64_t started; /* when this attempt started (monotonic ns) */
	int fd;             /* socket or pidfd; -1 */
	pid_t pid;          /* EXEC child; 0 */
	size_t sent;        /* request bytes written */
	uint8_t step;       /* enum hc_step */
	uint16_t dns_id;    /* DNS: the id of the query in flight */
	uint32_t ep_events; /* registered epoll events; 0: not registered */
	struct hc_http http;
	void *tls; /* https.c: gnutls_session_t of the attempt */
};

/* An interned result text: probes failing the same way share one. */
struct hc_text {
	uint32_t refs; /* engine thread */
	struct hc_text *hnext;
	char s[];
};

/* One past result, packed: the full sample is rebuilt on read. */
struct hc_sample {
	uint32_t dt_ms; /* ms before the probe's `last` (saturated) */
	uint32_t bits;  /* duration in us (29 bits, saturated) << 3 | ok << 2 | state */
};

/* One distinct check: what runs, its schedule and its result. Engine
 * thread only, except the result block, written by the engine under
 * h->lock and read by anyone under it. Kept small: everything one
 * attempt needs lives in io while it runs. */
struct hc_probe {
	struct hc_tmpl *t;  /* owned reference: what runs */
	/* by phase: the attempt in flight (HC_RUNNING, HC_KILLING; NULL when
	 * it could not be had), the next in the HC_QUEUED list, else NULL;
	 * a free probe (in its block, loop.c): the next free one */
	union {
		struct hc_io *io;
		struct hc_probe *qnext;
	};
	struct hc_probe *hnext; /* identity hash chain */
	int64_t deadline;       /* monotonic ns */
	int64_t round_start;    /* when this round's first attempt started */
	union lvs_addr target_addr;
	uint16_t target_af, target_port;
	uint32_t key;           /* hash of the identity (its low half) */
	uint32_t heap_idx;      /* HC_NONE when not in the heap */
	uint32_t first_user;    /* first spec index of the current set using it */
	uint16_t attempt;       /* retries done in this round (at most 1000) */
	uint8_t phase;          /* enum hc_phase */
	bool keep : 1, fresh : 1; /* marks while applying a set */

	/* result (h->lock) */
	uint8_t state;          /* enum lvs_health */
	uint8_t reason;
	uint16_t reason_code;
	uint16_t ring_head, ring_count;
	int32_t streak;         /* > 0: successes in a row, < 0: failures */
	uint32_t users;
	float seconds;
	uint32_t checks, failures; /* saturated (136 years of 1 s checks) */
	/* wall clock of the last transition and since the reason holds, in
	 * whole seconds as the snapshot keeps them (lvs_time32; 0: none) */
	uint32_t since, reason_since;
	double last;
	struct hc_text *error;  /* NULL: "" */
	struct hc_sample ring[]; /* h->history slots (none by default) */
};

/* An applied set of specs: immutable once published as h->set. Shared by
 * reference: h->set holds one, annotate takes one while it reads the set
 * outside the lock. Each spec is a real server and a template; the spec
 * itself is rebuilt on demand (hc_set_spec). Built by health_set_add
 * (any thread), finished by hc_set_finish, applied by the engine. */
struct hc_ent {
	uint32_t tmpl;  /* index in tmpls */
	uint16_t af, port;
	union lvs_addr addr; /* normalised */
};

struct lvs_check_set {
	atomic_uint refs;
	int err;                  /* first failed add: the set is refused */
	size_t n, cap;
	struct hc_ent *ents;      /* owned */
	struct hc_tmpl **tmpls;   /* owned references */
	size_t n_tmpls, cap_tmpls;
	uint32_t *tmpl_bucket;    /* building: template hash */
	uint32_t tmpl_mask;
	struct hc_probe **probe;      /* per spec; set when applied */
	uint32_t *next_user;          /* per spec: next spec of the same probe */
	/* real server (af, addr, port) -> spec indexes, for annotate */
	uint32_t *rs_bucket, *rs_next;
	uint32_t rs_mask;
};

struct lvs_health_engine {
	struct lvs_health_opts opts;
	struct lvs_clock clock; /* opts.clock's copy; now NULL: the real one */
	uint32_t history; /* at most HC_HISTORY_MAX */

	/* lock: set, pending, probe results, stats, seqs. Held only for
	 * copies and pointer swaps, never across I/O, allocation or callbacks. */
	pthread_mutex_t lock;
	pthread_cond_t applied_cv;
	struct lvs_check_set *set;     /* current */
	struct lvs_check_set *pending; /* handed to the engine thread */
	uint64_t req_seq, applied_seq;
	int apply_err;
	struct lvs_health_stats st;

	/* ctl: serialises set_checks (from outside the engine), start, stop */
	pthread_mutex_t ctl;
	pthread_t thread;
	bool running;
	atomic_int stop; /* set by health_stop, read by the engine thread */

	/* engine state (engine thread while running, else the ctl holder) */
	int ep, wake;
	size_t n_probes;
	/* Probes live in blocks of probe_block probes (about HC_BLOCK_BYTES),
	 * probe_size bytes apart: no allocation, header or rounding per
	 * probe. A probe never moves. Free ones are chained through qnext;
	 * the blocks go when no probe is left (a set with no check, or the
	 * engine freed), so a set that shrinks leaves its places to the
	 * next set. */
	void *probe_blocks;     /* the newest block; each starts with the next */
	struct hc_probe *probe_free;
	size_t probe_size, probe_block;
	struct hc_probe **tab;   /* identity hash: every probe */
	size_t tab_mask;
	struct hc_probe **heap;
	uint32_t heap_len, heap_cap;
	struct hc_probe *q_head, *q_tail;
	size_t running_n;
	uint64_t loops;
	char *scratch; /* receive buffer, HC_SCRATCH bytes */
	struct hc_text **texts;  /* interned result texts (engine) */
	size_t texts_mask, n_texts;

	/* Tests only: called by health_annotate between taking its copy and
	 * writing the snapshot, where the lock must be free. NULL: none. */
	void (*annotate_hook)(struct lvs_health_engine *h);
};

/* spec.c */
bool hc_spec_same(const struct lvs_check_spec *a, const struct lvs_check_spec *b);
uint64_t hc_spec_key(const struct lvs_check_spec *s);
uint64_t hc_fnv(uint64_t h, const void *p, size_t n);
/* The normal form, shallow: strings stay the caller's. */
void hc_spec_norm(struct lvs_check_spec *d, const struct lvs_check_spec *s);
/* Normalised deep copy; *blob gets the owned storage. 0 or -ENOMEM. */
int hc_spec_copy(struct lvs_check_spec *dst, char **blob, const struct lvs_check_spec *src);

/* health.c */
void hc_set_unref(struct lvs_check_set *set);
void hc_tmpl_unref(struct hc_tmpl *t);
/* The normalised spec i of set (template, real server and target), with
 * the template's strings: valid while the set is. */
void hc_set_spec(const struct lvs_check_set *set, size_t i, struct lvs_check_spec *out);
/* The same for a probe: its template with its target. */
void hc_probe_spec(const struct hc_probe *p, struct lvs_check_spec *out);
int64_t hc_mono_ns(const struct lvs_health_engine *h);
double hc_wall(const struct lvs_health_engine *h);

/* loop.c: the event loop */
/* Apply set (probes shared, created, cancelled) and publish it. Caller is
 * the engine thread, or the ctl holder while stopped. On failure nothing
 * changes and set still belongs to the caller. 0 or -ENOMEM. */
int hc_apply(struct lvs_health_engine *h, struct lvs_check_set *set);
void *hc_thread(void *arg);
/* Abandon every attempt in flight (stop, free). */
void hc_cancel_all(struct lvs_health_engine *h);
void hc_probes_free(struct lvs_health_engine *h);
void hc_texts_free(struct lvs_health_engine *h);
extern __thread struct lvs_health_engine *hc_engine_self;

/* loop.c: what the probes use */
/* The attempt ended: retry it, or count it with reason (and code, and the
 * printf-style text when not ok) and schedule the next round. */
void hc_finish(struct lvs_health_engine *h, struct hc_probe *p, bool ok, unsigned reason,
               unsigned code, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Finish as failed with the reason errno `err` maps to and "what: strerror". */
void hc_fail_errno(struct lvs_health_engine *h, struct hc_probe *p, const char *what, int err);
/* The attempt's timeout passed: finish as failed with the phase's reason. */
void hc_timeout(struct lvs_health_engine *h, struct hc_probe *p, unsigned reason);
/* A shortage of our own: try again shortly, uncounted. */
void hc_defer(struct lvs_health_engine *h, struct hc_probe *p);
bool hc_local_shortage(int err);
/* Register p->fd for these events (replacing). 0 or -errno. */
int hc_ep_want(struct lvs_health_engine *h, struct hc_probe *p, uint32_t events);
/* Open p->fd non-blocking. False when there is none (deferred or failed). */
bool hc_socket(struct lvs_health_engine *h, struct hc_probe *p, int type);
/* Deadline of the attempt: started + timeout. */
void hc_arm_timeout(struct lvs_health_engine *h, struct hc_probe *p);
void hc_heap_set(struct lvs_health_engine *h, struct hc_probe *p, int64_t deadline);
void hc_heap_remove(struct lvs_health_engine *h, struct hc_probe *p);
int hc_sock_error(int fd);
/* The reason a socket errno stands for (refused, no route, reset, ...). */
unsigned hc_errno_reason(int err);
/* A kind's field check: 0 when why is NULL, else why in msg and -EINVAL. */
int hc_refuse(const char *why, char *msg, size_t len);

/* Datagram probes (udp, dns): a connected socket, so that an ICMP error
 * comes back to us as an errno on send or recv.
 * hc_dgram_start opens, connects and sends len bytes, then waits for a
 * reply until the attempt's timeout; false when the attempt already
 * ended (finished or deferred). hc_dgram_recv reads one datagram into
 * h->scratch: its length, or -1 when there is none (nothing yet, or the
 * attempt was finished: ICMP port, host or network unreachable, or an
 * error of the socket). */
bool hc_dgram_start(struct lvs_health_engine *h, struct hc_probe *p, const void *buf, size_t len);
ssize_t hc_dgram_recv(struct lvs_health_engine *h, struct hc_probe *p);

/* tcp.c: the stream attempt shared by tcp, http and https: a
 * non-blocking connect, then kind-specific steps. connected is called
 * once the connection is up. */
void hc_stream_start(struct lvs_health_engine *h, struct hc_probe *p,
                     void (*connected)(struct lvs_health_engine *, struct hc_probe *));
/* 1 when connected (events said so), 0 still waiting, -1 finished failed. */
int hc_stream_connect_io(struct lvs_health_engine *h, struct hc_probe *p, uint32_t events);

/* http.c: shared with https.c */
int hc_http_tmpl_prepare(struct hc_tmpl *t);
void hc_http_tmpl_release(struct hc_tmpl *t);
int hc_http_prepare(struct hc_probe *p);
void hc_http_release(struct hc_probe *p);
int hc_http_check(const struct lvs_check_spec *s, char *msg, size_t len);
/* Feed response bytes. 1: verdict up, -1: verdict down (reason and text
 * set), 0: more. */
int hc_http_feed(struct hc_probe *p, const char *b, size_t n, unsigned *reason, unsigned *code,
                 char *err, size_t elen);
/* The peer closed: finish with the verdict that gives. */
void hc_http_eof(struct lvs_health_engine *h, struct hc_probe *p);
/* An HTTP attempt's timeout, by step. */
void hc_http_expire(struct lvs_health_engine *h, struct hc_probe *p, int64_t now);

#endif
