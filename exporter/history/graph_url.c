#include "graph_url.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WINDOW (20LL * 365 * 86400)
#define MIN_WINDOW 10

static const char *const metric_names[GRAPH_N_METRICS] = { "conns", "packets", "bytes", "active",
							   "weight" };

const char *graph_metric_name(enum graph_metric m)
{
	return (unsigned)m < GRAPH_N_METRICS ? metric_names[m] : NULL;
}

/* A refusal's reason goes back in a 400 body and may be logged: the
 * request's own bytes quoted in it are made printable ('?'), and it stays
 * one line. */
static int refuse(int rc, char *err, size_t errlen)
{
	if (rc && errlen)
		for (char *e = err; *e; e++)
			if ((unsigned char)*e < 0x20 || (unsigned char)*e > 0x7e)
				*e = '?';
	return rc;
}

/* Unix seconds: digits only (no sign, no exponent), below year 10000. */
static int parse_time(const char *name, const char *v, time_t *out, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	long long t = v && *v >= '0' && *v <= '9' ? strtoll(v, &end, 10) : -1;
	if (t < 0 || *end || errno || t > 253402300799LL) {
		snprintf(err, errlen, "%s='%s': expected Unix seconds (digits only)", name,
			 v ? v : "");
		return -EINVAL;
	}
	*out = (time_t)t;
	return 0;
}

static int window(const char *start, const char *end, const char *range, time_t newest,
		  time_t *out_start, time_t *out_end, char *err, size_t errlen)
{
	time_t s = 0, e = 0;
	unsigned r = GRAPH_DEFAULT_RANGE;
	char why[160];
	if (start && end && range) {
		snprintf(err, errlen, "give at most two of start, end and range");
		return -EINVAL;
	}
	if ((start && parse_time("start", start, &s, err, errlen)) ||
	    (end && parse_time("end", end, &e, err, errlen)))
		return -EINVAL;
	if (range && rrd_spec_parse_duration(range, &r, why, sizeof(why))) {
		snprintf(err, errlen, "range: %s", why);
		return -EINVAL;
	}
	if (start && end) {
		/* both given: r unused */
	} else if (start) {
		e = range ? s + (time_t)r : newest;
	} else {
		if (!end)
			e = newest;
		s = e - (time_t)r;
	}
	if (e <= s) {
		snprintf(err, errlen, "the window ends (%lld) before it starts (%lld)", (long long)e,
			 (long long)s);
		return -EINVAL;
	}
	if (e - s < MIN_WINDOW || e - s > MAX_WINDOW) {
		snprintf(err, errlen, "a window of %lld s is out of range (10 s to 20 y)",
			 (long long)(e - s));
		return -EINVAL;
	}
	if (s < 0) {
		snprintf(err, errlen, "the window starts before 1970");
		return -EINVAL;
	}
	*out_start = s;
	*out_end = e;
	return 0;
}

/* Arguments by name, each at most once, none unknown. known is
 * NULL-terminated; vals[i] gets the value of known[i] (NULL: absent). */
static int collect(const struct graph_arg *args, size_t n, const char *const *known,
		   const char **vals, char *err, size_t errlen)
{
	size_t nk = 0;
	while (known[nk])
		vals[nk++] = NULL;
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (known[k] && strcmp(known[k], args[i].key))
			k++;
		if (!known[k]) {
			char list[200] = "";
			size_t l = 0;
			for (size_t j = 0; j < nk && l < sizeof(list); j++)
				l += (size_t)snprintf(list + l, sizeof(list) - l, "%s%s", j ? ", " : "",
						      known[j]);
			snprintf(err, errlen, "unknown argument '%s' (known: %s)", args[i].key, list);
			return -EINVAL;
		}
		if (vals[k]) {
			snprintf(err, errlen, "argument '%s' given twice", args[i].key);
			return -EINVAL;
		}
		if (!args[i].value || !*args[i].value) {
			snprintf(err, errlen, "argument '%s' has no value", args[i].key);
			return -EINVAL;
		}
		vals[k] = args[i].value;
	}
	return 0;
}

static int parse_uint(const char *name, const char *v, unsigned min, unsigned max, unsigned *out,
		      char *err, size_t errlen)
{
	char *end;
	errno = 0;
	unsigned long x = *v >= '0' && *v <= '9' ? strtoul(v, &end, 10) : 0;
	if (!(*v >= '0' && *v <= '9') || *end || errno || x < min || x > max) {
		snprintf(err, errlen, "%s='%s': expected an integer in %u..%u", name, v, min, max);
		return -EINVAL;
	}
	*out = (unsigned)x;
	return 0;
}

/* The object: service id, and a real server's when rs_id is not NULL. */
static int parse_object(const char *svc_id, const char *rs_id, struct graph_req *o, char *err,
			size_t errlen)
{
	char why[200];
	if (strlen(svc_id) >= sizeof(o->svc_id) ||
	    rrd_spec_parse_service_id(svc_id, &o->svc, why, sizeof(why))) {
		snprintf(err, errlen, "bad service id: %s",
			 strlen(svc_id) >= sizeof(o->svc_id) ? "too long" : why);
		return -EINVAL;
	}
	strcpy(o->svc_id, svc_id);
	if (!rs_id)
		return 0;
	if (strlen(rs_id) >= sizeof(o->rs_id) ||
	    rrd_spec_parse_dest_id(rs_id, &o->dest, why, sizeof(why))) {
		snprintf(err, errlen, "bad real server id: %s",
			 strlen(rs_id) >= sizeof(o->rs_id) ? "too long" : why);
		return -EINVAL;
	}
	strcpy(o->rs_id, rs_id);
	o->rs = true;
	return 0;
}

int graph_url_window(const char *start, const char *end, const char *range, time_t newest,
		     time_t *out_start, time_t *out_end, char *err, size_t errlen)
{
	return refuse(window(start, end, range, newest, out_start, out_end, err, errlen), err,
		      errlen);
}

static int parse_graph(const char *path, const struct graph_arg *args, size_t n, time_t newest,
		       struct graph_req *out, char *err, size_t errlen)
{
	static const char *const known[] = { "metric", "start", "end", "range", "width", "height",
					     NULL };
	enum { A_METRIC, A_START, A_END, A_RANGE, A_WIDTH, A_HEIGHT, A_N };
	const char *v[A_N + 1];
	struct graph_req o;
	memset(&o, 0, sizeof(o));
	char p[2 * RRD_SPEC_ID_MAX + 32];
	if (strlen(path) >= sizeof(p)) {
		snprintf(err, errlen, "path too long");
		return -EINVAL;
	}
	strcpy(p, path);
	size_t pl = strlen(p);
	if (pl > 4 && !strcmp(p + pl - 4, ".png"))
		p[pl - 4] = 0;
	char *a = p, *b = strchr(a, '/');
	char *c = b ? strchr(b + 1, '/') : NULL;
	if (b)
		*b++ = 0;
	if (c)
		*c++ = 0;
	if (!strcmp(a, "service") && b && *b && !c) {
		if (parse_object(b, NULL, &o, err, errlen))
			return -EINVAL;
	} else if (!strcmp(a, "real-server") && b && *b && c && *c && !strchr(c, '/')) {
		if (parse_object(b, c, &o, err, errlen))
			return -EINVAL;
	} else {
		snprintf(err, errlen,
			 "expected /graph/service/SERVICE or /graph/real-server/SERVICE/REAL_SERVER");
		return -EINVAL;
	}
	if (collect(args, n, known, v, err, errlen))
		return -EINVAL;
	o.metric = GRAPH_CONNS;
	if (v[A_METRIC]) {
		unsigned m = 0;
		while (m < GRAPH_N_METRICS && strcmp(metric_names[m], v[A_METRIC]))
			m++;
		if (m == GRAPH_N_METRICS) {
			snprintf(err, errlen,
				 "unknown metric '%s' (conns, packets, bytes, active, weight)",
				 v[A_METRIC]);
			return -EINVAL;
		}
		o.metric = (enum graph_metric)m;
	}
	o.width = GRAPH_DEFAULT_WIDTH;
	o.height = GRAPH_DEFAULT_HEIGHT;
	if ((v[A_WIDTH] && parse_uint("width", v[A_WIDTH], 200, 2000, &o.width, err, errlen)) ||
	    (v[A_HEIGHT] && parse_uint("height", v[A_HEIGHT], 80, 1000, &o.height, err, errlen)) ||
	    window(v[A_START], v[A_END], v[A_RANGE], newest, &o.start, &o.end, err,
			     errlen))
		return -EINVAL;
	*out = o;
	return 0;
}

int graph_url_parse(const char *path, const struct graph_arg *args, size_t n, time_t newest,
		    struct graph_req *out, char *err, size_t errlen)
{
	return refuse(parse_graph(path, args, n, newest, out, err, errlen), err, errlen);
}

static int parse_history(const struct graph_arg *args, size_t n, time_t newest,
			 struct graph_req *out, char *err, size_t errlen)
{
	static const char *const known[] = { "service", "real_server", "start", "end", "range",
					     "resolution", "cf", NULL };
	enum { A_SVC, A_RS, A_START, A_END, A_RANGE, A_RES, A_CF, A_N };
	const char *v[A_N + 1];
	struct graph_req o;
	memset(&o, 0, sizeof(o));
	if (collect(args, n, known, v, err, errlen))
		return -EINVAL;
	if (!v[A_SVC]) {
		snprintf(err, errlen, "service=ID is required (ids: docs/history.md)");
		return -EINVAL;
	}
	if (parse_object(v[A_SVC], v[A_RS], &o, err, errlen) ||
	    window(v[A_START], v[A_END], v[A_RANGE], newest, &o.start, &o.end, err,
			     errlen))
		return -EINVAL;
	char why[160];
	if (v[A_RES] && rrd_spec_parse_duration(v[A_RES], &o.resolution, why, sizeof(why))) {
		snprintf(err, errlen, "resolution: %s", why);
		return -EINVAL;
	}
	o.cf = RRD_CF_AVERAGE;
	if (v[A_CF] && !(o.cf = rrd_spec_cf_from_name(v[A_CF]))) {
		snprintf(err, errlen, "cf='%s': AVERAGE, MAX, MIN or LAST", v[A_CF]);
		return -EINVAL;
	}
	*out = o;
	return 0;
}

int graph_url_parse_history(const struct graph_arg *args, size_t n, time_t newest,
			    struct graph_req *out, char *err, size_t errlen)
{
	return refuse(parse_history(args, n, newest, out, err, errlen), err, errlen);
}
