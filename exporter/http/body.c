#include "body.h"

#include <errno.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

/* windowBits 15 + 16: a gzip header and trailer, as HTTP's "gzip" content
 * coding wants; memLevel 8 is zlib's default. zlib's header, with no
 * name, comment or extra field, is 10 bytes; the trailer (CRC-32, length)
 * is 8. */
#define GZIP_WBITS (15 + 16)
#define GZIP_HEAD 10
#define GZIP_TAIL 8

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
	free(b->seg);
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

static int bb_segment(struct body_builder *bb);

int body_builder_init(struct body_builder *bb, int gzip_level)
{
	memset(bb, 0, sizeof(*bb));
	bb->level = gzip_level;
	if (gzip_level > 0 &&
	    deflateInit2(&bb->z, gzip_level, Z_DEFLATED, GZIP_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	if (bb_room(bb, 64 << 10) || (gzip_level > 0 && bb_segment(bb))) {
		if (gzip_level > 0)
			deflateEnd(&bb->z);
		free(bb->buf);
		free(bb->seg);
		return -ENOMEM;
	}
	if (gzip_level > 0)
		bb->seg[0] = GZIP_HEAD; /* the first segment follows the header */
	return 0;
}

/* Run deflate over n bytes at p with zlib's flush mode: Z_NO_FLUSH,
 * Z_FULL_FLUSH (output byte-aligned, no reference back past it) or
 * Z_FINISH. */
static int bb_deflate(struct body_builder *bb, const char *p, size_t n, int flush)
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
		int zr = deflate(&bb->z, n ? Z_NO_FLUSH : flush);
		bb->used += before - bb->z.avail_out;
		if (zr == Z_STREAM_END)
			return 0;
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return -EIO;
		/* Short of finishing, done when the input is used and the
		 * output had room (so a flush is complete too). */
		if (flush != Z_FINISH && !bb->z.avail_in && !n && bb->z.avail_out)
			return 0;
	}
}

/* A segment starts at bb->used. */
static int bb_segment(struct body_builder *bb)
{
	if (bb->n_seg == bb->cap_seg) {
		size_t cap = bb->cap_seg ? bb->cap_seg * 2 : 64;
		size_t *p = realloc(bb->seg, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		bb->seg = p;
		bb->cap_seg = cap;
	}
	bb->seg[bb->n_seg++] = bb->used;
	return 0;
}

/* n bytes into the gzip stream, with a full flush and a new segment at
 * every BODY_SEGMENT plain bytes (when more text follows one). */
static int bb_add_gzip(struct body_builder *bb, const char *p, size_t n)
{
	while (n) {
		size_t fill = bb->len % BODY_SEGMENT;
		if (!fill && bb->len) {
			int r = bb_deflate(bb, NULL, 0, Z_FULL_FLUSH);
			if (!r)
				r = bb_segment(bb);
			if (r)
				return r;
		}
		size_t k = BODY_SEGMENT - fill < n ? BODY_SEGMENT - fill : n;
		int r = bb_deflate(bb, p, k, Z_NO_FLUSH);
		if (r)
			return r;
		bb->len += k;
		p += k;
		n -= k;
	}
	return 0;
}

int body_builder_add(void *arg, const char *p, size_t n)
{
	struct body_builder *bb = arg;
	if (bb->err || !n)
		return bb->err;
	int r;
	if (bb->level > 0) {
		r = bb_add_gzip(bb, p, n);
	} else {
		r = bb_room(bb, n);
		if (!r) {
			memcpy(bb->buf + bb->used, p, n);
			bb->used += n;
			bb->len += n;
		}
	}
	if (r)
		bb->err = r;
	return r;
}

void body_builder_abort(struct body_builder *bb)
{
	if (bb->level > 0)
		deflateEnd(&bb->z);
	free(bb->buf);
	free(bb->seg);
	memset(bb, 0, sizeof(*bb));
}

struct lvs_body *body_builder_finish(struct body_builder *bb)
{
	if (!bb->err && bb->level > 0)
		bb->err = bb_deflate(bb, NULL, 0, Z_FINISH);
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
		b->seg = bb->seg;
		b->n_seg = bb->n_seg;
		deflateEnd(&bb->z);
	} else {
		b->data = buf;
		free(bb->seg);
	}
	memset(bb, 0, sizeof(*bb));
	return b;
}

/* --- reading a gzip-only body as plain text ---------------------------------- */

int body_reader_init(struct body_reader *r, struct lvs_body *b)
{
	memset(r, 0, sizeof(*r));
	size_t want = b->len ? (b->len - 1) / BODY_SEGMENT + 1 : 1;
	if (!b->gz || b->gz_len < GZIP_HEAD + GZIP_TAIL || b->gz[3] || b->n_seg != want ||
	    b->seg[0] != GZIP_HEAD)
		return -EINVAL;
	for (size_t i = 1; i < b->n_seg; i++)
		if (b->seg[i] < b->seg[i - 1] || b->seg[i] > b->gz_len - GZIP_TAIL)
			return -EINVAL;
	if (!(r->d = libdeflate_alloc_decompressor()))
		return -ENOMEM;
	r->b = b;
	return 0;
}

/* A non-final segment ends where a full flush left the stream: on a byte
 * boundary, after an empty stored block. An empty final stored block
 * (BFINAL 1, type 00, LEN 0, NLEN 0xffff) makes it a whole deflate
 * stream that libdeflate takes. */
static const unsigned char final_block[] = { 0x01, 0x00, 0x00, 0xff, 0xff };

/* Segment r->next, inflated into out (room for its plain bytes at least):
 * its plain length, or -EIO, -ENOMEM. */
static long inflate_segment(struct body_reader *r, char *out)
{
	const struct lvs_body *b = r->b;
	size_t i = r->next;
	bool last = i + 1 == b->n_seg;
	size_t from = b->seg[i], to = last ? b->gz_len - GZIP_TAIL : b->seg[i + 1];
	size_t plain = last ? b->len - i * BODY_SEGMENT : BODY_SEGMENT;
	size_t n = to - from, in_len = n + (last ? 0 : sizeof(final_block));
	const void *in = b->gz + from;
	if (!last) {
		if (in_len > r->in_cap) {
			unsigned char *p = realloc(r->in, in_len);
			if (!p)
				return -ENOMEM;
			r->in = p;
			r->in_cap = in_len;
		}
		memcpy(r->in, b->gz + from, n);
		memcpy(r->in + n, final_block, sizeof(final_block));
		in = r->in;
	}
	size_t got = 0;
	if (libdeflate_deflate_decompress(r->d, in, in_len, out, plain, &got) !=
		    LIBDEFLATE_SUCCESS ||
	    got != plain)
		return -EIO;
	r->next++;
	return (long)plain;
}

long body_reader_read(struct body_reader *r, char *out, size_t max)
{
	if (!max || !r->b)
		return 0;
	if (r->buf_pos == r->buf_len) {
		if (r->next == r->b->n_seg)
			return 0;
		size_t plain = r->next + 1 == r->b->n_seg ? r->b->len - r->next * BODY_SEGMENT
							   : BODY_SEGMENT;
		if (max >= plain) { /* the whole segment into the caller's buffer */
			long n = inflate_segment(r, out);
			if (n > 0)
				r->pos += (size_t)n;
			return n;
		}
		if (!r->buf && !(r->buf = malloc(BODY_SEGMENT)))
			return -ENOMEM;
		long n = inflate_segment(r, r->buf);
		if (n < 0)
			return n;
		r->buf_len = (size_t)n;
		r->buf_pos = 0;
	}
	size_t k = r->buf_len - r->buf_pos < max ? r->buf_len - r->buf_pos : max;
	memcpy(out, r->buf + r->buf_pos, k);
	r->buf_pos += k;
	r->pos += k;
	return (long)k;
}

void body_reader_done(struct body_reader *r)
{
	if (r->b) {
		libdeflate_free_decompressor(r->d);
		body_unref(r->b);
	}
	free(r->in);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}
