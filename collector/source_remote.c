#include "source_remote.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc_bound.h"
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

/* --- the source ------------------------------------------------------------ */

struct remote_source {
	struct lvs_source base;
	http_get *get; /* owned: one connection kept across polls */
	char url[REMOTE_URL_MAX + 32]; /* base + /api/v1/snapshot */
};

static int parse_snapshot(void *p, const char *buf, size_t len)
{
	return snapjson_parser_feed(p, buf, len);
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
	struct doc_feed f = { .parse = parse_snapshot, .parser = p, .url = rs->url,
			      .what = "a snapshot", .perr = perr, .msg = msg, .msglen = msglen };
	doc_bound_init(&f.bound);
	int r = http_get_fetch(rs->get, rs->url, doc_feed_cb, &f, msg, msglen);
	struct lvs_snapshot *s = NULL;
	if (!r) {
		r = snapjson_parser_finish(p, &s);
		if (r)
			doc_feed_refused(&f, r);
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
	struct remote_source *rs = (struct remote_source *)src;
	http_get_free(rs->get);
	free(rs);
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
	if (!(rs->get = http_get_new(o, msg, msglen))) {
		free(rs);
		return NULL;
	}
	snprintf(rs->url, sizeof(rs->url), "%s/api/v1/snapshot", base);
	return &rs->base;
}
