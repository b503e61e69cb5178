#include "buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct lvs_buf *b)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

int buf_reserve(struct lvs_buf *b, size_t extra)
{
	if (extra > SIZE_MAX - 1 - b->len)
		return -ENOMEM;
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	char *p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	if (!b->p)
		p[0] = 0;
	b->p = p;
	b->cap = cap;
	return 0;
}

int buf_append(struct lvs_buf *b, const void *p, size_t n)
{
	int r = buf_reserve(b, n);
	if (r)
		return r;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
	return 0;
}

int buf_puts(struct lvs_buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_vprintf(struct lvs_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	/* Try in the room there is; measure and retry once if short. */
	size_t room = b->cap > b->len ? b->cap - b->len : 0;
	int n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, aq);
	va_end(aq);
	if (n < 0) {
		if (b->p)
			b->p[b->len] = 0;
		return -EINVAL;
	}
	if ((size_t)n >= room) {
		int r = buf_reserve(b, (size_t)n);
		if (r) {
			if (b->p)
				b->p[b->len] = 0;
			return r;
		}
		va_copy(aq, ap);
		n = vsnprintf(b->p + b->len, (size_t)n + 1, fmt, aq);
		va_end(aq);
		if (n < 0) {
			b->p[b->len] = 0;
			return -EINVAL;
		}
	}
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct lvs_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

void buf_reset(struct lvs_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = 0;
}

char *buf_steal(struct lvs_buf *b, size_t *len)
{
	char *p = b->p;
	if (!p && !(p = calloc(1, 1)))
		return NULL;
	if (len)
		*len = b->len;
	buf_init(b);
	return p;
}

void buf_free(struct lvs_buf *b)
{
	free(b->p);
	buf_init(b);
}
