#include "history_fetch.h"

#include <errno.h>
#include <json.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector/names.h"

/* --- ids and URLs -------------------------------------------------------------- */

/* inet_ntop's text with ':' as '_' (lvsd's ids hold no ':'). */
static int addr_id(uint16_t af, const union lvs_addr *a, char *buf, size_t len)
{
	if (af != AF_INET && af != AF_INET6)
		return -EINVAL;
	lvs_addr_ntop(af, a, buf, len);
	for (char *p = buf; *p; p++)
		if (*p == ':')
			*p = '_';
	return 0;
}

int history_service_id(const struct lvs_service *v, char *buf, size_t len)
{
	int n;
	if (v->fwmark) {
		n = snprintf(buf, len, "%s-%u", v->af == AF_INET6 ? "fwm6" : "fwm", v->fwmark);
	} else {
		const char *p = v->protocol == IPPROTO_TCP ? "tcp" : v->protocol == IPPROTO_UDP ? "udp"
			      : v->protocol == IPPROTO_SCTP ? "sctp" : NULL;
		char a[LVS_ADDR_STRLEN];
		if (!p || addr_id(v->af, &v->addr, a, sizeof(a)))
			return -EINVAL;
		n = snprintf(buf, len, "%s-%s-%u", p, a, v->port);
	}
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int history_dest_id(const struct lvs_dest *d, char *buf, size_t len)
{
	char a[LVS_ADDR_STRLEN];
	if (addr_id(d->af, &d->addr, a, sizeof(a)))
		return -EINVAL;
	int n = snprintf(buf, len, "%s-%u", a, d->port);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int history_url(const char *base, const struct lvs_service *v, const struct lvs_dest *d,
		const char *range, long resolution, char *out, size_t len)
{
	char sid[HIST_ID_MAX], rid[HIST_ID_MAX] = "", res[32] = "";
	int r = history_service_id(v, sid, sizeof(sid));
	if (!r && d)
		r = history_dest_id(d, rid, sizeof(rid));
	if (r)
		return r;
	if (resolution > 0)
		snprintf(res, sizeof(res), "&resolution=%lds", resolution);
	/* Ids are [a-z0-9._-] and ranges [a-z0-9]: nothing to escape. */
	int n = snprintf(out, len, "%s/api/v1/history?service=%s%s%s&range=%s%s", base, sid,
			 d ? "&real_server=" : "", rid, range, res);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/* --- parsing -------------------------------------------------------------------- */

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

static bool is_number(json_object *o)
{
	return json_object_is_type(o, json_type_int) || json_object_is_type(o, json_type_double);
}

static int bad(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int number_field(json_object *root, const char *name, double *out, char *err, size_t errlen)
{
	json_object *o;
	if (!json_object_object_get_ex(root, name, &o))
		return bad(err, errlen, "%s: missing", name);
	if (!is_number(o))
		return bad(err, errlen, "%s: expected a number", name);
	*out = json_object_get_double(o);
	return 0;
}

static int parse_root(json_object *root, struct hist_doc *out, char *err, size_t errlen)
{
	if (!json_object_is_type(root, json_type_object))
		return bad(err, errlen, "expected an object");
	int r;
	if ((r = number_field(root, "start", &out->start, err, errlen)) ||
	    (r = number_field(root, "end", &out->end, err, errlen)) ||
	    (r = number_field(root, "step", &out->step, err, errlen)))
		return r;
	if (!(out->step > 0))
		return bad(err, errlen, "step: expected a positive number");
	json_object *ds, *rows;
	if (!json_object_object_get_ex(root, "ds", &ds) || !json_object_is_type(ds, json_type_array))
		return bad(err, errlen, "ds: expected an array");
	size_t nds = json_object_array_length(ds);
	if (nds == 0 || nds > HIST_DS_MAX)
		return bad(err, errlen, "ds: expected 1 to %d names, got %zu", HIST_DS_MAX, nds);
	out->n_ds = (int)nds;
	for (size_t i = 0; i < nds; i++) {
		json_object *s = json_object_array_get_idx(ds, i);
		if (!json_object_is_type(s, json_type_string))
			return bad(err, errlen, "ds[%zu]: expected a string", i);
		snprintf(out->ds[i], HIST_DS_NAME, "%s", json_object_get_string(s));
	}
	if (!json_object_object_get_ex(root, "rows", &rows) || !json_object_is_type(rows, json_type_array))
		return bad(err, errlen, "rows: expected an array");
	size_t n = json_object_array_length(rows);
	out->t = malloc((n ? n : 1) * sizeof(double));
	out->v = malloc((n ? n : 1) * nds * sizeof(double));
	if (!out->t || !out->v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_object *row = json_object_array_get_idx(rows, i);
		if (!json_object_is_type(row, json_type_array) || json_object_array_length(row) != nds + 1)
			return bad(err, errlen, "rows[%zu]: expected [time, %zu values]", i, nds);
		json_object *t = json_object_array_get_idx(row, 0);
		if (!is_number(t))
			return bad(err, errlen, "rows[%zu][0]: expected a time", i);
		out->t[i] = json_object_get_double(t);
		for (size_t k = 0; k < nds; k++) {
			json_object *v = json_object_array_get_idx(row, k + 1);
			if (!v)
				out->v[i * nds + k] = NAN; /* JSON null */
			else if (is_number(v))
				out->v[i * nds + k] = json_object_get_double(v);
			else
				return bad(err, errlen, "rows[%zu][%zu]: expected a number or null", i, k + 1);
		}
	}
	out->n = n;
	return 0;
}

int history_doc_parse(const char *text, size_t len, struct hist_doc *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	json_object *root = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	int r = 0;
	if (!root || je != json_tokener_success) {
		r = bad(err, errlen, "not valid JSON: %s",
			je == json_tokener_continue ? "the document ends early" : json_tokener_error_desc(je));
	} else if ((size_t)json_tokener_get_parse_end(tok) < len &&
		   text[json_tokener_get_parse_end(tok)] != '\n') {
		r = bad(err, errlen, "not valid JSON: text after the document");
	} else {
		r = parse_root(root, out, err, errlen);
		if (r == -ENOMEM)
			snprintf(err, errlen, "out of memory");
	}
	json_object_put(root);
	json_tokener_free(tok);
	if (r)
		history_doc_done(out);
	return r;
}

/* --- the fetcher ------------------------------------------------------------------ */

struct hf_answer {
	char url[HIST_URL_MAX]; /* "" : none */
	int err;
	char msg[256];
	struct hist_doc doc;
	double when; /* CLOCK_MONOTONIC of the answer */
};

struct hfetch {
	http_get *get; /* owned; the helper thread's: one connection kept */
	pthread_t th;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	char pending[HIST_URL_MAX]; /* "" : nothing asked */
	char busy[HIST_URL_MAX];    /* the transfer under way, "" : none */
	struct hf_answer done;      /* finished, not yet taken by the UI (lock) */
	bool have_done;
	struct hf_answer shown;     /* UI thread only */
};

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct body {
	char *buf;
	size_t len, cap;
};

static int collect(void *arg, const char *buf, size_t len)
{
	struct body *b = arg;
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		while (cap < b->len + len + 1)
			cap *= 2;
		char *n = realloc(b->buf, cap);
		if (!n)
			return -ENOMEM;
		b->buf = n;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, buf, len);
	b->len += len;
	b->buf[b->len] = 0;
	return 0;
}

static void fetch(hfetch *h, const char *url, struct hf_answer *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->url, sizeof(a->url), "%s", url);
	struct body b = { 0 };
	a->err = http_get_fetch(h->get, url, collect, &b, a->msg, sizeof(a->msg));
	if (a->err == -ENOMEM)
		snprintf(a->msg, sizeof(a->msg), "out of memory");
	if (!a->err) {
		char perr[200];
		a->err = history_doc_parse(b.buf ? b.buf : "", b.len, &a->doc, perr, sizeof(perr));
		if (a->err)
			snprintf(a->msg, sizeof(a->msg), "%.60s: not a history document: %.150s", url, perr);
	}
	free(b.buf);
	a->when = mono_now();
}

static void *worker(void *arg)
{
	hfetch *h = arg;
	pthread_mutex_lock(&h->lock);
	while (!h->stop) {
		if (!h->pending[0]) {
			pthread_cond_wait(&h->cond, &h->lock);
			continue;
		}
		memcpy(h->busy, h->pending, sizeof(h->busy));
		h->pending[0] = 0;
		pthread_mutex_unlock(&h->lock);
		struct hf_answer *a = malloc(sizeof(*a));
		if (a)
			fetch(h, h->busy, a);
		pthread_mutex_lock(&h->lock);
		if (a) {
			if (h->have_done)
				history_doc_done(&h->done.doc); /* never taken: superseded */
			h->done = *a;
			h->have_done = true;
			free(a);
		}
		h->busy[0] = 0;
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

hfetch *hfetch_new(const struct lvs_remote_opts *o)
{
	hfetch *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	char msg[160];
	if (!(h->get = http_get_new(o, msg, sizeof(msg)))) {
		free(h);
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	if (pthread_create(&h->th, NULL, worker, h)) {
		http_get_free(h->get);
		pthread_mutex_destroy(&h->lock);
		pthread_cond_destroy(&h->cond);
		free(h);
		return NULL;
	}
	return h;
}

void hfetch_free(hfetch *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->stop = true;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->th, NULL);
	if (h->have_done)
		history_doc_done(&h->done.doc);
	history_doc_done(&h->shown.doc);
	http_get_free(h->get);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->cond);
	free(h);
}

int hfetch_request(hfetch *h, const char *url)
{
	if (strlen(url) >= HIST_URL_MAX)
		return -ENAMETOOLONG;
	pthread_mutex_lock(&h->lock);
	snprintf(h->pending, sizeof(h->pending), "%s", url);
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->lock);
	return 0;
}

enum hfetch_state hfetch_result(hfetch *h, const char *url, const struct hist_doc **doc,
				double *age, bool *loading, char *msg, size_t msglen)
{
	pthread_mutex_lock(&h->lock);
	if (h->have_done) {
		/* The finished answer replaces the shown one, here on the
		 * UI thread, so a doc handed out is never freed under it. */
		history_doc_done(&h->shown.doc);
		h->shown = h->done;
		memset(&h->done, 0, sizeof(h->done));
		h->have_done = false;
	}
	bool asked = !strcmp(h->pending, url) || !strcmp(h->busy, url);
	pthread_mutex_unlock(&h->lock);
	*loading = asked;
	*doc = NULL;
	*age = 0;
	if (strcmp(h->shown.url, url))
		return asked ? HFETCH_LOADING : HFETCH_NONE;
	*age = mono_now() - h->shown.when;
	if (h->shown.err) {
		snprintf(msg, msglen, "%s", h->shown.msg);
		return HFETCH_ERROR;
	}
	*doc = &h->shown.doc;
	return HFETCH_READY;
}
