#include "source_remote.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "snapjson.h"
#include "snapshot.h"

int remote_url_base(const char *in, char *out, size_t len, char *err, size_t errlen)
{
	if (!in || !*in) {
		snprintf(err, errlen, "empty URL");
		return -EINVAL;
	}
	for (const char *p = in; *p; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p)) {
			snprintf(err, errlen, "%s: spaces or control characters in the URL", in);
			return -EINVAL;
		}
	if (strpbrk(in, "?#")) {
		snprintf(err, errlen, "%s: give the lvsd's base URL, without a query or fragment", in);
		return -EINVAL;
	}
	const char *sep = strstr(in, "://");
	const char *host = in;
	const char *scheme = "http://";
	if (sep) {
		size_t sl = (size_t)(sep - in);
		if (sl == 4 && !strncasecmp(in, "http", 4))
			scheme = "http://";
		else if (sl == 5 && !strncasecmp(in, "https", 5))
			scheme = "https://";
		else {
			snprintf(err, errlen, "%s: only http:// and https:// are understood", in);
			return -EINVAL;
		}
		host = sep + 3;
	}
	if (!*host || *host == '/' || *host == ':') {
		snprintf(err, errlen, "%s: no host in the URL", in);
		return -EINVAL;
	}
	size_t hl = strlen(host);
	while (hl > 0 && host[hl - 1] == '/')
		hl--;
	int n = snprintf(out, len, "%s%.*s", scheme, (int)hl, host);
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "%s: URL too long", in);
		return -ENAMETOOLONG;
	}
	return 0;
}

void remote_url_name(const char *base, char *out, size_t len)
{
	if (!len)
		return;
	const char *sep = strstr(base, "://");
	const char *h = sep ? sep + 3 : base;
	size_t n = sep ? strcspn(h, "/") : strlen(h);
	snprintf(out, len, "%.*s", (int)n, h);
}

/* libcurl's global state must be set up once, before any handle, and
 * not from two threads at once. */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;
static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct get_ctx {
	CURL *h;
	int (*sink)(void *, const char *, size_t);
	void *arg;
	size_t max, got;
	int err;            /* the sink's, or -EFBIG */
	long status;        /* known at the first body chunk */
	char errbody[160];  /* the start of a non-200 body */
	size_t errlen;
};

static size_t on_body(char *buf, size_t size, size_t nmemb, void *p)
{
	struct get_ctx *c = p;
	size_t n = size * nmemb;
	if (!c->status)
		curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &c->status);
	if (c->status != 200) {
		/* Kept for the message: lvsd's 400 and 404 bodies give the reason. */
		size_t room = sizeof(c->errbody) - 1 - c->errlen;
		size_t k = n < room ? n : room;
		memcpy(c->errbody + c->errlen, buf, k);
		c->errlen += k;
		c->errbody[c->errlen] = 0;
		return n;
	}
	if (c->got + n > c->max) {
		c->err = -EFBIG;
		return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
	}
	c->got += n;
	int r = c->sink(c->arg, buf, n);
	if (r) {
		c->err = r;
		return 0;
	}
	return n;
}

/* The transfer's failure as a negative errno and one sentence. */
static int curl_error(const char *url, CURL *h, CURLcode rc, const char *detail, double timeout,
		      char *msg, size_t msglen)
{
	long oserr = 0;
	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		if (oserr == ECONNREFUSED || !oserr) {
			snprintf(msg, msglen, "%s: connection refused (is lvsd running and listening there?)", url);
			return -ECONNREFUSED;
		}
		if (oserr == ETIMEDOUT) {
			snprintf(msg, msglen, "%s: timeout connecting", url);
			return -ETIMEDOUT;
		}
		snprintf(msg, msglen, "%s: cannot connect: %s", url, strerror((int)oserr));
		return oserr == ENETUNREACH || oserr == EHOSTUNREACH ? -EHOSTUNREACH : -EIO;
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(msg, msglen, "%s: timeout (no complete answer within %g s)", url, timeout);
		return -ETIMEDOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(msg, msglen, "%s: cannot resolve the host name", url);
		return -EHOSTUNREACH;
	case CURLE_OUT_OF_MEMORY:
		snprintf(msg, msglen, "%s: out of memory", url);
		return -ENOMEM;
	default:
		snprintf(msg, msglen, "%s: %s", url, detail[0] ? detail : curl_easy_strerror(rc));
		return -EIO;
	}
}

int remote_get(const char *url, const struct lvs_remote_opts *o,
	       int (*sink)(void *arg, const char *buf, size_t len), void *arg, char *msg,
	       size_t msglen)
{
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		snprintf(msg, msglen, "libcurl: %s", curl_easy_strerror(curl_init_rc));
		return -EIO;
	}
	CURL *h = curl_easy_init();
	if (!h) {
		snprintf(msg, msglen, "%s: out of memory", url);
		return -ENOMEM;
	}
	char detail[CURL_ERROR_SIZE] = "";
	struct get_ctx c = { .h = h, .sink = sink, .arg = arg, .max = o->max_bytes };
	curl_easy_setopt(h, CURLOPT_URL, url);
	/* Worker threads: no SIGALRM for name-resolution timeouts. */
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(o->connect_timeout * 1000));
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(o->timeout * 1000));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &c);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
	/* lvsd answers gzip when asked: a snapshot shrinks about tenfold. */
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "lvstop");
	CURLcode rc = curl_easy_perform(h);
	int r = 0;
	if (c.err) {
		r = c.err;
		if (r == -EFBIG)
			snprintf(msg, msglen, "%s: the answer is larger than %zu bytes", url, o->max_bytes);
		/* else the sink wrote msg itself */
	} else if (rc != CURLE_OK) {
		r = curl_error(url, h, rc, detail, o->timeout, msg, msglen);
	} else {
		long status = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (status != 200) {
			size_t n = strcspn(c.errbody, "\r\n");
			snprintf(msg, msglen, "%s: HTTP %ld%s%.*s", url, status, n ? ": " : "", (int)n,
				 c.errbody);
			r = -EPROTO;
		}
	}
	curl_easy_cleanup(h);
	return r;
}

/* --- the source ------------------------------------------------------------ */

struct remote_source {
	struct lvs_source base;
	struct lvs_remote_opts opts;
	char url[REMOTE_URL_MAX + 32]; /* base + /api/v1/snapshot */
};

struct feed_ctx {
	snapjson_parser *p;
	char *msg;
	size_t msglen;
	const char *url;
	const char *perr; /* the parser's error text */
};

static int feed(void *arg, const char *buf, size_t len)
{
	struct feed_ctx *f = arg;
	int r = snapjson_parser_feed(f->p, buf, len);
	if (r)
		snprintf(f->msg, f->msglen, "%s: not a snapshot document: %s", f->url, f->perr);
	return r;
}

static int remote_poll(struct lvs_source *src, struct lvs_snapshot **out, char *msg, size_t msglen)
{
	struct remote_source *rs = (struct remote_source *)src;
	char perr[200] = "";
	snapjson_parser *p = snapjson_parser_new(perr, sizeof(perr));
	if (!p) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	struct feed_ctx f = { .p = p, .msg = msg, .msglen = msglen, .url = rs->url, .perr = perr };
	int r = remote_get(rs->url, &rs->opts, feed, &f, msg, msglen);
	struct lvs_snapshot *s = NULL;
	if (!r) {
		r = snapjson_parser_finish(p, &s);
		if (r)
			snprintf(msg, msglen, "%s: not a snapshot document: %s", rs->url, perr);
	}
	snapjson_parser_free(p);
	if (r)
		return r;
	/* The director's clock, not ours: rates divide its counters'
	 * increase by the time between its own polls. */
	s->mono = 0;
	*out = s;
	return 0;
}

static void remote_destroy(struct lvs_source *src)
{
	free(src);
}

static const struct lvs_source_ops remote_ops = {
	.name = "remote",
	.poll = remote_poll,
	.destroy = remote_destroy,
};

struct lvs_source *source_remote_new(const char *base, const struct lvs_remote_opts *o, char *msg,
				     size_t msglen)
{
	struct remote_source *rs = calloc(1, sizeof(*rs));
	if (!rs) {
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	rs->base.ops = &remote_ops;
	rs->opts = *o;
	snprintf(rs->url, sizeof(rs->url), "%s/api/v1/snapshot", base);
	return &rs->base;
}
