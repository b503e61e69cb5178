#include "actions/actions.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/ip_vs.h>

#include "actions/audit.h"
#include "actions/rules.h"
#include "collector/ipvs_nl.h"
#include "collector/names.h"
#include "collector/snapshot.h"

#define DRAIN_TRACKS 8
#define DRAIN_SAMPLES 64
#define AUDIT_LINES_MAX 2000 /* a flush of a huge table records this many, then a count */

struct drain_track {
	char key[2 * LVS_OBJ_MAX];
	size_t n;
	double t[DRAIN_SAMPLES], v[DRAIN_SAMPLES];
};

struct lvs_actions {
	lvs_nl *nl; /* owned; opened on first use */
	struct lvs_writer writer;
	bool own_writer;
	int (*read)(void *ctx, struct lvs_snapshot **out);
	void *read_ctx;
	char state_path[4096], audit_path[4096], source[16];
	bool syslog;
	struct lvs_state state; /* the state file as last read (see state_refresh) */
	struct stat state_st;   /* identity of the file read: ino, size, mtime */
	bool state_seen;        /* state_st is valid */
	int lock_fd;            /* held from begin() to end(); -1 otherwise */
	char err[LVS_ERR_MAX], msg[LVS_ERR_MAX];
	char user[64], sudo[64];
	/* The last change's inverse, for undo. */
	bool has_undo, undo_possible;
	struct lvs_op *undo_ops; /* owned */
	size_t n_undo;
	struct lvs_state undo_state; /* the entries it changed, as they were */
	struct lvs_state undo_absent; /* entries it created: undo removes them */
	char undo_desc[LVS_ERR_MAX];
	struct drain_track drains[DRAIN_TRACKS];
	size_t next_track;
};

static void set_err(lvs_actions *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(lvs_actions *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->err, sizeof(a->err), fmt, ap);
	va_end(ap);
}

static void set_msg(lvs_actions *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_msg(lvs_actions *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof(a->msg), fmt, ap);
	va_end(ap);
}

const char *actions_error(const lvs_actions *a)
{
	return a->err;
}

const char *actions_message(const lvs_actions *a)
{
	return a->msg;
}

static double now_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int state_copy(struct lvs_state *dst, const struct lvs_state *src)
{
	struct lvs_state_entry *v = NULL;
	if (src->n) {
		v = malloc(src->n * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memcpy(v, src->v, src->n * sizeof(*v));
	}
	free(dst->v);
	dst->v = v;
	dst->n = dst->cap = src->n;
	return 0;
}

int actions_open(lvs_actions **out, const struct lvs_actions_opts *o, char *err, size_t errlen)
{
	lvs_actions *a = calloc(1, sizeof(*a));
	struct lvs_actions_opts none = { 0 };
	int r;

	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (!o)
		o = &none;
	snprintf(a->state_path, sizeof(a->state_path), "%s", o->state_path ? o->state_path : state_default_path());
	snprintf(a->audit_path, sizeof(a->audit_path), "%s", o->audit_path ? o->audit_path : audit_default_path());
	snprintf(a->source, sizeof(a->source), "%s", o->source ? o->source : "cli");
	a->syslog = !o->no_syslog;
	if (o->writer) {
		a->writer = *o->writer;
	} else {
		a->writer.apply = ops_apply_nl;
		a->own_writer = true;
	}
	a->read = o->read;
	a->read_ctx = o->read_ctx;
	audit_who(a->user, sizeof(a->user), a->sudo, sizeof(a->sudo));
	a->lock_fd = -1;
	r = state_load(&a->state, a->state_path, err, errlen);
	if (r) {
		free(a);
		return r;
	}
	a->state_seen = stat(a->state_path, &a->state_st) == 0;
	*out = a;
	return 0;
}

/* ------------------------------------------------------------------------
 * The state file is shared by every lvstop process (a console, lvsd, the
 * command line): re-read it when it changed on disk, and hold a lock
 * (flock on STATE.lock) across each action's read-modify-write, so two
 * processes never overwrite each other's entries.
 * ------------------------------------------------------------------------ */

static void state_refresh(lvs_actions *a)
{
	struct stat sb;
	char e[LVS_ERR_MAX];
	bool exists = stat(a->state_path, &sb) == 0;

	if (exists == a->state_seen &&
	    (!exists || (sb.st_ino == a->state_st.st_ino && sb.st_size == a->state_st.st_size &&
			 sb.st_mtim.tv_sec == a->state_st.st_mtim.tv_sec &&
			 sb.st_mtim.tv_nsec == a->state_st.st_mtim.tv_nsec)))
		return;
	/* A file that cannot be read now keeps what was read before. */
	struct lvs_state fresh = { 0 };
	if (state_load(&fresh, a->state_path, e, sizeof(e)) == 0) {
		state_done(&a->state);
		a->state = fresh;
		a->state_st = sb;
		a->state_seen = exists;
	} else {
		state_done(&fresh);
	}
}

/* Write st as the state file and remember the file's identity. */
static int state_write(lvs_actions *a, const struct lvs_state *st, char *e, size_t elen)
{
	int r = state_save(st, a->state_path, e, elen);
	if (!r)
		a->state_seen = stat(a->state_path, &a->state_st) == 0;
	return r;
}

static void lock_take(lvs_actions *a)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s.lock", a->state_path);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ENOENT) {
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s", a->state_path);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			if (mkdir(dir, 0755) == 0 || errno == EEXIST)
				fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		}
	}
	/* Without a lock file (a read-only place) the action still runs: it
	 * only loses the protection against a concurrent lvstop. */
	if (fd >= 0) {
		while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
			;
	}
	a->lock_fd = fd;
	state_refresh(a);
}

static void lock_drop(lvs_actions *a)
{
	if (a->lock_fd >= 0)
		close(a->lock_fd); /* releases the flock */
	a->lock_fd = -1;
}

void actions_close(lvs_actions *a)
{
	if (!a)
		return;
	ipvs_nl_close(a->nl);
	state_done(&a->state);
	state_done(&a->undo_state);
	state_done(&a->undo_absent);
	lock_drop(a);
	free(a->undo_ops);
	free(a);
}

/* ------------------------------------------------------------------------
 * The table
 * ------------------------------------------------------------------------ */

static int ensure_nl(lvs_actions *a)
{
	if (a->nl)
		return 0;
	int r = ipvs_nl_open(&a->nl);
	if (r == -ENOENT) {
		set_err(a, "IPVS is not available: the ip_vs kernel module is not loaded "
			   "(load it with: modprobe ip_vs)");
		return -ENOPKG;
	}
	if (r) {
		set_err(a, "%s", ipvs_nl_strerror(r));
		return r;
	}
	if (a->own_writer)
		a->writer.ctx = a->nl;
	return 0;
}

static int read_table(lvs_actions *a, struct lvs_snapshot **out)
{
	int r;

	if (a->read) {
		r = a->read(a->read_ctx, out);
		if (r)
			set_err(a, "cannot read the IPVS table: %s", strerror(-r));
		return r;
	}
	if ((r = ensure_nl(a)) != 0)
		return r;
	struct lvs_snapshot *s = snapshot_new();
	if (!s) {
		set_err(a, "out of memory");
		return -ENOMEM;
	}
	r = ipvs_nl_read_all(a->nl, s);
	if (r) {
		snapshot_unref(s);
		set_err(a, "cannot read the IPVS table: %s", ipvs_nl_strerror(r));
		return r == -ENOENT ? -ENOPKG : r;
	}
	*out = s;
	return 0;
}

/* "TCP 203.0.113.10:80" or "TCP 203.0.113.10:80 -> 192.0.2.11:80". */
static void object_text(const struct lvs_service *svc, const struct lvs_dest *d, char *buf, size_t len)
{
	char s[LVS_OBJ_MAX], t[LVS_OBJ_MAX];
	lvs_svc_text(svc, s, sizeof(s));
	if (d)
		snprintf(buf, len, "%s -> %s", s, lvs_dest_text(d, t, sizeof(t)));
	else
		snprintf(buf, len, "%s", s);
}

/* ------------------------------------------------------------------------
 * Audit: the rule lines of the objects a plan touched.
 * ------------------------------------------------------------------------ */

struct lines {
	char **v;
	size_t n, cap, dropped;
};

static void lines_add(struct lines *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return;
	if (l->n >= AUDIT_LINES_MAX) {
		l->dropped++;
		return;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			l->dropped++;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	char *c = strdup(s);
	if (!c) {
		l->dropped++;
		return;
	}
	l->v[l->n++] = c;
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static const struct lvs_service *find_svc(const struct lvs_snapshot *s, const struct lvs_service *id)
{
	for (size_t i = 0; s && i < s->n_services; i++)
		if (lvs_service_same(&s->services[i], id))
			return &s->services[i];
	return NULL;
}

static const struct lvs_dest *find_dest(const struct lvs_service *svc, const struct lvs_dest *id)
{
	for (size_t i = 0; svc && i < svc->n_dests; i++)
		if (lvs_dest_same(&svc->dests[i], id))
			return &svc->dests[i];
	return NULL;
}

/* The lines for one object as s has it: a service with all its real
 * servers, or one real server. */
static void object_lines(const struct lvs_snapshot *s, const struct lvs_service *id,
			 const struct lvs_dest *d, struct lines *l)
{
	char line[512];
	const struct lvs_service *svc = find_svc(s, id);
	if (!svc)
		return;
	if (d) {
		const struct lvs_dest *x = find_dest(svc, d);
		if (x) {
			rules_dest_line(svc, x, true, line, sizeof(line));
			lines_add(l, line);
		}
		return;
	}
	rules_service_line(svc, line, sizeof(line));
	lines_add(l, line);
	for (size_t i = 0; i < svc->n_dests; i++) {
		rules_dest_line(svc, &svc->dests[i], true, line, sizeof(line));
		lines_add(l, line);
	}
}

static void plan_lines(const struct lvs_plan *p, const struct lvs_snapshot *s, struct lines *l)
{
	char line[128];
	for (size_t i = 0; i < p->n; i++) {
		const struct lvs_op *op = &p->ops[i];
		switch (op->kind) {
		case LVS_OP_ADD_SVC:
		case LVS_OP_SET_SVC:
		case LVS_OP_DEL_SVC:
			object_lines(s, &op->svc, NULL, l);
			break;
		case LVS_OP_ADD_DEST:
		case LVS_OP_SET_DEST:
		case LVS_OP_DEL_DEST:
			object_lines(s, &op->svc, &op->dest, l);
			break;
		case LVS_OP_FLUSH:
			for (size_t k = 0; s && k < s->n_services; k++)
				object_lines(s, &s->services[k], NULL, l);
			break;
		case LVS_OP_TIMEOUTS:
			if (s) {
				snprintf(line, sizeof(line), "timeouts %u %u %u", s->timeout_tcp,
					 s->timeout_tcpfin, s->timeout_udp);
				lines_add(l, line);
			}
			break;
		case LVS_OP_ADD_DAEMON:
		case LVS_OP_DEL_DAEMON:
			for (size_t k = 0; s && k < s->n_daemons; k++) {
				snprintf(line, sizeof(line), "sync-daemon %s %s syncid %u",
					 lvs_daemon_state_name(s->daemons[k].state), s->daemons[k].mcast_ifn,
					 s->daemons[k].syncid);
				lines_add(l, line);
			}
			break;
		case LVS_OP_ZERO:
			break;
		}
	}
	if (l->dropped) {
		snprintf(line, sizeof(line), "... and %zu more", l->dropped);
		l->dropped = 0;
		if (l->n) {
			l->n--; /* make room: the count replaces the last line */
			free(l->v[l->n]);
		}
		lines_add(l, line);
	}
}

static void audit(lvs_actions *a, const char *action, const char *object, const struct lvs_plan *p,
		  const struct lvs_snapshot *after, bool ok, bool rolled_back, const char *error)
{
	struct lines before = { 0 }, aft = { 0 };
	plan_lines(p, p->before, &before);
	plan_lines(p, after, &aft);
	struct lvs_audit_rec rec = {
		.time = now_wall(),
		.user = a->user,
		.sudo_user = a->sudo,
		.source = a->source,
		.action = action,
		.object = object,
		.before = (const char *const *)before.v,
		.n_before = before.n,
		.after = (const char *const *)aft.v,
		.n_after = aft.n,
		.ok = ok,
		.rolled_back = rolled_back,
		.error = error,
	};
	int r = audit_append(a->audit_path, &rec, a->syslog);
	if (r && ok) {
		/* The change stands; say that its record is missing. */
		size_t n = strlen(a->msg);
		snprintf(a->msg + n, sizeof(a->msg) - n, " (warning: audit log %s not written: %s)",
			 a->audit_path, strerror(-r));
	}
	lines_free(&before);
	lines_free(&aft);
}

/* Real servers that a successful plan deleted have nothing left to restore. */
static void forget_deleted(lvs_actions *a, const struct lvs_plan *p)
{
	bool changed = false;
	char s[LVS_OBJ_MAX], d[LVS_OBJ_MAX], e[LVS_ERR_MAX];

	for (size_t i = 0; i < p->n; i++) {
		const struct lvs_op *op = &p->ops[i];
		if (op->kind == LVS_OP_DEL_DEST) {
			changed |= state_remove(&a->state, lvs_svc_text(&op->svc, s, sizeof(s)),
						lvs_dest_text(&op->dest, d, sizeof(d)));
		} else if (op->kind == LVS_OP_DEL_SVC || op->kind == LVS_OP_FLUSH) {
			lvs_svc_text(&op->svc, s, sizeof(s));
			for (size_t k = a->state.n; k-- > 0;)
				if (op->kind == LVS_OP_FLUSH || !strcmp(a->state.v[k].service, s)) {
					memmove(&a->state.v[k], &a->state.v[k + 1],
						(a->state.n - k - 1) * sizeof(a->state.v[k]));
					a->state.n--;
					changed = true;
				}
		}
	}
	/* A later ADD of the same object in the plan (edit with a new
	 * identity, load after flush) starts afresh: nothing to keep. */
	if (changed)
		state_write(a, &a->state, e, sizeof(e));
}

/* What undo must put back: the entries of `old` that `now` changed or
 * dropped (into back), and the entries `now` added (into absent). */
static int state_diff(const struct lvs_state *old, struct lvs_state *now, struct lvs_state *back,
		      struct lvs_state *absent)
{
	int r = 0;
	back->n = absent->n = 0;
	for (size_t i = 0; !r && i < old->n; i++) {
		const struct lvs_state_entry *e = state_find(now, old->v[i].service, old->v[i].server);
		if (!e || memcmp(e, &old->v[i], sizeof(*e)))
			r = state_put(back, &old->v[i]);
	}
	for (size_t i = 0; !r && i < now->n; i++)
		if (!state_find((struct lvs_state *)old, now->v[i].service, now->v[i].server))
			r = state_put(absent, &now->v[i]);
	return r;
}

/* ------------------------------------------------------------------------
 * Committing a plan: state file first (so a remembered weight is on disk
 * before the weight goes), then the kernel, then audit and undo.
 * new_state: the state file's content after the change (NULL: unchanged).
 * ------------------------------------------------------------------------ */

static int commit(lvs_actions *a, struct lvs_plan *p, const char *action, const char *object,
		  const struct lvs_state *new_state)
{
	struct lvs_state old = { 0 };
	char e[LVS_ERR_MAX];
	size_t failed;
	bool rolled_back;
	int r;

	if (!p->n) {
		a->err[0] = '\0';
		return 0;
	}
	if (state_copy(&old, &a->state) < 0) {
		set_err(a, "out of memory");
		return -ENOMEM;
	}
	if (new_state) {
		r = state_write(a, new_state, e, sizeof(e));
		if (r) {
			set_err(a, "%s: nothing was changed", e);
			state_done(&old);
			return r;
		}
	}
	if (a->own_writer && (r = ensure_nl(a)) != 0) {
		if (new_state)
			state_write(a, &old, e, sizeof(e));
		state_done(&old);
		return r;
	}
	r = plan_run(p, &a->writer, &failed, &rolled_back, e, sizeof(e));
	struct lvs_snapshot *after = NULL;
	char keep[LVS_ERR_MAX];
	snprintf(keep, sizeof(keep), "%s", a->err);
	if (read_table(a, &after) != 0)
		after = NULL;
	snprintf(a->err, sizeof(a->err), "%s", keep);

	if (r) {
		if (new_state)
			state_write(a, &old, keep, sizeof(keep));
		if (p->n > 1)
			set_err(a, "%s (step %zu of %zu; %s)", e, failed + 1, p->n,
				rolled_back ? "the steps before it were undone: the table is as it was"
					    : "undoing the steps before it failed too: check the table");
		else
			set_err(a, "%s", e);
		audit(a, action, object, p, after, false, rolled_back && p->n > 1, a->err);
		snapshot_unref(after);
		state_done(&old);
		return r;
	}
	a->err[0] = '\0';
	if (new_state)
		state_copy(&a->state, new_state);
	forget_deleted(a, p);
	/* Record the inverse for undo. */
	free(a->undo_ops);
	a->undo_ops = plan_inverse(p, &a->n_undo);
	a->has_undo = true;
	a->undo_possible = p->undoable && (a->undo_ops || !p->n_inv);
	state_diff(&old, &a->state, &a->undo_state, &a->undo_absent);
	state_done(&old);
	snprintf(a->undo_desc, sizeof(a->undo_desc), "%s %s", action, object);
	audit(a, action, object, p, after, true, false, NULL);
	snapshot_unref(after);
	return 0;
}

/* plan_add with the failure sentence in a->err (prefixed, for rule files). */
static int add_op(lvs_actions *a, struct lvs_plan *p, const struct lvs_op *op, const char *prefix)
{
	char e[LVS_ERR_MAX];
	int r = plan_add(p, op, e, sizeof(e));
	if (r)
		set_err(a, "%s%s", prefix, e);
	return r;
}

/* ------------------------------------------------------------------------
 * Building ops from arguments (the command line and rule files)
 * ------------------------------------------------------------------------ */

static void svc_defaults(struct lvs_service *svc, unsigned given)
{
	if (!(given & LVS_ARG_SCHED))
		snprintf(svc->sched, sizeof(svc->sched), "wlc"); /* ipvsadm's default */
	if (!(given & LVS_ARG_NETMASK))
		svc->netmask = svc->af == AF_INET6 ? 128 : 0xffffffffu;
}

/* The real server a command names: -r ADDR[:PORT]. Without a port,
 * ipvsadm means the service's port; when the service has exactly one real
 * server at that address on another port (masquerading can map ports),
 * that one is meant. */
static bool resolve_dest(const struct lvs_plan *p, const struct lvs_service *svc,
			 const struct lvs_args *g, struct lvs_dest *id)
{
	*id = g->dest;
	if (g->given & LVS_ARG_DEST_PORT)
		return plan_find_dest(p, svc, id, NULL);
	id->port = svc->fwmark ? 0 : svc->port;
	if (plan_find_dest(p, svc, id, NULL))
		return true;
	const struct lvs_service *s = find_svc(p->before, svc);
	const struct lvs_dest *only = NULL;
	size_t hits = 0;
	for (size_t i = 0; s && i < s->n_dests; i++)
		if (s->dests[i].af == id->af && !memcmp(&s->dests[i].addr, &id->addr, sizeof(id->addr))) {
			only = &s->dests[i];
			hits++;
		}
	if (hits == 1 && plan_find_dest(p, svc, only, NULL)) {
		id->port = only->port;
		return true;
	}
	return false;
}

static int need_svc(lvs_actions *a, const struct lvs_plan *p, const struct lvs_service *id,
		    struct lvs_service *out, const char *prefix)
{
	char s[LVS_OBJ_MAX];
	if (plan_find_svc(p, id, out))
		return 0;
	set_err(a, "%sno virtual service %s", prefix, lvs_svc_text(id, s, sizeof(s)));
	return -ESRCH;
}

static int need_dest(lvs_actions *a, const struct lvs_plan *p, const struct lvs_service *svc,
		     const struct lvs_args *g, struct lvs_dest *out, const char *prefix)
{
	char s[LVS_OBJ_MAX], d[LVS_OBJ_MAX];
	struct lvs_dest id;
	if (resolve_dest(p, svc, g, &id) && plan_find_dest(p, svc, &id, out))
		return 0;
	set_err(a, "%sno real server %s in virtual service %s", prefix, lvs_dest_text(&id, d, sizeof(d)),
		lvs_svc_text(svc, s, sizeof(s)));
	return -ENOENT;
}

static int check_svc(lvs_actions *a, const struct lvs_service *svc, const char *prefix)
{
	char e[LVS_ERR_MAX];
	int r = args_check_service(svc, e, sizeof(e));
	if (r)
		set_err(a, "%s%s", prefix, e);
	return r;
}

static int check_dest(lvs_actions *a, const struct lvs_service *svc, const struct lvs_dest *d,
		      const char *prefix)
{
	char e[LVS_ERR_MAX];
	int r = args_check_dest(svc, d, e, sizeof(e));
	if (r)
		set_err(a, "%s%s", prefix, e);
	return r;
}

/* The ops for one service/real-server command, added to p. */
static int plan_args(lvs_actions *a, struct lvs_plan *p, const struct lvs_args *g, const char *prefix)
{
	struct lvs_op op;
	struct lvs_service cur;
	struct lvs_dest d;
	int r;

	memset(&op, 0, sizeof(op));
	op.svc = g->svc;
	switch (g->act) {
	case LVS_ACT_ADD_SVC:
		op.kind = LVS_OP_ADD_SVC;
		svc_defaults(&op.svc, g->given);
		if ((r = check_svc(a, &op.svc, prefix)) != 0)
			return r;
		return add_op(a, p, &op, prefix);
	case LVS_ACT_EDIT_SVC:
		if ((r = need_svc(a, p, &g->svc, &cur, prefix)) != 0)
			return r;
		if (!(g->given & (LVS_ARG_SCHED | LVS_ARG_PERSIST | LVS_ARG_NETMASK | LVS_ARG_FLAGS |
				  LVS_ARG_ONEPACKET | LVS_ARG_PE | LVS_ARG_NO_PERSIST |
				  LVS_ARG_NO_ONEPACKET))) {
			set_err(a, "%sedit-service: nothing to change (give -s, -p, -M, -b, -o, --pe, "
				"--no-persistent or --no-ops)", prefix);
			return -EINVAL;
		}
		op.kind = LVS_OP_SET_SVC;
		op.svc = cur;
		if (g->given & LVS_ARG_SCHED)
			memcpy(op.svc.sched, g->svc.sched, sizeof(op.svc.sched));
		if (g->given & LVS_ARG_PERSIST) {
			op.svc.flags |= IP_VS_SVC_F_PERSISTENT;
			op.svc.timeout = g->svc.timeout;
		}
		if (g->given & LVS_ARG_NETMASK)
			op.svc.netmask = g->svc.netmask;
		if (g->given & LVS_ARG_FLAGS) {
			uint32_t sched = IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2 | IP_VS_SVC_F_SCHED3;
			op.svc.flags = (op.svc.flags & ~sched) | (g->svc.flags & sched);
		}
		if (g->given & LVS_ARG_ONEPACKET)
			op.svc.flags |= IP_VS_SVC_F_ONEPACKET;
		if (g->given & LVS_ARG_NO_PERSIST) {
			/* As ipvsadm -E without -p: no timeout, the default mask. */
			op.svc.flags &= ~IP_VS_SVC_F_PERSISTENT;
			op.svc.timeout = 0;
			op.svc.netmask = op.svc.af == AF_INET6 ? 128 : 0xffffffffu;
		}
		if (g->given & LVS_ARG_NO_ONEPACKET)
			op.svc.flags &= ~IP_VS_SVC_F_ONEPACKET;
		if (g->given & LVS_ARG_PE)
			memcpy(op.svc.pe_name, g->svc.pe_name, sizeof(op.svc.pe_name));
		if ((r = check_svc(a, &op.svc, prefix)) != 0)
			return r;
		return add_op(a, p, &op, prefix);
	case LVS_ACT_DEL_SVC:
		op.kind = LVS_OP_DEL_SVC;
		return add_op(a, p, &op, prefix);
	case LVS_ACT_ADD_DEST:
		if ((r = need_svc(a, p, &g->svc, &cur, prefix)) != 0)
			return r;
		op.kind = LVS_OP_ADD_DEST;
		op.svc = cur;
		op.dest = g->dest;
		if (!(g->given & LVS_ARG_FWD))
			op.dest.fwd = LVS_FWD_ROUTE; /* ipvsadm's default, -g */
		if (!(g->given & LVS_ARG_WEIGHT))
			op.dest.weight = 1;
		if (!(g->given & LVS_ARG_DEST_PORT))
			op.dest.port = cur.fwmark ? 0 : cur.port;
		if ((r = check_dest(a, &cur, &op.dest, prefix)) != 0)
			return r;
		return add_op(a, p, &op, prefix);
	case LVS_ACT_EDIT_DEST:
	case LVS_ACT_WEIGHT:
		if ((r = need_svc(a, p, &g->svc, &cur, prefix)) != 0 ||
		    (r = need_dest(a, p, &cur, g, &d, prefix)) != 0)
			return r;
		op.kind = LVS_OP_SET_DEST;
		op.svc = cur;
		op.dest = d;
		if (g->act == LVS_ACT_WEIGHT) {
			int64_t w = g->weight_relative ? (int64_t)d.weight + g->weight_delta : g->dest.weight;
			op.dest.weight = (int32_t)(w < 0 ? 0 : w > LVS_WEIGHT_MAX ? LVS_WEIGHT_MAX : w);
		} else {
			if (!(g->given & (LVS_ARG_FWD | LVS_ARG_WEIGHT | LVS_ARG_UTH | LVS_ARG_LTH |
					  LVS_ARG_TUN_TYPE | LVS_ARG_TUN_PORT | LVS_ARG_TUN_FLAGS))) {
				set_err(a, "%sedit-server: nothing to change (give -g/-i/-m, -w, -x, -y or --tun-*)",
					prefix);
				return -EINVAL;
			}
			if (g->given & LVS_ARG_FWD) {
				op.dest.fwd = g->dest.fwd;
				if (op.dest.fwd != LVS_FWD_TUNNEL)
					op.dest.tun_type = 0, op.dest.tun_port = 0, op.dest.tun_flags = 0;
			}
			if (g->given & LVS_ARG_WEIGHT)
				op.dest.weight = g->dest.weight;
			if (g->given & LVS_ARG_UTH)
				op.dest.u_thresh = g->dest.u_thresh;
			if (g->given & LVS_ARG_LTH)
				op.dest.l_thresh = g->dest.l_thresh;
			if (g->given & LVS_ARG_TUN_TYPE)
				op.dest.tun_type = g->dest.tun_type;
			if (g->given & LVS_ARG_TUN_PORT)
				op.dest.tun_port = g->dest.tun_port;
			if (g->given & LVS_ARG_TUN_FLAGS)
				op.dest.tun_flags = g->dest.tun_flags;
		}
		if ((r = check_dest(a, &cur, &op.dest, prefix)) != 0)
			return r;
		return add_op(a, p, &op, prefix);
	case LVS_ACT_DEL_DEST:
		if ((r = need_svc(a, p, &g->svc, &cur, prefix)) != 0 ||
		    (r = need_dest(a, p, &cur, g, &d, prefix)) != 0)
			return r;
		op.kind = LVS_OP_DEL_DEST;
		op.svc = cur;
		op.dest = d;
		return add_op(a, p, &op, prefix);
	case LVS_ACT_ZERO:
		op.kind = LVS_OP_ZERO;
		if (!(g->given & LVS_ARG_SVC))
			op.svc_all = true;
		return add_op(a, p, &op, prefix);
	case LVS_ACT_TIMEOUTS:
		if (!g->timeouts[0] && !g->timeouts[1] && !g->timeouts[2]) {
			set_err(a, "%stimeouts: 0 0 0 changes nothing (0 keeps a timeout as it is)", prefix);
			return -EINVAL;
		}
		op.kind = LVS_OP_TIMEOUTS;
		memcpy(op.timeouts, g->timeouts, sizeof(op.timeouts));
		return add_op(a, p, &op, prefix);
	case LVS_ACT_FLUSH:
		op.kind = LVS_OP_FLUSH;
		return add_op(a, p, &op, prefix);
	default:
		set_err(a, "%s%s: not a single change", prefix, args_act_name(g->act));
		return -EINVAL;
	}
}

/* Start a plan over a fresh table read. */
/* Start an action: take the lock (and the state file's latest content),
 * then read the table the plan starts from. end() must follow, even after
 * a failed begin(). */
static int begin(lvs_actions *a, struct lvs_plan *p, struct lvs_snapshot **before)
{
	lock_take(a);
	plan_init(p, NULL);
	*before = NULL;
	int r = read_table(a, before);
	if (r)
		return r;
	plan_init(p, *before);
	return 0;
}

static void end(lvs_actions *a, struct lvs_plan *p, struct lvs_snapshot *before)
{
	plan_done(p);
	snapshot_unref(before);
	lock_drop(a);
}

static int run_simple(lvs_actions *a, const struct lvs_args *g)
{
	struct lvs_plan p;
	struct lvs_snapshot *before;
	char obj[2 * LVS_OBJ_MAX + 8] = "";
	int r;

	if ((r = begin(a, &p, &before)) != 0) {
		end(a, &p, before);
		return r;
	}
	r = plan_args(a, &p, g, "");
	if (!r) {
		const struct lvs_op *op = &p.ops[0];
		bool dest = op->kind == LVS_OP_ADD_DEST || op->kind == LVS_OP_SET_DEST ||
			    op->kind == LVS_OP_DEL_DEST;
		if (op->kind == LVS_OP_TIMEOUTS)
			snprintf(obj, sizeof(obj), "tcp %u tcpfin %u udp %u", op->timeouts[0],
				 op->timeouts[1], op->timeouts[2]);
		else if (op->kind == LVS_OP_FLUSH || (op->kind == LVS_OP_ZERO && op->svc_all))
			snprintf(obj, sizeof(obj), "all");
		else
			object_text(&op->svc, dest ? &op->dest : NULL, obj, sizeof(obj));
		r = commit(a, &p, args_act_name(g->act), obj, NULL);
		if (!r)
			set_msg(a, "%s %s: done", args_act_name(g->act), obj);
	}
	end(a, &p, before);
	return r;
}

/* ------------------------------------------------------------------------
 * Quiesce, restore, drain
 * ------------------------------------------------------------------------ */

/* The current service and real server a key-press or command names. */
static int locate(lvs_actions *a, const struct lvs_plan *p, const struct lvs_service *id,
		  const struct lvs_dest *dest_id, bool port_given, struct lvs_service *svc,
		  struct lvs_dest *d)
{
	struct lvs_args g;
	int r;

	memset(&g, 0, sizeof(g));
	g.svc = *id;
	g.dest = *dest_id;
	g.given = LVS_ARG_SVC | LVS_ARG_DEST | (port_given ? LVS_ARG_DEST_PORT : 0);
	if ((r = need_svc(a, p, id, svc, "")) != 0)
		return r;
	return need_dest(a, p, svc, &g, d, "");
}

int actions_resolve(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
		    bool port_given, struct lvs_service *svc, struct lvs_dest *d)
{
	struct lvs_plan p;
	struct lvs_snapshot *before;
	int r;

	if ((r = begin(a, &p, &before)) != 0) {
		end(a, &p, before);
		return r;
	}
	r = locate(a, &p, id, dest_id, port_given, svc, d);
	end(a, &p, before);
	return r;
}

static int do_quiesce(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
		      bool port_given, bool drain, const struct lvs_drain_opts *dopt)
{
	struct lvs_plan p;
	struct lvs_snapshot *before;
	struct lvs_service svc;
	struct lvs_dest d;
	struct lvs_state st = { 0 };
	char obj[2 * LVS_OBJ_MAX + 8], stext[LVS_OBJ_MAX], dtext[LVS_OBJ_MAX];
	int r;

	if ((r = begin(a, &p, &before)) != 0) {
		end(a, &p, before);
		return r;
	}
	if ((r = locate(a, &p, id, dest_id, port_given, &svc, &d)) != 0)
		goto out;
	object_text(&svc, &d, obj, sizeof(obj));
	lvs_svc_text(&svc, stext, sizeof(stext));
	lvs_dest_text(&d, dtext, sizeof(dtext));
	const struct lvs_state_entry *old = state_find(&a->state, stext, dtext);
	if (d.weight == 0 && !old && !drain) {
		/* Quiesced by someone else: nothing to do, nothing to remember. */
		set_msg(a, "%s has weight 0 already (no weight remembered: restore it with "
			   "`lvstop weight`)", obj);
		r = 0;
		goto out;
	}
	struct lvs_state_entry e;
	memset(&e, 0, sizeof(e));
	snprintf(e.service, sizeof(e.service), "%s", stext);
	snprintf(e.server, sizeof(e.server), "%s", dtext);
	/* A server quiesced before keeps the weight remembered then. */
	e.weight = d.weight == 0 && old ? old->weight : d.weight;
	e.since = old && d.weight == 0 ? old->since : now_wall();
	e.draining = drain || (old && old->draining && d.weight == 0);
	e.remove_at_zero = drain ? dopt->remove_at_zero : (old && old->remove_at_zero && d.weight == 0);
	e.ignore_inactive = drain ? dopt->ignore_inactive : (old && old->ignore_inactive && d.weight == 0);
	if (drain)
		e.since = now_wall();
	if ((r = state_copy(&st, &a->state)) != 0 || (r = state_put(&st, &e)) != 0) {
		set_err(a, "out of memory");
		goto out;
	}
	if (d.weight != 0) {
		struct lvs_op op;
		memset(&op, 0, sizeof(op));
		op.kind = LVS_OP_SET_DEST;
		op.svc = svc;
		op.dest = d;
		op.dest.weight = 0;
		if ((r = add_op(a, &p, &op, "")) != 0)
			goto out;
		r = commit(a, &p, drain ? "drain" : "quiesce", obj, &st);
	} else {
		/* Already at 0: only the state changes (a drain starting). */
		char e2[LVS_ERR_MAX];
		r = state_write(a, &st, e2, sizeof(e2));
		if (r)
			set_err(a, "%s", e2);
		else
			state_copy(&a->state, &st);
	}
	if (!r)
		set_msg(a, "%s %s (weight %d remembered)", drain ? "draining" : "quiesced", obj, e.weight);
out:
	state_done(&st);
	end(a, &p, before);
	return r;
}

int actions_quiesce(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id)
{
	return do_quiesce(a, id, dest_id, true, false, NULL);
}

int actions_drain_start(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
			bool remove_at_zero)
{
	struct lvs_drain_opts o = { .remove_at_zero = remove_at_zero };
	return do_quiesce(a, id, dest_id, true, true, &o);
}

int actions_drain_begin(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
			const struct lvs_drain_opts *o)
{
	return do_quiesce(a, id, dest_id, true, true, o);
}

static int do_restore(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
		      bool port_given)
{
	struct lvs_plan p;
	struct lvs_snapshot *before;
	struct lvs_service svc;
	struct lvs_dest d;
	struct lvs_state st = { 0 };
	char obj[2 * LVS_OBJ_MAX + 8], stext[LVS_OBJ_MAX], dtext[LVS_OBJ_MAX];
	int r;

	if ((r = begin(a, &p, &before)) != 0) {
		end(a, &p, before);
		return r;
	}
	if ((r = locate(a, &p, id, dest_id, port_given, &svc, &d)) != 0)
		goto out;
	object_text(&svc, &d, obj, sizeof(obj));
	lvs_svc_text(&svc, stext, sizeof(stext));
	lvs_dest_text(&d, dtext, sizeof(dtext));
	const struct lvs_state_entry *e = state_find(&a->state, stext, dtext);
	if (!e) {
		r = -ENODATA;
		set_err(a, "%s was not quiesced or drained by lvstop: no weight to restore "
			   "(set one with `lvstop weight`)", obj);
		goto out;
	}
	int32_t w = e->weight;
	if ((r = state_copy(&st, &a->state)) != 0) {
		set_err(a, "out of memory");
		goto out;
	}
	state_remove(&st, stext, dtext);
	struct lvs_op op;
	memset(&op, 0, sizeof(op));
	op.kind = LVS_OP_SET_DEST;
	op.svc = svc;
	op.dest = d;
	op.dest.weight = w;
	if ((r = add_op(a, &p, &op, "")) != 0)
		goto out;
	if (d.weight == w) {
		char e2[LVS_ERR_MAX];
		r = state_write(a, &st, e2, sizeof(e2));
		if (r)
			set_err(a, "%s", e2);
		else
			state_copy(&a->state, &st);
	} else {
		r = commit(a, &p, "restore", obj, &st);
	}
	if (!r)
		set_msg(a, "restored %s to weight %d", obj, w);
out:
	state_done(&st);
	end(a, &p, before);
	return r;
}

int actions_restore(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id)
{
	return do_restore(a, id, dest_id, true);
}

bool actions_server_state(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
			  struct lvs_state_entry *out)
{
	char s[LVS_OBJ_MAX], d[LVS_OBJ_MAX];
	state_refresh(a); /* another lvstop may have quiesced or restored it */
	const struct lvs_state_entry *e = state_find(&a->state, lvs_svc_text(id, s, sizeof(s)),
						     lvs_dest_text(dest_id, d, sizeof(d)));
	if (e && out)
		*out = *e;
	return e != NULL;
}

const struct lvs_state *actions_state(lvs_actions *a)
{
	state_refresh(a);
	return &a->state;
}

void actions_drain_estimate(const double *t, const double *v, size_t n, double *rate, double *eta)
{
	*rate = -1;
	*eta = -1;
	if (n < 2)
		return;
	double mt = 0, mv = 0, sxy = 0, sxx = 0;
	for (size_t i = 0; i < n; i++) {
		mt += t[i];
		mv += v[i];
	}
	mt /= (double)n;
	mv /= (double)n;
	for (size_t i = 0; i < n; i++) {
		sxy += (t[i] - mt) * (v[i] - mv);
		sxx += (t[i] - mt) * (t[i] - mt);
	}
	if (sxx <= 0)
		return;
	double slope = sxy / sxx;
	if (slope >= 0)
		return; /* not falling: no estimate */
	*rate = -slope;
	*eta = v[n - 1] / *rate;
}

static struct drain_track *track_for(lvs_actions *a, const char *key)
{
	for (size_t i = 0; i < DRAIN_TRACKS; i++)
		if (!strcmp(a->drains[i].key, key))
			return &a->drains[i];
	struct drain_track *t = &a->drains[a->next_track++ % DRAIN_TRACKS];
	memset(t, 0, sizeof(*t));
	snprintf(t->key, sizeof(t->key), "%s", key);
	return t;
}

int actions_drain_poll(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
		       struct lvs_drain_progress *pr)
{
	struct lvs_snapshot *s;
	char stext[LVS_OBJ_MAX], dtext[LVS_OBJ_MAX], key[2 * LVS_OBJ_MAX];
	int r;

	memset(pr, 0, sizeof(*pr));
	pr->rate = pr->eta = -1;
	if ((r = read_table(a, &s)) != 0)
		return r;
	const struct lvs_service *svc = find_svc(s, id);
	const struct lvs_dest *d = find_dest(svc, dest_id);
	lvs_svc_text(id, stext, sizeof(stext));
	lvs_dest_text(dest_id, dtext, sizeof(dtext));
	state_refresh(a);
	const struct lvs_state_entry *e = state_find(&a->state, stext, dtext);
	double now = now_wall();
	if (e && e->since > 0)
		pr->elapsed = now - e->since;
	if (!d) {
		snapshot_unref(s);
		pr->done = true;
		return 0;
	}
	pr->exists = true;
	pr->active = d->active_conns;
	pr->inactive = d->inact_conns;
	pr->persistent = d->persist_conns;
	pr->total = (uint64_t)d->active_conns + d->inact_conns + d->persist_conns;
	pr->done = e && e->ignore_inactive ? (uint64_t)d->active_conns + d->persist_conns == 0
					   : pr->total == 0;
	snprintf(key, sizeof(key), "%s|%s", stext, dtext);
	struct drain_track *t = track_for(a, key);
	if (t->n == DRAIN_SAMPLES) {
		memmove(t->t, t->t + 1, (DRAIN_SAMPLES - 1) * sizeof(double));
		memmove(t->v, t->v + 1, (DRAIN_SAMPLES - 1) * sizeof(double));
		t->n--;
	}
	t->t[t->n] = now;
	t->v[t->n] = (double)pr->total;
	t->n++;
	actions_drain_estimate(t->t, t->v, t->n, &pr->rate, &pr->eta);
	bool remove = pr->done && e && e->draining && e->remove_at_zero;
	struct lvs_service svc_copy = *svc;
	struct lvs_dest d_copy = *d;
	snapshot_unref(s);
	if (remove) {
		r = actions_del_server(a, &svc_copy, &d_copy);
		if (r)
			return r;
		pr->removed = true;
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Typed entry points
 * ------------------------------------------------------------------------ */

static int one_op(lvs_actions *a, struct lvs_op *op, const char *action, bool check_s, bool check_d)
{
	struct lvs_plan p;
	struct lvs_snapshot *before;
	char obj[2 * LVS_OBJ_MAX + 8];
	int r;

	if ((r = begin(a, &p, &before)) != 0) {
		end(a, &p, before);
		return r;
	}
	bool dest = op->kind == LVS_OP_ADD_DEST || op->kind == LVS_OP_SET_DEST ||
		    op->kind == LVS_OP_DEL_DEST;
	if (dest || (op->kind == LVS_OP_ZERO && !op->svc_all)) {
		struct lvs_service cur;
		if ((r = need_svc(a, &p, &op->svc, &cur, "")) != 0)
			goto out;
		op->svc = cur; /* the service's settings do not matter to the kernel here */
	}
	if (check_s && (r = check_svc(a, &op->svc, "")) != 0)
		goto out;
	if (check_d && (r = check_dest(a, &op->svc, &op->dest, "")) != 0)
		goto out;
	if ((r = add_op(a, &p, op, "")) != 0)
		goto out;
	if (op->kind == LVS_OP_FLUSH || (op->kind == LVS_OP_ZERO && op->svc_all))
		snprintf(obj, sizeof(obj), "all");
	else
		object_text(&op->svc, dest ? &op->dest : NULL, obj, sizeof(obj));
	r = commit(a, &p, action, obj, NULL);
	if (!r)
		set_msg(a, "%s %s: done", action, obj);
out:
	end(a, &p, before);
	return r;
}

int actions_add_service(lvs_actions *a, const struct lvs_service *svc)
{
	struct lvs_op op = { .kind = LVS_OP_ADD_SVC, .svc = *svc };
	return one_op(a, &op, "add-service", true, false);
}

int actions_del_service(lvs_actions *a, const struct lvs_service *id)
{
	struct lvs_op op = { .kind = LVS_OP_DEL_SVC, .svc = *id };
	return one_op(a, &op, "del-service", false, false);
}

int actions_add_server(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *d)
{
	struct lvs_op op = { .kind = LVS_OP_ADD_DEST, .svc = *id, .dest = *d };
	return one_op(a, &op, "add-server", false, true);
}

int actions_del_server(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id)
{
	struct lvs_op op = { .kind = LVS_OP_DEL_DEST, .svc = *id, .dest = *dest_id };
	return one_op(a, &op, "del-server", false, false);
}

int actions_zero(lvs_actions *a, const struct lvs_service *id)
{
	struct lvs_op op = { .kind = LVS_OP_ZERO, .svc_all = id == NULL };
	if (id)
		op.svc = *id;
	return one_op(a, &op, "zero", false, false);
}

int actions_timeouts(lvs_actions *a, uint32_t tcp, uint32_t tcpfin, uint32_t udp)
{
	struct lvs_op op = { .kind = LVS_OP_TIMEOUTS, .timeouts = { tcp, tcpfin, udp } };
	if (tcp > LVS_TIMEOUT_MAX || tcpfin > LVS_TIMEOUT_MAX || udp > LVS_TIMEOUT_MAX) {
		set_err(a, "timeouts: at most %u seconds each", LVS_TIMEOUT_MAX);
		return -EINVAL;
	}
	return one_op(a, &op, "timeouts", false, false);
}

int actions_flush(lvs_actions *a)
{
	struct lvs_op op = { .kind = LVS_OP_FLUSH };
	return one_op(a, &op, "flush", false, false);
}

int actions_daemon_start(lvs_actions *a, const struct lvs_daemon *dm)
{
	struct lvs_op op = { .kind = LVS_OP_ADD_DAEMON, .dm = *dm };
	if (dm->state != IP_VS_STATE_MASTER && dm->state != IP_VS_STATE_BACKUP) {
		set_err(a, "sync daemon: state must be master or backup");
		return -EINVAL;
	}
	if (!dm->mcast_ifn[0]) {
		set_err(a, "sync daemon: the multicast interface is missing");
		return -EINVAL;
	}
	if (dm->syncid > 255) {
		set_err(a, "sync daemon: sync id %u is out of range (0..255)", dm->syncid);
		return -EINVAL;
	}
	return one_op(a, &op, "start-daemon", false, false);
}

int actions_daemon_stop(lvs_actions *a, uint32_t state)
{
	struct lvs_op op = { .kind = LVS_OP_DEL_DAEMON };
	op.dm.state = state;
	return one_op(a, &op, "stop-daemon", false, false);
}

int actions_set_weight(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
		       int64_t weight, bool relative)
{
	struct lvs_args g;
	memset(&g, 0, sizeof(g));
	g.act = LVS_ACT_WEIGHT;
	g.svc = *id;
	g.dest = *dest_id;
	g.given = LVS_ARG_SVC | LVS_ARG_DEST | LVS_ARG_DEST_PORT;
	if (relative) {
		g.weight_relative = true;
		g.weight_delta = weight;
	} else {
		if (weight < 0 || weight > LVS_WEIGHT_MAX) {
			set_err(a, "weight: %lld is out of range (0..%d)", (long long)weight, LVS_WEIGHT_MAX);
			return -EINVAL;
		}
		g.dest.weight = (int32_t)weight;
		g.given |= LVS_ARG_WEIGHT;
	}
	return run_simple(a, &g);
}

int actions_edit_service(lvs_actions *a, const struct lvs_service *id, const struct lvs_service *svc)
{
	struct lvs_plan p;
	struct lvs_snapshot *before;
	struct lvs_service cur;
	struct lvs_op op;
	char obj[2 * LVS_OBJ_MAX + 8];
	int r;

	if ((r = begin(a, &p, &before)) != 0) {
		end(a, &p, before);
		return r;
	}
	if ((r = need_svc(a, &p, id, &cur, "")) != 0 || (r = check_svc(a, svc, "")) != 0)
		goto out;
	memset(&op, 0, sizeof(op));
	if (lvs_service_same(id, svc)) {
		op.kind = LVS_OP_SET_SVC;
		op.svc = *svc;
		r = add_op(a, &p, &op, "");
	} else {
		/* A new identity is a new service: make it, move the real
		 * servers over, then remove the old one. */
		op.kind = LVS_OP_ADD_SVC;
		op.svc = *svc;
		r = add_op(a, &p, &op, "");
		const struct lvs_service *old = find_svc(before, id);
		for (size_t i = 0; !r && old && i < old->n_dests; i++) {
			memset(&op, 0, sizeof(op));
			op.kind = LVS_OP_ADD_DEST;
			op.svc = *svc;
			op.dest = old->dests[i];
			if (!svc->fwmark && (op.dest.fwd == LVS_FWD_ROUTE || op.dest.fwd == LVS_FWD_TUNNEL))
				op.dest.port = svc->port; /* those cannot change the port */
			if ((r = check_dest(a, svc, &op.dest, "")) == 0)
				r = add_op(a, &p, &op, "");
		}
		if (!r) {
			memset(&op, 0, sizeof(op));
			op.kind = LVS_OP_DEL_SVC;
			op.svc = cur;
			r = add_op(a, &p, &op, "");
		}
	}
	if (r)
		goto out;
	object_text(id, NULL, obj, sizeof(obj));
	r = commit(a, &p, "edit-service", obj, NULL);
	if (!r)
		set_msg(a, "edit-service %s: done", obj);
out:
	end(a, &p, before);
	return r;
}

int actions_edit_server(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *old_id,
			const struct lvs_dest *d)
{
	struct lvs_plan p;
	struct lvs_snapshot *before;
	struct lvs_service cur;
	struct lvs_op op;
	char obj[2 * LVS_OBJ_MAX + 8];
	int r;

	if ((r = begin(a, &p, &before)) != 0) {
		end(a, &p, before);
		return r;
	}
	if ((r = need_svc(a, &p, id, &cur, "")) != 0)
		goto out;
	if (!plan_find_dest(&p, &cur, old_id, NULL)) {
		char s[LVS_OBJ_MAX], t[LVS_OBJ_MAX];
		set_err(a, "no real server %s in virtual service %s", lvs_dest_text(old_id, t, sizeof(t)),
			lvs_svc_text(&cur, s, sizeof(s)));
		r = -ENOENT;
		goto out;
	}
	if ((r = check_dest(a, &cur, d, "")) != 0)
		goto out;
	memset(&op, 0, sizeof(op));
	op.svc = cur;
	op.dest = *d;
	if (lvs_dest_same(old_id, d)) {
		op.kind = LVS_OP_SET_DEST;
		r = add_op(a, &p, &op, "");
	} else {
		op.kind = LVS_OP_ADD_DEST;
		r = add_op(a, &p, &op, "");
		if (!r) {
			op.kind = LVS_OP_DEL_DEST;
			op.dest = *old_id;
			r = add_op(a, &p, &op, "");
		}
	}
	if (r)
		goto out;
	object_text(&cur, old_id, obj, sizeof(obj));
	r = commit(a, &p, "edit-server", obj, NULL);
	if (!r)
		set_msg(a, "edit-server %s: done", obj);
out:
	end(a, &p, before);
	return r;
}

/* ------------------------------------------------------------------------
 * Rule files, save, undo
 * ------------------------------------------------------------------------ */

static int load_text(lvs_actions *a, const char *text, bool flush_first, const char *name)
{
	struct rules_line *lines = NULL;
	size_t n = 0;
	struct lvs_plan p;
	struct lvs_snapshot *before;
	char e[LVS_ERR_MAX], prefix[64];
	int r;

	r = rules_parse(text, &lines, &n, e, sizeof(e));
	if (r) {
		set_err(a, "%s: %s", name, e);
		return r;
	}
	if ((r = begin(a, &p, &before)) != 0) {
		end(a, &p, before);
		free(lines);
		return r;
	}
	if (flush_first) {
		struct lvs_op op = { .kind = LVS_OP_FLUSH };
		r = add_op(a, &p, &op, "");
	}
	for (size_t i = 0; !r && i < n; i++) {
		snprintf(prefix, sizeof(prefix), "%s: line %d: ", name, lines[i].lineno);
		r = plan_args(a, &p, &lines[i].args, prefix);
	}
	if (!r) {
		r = commit(a, &p, "load", name, NULL);
		if (!r)
			set_msg(a, "load %s: %zu rule%s applied", name, n, n == 1 ? "" : "s");
	}
	free(lines);
	end(a, &p, before);
	return r;
}

int actions_load(lvs_actions *a, const char *text, bool flush_first)
{
	return load_text(a, text, flush_first, "rules");
}

static int slurp(FILE *f, char **out)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			char *nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		size_t r = fread(buf + len, 1, cap - len, f);
		len += r;
		if (!r)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return -EIO;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len)) {
		free(buf);
		return -EINVAL;
	}
	*out = buf;
	return 0;
}

int actions_save(lvs_actions *a, FILE *out, bool full)
{
	struct lvs_snapshot *s;
	int r = read_table(a, &s);
	if (r)
		return r;
	r = rules_save(s, full, out ? out : stdout);
	if (r)
		set_err(a, "save: cannot write the rules: %s", strerror(-r));
	snapshot_unref(s);
	return r;
}

int actions_undo_last(lvs_actions *a)
{
	struct lvs_plan p;
	struct lvs_snapshot *before;
	char desc[LVS_ERR_MAX + 8];
	int r;

	if (!a->has_undo) {
		set_err(a, "nothing to undo");
		return -ENODATA;
	}
	if (!a->undo_possible) {
		set_err(a, "%s cannot be undone (zeroed counters cannot be given back)", a->undo_desc);
		return -ENOTSUP;
	}
	if ((r = begin(a, &p, &before)) != 0) {
		end(a, &p, before);
		return r;
	}
	for (size_t i = 0; !r && i < a->n_undo; i++)
		r = add_op(a, &p, &a->undo_ops[i], "undo: the table changed since: ");
	if (!r) {
		/* The state file as it is now (other processes' entries kept),
		 * with the entries the change touched put back as they were. */
		struct lvs_state st = { 0 };
		snprintf(desc, sizeof(desc), "%s", a->undo_desc);
		r = state_copy(&st, &a->state);
		for (size_t i = 0; !r && i < a->undo_absent.n; i++)
			state_remove(&st, a->undo_absent.v[i].service, a->undo_absent.v[i].server);
		for (size_t i = 0; !r && i < a->undo_state.n; i++)
			r = state_put(&st, &a->undo_state.v[i]);
		if (!r)
			r = commit(a, &p, "undo", desc, &st);
		state_done(&st);
		if (!r) {
			/* Undoing the undo is a new change with its own inverse (set by
			 * commit); say what was undone. */
			set_msg(a, "undone: %s", desc);
		}
	}
	end(a, &p, before);
	return r;
}

const char *actions_undo_desc(const lvs_actions *a)
{
	return a->has_undo ? a->undo_desc : NULL;
}

/* ------------------------------------------------------------------------
 * One parsed command
 * ------------------------------------------------------------------------ */

int actions_run(lvs_actions *a, const struct lvs_args *g, FILE *out)
{
	bool port = g->given & LVS_ARG_DEST_PORT;

	a->err[0] = a->msg[0] = '\0';
	switch (g->act) {
	case LVS_ACT_QUIESCE:
		return do_quiesce(a, &g->svc, &g->dest, port, false, NULL);
	case LVS_ACT_DRAIN: {
		struct lvs_drain_opts o = { .remove_at_zero = g->remove,
					    .ignore_inactive = g->ignore_inactive };
		return do_quiesce(a, &g->svc, &g->dest, port, true, &o);
	}
	case LVS_ACT_RESTORE:
		return do_restore(a, &g->svc, &g->dest, port);
	case LVS_ACT_SAVE:
		return actions_save(a, out, g->full);
	case LVS_ACT_START_DAEMON:
		return actions_daemon_start(a, &g->dm);
	case LVS_ACT_STOP_DAEMON:
		return actions_daemon_stop(a, g->dm.state);
	case LVS_ACT_LOAD: {
		FILE *f = strcmp(g->file, "-") ? fopen(g->file, "r") : stdin;
		char *text = NULL;
		int r;
		if (!f) {
			set_err(a, "load: cannot open %s: %s", g->file, strerror(errno));
			return -errno;
		}
		r = slurp(f, &text);
		if (f != stdin)
			fclose(f);
		if (r) {
			set_err(a, "load: cannot read %s: %s", g->file,
				r == -EINVAL ? "it holds a NUL byte (not a rule file)" : strerror(-r));
			return r;
		}
		r = load_text(a, text, g->flush_first, strcmp(g->file, "-") ? g->file : "stdin");
		free(text);
		return r;
	}
	default:
		return run_simple(a, g);
	}
}
