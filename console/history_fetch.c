#include "history_fetch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/doc_bound.h"
#include "collector/names.h"
#include "share/clock.h"
#include "share/worker.h"

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
	struct lvs_worker w; /* its lock guards pending, busy, done, have_done */
	char pending[HIST_URL_MAX]; /* "" : nothing asked */
	char busy[HIST_URL_MAX];    /* the transfer under way, "" : none */
	struct hf_answer done;      /* finished, not yet taken by the UI (lock) */
	bool have_done;
	struct hf_answer shown;     /* UI thread only */
};

static int parse_history(void *p, const char *buf, size_t len)
{
	return hist_parser_feed(p, buf, len);
}

static void fetch(hfetch *h, const char *url, struct hf_answer *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->url, sizeof(a->url), "%s", url);
	char perr[200] = "";
	hist_parser *p = hist_parser_new(perr, sizeof(perr));
	if (!p) {
		a->err = -ENOMEM;
		snprintf(a->msg, sizeof(a->msg), "out of memory");
	} else {
		/* yajl buffers a string or number whole: bounded before it sees one. */
		struct doc_feed f = { .parse = parse_history, .parser = p, .url = url,
				      .what = "a history", .perr = perr,
				      .msg = a->msg, .msglen = sizeof(a->msg) };
		doc_bound_init_tokens(&f.bound);
		a->err = http_get_fetch(h->get, url, doc_feed_cb, &f, a->msg, sizeof(a->msg));
		if (a->err == -ENOMEM)
			snprintf(a->msg, sizeof(a->msg), "out of memory");
		if (!a->err) {
			a->err = hist_parser_finish(p, &a->doc);
			if (a->err)
				doc_feed_refused(&f, a->err);
		}
		hist_parser_free(p);
	}
	a->when = clock_mono_s();
}

static void work(struct lvs_worker *w, void *arg)
{
	hfetch *h = arg;
	worker_lock(w);
	while (!worker_stopping(w)) {
		if (!h->pending[0]) {
			worker_wait(w);
			continue;
		}
		memcpy(h->busy, h->pending, sizeof(h->busy));
		h->pending[0] = 0;
		worker_unlock(w);
		struct hf_answer *a = malloc(sizeof(*a));
		if (a)
			fetch(h, h->busy, a);
		worker_lock(w);
		h->busy[0] = 0; /* before the owner is woken: no longer loading */
		if (a) {
			if (h->have_done)
				history_doc_done(&h->done.doc); /* never taken: superseded */
			h->done = *a;
			h->have_done = true;
			free(a);
			worker_unlock_notify(w);
			worker_lock(w);
		}
	}
	worker_unlock(w);
}

hfetch *hfetch_new(const struct lvs_remote_opts *o)
{
	hfetch *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	struct lvs_remote_opts ro = *o;
	if (ro.max_bytes > HIST_BODY_MAX)
		ro.max_bytes = HIST_BODY_MAX;
	char msg[160];
	if (!(h->get = http_get_new(&ro, msg, sizeof(msg)))) {
		free(h);
		return NULL;
	}
	if (worker_start(&h->w, work, h)) {
		http_get_free(h->get);
		free(h);
		return NULL;
	}
	return h;
}

void hfetch_free(hfetch *h)
{
	if (!h)
		return;
	worker_stop(&h->w);
	if (h->have_done)
		history_doc_done(&h->done.doc);
	history_doc_done(&h->shown.doc);
	http_get_free(h->get);
	free(h);
}

int hfetch_fd(const hfetch *h)
{
	return worker_fd(&h->w);
}

int hfetch_request(hfetch *h, const char *url)
{
	if (strlen(url) >= HIST_URL_MAX)
		return -ENAMETOOLONG;
	worker_lock(&h->w);
	snprintf(h->pending, sizeof(h->pending), "%s", url);
	worker_post(&h->w);
	worker_unlock(&h->w);
	return 0;
}

enum hfetch_state hfetch_result(hfetch *h, const char *url, const struct hist_doc **doc,
				double *age, bool *loading, char *msg, size_t msglen)
{
	worker_drain(&h->w);
	worker_lock(&h->w);
	if (h->have_done) {
		/* The finished answer replaces the shown one, here on the
		 * UI thread, so a doc handed out is never freed under it. */
		history_doc_done(&h->shown.doc);
		h->shown = h->done;
		memset(&h->done, 0, sizeof(h->done));
		h->have_done = false;
	}
	bool asked = !strcmp(h->pending, url) || !strcmp(h->busy, url);
	worker_unlock(&h->w);
	*loading = asked;
	*doc = NULL;
	*age = 0;
	if (strcmp(h->shown.url, url))
		return asked ? HFETCH_LOADING : HFETCH_NONE;
	*age = clock_mono_s() - h->shown.when;
	if (h->shown.err) {
		snprintf(msg, msglen, "%s", h->shown.msg);
		return HFETCH_ERROR;
	}
	*doc = &h->shown.doc;
	return HFETCH_READY;
}
