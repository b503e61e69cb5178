#include "clock.h"

#include <stddef.h>

static int64_t ns_of(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t clock_mono_ns(void)
{
	return ns_of(CLOCK_MONOTONIC);
}

int64_t clock_mono_ms(void)
{
	return ns_of(CLOCK_MONOTONIC) / 1000000;
}

double clock_mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double clock_wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t clock_wall_ms(void)
{
	return ns_of(CLOCK_REALTIME) / 1000000;
}

struct timespec clock_after(clockid_t id, int64_t ns)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	if (ns < 0)
		ns = 0;
	ts.tv_sec += (time_t)(ns / 1000000000);
	ts.tv_nsec += (long)(ns % 1000000000);
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

int64_t lvs_clock_ns(const struct lvs_clock *c)
{
	if (c && c->now)
		return c->now(c->ctx);
	return ns_of(CLOCK_MONOTONIC);
}

int64_t lvs_manual_clock_get(void *ctx)
{
	return __atomic_load_n((int64_t *)ctx, __ATOMIC_ACQUIRE);
}

void lvs_manual_clock_advance(int64_t *t, int64_t ns)
{
	__atomic_add_fetch(t, ns, __ATOMIC_ACQ_REL);
}
