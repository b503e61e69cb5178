#include "doc_bound.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "share/log.h"

void doc_bound_init(struct doc_bound *b)
{
	memset(b, 0, sizeof(*b));
	b->gap = true; /* before the root: whitespace the reader skips */
}

void doc_bound_init_tokens(struct doc_bound *b)
{
	doc_bound_init(b);
	b->tokens_only = true;
}

static bool key_is(const struct doc_bound *b, const char *want)
{
	size_t n = strlen(want);
	return b->key_len == n && !memcmp(b->key, want, n);
}

/* Between values where bytes are not held: outside the root, or directly
 * inside an exempt array. */
static bool at_gap_level(const struct doc_bound *b)
{
	return b->depth == 0 || b->st[b->depth - 1].exempt;
}

static int check(struct doc_bound *b, char *err, size_t errlen);

/* A value starts here: the separators before it are measured. */
static int value_begin(struct doc_bound *b, char *err, size_t errlen)
{
	int r = b->gap ? check(b, err, errlen) : 0;
	b->gap = false;
	return r;
}

/* A value ended just before offset at. */
static void value_end(struct doc_bound *b, size_t at)
{
	if (at_gap_level(b)) {
		b->gap = true;
		b->gap_start = at;
	}
}

static const char *piece_name(int i)
{
	return i == 0 ? "the document's root (without its services)"
	     : i == 2 ? "a service (without its real servers)"
	     : i == 4 ? "a real server" : "a value";
}

static int fail(struct doc_bound *b, int r, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s is larger than %u bytes (at byte %zu): not lvsd's answer", what,
		 DOC_BOUND_PIECE, b->pos);
	b->err = r;
	return r;
}

/* Every piece held whole, measured at b->pos. */
static int check(struct doc_bound *b, char *err, size_t errlen)
{
	size_t pos = b->pos;
	if ((b->in_str || b->bare) && pos - b->tok_start > DOC_BOUND_PIECE)
		return fail(b, -EFBIG, err, errlen, b->in_str ? "a string" : "a number");
	if (b->tokens_only)
		return 0;
	if (b->gap && pos - b->gap_start > DOC_BOUND_PIECE)
		return fail(b, -EFBIG, err, errlen, "the space between two values");
	for (int i = 0; i < b->depth; i++) {
		if (i && !b->st[i - 1].exempt)
			continue; /* inside a piece counted below it */
		size_t n = pos - b->st[i].start - b->st[i].excluded;
		if (i + 1 < b->depth && b->st[i + 1].exempt)
			n -= pos - b->st[i + 1].start;
		if (n > DOC_BOUND_PIECE)
			return fail(b, -EFBIG, err, errlen, piece_name(i));
	}
	return 0;
}

static int step(struct doc_bound *b, char c, char *err, size_t errlen)
{
	size_t at = b->pos;
	if (b->in_str) {
		if (b->esc) {
			b->esc = false;
		} else if (c == '\\') {
			b->esc = true;
		} else if (c == '"') {
			int r = check(b, err, errlen); /* the whole string */
			b->in_str = false;
			value_end(b, at + 1);
			return r;
		}
		if (b->key_len < sizeof(b->key))
			b->key[b->key_len] = c;
		b->key_len++;
		return 0;
	}
	if (b->bare) {
		if (!strchr(",]}: \t\r\n", c))
			return 0;
		int r = check(b, err, errlen); /* the whole token */
		b->bare = false;
		value_end(b, at);
		if (r)
			return r;
	}
	bool colon = false;
	switch (c) {
	case ' ':
	case '\t':
	case '\r':
	case '\n':
		return 0;
	case '"':
		if (value_begin(b, err, errlen))
			return b->err;
		b->in_str = true;
		b->tok_start = at;
		b->key_len = 0;
		break;
	case '{':
	case '[': {
		if (b->depth == DOC_BOUND_DEPTH) {
			snprintf(err, errlen, "nested deeper than %d (at byte %zu): not lvsd's answer",
				 DOC_BOUND_DEPTH, at);
			return b->err = -EINVAL;
		}
		if (value_begin(b, err, errlen))
			return b->err;
		/* The two arrays the reader streams: the root's "services"
		 * and a service's "real_servers". */
		bool exempt = c == '[' && b->after_colon &&
			      ((b->depth == 1 && !b->st[0].array && key_is(b, "services")) ||
			       (b->depth == 3 && b->st[1].exempt && !b->st[2].array && key_is(b, "real_servers")));
		b->st[b->depth].start = at;
		b->st[b->depth].excluded = 0;
		b->st[b->depth].array = c == '[';
		b->st[b->depth].exempt = exempt;
		b->depth++;
		if (exempt) {
			b->gap = true;
			b->gap_start = at + 1;
		}
		break;
	}
	case '}':
	case ']':
		if (b->depth == 0)
			break; /* the reader's error */
		if (check(b, err, errlen)) /* the whole container */
			return b->err;
		b->depth--;
		if (b->st[b->depth].exempt && b->depth > 0)
			b->st[b->depth - 1].excluded += at + 1 - b->st[b->depth].start;
		value_end(b, at + 1);
		break;
	case ':':
		colon = true;
		break;
	case ',':
		break;
	default:
		if (value_begin(b, err, errlen))
			return b->err;
		b->bare = true;
		b->tok_start = at;
		break;
	}
	b->after_colon = colon;
	return 0;
}

int doc_bound_feed(struct doc_bound *b, const char *buf, size_t len, char *err, size_t errlen)
{
	if (b->err)
		return b->err;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		int r = 0;
		/* Most bytes are inside strings and numbers: no state changes. */
		if (b->in_str && !b->esc && c != '"' && c != '\\') {
			if (b->key_len < sizeof(b->key))
				b->key[b->key_len] = c;
			b->key_len++;
		} else if (!(b->bare && ((c >= '0' && c <= '9') || c == '.' || c == '-' || c == 'e'))) {
			r = step(b, c, err, errlen);
		}
		b->pos++;
		if (r)
			return r;
		/* Often enough that the reader never sees more than a few KiB
		 * past the bound. */
		if (!(b->pos & 4095) && (r = check(b, err, errlen)))
			return r;
	}
	return check(b, err, errlen);
}

int doc_feed_cb(void *arg, const char *buf, size_t len)
{
	struct doc_feed *f = arg;
	char berr[160];
	int r = doc_bound_feed(&f->bound, buf, len, berr, sizeof(berr));
	if (r) {
		snprintf(f->msg, f->msglen, "%.80s: %s", f->url, berr);
		return r;
	}
	r = f->parse(f->parser, buf, len);
	if (r)
		doc_feed_refused(f, r);
	return r;
}

void doc_feed_refused(const struct doc_feed *f, int r)
{
	if (r == -ENOMEM) {
		snprintf(f->msg, f->msglen, "out of memory");
		return;
	}
	char clean[4 * 200];
	snprintf(f->msg, f->msglen, "%.80s: not %s document: %.150s", f->url, f->what,
		 log_clean(clean, sizeof(clean), f->perr, strlen(f->perr)));
}
