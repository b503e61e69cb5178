#include "lvsd_health.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector/http_get.h"
#include "collector/keymap.h"
#include "collector/snapjson.h"
#include "collector/snapshot.h"
#include "share/clock.h"
#include "share/file.h"
#include "share/worker.h"
#include "panel_zoom.h"

int lvsd_health_merge(struct lvs_snapshot *dst, const struct lvs_snapshot *from)
{
	if (!dst || !from || !from->n_dests || !dst->n_dests)
		return 0;
	struct lvs_keymap m;
	if (keymap_init(&m, from->n_dests))
		return -ENOMEM;
	int r = 0;
	for (size_t i = 0; i < from->n_services; i++) {
		const struct lvs_service *v = &from->services[i];
		for (size_t j = 0; j < v->n_dests; j++) {
			struct lvs_key k;
			lvs_key_dest(&k, v, &v->dests[j]);
			if (keymap_put(&m, &k, (uint32_t)(&v->dests[j] - from->dests))) {
				r = -ENOMEM;
				goto out;
			}
		}
	}
	for (size_t i = 0; i < dst->n_services; i++) {
		struct lvs_service *v = &dst->services[i];
		for (size_t j = 0; j < v->n_dests; j++) {
			struct lvs_dest *d = &v->dests[j];
			struct lvs_key k;
			lvs_key_dest(&k, v, d);
			const uint32_t *idx = keymap_get(&m, &k);
			if (!idx)
				continue;
			const struct lvs_dest *f = &from->dests[*idx];
			uint32_t off = 0;
			if (snapshot_add_text(dst, snapshot_text(from, f->health_error), LVS_DEST_ERROR_MAX,
					      &off)) {
				r = -ENOMEM;
				goto out;
			}
			d->health = f->health;
			d->health_reason = f->health_reason;
			d->health_code = f->health_code;
			d->health_reason_since = f->health_reason_since;
			d->health_since = f->health_since;
			d->check_seconds = f->check_seconds;
			d->health_error = off;
			r++;
		}
	}
out:
	keymap_done(&m);
	return r;
}

/* --- lvsd.conf ---------------------------------------------------------------- */

/* Skip blanks and comments from p; returns the next significant byte. */
static const char *skip_ws(const char *p, const char *end)
{
	while (p < end) {
		if (isspace((unsigned char)*p)) {
			p++;
		} else if (*p == '#' || (*p == '/' && p + 1 < end && p[1] == '/')) {
			while (p < end && *p != '\n')
				p++;
		} else if (*p == '/' && p + 1 < end && p[1] == '*') {
			p += 2;
			while (p + 1 < end && !(p[0] == '*' && p[1] == '/'))
				p++;
			p = p + 2 < end ? p + 2 : end;
		} else {
			break;
		}
	}
	return p;
}

/* Past a quoted string starting at p (on the quote). */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end && *p != '"'; p++)
		if (*p == '\\' && p + 1 < end)
			p++;
	return p < end ? p + 1 : end;
}

int lvsd_conf_listen(const char *text, size_t len, char *out, size_t outlen)
{
	const char *p = text, *end = text + len;
	int depth = 0, exporter_depth = -1;
	char name[32] = ""; /* the last setting's name at this point */
	while ((p = skip_ws(p, end)) < end) {
		if (isalpha((unsigned char)*p) || *p == '*') {
			const char *s = p;
			while (p < end && (isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '*'))
				p++;
			snprintf(name, sizeof(name), "%.*s", (int)(p - s), s);
			continue;
		}
		if (*p == '=' || *p == ':') {
			p = skip_ws(p + 1, end);
			if (p < end && *p == '"' && depth == exporter_depth + 1 && exporter_depth >= 0 &&
			    !strcmp(name, "listen")) {
				const char *s = p + 1, *e = skip_string(p, end) - 1;
				if (e < s)
					return -ENOENT;
				if ((size_t)(e - s) >= outlen)
					return -ENAMETOOLONG;
				memcpy(out, s, (size_t)(e - s));
				out[e - s] = 0;
				return 0;
			}
			if (p < end && *p == '{' && depth == 0 && !strcmp(name, "exporter"))
				exporter_depth = depth;
			continue;
		}
		if (*p == '"') {
			p = skip_string(p, end);
		} else if (*p == '{' || *p == '(' || *p == '[') {
			depth++;
			p++;
		} else if (*p == '}' || *p == ')' || *p == ']') {
			depth--;
			if (depth == exporter_depth)
				exporter_depth = -1;
			p++;
		} else {
			p++;
		}
		name[0] = 0;
	}
	return -ENOENT;
}

int lvsd_listen_url(const char *listen, char *out, size_t len, char *err, size_t errlen)
{
	const char *colon = strrchr(listen, ':');
	if (!listen[0] || !colon || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1)) {
		snprintf(err, errlen, "exporter.listen '%.64s': expected ADDR:PORT", listen);
		return -EINVAL;
	}
	for (const char *q = listen; *q; q++)
		if (!isgraph((unsigned char)*q) || *q == '/' || *q == '?' || *q == '#') {
			snprintf(err, errlen, "exporter.listen: unexpected character in an address");
			return -EINVAL;
		}
	size_t hl = (size_t)(colon - listen);
	const char *host;
	char h[128];
	if (hl >= sizeof(h)) {
		snprintf(err, errlen, "exporter.listen: address too long");
		return -EINVAL;
	}
	memcpy(h, listen, hl);
	h[hl] = 0;
	if (!hl || !strcmp(h, "0.0.0.0") || !strcmp(h, "*"))
		host = "127.0.0.1";
	else if (!strcmp(h, "[::]") || !strcmp(h, "::"))
		host = "[::1]";
	else
		host = h;
	int n = snprintf(out, len, "http://%s:%s", host, colon + 1);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int lvsd_local_url(char *out, size_t len, bool *from_conf)
{
	*from_conf = false;
	struct lvs_buf text = LVS_BUF_INIT;
	if (!file_read(LVSD_CONF_PATH, 1 << 20, &text)) {
		char listen[160], err[128];
		int r = lvsd_conf_listen(text.p ? text.p : "", text.len, listen, sizeof(listen));
		buf_free(&text);
		if (!r && !lvsd_listen_url(listen, out, len, err, sizeof(err))) {
			*from_conf = true;
			return 0;
		}
	}
	int w = snprintf(out, len, "%s", LVSD_DEFAULT_URL);
	return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}

/* --- the watcher ---------------------------------------------------------------- */

struct lvsd_health {
	struct lvs_worker w;
	char url[REMOTE_URL_MAX + 32];  /* BASE/api/v1/snapshot */
	char name[REMOTE_URL_MAX];      /* HOST:PORT for the header */
	http_get *get;                  /* owned; the thread's: one connection kept */
	double interval;
	/* Under w's lock: */
	struct lvs_snapshot *latest;    /* owned reference: the last good answer;
					 * NULL after a failed fetch */
	bool asked;                     /* a fetch has finished */
	int err;                        /* the last fetch's error, or 0 */
	char msg[256];                  /* its sentence */
	double down_since;              /* wall clock of the first failure in a row */
};

const char *lvsd_health_cause(int err)
{
	switch (err) {
	case -ECONNREFUSED:
		return "connection refused";
	case -ETIMEDOUT:
		return "timeout";
	case -EHOSTUNREACH:
		return "no route to host";
	case -EPROTO:
		return "HTTP error";
	case -EFBIG:
		return "answer too large";
	case -EINVAL:
		return "bad answer";
	default:
		return strerror(-err);
	}
}

static int feed(void *arg, const char *buf, size_t len)
{
	return snapjson_parser_feed(arg, buf, len);
}

/* One GET and parse: 0 and *out, or a negative errno and msg. */
static int fetch(lvsd_health *h, struct lvs_snapshot **out, char *msg, size_t msglen)
{
	char perr[200] = "";
	snapjson_parser *p = snapjson_parser_new(perr, sizeof(perr));
	if (!p) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	int r = http_get_fetch(h->get, h->url, feed, p, msg, msglen);
	if (!r && (r = snapjson_parser_finish(p, out)))
		snprintf(msg, msglen, "%.120s: %.120s", h->url, perr);
	else if (r == -EINVAL && perr[0])
		snprintf(msg, msglen, "%.120s: %.120s", h->url, perr);
	snapjson_parser_free(p);
	return r;
}

static void run(struct lvs_worker *w, void *arg)
{
	lvsd_health *h = arg;
	worker_lock(w);
	while (!worker_stopping(w)) {
		worker_unlock(w);
		struct lvs_snapshot *s = NULL;
		char msg[256] = "";
		int r = fetch(h, &s, msg, sizeof(msg));
		worker_lock(w);
		snapshot_unref(h->latest);
		h->latest = r ? NULL : s;
		if (r && (!h->err || !h->asked))
			h->down_since = clock_wall_s();
		h->err = r;
		snprintf(h->msg, sizeof(h->msg), "%s", msg);
		h->asked = true;
		worker_unlock_notify(w);
		worker_lock(w);
		if (worker_stopping(w))
			break;
		worker_wait_until(w, clock_mono_ns() + (int64_t)(h->interval * 1e9));
	}
	worker_unlock(w);
}

lvsd_health *lvsd_health_new(const char *base, double interval, const struct lvs_remote_opts *o)
{
	lvsd_health *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	snprintf(h->url, sizeof(h->url), "%s/api/v1/snapshot", base);
	remote_url_name(base, h->name, sizeof(h->name));
	h->interval = interval > 0 ? interval : 2.0;
	char msg[256];
	if (!(h->get = http_get_new(o, msg, sizeof(msg)))) {
		free(h);
		return NULL;
	}
	if (worker_start(&h->w, run, h)) {
		http_get_free(h->get);
		free(h);
		return NULL;
	}
	return h;
}

void lvsd_health_free(lvsd_health *h)
{
	if (!h)
		return;
	worker_stop(&h->w);
	http_get_free(h->get);
	snapshot_unref(h->latest);
	free(h);
}

void lvsd_health_annotate(void *arg, struct lvs_snapshot *s)
{
	lvsd_health *h = arg;
	worker_lock(&h->w);
	struct lvs_snapshot *from = h->latest ? snapshot_ref(h->latest) : NULL;
	worker_unlock(&h->w);
	if (!from)
		return;
	lvsd_health_merge(s, from); /* on -ENOMEM some rows keep a dash */
	snapshot_unref(from);
}

bool lvsd_health_describe(lvsd_health *h, bool brief, char *buf, size_t len)
{
	worker_lock(&h->w);
	bool ok = h->asked && !h->err;
	if (!h->asked) {
		snprintf(buf, len, "health: asking lvsd %s", h->name);
	} else if (ok) {
		snprintf(buf, len, "health: lvsd %s", h->name);
	} else if (brief) {
		snprintf(buf, len, "health: lvsd not reachable (%s)", lvsd_health_cause(h->err));
	} else {
		char when[16];
		time_t t = (time_t)h->down_since;
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		snprintf(buf, len, "health: lvsd not reachable (%s) at %s since %s",
			 lvsd_health_cause(h->err), h->name, when);
	}
	worker_unlock(&h->w);
	return ok;
}
