#include "graph.h"

#include "rrd_lib.h"

#include "collector/json_writer.h"
#include "share/buf.h"

#include "exporter/unix_time.h"

#include "collector/names.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t graph_lock = PTHREAD_MUTEX_INITIALIZER;

static int file_of(rrd_store *st, const struct graph_req *r, char *path, size_t len, char *err,
		   size_t errlen)
{
	if (rrd_spec_path(rrd_store_dir(st), r->svc_id, r->rs ? r->rs_id : NULL, path, len)) {
		snprintf(err, errlen, "path too long");
		return -EIO;
	}
	if (access(path, R_OK)) {
		snprintf(err, errlen, "no history for %s%s%s (%s)", r->svc_id, r->rs ? "/" : "",
			 r->rs ? r->rs_id : "", strerror(errno));
		return -ENOENT;
	}
	/* Whatever rrdcached still holds for the file goes to disk first. */
	if (rrd_store_daemon(st))
		rrd_lib()->c_flush_if_daemon(rrd_store_daemon(st), path);
	return 0;
}

/* A file name inside a DEF: rrdtool splits DEFs at ':', so escape it. */
static void escape_colons(const char *in, char *out, size_t len)
{
	size_t o = 0;
	for (; *in && o + 2 < len; in++) {
		if (*in == ':' || *in == '\\')
			out[o++] = '\\';
		out[o++] = *in;
	}
	out[o] = 0;
}

/* argv strings kept in one arena so the vector can be built with printf. */
struct args {
	char *v[40];
	int n;
	char buf[8192];
	size_t used;
};

static void add(struct args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct args *a, const char *fmt, ...)
{
	if (a->n >= (int)(sizeof(a->v) / sizeof(a->v[0])) - 1 || a->used >= sizeof(a->buf))
		return;
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(a->buf + a->used, sizeof(a->buf) - a->used, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= sizeof(a->buf) - a->used)
		return;
	a->v[a->n++] = a->buf + a->used;
	a->used += (size_t)w + 1;
	a->v[a->n] = NULL;
}

static const struct line {
	const char *ds, *label, *colour;
	bool bits; /* bytes drawn as bits per second */
} lines[GRAPH_N_METRICS][3] = {
	[GRAPH_CONNS] = { { "conns", "new connections/s", "3465a4", false } },
	[GRAPH_PACKETS] = { { "inpkts", "packets/s in", "3465a4", false },
			    { "outpkts", "packets/s out", "f57900", false } },
	[GRAPH_BYTES] = { { "inbytes", "bits/s in", "3465a4", true },
			  { "outbytes", "bits/s out", "f57900", true } },
	[GRAPH_ACTIVE] = { { "active", "active", "4e9a06", false },
			   { "inactive", "inactive", "c4a000", false },
			   { "persistent", "persistent", "75507b", false } },
	[GRAPH_WEIGHT] = { { "weight", "weight", "3465a4", false },
			   { "real_servers", "real servers", "cc0000", false } },
};

void graph_title(const struct graph_req *r, char *buf, size_t len)
{
	const struct lvs_service *sv = &r->svc;
	char a[INET6_ADDRSTRLEN], p[8], rs[INET6_ADDRSTRLEN + 12] = "";
	if (r->rs) {
		lvs_addr_ntop(r->dest.af, &r->dest.addr, a, sizeof(a));
		snprintf(rs, sizeof(rs), r->dest.af == AF_INET6 ? " [%s]:%u" : " %s:%u", a,
			 r->dest.port);
	}
	if (sv->fwmark) {
		snprintf(buf, len, "FWM %u (%s)%s", (unsigned)sv->fwmark,
			 sv->af == AF_INET6 ? "IPv6" : "IPv4", rs);
		return;
	}
	const char *pn = lvs_service_proto_name(sv);
	size_t i = 0;
	for (; pn[i] && i < sizeof(p) - 1; i++)
		p[i] = (char)toupper((unsigned char)pn[i]);
	p[i] = 0;
	lvs_addr_ntop(sv->af, &sv->addr, a, sizeof(a));
	snprintf(buf, len, sv->af == AF_INET6 ? "%s [%s]:%u%s" : "%s %s:%u%s", p, a, sv->port, rs);
}

int graph_render_png(rrd_store *st, const struct graph_req *r, char **png, size_t *len,
		     char *err, size_t errlen)
{
	char path[4096], esc[8300];
	int rc = file_of(st, r, path, sizeof(path), err, errlen);
	if (rc)
		return rc;
	escape_colons(path, esc, sizeof(esc));
	struct args *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	add(a, "graph");
	add(a, "-");
	add(a, "--start");
	add(a, "%lld", (long long)r->start);
	add(a, "--end");
	add(a, "%lld", (long long)r->end);
	add(a, "--width");
	add(a, "%u", r->width);
	add(a, "--height");
	add(a, "%u", r->height);
	add(a, "--imgformat");
	add(a, "PNG");
	add(a, "--lower-limit");
	add(a, "0");
	add(a, "--title");
	char title[256];
	graph_title(r, title, sizeof(title));
	add(a, "%s: %s", title, graph_metric_name(r->metric));
	if (rrd_store_daemon(st)) {
		add(a, "--daemon");
		add(a, "%s", rrd_store_daemon(st));
	}
	for (int i = 0; i < 3; i++) {
		const struct line *l = &lines[r->metric][i];
		if (!l->ds || (r->rs && !strcmp(l->ds, "real_servers")))
			continue;
		add(a, "DEF:r%d=%s:%s:AVERAGE", i, esc, l->ds);
		add(a, "CDEF:v%d=r%d,%d,*", i, i, l->bits ? 8 : 1);
		add(a, "LINE1:v%d#%s:%s", i, l->colour, l->label);
		add(a, "GPRINT:v%d:LAST:last %%.1lf%%s", i);
		add(a, "GPRINT:v%d:MAX:max %%.1lf%%s\\l", i);
	}
	pthread_mutex_lock(&graph_lock);
	rrd_lib()->clear_error();
	rrd_info_t *info = rrd_lib()->graph_v(a->n, a->v);
	rc = -EIO;
	if (!info) {
		snprintf(err, errlen, "rrdtool graph: %s", rrd_lib()->get_error());
	} else {
		for (rrd_info_t *p = info; p; p = p->next) {
			if (p->type != RD_I_BLO || strcmp(p->key, "image"))
				continue;
			if (!(*png = malloc(p->value.u_blo.size))) {
				rc = -ENOMEM;
				break;
			}
			memcpy(*png, p->value.u_blo.ptr, p->value.u_blo.size);
			*len = p->value.u_blo.size;
			rc = 0;
		}
		if (rc == -EIO)
			snprintf(err, errlen, "rrdtool graph made no image");
		rrd_lib()->info_free(info);
	}
	pthread_mutex_unlock(&graph_lock);
	free(a);
	return rc;
}

static const char *const cf_names[] = { "AVERAGE", "MAX", "MIN", "LAST" };

static const char *cf_name(unsigned bit)
{
	for (unsigned i = 0; i < 4; i++)
		if (bit == 1u << i)
			return cf_names[i];
	return "AVERAGE";
}

int graph_history_json(rrd_store *st, const struct graph_req *r, char **json, size_t *len,
		       char *err, size_t errlen)
{
	char path[4096];
	int rc = file_of(st, r, path, sizeof(path), err, errlen);
	if (rc)
		return rc;
	time_t start = r->start, end = r->end;
	unsigned long step = r->resolution ? r->resolution : 1, n_ds = 0;
	char **names = NULL;
	rrd_value_t *data = NULL;
	rrd_lib()->clear_error();
	if (rrd_lib()->fetch_r(path, cf_name(r->cf), &start, &end, &step, &n_ds, &names, &data)) {
		snprintf(err, errlen, "rrd fetch: %s", rrd_lib()->get_error());
		return -EIO;
	}
	/* One writer for every JSON document: names and ids escaped, values
	 * as %.17g (not rounded), NaN and infinities as null. */
	struct lvs_buf b;
	buf_init(&b);
	json_writer *w = json_writer_new(0, json_buf_sink, &b);
	if (w) {
		char num[40];
		json_writer_begin_object(w);
		json_writer_key(w, "service");
		json_writer_string(w, r->svc_id);
		json_writer_key(w, "real_server");
		json_writer_string(w, r->rs ? r->rs_id : NULL);
		json_writer_key(w, "cf");
		json_writer_string(w, cf_name(r->cf));
		json_writer_key(w, "start");
		json_writer_i64(w, (int64_t)start);
		json_writer_key(w, "end");
		json_writer_i64(w, (int64_t)end);
		json_writer_key(w, "step");
		json_writer_u64(w, step);
		json_writer_key(w, "ds");
		json_writer_begin_array(w);
		for (unsigned long i = 0; i < n_ds; i++)
			json_writer_string(w, names[i]);
		json_writer_end_array(w);
		json_writer_key(w, "rows");
		json_writer_begin_array(w);
		/* Row i covers (start + i*step, start + (i+1)*step]: rrdtool
		 * stamps a row with its end. */
		unsigned long rows = step ? (unsigned long)(end - start) / step : 0;
		for (unsigned long i = 0; i < rows; i++) {
			json_writer_begin_array(w);
			json_writer_i64(w, (int64_t)start + (int64_t)((i + 1) * step));
			for (unsigned long k = 0; k < n_ds; k++) {
				double v = data[i * n_ds + k];
				if (isnan(v) || isinf(v)) {
					json_writer_null(w);
				} else {
					snprintf(num, sizeof(num), "%.17g", v);
					json_writer_number(w, num);
				}
			}
			json_writer_end_array(w);
		}
		json_writer_end_array(w);
		json_writer_end_object(w);
	}
	int wr = w ? json_writer_finish(w) : -ENOMEM;
	json_writer_free(w);
	if (wr == 0)
		wr = buf_append(&b, "\n", 1);
	for (unsigned long i = 0; i < n_ds; i++)
		rrd_lib()->freemem(names[i]);
	rrd_lib()->freemem(names);
	rrd_lib()->freemem(data);
	if (wr < 0) {
		buf_free(&b);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	size_t l = b.len;
	char *text = buf_steal(&b, &l);
	if (!text)
		return -ENOMEM;
	*json = text;
	*len = l;
	return 0;
}

static int reply_text(struct graph_reply *out, unsigned status, const char *type,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int reply_text(struct graph_reply *out, unsigned status, const char *type,
		      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	*out = (struct graph_reply){ .status = status, .type = type, .body = s, .len = (size_t)n };
	return 0;
}

static time_t newest_of(rrd_store *st)
{
	struct rrd_store_stats s;
	rrd_store_stats(st, &s);
	/* Graphs end at the newest sample handed to the writer, which is
	 * now when polling the kernel and the recording's time on replay. */
	time_t t;
	return s.last_time > 0 && unix_time_of(s.last_time, &t) ? t : time(NULL);
}

int graph_handle(rrd_store *st, const char *url, const struct graph_arg *args, size_t n,
		 struct graph_reply *out)
{
	static const char text[] = "text/plain; charset=utf-8";
	bool graph = !strncmp(url, "/graph/", 7), hist = !strcmp(url, "/api/v1/history");
	if (!graph && !hist)
		return -ENOENT;
	if (!st)
		return reply_text(out, 404, text,
				  "history is off: set history.directory in lvsd's configuration\n");
	struct graph_req r;
	char err[400];
	int rc = graph ? graph_url_parse(url + 7, args, n, newest_of(st), &r, err, sizeof(err))
		       : graph_url_parse_history(args, n, newest_of(st), &r, err, sizeof(err));
	if (rc)
		return reply_text(out, 400, text, "bad request: %s\n", err);
	char *body = NULL;
	size_t len = 0;
	rc = graph ? graph_render_png(st, &r, &body, &len, err, sizeof(err))
		   : graph_history_json(st, &r, &body, &len, err, sizeof(err));
	if (rc == -ENOMEM)
		return rc;
	if (rc)
		return reply_text(out, rc == -ENOENT ? 404 : 500, text, "%s\n", err);
	*out = (struct graph_reply){ .status = 200,
				     .type = graph ? "image/png" : "application/json",
				     .body = body,
				     .len = len };
	return 0;
}
