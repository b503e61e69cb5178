#include "marks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/names.h"
#include "collector/snapshot.h"
#include "share/log.h"

struct decl_file *decl_file_new(struct lvs_declared *d)
{
	struct decl_file *f = calloc(1, sizeof(*f));
	if (!f) {
		declared_free(d);
		return NULL;
	}
	f->refs = 1;
	f->d = d;
	return f;
}

struct decl_file *decl_file_ref(struct decl_file *f)
{
	if (f)
		__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
	return f;
}

void decl_file_unref(struct decl_file *f)
{
	if (!f || __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL))
		return;
	declared_free(f->d);
	free(f);
}

static void clean(char *dst, size_t len, const char *s)
{
	log_clean(dst, len, s ? s : "", s ? strlen(s) : 0);
}

struct marks *marks_new_none(enum lvs_decl_kind kind, const char *path, const char *err)
{
	struct marks *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->kind = kind;
	clean(m->path, sizeof(m->path), path);
	clean(m->err, sizeof(m->err), err);
	return m;
}

void marks_free(struct marks *m)
{
	if (!m)
		return;
	drift_free(&m->drift);
	if (m->has_map) {
		keymap_done(&m->map);
		keymap_done(&m->ghost_of);
	}
	free(m->ghosts);
	decl_file_unref(m->file);
	free(m);
}

static void item_key(const struct lvs_drift_item *it, struct lvs_key *k)
{
	if (it->has_dest)
		lvs_key_dest(k, &it->svc, &it->dest);
	else
		lvs_key_service(k, &it->svc);
}

static int or_flags(struct lvs_keymap *map, const struct lvs_key *k, unsigned f)
{
	uint32_t *v = keymap_get(map, k);
	if (v) {
		*v |= f;
		return 0;
	}
	return keymap_put(map, k, f);
}

static const struct lvs_decl_dest *decl_dest_of(const struct lvs_declared *d,
						const struct lvs_service *svc,
						const struct lvs_dest *dest)
{
	for (size_t i = 0; i < d->n_services; i++) {
		const struct lvs_decl_service *ds = &d->services[i];
		if (!lvs_service_same(&ds->s, svc))
			continue;
		for (size_t j = 0; j < ds->n_dests; j++)
			if (lvs_dest_same(&ds->dests[j].d, dest))
				return &ds->dests[j];
		if (ds->has_sorry && lvs_dest_same(&ds->sorry.d, dest))
			return &ds->sorry;
		return NULL;
	}
	return NULL;
}

static const struct lvs_decl_service *decl_service_of(const struct lvs_declared *d,
						      const struct lvs_service *svc)
{
	for (size_t i = 0; i < d->n_services; i++)
		if (lvs_service_same(&d->services[i].s, svc))
			return &d->services[i];
	return NULL;
}

static int fill(struct marks *m, const struct lvs_snapshot *s)
{
	const struct lvs_declared *d = m->file->d;
	size_t expect = d->n_services + 16;
	for (size_t i = 0; i < d->n_services; i++)
		expect += d->services[i].n_dests;
	int r = keymap_init(&m->map, expect);
	if (r)
		return r;
	if ((r = keymap_init(&m->ghost_of, 16))) {
		keymap_done(&m->map);
		return r;
	}
	m->has_map = true;
	if ((r = drift_compute(d, s, &m->drift)))
		return r;
	struct lvs_key k;
	for (size_t i = 0; i < d->n_services; i++) {
		const struct lvs_decl_service *ds = &d->services[i];
		lvs_key_service(&k, &ds->s);
		if ((r = or_flags(&m->map, &k, MARK_DECLARED)))
			return r;
		for (size_t j = 0; j < ds->n_dests; j++) {
			lvs_key_dest(&k, &ds->s, &ds->dests[j].d);
			if ((r = or_flags(&m->map, &k, MARK_DECLARED)))
				return r;
		}
	}
	size_t n_ghosts = 0;
	for (size_t i = 0; i < m->drift.n; i++)
		n_ghosts += m->drift.items[i].kind == LVS_DRIFT_SERVER_ABSENT;
	if (n_ghosts && !(m->ghosts = calloc(n_ghosts, sizeof(*m->ghosts))))
		return -ENOMEM;
	for (size_t i = 0; i < m->drift.n; i++) {
		const struct lvs_drift_item *it = &m->drift.items[i];
		unsigned f = 0;
		item_key(it, &k);
		switch (it->kind) {
		case LVS_DRIFT_SERVICE_ABSENT: m->n_absent_services++; continue;
		case LVS_DRIFT_SERVICE_UNDECLARED:
		case LVS_DRIFT_SERVER_UNDECLARED: f = MARK_UNDECLARED; break;
		case LVS_DRIFT_SORRY_ACTIVE: f = MARK_SORRY; break;
		case LVS_DRIFT_SERVER_ABSENT: f = MARK_ABSENT; break;
		case LVS_DRIFT_SERVICE_DIFFERS:
			f = !strcmp(it->field, "scheduler") ? MARK_SCHED : MARK_PERSIST;
			break;
		case LVS_DRIFT_SERVER_DIFFERS:
			f = !strcmp(it->field, "weight") ? MARK_WEIGHT : MARK_METHOD;
			break;
		}
		if ((r = or_flags(&m->map, &k, f)))
			return r;
		if (it->kind != LVS_DRIFT_SERVER_ABSENT)
			continue;
		struct mark_ghost *g = &m->ghosts[m->n_ghosts];
		lvs_key_service(&g->svc, &it->svc);
		g->item = it;
		g->decl = decl_dest_of(d, &it->svc, &it->dest);
		if (!keymap_get(&m->ghost_of, &g->svc) &&
		    (r = keymap_put(&m->ghost_of, &g->svc, (uint32_t)m->n_ghosts)))
			return r;
		m->n_ghosts++;
	}
	return 0;
}

int marks_build(struct decl_file *f, const struct lvs_snapshot *s, struct marks **out)
{
	*out = NULL;
	const struct lvs_declared *d = f->d;
	struct marks *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->kind = d->kind;
	clean(m->path, sizeof(m->path), d->path);
	m->file = decl_file_ref(f);
	m->n_errors = d->n_errors;
	m->n_warnings = d->n_msgs + d->n_msgs_dropped - d->n_errors;
	if (d->n_errors) {
		/* As lvstop diff: a file with errors is not compared. */
		snprintf(m->err, sizeof(m->err), "%zu error%s in the file: not compared (lvstop diff "
			 "lists them)", d->n_errors, d->n_errors == 1 ? "" : "s");
		*out = m;
		return 0;
	}
	int r = fill(m, s);
	if (r) {
		marks_free(m);
		return r;
	}
	*out = m;
	return 0;
}

bool marks_active(const struct marks *m)
{
	return m && m->has_map;
}

unsigned marks_get(const struct marks *m, const struct lvs_key *k)
{
	if (!marks_active(m))
		return 0;
	uint32_t *v = keymap_get(&m->map, k);
	return v ? *v : MARK_UNDECLARED;
}

void marks_text(unsigned f, char *buf, size_t len)
{
	const char *t = "";
	char fields[8];
	if (f & MARK_ABSENT)
		t = "-";
	else if (f & MARK_SORRY)
		t = "!";
	else if (f & MARK_UNDECLARED)
		t = "+";
	else if (f & MARK_FIELDS) {
		size_t o = 0;
		if (f & MARK_WEIGHT)
			fields[o++] = 'W';
		if (f & MARK_METHOD)
			fields[o++] = 'M';
		if (f & MARK_SCHED)
			fields[o++] = 'S';
		if (f & MARK_PERSIST)
			fields[o++] = 'P';
		fields[o < MARK_W ? o : MARK_W] = 0;
		t = fields;
	} else if (f & MARK_DECLARED)
		t = "=";
	snprintf(buf, len, "%s", t);
}

size_t marks_drift_count(const struct marks *m)
{
	return marks_active(m) ? m->drift.n : 0;
}

void marks_summary(const struct marks *m, char *buf, size_t len)
{
	size_t n = marks_drift_count(m), a = m->n_absent_services;
	if (!marks_active(m))
		snprintf(buf, len, " (%s)", m->n_errors ? "errors" : "unreadable");
	else if (!n)
		snprintf(buf, len, " (matches)");
	else if (!a)
		snprintf(buf, len, " (%zu drift)", n);
	else
		snprintf(buf, len, " (%zu drift, %zu service%s absent)", n, a, a == 1 ? "" : "s");
}

static bool item_is(const struct lvs_drift_item *it, const struct lvs_service *v,
		    const struct lvs_dest *d)
{
	if (!lvs_service_same(&it->svc, v) || it->has_dest != (d != NULL))
		return false;
	return !d || lvs_dest_same(&it->dest, d);
}

static void say_item(const struct marks *m, const struct lvs_drift_item *it,
		     void (*emit)(void *, const char *), void *arg)
{
	char line[640], f[256], dt[64];
	const char *kind = declared_kind_name(m->kind);
	int o = 0;
	switch (it->kind) {
	case LVS_DRIFT_SERVICE_DIFFERS:
	case LVS_DRIFT_SERVER_DIFFERS:
		o = snprintf(line, sizeof(line), "%s differs: %s says %s, the kernel has %s", it->field,
			     kind, it->declared, it->kernel);
		break;
	case LVS_DRIFT_SERVICE_UNDECLARED:
	case LVS_DRIFT_SERVER_UNDECLARED:
		o = snprintf(line, sizeof(line), "not declared in %s", kind);
		break;
	case LVS_DRIFT_SORRY_ACTIVE:
		o = snprintf(line, sizeof(line), "the sorry server of %s is in the kernel", kind);
		break;
	case LVS_DRIFT_SERVER_ABSENT:
		o = snprintf(line, sizeof(line), "real server %s is declared but not in the kernel",
			     lvs_dest_text(&it->dest, dt, sizeof(dt)));
		break;
	case LVS_DRIFT_SERVICE_ABSENT:
		o = snprintf(line, sizeof(line), "declared but not in the kernel");
		break;
	}
	if (it->reason[0] && o >= 0 && (size_t)o < sizeof(line))
		o += snprintf(line + o, sizeof(line) - (size_t)o, ": %s", it->reason);
	if (it->file && it->kind == LVS_DRIFT_SERVER_ABSENT && o >= 0 && (size_t)o < sizeof(line)) {
		clean(f, sizeof(f), it->file);
		snprintf(line + o, sizeof(line) - (size_t)o, " [%s:%d]", f, it->line);
	}
	char safe[640];
	clean(safe, sizeof(safe), line);
	emit(arg, safe);
}

void marks_describe(const struct marks *m, const struct lvs_service *v, const struct lvs_dest *d,
		    void (*emit)(void *arg, const char *line), void *arg)
{
	if (!marks_active(m))
		return;
	const struct lvs_declared *dc = m->file->d;
	char line[512], f[256];
	const char *file = NULL;
	int lineno = 0;
	if (d) {
		const struct lvs_decl_dest *r = decl_dest_of(dc, v, d);
		if (r) {
			file = r->file;
			lineno = r->line;
		}
	} else {
		const struct lvs_decl_service *ds = decl_service_of(dc, v);
		if (ds) {
			file = ds->file;
			lineno = ds->line;
		}
	}
	bool drifts = false;
	for (size_t i = 0; i < m->drift.n; i++)
		drifts |= item_is(&m->drift.items[i], v, d);
	if (file) {
		clean(f, sizeof(f), file);
		snprintf(line, sizeof(line), "declared in %s:%d%s", f, lineno,
			 drifts ? "" : "; the kernel has it as declared");
		emit(arg, line);
	}
	for (size_t i = 0; i < m->drift.n; i++)
		if (item_is(&m->drift.items[i], v, d))
			say_item(m, &m->drift.items[i], emit, arg);
	if (!file && !drifts) {
		/* A real server of a service nobody declared. */
		snprintf(line, sizeof(line), "not declared in %s (its service is not either)",
			 declared_kind_name(m->kind));
		emit(arg, line);
	}
	if (d)
		return;
	for (size_t i = 0; i < m->n_ghosts; i++)
		if (lvs_service_same(&m->ghosts[i].item->svc, v))
			say_item(m, m->ghosts[i].item, emit, arg);
}

const struct mark_ghost *marks_row_ghost(const struct marks *m, const struct row *r)
{
	if (!m || r->dest >= -1)
		return NULL;
	size_t g = (size_t)(-2 - (long)r->dest);
	return g < m->n_ghosts ? &m->ghosts[g] : NULL;
}

int marks_insert_ghosts(struct table *t, const struct lvs_snapshot *s, const struct marks *m)
{
	if (!marks_active(m) || !m->n_ghosts || !t->n)
		return 0;
	/* Count first, so that the table is untouched on failure. */
	size_t add = 0;
	struct lvs_key k;
	for (size_t i = 0; i < t->n; i++) {
		const struct row *r = &t->rows[i];
		if (r->dest != -1 || (r->flags & ROW_COLLAPSED))
			continue;
		lvs_key_service(&k, &s->services[r->svc]);
		uint32_t *g = keymap_get(&m->ghost_of, &k);
		for (size_t j = g ? *g : m->n_ghosts; j < m->n_ghosts &&
		     lvs_key_equal(&m->ghosts[j].svc, &k); j++)
			add++;
	}
	if (!add)
		return 0;
	struct row *rows = malloc((t->n + add) * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	size_t o = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct row *r = &t->rows[i];
		rows[o++] = *r;
		if (r->dest != -1 || (r->flags & ROW_COLLAPSED))
			continue;
		lvs_key_service(&k, &s->services[r->svc]);
		uint32_t *g = keymap_get(&m->ghost_of, &k);
		if (!g)
			continue;
		/* After the service's real servers. */
		while (i + 1 < t->n && t->rows[i + 1].dest >= 0)
			rows[o++] = t->rows[++i];
		for (size_t j = *g; j < m->n_ghosts && lvs_key_equal(&m->ghosts[j].svc, &k); j++)
			rows[o++] = (struct row){ r->svc, MARKS_GHOST_DEST(j), ROW_LAST };
	}
	free(t->rows);
	t->rows = rows;
	t->n = t->cap = o;
	return 0;
}
