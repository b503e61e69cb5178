/* A rendered HTTP body shared by every response that sends it: the
 * /metrics exposition made once per poll, kept with its gzip form so a
 * scrape costs a reference count and a write, never a render. A large
 * exposition (tens of megabytes at 100,000 real servers) is kept gzip
 * only: it is deflated as it is rendered (struct body_builder), and a
 * scraper that does not take gzip gets it inflated as it is sent.
 * The gzip form of a built body is one gzip stream cut by full flushes
 * into segments of BODY_SEGMENT plain bytes: any client reads it as one
 * stream, and a plain scrape inflates each segment on its own with
 * libdeflate (2.5 times zlib's inflate speed, whole buffers only).
 * Immutable once made; freed with its last reference (the cache's or a
 * response's). Threads: ref/unref from any thread; a builder is used by
 * one thread. */
#ifndef LVSTOP_EXPORTER_HTTP_BODY_H
#define LVSTOP_EXPORTER_HTTP_BODY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <zlib.h>

struct lvs_body {
	atomic_uint refs;
	char *data;     /* owned; NULL when the body is kept gzip only */
	size_t len;     /* of the plain text, kept or not */
	char *gz;       /* owned; NULL when not compressed */
	size_t gz_len;
	/* Built gzip-only bodies: where each segment's deflate data starts in
	 * gz (owned; n_seg of them; the last ends at the trailer). Segment i
	 * holds plain bytes [i * BODY_SEGMENT, (i + 1) * BODY_SEGMENT). */
	size_t *seg;
	size_t n_seg;
};

#define BODY_SEGMENT (256u << 10)

struct libdeflate_decompressor;

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

/* A body made piece by piece. With a gzip level, pieces go through
 * deflate at once and only the gzip form is kept (data NULL), with a
 * full flush every BODY_SEGMENT plain bytes; with level 0 the plain text
 * is kept, as body_new would. */
struct body_builder {
	int level;
	z_stream z;
	char *buf;   /* owned: gzip output, or the plain text at level 0 */
	size_t used, cap;
	size_t len;  /* plain bytes added */
	size_t *seg; /* owned: segment starts in buf */
	size_t n_seg, cap_seg;
	int err;     /* sticky: the first failure */
};

/* 0, -ENOMEM or -EIO (zlib refused); on failure nothing needs freeing. */
int body_builder_init(struct body_builder *bb, int gzip_level);
/* Append n bytes. 0, or the builder's sticky -ENOMEM/-EIO. Fits
 * outbuf_set_spill's sink (arg is the builder). */
int body_builder_add(void *bb, const char *p, size_t n);
/* The finished body (one reference), NULL on a failure during building
 * or now. The builder is spent either way. */
struct lvs_body *body_builder_finish(struct body_builder *bb);
/* Drop a builder without making a body. */
void body_builder_abort(struct body_builder *bb);

/* Inflating a built gzip-only body for a scraper that does not take
 * gzip: pull the plain text in pieces, one segment at a time. A read of
 * at least the rest of a segment inflates straight into the caller's
 * buffer; a shorter one goes through the reader's own segment buffer. */
struct body_reader {
	struct lvs_body *b; /* one reference */
	struct libdeflate_decompressor *d; /* owned */
	unsigned char *in;  /* owned: one segment's deflate data and an end */
	size_t in_cap;
	char *buf;          /* owned, made on the first short read */
	size_t buf_len, buf_pos; /* plain bytes in buf, handed out of them */
	size_t pos;         /* plain bytes handed out */
	size_t next;        /* the next segment to inflate */
};
/* Start at byte 0; takes over the caller's reference to b on success.
 * 0, -ENOMEM, or -EINVAL when b was not made by a gzip body_builder
 * (its segment table does not match its length). */
int body_reader_init(struct body_reader *r, struct lvs_body *b);
/* Up to max plain bytes into out: how many (0 only at the end), or
 * -EIO when the stored gzip is corrupt, -ENOMEM. */
long body_reader_read(struct body_reader *r, char *out, size_t max);
/* Release the inflate state and the body reference. */
void body_reader_done(struct body_reader *r);

#endif
