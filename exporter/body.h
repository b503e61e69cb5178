/* A rendered HTTP body shared by every response that sends it: the
 * /metrics exposition made once per poll, kept with its gzip form so a
 * scrape costs a reference count and a write, never a render. Immutable
 * once made; freed with its last reference (the cache's or a response's).
 * Threads: ref/unref from any thread. */
#ifndef LVSTOP_EXPORTER_BODY_H
#define LVSTOP_EXPORTER_BODY_H

#include <stdatomic.h>
#include <stddef.h>

struct lvs_body {
	atomic_uint refs;
	char *data;     /* owned */
	size_t len;
	char *gz;       /* owned; NULL when not compressed */
	size_t gz_len;
};

/* Take ownership of data (malloc'd, len bytes) and, when gzip_level is
 * 1..9, add its gzip form made at that level (0: none). NULL on out of
 * memory or a zlib failure (data is freed then too). */
struct lvs_body *body_new(char *data, size_t len, int gzip_level);
struct lvs_body *body_ref(struct lvs_body *b);
/* NULL is ignored. */
void body_unref(struct lvs_body *b);

/* gzip (RFC 1952) of in into a new malloc'd buffer. 0, -ENOMEM, or -EIO
 * when zlib refuses. */
int body_gzip(const char *in, size_t len, int level, char **out, size_t *out_len);

#endif
