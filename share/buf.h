/* A growable byte buffer: text or bytes appended at the end, always kept
 * NUL-terminated once anything was appended, so b->p can be used as a C
 * string. Embedded (buf_init/buf_free); no locking (one owner at a time).
 * Every growing call either succeeds or leaves the buffer as it was and
 * returns -ENOMEM. */
#ifndef LVSTOP_SHARE_BUF_H
#define LVSTOP_SHARE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct lvs_buf {
	char *p;    /* owned; NULL until the first growth */
	size_t len; /* bytes held, not counting the NUL */
	size_t cap; /* bytes allocated (len + 1 <= cap once p is set) */
};

#define LVS_BUF_INIT { NULL, 0, 0 }

void buf_init(struct lvs_buf *b);
/* Room for at least extra more bytes (and the NUL) without another
 * allocation. 0 or -ENOMEM (also when the size would overflow). */
int buf_reserve(struct lvs_buf *b, size_t extra);
/* Append n bytes (may contain NULs). 0 or -ENOMEM. */
int buf_append(struct lvs_buf *b, const void *p, size_t n);
/* Append a C string. 0 or -ENOMEM. */
int buf_puts(struct lvs_buf *b, const char *s);
/* Append formatted text. 0, -ENOMEM, or -EINVAL when the format itself
 * fails (vsnprintf < 0). On error the buffer is as it was. */
int buf_printf(struct lvs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct lvs_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Forget the contents, keep the memory. */
void buf_reset(struct lvs_buf *b);
/* Take the contents: a NUL-terminated malloc'd block the caller frees
 * (a fresh "" when nothing was appended), *len its length if len is not
 * NULL. The buffer is left empty (as after buf_init). NULL on -ENOMEM
 * (only possible when nothing was appended; the buffer is unchanged). */
char *buf_steal(struct lvs_buf *b, size_t *len);
/* Free the memory and leave the buffer empty. */
void buf_free(struct lvs_buf *b);

#endif
