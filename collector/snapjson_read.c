#include "snapjson_read.h"

#include "names.h"
#include "snapshot.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

/* ---- a piece of the document as a small tree ---------------------------- *
 *
 * yajl (callbacks, no tree) lexes the text. Each real server, each service
 * without its real servers, and the root without its services are built as
 * a tree of nodes in an arena while they are open, read when they close,
 * and dropped: the arena is a stack (root below service below real server),
 * so dropping a piece is moving its top back. Memory is one piece of each
 * kind plus the snapshot being built. */

enum jtype { JT_NULL, JT_BOOL, JT_INT, JT_DOUBLE, JT_STRING, JT_OBJECT, JT_ARRAY };
/* As json-c named them, which error messages have always used. */
static const char *const jtype_names[] = { "null", "boolean", "int", "double",
					   "string", "object", "array" };

struct jnode {
	struct jnode *next;          /* the next sibling */
	struct jnode *first, *last;  /* children of an object or array */
	struct jnode *cursor;        /* object: where the last lookup ended */
	const char *key;             /* inside an object: its key (printable) */
	const char *text;            /* a string (printable) or a number's text */
	size_t key_len, len, n;      /* n: children */
	unsigned char type;          /* enum jtype */
	bool b;
};

#define BLOCK_MIN 65536

struct block {
	struct block *next;
	size_t cap, used;
	max_align_t data[];
};

struct arena {
	struct block *head, *cur;
};

struct mark {
	struct block *b;
	size_t used;
};

static void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	struct block *b = a->cur;
	if (b && b->cap - b->used >= n)
		goto take;
	/* The blocks after cur are free (a piece was dropped): reuse one. */
	if (b && b->next && b->next->cap >= n) {
		b = b->next;
		b->used = 0;
		goto take;
	}
	size_t cap = n > BLOCK_MIN ? n : BLOCK_MIN;
	struct block *nb = malloc(sizeof(*nb) + cap);
	if (!nb)
		return NULL;
	nb->cap = cap;
	nb->used = 0;
	if (b) {
		nb->next = b->next;
		b->next = nb;
	} else {
		nb->next = a->head;
		a->head = nb;
	}
	b = nb;
take:
	a->cur = b;
	void *p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

static struct mark arena_mark(const struct arena *a)
{
	return (struct mark){ a->cur, a->cur ? a->cur->used : 0 };
}

static void arena_release(struct arena *a, struct mark m)
{
	a->cur = m.b;
	if (m.b)
		m.b->used = m.used;
	else if (a->head) {
		a->cur = a->head;
		a->head->used = 0;
	}
}

static void arena_free(struct arena *a)
{
	for (struct block *b = a->head, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	a->head = a->cur = NULL;
}

/* Bytes a terminal or a log could take as control: anything but printable
 * ASCII becomes '?'. A document is outside input, never the local kernel. */
static void printable(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			s[i] = '?';
}

/* A printable, NUL-terminated copy in the arena. */
static char *arena_text(struct arena *a, const void *src, size_t n)
{
	char *t = arena_alloc(a, n + 1);
	if (t) {
		memcpy(t, src, n);
		t[n] = 0;
		printable(t, n);
	}
	return t;
}

/* The child named key, or NULL. Readers ask for fields mostly in the
 * order the writer wrote them, so the search starts after the last hit. */
static struct jnode *get(struct jnode *o, const char *key)
{
	if (!o || o->type != JT_OBJECT || !o->first)
		return NULL;
	size_t kl = strlen(key);
	struct jnode *start = o->cursor && o->cursor->next ? o->cursor->next : o->first, *v = start;
	do {
		if (v->key_len == kl && !memcmp(v->key, key, kl)) {
			o->cursor = v;
			return v;
		}
		v = v->next ? v->next : o->first;
	} while (v != start);
	return NULL;
}

/* ---- reading the pieces ---------------------------------------------------- */

/* Where an error is: the object being read (a format taking i and j, e.g.
 * "services[%zu].real_servers[%zu]"), and the sub-object in it. */
struct pctx {
	char *err;
	size_t errlen;
	const char *where;
	size_t i, j;
	const char *sub;
};

static void set_where(struct pctx *c, const char *where, size_t i, size_t j)
{
	c->where = where;
	c->i = i;
	c->j = j;
	c->sub = NULL;
}

static int fail(struct pctx *c, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct pctx *c, const char *key, const char *fmt, ...)
{
	char why[128], at[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	int n = snprintf(at, sizeof(at), c->where ? c->where : "", c->i, c->j);
	if (c->sub && n >= 0 && (size_t)n < sizeof(at))
		snprintf(at + n, sizeof(at) - (size_t)n, "%s%s", n ? "." : "", c->sub);
	snprintf(c->err, c->errlen, "%s%s%s: %s", at, at[0] && key[0] ? "." : "", key, why);
	return -EINVAL;
}

/* The field key of o with type t (a double may be written as an int): 0
 * and *out; *out NULL when nullable and null; -EINVAL when missing or of
 * another type. */
static int field(struct pctx *c, struct jnode *o, const char *key, enum jtype t, bool nullable,
		 struct jnode **out)
{
	struct jnode *v = get(o, key);
	*out = NULL;
	if (!v)
		return fail(c, key, "missing");
	if (v->type == JT_NULL && nullable)
		return 0;
	if (v->type != t && !(t == JT_DOUBLE && v->type == JT_INT))
		return fail(c, key, "expected %s", jtype_names[t]);
	*out = v;
	return 0;
}

/* An integer's text as a uint64_t: false when negative (other than -0)
 * or over 2^64 - 1. */
static bool text_u64(const char *t, uint64_t *out)
{
	bool neg = *t == '-';
	t += neg;
	uint64_t v = 0;
	for (; *t >= '0' && *t <= '9'; t++) {
		unsigned d = (unsigned)(*t - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (neg && v)
		return false;
	*out = v;
	return true;
}

static int get_u64(struct pctx *c, struct jnode *o, const char *key, uint64_t max, uint64_t *out)
{
	struct jnode *v;
	int r = field(c, o, key, JT_INT, false, &v);
	if (r)
		return r;
	uint64_t x;
	if (!text_u64(v->text, &x) || x > max)
		return fail(c, key, "out of range");
	*out = x;
	return 0;
}

#define GET_U(c, o, key, dst)                                                              \
	({                                                                                 \
		uint64_t _v = 0;                                                           \
		int _r = get_u64(c, o, key, (__typeof__(dst))~(__typeof__(dst))0, &_v);     \
		if (!_r)                                                                   \
			(dst) = (__typeof__(dst))_v;                                       \
		_r;                                                                        \
	})

/* A number in [min, max]: every time and duration a document carries is
 * bounded before anything converts it. Optional fields may be absent or
 * null (*out untouched). LC_NUMERIC is never set: strtod reads '.'. */
static int get_double(struct pctx *c, struct jnode *o, const char *key, bool optional, double min,
		      double max, double *out)
{
	struct jnode *v;
	if (optional && (!(v = get(o, key)) || v->type == JT_NULL))
		return 0;
	int r = field(c, o, key, JT_DOUBLE, false, &v);
	if (r)
		return r;
	double x = strtod(v->text, NULL);
	if (!(x >= min && x <= max))
		return fail(c, key, "out of range (%g to %g)", min, max);
	*out = x;
	return 0;
}

static int get_str(struct pctx *c, struct jnode *o, const char *key, const char **out)
{
	struct jnode *v;
	int r = field(c, o, key, JT_STRING, false, &v);
	if (!r)
		*out = v->text;
	return r;
}

static int get_addr(struct pctx *c, struct jnode *o, const char *key, uint16_t *af,
		    union lvs_addr *a)
{
	const char *s = NULL;
	int r = get_str(c, o, key, &s);
	if (r)
		return r;
	if (lvs_addr_pton(s, af, a))
		return fail(c, key, "not an IPv4 or IPv6 address: \"%.40s\"", s);
	return 0;
}

static int get_sub(struct pctx *c, struct jnode *o, const char *key, struct jnode **sub)
{
	int r = field(c, o, key, JT_OBJECT, false, sub);
	if (!r)
		c->sub = key;
	return r;
}

static int get_stats(struct pctx *c, struct jnode *o, struct lvs_stats *st)
{
	struct jnode *v;
	int r = get_sub(c, o, "stats", &v) ?: GET_U(c, v, "conns", st->conns)
		?: GET_U(c, v, "inpkts", st->inpkts) ?: GET_U(c, v, "outpkts", st->outpkts)
		?: GET_U(c, v, "inbytes", st->inbytes) ?: GET_U(c, v, "outbytes", st->outbytes);
	if (!r)
		c->sub = NULL;
	return r;
}

static int get_krates(struct pctx *c, struct jnode *o, struct lvs_kern_rates *kr)
{
	struct jnode *v;
	int r = get_sub(c, o, "rates", &v) ?: GET_U(c, v, "cps", kr->cps)
		?: GET_U(c, v, "inpps", kr->inpps) ?: GET_U(c, v, "outpps", kr->outpps)
		?: GET_U(c, v, "inbps", kr->inbps) ?: GET_U(c, v, "outbps", kr->outbps);
	if (!r)
		c->sub = NULL;
	return r;
}

static int get_names(struct pctx *c, struct jnode *o, const char *key, struct jnode **arr)
{
	int r = field(c, o, key, JT_ARRAY, false, arr);
	if (r)
		return r;
	for (struct jnode *v = (*arr)->first; v; v = v->next)
		if (v->type != JT_STRING)
			return fail(c, key, "expected an array of strings");
	return 0;
}

static const char *const health_names[] = { "unknown", "up", "down" };

static int parse_dest(struct pctx *c, struct jnode *o, struct lvs_snapshot *s, struct lvs_dest *d)
{
	const char *fwd = NULL;
	int r = get_addr(c, o, "address", &d->af, &d->addr) ?: GET_U(c, o, "port", d->port)
		?: get_str(c, o, "forward", &fwd);
	if (r)
		return r;
	int f = lvs_fwd_from_name(fwd);
	if (f < 0)
		return fail(c, "forward", "unknown method \"%.20s\"", fwd);
	d->fwd = (uint32_t)f;
	uint64_t w = 0;
	r = get_u64(c, o, "weight", INT32_MAX, &w) ?: GET_U(c, o, "active_conns", d->active_conns)
		?: GET_U(c, o, "inactive_conns", d->inact_conns)
		?: GET_U(c, o, "persistent_conns", d->persist_conns)
		?: GET_U(c, o, "upper_threshold", d->u_thresh)
		?: GET_U(c, o, "lower_threshold", d->l_thresh) ?: get_stats(c, o, &d->stats)
		?: get_krates(c, o, &d->krates);
	if (r)
		return r;
	d->weight = (int32_t)w;
	struct jnode *t = get(o, "health");
	if (t && t->type == JT_STRING) {
		for (int i = 0; i < 3; i++)
			if (!strcmp(t->text, health_names[i]))
				d->health = (int8_t)i;
		double cs = 0;
		r = get_double(c, o, "health_since", true, 0, SNAPJSON_TIME_MAX, &d->health_since)
			?: get_double(c, o, "check_seconds", true, 0, SNAPJSON_CHECK_SECONDS_MAX, &cs);
		if (r)
			return r;
		d->check_seconds = (float)cs;
		if ((t = get(o, "health_error")) && t->type == JT_STRING &&
		    (r = snapshot_add_text(s, t->text, LVS_DEST_ERROR_MAX, &d->health_error)))
			return r;
	}
	if (d->fwd == LVS_FWD_TUNNEL && (t = get(o, "tunnel")) && t->type != JT_NULL) {
		const char *type = NULL;
		struct jnode *fl = NULL;
		r = get_sub(c, o, "tunnel", &t) ?: get_str(c, t, "type", &type)
			?: GET_U(c, t, "port", d->tun_port) ?: get_names(c, t, "flags", &fl);
		if (r)
			return r;
		int tt = lvs_tun_type_from_name(type);
		if (tt < 0)
			return fail(c, "type", "unknown tunnel type \"%.20s\"", type);
		d->tun_type = (uint8_t)tt;
		for (struct jnode *v = fl->first; v; v = v->next)
			d->tun_flags |= lvs_tun_flag_from_name(v->text);
		c->sub = NULL;
	}
	return 0;
}

static int parse_service(struct pctx *c, struct jnode *o, struct lvs_service *s)
{
	const char *proto = NULL, *af = NULL, *sched = NULL;
	int r = get_str(c, o, "protocol", &proto) ?: get_str(c, o, "af", &af)
		?: get_str(c, o, "scheduler", &sched);
	if (r)
		return r;
	if (strcmp(af, "inet") && strcmp(af, "inet6"))
		return fail(c, "af", "expected \"inet\" or \"inet6\"");
	s->af = !strcmp(af, "inet6") ? AF_INET6 : AF_INET;
	if (strlen(sched) >= sizeof(s->sched))
		return fail(c, "scheduler", "name too long");
	strcpy(s->sched, sched);
	if (!strcmp(proto, "fwm")) {
		r = GET_U(c, o, "fwmark", s->fwmark);
		if (r)
			return r;
		if (!s->fwmark)
			return fail(c, "fwmark", "must not be 0");
	} else {
		int p = lvs_proto_from_name(proto);
		if (p < 0)
			return fail(c, "protocol", "unknown protocol \"%.20s\"", proto);
		s->protocol = (uint16_t)p;
		uint16_t aaf;
		r = get_addr(c, o, "address", &aaf, &s->addr) ?: GET_U(c, o, "port", s->port);
		if (r)
			return r;
		if (aaf != s->af)
			return fail(c, "address", "family does not match \"af\"");
	}
	struct jnode *fl = NULL;
	r = get_names(c, o, "flags", &fl) ?: GET_U(c, o, "timeout", s->timeout);
	if (r)
		return r;
	for (struct jnode *v = fl->first; v; v = v->next) {
		uint32_t bit = lvs_svc_flag_from_name(v->text);
		if (!bit)
			return fail(c, "flags", "unknown flag \"%.20s\"", v->text);
		s->flags |= bit;
	}
	if (s->af == AF_INET6) {
		r = GET_U(c, o, "netmask", s->netmask);
		if (!r && s->netmask > 128)
			r = fail(c, "netmask", "out of range");
	} else {
		uint16_t maf;
		union lvs_addr m;
		r = get_addr(c, o, "netmask", &maf, &m);
		if (!r && maf != AF_INET)
			r = fail(c, "netmask", "expected an IPv4 mask");
		if (!r)
			s->netmask = m.v4.s_addr;
	}
	if (r)
		return r;
	struct jnode *pe = get(o, "pe_name");
	if (pe && pe->type == JT_STRING) {
		if (pe->len >= sizeof(s->pe_name))
			return fail(c, "pe_name", "name too long");
		memcpy(s->pe_name, pe->text, pe->len + 1);
	}
	return get_stats(c, o, &s->stats) ?: get_krates(c, o, &s->krates);
}

static int parse_states(struct pctx *c, struct jnode *o, struct lvs_state_count *st, size_t *n)
{
	struct jnode *v;
	int r = field(c, o, "by_state", JT_OBJECT, false, &v);
	if (r)
		return r;
	*n = 0;
	for (struct jnode *k = v->first; k; k = k->next) {
		if (*n == LVS_CONN_STATES_MAX || k->key_len >= LVS_STATE_NAME_MAX)
			return fail(c, "by_state", "too many or too long state names");
		if (k->type != JT_INT || !text_u64(k->text, &st[*n].count))
			return fail(c, "by_state", "expected counts");
		memcpy(st[*n].name, k->key, k->key_len + 1);
		(*n)++;
	}
	return 0;
}

static int parse_conns(struct pctx *c, struct jnode *root, struct lvs_conn_summary *cs)
{
	struct jnode *o = get(root, "connections"), *v, *rs, *tc;
	if (!o || o->type == JT_NULL)
		return 0; /* optional: a recording may carry no connection table */
	set_where(c, "connections", 0, 0);
	if (o->type != JT_OBJECT)
		return fail(c, "", "expected an object");
	if ((v = get(o, "available")))
		cs->available = v->type == JT_BOOL ? v->b : v->type != JT_NULL;
	if ((v = get(o, "partial")))
		cs->partial = v->type == JT_BOOL ? v->b : v->type != JT_NULL;
	int r = GET_U(c, o, "total", cs->total) ?: parse_states(c, o, cs->states, &cs->n_states)
		?: field(c, o, "by_real_server", JT_ARRAY, false, &rs)
		?: field(c, o, "top_clients", JT_ARRAY, false, &tc);
	if (r)
		return r;
	size_t nr = rs->n, nt = tc->n;
	cs->dests = nr ? calloc(nr, sizeof(*cs->dests)) : NULL;
	cs->top_clients = nt ? calloc(nt, sizeof(*cs->top_clients)) : NULL;
	if ((nr && !cs->dests) || (nt && !cs->top_clients))
		return -ENOMEM;
	size_t i = 0;
	for (struct jnode *x = rs->first; x; x = x->next, i++) {
		struct lvs_conn_dest *d = &cs->dests[i];
		set_where(c, "connections.by_real_server[%zu]", i, 0);
		if (x->type != JT_OBJECT)
			return fail(c, "", "expected an object");
		r = get_addr(c, x, "address", &d->af, &d->addr) ?: GET_U(c, x, "port", d->port)
			?: GET_U(c, x, "total", d->total) ?: parse_states(c, x, d->states, &d->n_states);
		if (r)
			return r;
		cs->n_dests++;
	}
	i = 0;
	for (struct jnode *x = tc->first; x; x = x->next, i++) {
		struct lvs_conn_client *cl = &cs->top_clients[i];
		set_where(c, "connections.top_clients[%zu]", i, 0);
		if (x->type != JT_OBJECT)
			return fail(c, "", "expected an object");
		r = get_addr(c, x, "address", &cl->af, &cl->addr) ?: GET_U(c, x, "conns", cl->conns);
		if (r)
			return r;
		cs->n_top_clients++;
	}
	return 0;
}

/* The document without its services' contents (they were read as they
 * streamed by): a few hundred bytes plus the connection summary. */
static int parse_root(struct pctx *c, struct jnode *root, struct lvs_snapshot *s)
{
	struct jnode *ipvs, *to, *dm, *svcs;
	set_where(c, NULL, 0, 0);
	int r = get_double(c, root, "time", false, 0, SNAPJSON_TIME_MAX, &s->time)
		?: field(c, root, "ipvs", JT_OBJECT, false, &ipvs);
	if (r)
		return r;
	const char *ver = NULL;
	set_where(c, "ipvs", 0, 0);
	r = get_str(c, ipvs, "version", &ver) ?: GET_U(c, ipvs, "conn_table_size", s->conn_tab_size);
	if (r)
		return r;
	if (lvs_version_parse(ver, &s->version))
		return fail(c, "version", "expected \"major.minor.patch\"");
	set_where(c, NULL, 0, 0);
	if ((to = get(root, "timeouts")) && to->type != JT_NULL) {
		set_where(c, "timeouts", 0, 0);
		if (to->type != JT_OBJECT)
			return fail(c, "", "expected an object");
		r = GET_U(c, to, "tcp", s->timeout_tcp) ?: GET_U(c, to, "tcpfin", s->timeout_tcpfin)
			?: GET_U(c, to, "udp", s->timeout_udp);
		if (r)
			return r;
	}
	if ((dm = get(root, "sync_daemons")) && dm->type == JT_ARRAY) {
		size_t i = 0;
		for (struct jnode *x = dm->first; x && i < 2; x = x->next, i++) {
			struct lvs_daemon *d = &s->daemons[s->n_daemons];
			const char *state = NULL, *ifn = NULL;
			set_where(c, "sync_daemons[%zu]", i, 0);
			if (x->type != JT_OBJECT)
				return fail(c, "", "expected an object");
			r = get_str(c, x, "state", &state) ?: get_str(c, x, "mcast_interface", &ifn)
				?: GET_U(c, x, "syncid", d->syncid);
			if (r)
				return r;
			d->state = !strcmp(state, "master") ? 1 : !strcmp(state, "backup") ? 2 : 0;
			snprintf(d->mcast_ifn, sizeof(d->mcast_ifn), "%s", ifn);
			s->n_daemons++;
		}
	}
	/* Present and an array; its elements were read as they streamed by. */
	set_where(c, NULL, 0, 0);
	r = field(c, root, "services", JT_ARRAY, false, &svcs);
	if (r)
		return r;
	snapshot_finish(s);
	return parse_conns(c, root, &s->conns);
}

/* ---- streaming ------------------------------------------------------------ */

#define MAX_DEPTH 64 /* a document is 6 deep; json-c stopped at 32 */
#define MAX_KEYS 256 /* an object has 30 at most: bounds the duplicate search */

enum frame_kind {
	F_TREE,     /* an object or array of a piece: values become its children */
	F_SERVICES, /* the root's "services": each element is a service piece */
	F_RS,       /* a service's "real_servers": each element is a real-server piece */
	F_NONE,     /* nothing is built (after a field error) */
};

struct frame {
	struct jnode *node;
	enum frame_kind kind;
};

/* yajl's allocations, linked so that all of them can be freed whatever
 * state yajl was left in: yajl does not check for out of memory, so a
 * failed allocation jumps back out of it (oom) and the handle is never
 * used again. */
struct yblock {
	struct yblock *prev, *next;
	max_align_t data[];
};

struct snapjson_parser {
	yajl_handle y;
	struct arena a;
	struct pctx c;
	struct lvs_snapshot *s;     /* being built */
	struct frame st[MAX_DEPTH];
	unsigned depth;             /* containers open */
	struct jnode *root, *svc;   /* the pieces open; root stays until finish */
	struct mark svc_mark, dest_mark;
	const char *key;            /* the key whose value comes next */
	size_t key_len;
	size_t n_svc, n_dest;
	bool seen_value;            /* a top-level value started */
	int serr;                   /* first field error (reported at finish) */
	int jerr;                   /* syntax error, or out of memory in yajl: nothing more is fed */
	struct yblock yblocks;      /* list head */
	bool in_yajl;               /* oom is armed */
	bool yajl_lost;             /* jumped out of yajl: its handle is not used again */
	jmp_buf oom;
};

static void *y_malloc(void *ctx, size_t n)
{
	struct snapjson_parser *p = ctx;
	struct yblock *b = malloc(sizeof(*b) + n);
	if (!b) {
		if (p->in_yajl)
			longjmp(p->oom, 1);
		return NULL;
	}
	b->prev = &p->yblocks;
	b->next = p->yblocks.next;
	b->next->prev = b;
	p->yblocks.next = b;
	return b->data;
}

static void y_free(void *ctx, void *ptr)
{
	(void)ctx;
	if (!ptr)
		return;
	struct yblock *b = (struct yblock *)((char *)ptr - offsetof(struct yblock, data));
	b->prev->next = b->next;
	b->next->prev = b->prev;
	free(b);
}

static void *y_realloc(void *ctx, void *ptr, size_t n)
{
	struct snapjson_parser *p = ctx;
	if (!ptr)
		return y_malloc(ctx, n);
	struct yblock *b = (struct yblock *)((char *)ptr - offsetof(struct yblock, data));
	struct yblock *nb = realloc(b, sizeof(*b) + n);
	if (!nb) {
		if (p->in_yajl)
			longjmp(p->oom, 1);
		return NULL;
	}
	nb->prev->next = nb;
	nb->next->prev = nb;
	return nb->data;
}

static void out_of_memory(struct snapjson_parser *p)
{
	snprintf(p->c.err, p->c.errlen, "out of memory");
}

/* Record a field error (the first one wins) and stop building; the rest
 * of the document is still checked for syntax, which takes precedence. */
static void semantic(struct snapjson_parser *p, int r)
{
	if (!p->serr) {
		p->serr = r;
		if (r == -ENOMEM)
			out_of_memory(p);
	}
}

static struct jnode *new_node(struct snapjson_parser *p, enum jtype t)
{
	struct jnode *n = arena_alloc(&p->a, sizeof(*n));
	if (!n) {
		semantic(p, -ENOMEM);
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->type = (unsigned char)t;
	return n;
}

/* A value starts: where it goes depends on the container it is in. A new
 * node to fill in, or NULL when nothing is built for it. */
static struct jnode *value_start(struct snapjson_parser *p, enum jtype t)
{
	if (p->serr)
		return NULL;
	if (p->depth == 0) {
		p->seen_value = true;
		if (t != JT_OBJECT) {
			set_where(&p->c, NULL, 0, 0);
			semantic(p, fail(&p->c, "(document)", "expected an object"));
			return NULL;
		}
		return p->root = new_node(p, t);
	}
	struct frame *f = &p->st[p->depth - 1];
	switch (f->kind) {
	case F_SERVICES: {
		p->n_svc++;
		p->n_dest = 0;
		set_where(&p->c, "services[%zu]", p->n_svc - 1, 0);
		if (t != JT_OBJECT) {
			semantic(p, fail(&p->c, "", "expected an object"));
			return NULL;
		}
		struct lvs_service blank;
		memset(&blank, 0, sizeof(blank));
		int r = snapshot_add_service(p->s, &blank);
		if (r) {
			semantic(p, r);
			return NULL;
		}
		p->svc_mark = arena_mark(&p->a);
		return p->svc = new_node(p, t);
	}
	case F_RS:
		p->n_dest++;
		set_where(&p->c, "services[%zu].real_servers[%zu]", p->n_svc - 1, p->n_dest - 1);
		if (t != JT_OBJECT) {
			semantic(p, fail(&p->c, "", "expected an object"));
			return NULL;
		}
		p->dest_mark = arena_mark(&p->a);
		return new_node(p, t);
	case F_TREE: {
		struct jnode *parent = f->node, *n = new_node(p, t);
		if (!n)
			return NULL;
		if (parent->type == JT_OBJECT) {
			n->key = p->key;
			n->key_len = p->key_len;
		}
		if (parent->last)
			parent->last->next = n;
		else
			parent->first = n;
		parent->last = n;
		parent->n++;
		return n;
	}
	case F_NONE:
		break;
	}
	return NULL;
}

static int scalar(struct snapjson_parser *p, enum jtype t, const void *text, size_t len, bool b)
{
	struct jnode *n = value_start(p, t);
	if (!n)
		return 1;
	n->b = b;
	if (text) {
		if (!(n->text = arena_text(&p->a, text, len)))
			semantic(p, -ENOMEM);
		n->len = len;
	}
	return 1;
}

static int y_null(void *ctx)
{
	return scalar(ctx, JT_NULL, NULL, 0, false);
}

static int y_bool(void *ctx, int v)
{
	return scalar(ctx, JT_BOOL, NULL, 0, v);
}

/* Raw text: counters up to 2^64 - 1 stay exact. */
static int y_number(void *ctx, const char *v, size_t n)
{
	bool dbl = memchr(v, '.', n) || memchr(v, 'e', n) || memchr(v, 'E', n);
	return scalar(ctx, dbl ? JT_DOUBLE : JT_INT, v, n, false);
}

static int y_string(void *ctx, const unsigned char *v, size_t n)
{
	return scalar(ctx, JT_STRING, v, n, false);
}

/* Where the piece at the top of the stack is, for an error in it. */
static void piece_where(struct snapjson_parser *p)
{
	if (p->depth >= 5 && p->st[3].kind == F_RS)
		set_where(&p->c, "services[%zu].real_servers[%zu]", p->n_svc - 1, p->n_dest - 1);
	else if (p->depth >= 3 && p->st[1].kind == F_SERVICES)
		set_where(&p->c, "services[%zu]", p->n_svc - 1, 0);
	else
		set_where(&p->c, NULL, 0, 0);
	/* The object's own key, when it is a field of the piece (stats, ...). */
	struct jnode *o = p->st[p->depth - 1].node;
	if (p->depth >= 2 && p->st[p->depth - 2].kind == F_TREE && o->key)
		p->c.sub = o->key;
}

static int y_key(void *ctx, const unsigned char *k, size_t n)
{
	struct snapjson_parser *p = ctx;
	if (p->serr)
		return 1;
	struct frame *f = &p->st[p->depth - 1];
	if (f->kind != F_TREE)
		return 1;
	if (f->node->n == MAX_KEYS) {
		piece_where(p);
		semantic(p, fail(&p->c, "", "more than %d keys", MAX_KEYS));
		return 1;
	}
	char *key = arena_text(&p->a, k, n);
	if (!key) {
		semantic(p, -ENOMEM);
		return 1;
	}
	/* A key given twice is refused: which one a reader takes is a guess,
	 * and a second "services" once made a service of nothing. */
	for (struct jnode *c = f->node->first; c; c = c->next) {
		if (c->key_len == n && !memcmp(c->key, key, n)) {
			piece_where(p);
			semantic(p, fail(&p->c, key, "given twice"));
			return 1;
		}
	}
	p->key = key;
	p->key_len = n;
	return 1;
}

static bool key_is(const struct snapjson_parser *p, const char *want)
{
	return p->key_len == strlen(want) && !memcmp(p->key, want, p->key_len);
}

static int push(struct snapjson_parser *p, struct jnode *n, enum frame_kind kind)
{
	if (p->depth == MAX_DEPTH) {
		snprintf(p->c.err, p->c.errlen, "not valid JSON: nested deeper than %d", MAX_DEPTH);
		p->jerr = -EINVAL;
		return 0; /* stops yajl */
	}
	p->st[p->depth].node = n;
	p->st[p->depth].kind = n ? kind : F_NONE;
	p->depth++;
	return 1;
}

static int y_start_map(void *ctx)
{
	struct snapjson_parser *p = ctx;
	return push(p, value_start(p, JT_OBJECT), F_TREE);
}

static int y_start_array(void *ctx)
{
	struct snapjson_parser *p = ctx;
	enum frame_kind kind = F_TREE;
	/* The two arrays whose elements are read one at a time. */
	if (!p->serr && p->depth == 1 && key_is(p, "services"))
		kind = F_SERVICES;
	else if (!p->serr && p->depth == 3 && p->svc && p->st[2].node == p->svc &&
		 key_is(p, "real_servers"))
		kind = F_RS;
	return push(p, value_start(p, JT_ARRAY), kind);
}

static void dest_done(struct snapjson_parser *p, struct jnode *o)
{
	struct lvs_dest d;
	memset(&d, 0, sizeof(d));
	set_where(&p->c, "services[%zu].real_servers[%zu]", p->n_svc - 1, p->n_dest - 1);
	int r = parse_dest(&p->c, o, p->s, &d);
	if (!r && (r = snapshot_add_dest(p->s, p->s->n_services - 1, &d)) && r != -ENOMEM)
		r = fail(&p->c, "", "cannot be added: %s", strerror(-r));
	if (r)
		semantic(p, r);
	arena_release(&p->a, p->dest_mark);
}

static void svc_done(struct snapjson_parser *p, struct jnode *o)
{
	struct lvs_service svc;
	memset(&svc, 0, sizeof(svc));
	set_where(&p->c, "services[%zu]", p->n_svc - 1, 0);
	struct jnode *rs;
	int r = parse_service(&p->c, o, &svc) ?: field(&p->c, o, "real_servers", JT_ARRAY, false, &rs);
	p->svc = NULL;
	arena_release(&p->a, p->svc_mark);
	if (r) {
		semantic(p, r);
		return;
	}
	/* Added empty when it opened (its real servers came first); keep what
	 * snapshot_add_dest filled in. */
	struct lvs_service *dst = &p->s->services[p->s->n_services - 1];
	svc.n_dests = dst->n_dests;
	svc.first_dest = dst->first_dest;
	svc.dests = NULL;
	*dst = svc;
}

static int y_end_container(void *ctx)
{
	struct snapjson_parser *p = ctx;
	struct frame f = p->st[--p->depth];
	if (p->serr || f.kind != F_TREE || p->depth == 0)
		return 1; /* the root is read at finish, once all of the text checked out */
	enum frame_kind up = p->st[p->depth - 1].kind;
	if (up == F_RS)
		dest_done(p, f.node);
	else if (up == F_SERVICES)
		svc_done(p, f.node);
	return 1;
}

static const yajl_callbacks callbacks = {
	.yajl_null = y_null,
	.yajl_boolean = y_bool,
	.yajl_number = y_number,
	.yajl_string = y_string,
	.yajl_start_map = y_start_map,
	.yajl_map_key = y_key,
	.yajl_end_map = y_end_container,
	.yajl_start_array = y_start_array,
	.yajl_end_array = y_end_container,
};

/* NULL on out of memory; what yajl_alloc had taken is in p->yblocks. */
static yajl_handle alloc_yajl(struct snapjson_parser *p)
{
	yajl_alloc_funcs af = { .malloc = y_malloc, .realloc = y_realloc, .free = y_free, .ctx = p };
	p->in_yajl = true;
	if (setjmp(p->oom)) {
		p->in_yajl = false;
		p->yajl_lost = true;
		return NULL;
	}
	yajl_handle y = yajl_alloc(&callbacks, &af, p);
	p->in_yajl = false;
	return y;
}

snapjson_parser *snapjson_parser_new(char *err, size_t errlen)
{
	struct snapjson_parser *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->c.err = err;
	p->c.errlen = errlen;
	if (errlen)
		err[0] = 0;
	p->yblocks.prev = p->yblocks.next = &p->yblocks;
	p->s = snapshot_new();
	if (!p->s)
		goto err;
	if (!(p->y = alloc_yajl(p)))
		goto err;
	/* As before: what follows the document is not looked at. */
	yajl_config(p->y, yajl_allow_trailing_garbage, 1);
	return p;
err:
	snapjson_parser_free(p);
	return NULL;
}

void snapjson_parser_free(snapjson_parser *p)
{
	if (!p)
		return;
	if (p->y && !p->yajl_lost)
		yajl_free(p->y);
	/* Whatever yajl still holds (all of it after a jump out). */
	while (p->yblocks.next != &p->yblocks)
		y_free(p, p->yblocks.next->data);
	snapshot_unref(p->s);
	arena_free(&p->a);
	free(p);
}

static void syntax_error(struct snapjson_parser *p, const unsigned char *txt, size_t len)
{
	char why[96] = "";
	p->in_yajl = true;
	if (setjmp(p->oom)) {
		p->in_yajl = false;
		p->yajl_lost = true;
		out_of_memory(p);
		p->jerr = -ENOMEM;
		return;
	}
	unsigned char *e = yajl_get_error(p->y, 0, txt, len);
	p->in_yajl = false;
	if (e) {
		/* yajl says "parse error: premature EOF\n": keep the reason. */
		const char *w = strstr((const char *)e, "error: ");
		snprintf(why, sizeof(why), "%s", w ? w + 7 : (const char *)e);
		why[strcspn(why, "\n")] = 0;
		yajl_free_error(p->y, e);
	}
	snprintf(p->c.err, p->c.errlen, "not valid JSON: %s", why[0] ? why : "syntax error");
	p->jerr = -EINVAL;
}

static void feed_chunk(struct snapjson_parser *p, const unsigned char *buf, size_t len, bool last)
{
	yajl_status st;
	p->in_yajl = true;
	if (setjmp(p->oom)) {
		/* yajl's state is unknown: it is only freed from here on. */
		p->in_yajl = false;
		p->yajl_lost = true;
		out_of_memory(p);
		p->jerr = -ENOMEM;
		return;
	}
	st = last ? yajl_complete_parse(p->y) : yajl_parse(p->y, buf, len);
	p->in_yajl = false;
	if (st == yajl_status_ok || p->jerr)
		return; /* p->jerr: a callback stopped it and said why */
	if (last && (p->depth > 0 || !p->seen_value)) {
		snprintf(p->c.err, p->c.errlen, "not valid JSON: truncated document");
		p->jerr = -EINVAL;
	} else {
		syntax_error(p, buf, len);
	}
}

/* Every error leaves text: the callers print it after "FILE:LINE: ". */
static int said(struct snapjson_parser *p, int r)
{
	if (r && p->c.errlen) {
		if (!p->c.err[0])
			snprintf(p->c.err, p->c.errlen, "%s", r == -ENOMEM ? "out of memory"
								     : "not a snapshot document");
		printable(p->c.err, strlen(p->c.err));
	}
	return r;
}

int snapjson_parser_feed(snapjson_parser *p, const char *buf, size_t len)
{
	if (!p->jerr && len)
		feed_chunk(p, (const unsigned char *)buf, len, false);
	return said(p, p->jerr ? p->jerr : p->serr == -ENOMEM ? -ENOMEM : 0);
}

int snapjson_parser_finish(snapjson_parser *p, struct lvs_snapshot **out)
{
	if (!p->jerr)
		feed_chunk(p, (const unsigned char *)" ", 1, true);
	if (p->jerr)
		return said(p, p->jerr);
	int r = p->serr;
	if (!r)
		r = parse_root(&p->c, p->root, p->s);
	if (r) {
		if (r == -ENOMEM)
			out_of_memory(p);
		return said(p, r);
	}
	*out = p->s;
	p->s = NULL;
	return 0;
}

int snapjson_parse(const char *text, size_t len, struct lvs_snapshot **out, char *err,
		   size_t errlen)
{
	snapjson_parser *p = snapjson_parser_new(err, errlen);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int r = snapjson_parser_feed(p, text, len) ?: snapjson_parser_finish(p, out);
	snapjson_parser_free(p);
	return r;
}
