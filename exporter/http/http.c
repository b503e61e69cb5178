#include "http.h"

#include "exporter/history/graph.h"
#include "status_page.h"

#include "collector/snapjson.h"
#include "collector/snapshot.h"

#include <arpa/inet.h>
#include <crypt.h>
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
#include <unistd.h>

struct auth_user {
	char *name, *hash; /* owned */
};

struct lvs_http {
	/* What the daemon published, swapped under pub_lock. */
	pthread_mutex_t pub_lock;
	struct lvs_body *metrics;  /* one reference */
	struct lvs_snapshot *snap; /* one reference */
	bool stale;
	uint64_t pub_seq;

	/* The snapshot's JSON, made on the first request after a publication. */
	pthread_mutex_t json_lock;
	struct lvs_body *json;
	uint64_t json_seq;

	/* The listener and what it was started with. */
	struct MHD_Daemon *d;
	unsigned port;
	char *tls_cert, *tls_key; /* PEM text, owned; MHD borrows it */
	struct auth_user *users;  /* owned */
	size_t n_users;
	/* The last credentials that verified: crypt(3) hashes are slow by
	 * design, and a scraper sends the same pair every time. */
	pthread_mutex_t auth_lock;
	char *ok_user, *ok_pass;

	rrd_store *history; /* borrowed; NULL: history off */

	atomic_ullong n_metrics, n_gzip, n_snapshot, n_other, n_denied;
};

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("lvsd: http: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* --- listen addresses ---------------------------------------------------- */

int http_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len, char *err,
		      size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *hs;
	size_t hl;
	if (!s || !*s) {
		snprintf(err, errlen, "empty listen address (expected ADDR:PORT)");
		return -EINVAL;
	}
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':') {
			snprintf(err, errlen, "bad listen address '%s' (expected [IPV6]:PORT)", s);
			return -EINVAL;
		}
		hs = s + 1;
		hl = (size_t)(close - hs);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon) {
			snprintf(err, errlen,
				 "bad listen address '%s' (expected ADDR:PORT, IPv6 as [ADDR]:PORT)", s);
			return -EINVAL;
		}
		hs = s;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof(host)) {
		snprintf(err, errlen, "bad listen address '%s': no address before the port", s);
		return -EINVAL;
	}
	memcpy(host, hs, hl);
	host[hl] = 0;
	char *end;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port > 65535 || colon[1] == '-' || colon[1] == '+') {
		snprintf(err, errlen, "bad port in listen address '%s' (0..65535)", s);
		return -EINVAL;
	}
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (s[0] != '[' && inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return 0;
	}
	if (s[0] == '[' && inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return 0;
	}
	snprintf(err, errlen, "bad address '%s' in listen address '%s' (numeric IPv4, or IPv6 in brackets)",
		 host, s);
	return -EINVAL;
}

/* --- auth ------------------------------------------------------------------ */

static void users_free(struct auth_user *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(u[i].name);
		free(u[i].hash);
	}
	free(u);
}

static int read_auth(const char *path, struct auth_user **out, size_t *n_out, char *err,
		     size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		int e = errno;
		snprintf(err, errlen, "cannot open auth file %s: %s", path, strerror(e));
		return -e;
	}
	struct auth_user *u = NULL;
	size_t n = 0;
	char *line = NULL;
	size_t cap = 0;
	unsigned long ln = 0;
	int rc = 0;
	ssize_t got;
	while ((got = getline(&line, &cap, f)) >= 0) {
		ln++;
		while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			line[--got] = 0;
		if (!got || line[0] == '#')
			continue;
		char *colon = strchr(line, ':');
		if (!colon || colon == line || colon[1] != '$') {
			snprintf(err, errlen,
				 "%s:%lu: expected user:hash with a crypt(3) hash (e.g. from "
				 "mkpasswd -m yescrypt)",
				 path, ln);
			rc = -EINVAL;
			goto out;
		}
		*colon = 0;
		struct auth_user *g = realloc(u, (n + 1) * sizeof(*u));
		if (!g) {
			rc = -ENOMEM;
			goto out;
		}
		u = g;
		u[n].name = strdup(line);
		u[n].hash = strdup(colon + 1);
		n++;
		if (!u[n - 1].name || !u[n - 1].hash) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (!n) {
		snprintf(err, errlen, "auth file %s has no user:hash line", path);
		rc = -EINVAL;
	}
out:
	free(line);
	fclose(f);
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory reading %s", path);
		users_free(u, n);
		return rc;
	}
	*out = u;
	*n_out = n;
	return 0;
}

int http_check_auth_file(const char *path, size_t *n, char *err, size_t errlen)
{
	struct auth_user *u;
	size_t k;
	int r = read_auth(path, &u, &k, err, errlen);
	if (r)
		return r;
	users_free(u, k);
	if (n)
		*n = k;
	return 0;
}

/* Constant time over the length of b: how long a compare takes must not
 * tell how much of a guessed secret was right. */
static bool same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;
	for (size_t i = 0; i < lb; i++)
		d |= (unsigned char)(i < la ? a[i] : 0) ^ (unsigned char)b[i];
	return d == 0;
}

static bool auth_verify(struct lvs_http *h, const char *user, const char *pass)
{
	pthread_mutex_lock(&h->auth_lock);
	bool cached = h->ok_user && !strcmp(user, h->ok_user) && same_secret(pass, h->ok_pass);
	pthread_mutex_unlock(&h->auth_lock);
	if (cached)
		return true;
	const struct auth_user *u = NULL;
	for (size_t i = 0; i < h->n_users; i++)
		if (!strcmp(h->users[i].name, user))
			u = &h->users[i];
	if (!u)
		return false;
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	if (!cd)
		return false;
	const char *r = crypt_rn(pass, u->hash, cd, (int)sizeof(*cd));
	bool ok = r && r[0] != '*' && same_secret(r, u->hash);
	free(cd);
	if (ok) {
		char *nu = strdup(user), *np = strdup(pass);
		pthread_mutex_lock(&h->auth_lock);
		if (nu && np) {
			free(h->ok_user);
			free(h->ok_pass);
			h->ok_user = nu;
			h->ok_pass = np;
			nu = np = NULL;
		}
		pthread_mutex_unlock(&h->auth_lock);
		free(nu);
		free(np);
	}
	return ok;
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

/* A body kept gzip only, sent plain: inflated block by block as the
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
	/* Blocks of 256 KiB: a 55 MiB body in ~220 inflate-and-send rounds
	 * (64 KiB measured ~5 ms slower at the median); a small body gets a
	 * block its size. */
	size_t block = b->len < (256 << 10) ? (b->len ? b->len : 1) : 256 << 10;
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

static enum MHD_Result serve_snapshot(struct lvs_http *h, struct MHD_Connection *c)
{
	atomic_fetch_add(&h->n_snapshot, 1);
	pthread_mutex_lock(&h->json_lock);
	pthread_mutex_lock(&h->pub_lock);
	struct lvs_snapshot *s = h->snap ? snapshot_ref(h->snap) : NULL;
	uint64_t seq = h->pub_seq;
	bool stale = h->stale;
	pthread_mutex_unlock(&h->pub_lock);
	if (s && (!h->json || h->json_seq != seq)) {
		/* Written through deflate and kept gzip only: the document of a
		 * 100,000-real-server table is ~80 MB of text (and was a ~600 MB
		 * json-c tree); a scraper without gzip gets it inflated. */
		struct body_builder bb;
		struct lvs_body *nb = NULL;
		if (!body_builder_init(&bb, 1)) {
			if (!snapjson_write(s, SNAPJSON_COMPUTED | (stale ? SNAPJSON_STALE : 0),
					    body_builder_add, &bb) &&
			    !body_builder_add(&bb, "\n", 1))
				nb = body_builder_finish(&bb);
			else
				body_builder_abort(&bb);
		}
		if (nb) {
			body_unref(h->json);
			h->json = nb;
			h->json_seq = seq;
		}
	}
	struct lvs_body *b = s && h->json && h->json_seq == seq ? body_ref(h->json) : NULL;
	pthread_mutex_unlock(&h->json_lock);
	bool had = s != NULL;
	snapshot_unref(s);
	if (!b)
		return send_static(c, had ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_SERVICE_UNAVAILABLE,
				   "application/json",
				   had ? "{\"error\":\"out of memory\"}\n"
				       : "{\"error\":\"no snapshot yet\"}\n");
	return send_body(c, b, b->gz && accepts_gzip(c), "application/json");
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

/* The status page from the snapshot being served; ?range=DURATION picks
 * the graphs' range. */
static enum MHD_Result serve_status(struct lvs_http *h, struct MHD_Connection *c,
				    const struct arg_list *args)
{
	struct status_page_opts o = { .history = h->history != NULL,
				      .rs_history = h->history &&
						    rrd_store_has_real_servers(h->history),
				      .range = "1d" };
	for (size_t i = 0; i < args->n; i++) {
		unsigned secs;
		char why[160];
		if (!strcmp(args->v[i].key, "range") && args->v[i].value &&
		    !rrd_spec_parse_duration(args->v[i].value, &secs, why, sizeof(why)) &&
		    strlen(args->v[i].value) < 12) {
			o.range = args->v[i].value;
			continue;
		}
		struct graph_reply g = { .status = MHD_HTTP_BAD_REQUEST,
					 .type = "text/plain; charset=utf-8" };
		int n = asprintf(&g.body, "bad request: %s\n",
				 strcmp(args->v[i].key, "range") ? "the status page takes range=DURATION only"
								  : "range: expected a duration such as 1h, 1d, 1w, 1mo, 1y");
		if (n < 0)
			return MHD_NO;
		g.len = (size_t)n;
		return send_reply(c, &g);
	}
	pthread_mutex_lock(&h->pub_lock);
	struct lvs_snapshot *s = h->snap ? snapshot_ref(h->snap) : NULL;
	o.stale = h->stale;
	pthread_mutex_unlock(&h->pub_lock);
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
	(void)upload_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		atomic_fetch_add(&h->n_other, 1);
		return send_static(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
				   "read-only: GET or HEAD\n");
	}
	if (h->n_users) {
		char *pass = NULL;
		char *user = MHD_basic_auth_get_username_password(c, &pass);
		bool ok = user && pass && auth_verify(h, user, pass);
		if (user)
			MHD_free(user);
		if (pass)
			MHD_free(pass);
		if (!ok) {
			atomic_fetch_add(&h->n_denied, 1);
			static const char msg[] = "authentication required\n";
			struct MHD_Response *r = MHD_create_response_from_buffer(
				strlen(msg), (void *)msg, MHD_RESPMEM_PERSISTENT);
			if (!r)
				return MHD_NO;
			enum MHD_Result ret = MHD_queue_basic_auth_fail_response(c, "lvsd", r);
			MHD_destroy_response(r);
			return ret;
		}
	}
	if (!strcmp(url, "/metrics"))
		return serve_metrics(h, c);
	if (!strcmp(url, "/api/v1/snapshot"))
		return serve_snapshot(h, c);
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

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("lvsd: http: ", stderr);
	vfprintf(stderr, fmt, ap);
	/* MHD's messages mostly end in a newline already. */
	if (fmt[0] && fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', stderr);
}

/* --- lifetime -------------------------------------------------------------- */

lvs_http *http_new(void)
{
	struct lvs_http *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	pthread_mutex_init(&h->pub_lock, NULL);
	pthread_mutex_init(&h->json_lock, NULL);
	pthread_mutex_init(&h->auth_lock, NULL);
	return h;
}

static void forget_listener(struct lvs_http *h)
{
	free(h->tls_cert);
	free(h->tls_key);
	h->tls_cert = h->tls_key = NULL;
	users_free(h->users, h->n_users);
	h->users = NULL;
	h->n_users = 0;
	free(h->ok_user);
	free(h->ok_pass);
	h->ok_user = h->ok_pass = NULL;
	h->port = 0;
}

void http_stop(lvs_http *h)
{
	if (!h->d)
		return;
	MHD_stop_daemon(h->d);
	h->d = NULL;
	forget_listener(h);
}

void http_free(lvs_http *h)
{
	if (!h)
		return;
	http_stop(h);
	body_unref(h->metrics);
	body_unref(h->json);
	snapshot_unref(h->snap);
	pthread_mutex_destroy(&h->pub_lock);
	pthread_mutex_destroy(&h->json_lock);
	pthread_mutex_destroy(&h->auth_lock);
	free(h);
}

static int slurp(const char *path, char **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		int e = errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
		return -e;
	}
	struct outbuf_s {
		char *p;
		size_t n, cap;
	} b = { 0 };
	char chunk[4096];
	size_t got;
	int rc = 0;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.n + got + 1 > b.cap) {
			size_t cap = (b.n + got + 1) * 2;
			char *p = realloc(b.p, cap);
			if (!p) {
				rc = -ENOMEM;
				break;
			}
			b.p = p;
			b.cap = cap;
		}
		memcpy(b.p + b.n, chunk, got);
		b.n += got;
		b.p[b.n] = 0;
	}
	if (!rc && ferror(f))
		rc = -EIO;
	fclose(f);
	if (!rc && !b.n)
		rc = -EINVAL;
	if (rc) {
		snprintf(err, errlen, "cannot read %s: %s", path,
			 rc == -EINVAL ? "empty file" : strerror(-rc));
		free(b.p);
		return rc;
	}
	*out = b.p;
	return 0;
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
	if (tls && ((r = slurp(o->tls_cert, &h->tls_cert, err, errlen)) ||
		    (r = slurp(o->tls_key, &h->tls_key, err, errlen))))
		goto err;
	if (o->auth_file && (r = read_auth(o->auth_file, &h->users, &h->n_users, err, errlen)))
		goto err;

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

	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (tls)
		flags |= MHD_USE_TLS;
	unsigned threads = o->threads ? o->threads : 4;
	struct MHD_OptionItem opts[] = {
		/* The logger first: MHD logs with its own until it sees it. */
		{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL },
		{ MHD_OPTION_LISTEN_SOCKET, fd, NULL },
		{ MHD_OPTION_THREAD_POOL_SIZE, threads, NULL },
		/* Scrapes are short: a slow or stuck client must not hold a slot
		 * for long, and a burst of them must not be refused. */
		{ MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL },
		{ MHD_OPTION_CONNECTION_LIMIT, 1000, NULL },
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
	logf_("listening on %s%s%s", listen_s, tls ? " (TLS)" : "",
	      h->n_users ? " (basic auth)" : "");
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
	h->pub_seq++;
	pthread_mutex_unlock(&h->pub_lock);
	/* Outside the lock: the last reference frees tens of megabytes. */
	body_unref(old_m);
	snapshot_unref(old_s);
}

void http_set_history(lvs_http *h, rrd_store *st)
{
	h->history = st;
}

void http_stats(lvs_http *h, struct lvs_http_stats *st)
{
	st->metrics = atomic_load(&h->n_metrics);
	st->metrics_gzip = atomic_load(&h->n_gzip);
	st->snapshot = atomic_load(&h->n_snapshot);
	st->other = atomic_load(&h->n_other);
	st->denied = atomic_load(&h->n_denied);
}
