#include "decl_view.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector/snapshot.h"
#include "share/worker.h"

#define STAMPS_MAX 64 /* files whose change is watched (the first ones read) */

struct stamp {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	bool exists;
};

struct decl_view {
	struct lvs_worker w;
	/* Under w's lock. */
	struct lvs_snapshot *job;  /* one reference, or NULL */
	struct marks *result;      /* owned, or NULL */
	/* The worker's own. */
	char *path;                /* owned; NULL: the default paths */
	enum lvs_decl_kind kind;
	struct decl_file *file;    /* one reference, or NULL */
	char read_path[4096];      /* the path file was read from */
	struct stamp stamps[STAMPS_MAX];
	size_t n_stamps;
};

static void stamp_of(const char *path, struct stamp *st)
{
	struct stat sb;
	memset(st, 0, sizeof(*st));
	if (stat(path, &sb))
		return;
	st->exists = true;
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	st->size = sb.st_size;
	st->mtime = sb.st_mtim;
}

static bool stamp_same(const struct stamp *a, const struct stamp *b)
{
	return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* Whether the file read last (and its includes) is unchanged. */
static bool unchanged(struct decl_view *v, const char *path)
{
	if (!v->file || strcmp(path, v->read_path))
		return false;
	const struct lvs_declared *d = v->file->d;
	for (size_t i = 0; i < v->n_stamps; i++) {
		struct stamp now;
		stamp_of(i == 0 ? path : d->files[i - 1], &now);
		if (!stamp_same(&now, &v->stamps[i]))
			return false;
	}
	return true;
}

/* Read (or keep) the file; NULL and *none set when there is none. */
static struct decl_file *load(struct decl_view *v, struct marks **none)
{
	const char *path = v->path;
	enum lvs_decl_kind kind = v->kind;
	char msg[512];
	*none = NULL;
	if (!path && !(kind = declared_find_default(&path))) {
		decl_file_unref(v->file);
		v->file = NULL;
		*none = marks_new_none(0, "", "");
		return NULL;
	}
	if (unchanged(v, path))
		return v->file;
	/* Stamps first: a change while the file is read is seen next time. */
	struct stamp first;
	stamp_of(path, &first);
	struct lvs_declared *d = NULL;
	int r = kind == LVS_DECL_KEEPALIVED ? declared_read_keepalived(path, &d, msg, sizeof(msg))
					    : declared_read_lvscf(path, &d, msg, sizeof(msg));
	decl_file_unref(v->file);
	v->file = NULL;
	if (r < 0) {
		*none = marks_new_none(kind, path, r == -ENOMEM ? "out of memory" : msg);
		return NULL;
	}
	if (!(v->file = decl_file_new(d))) {
		*none = marks_new_none(kind, path, "out of memory");
		return NULL;
	}
	snprintf(v->read_path, sizeof(v->read_path), "%s", path);
	v->stamps[0] = first;
	v->n_stamps = 1;
	for (size_t i = 0; i < d->n_files && v->n_stamps < STAMPS_MAX; i++)
		stamp_of(d->files[i], &v->stamps[v->n_stamps++]);
	return v->file;
}

static void run(struct lvs_worker *w, void *arg)
{
	struct decl_view *v = arg;
	worker_lock(w);
	while (!worker_stopping(w)) {
		if (!v->job) {
			worker_wait(w);
			continue;
		}
		struct lvs_snapshot *s = v->job;
		v->job = NULL;
		worker_unlock(w);
		struct marks *m = NULL;
		struct decl_file *f = load(v, &m);
		if (f && marks_build(f, s, &m) < 0)
			m = marks_new_none(f->d->kind, f->d->path, "out of memory");
		snapshot_unref(s);
		worker_lock(w);
		if (m) {
			marks_free(v->result);
			v->result = m;
			worker_unlock_notify(w);
			worker_lock(w);
		}
	}
	worker_unlock(w);
}

decl_view *decl_view_new(const char *path, enum lvs_decl_kind kind)
{
	struct decl_view *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->kind = kind;
	if (path && !(v->path = strdup(path))) {
		free(v);
		return NULL;
	}
	if (worker_start(&v->w, run, v)) {
		free(v->path);
		free(v);
		return NULL;
	}
	return v;
}

void decl_view_free(decl_view *v)
{
	if (!v)
		return;
	worker_stop(&v->w);
	snapshot_unref(v->job);
	marks_free(v->result);
	decl_file_unref(v->file);
	free(v->path);
	free(v);
}

void decl_view_submit(decl_view *v, struct lvs_snapshot *s)
{
	if (!v || !s)
		return;
	worker_lock(&v->w);
	snapshot_unref(v->job);
	v->job = snapshot_ref(s);
	worker_post(&v->w);
	worker_unlock(&v->w);
}

int decl_view_fd(const decl_view *v)
{
	return v ? worker_fd(&v->w) : -1;
}

struct marks *decl_view_take(decl_view *v)
{
	if (!v)
		return NULL;
	worker_drain(&v->w);
	worker_lock(&v->w);
	struct marks *m = v->result;
	v->result = NULL;
	worker_unlock(&v->w);
	return m;
}
