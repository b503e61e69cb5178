#include "http.h"

#include "exporter/history/graph.h"
#include "status_page.h"

#include "auth.h"
#include "conn_guard.h"
#include "snapdoc.h"

#include "collector/snapshot.h"
#include "share/addr.h"
#include "share/buf.h"
#include "share/clock.h"
#include "share/file.h"
#include "share/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* libmicrohttpd's idle timeout: a scrape is short, a stuck client must not
 * hold a slot for long. */
#define CONNECTION_IDLE 30

struct lvs_http {
	/* What the daemon published, swapped under pub_lock. */
	pthread_mutex_t pub_lock;
	struct lvs_body *metrics;  /* one reference */
	struct lvs_snapshot *snap; /* one reference */
	bool stale;

	struct snapdoc *doc; /* /api/v1/snapshot, rendered on its own thread */

	/* The listener and what it was started with. */
	struct MHD_Daemon *d;
	unsigned port;
	char *tls_cert, *tls_key;  /* PEM text, owned; MHD borrows it */
	struct http_auth *auth;    /* owned; NULL: no auth */
	struct conn_guard *guard;  /* owned while listening */

	rrd_store *history; /* borrowed; NULL: history off */
	lvs_rings *recent; /* borrowed; NULL: no sparklines */
	char poll_error[256]; /* under pub_lock; "" while polls work */

	atomic_ullong n_metrics, n_gzip, n_snapshot, n_other, n_denied, n_limited;
	/* mhd_log's budget: the second being counted, lines logged and
	 * left out in it. */
	_Atomic long long log_window;
	atomic_uint log_lines, log_dropped;
};

/* What *req_cls points at: where a request is. Addresses only. */
static const char req_headers_seen = 1; /* the first call came: answer on the next */
static const char req_woken = 2;        /* parked for the snapshot document, woken */

/* --- listen addresses ---------------------------------------------------- */

int http_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len, char *err,
		      size_t errlen)
{
	struct lvs_addr_port a;
	char why[320];
	if (!s || addr_parse("listen address", s, ADDR_PORT_REQUIRED | ADDR_PORT_ZERO, &a, why,
			     sizeof(why))) {
		/* "bad port" or "bad address" first: what to fix, then how. */
		snprintf(err, errlen, "%s: %s", s && strstr(why, "port") ? "bad port" : "bad address",
			 s ? why : "listen address: empty (expected ADDR:PORT)");
		return -EINVAL;
	}
	memset(ss, 0, sizeof(*ss));
	if (a.af == AF_INET) {
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
		a4->sin_family = AF_INET;
		a4->sin_addr = a.addr.v4;
		a4->sin_port = htons(a.port);
		*len = sizeof(*a4);
	} else {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_addr = a.addr.v6;
		a6->sin6_port = htons(a.port);
		*len = sizeof(*a6);
	}
	return 0;
}

/* --- auth ------------------------------------------------------------------ */

int http_check_auth_file(const char *path, size_t *n, char *err, size_t errlen)
{
	struct http_auth *a;
	int r = auth_load(path, &a, err, errlen);
	if (r)
		return r;
	if (n)
		*n = auth_users(a);
	auth_free(a);
	return 0;
}

/* The client's address bytes: the key of its crypt budget. */
static size_t client_key(struct MHD_Connection *c, unsigned char key[16])
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	if (sa && sa->sa_family == AF_INET) {
		memcpy(key, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 4;
	}
	if (sa && sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return 16;
	}
	return 0;
}

static enum MHD_Result send_denied(struct lvs_http *h, struct MHD_Connection *c, bool limited)
{
	static const char msg[] = "authentication required\n";
	static const char busy[] = "too many authentication attempts: retry later\n";
	if (limited) {
		atomic_fetch_add(&h->n_limited, 1);
		struct MHD_Response *r = MHD_create_response_from_buffer(
			strlen(busy), (void *)busy, MHD_RESPMEM_PERSISTENT);
		if (!r)
			return MHD_NO;
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
		enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_TOO_MANY_REQUESTS, r);
		MHD_destroy_response(r);
		return ret;
	}
	atomic_fetch_add(&h->n_denied, 1);
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(msg), (void *)msg, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	enum MHD_Result ret = MHD_queue_basic_auth_fail_response(c, "lvsd", r);
	MHD_destroy_response(r);
	return ret;
}

/* 0 when the request may go on; otherwise the answer was queued and its
 * result is in *ret. */
static int authorize(struct lvs_http *h, struct MHD_Connection *c, enum MHD_Result *ret)
{
	char *user = NULL, *pass = NULL;
	const char *hdr =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	int pr = auth_parse_basic(hdr, &user, &pass);
	if (pr == -ENOMEM) {
		*ret = MHD_NO;
		return -1;
	}
	enum auth_result ar = AUTH_DENIED;
	if (!pr) {
		unsigned char key[16];
		size_t kl = client_key(c, key);
		ar = auth_check(h->auth, key, kl, user, pass, clock_mono_s());
	}
	free(user);
	free(pass);
	if (ar == AUTH_OK)
		return 0;
	*ret = send_denied(h, c, ar == AUTH_LIMITED);
	return -1;
}

/* --- responses ----------------------------------------------------------- */

static enum MHD_Result send_static(struct MHD_Connection *c, unsigned status, const char *type,
				   const char *text)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static void release_body(void *cls)
{
	body_unref(cls);
}

/* Does Accept-Encoding allow gzip? Tokens are compared without case; a
 * q=0 parameter refuses the coding (RFC 9110 12.5.3); "*" stands for it. */
static bool accepts_gzip(struct MHD_Connection *c)
{
	const char *ae =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	bool gzip = false, star = false, gzip_set = false;
	while (ae && *ae) {
		while (*ae == ' ' || *ae == '\t' || *ae == ',')
			ae++;
		const char *tok = ae;
		while (*ae && *ae != ',' && *ae != ';' && *ae != ' ' && *ae != '\t')
			ae++;
		size_t tl = (size_t)(ae - tok);
		bool q0 = false;
		const char *end = strchr(ae, ',');
		if (!end)
			end = ae + strlen(ae);
		const char *q = ae;
		while ((q = strchr(q, ';')) && q < end) {
			q++;
			while (*q == ' ' || *q == '\t')
				q++;
			if ((q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
				double v = strtod(q + 2, NULL);
				q0 = !(v > 0);
			}
		}
		if (tl == 4 && !strncasecmp(tok, "gzip", 4)) {
			gzip = !q0;
			gzip_set = true;
		} else if (tl == 1 && tok[0] == '*') {
			star = !q0;
		}
		ae = end;
	}
	return gzip_set ? gzip : star;
}

/* A body kept gzip only, sent plain: inflated segment by segment as the
 * connection drains, so a plain scrape holds one block, not the text. */
static ssize_t read_inflated(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct body_reader *rd = cls;
	(void)pos; /* MHD reads in order: rd->pos == pos */
	long n = body_reader_read(rd, buf, max);
	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
}

static void free_inflated(void *cls)
{
	body_reader_done(cls);
	free(cls);
}

static struct MHD_Response *inflated_response(struct lvs_body *b)
{
	struct body_reader *rd = malloc(sizeof(*rd));
	if (!rd || body_reader_init(rd, b)) {
		free(rd);
		return NULL;
	}
	/* Blocks of one segment: each is inflated straight into MHD's buffer
	 * (a 55 MiB body in ~220 inflate-and-send rounds; 64 KiB blocks
	 * measured ~5 ms slower at the median); a small body gets a block
	 * its size. */
	size_t block = b->len < BODY_SEGMENT ? (b->len ? b->len : 1) : BODY_SEGMENT;
	struct MHD_Response *r =
		MHD_create_response_from_callback(b->len, block, read_inflated, rd, free_inflated);
	if (!r) {
		/* The caller still owns b: give the reader's reference back. */
		body_ref(b);
		free_inflated(rd);
	}
	return r;
}

static enum MHD_Result send_body(struct MHD_Connection *c, struct lvs_body *b, bool gz,
				 const char *type)
{
	struct MHD_Response *r =
		!gz && !b->data ? inflated_response(b)
				: MHD_create_response_from_buffer_with_free_callback_cls(
					  gz ? b->gz_len : b->len, gz ? b->gz : b->data, release_body, b);
	if (!r) {
		body_unref(b);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (b->gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result serve_metrics(struct lvs_http *h, struct MHD_Connection *c)
{
	pthread_mutex_lock(&h->pub_lock);
	struct lvs_body *b = h->metrics ? body_ref(h->metrics) : NULL;
	pthread_mutex_unlock(&h->pub_lock);
	if (!b)
		return send_static(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
				   "lvsd is starting: no metrics yet\n");
	bool gz = b->gz && accepts_gzip(c);
	atomic_fetch_add(gz ? &h->n_gzip : &h->n_metrics, 1);
	return send_body(c, b, gz, "text/plain; version=0.0.4; charset=utf-8");
}

static void suspend_conn(void *arg)
{
	MHD_suspend_connection(arg);
}

static void resume_conn(void *arg)
{
	MHD_resume_connection(arg);
}

/* The document comes from the render thread: a request that finds it not
 * ready is suspended and answered when it is woken. */
static enum MHD_Result serve_snapshot(struct lvs_http *h, struct MHD_Connection *c,
				      void **req_cls)
{
	bool woken = *req_cls == &req_woken;
	if (!woken)
		atomic_fetch_add(&h->n_snapshot, 1);
	struct lvs_body *b;
	enum snapdoc_state st = snapdoc_get(h->doc, woken, &b, suspend_conn, resume_conn, c);
	if (st == SNAPDOC_WAIT) {
		*req_cls = (void *)&req_woken;
		return MHD_YES;
	}
	if (st == SNAPDOC_READY)
		return send_body(c, b, b->gz && accepts_gzip(c), "application/json");
	bool failed = st == SNAPDOC_FAILED;
	return send_static(c, failed ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_SERVICE_UNAVAILABLE,
			   "application/json",
			   failed ? "{\"error\":\"out of memory\"}\n" : "{\"error\":\"no snapshot yet\"}\n");
}

#define MAX_ARGS 16

struct arg_list {
	struct graph_arg v[MAX_ARGS];
	size_t n;
	bool overflow;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct arg_list *l = cls;
	(void)kind;
	if (l->n == MAX_ARGS) {
		l->overflow = true;
		return MHD_NO;
	}
	l->v[l->n++] = (struct graph_arg){ key, value };
	return MHD_YES;
}

static enum MHD_Result send_reply(struct MHD_Connection *c, struct graph_reply *g)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(g->len, g->body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(g->body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, g->type);
	enum MHD_Result ret = MHD_queue_response(c, g->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* "bad request: WHAT" as a 400. */
static enum MHD_Result bad_status_arg(struct MHD_Connection *c, const char *what)
{
	struct graph_reply g = { .status = MHD_HTTP_BAD_REQUEST, .type = "text/plain; charset=utf-8" };
	int n = asprintf(&g.body, "bad request: %s\n", what);
	if (n < 0)
		return MHD_NO;
	g.len = (size_t)n;
	return send_reply(c, &g);
}

/* An unsigned query value in [lo, hi]; false when it is not one. */
static bool arg_uint(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	if (!v || *v < '0' || *v > '9')
		return false;
	errno = 0;
	unsigned long x = strtoul(v, &end, 10);
	if (*end || errno || x < lo || x > hi)
		return false;
	*out = (unsigned)x;
	return true;
}

/* The status page from the snapshot being served: ?range=DURATION picks
 * the graphs' range, page=N and n=SERVICES the page, q=TEXT the filter,
 * refresh=SECONDS the reload period (0: off). */
static enum MHD_Result serve_status(struct lvs_http *h, struct MHD_Connection *c,
				    const struct arg_list *args)
{
	struct status_page_opts o = { .history = h->history != NULL,
				      .rs_history = h->history &&
						    rrd_store_has_real_servers(h->history),
				      .range = "1h",
				      .recent = h->recent,
				      .now = clock_wall_s(),
				      .page = 1,
				      .per_page = STATUS_PAGE_PER_PAGE,
				      .refresh = STATUS_PAGE_REFRESH };
	for (size_t i = 0; i < args->n; i++) {
		const char *k = args->v[i].key, *v = args->v[i].value;
		if (!strcmp(k, "range")) {
			unsigned secs;
			char why[160];
			if (!v || rrd_spec_parse_duration(v, &secs, why, sizeof(why)) || strlen(v) >= 12)
				return bad_status_arg(c, "range: expected a duration such as 1h, 1d, 1w, 1mo, 1y");
			o.range = v;
		} else if (!strcmp(k, "page")) {
			if (!arg_uint(v, 1, 10000000, &o.page))
				return bad_status_arg(c, "page: expected a page number, 1 or more");
		} else if (!strcmp(k, "n")) {
			if (!arg_uint(v, 1, STATUS_PAGE_PER_PAGE_MAX, &o.per_page))
				return bad_status_arg(c, "n: expected services a page, 1 to 1000");
		} else if (!strcmp(k, "refresh")) {
			if (!arg_uint(v, 0, 3600, &o.refresh) || (o.refresh && o.refresh < 2))
				return bad_status_arg(c, "refresh: expected seconds, 0 (off) or 2 to 3600");
		} else if (!strcmp(k, "q")) {
			if (v && !status_page_filter_ok(v))
				return bad_status_arg(c, "q: expected at most 64 printable ASCII characters");
			o.filter = v;
		} else {
			return bad_status_arg(c, "the status page takes range, page, n, q and refresh only");
		}
	}
	char poll_error[sizeof(h->poll_error)];
	pthread_mutex_lock(&h->pub_lock);
	struct lvs_snapshot *s = h->snap ? snapshot_ref(h->snap) : NULL;
	o.stale = h->stale;
	memcpy(poll_error, h->poll_error, sizeof(poll_error));
	pthread_mutex_unlock(&h->pub_lock);
	o.poll_error = poll_error;
	struct outbuf out;
	outbuf_init(&out);
	int r = status_page_render(&out, s, &o);
	snapshot_unref(s);
	size_t len = 0;
	char *text = r ? NULL : outbuf_steal(&out, &len);
	outbuf_done(&out);
	if (!text)
		return send_static(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
				   "out of memory\n");
	struct graph_reply g = { .status = MHD_HTTP_OK, .type = "text/html; charset=utf-8",
				 .body = text, .len = len };
	return send_reply(c, &g);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	struct lvs_http *h = cls;
	(void)version;
	(void)upload;
	/* The first call only says the headers are in. A response queued
	 * then, before an upload could be read, makes libmicrohttpd close the
	 * connection after it: answering on the next call keeps it alive. */
	if (!*req_cls) {
		*req_cls = (void *)&req_headers_seen;
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		if (ci && h->guard)
			conn_guard_headers_done(h->guard, ci->socket_context);
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* a body is read and dropped: nothing takes one */
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		atomic_fetch_add(&h->n_other, 1);
		return send_static(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
				   "read-only: GET or HEAD\n");
	}
	enum MHD_Result ret;
	if (*req_cls != &req_woken && h->auth && authorize(h, c, &ret))
		return ret;
	if (!strcmp(url, "/metrics"))
		return serve_metrics(h, c);
	if (!strcmp(url, "/api/v1/snapshot"))
		return serve_snapshot(h, c, req_cls);
	atomic_fetch_add(&h->n_other, 1);
	struct arg_list args = { .n = 0 };
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &args);
	if (args.overflow)
		return send_static(c, MHD_HTTP_BAD_REQUEST, "text/plain; charset=utf-8",
				   "bad request: too many arguments\n");
	if (!strcmp(url, "/"))
		return serve_status(h, c, &args);
	struct graph_reply g;
	int gr = graph_handle(h->history, url, args.v, args.n, &g);
	if (gr == 0)
		return send_reply(c, &g);
	if (gr == -ENOMEM)
		return send_static(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
				   "out of memory\n");
	return send_static(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", "not found\n");
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct lvs_http *h = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = ci ? conn_guard_open(h->guard, ci->connect_fd) : NULL;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		conn_guard_close(h->guard, *socket_context);
		*socket_context = NULL;
	}
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct lvs_http *h = cls;
	(void)req_cls;
	(void)toe;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci)
		conn_guard_request_done(h->guard, ci->socket_context);
}

/* libmicrohttpd logs once per refused connection: under a flood of them
 * the log would grow by thousands of lines a second. Ten lines a second
 * at most, then one line that says how many were left out. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct lvs_http *h = cls;
	_Atomic long long *window = &h->log_window;
	atomic_uint *in_window = &h->log_lines, *dropped = &h->log_dropped;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	long long sec = (long long)ts.tv_sec, was = atomic_load(window);
	if (sec != was && atomic_compare_exchange_strong(window, &was, sec)) {
		unsigned n = atomic_exchange(dropped, 0);
		atomic_store(in_window, 0);
		if (n)
			log_warn("http: %u messages like the above left out", n);
	}
	if (atomic_fetch_add(in_window, 1) >= 10) {
		atomic_fetch_add(dropped, 1);
		return;
	}
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	size_t n = strlen(line);
	/* MHD's messages mostly end in a newline already. */
	if (n && line[n - 1] == '\n')
		line[--n] = 0;
	log_warn("http: %s", line);
}

/* --- lifetime -------------------------------------------------------------- */

lvs_http *http_new(void)
{
	struct lvs_http *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	if (!(h->doc = snapdoc_new())) {
		free(h);
		return NULL;
	}
	pthread_mutex_init(&h->pub_lock, NULL);
	return h;
}

static void forget_listener(struct lvs_http *h)
{
	free(h->tls_cert);
	free(h->tls_key);
	h->tls_cert = h->tls_key = NULL;
	auth_free(h->auth);
	h->auth = NULL;
	conn_guard_free(h->guard);
	h->guard = NULL;
	h->port = 0;
}

void http_stop(lvs_http *h)
{
	if (!h->d)
		return;
	/* Requests parked for the snapshot document are answered first:
	 * libmicrohttpd must not stop with suspended connections. */
	snapdoc_set_closed(h->doc, true);
	MHD_stop_daemon(h->d);
	h->d = NULL;
	forget_listener(h);
}

void http_free(lvs_http *h)
{
	if (!h)
		return;
	http_stop(h);
	snapdoc_free(h->doc);
	body_unref(h->metrics);
	snapshot_unref(h->snap);
	pthread_mutex_destroy(&h->pub_lock);
	free(h);
}

/* A PEM file's text (1 MiB at most: a certificate chain is a few KiB). */
static int read_pem(const char *path, char **out, char *err, size_t errlen)
{
	struct lvs_buf b = LVS_BUF_INIT;
	int r = file_read(path, 1 << 20, &b);
	if (!r && !b.len)
		r = -EINVAL;
	if (r) {
		snprintf(err, errlen, "cannot read %s: %s", path,
			 r == -EINVAL ? "empty file" : strerror(-r));
		buf_free(&b);
		return r;
	}
	*out = buf_steal(&b, NULL);
	return *out ? 0 : -ENOMEM;
}

int http_start(lvs_http *h, const struct lvs_http_opts *o, char *err, size_t errlen)
{
	if (h->d) {
		snprintf(err, errlen, "already listening");
		return -EALREADY;
	}
	struct sockaddr_storage ss;
	socklen_t sl;
	const char *listen_s = o->listen ? o->listen : LVSD_DEFAULT_LISTEN;
	int r = http_parse_listen(listen_s, &ss, &sl, err, errlen);
	if (r)
		return r;
	if (!o->tls_cert != !o->tls_key) {
		snprintf(err, errlen, "TLS needs both a certificate and a key file");
		return -EINVAL;
	}
	bool tls = o->tls_cert != NULL;
	if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		snprintf(err, errlen, "this libmicrohttpd has no TLS support");
		return -EINVAL;
	}
	if (tls && ((r = read_pem(o->tls_cert, &h->tls_cert, err, errlen)) ||
		    (r = read_pem(o->tls_key, &h->tls_key, err, errlen))))
		goto err;
	if (o->auth_file && (r = auth_load(o->auth_file, &h->auth, err, errlen)))
		goto err;
	double header_timeout = o->header_timeout > 0 ? o->header_timeout : HTTP_HEADER_TIMEOUT;
	if (!(h->guard = conn_guard_new(header_timeout, CONNECTION_IDLE))) {
		r = -ENOMEM;
		snprintf(err, errlen, "out of memory (or threads) starting the listener");
		goto err;
	}

	/* Bind ourselves: the kernel's errno (EADDRINUSE, EACCES,
	 * EADDRNOTAVAIL) makes a better message than MHD's NULL. */
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto err;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 1024)) {
		r = -errno;
		snprintf(err, errlen, "cannot listen on %s: %s", listen_s, strerror(errno));
		close(fd);
		goto err;
	}
	struct sockaddr_storage bound;
	socklen_t bl = sizeof(bound);
	if (!getsockname(fd, (struct sockaddr *)&bound, &bl))
		h->port = ntohs(bound.ss_family == AF_INET6
					? ((struct sockaddr_in6 *)&bound)->sin6_port
					: ((struct sockaddr_in *)&bound)->sin_port);

	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (tls)
		flags |= MHD_USE_TLS;
	unsigned threads = o->threads ? o->threads : 4;
	unsigned per_client = o->per_client ? o->per_client : HTTP_PER_CLIENT;
	struct MHD_OptionItem opts[] = {
		/* The logger first: MHD logs with its own until it sees it. */
		{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, h },
		{ MHD_OPTION_LISTEN_SOCKET, fd, NULL },
		/* One thread: the daemon's own (a pool of one is refused with a warning). */
		{ threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_CONNECTION_LIMIT,
		  threads > 1 ? threads : HTTP_CONNECTIONS, NULL },
		/* Scrapes are short: a slow or stuck client must not hold a slot
		 * for long, and a burst of them must not be refused. */
		{ MHD_OPTION_CONNECTION_TIMEOUT, CONNECTION_IDLE, NULL },
		{ MHD_OPTION_CONNECTION_LIMIT, HTTP_CONNECTIONS, NULL },
		/* One address cannot take every slot; the header deadline
		 * (conn_guard.h) frees the slots of those that trickle. */
		{ MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_client, NULL },
		{ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, h },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, h },
		{ tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, h->tls_cert },
		{ tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, h->tls_key },
		{ MHD_OPTION_END, 0, NULL },
	};
	h->d = MHD_start_daemon(flags, (uint16_t)h->port, NULL, NULL, on_request, h,
				MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!h->d) {
		r = -EINVAL;
		snprintf(err, errlen, "libmicrohttpd refused to start on %s%s", listen_s,
			 tls ? " (check the TLS certificate and key)" : "");
		close(fd);
		goto err;
	}
	snapdoc_set_closed(h->doc, false);
	log_info("http: listening on %s%s%s", listen_s, tls ? " (TLS)" : "",
	      h->auth ? " (basic auth)" : "");
	return 0;
err:
	forget_listener(h);
	return r;
}

unsigned http_port(lvs_http *h)
{
	return h->d ? h->port : 0;
}

void http_publish(lvs_http *h, struct lvs_body *metrics, struct lvs_snapshot *snap, bool stale)
{
	if (metrics)
		body_ref(metrics);
	if (snap)
		snapshot_ref(snap);
	pthread_mutex_lock(&h->pub_lock);
	struct lvs_body *old_m = h->metrics;
	struct lvs_snapshot *old_s = h->snap;
	h->metrics = metrics;
	h->snap = snap;
	h->stale = stale;
	pthread_mutex_unlock(&h->pub_lock);
	snapdoc_publish(h->doc, snap, stale);
	/* Outside the lock: the last reference frees tens of megabytes. */
	body_unref(old_m);
	snapshot_unref(old_s);
}

void http_set_history(lvs_http *h, rrd_store *st)
{
	h->history = st;
}

void http_set_recent(lvs_http *h, lvs_rings *recent)
{
	h->recent = recent;
}

void http_set_poll_error(lvs_http *h, const char *msg)
{
	pthread_mutex_lock(&h->pub_lock);
	snprintf(h->poll_error, sizeof(h->poll_error), "%s", msg ? msg : "");
	pthread_mutex_unlock(&h->pub_lock);
}

void http_stats(lvs_http *h, struct lvs_http_stats *st)
{
	st->metrics = atomic_load(&h->n_metrics);
	st->metrics_gzip = atomic_load(&h->n_gzip);
	st->snapshot = atomic_load(&h->n_snapshot);
	st->other = atomic_load(&h->n_other);
	st->denied = atomic_load(&h->n_denied);
	st->limited = atomic_load(&h->n_limited);
	st->snapshot_renders = snapdoc_renders(h->doc);
}
