#include "body.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* windowBits 15 + 16: a gzip header and trailer, as HTTP's "gzip" content
 * coding wants; memLevel 8 is zlib's default. */
#define GZIP_WBITS (15 + 16)

int body_gzip(const char *in, size_t len, int level, char **out, size_t *out_len)
{
	z_stream z = { 0 };
	if (deflateInit2(&z, level, Z_DEFLATED, GZIP_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	size_t cap = deflateBound(&z, (uLong)len) + 32;
	char *buf = malloc(cap);
	if (!buf) {
		deflateEnd(&z);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)in;
	z.next_out = (Bytef *)buf;
	z.avail_out = (uInt)0;
	size_t in_left = len, out_left = cap;
	int zr;
	/* avail_in/avail_out are 32-bit: feed bodies past 4 GiB in pieces. */
	do {
		if (!z.avail_in) {
			z.avail_in = (uInt)(in_left > 1u << 30 ? 1u << 30 : in_left);
			in_left -= z.avail_in;
		}
		if (!z.avail_out) {
			z.avail_out = (uInt)(out_left > 1u << 30 ? 1u << 30 : out_left);
			out_left -= z.avail_out;
		}
		zr = deflate(&z, in_left || z.avail_in ? Z_NO_FLUSH : Z_FINISH);
	} while (zr == Z_OK || (zr == Z_BUF_ERROR && (z.avail_out || out_left)));
	size_t made = (size_t)z.total_out;
	deflateEnd(&z);
	if (zr != Z_STREAM_END) {
		free(buf);
		return -EIO;
	}
	/* Give back the slack deflateBound reserved. */
	char *shrunk = realloc(buf, made ? made : 1);
	*out = shrunk ? shrunk : buf;
	*out_len = made;
	return 0;
}

struct lvs_body *body_new(char *data, size_t len, int gzip_level)
{
	struct lvs_body *b = calloc(1, sizeof(*b));
	if (!b)
		goto err;
	atomic_init(&b->refs, 1);
	b->data = data;
	b->len = len;
	if (gzip_level > 0 && body_gzip(data, len, gzip_level, &b->gz, &b->gz_len))
		goto err;
	return b;
err:
	free(b);
	free(data);
	return NULL;
}

struct lvs_body *body_ref(struct lvs_body *b)
{
	atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
	return b;
}

void body_unref(struct lvs_body *b)
{
	if (!b || atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1)
		return;
	free(b->data);
	free(b->gz);
	free(b);
}

/* --- building ------------------------------------------------------------- */

/* Room for at least `more` bytes past used: grow by half again, as the
 * output of one exposition settles at one size poll after poll. */
static int bb_room(struct body_builder *bb, size_t more)
{
	if (bb->cap - bb->used >= more)
		return 0;
	size_t cap = bb->cap + bb->cap / 2;
	if (cap < bb->used + more)
		cap = bb->used + more;
	char *p = realloc(bb->buf, cap);
	if (!p)
		return -ENOMEM;
	bb->buf = p;
	bb->cap = cap;
	return 0;
}

int body_builder_init(struct body_builder *bb, int gzip_level)
{
	memset(bb, 0, sizeof(*bb));
	bb->level = gzip_level;
	if (gzip_level > 0 &&
	    deflateInit2(&bb->z, gzip_level, Z_DEFLATED, GZIP_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	if (bb_room(bb, 64 << 10)) {
		if (gzip_level > 0)
			deflateEnd(&bb->z);
		return -ENOMEM;
	}
	return 0;
}

/* Run deflate over n bytes at p (or finish the stream). */
static int bb_deflate(struct body_builder *bb, const char *p, size_t n, bool finish)
{
	bb->z.next_in = (Bytef *)p;
	for (;;) {
		/* avail_in is 32-bit: large pieces go in slices. */
		if (!bb->z.avail_in && n) {
			bb->z.avail_in = (uInt)(n > 1u << 30 ? 1u << 30 : n);
			n -= bb->z.avail_in;
		}
		if (bb->cap - bb->used < 4096 && bb_room(bb, 64 << 10))
			return -ENOMEM;
		size_t room = bb->cap - bb->used;
		bb->z.next_out = (Bytef *)bb->buf + bb->used;
		bb->z.avail_out = (uInt)(room > 1u << 30 ? 1u << 30 : room);
		uInt before = bb->z.avail_out;
		int zr = deflate(&bb->z, finish && !n ? Z_FINISH : Z_NO_FLUSH);
		bb->used += before - bb->z.avail_out;
		if (zr == Z_STREAM_END)
			return 0;
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return -EIO;
		/* Without finish, done when the input is used and output had room. */
		if (!finish && !bb->z.avail_in && !n && bb->z.avail_out)
			return 0;
	}
}

int body_builder_add(void *arg, const char *p, size_t n)
{
	struct body_builder *bb = arg;
	if (bb->err || !n)
		return bb->err;
	int r;
	if (bb->level > 0) {
		r = bb_deflate(bb, p, n, false);
	} else {
		r = bb_room(bb, n);
		if (!r) {
			memcpy(bb->buf + bb->used, p, n);
			bb->used += n;
		}
	}
	if (r)
		bb->err = r;
	else
		bb->len += n;
	return r;
}

void body_builder_abort(struct body_builder *bb)
{
	if (bb->level > 0)
		deflateEnd(&bb->z);
	free(bb->buf);
	memset(bb, 0, sizeof(*bb));
}

struct lvs_body *body_builder_finish(struct body_builder *bb)
{
	if (!bb->err && bb->level > 0)
		bb->err = bb_deflate(bb, NULL, 0, true);
	struct lvs_body *b = bb->err ? NULL : calloc(1, sizeof(*b));
	if (!b) {
		body_builder_abort(bb);
		return NULL;
	}
	atomic_init(&b->refs, 1);
	b->len = bb->len;
	/* Give back the slack of the last growth: the body stays a whole poll. */
	char *shrunk = realloc(bb->buf, bb->used ? bb->used : 1);
	char *buf = shrunk ? shrunk : bb->buf;
	if (bb->level > 0) {
		b->gz = buf;
		b->gz_len = bb->used;
		deflateEnd(&bb->z);
	} else {
		b->data = buf;
	}
	memset(bb, 0, sizeof(*bb));
	return b;
}

/* --- reading a gzip-only body as plain text ---------------------------------- */

int body_reader_init(struct body_reader *r, struct lvs_body *b)
{
	memset(r, 0, sizeof(*r));
	if (inflateInit2(&r->z, GZIP_WBITS) != Z_OK)
		return -ENOMEM;
	r->b = b;
	r->z.next_in = (Bytef *)b->gz;
	r->z.avail_in = (uInt)b->gz_len; /* a gzip body stays far below 4 GiB */
	return 0;
}

long body_reader_read(struct body_reader *r, char *out, size_t max)
{
	if (r->done || !max)
		return 0;
	r->z.next_out = (Bytef *)out;
	r->z.avail_out = (uInt)(max > 1u << 30 ? 1u << 30 : max);
	uInt before = r->z.avail_out;
	int zr = inflate(&r->z, Z_NO_FLUSH);
	size_t got = before - r->z.avail_out;
	if (zr == Z_STREAM_END)
		r->done = true;
	else if (zr != Z_OK && !(zr == Z_BUF_ERROR && got))
		return -EIO;
	r->pos += got;
	return (long)got;
}

void body_reader_done(struct body_reader *r)
{
	if (r->b) {
		inflateEnd(&r->z);
		body_unref(r->b);
	}
	memset(r, 0, sizeof(*r));
}
