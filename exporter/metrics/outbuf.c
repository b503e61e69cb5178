#include "outbuf.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void outbuf_init(struct outbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void outbuf_done(struct outbuf *b)
{
	free(b->data);
	outbuf_init(b);
}

int outbuf_flush(struct outbuf *b)
{
	if (b->oom)
		return -ENOMEM;
	if (b->spill && b->len) {
		if (b->spill(b->spill_arg, b->data, b->len)) {
			b->oom = true;
			return -ENOMEM;
		}
		b->len = 0;
		b->data[0] = 0;
	}
	return 0;
}

int outbuf_set_spill(struct outbuf *b, int (*spill)(void *arg, const char *data, size_t len),
		     void *arg, size_t at)
{
	b->spill = spill;
	b->spill_arg = arg;
	b->spill_at = at;
	return outbuf_reserve(b, at);
}

int outbuf_reserve(struct outbuf *b, size_t more)
{
	if (b->oom)
		return -ENOMEM;
	if (b->cap - b->len > more)
		return 0;
	if (b->spill && b->len && outbuf_flush(b))
		return -ENOMEM;
	if (b->cap - b->len > more)
		return 0;
	size_t need = b->len + more + 1;
	if (need < b->len) {
		b->oom = true;
		return -ENOMEM;
	}
	/* Grow by half again: bodies are rebuilt every poll, and a buffer
	 * reused across renders settles at its size quickly. */
	size_t cap = b->cap ? b->cap + b->cap / 2 : 4096;
	if (cap < need)
		cap = need;
	char *p = realloc(b->data, cap);
	if (!p) {
		b->oom = true;
		return -ENOMEM;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void outbuf_put_u64(struct outbuf *b, uint64_t v)
{
	char tmp[24];
	char *p = tmp + sizeof(tmp);
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	outbuf_put(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void outbuf_put_i64(struct outbuf *b, int64_t v)
{
	if (v < 0) {
		outbuf_putc(b, '-');
		outbuf_put_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		outbuf_put_u64(b, (uint64_t)v);
	}
}

void outbuf_put_double(struct outbuf *b, double v)
{
	if (isnan(v)) {
		outbuf_put(b, "NaN", 3);
	} else if (isinf(v)) {
		outbuf_puts(b, v > 0 ? "+Inf" : "-Inf");
	} else if (fabs(v) < 9e15 && v == (double)(int64_t)v) {
		/* The range first: casting a double out of int64_t's range is
		 * undefined behaviour. */
		outbuf_put_i64(b, (int64_t)v);
	} else {
		char tmp[32];
		int n = snprintf(tmp, sizeof(tmp), "%.17g", v);
		outbuf_put(b, tmp, (size_t)n);
	}
}

void outbuf_put_label(struct outbuf *b, const char *s)
{
	const char *run = s;
	for (; *s; s++) {
		const char *esc = NULL;
		switch (*s) {
		case '\\': esc = "\\\\"; break;
		case '"': esc = "\\\""; break;
		case '\n': esc = "\\n"; break;
		default: continue;
		}
		outbuf_put(b, run, (size_t)(s - run));
		outbuf_put(b, esc, 2);
		run = s + 1;
	}
	outbuf_put(b, run, (size_t)(s - run));
}

void outbuf_printf(struct outbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || outbuf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *outbuf_steal(struct outbuf *b, size_t *len)
{
	char *p = NULL;
	if (!b->oom && b->len) {
		p = b->data;
		*len = b->len;
		b->data = NULL;
	} else {
		*len = 0;
	}
	outbuf_done(b);
	return p;
}
