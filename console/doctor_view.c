#include "doctor_view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector/doctor/gather.h"
#include "collector/doctor/rules.h"
#include "collector/snapshot.h"
#include "share/worker.h"

/* The fields below w are under its lock. */
struct doctor_view {
	struct lvs_worker w;
	bool running, pending;
	struct lvs_snapshot *next; /* owned reference: the queued request (NULL: no table) */
	struct doctor_findings result; /* the latest run's */
	uint64_t gen;
	char err[256];
};

static void work(struct lvs_worker *w, void *arg)
{
	doctor_view *v = arg;
	worker_lock(w);
	while (!worker_stopping(w)) {
		if (!v->pending) {
			worker_wait(w);
			continue;
		}
		struct lvs_snapshot *s = v->next;
		v->next = NULL;
		v->pending = false;
		v->running = true;
		worker_unlock(w);
		/* No table (IPVS unreadable): the checks see it empty. */
		bool loaded = s != NULL;
		if (!s && (s = snapshot_new()))
			snapshot_finish(s);

		struct doctor_findings f;
		struct doctor_gathered g;
		struct doctor_gather_opts go = { 0 };
		char msg[256] = "";
		doctor_findings_init(&f);
		int r = s ? doctor_gather(s, loaded, &go, &g, msg, sizeof(msg)) : -ENOMEM;
		if (!s) {
			memset(&g, 0, sizeof(g));
			snprintf(msg, sizeof(msg), "out of memory");
		}
		if (!r && (r = doctor_diagnose(s, &g.facts, NULL, &f)))
			snprintf(msg, sizeof(msg), "out of memory");
		if (!r && g.note[0])
			snprintf(msg, sizeof(msg), "%s", g.note);
		doctor_findings_sort(&f);
		doctor_gathered_done(&g);
		snapshot_unref(s);

		worker_lock(w);
		doctor_findings_done(&v->result);
		v->result = f; /* moved */
		snprintf(v->err, sizeof(v->err), "%s", msg);
		v->gen++;
		v->running = false;
		worker_unlock_notify(w);
		worker_lock(w);
	}
	worker_unlock(w);
}

doctor_view *doctor_view_new(void)
{
	doctor_view *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	doctor_findings_init(&v->result);
	if (worker_start(&v->w, work, v)) {
		free(v);
		return NULL;
	}
	return v;
}

void doctor_view_free(doctor_view *v)
{
	if (!v)
		return;
	worker_stop(&v->w);
	snapshot_unref(v->next);
	doctor_findings_done(&v->result);
	free(v);
}

void doctor_view_request(doctor_view *v, struct lvs_snapshot *s)
{
	if (!v)
		return;
	if (s)
		snapshot_ref(s);
	worker_lock(&v->w);
	struct lvs_snapshot *old = v->next;
	v->next = s;
	v->pending = true;
	worker_post(&v->w);
	worker_unlock(&v->w);
	snapshot_unref(old);
}

int doctor_view_take(doctor_view *v, struct doctor_findings *out, uint64_t *gen, bool *busy,
		     char *err, size_t errlen)
{
	worker_drain(&v->w); /* the console redraws at each publication, not on this fd */
	worker_lock(&v->w);
	int r = doctor_findings_copy(out, &v->result);
	*gen = v->gen;
	*busy = v->running || v->pending;
	snprintf(err, errlen, "%s", v->err);
	worker_unlock(&v->w);
	return r;
}
