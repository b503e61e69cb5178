/* Internals of the health-check engine shared by health.c (interface,
 * check sets, results, annotate) and loop.c (event loop, timer
 * heap, probes). Not for use outside collector/health*.c. */
#ifndef LVSTOP_COLLECTOR_HEALTH_INT_H
#define LVSTOP_COLLECTOR_HEALTH_INT_H

#include <pthread.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "collector/health.h"

#define HC_NONE UINT32_MAX

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

/* One distinct check: what runs. Engine thread only, except the result
 * block, written by the engine under h->lock and read by anyone under it. */
struct hc_probe {
	struct lvs_check_spec spec; /* owned normalised copy (strings in blob) */
	char *blob;
	uint64_t key; /* hash of the identity */

	/* derived at creation */
	struct sockaddr_storage sa;
	socklen_t salen;
	char *req; /* owned: HTTP request */
	size_t req_len;
	uint32_t *kmp; /* owned: failure table of http_expect (or udp_expect) */
	uint32_t expect_len;
	char **argv; /* owned: exec argv + address + port + NULL */
	char arg_addr[48], arg_port[8];
	int64_t interval_ns, timeout_ns, retry_delay_ns, first_ns;

	/* scheduling and I/O (engine thread) */
	uint8_t phase;        /* enum hc_phase */
	uint32_t heap_idx;    /* HC_NONE when not in the heap */
	int64_t deadline;     /* monotonic ns */
	int64_t round_start;  /* when this round's first attempt started */
	int64_t started;      /* when the current attempt started */
	uint32_t attempt;     /* retries done in this round */
	int fd;               /* socket or pidfd; -1 */
	pid_t pid;            /* EXEC child; 0 */
	size_t sent;          /* HTTP request bytes written */
	uint8_t step;         /* HTTP: 0 connecting, 1 sending, 2 receiving */
	uint32_t ep_events;   /* registered epoll events; 0: not registered */
	struct hc_http http;
	struct hc_probe *qnext;          /* HC_QUEUED list */
	struct hc_probe *hnext;          /* identity hash chain */
	struct hc_probe *prev, *next;    /* all probes */
	uint32_t first_user;  /* first spec index of the current set using it */
	bool keep, fresh;     /* marks while applying a set */

	/* result (h->lock) */
	enum lvs_health state;
	uint32_t ok_run, fail_run, users;
	double since, last;
	float seconds;
	uint64_t checks, failures;
	char error[LVS_HEALTH_ERROR_MAX];
	struct lvs_check_sample *ring; /* owned; h->history slots */
	uint32_t ring_head, ring_count;
};

/* An applied set of specs: immutable once published as h->set. */
struct hc_set {
	size_t n;
	struct lvs_check_spec *specs; /* owned normalised copies */
	char **blobs;                 /* owned: each spec's strings */
	struct hc_probe **probe;      /* per spec; set when applied */
	uint32_t *next_user;          /* per spec: next spec of the same probe */
	/* real server (af, addr, port) -> spec indexes, for annotate */
	uint32_t *rs_bucket, *rs_next;
	uint32_t rs_mask;
};

struct lvs_health_engine {
	struct lvs_health_opts opts;
	uint32_t history;

	/* lock: set, pending, probe results, stats, seqs. Held only for
	 * copies and pointer swaps, never across I/O or callbacks. */
	pthread_mutex_t lock;
	pthread_cond_t applied_cv;
	struct hc_set *set;     /* current */
	struct hc_set *pending; /* handed to the engine thread */
	uint64_t req_seq, applied_seq;
	int apply_err;
	struct lvs_health_stats st;

	/* ctl: serialises set_checks (from outside the engine), start, stop */
	pthread_mutex_t ctl;
	pthread_t thread;
	bool running;
	volatile int stop; /* read by the engine thread, atomically */

	/* engine state (engine thread while running, else the ctl holder) */
	int ep, wake;
	struct hc_probe *probes; /* list of all */
	size_t n_probes;
	struct hc_probe **tab;   /* identity hash */
	size_t tab_mask;
	struct hc_probe **heap;
	uint32_t heap_len, heap_cap;
	struct hc_probe *q_head, *q_tail;
	size_t running_n;
	uint64_t loops;
	char *scratch; /* receive buffer */
};

/* health.c */
bool hc_spec_same(const struct lvs_check_spec *a, const struct lvs_check_spec *b);
uint64_t hc_spec_key(const struct lvs_check_spec *s);
/* Normalised deep copy; *blob gets the owned storage. 0 or -ENOMEM. */
int hc_spec_copy(struct lvs_check_spec *dst, char **blob, const struct lvs_check_spec *src);
void hc_set_free(struct hc_set *set);
int64_t hc_mono_ns(void);
double hc_wall(void);

/* loop.c */
/* Apply set (probes shared, created, cancelled) and publish it. Caller is
 * the engine thread, or the ctl holder while stopped. On failure nothing
 * changes and set still belongs to the caller. 0 or -ENOMEM. */
int hc_apply(struct lvs_health_engine *h, struct hc_set *set);
void *hc_thread(void *arg);
/* Abandon every attempt in flight (stop, free). */
void hc_cancel_all(struct lvs_health_engine *h);
void hc_probes_free(struct lvs_health_engine *h);
extern __thread struct lvs_health_engine *hc_engine_self;

#endif
