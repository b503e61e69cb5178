#include "body.h"

#include <errno.h>
#include <stdlib.h>
#include <zlib.h>

int body_gzip(const char *in, size_t len, int level, char **out, size_t *out_len)
{
	z_stream z = { 0 };
	/* windowBits 15 + 16: a gzip header and trailer, as HTTP's "gzip"
	 * content coding wants; memLevel 8 is zlib's default. */
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
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
