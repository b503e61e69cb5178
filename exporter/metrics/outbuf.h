/* A growable byte buffer for building large text bodies (the /metrics
 * exposition runs to tens of megabytes) without a printf per line.
 * Out of memory is sticky: appends after a failed growth do nothing and
 * outbuf_failed() says so once at the end, so renderers check one flag
 * instead of every call. That sticky failure and the spill into a sink
 * (a body streamed through deflate) are why renderers use this and not
 * share/buf.h, whose every append reports its own -ENOMEM; plain byte
 * collecting elsewhere in lvsd uses share/buf.h.
 * Threads: one buffer, one thread. */
#ifndef LVSTOP_EXPORTER_METRICS_OUTBUF_H
#define LVSTOP_EXPORTER_METRICS_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct outbuf {
	char *data; /* owned; NUL-terminated when len > 0 and not failed */
	size_t len, cap;
	bool oom;
	/* Optional sink (outbuf_set_spill): when the buffer is full, what it
	 * holds goes there and the buffer starts over, so a body of any size
	 * passes through a buffer of spill_at bytes. */
	int (*spill)(void *arg, const char *data, size_t len); /* 0 or -errno */
	void *spill_arg;
	size_t spill_at;
};

void outbuf_init(struct outbuf *b);
/* Free the data and reset to empty. */
void outbuf_done(struct outbuf *b);
/* Empty it but keep the allocation (for reuse across renders). */
static inline void outbuf_reset(struct outbuf *b)
{
	b->len = 0;
	b->oom = false;
}

/* Stream into spill(arg, data, len) instead of growing past `at` bytes
 * (the buffer is allocated at that size now). A spill failure marks the
 * buffer failed. The last bytes stay in data: hand them over with
 * outbuf_flush. 0 or -ENOMEM. */
int outbuf_set_spill(struct outbuf *b, int (*spill)(void *arg, const char *data, size_t len),
		     void *arg, size_t at);
/* Hand what the buffer holds to its spill, if it has one. 0 or -ENOMEM
 * (the buffer failed, now or before). */
int outbuf_flush(struct outbuf *b);

/* Make room for `more` bytes past len (plus a NUL). 0 or -ENOMEM (and the
 * buffer is marked failed). */
int outbuf_reserve(struct outbuf *b, size_t more);

static inline void outbuf_put(struct outbuf *b, const char *s, size_t n)
{
	if (b->cap - b->len <= n && outbuf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = 0;
}

static inline void outbuf_puts(struct outbuf *b, const char *s)
{
	outbuf_put(b, s, strlen(s));
}

static inline void outbuf_putc(struct outbuf *b, char c)
{
	outbuf_put(b, &c, 1);
}

void outbuf_put_u64(struct outbuf *b, uint64_t v);
void outbuf_put_i64(struct outbuf *b, int64_t v);
/* A Prometheus sample value: shortest exact form for integers, %.17g
 * otherwise, NaN and +Inf/-Inf spelled the Prometheus way. */
void outbuf_put_double(struct outbuf *b, double v);
/* A label value with \, " and newline escaped (the text format's rules). */
void outbuf_put_label(struct outbuf *b, const char *s);
/* printf-style append. */
void outbuf_printf(struct outbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True when any growth failed since init/reset. */
static inline bool outbuf_failed(const struct outbuf *b)
{
	return b->oom;
}

/* Hand the data over to the caller (free() it); the buffer is empty after.
 * NULL when the buffer failed (it is freed then) or is empty. */
char *outbuf_steal(struct outbuf *b, size_t *len);

#endif
