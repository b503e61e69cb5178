/* HTTP check: a GET (or a raw request) over a fresh connection, judged by
 * the status and, when asked, a text the body must contain. The response
 * is read as a stream (any split of the bytes) and never kept whole. The
 * request, the reader and the checks of the spec are shared with https.c. */
#include "health_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

/* Header text must not break the request it goes into. */
static bool header_safe(const char *s)
{
	return !strpbrk(s, "\r\n");
}

static int bad(char *msg, size_t len, const char *text)
{
	if (msg && len)
		snprintf(msg, len, "%s", text);
	return -EINVAL;
}

int hc_http_check(const struct lvs_check_spec *s, char *msg, size_t len)
{
	if (s->http_request) {
		if (!*s->http_request)
			return bad(msg, len, "the HTTP request is empty");
		return 0;
	}
	if (s->http_path && (s->http_path[0] != '/' || strpbrk(s->http_path, " \t\r\n"))) {
		if (msg && len)
			snprintf(msg, len, "HTTP path \"%s\" must start with / and hold no blanks",
			         s->http_path);
		return -EINVAL;
	}
	if (s->http_host && (!*s->http_host || !header_safe(s->http_host)))
		return bad(msg, len, "HTTP host must be one non-empty line");
	if (s->http_status && (s->http_status < 100 || s->http_status > 599)) {
		if (msg && len)
			snprintf(msg, len, "HTTP status %d is not between 100 and 599", s->http_status);
		return -EINVAL;
	}
	if (s->http_expect && !*s->http_expect)
		return bad(msg, len, "the expected HTTP body text is empty");
	return 0;
}

/* KMP failure table: lets the body search run over any split of reads
 * without keeping the body. */
static uint32_t *kmp_table(const char *pat, uint32_t m)
{
	uint32_t *f = malloc(m * sizeof(*f));
	if (!f)
		return NULL;
	f[0] = 0;
	for (uint32_t i = 1, k = 0; i < m; i++) {
		while (k && pat[i] != pat[k])
			k = f[k - 1];
		if (pat[i] == pat[k])
			k++;
		f[i] = k;
	}
	return f;
}

int hc_http_tmpl_prepare(struct hc_tmpl *t)
{
	const struct lvs_check_spec *s = &t->spec;
	if (s->http_expect) {
		t->expect_len = (uint32_t)strlen(s->http_expect);
		if (!(t->kmp = kmp_table(s->http_expect, t->expect_len)))
			return -ENOMEM;
	}
	return 0;
}

void hc_http_tmpl_release(struct hc_tmpl *t)
{
	free(t->kmp);
	t->kmp = NULL;
}

int hc_http_prepare(struct hc_probe *p)
{
	const struct lvs_check_spec *s = &p->io->spec;
	if (s->http_request) {
		p->io->req = strdup(s->http_request);
		p->io->req_len = p->io->req ? strlen(p->io->req) : 0;
	} else {
		/* the default port of the scheme goes unsaid */
		uint16_t dflt = s->type == LVS_CHECK_HTTPS ? 443 : 80;
		char host[80];
		if (s->http_host)
			host[0] = 0;
		else if (s->target_af == AF_INET6)
			snprintf(host, sizeof(host), s->target_port == dflt ? "[%s]" : "[%s]:%s",
			         p->io->arg_addr, p->io->arg_port);
		else
			snprintf(host, sizeof(host), s->target_port == dflt ? "%s" : "%s:%s",
			         p->io->arg_addr, p->io->arg_port);
		int n = asprintf(&p->io->req,
		                 "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: lvsd health check\r\n"
		                 "Accept: */*\r\nConnection: close\r\n\r\n",
		                 s->http_path, s->http_host ? s->http_host : host);
		if (n < 0)
			p->io->req = NULL;
		p->io->req_len = n < 0 ? 0 : (size_t)n;
	}
	return p->io->req ? 0 : -ENOMEM;
}

void hc_http_release(struct hc_probe *p)
{
	free(p->io->req);
	p->io->req = NULL;
}

int hc_http_feed(struct hc_probe *p, const char *b, size_t n, unsigned *reason, unsigned *code,
                 char *err, size_t elen)
{
	struct hc_http *x = &p->io->http;
	const struct lvs_check_spec *s = &p->io->spec;
	for (size_t i = 0; i < n; i++) {
		char c = b[i];
		if (x->part == 0) {
			if (c != '\n') {
				if (x->line_len < sizeof(x->line) - 1)
					x->line[x->line_len++] = c;
				continue;
			}
			x->line[x->line_len] = 0;
			const char *sp = strchr(x->line, ' ');
			if (strncmp(x->line, "HTTP/", 5) != 0 || !sp || sp[1] < '1' || sp[1] > '5' ||
			    sp[2] < '0' || sp[2] > '9' || sp[3] < '0' || sp[3] > '9') {
				*reason = LVS_HR_BAD_RESPONSE;
				snprintf(err, elen, "bad HTTP status line");
				return -1;
			}
			x->status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
			if (s->http_status ? x->status != s->http_status
			                   : (x->status < 200 || x->status > 299)) {
				*reason = LVS_HR_HTTP_STATUS;
				*code = (unsigned)x->status;
				if (s->http_status)
					snprintf(err, elen, "HTTP %d, expected %d", x->status, s->http_status);
				else
					snprintf(err, elen, "HTTP %d, expected 2xx", x->status);
				return -1;
			}
			if (!p->t->expect_len)
				return 1;
			x->part = 1;
			x->hdr_state = 1;
		} else if (x->part == 1) {
			if (c == '\n') {
				if (x->hdr_state)
					x->part = 2;
				else
					x->hdr_state = 1;
			} else if (c == '\r') {
				if (x->hdr_state == 1)
					x->hdr_state = 2;
			} else {
				x->hdr_state = 0;
			}
		} else {
			const char *e = s->http_expect;
			while (x->matched && e[x->matched] != c)
				x->matched = p->t->kmp[x->matched - 1];
			if (e[x->matched] == c && ++x->matched == p->t->expect_len)
				return 1;
		}
	}
	return 0;
}

void hc_http_eof(struct lvs_health_engine *h, struct hc_probe *p)
{
	if (p->io->http.part == 0)
		hc_finish(h, p, false, LVS_HR_BAD_RESPONSE, 0, "closed before the HTTP status line");
	else
		hc_finish(h, p, false, LVS_HR_EXPECT, 0, "body lacks \"%s\"", p->io->spec.http_expect);
}

void hc_http_expire(struct lvs_health_engine *h, struct hc_probe *p, int64_t now)
{
	(void)now;
	static const unsigned by_step[] = {
		[HC_STEP_CONNECT] = LVS_HR_TIMEOUT_CONNECT,
		[HC_STEP_SEND] = LVS_HR_TIMEOUT_SEND,
		[HC_STEP_RECV] = LVS_HR_TIMEOUT_RESPONSE,
		[HC_STEP_HANDSHAKE] = LVS_HR_TIMEOUT_TLS,
	};
	uint8_t step = p->io->step;
	hc_timeout(h, p, step <= HC_STEP_HANDSHAKE ? by_step[step] : LVS_HR_TIMEOUT_RESPONSE);
}

static void http_send(struct lvs_health_engine *h, struct hc_probe *p)
{
	p->io->step = HC_STEP_SEND;
	struct hc_io *io = p->io;
	while (io->sent < io->req_len) {
		ssize_t n = send(io->fd, io->req + io->sent, io->req_len - io->sent, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				int e = hc_ep_want(h, p, EPOLLOUT);
				if (e < 0)
					hc_finish(h, p, false, LVS_HR_LOCAL, 0, "epoll: %s", strerror(-e));
				return;
			}
			hc_fail_errno(h, p, "send", errno);
			return;
		}
		p->io->sent += (size_t)n;
	}
	p->io->step = HC_STEP_RECV;
	int e = hc_ep_want(h, p, EPOLLIN);
	if (e < 0)
		hc_finish(h, p, false, LVS_HR_LOCAL, 0, "epoll: %s", strerror(-e));
}

static void http_recv(struct lvs_health_engine *h, struct hc_probe *p)
{
	ssize_t n = recv(p->io->fd, h->scratch, HC_SCRATCH, 0);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			hc_fail_errno(h, p, "recv", errno);
		return;
	}
	if (n == 0) {
		hc_http_eof(h, p);
		return;
	}
	char err[LVS_HEALTH_ERROR_MAX];
	unsigned reason = LVS_HR_NONE, code = 0;
	int v = hc_http_feed(p, h->scratch, (size_t)n, &reason, &code, err, sizeof(err));
	if (v > 0)
		hc_finish(h, p, true, LVS_HR_NONE, 0, NULL);
	else if (v < 0)
		hc_finish(h, p, false, reason, code, "%s", err);
}

static void http_start(struct lvs_health_engine *h, struct hc_probe *p)
{
	hc_stream_start(h, p, http_send);
}

static void http_io(struct lvs_health_engine *h, struct hc_probe *p, uint32_t events)
{
	if (p->io->step == HC_STEP_CONNECT) {
		if (hc_stream_connect_io(h, p, events) <= 0)
			return;
		http_send(h, p);
	} else if (p->io->step == HC_STEP_SEND) {
		http_send(h, p);
	} else {
		http_recv(h, p);
	}
}

const struct hc_kind hc_kind_http = {
	.name = "http",
	.check = hc_http_check,
	.tmpl_prepare = hc_http_tmpl_prepare,
	.tmpl_release = hc_http_tmpl_release,
	.prepare = hc_http_prepare,
	.release = hc_http_release,
	.start = http_start,
	.io = http_io,
	.expire = hc_http_expire,
};
