#include "json_writer.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PIECE 65536
#define MAX_DEPTH 128 /* containers nest at most MAX_DEPTH - 1 deep */

/* Where the writer is, per nesting level: what the next call may be. */
enum state {
	ST_START,       /* nothing written yet (level 0 only) */
	ST_MAP_START,   /* after '{': a key or the close */
	ST_MAP_KEY,     /* after a member: a key or the close */
	ST_MAP_VAL,     /* after a key: its value */
	ST_ARRAY_START, /* after '[': a value or the close */
	ST_IN_ARRAY,    /* after an element: a value or the close */
	ST_COMPLETE,    /* the document is whole (level 0 only) */
};

struct json_writer {
	json_sink sink;
	void *arg;
	int err;       /* first error, sticky */
	bool pretty;
	unsigned depth;
	unsigned char state[MAX_DEPTH];
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

/* Append text; the sink gets every piece full (PIECE bytes) but the last. */
static void put(struct json_writer *w, const char *text, size_t len)
{
	if (len <= PIECE - w->len) {
		memcpy(w->buf + w->len, text, len);
		w->len += len;
		return;
	}
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

static inline void put_c(struct json_writer *w, char c)
{
	if (w->len == PIECE && flush(w))
		return;
	w->buf[w->len++] = c;
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
	w->pretty = flags & JSON_WRITER_PRETTY;
	w->depth = 0;
	w->state[0] = ST_START;
	return w;
}

void json_writer_free(json_writer *w)
{
	free(w);
}

static void fail(struct json_writer *w)
{
	if (!w->err)
		w->err = -EINVAL;
}

/* The separator before an item at this level, and the indentation of a
 * new line (pretty). */
static void separate(struct json_writer *w)
{
	enum state st = w->state[w->depth];
	if (st == ST_MAP_KEY || st == ST_IN_ARRAY) {
		put_c(w, ',');
		if (w->pretty)
			put_c(w, '\n');
	} else if (st == ST_MAP_VAL) {
		put_c(w, ':');
		if (w->pretty)
			put_c(w, ' ');
	}
	if (w->pretty && st != ST_MAP_VAL)
		for (unsigned i = 0; i < w->depth; i++)
			put(w, "  ", 2);
}

/* The level's state after an item was written at it. */
static void appended(struct json_writer *w)
{
	unsigned char *st = &w->state[w->depth];
	switch (*st) {
	case ST_START: *st = ST_COMPLETE; break;
	case ST_MAP_START:
	case ST_MAP_KEY: *st = ST_MAP_VAL; break;
	case ST_MAP_VAL: *st = ST_MAP_KEY; break;
	case ST_ARRAY_START: *st = ST_IN_ARRAY; break;
	default: break;
	}
	if (w->pretty && *st == ST_COMPLETE)
		put_c(w, '\n');
}

/* Before a value: false (and the error set) when a value is out of place
 * here; otherwise the separator is written. */
static bool value_begins(struct json_writer *w)
{
	if (w->err)
		return false;
	enum state st = w->state[w->depth];
	if (st == ST_COMPLETE || st == ST_MAP_START || st == ST_MAP_KEY) {
		fail(w);
		return false;
	}
	separate(w);
	return true;
}

/* A value written as its text (numbers, literals). */
static void atom(struct json_writer *w, const char *text, size_t len)
{
	if (!value_begins(w))
		return;
	put(w, text, len);
	appended(w);
}

static void open_container(struct json_writer *w, enum state st, char c)
{
	if (!value_begins(w))
		return;
	if (w->depth + 1 >= MAX_DEPTH) {
		fail(w);
		return;
	}
	w->state[++w->depth] = (unsigned char)st;
	put_c(w, c);
	if (w->pretty)
		put_c(w, '\n');
}

static void close_container(struct json_writer *w, bool map, char c)
{
	if (w->err)
		return;
	enum state st = w->state[w->depth];
	bool ok = map ? st == ST_MAP_START || st == ST_MAP_KEY
		      : st == ST_ARRAY_START || st == ST_IN_ARRAY;
	if (!w->depth || !ok) {
		fail(w);
		return;
	}
	w->depth--;
	if (w->pretty)
		put_c(w, '\n');
	/* The closed container is the item of the level below. */
	unsigned char *pst = &w->state[w->depth];
	switch (*pst) {
	case ST_START: *pst = ST_COMPLETE; break;
	case ST_MAP_VAL: *pst = ST_MAP_KEY; break;
	case ST_ARRAY_START: *pst = ST_IN_ARRAY; break;
	default: break;
	}
	if (w->pretty && *pst != ST_MAP_VAL)
		for (unsigned i = 0; i < w->depth; i++)
			put(w, "  ", 2);
	put_c(w, c);
	if (w->pretty && *pst == ST_COMPLETE)
		put_c(w, '\n');
}

void json_writer_begin_object(json_writer *w)
{
	open_container(w, ST_MAP_START, '{');
}

void json_writer_end_object(json_writer *w)
{
	close_container(w, true, '}');
}

void json_writer_begin_array(json_writer *w)
{
	open_container(w, ST_ARRAY_START, '[');
}

void json_writer_end_array(json_writer *w)
{
	close_container(w, false, ']');
}

/* Bytes a JSON string cannot hold as they are: '"', '\\' and the
 * control characters. */
static const unsigned char needs_escape[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
	[0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
	[0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
	[0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
	[0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};

/* s as a JSON string: '"', '\\' and the control characters escaped
 * (\b \f \n \r \t, else \u00XX), everything else as it is. Runs that need
 * no escape are copied whole. */
static void quoted(struct json_writer *w, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	while (i < len && !needs_escape[u[i]])
		i++;
	if (i == len && len + 2 <= PIECE - w->len) {
		/* The common case: nothing to escape, room in the piece. */
		char *p = w->buf + w->len;
		*p++ = '"';
		memcpy(p, s, len);
		p[len] = '"';
		w->len += len + 2;
		return;
	}
	put_c(w, '"');
	size_t run = 0;
	for (; i < len; i++) {
		unsigned char c = u[i];
		if (!needs_escape[c])
			continue;
		put(w, s + run, i - run);
		run = i + 1;
		char e[6] = { '\\', 0 };
		size_t n = 2;
		switch (c) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		default:
			memcpy(e + 1, "u00", 3);
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			n = 6;
		}
		put(w, e, n);
	}
	put(w, s + run, len - run);
	put_c(w, '"');
}

void json_writer_string_len(json_writer *w, const char *s, size_t len)
{
	if (!value_begins(w))
		return;
	quoted(w, s, len);
	appended(w);
}

void json_writer_key(json_writer *w, const char *key)
{
	json_writer_key_len(w, key, strlen(key));
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
	atom(w, text, strlen(text));
}

/* "00" to "99": two digits per division. A snapshot has millions of
 * counters: printf's parsing cost showed, and so did a division per digit. */
static const char pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Decimal digits of v ending at end (no NUL); where they start. */
static char *digits(uint64_t v, char *end)
{
	while (v >= 100) {
		unsigned k = (unsigned)(v % 100) * 2;
		v /= 100;
		*--end = pairs[k + 1];
		*--end = pairs[k];
	}
	if (v >= 10) {
		*--end = pairs[v * 2 + 1];
		*--end = pairs[v * 2];
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

/* Decimal digits of v at p; the end. Most counters are small. */
static char *digits_at(char *p, uint64_t v)
{
	if (v < 10) {
		*p = (char)('0' + v);
		return p + 1;
	}
	if (v < 100) {
		memcpy(p, pairs + v * 2, 2);
		return p + 2;
	}
	size_t n = 3;
	for (uint64_t t = v / 1000; t; t /= 10)
		n++;
	digits(v, p + n);
	return p + n;
}

void json_writer_u64(json_writer *w, uint64_t v)
{
	char t[24];
	char *p = digits(v, t + sizeof(t));
	atom(w, p, (size_t)(t + sizeof(t) - p));
}

void json_writer_i64(json_writer *w, int64_t v)
{
	char t[24];
	char *p = digits(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, t + sizeof(t));
	if (v < 0)
		*--p = '-';
	atom(w, p, (size_t)(t + sizeof(t) - p));
}

/* Copy len bytes of s to dst; whether none of them needs an escape.
 * Words of eight (or four) bytes at a time, the last one overlapping the
 * one before; a byte below 0x20, a '"' or a '\\' is found by the borrow
 * of a subtraction (the zero-byte test: exact about whether there is one,
 * which is all this asks). Keys and addresses are short: no call to
 * memcpy or to a scan per byte. */
static bool copy_plain(char *dst, const char *s, size_t len)
{
	if (len >= 8) {
		const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
		uint64_t bad = 0;
		for (size_t i = 0;; i += 8) {
			if (i + 8 > len)
				i = len - 8;
			uint64_t x, q, b;
			memcpy(&x, s + i, 8);
			memcpy(dst + i, &x, 8);
			q = x ^ (ones * '"');
			b = x ^ (ones * '\\');
			bad |= ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b);
			if (i + 8 == len)
				return !(bad & highs);
		}
	}
	if (len >= 4) {
		const uint32_t ones = 0x01010101U, highs = 0x80808080U;
		uint32_t x, y, q, b, bad;
		memcpy(&x, s, 4);
		memcpy(&y, s + len - 4, 4);
		memcpy(dst, &x, 4);
		memcpy(dst + len - 4, &y, 4);
		q = x ^ (ones * '"');
		b = x ^ (ones * '\\');
		bad = ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b);
		q = y ^ (ones * '"');
		b = y ^ (ones * '\\');
		bad |= ((y - ones * 0x20) & ~y) | ((q - ones) & ~q) | ((b - ones) & ~b);
		return !(bad & highs);
	}
	bool ok = true;
	for (size_t i = 0; i < len; i++) {
		dst[i] = s[i];
		ok &= !needs_escape[(unsigned char)s[i]];
	}
	return ok;
}

/* ---- members: a key and its value in one call ---------------------------
 * The compact text of a member written straight into the piece, when the
 * writer is inside an object waiting for a key, is not pretty, has room
 * for the longest text the member can take, and the key needs no escape;
 * otherwise (and on any error) the calls they stand for. */

/* Where the member's text starts (after the separator and "key":), or
 * NULL when the fast path does not apply. room: the most the value may
 * take. */
static char *member_begins(struct json_writer *w, const char *key, size_t len, size_t room)
{
	enum state st = w->state[w->depth];
	if (w->pretty || w->err || (st != ST_MAP_START && st != ST_MAP_KEY) ||
	    len > PIECE || room > PIECE || len + room + 4 > PIECE - w->len)
		return NULL;
	char *p = w->buf + w->len;
	if (st == ST_MAP_KEY)
		*p++ = ',';
	*p++ = '"';
	if (!copy_plain(p, key, len))
		return NULL; /* nothing kept: w->len did not move */
	p += len;
	*p++ = '"';
	*p++ = ':';
	return p;
}

/* The member ended at p. */
static void member_ends(struct json_writer *w, char *p)
{
	w->len = (size_t)(p - w->buf);
	w->state[w->depth] = ST_MAP_KEY;
}

void json_writer_key_len(json_writer *w, const char *key, size_t len)
{
	enum state st = w->state[w->depth];
	char *p = member_begins(w, key, len, 0);
	if (p) {
		/* The value's separator is the ':'. */
		w->len = (size_t)(p - 1 - w->buf);
		w->state[w->depth] = ST_MAP_VAL;
		return;
	}
	if (w->err)
		return;
	if (st != ST_MAP_START && st != ST_MAP_KEY) {
		fail(w);
		return;
	}
	separate(w);
	quoted(w, key, len);
	w->state[w->depth] = ST_MAP_VAL;
}

void json_writer_member_u64(json_writer *w, const char *key, size_t len, uint64_t v)
{
	char *p = member_begins(w, key, len, 20);
	if (p) {
		member_ends(w, digits_at(p, v));
		return;
	}
	json_writer_key_len(w, key, len);
	json_writer_u64(w, v);
}

void json_writer_member_i64(json_writer *w, const char *key, size_t len, int64_t v)
{
	char *p = member_begins(w, key, len, 20);
	if (p) {
		if (v < 0)
			*p++ = '-';
		member_ends(w, digits_at(p, v < 0 ? 0 - (uint64_t)v : (uint64_t)v));
		return;
	}
	json_writer_key_len(w, key, len);
	json_writer_i64(w, v);
}

void json_writer_member_string_len(json_writer *w, const char *key, size_t len, const char *s,
				   size_t slen)
{
	char *p = member_begins(w, key, len, slen + 2);
	if (p) {
		*p++ = '"';
		if (copy_plain(p, s, slen)) {
			p += slen;
			*p++ = '"';
			member_ends(w, p);
			return;
		}
	}
	json_writer_key_len(w, key, len);
	json_writer_string_len(w, s, slen);
}

void json_writer_member_string(json_writer *w, const char *key, size_t len, const char *s)
{
	if (s)
		json_writer_member_string_len(w, key, len, s, strlen(s));
	else
		json_writer_member_null(w, key, len);
}

void json_writer_member_null(json_writer *w, const char *key, size_t len)
{
	char *p = member_begins(w, key, len, 4);
	if (p) {
		memcpy(p, "null", 4);
		member_ends(w, p + 4);
		return;
	}
	json_writer_key_len(w, key, len);
	json_writer_null(w);
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
	if (v)
		atom(w, "true", 4);
	else
		atom(w, "false", 5);
}

void json_writer_null(json_writer *w)
{
	atom(w, "null", 4);
}

int json_writer_finish(json_writer *w)
{
	if (!w->err && (w->depth || w->state[0] != ST_COMPLETE))
		w->err = -EINVAL;
	return flush(w);
}

int json_buf_sink(void *arg, const char *text, size_t len)
{
	return buf_append(arg, text, len);
}
