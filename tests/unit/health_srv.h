/* Small loopback servers and helpers shared by the health-check tests. */
#ifndef LVSTOP_TESTS_UNIT_HEALTH_SRV_H
#define LVSTOP_TESTS_UNIT_HEALTH_SRV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/health.h"

enum srv_mode {
	SRV_ACCEPT,  /* accept, count, close */
	SRV_HTTP,    /* read the request, answer `resp` in `chunk`-byte writes */
	SRV_SILENT,  /* accept and never answer */
	SRV_BANNER,  /* accept, send `resp` at once, close */
	SRV_UDP_ECHO,
	SRV_UDP_SILENT,
};

struct srv {
	int fd;
	uint16_t port;
	enum srv_mode mode;
	const char *resp;
	size_t chunk; /* 0: all at once */
	atomic_int accepted;
	atomic_int stop;
	pthread_t th;
	char request[1024]; /* the last request read (SRV_HTTP) */
	pthread_mutex_t lock;
	int held[64];
	int n_held;
};

void hc_test_msleep(int ms);
double hc_test_now(void); /* monotonic seconds */
/* A socket bound to the loopback of af on a free port (*port). -1 on error. */
int hc_test_bind(int af, int type, uint16_t *port);
struct srv *srv_start(int af, enum srv_mode mode, const char *resp, size_t chunk);
void srv_stop(struct srv *s);
/* A port nothing listens on: bound for a moment, then released. */
uint16_t closed_port(int af, int type);
/* A check of the loopback of af, interval 0.05 s, timeout 0.5 s. */
void spec_for(struct lvs_check_spec *s, int af, uint16_t port, enum lvs_check_type type);
/* Wait until specs[i] reaches state; false after ms. */
bool wait_state(lvs_health *h, size_t i, enum lvs_health state, int ms,
                struct lvs_check_result *out);
/* An engine (history 64) running these checks; NULL on error. */
lvs_health *engine_with(const struct lvs_check_spec *specs, size_t n);


/* A clock the test moves: the engine's timing without sleeping. */
struct fake_clock {
	int64_t ns; /* moved with lvs_manual_clock_advance */
	struct lvs_clock c;
};
void fake_clock_init(struct fake_clock *f);
/* Move the clock by s seconds and let the engine go through its loop. */
void fake_advance(lvs_health *h, struct fake_clock *f, double s);
/* An engine on f, stopped, with opts o (may be NULL). */
lvs_health *engine_fake(struct fake_clock *f, const struct lvs_health_opts *o);
/* Wait (in real time, for I/O to settle) until specs[i]'s probe has
 * finished at least `checks` checks; false after 3 s. */
bool wait_checks(lvs_health *h, size_t i, uint64_t checks);
/* The same for the engine's attempts (stats.checks). */
bool wait_attempts(lvs_health *h, uint64_t attempts);

#endif
