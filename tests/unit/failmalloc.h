/* Allocation-failure injection for the unit tests (nghttp2's failmalloc).
 * The unit-test program is linked with -Wl,--wrap for malloc, calloc,
 * realloc, strdup, strndup, asprintf and vasprintf, so every call to them
 * from the project's objects (not from inside shared libraries such as
 * json-c) comes here first. Armed with n, the n-th such call on the
 * arming thread fails (NULL, errno ENOMEM); calls on other threads are
 * neither counted nor failed, so background threads cannot shift the
 * count. */
#ifndef LVSTOP_TESTS_UNIT_FAILMALLOC_H
#define LVSTOP_TESTS_UNIT_FAILMALLOC_H

#include <stdbool.h>
#include <stddef.h>

/* Count allocations on this thread from now and fail the n-th (n >= 1);
 * n == 0 counts without failing. */
void failmalloc_arm(unsigned long n);
/* Stop counting and failing. */
void failmalloc_disarm(void);
/* Allocations counted since failmalloc_arm. */
unsigned long failmalloc_count(void);
/* Whether the armed failure happened. */
bool failmalloc_fired(void);

struct failmalloc_walk {
	unsigned long allocs; /* allocations of the run that succeeded */
	unsigned long bad_n;  /* 0, or the failed allocation after which run misbehaved */
	int bad_rc;           /* what run returned then */
	unsigned long runs;   /* runs made */
};

/* Call run(ctx) with the 1st, 2nd, ... allocation failing, until a run
 * makes no more allocations than the failed one's index (it succeeded
 * untouched); at most max_runs runs. A run whose failure fired must
 * return -ENOMEM, 0 (it coped and checked its own result), or ok_err if
 * that is not 0 (a clear error the caller accepts); the run that did not
 * fire must return 0. 0 when all held, -1 when one did not (w says which
 * and what it returned) or max_runs was reached. run frees what it made:
 * ASan's leak check covers every path. */
int failmalloc_walk(int (*run)(void *ctx), void *ctx, int ok_err, unsigned long max_runs,
		    struct failmalloc_walk *w);

#endif
