#include "failmalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **out, const char *fmt, va_list ap);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_vasprintf(char **out, const char *fmt, va_list ap);
int __wrap_asprintf(char **out, const char *fmt, ...);

/* Per thread: only the arming thread counts. */
static __thread bool armed;
static __thread unsigned long fail_at, count;
static __thread bool fired;

void failmalloc_arm(unsigned long n)
{
	fail_at = n;
	count = 0;
	fired = false;
	armed = true;
}

void failmalloc_disarm(void)
{
	armed = false;
}

unsigned long failmalloc_count(void)
{
	return count;
}

bool failmalloc_fired(void)
{
	return fired;
}

/* True when this call is the one to fail. */
static bool should_fail(void)
{
	if (!armed)
		return false;
	if (++count == fail_at) {
		fired = true;
		errno = ENOMEM;
		return true;
	}
	return false;
}

void *__wrap_malloc(size_t n)
{
	return should_fail() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	return should_fail() ? NULL : __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	return should_fail() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return should_fail() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return should_fail() ? NULL : __real_strndup(s, n);
}

int __wrap_vasprintf(char **out, const char *fmt, va_list ap)
{
	if (should_fail())
		return -1;
	return __real_vasprintf(out, fmt, ap);
}

int __wrap_asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = should_fail() ? -1 : __real_vasprintf(out, fmt, ap);
	va_end(ap);
	return r;
}

int failmalloc_walk(int (*run)(void *ctx), void *ctx, int ok_err, unsigned long max_runs,
		    struct failmalloc_walk *w)
{
	memset(w, 0, sizeof(*w));
	for (unsigned long n = 1; n <= max_runs; n++) {
		failmalloc_arm(n);
		int rc = run(ctx);
		bool hit = failmalloc_fired();
		unsigned long c = failmalloc_count();
		failmalloc_disarm();
		w->runs = n;
		if (!hit) {
			w->allocs = c;
			if (rc != 0) {
				w->bad_n = n;
				w->bad_rc = rc;
				return -1;
			}
			return 0;
		}
		if (rc != 0 && rc != -ENOMEM && !(ok_err && rc == ok_err)) {
			w->bad_n = n;
			w->bad_rc = rc;
			return -1;
		}
	}
	return -1;
}
