/* An answer of lvsd's /api/v1/history (docs/history.md): rrdtool's
 * window, the data sources and the rows, read as the text arrives
 * (yajl's callbacks): neither the text nor a DOM is held, only the rows'
 * values, and no more rows than a zoom can be sent.
 * Threads: pure functions; a parser is used by one thread. */
#ifndef LVSTOP_CONSOLE_HISTORY_DOC_H
#define LVSTOP_CONSOLE_HISTORY_DOC_H

#include <stddef.h>

#define HIST_DS_MAX 16
#define HIST_DS_NAME 20

/* The largest answer that can exist for a zoom: a month (the longest
 * range) of 10 s rows (lvsd's finest default archive) is 259,200 rows;
 * HIST_ROWS_MAX leaves room above it and more rows are refused. A row's
 * text is at most a time and HIST_DS_MAX values of 24 characters each
 * with separators, so the body is bounded by HIST_BODY_MAX (about 130
 * MB, decoded) and what is held is only the rows' values: at most
 * HIST_ROWS_MAX x (HIST_DS_MAX + 1) doubles (about 41 MB; 26 MB with
 * lvsd's 10 data sources), whatever the compression ratio. */
#define HIST_ROWS_MAX 300000
#define HIST_ROW_TEXT_MAX ((HIST_DS_MAX + 1) * 26 + 4)
#define HIST_BODY_MAX ((size_t)HIST_ROWS_MAX * HIST_ROW_TEXT_MAX + (64u << 10))

/* An answer of /api/v1/history. */
struct hist_doc {
	double start, end, step; /* rrdtool's window and row length, seconds */
	int n_ds;
	char ds[HIST_DS_MAX][HIST_DS_NAME];
	size_t n;   /* rows */
	double *t;  /* owned; n times (the end of each row's step) */
	double *v;  /* owned; n x n_ds values, NaN for null (unknown) */
};

/* Parse an answer. 0; -EINVAL when it is not JSON or a field is missing
 * or of the wrong type (err names it, e.g. "rows[3][2]: expected a number
 * or null"; a row of another length than 1 + the DS count is refused, and
 * more than HIST_ROWS_MAX rows); -ENOMEM. out is empty on error. */
int history_doc_parse(const char *text, size_t len, struct hist_doc *out, char *err, size_t errlen);

/* The same parse fed in pieces as they arrive: neither the text nor a
 * DOM is held, only the rows' values. err is borrowed until
 * hist_parser_free. NULL on out of memory. */
typedef struct hist_parser hist_parser; /* opaque */
hist_parser *hist_parser_new(char *err, size_t errlen);
/* 0; -EINVAL for text that is not JSON (sticky; err says why); -ENOMEM.
 * Field errors wait for finish, as syntax errors anywhere come first. */
int hist_parser_feed(hist_parser *p, const char *buf, size_t len);
/* The end of the answer: 0 and *out (owned by the caller), or what
 * history_doc_parse returns. Call once. */
int hist_parser_finish(hist_parser *p, struct hist_doc *out);
/* NULL is ignored. */
void hist_parser_free(hist_parser *p);
void history_doc_done(struct hist_doc *d);
/* The index of data source name, or -1. */
int history_doc_ds(const struct hist_doc *d, const char *name);
/* Value of row i, data source k. */
static inline double history_doc_value(const struct hist_doc *d, size_t i, int k)
{
	return d->v[i * (size_t)d->n_ds + (size_t)k];
}

#endif
