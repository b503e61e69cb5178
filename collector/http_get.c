#include "http_get.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "share/log.h"

struct http_get {
	CURL *h;
	struct lvs_remote_opts opts;
	long connects; /* of the last fetch */
	char detail[CURL_ERROR_SIZE];
};

/* libcurl's global state must be set up once, before any handle, and
 * not from two threads at once. */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;
static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

http_get *http_get_new(const struct lvs_remote_opts *o, char *msg, size_t msglen)
{
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		snprintf(msg, msglen, "libcurl: %s", curl_easy_strerror(curl_init_rc));
		return NULL;
	}
	http_get *g = calloc(1, sizeof(*g));
	if (!g || !(g->h = curl_easy_init())) {
		free(g);
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	g->opts = *o;
	CURL *h = g->h;
	/* Worker threads: no SIGALRM for name-resolution timeouts. */
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(o->connect_timeout * 1000));
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(o->timeout * 1000));
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, g->detail);
	/* lvsd answers gzip when asked: a snapshot shrinks about tenfold. */
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "lvstop");
	/* One connection kept: a poller talks to one lvsd. */
	curl_easy_setopt(h, CURLOPT_MAXCONNECTS, 1L);
	return g;
}

void http_get_free(http_get *g)
{
	if (!g)
		return;
	curl_easy_cleanup(g->h);
	free(g);
}

long http_get_connects(const http_get *g)
{
	return g->connects;
}

struct get_ctx {
	CURL *h;
	http_get_sink sink;
	void *arg;
	size_t max, got;
	int err;            /* the sink's */
	bool too_big;       /* the body passed max */
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
	if (n > c->max - c->got) {
		c->too_big = true;
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
	default: {
		/* libcurl's text may quote the peer (a bad header line). */
		char clean[CURL_ERROR_SIZE * 2];
		const char *d = detail[0] ? detail : curl_easy_strerror(rc);
		snprintf(msg, msglen, "%s: %s", url, log_clean(clean, sizeof(clean), d, strlen(d)));
		return -EIO;
	}
	}
}

int http_get_fetch(http_get *g, const char *url, http_get_sink sink, void *arg, char *msg,
		   size_t msglen)
{
	CURL *h = g->h;
	g->detail[0] = 0;
	g->connects = 0;
	struct get_ctx c = { .h = h, .sink = sink, .arg = arg, .max = g->opts.max_bytes };
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &c);
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &g->connects);
	int r = 0;
	if (c.too_big) {
		snprintf(msg, msglen, "%s: the answer is larger than %zu bytes", url, g->opts.max_bytes);
		r = -EFBIG;
	} else if (c.err) {
		r = c.err; /* the sink wrote msg itself */
	} else if (rc != CURLE_OK) {
		r = curl_error(url, h, rc, g->detail, g->opts.timeout, msg, msglen);
	} else {
		long status = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (status != 200) {
			/* The first line of lvsd's reason, and nothing a terminal
			 * or a log would act on. */
			char clean[4 * sizeof(c.errbody)];
			size_t n = strcspn(c.errbody, "\r\n");
			log_clean(clean, sizeof(clean), c.errbody, n);
			snprintf(msg, msglen, "%s: HTTP %ld%s%s", url, status, n ? ": " : "", clean);
			r = -EPROTO;
		}
	}
	/* Nothing of this request's stack may outlive it in the handle. */
	curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
	return r;
}
