/* What every harness shares: a failed invariant aborts with a message
 * (libFuzzer keeps the input as a crash), and the checks on text that
 * leaves a parser (error messages must be non-empty, printable and
 * NUL-terminated within their buffer). Header only: each harness is one
 * program. */
#ifndef LVSTOP_FUZZ_FUZZ_H
#define LVSTOP_FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond, ...)                                                  \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: invariant failed: %s: ",       \
				__FILE__, __LINE__, #cond);                    \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			abort();                                               \
		}                                                              \
	} while (0)

/* Printable ASCII only (what reaches a terminal or a log). */
static inline bool fuzz_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* An error message as the contracts promise: terminated inside its
 * buffer, not empty, printable. */
static inline void fuzz_check_message(const char *what, const char *msg, size_t cap)
{
	FUZZ_CHECK(memchr(msg, '\0', cap) != NULL, "%s: not terminated", what);
	FUZZ_CHECK(msg[0] != '\0', "%s: empty message", what);
	FUZZ_CHECK(fuzz_printable(msg), "%s: unprintable message \"%s\"", what, msg);
}

/* A NUL-terminated copy of the input (callers free()). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
