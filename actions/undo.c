#include "actions/undo.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "actions/audit.h"
#include "actions/rules.h"
#include "collector/names.h"
#include "collector/snapshot.h"
#include "share/vec.h"

#define UNDONE_ACTION "undone"

/* One change of a real server that may still be undone. */
struct change {
	char object[128];  /* "TCP 192.0.2.10:80 -> 10.0.0.2:80" */
	char action[24];
	char when[40];     /* the record's time as written: the mark names it */
	char user[64], sudo[64], source[16];
	char set_line[256]; /* the rule line lvstop left ("" when removed) */
	double time;
	bool removed;      /* del-server */
	int32_t weight;    /* the weight lvstop set */
};

struct lvs_undo {
	char *path, *source, *user;
	dev_t dev;
	ino_t ino;
	off_t off;
	bool seen; /* dev/ino are of a file read before */
	struct change *v;
	size_t n, cap;
};

lvs_undo *undo_new(const char *path, const char *source, const char *user)
{
	lvs_undo *u = calloc(1, sizeof(*u));
	char who[64], sudo[64];
	if (!u)
		return NULL;
	if (!user) {
		audit_who(who, sizeof(who), sudo, sizeof(sudo));
		user = who;
	}
	u->path = strdup(path);
	u->source = strdup(source ? source : "");
	u->user = strdup(user);
	if (!u->path || !u->source || !u->user) {
		undo_free(u);
		return NULL;
	}
	return u;
}

void undo_free(lvs_undo *u)
{
	if (!u)
		return;
	free(u->path);
	free(u->source);
	free(u->user);
	free(u->v);
	free(u);
}

size_t undo_open_count(const lvs_undo *u)
{
	return u->n;
}

/* Printable copy: text from the log may hold anything. */
static void clean_copy(char *dst, size_t len, const char *src)
{
	size_t i = 0;
	for (; src && src[i] && i + 1 < len; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = c < 0x20 || c > 0x7e ? '?' : (char)c;
	}
	if (len)
		dst[i] = '\0';
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* "2026-09-21T14:13:20.250Z" -> seconds; -1 when not that form. */
static double parse_time(const char *s)
{
	struct tm tm;
	int ms = 0, used = 0;
	memset(&tm, 0, sizeof(tm));
	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &used) != 7 || s[used])
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	return t == (time_t)-1 ? -1 : (double)t + ms / 1000.0;
}

/* The weight a rule line sets ("... -w 3"), or -1. */
static int32_t line_weight(const char *line)
{
	const char *p = line ? strstr(line, " -w ") : NULL;
	if (!p)
		return -1;
	char *end;
	long w = strtol(p + 4, &end, 10);
	if (end == p + 4 || (*end && *end != ' ') || w < 0 || w > 2147483647)
		return -1;
	return (int32_t)w;
}

static const char *first_line(json_object *o, const char *key)
{
	json_object *a;
	if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) != 1)
		return NULL;
	json_object *x = json_object_array_get_idx(a, 0);
	return json_object_is_type(x, json_type_string) ? json_object_get_string(x) : NULL;
}

static struct change *find(lvs_undo *u, const char *object)
{
	for (size_t i = 0; i < u->n; i++)
		if (!strcmp(u->v[i].object, object))
			return &u->v[i];
	return NULL;
}

static void drop(lvs_undo *u, size_t i)
{
	memmove(&u->v[i], &u->v[i + 1], (u->n - i - 1) * sizeof(*u->v));
	u->n--;
}

/* End the changes of every real server of service svc ("" : all). */
static void end_service(lvs_undo *u, const char *svc)
{
	size_t len = strlen(svc);
	for (size_t i = u->n; i-- > 0;)
		if (!len || (!strncmp(u->v[i].object, svc, len) &&
			     !strncmp(u->v[i].object + len, " -> ", 4)))
			drop(u, i);
}

/* One record of the log. */
static int take_record(lvs_undo *u, json_object *o)
{
	const char *action = jstr(o, "action"), *object = jstr(o, "object");
	const char *result = jstr(o, "result"), *when = jstr(o, "time");
	if (!action || !object || !result || strcmp(result, "ok"))
		return 0;
	if (!strstr(object, " -> ")) {
		if (strcmp(action, "zero"))
			end_service(u, object);
		return 0;
	}
	struct change *c = find(u, object);
	if (!strcmp(action, UNDONE_ACTION)) {
		json_object *un;
		const char *t = json_object_object_get_ex(o, "undoes", &un) ? jstr(un, "time") : NULL;
		if (c && t && !strcmp(t, c->when))
			drop(u, (size_t)(c - u->v));
		return 0;
	}
	bool weight_kind = !strcmp(action, "quiesce") || !strcmp(action, "drain") ||
			   !strcmp(action, "weight") || !strcmp(action, "edit-server");
	bool removed = !strcmp(action, "del-server");
	const char *after = first_line(o, "after");
	int32_t w = line_weight(after);
	double t = parse_time(when);
	if ((weight_kind && w < 0) || t < 0 || strlen(object) >= sizeof(c->object) ||
	    (!weight_kind && !removed) ||
	    (!strcmp(action, "edit-server") && line_weight(first_line(o, "before")) == w)) {
		/* Another change of this server (restore, add-server, an edit
		 * that kept the weight): what lvstop set before is over. */
		if (c)
			drop(u, (size_t)(c - u->v));
		return 0;
	}
	if (!c) {
		if (u->n == LVS_UNDO_OPEN_MAX)
			drop(u, 0);
		if (vec_grow((void **)&u->v, &u->cap, u->n + 1, sizeof(*u->v), 16) < 0)
			return -ENOMEM;
		c = &u->v[u->n++];
	}
	memset(c, 0, sizeof(*c));
	snprintf(c->object, sizeof(c->object), "%s", object);
	clean_copy(c->action, sizeof(c->action), action);
	clean_copy(c->when, sizeof(c->when), when);
	clean_copy(c->user, sizeof(c->user), jstr(o, "user"));
	clean_copy(c->sudo, sizeof(c->sudo), jstr(o, "sudo_user"));
	clean_copy(c->source, sizeof(c->source), jstr(o, "source"));
	clean_copy(c->set_line, sizeof(c->set_line), removed ? "" : after);
	c->time = t;
	c->removed = removed;
	c->weight = removed ? -1 : w;
	return 0;
}

/* Read what the log gained since the last call. */
static int read_new(lvs_undo *u, int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!u->seen || st.st_dev != u->dev || st.st_ino != u->ino || st.st_size < u->off) {
		/* A new file (rotated, or first read): from its start. The
		 * changes followed so far stay: they were recorded. */
		u->off = 0;
		u->dev = st.st_dev;
		u->ino = st.st_ino;
		u->seen = true;
	}
	while (u->off < st.st_size) {
		size_t want = (size_t)(st.st_size - u->off);
		if (want > LVS_UNDO_READ_MAX)
			want = LVS_UNDO_READ_MAX;
		char *buf = malloc(want + 1);
		if (!buf)
			return -ENOMEM;
		ssize_t got = pread(fd, buf, want, u->off);
		if (got < 0) {
			int e = -errno;
			free(buf);
			return e;
		}
		if (got == 0) {
			free(buf);
			break;
		}
		buf[got] = '\0';
		char *end = memrchr(buf, '\n', (size_t)got);
		if (!end) {
			free(buf);
			if ((size_t)got < LVS_UNDO_READ_MAX)
				break; /* a line being written: next time */
			u->off += got; /* a line longer than a read is not ours */
			continue;
		}
		int r = 0;
		for (char *p = buf; p <= end && !r;) {
			char *nl = memchr(p, '\n', (size_t)(end - p) + 1);
			*nl = '\0';
			json_tokener *tok = json_tokener_new();
			if (!tok) {
				r = -ENOMEM;
				break;
			}
			json_object *o = json_tokener_parse_ex(tok, p, (int)(nl - p));
			if (o && json_tokener_get_error(tok) == json_tokener_success &&
			    json_object_is_type(o, json_type_object))
				r = take_record(u, o);
			json_object_put(o);
			json_tokener_free(tok);
			p = nl + 1;
		}
		u->off += (end - buf) + 1;
		free(buf);
		if (r)
			return r;
		if (u->off >= st.st_size || (size_t)got == LVS_UNDO_READ_MAX)
			break; /* at most one read's worth per poll */
	}
	return 0;
}

/* The kernel's service and real server the change names. */
static bool kernel_find(const struct lvs_snapshot *s, const char *object,
			const struct lvs_service **ks, const struct lvs_dest **kd)
{
	const char *arrow = strstr(object, " -> ");
	size_t slen = (size_t)(arrow - object);
	char t[128];
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *svc = &s->services[i];
		lvs_svc_text(svc, t, sizeof(t));
		if (strlen(t) != slen || strncmp(t, object, slen))
			continue;
		for (size_t k = 0; k < svc->n_dests; k++) {
			lvs_dest_text(&svc->dests[k], t, sizeof(t));
			if (!strcmp(t, arrow + 4)) {
				*ks = svc;
				*kd = &svc->dests[k];
				return true;
			}
		}
		return false;
	}
	return false;
}

static const struct lvs_decl_dest *decl_find(const struct lvs_declared *d,
					     const struct lvs_service *ks,
					     const struct lvs_dest *kd)
{
	for (size_t i = 0; i < d->n_services; i++) {
		const struct lvs_decl_service *ds = &d->services[i];
		if (!lvs_service_same(&ds->s, ks))
			continue;
		for (size_t k = 0; k < ds->n_dests; k++) {
			const struct lvs_dest *x = &ds->dests[k].d;
			if (x->af == kd->af && x->port == kd->port &&
			    !memcmp(&x->addr, &kd->addr, kd->af == AF_INET6 ? 16 : 4))
				return &ds->dests[k];
		}
	}
	return NULL;
}

/* True when the declaring daemon undid change c: the sentence into ev. */
static bool undone(const struct change *c, const struct lvs_snapshot *s,
		   const struct lvs_declared *d, struct lvs_undo_event *ev, char *now_line,
		   size_t now_len)
{
	const struct lvs_service *ks;
	const struct lvs_dest *kd;
	if (s->time < c->time || !kernel_find(s, c->object, &ks, &kd))
		return false;
	const struct lvs_decl_dest *dd = decl_find(d, ks, kd);
	if (!dd)
		return false; /* nothing declares it: nobody puts anything back */
	if (!c->removed && (kd->weight != dd->d.weight || dd->d.weight == c->weight))
		return false;
	const char *who = d->kind == LVS_DECL_KEEPALIVED ? "keepalived" : "piranha (nanny)";
	char st[96], dt[64], when[32], by[160];
	struct tm tm;
	time_t t = (time_t)c->time;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	lvs_svc_text(ks, st, sizeof(st));
	lvs_dest_text(kd, dt, sizeof(dt));
	if (c->sudo[0])
		snprintf(by, sizeof(by), "%s (sudo from %s)", c->user[0] ? c->user : "?", c->sudo);
	else
		snprintf(by, sizeof(by), "%s", c->user[0] ? c->user : "?");
	const char *tool = !strcmp(c->source, "lvsd") ? "lvsd" : "lvstop";
	memset(ev, 0, sizeof(*ev));
	char text[1024]; /* then cut to the event's size: names can be long */
	if (c->removed)
		snprintf(text, sizeof(text),
			 "%s re-added %s in %s (weight %d), undoing %s %s at %s by %s", who, dt, st,
			 kd->weight, tool, c->action, when, by);
	else
		snprintf(text, sizeof(text),
			 "%s restored weight %d of %s in %s, undoing %s %s at %s by %s", who,
			 kd->weight, dt, st, tool, c->action, when, by);
	snprintf(ev->text, sizeof(ev->text), "%.*s", (int)sizeof(ev->text) - 1, text);
	snprintf(ev->object, sizeof(ev->object), "%s", c->object);
	snprintf(ev->action, sizeof(ev->action), "%s", c->action);
	ev->change_time = c->time;
	rules_dest_line(ks, kd, true, now_line, now_len);
	return true;
}

/* Compare every open change; report (and, with fd >= 0, mark) the undone
 * ones, ending them. */
static int report(lvs_undo *u, int fd, const struct lvs_snapshot *s,
		  const struct lvs_declared *d, struct lvs_undo_event **ev, size_t *n, bool dry)
{
	size_t cap = 0;
	for (size_t i = 0; i < u->n;) {
		struct lvs_undo_event e;
		char now_line[256];
		struct change *c = &u->v[i];
		if (!undone(c, s, d, &e, now_line, sizeof(now_line))) {
			i++;
			continue;
		}
		if (dry)
			return 1;
		if (fd >= 0) {
			const char *before[1] = { c->set_line }, *after[1] = { now_line };
			struct lvs_audit_rec rec = {
				.time = s->time,
				.user = u->user,
				.source = u->source,
				.action = UNDONE_ACTION,
				.object = c->object,
				.before = before,
				.n_before = c->set_line[0] ? 1 : 0,
				.after = after,
				.n_after = 1,
				.ok = true,
				.message = e.text,
				.undoes_action = c->action,
				.undoes_time = c->time,
				.undoes_user = c->user,
			};
			e.mark_err = audit_write(fd, &rec);
			e.marked = !e.mark_err;
		} else {
			e.mark_err = -EACCES;
		}
		if (vec_grow((void **)ev, &cap, *n + 1, sizeof(**ev), 4) < 0)
			return -ENOMEM;
		(*ev)[(*n)++] = e;
		drop(u, i);
	}
	return 0;
}

int undo_poll(lvs_undo *u, const struct lvs_snapshot *s, const struct lvs_declared *d,
	      struct lvs_undo_event **ev, size_t *n)
{
	*ev = NULL;
	*n = 0;
	bool can_write = true;
	int fd = open(u->path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS)) {
		can_write = false;
		fd = open(u->path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	int r = read_new(u, fd);
	if (r || !s || !d || d->n_errors || !u->n || report(u, -1, s, d, ev, n, true) != 1)
		goto out;
	/* Something was undone: under the log's lock, read what other readers
	 * appended meanwhile (their marks end the same changes), then mark. */
	if (can_write && flock(fd, LOCK_EX) < 0)
		can_write = false;
	if (can_write && (r = read_new(u, fd)) == 0)
		r = report(u, fd, s, d, ev, n, false);
	else if (!can_write)
		r = report(u, -1, s, d, ev, n, false);
	if (can_write)
		flock(fd, LOCK_UN);
out:
	close(fd);
	if (r < 0) {
		free(*ev);
		*ev = NULL;
		*n = 0;
	}
	return r < 0 ? r : 0;
}

struct lvs_undo_watch {
	lvs_undo *u;
	char *path; /* owned; NULL: the usual places */
	enum lvs_decl_kind kind;
	struct lvs_declared *d; /* owned */
	const char *d_path;     /* what d was read from (path, or a static default) */
	struct stat st;
};

lvs_undo_watch *undo_watch_new(const char *audit_path, const char *source, const char *user,
			       const char *decl_path, enum lvs_decl_kind kind)
{
	lvs_undo_watch *w = calloc(1, sizeof(*w));
	if (!w || !(w->u = undo_new(audit_path, source, user)) ||
	    (decl_path && !(w->path = strdup(decl_path)))) {
		undo_watch_free(w);
		return NULL;
	}
	w->kind = kind;
	return w;
}

void undo_watch_free(lvs_undo_watch *w)
{
	if (!w)
		return;
	undo_free(w->u);
	declared_free(w->d);
	free(w->path);
	free(w);
}

/* Read the declared file when it is new or changed; keep the last good
 * table while it cannot be read (a rewrite in progress). */
static void watch_refresh(lvs_undo_watch *w)
{
	const char *path = w->path;
	enum lvs_decl_kind kind = w->kind;
	struct stat st;
	if (!path)
		kind = declared_find_default(&path);
	if (!path || stat(path, &st) < 0) {
		if (w->d && (!path || errno == ENOENT)) {
			declared_free(w->d);
			w->d = NULL;
		}
		return;
	}
	if (w->d && w->d_path == path && st.st_ino == w->st.st_ino &&
	    st.st_size == w->st.st_size && st.st_mtim.tv_sec == w->st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == w->st.st_mtim.tv_nsec)
		return;
	struct lvs_declared *d = NULL;
	char msg[256];
	int r = kind == LVS_DECL_LVSCF ? declared_read_lvscf(path, &d, msg, sizeof(msg))
				       : declared_read_keepalived(path, &d, msg, sizeof(msg));
	if (r < 0)
		return;
	declared_free(w->d);
	w->d = d;
	w->d_path = path;
	w->st = st;
}

int undo_watch_poll(lvs_undo_watch *w, const struct lvs_snapshot *s, struct lvs_undo_event **ev,
		    size_t *n)
{
	watch_refresh(w);
	return undo_poll(w->u, s, w->d, ev, n);
}
