/* The lvs_actions handle: opening and closing it, the state file as the
 * handle last read it, the lock on STATE.lock, the netlink handle and the
 * table reads every action starts from. */
#include "actions/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "actions/audit.h"
#include "actions/dirs.h"
#include "collector/snapshot.h"
#include "share/clock.h"

void act_set_err(lvs_actions *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->err, sizeof(a->err), fmt, ap);
	va_end(ap);
}

void act_set_msg(lvs_actions *a, const char *fmt, ...)
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

int act_state_copy(struct lvs_state *dst, const struct lvs_state *src)
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

void act_state_refresh(lvs_actions *a)
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

int act_state_write(lvs_actions *a, const struct lvs_state *st, char *e, size_t elen)
{
	int r = state_save(st, a->state_path, e, elen);
	if (!r)
		a->state_seen = stat(a->state_path, &a->state_st) == 0;
	return r;
}

static void lock_path(const lvs_actions *a, char *path, size_t len)
{
	snprintf(path, len, "%s.lock", a->state_path);
}

/* Open and lock STATE.lock. A process that removes the lock file (lock_drop)
 * does so while holding it, so a lock won on a file no longer at the path is
 * retried on the new one. */
static int lock_open(lvs_actions *a, const char *path)
{
	for (int tries = 0; tries < 100; tries++) {
		bool made = false;
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0)
			made = true;
		else if (errno == EEXIST)
			fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT) {
			char top[4096];
			if (dirs_make_for(path, 0755, 0755, top, sizeof(top)) < 0)
				return -1;
			if (top[0] && !a->made_top[0])
				snprintf(a->made_top, sizeof(a->made_top), "%s", top);
			continue;
		}
		if (fd < 0)
			return -1;
		while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
			;
		struct stat held, now;
		if (fstat(fd, &held) == 0 && stat(path, &now) == 0 && held.st_ino == now.st_ino &&
		    held.st_dev == now.st_dev) {
			a->lock_made = made;
			return fd;
		}
		close(fd); /* removed under us: take the new one */
	}
	return -1;
}

void act_lock_take(lvs_actions *a)
{
	char path[4200];
	lock_path(a, path, sizeof(path));
	a->lock_made = false;
	a->made_top[0] = '\0';
	/* Without a lock file (a read-only place) the action still runs: it
	 * only loses the protection against a concurrent lvstop. */
	a->lock_fd = lock_open(a, path);
	act_state_refresh(a);
}

void act_lock_drop(lvs_actions *a)
{
	if (a->lock_fd < 0)
		return;
	struct stat sb;
	bool forget = a->lock_made && stat(a->state_path, &sb) < 0 && errno == ENOENT;
	if (forget) {
		char path[4200];
		lock_path(a, path, sizeof(path));
		unlink(path); /* still held: a waiter sees it gone and retries */
	}
	close(a->lock_fd); /* releases the flock */
	a->lock_fd = -1;
	if (forget)
		dirs_unmake_for(a->state_path, a->made_top);
	a->lock_made = false;
	a->made_top[0] = '\0';
}

void actions_close(lvs_actions *a)
{
	if (!a)
		return;
	ipvs_nl_close(a->nl);
	state_done(&a->state);
	state_done(&a->undo_state);
	state_done(&a->undo_absent);
	act_lock_drop(a);
	free(a->undo_ops);
	free(a);
}

/* ------------------------------------------------------------------------
 * The table
 * ------------------------------------------------------------------------ */

int act_ensure_nl(lvs_actions *a)
{
	if (a->nl || a->read)
		return 0;
	int r = ipvs_nl_open(&a->nl);
	if (r == -ENOENT) {
		act_set_err(a, "IPVS is not available: the ip_vs kernel module is not loaded "
			       "(load it with: modprobe ip_vs)");
		return -ENOPKG;
	}
	if (r) {
		act_set_err(a, "%s", ipvs_nl_strerror(r));
		return r;
	}
	if (a->own_writer)
		a->writer.ctx = a->nl;
	return 0;
}

int act_read_table(lvs_actions *a, struct lvs_snapshot **out)
{
	int r;

	if (a->read) {
		r = a->read(a->read_ctx, out);
		if (r)
			act_set_err(a, "cannot read the IPVS table: %s", strerror(-r));
		return r;
	}
	if ((r = act_ensure_nl(a)) != 0)
		return r;
	struct lvs_snapshot *s = snapshot_new();
	if (!s) {
		act_set_err(a, "out of memory");
		return -ENOMEM;
	}
	r = ipvs_nl_read_all(a->nl, s);
	if (r) {
		snapshot_unref(s);
		act_set_err(a, "cannot read the IPVS table: %s", ipvs_nl_strerror(r));
		return r == -ENOENT ? -ENOPKG : r;
	}
	*out = s;
	return 0;
}

void act_object_text(const struct lvs_service *svc, const struct lvs_dest *d, char *buf, size_t len)
{
	char s[LVS_OBJ_MAX], t[LVS_OBJ_MAX];
	lvs_svc_text(svc, s, sizeof(s));
	if (d)
		snprintf(buf, len, "%s -> %s", s, lvs_dest_text(d, t, sizeof(t)));
	else
		snprintf(buf, len, "%s", s);
}

const struct lvs_service *act_find_svc(const struct lvs_snapshot *s, const struct lvs_service *id)
{
	for (size_t i = 0; s && i < s->n_services; i++)
		if (lvs_service_same(&s->services[i], id))
			return &s->services[i];
	return NULL;
}

const struct lvs_dest *act_find_dest(const struct lvs_service *svc, const struct lvs_dest *id)
{
	for (size_t i = 0; svc && i < svc->n_dests; i++)
		if (lvs_dest_same(&svc->dests[i], id))
			return &svc->dests[i];
	return NULL;
}
