#include "json_writer.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#define PIECE 65536

struct json_writer {
	yajl_gen g;
	json_sink sink;
	void *arg;
	int err;       /* first error, sticky */
	size_t len;    /* bytes in buf */
	char buf[PIECE];
};

static int flush(struct json_writer *w)
{
	if (w->len && !w->err) {
		int r = w->sink(w->arg, w->buf, w->len);
		if (r)
			w->err = r < 0 ? r : -EIO;
	}
	w->len = 0;
	return w->err;
}

/* yajl prints a token at a time: gather them into pieces. */
static void print(void *ctx, const char *text, size_t len)
{
	struct json_writer *w = ctx;
	while (len && !w->err) {
		if (w->len == PIECE && flush(w))
			return;
		size_t n = PIECE - w->len < len ? PIECE - w->len : len;
		memcpy(w->buf + w->len, text, n);
		w->len += n;
		text += n;
		len -= n;
	}
}

json_writer *json_writer_new(unsigned flags, json_sink sink, void *arg)
{
	struct json_writer *w = malloc(sizeof(*w));
	if (!w)
		return NULL;
	w->sink = sink;
	w->arg = arg;
	w->err = 0;
	w->len = 0;
	w->g = yajl_gen_alloc(NULL);
	if (!w->g) {
		free(w);
		return NULL;
	}
	yajl_gen_config(w->g, yajl_gen_print_callback, print, w);
	if (flags & JSON_WRITER_PRETTY) {
		yajl_gen_config(w->g, yajl_gen_beautify, 1);
		yajl_gen_config(w->g, yajl_gen_indent_string, "  ");
	}
	return w;
}

void json_writer_free(json_writer *w)
{
	if (!w)
		return;
	yajl_gen_free(w->g);
	free(w);
}

/* The generator's answer to one call. */
static void check(struct json_writer *w, yajl_gen_status st)
{
	if (st != yajl_gen_status_ok && !w->err)
		w->err = -EINVAL;
}

void json_writer_begin_object(json_writer *w)
{
	if (!w->err)
		check(w, yajl_gen_map_open(w->g));
}

void json_writer_end_object(json_writer *w)
{
	if (!w->err)
		check(w, yajl_gen_map_close(w->g));
}

void json_writer_begin_array(json_writer *w)
{
	if (!w->err)
		check(w, yajl_gen_array_open(w->g));
}

void json_writer_end_array(json_writer *w)
{
	if (!w->err)
		check(w, yajl_gen_array_close(w->g));
}

void json_writer_string_len(json_writer *w, const char *s, size_t len)
{
	if (!w->err)
		check(w, yajl_gen_string(w->g, (const unsigned char *)s, len));
}

void json_writer_key(json_writer *w, const char *key)
{
	json_writer_string_len(w, key, strlen(key));
}

void json_writer_string(json_writer *w, const char *s)
{
	if (!s)
		json_writer_null(w);
	else
		json_writer_string_len(w, s, strlen(s));
}

void json_writer_number(json_writer *w, const char *text)
{
	if (!w->err)
		check(w, yajl_gen_number(w->g, text, strlen(text)));
}

/* Decimal digits of v ending at end (no NUL); where they start. A
 * snapshot has millions of counters: printf's parsing cost showed. */
static char *digits(uint64_t v, char *end)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

void json_writer_u64(json_writer *w, uint64_t v)
{
	char t[24];
	char *p = digits(v, t + sizeof(t));
	if (!w->err)
		check(w, yajl_gen_number(w->g, p, (size_t)(t + sizeof(t) - p)));
}

void json_writer_i64(json_writer *w, int64_t v)
{
	char t[24];
	char *p = digits(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, t + sizeof(t));
	if (v < 0)
		*--p = '-';
	if (!w->err)
		check(w, yajl_gen_number(w->g, p, (size_t)(t + sizeof(t) - p)));
}

void json_writer_double(json_writer *w, double v)
{
	if (!isfinite(v)) {
		json_writer_null(w);
		return;
	}
	/* Seventeen significant digits read back as the same double; ".0"
	 * keeps it a double for readers that type numbers by their text. */
	char t[40];
	int n = snprintf(t, sizeof(t) - 2, "%.17g", v);
	char *comma = strchr(t, ','); /* a locale's decimal comma */
	if (comma)
		*comma = '.';
	if (n > 0 && !strpbrk(t, ".eEn"))
		strcat(t, ".0");
	json_writer_number(w, t);
}

void json_writer_bool(json_writer *w, bool v)
{
	if (!w->err)
		check(w, yajl_gen_bool(w->g, v));
}

void json_writer_null(json_writer *w)
{
	if (!w->err)
		check(w, yajl_gen_null(w->g));
}

int json_writer_finish(json_writer *w)
{
	/* A complete document refuses one more value. */
	if (!w->err && yajl_gen_null(w->g) != yajl_gen_generation_complete)
		w->err = -EINVAL;
	return flush(w);
}

int json_buf_sink(void *arg, const char *text, size_t len)
{
	return buf_append(arg, text, len);
}
