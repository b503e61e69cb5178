#include "history_doc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "share/vec.h"

void history_doc_done(struct hist_doc *d)
{
	free(d->t);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

int history_doc_ds(const struct hist_doc *d, const char *name)
{
	for (int i = 0; i < d->n_ds; i++)
		if (!strcmp(d->ds[i], name))
			return i;
	return -1;
}

/* The answer is read as it arrives (yajl's callbacks): no body and no DOM
 * is held, only the rows' values, at most HIST_ROWS_MAX of them. */
enum hp_key { K_OTHER, K_START, K_END, K_STEP, K_DS, K_ROWS };

struct hist_parser {
	yajl_handle y;
	char *err;
	size_t errlen;
	int jerr;            /* a syntax error: -EINVAL, sticky */
	int serr;            /* a field error or -ENOMEM: sticky, stops building */
	int depth;           /* open containers */
	bool seen_root;
	enum hp_key key;     /* the root's key whose value comes next */
	int skip;            /* depth of an ignored value being skipped, 0: none */
	bool have_start, have_end, have_step, have_ds, have_rows;
	bool in_ds, in_rows, in_row;
	size_t n_ds_seen;    /* names in "ds" (also past HIST_DS_MAX) */
	size_t row_len;      /* values in the row being read */
	size_t width;        /* values per row: n_ds + 1 once known, 0 before */
	double row[HIST_DS_MAX + 1];
	size_t cap_t, cap_v; /* doubles allocated in d.t, d.v */
	struct hist_doc d;
};

static int bad(struct hist_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct hist_parser *p, const char *fmt, ...)
{
	if (!p->serr) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->err, p->errlen, fmt, ap);
		va_end(ap);
		p->serr = -EINVAL;
	}
	return 1; /* yajl goes on: a syntax error later takes precedence */
}

static int oom(struct hist_parser *p)
{
	if (!p->serr) {
		snprintf(p->err, p->errlen, "out of memory");
		p->serr = -ENOMEM;
	}
	return 1;
}

static size_t row_width(const struct hist_parser *p)
{
	return p->have_ds ? (size_t)p->d.n_ds + 1 : p->width;
}

static int row_done(struct hist_parser *p)
{
	size_t i = p->d.n;
	size_t w = row_width(p);
	if (!w)
		w = p->width = p->row_len; /* rows before "ds": the first row decides */
	if (p->row_len != w || w < 2)
		return bad(p, "rows[%zu]: expected [time, %zu values]", i, w > 1 ? w - 1 : (size_t)p->d.n_ds);
	if (i == HIST_ROWS_MAX)
		return bad(p, "rows: more than %d rows", HIST_ROWS_MAX);
	if (vec_grow((void **)&p->d.t, &p->cap_t, i + 1, sizeof(double), 256) ||
	    vec_grow((void **)&p->d.v, &p->cap_v, (i + 1) * (w - 1), sizeof(double), 256 * (w - 1)))
		return oom(p);
	p->d.t[i] = p->row[0];
	memcpy(p->d.v + i * (w - 1), p->row + 1, (w - 1) * sizeof(double));
	p->d.n++;
	return 1;
}

/* A scalar: number (text, with its value), null, or another type. */
static int scalar(struct hist_parser *p, bool number, bool null, double v)
{
	if (p->serr || p->skip)
		return 1;
	if (p->depth == 0) {
		p->seen_root = true;
		return bad(p, "expected an object");
	}
	if (p->in_row) {
		size_t k = p->row_len;
		if (k == 0 && !number)
			return bad(p, "rows[%zu][0]: expected a time", p->d.n);
		if (!number && !null)
			return bad(p, "rows[%zu][%zu]: expected a number or null", p->d.n, k);
		if (k > HIST_DS_MAX)
			return bad(p, "rows[%zu]: expected [time, %zu values]", p->d.n,
				   row_width(p) ? row_width(p) - 1 : (size_t)HIST_DS_MAX);
		p->row[k] = number ? v : NAN;
		p->row_len++;
		return 1;
	}
	if (p->in_rows)
		return bad(p, "rows[%zu]: expected [time, %zu values]", p->d.n,
			   row_width(p) ? row_width(p) - 1 : (size_t)p->d.n_ds);
	if (p->in_ds)
		return bad(p, "ds[%zu]: expected a string", p->n_ds_seen);
	if (p->depth == 1) {
		enum hp_key k = p->key;
		p->key = K_OTHER;
		double *f = k == K_START ? &p->d.start : k == K_END ? &p->d.end : k == K_STEP ? &p->d.step : NULL;
		const char *name = k == K_START ? "start" : k == K_END ? "end" : k == K_STEP ? "step" : NULL;
		if (k == K_DS)
			return bad(p, "ds: expected an array");
		if (k == K_ROWS)
			return bad(p, "rows: expected an array");
		if (!f)
			return 1;
		if (!number)
			return bad(p, "%s: expected a number", name);
		*f = v;
		if (k == K_START)
			p->have_start = true;
		else if (k == K_END)
			p->have_end = true;
		else
			p->have_step = true;
	}
	return 1;
}

static int y_null(void *ctx)
{
	return scalar(ctx, false, true, 0);
}

static int y_bool(void *ctx, int b)
{
	(void)b;
	return scalar(ctx, false, false, 0);
}

static int y_number(void *ctx, const char *t, size_t n)
{
	char buf[64];
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1; /* more digits change nothing a chart shows */
	memcpy(buf, t, n);
	buf[n] = 0;
	return scalar(ctx, true, false, strtod(buf, NULL));
}

static int y_string(void *ctx, const unsigned char *t, size_t n)
{
	struct hist_parser *p = ctx;
	if (!p->serr && !p->skip && p->in_ds && p->depth == 2) {
		if (p->n_ds_seen < HIST_DS_MAX)
			snprintf(p->d.ds[p->n_ds_seen], HIST_DS_NAME, "%.*s", (int)n, (const char *)t);
		p->n_ds_seen++;
		return 1;
	}
	return scalar(p, false, false, 0);
}

static int y_key(void *ctx, const unsigned char *k, size_t n)
{
	struct hist_parser *p = ctx;
	if (p->depth != 1 || p->skip)
		return 1;
#define IS(w) (n == sizeof(w) - 1 && !memcmp(k, w, n))
	p->key = IS("start") ? K_START : IS("end") ? K_END : IS("step") ? K_STEP : IS("ds") ? K_DS
	       : IS("rows") ? K_ROWS : K_OTHER;
#undef IS
	return 1;
}

/* An object or an array opens. */
static int open_value(struct hist_parser *p, bool array)
{
	p->depth++;
	if (p->serr)
		return 1;
	if (p->skip)
		return 1;
	if (p->depth == 1) {
		p->seen_root = true;
		return array ? bad(p, "expected an object") : 1;
	}
	if (p->depth == 2) {
		enum hp_key k = p->key;
		p->key = K_OTHER;
		if (k == K_DS && array) {
			p->in_ds = true;
			p->n_ds_seen = 0;
			return 1;
		}
		if (k == K_ROWS && array) {
			p->in_rows = true;
			p->have_rows = true;
			return 1;
		}
		if (k == K_DS)
			return bad(p, "ds: expected an array");
		if (k == K_ROWS)
			return bad(p, "rows: expected an array");
		if (k != K_OTHER)
			return bad(p, "%s: expected a number", k == K_START ? "start" : k == K_END ? "end" : "step");
		p->skip = p->depth; /* a field lvstop does not read */
		return 1;
	}
	if (p->in_ds)
		return bad(p, "ds[%zu]: expected a string", p->n_ds_seen);
	if (p->in_rows && p->depth == 3 && array) {
		p->in_row = true;
		p->row_len = 0;
		return 1;
	}
	if (p->in_rows && p->depth == 3)
		return bad(p, "rows[%zu]: expected [time, %zu values]", p->d.n,
			   row_width(p) ? row_width(p) - 1 : (size_t)p->d.n_ds);
	if (p->in_row)
		return bad(p, p->row_len ? "rows[%zu][%zu]: expected a number or null" : "rows[%zu][%zu]: expected a time",
			   p->d.n, p->row_len);
	return 1;
}

static int close_value(struct hist_parser *p)
{
	int d = p->depth--;
	if (p->serr)
		return 1;
	if (p->skip) {
		if (p->skip == d)
			p->skip = 0;
		return 1;
	}
	if (p->in_row && d == 3) {
		p->in_row = false;
		return row_done(p);
	}
	if (p->in_rows && d == 2) {
		p->in_rows = false;
		return 1;
	}
	if (p->in_ds && d == 2) {
		p->in_ds = false;
		if (p->n_ds_seen == 0 || p->n_ds_seen > HIST_DS_MAX)
			return bad(p, "ds: expected 1 to %d names, got %zu", HIST_DS_MAX, p->n_ds_seen);
		p->d.n_ds = (int)p->n_ds_seen;
		p->have_ds = true;
		if (p->width && p->width != p->n_ds_seen + 1)
			return bad(p, "rows[0]: expected [time, %zu values]", p->n_ds_seen);
		return 1;
	}
	return 1;
}

static int y_start_map(void *ctx)
{
	return open_value(ctx, false);
}

static int y_start_array(void *ctx)
{
	return open_value(ctx, true);
}

static int y_end(void *ctx)
{
	return close_value(ctx);
}

static const yajl_callbacks hist_callbacks = {
	.yajl_null = y_null,
	.yajl_boolean = y_bool,
	.yajl_number = y_number,
	.yajl_string = y_string,
	.yajl_start_map = y_start_map,
	.yajl_map_key = y_key,
	.yajl_end_map = y_end,
	.yajl_start_array = y_start_array,
	.yajl_end_array = y_end,
};

hist_parser *hist_parser_new(char *err, size_t errlen)
{
	hist_parser *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->err = err;
	p->errlen = errlen;
	if (errlen)
		err[0] = 0;
	if (!(p->y = yajl_alloc(&hist_callbacks, NULL, p))) {
		free(p);
		return NULL;
	}
	/* A newline after the document is lvsd's; anything else is refused. */
	return p;
}

void hist_parser_free(hist_parser *p)
{
	if (!p)
		return;
	yajl_free(p->y);
	history_doc_done(&p->d);
	free(p);
}

static void syntax(hist_parser *p, const unsigned char *txt, size_t len)
{
	if (p->depth == 0 && p->seen_root) {
		snprintf(p->err, p->errlen, "not valid JSON: text after the document");
	} else if (!txt) {
		snprintf(p->err, p->errlen, "not valid JSON: %s",
			 p->seen_root ? "the document ends early" : "no document");
	} else {
		unsigned char *e = yajl_get_error(p->y, 0, txt, len);
		char why[96] = "syntax error";
		if (e) {
			/* yajl says "parse error: invalid object key\n": keep the reason. */
			const char *w = strstr((const char *)e, "error: ");
			snprintf(why, sizeof(why), "%s", w ? w + 7 : (const char *)e);
			why[strcspn(why, "\n")] = 0;
			yajl_free_error(p->y, e);
		}
		snprintf(p->err, p->errlen, "not valid JSON: %s", why);
	}
	p->jerr = -EINVAL;
}

int hist_parser_feed(hist_parser *p, const char *buf, size_t len)
{
	if (p->jerr)
		return p->jerr;
	if (len && yajl_parse(p->y, (const unsigned char *)buf, len) != yajl_status_ok)
		syntax(p, (const unsigned char *)buf, len);
	return p->jerr ? p->jerr : p->serr == -ENOMEM ? -ENOMEM : 0;
}

int hist_parser_finish(hist_parser *p, struct hist_doc *out)
{
	memset(out, 0, sizeof(*out));
	if (!p->jerr && yajl_complete_parse(p->y) != yajl_status_ok)
		syntax(p, NULL, 0);
	if (p->jerr)
		return p->jerr;
	if (p->serr)
		return p->serr;
	const char *missing = !p->have_start ? "start" : !p->have_end ? "end" : !p->have_step ? "step" : NULL;
	if (missing) {
		snprintf(p->err, p->errlen, "%s: missing", missing);
		return -EINVAL;
	}
	if (!(p->d.step > 0)) {
		snprintf(p->err, p->errlen, "step: expected a positive number");
		return -EINVAL;
	}
	if (!p->have_ds) {
		snprintf(p->err, p->errlen, "ds: expected an array");
		return -EINVAL;
	}
	if (!p->have_rows) {
		snprintf(p->err, p->errlen, "rows: expected an array");
		return -EINVAL;
	}
	*out = p->d;
	memset(&p->d, 0, sizeof(p->d));
	return 0;
}

int history_doc_parse(const char *text, size_t len, struct hist_doc *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	hist_parser *p = hist_parser_new(err, errlen);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int r = hist_parser_feed(p, text, len);
	if (!r || r == -EINVAL) /* finish says which error comes first */
		r = hist_parser_finish(p, out);
	hist_parser_free(p);
	return r;
}

