/* One parsed command (what the command line and a rule file's line do),
 * rule files in (load, one transaction) and out (save), and undo. */
#include "actions/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/rules.h"
#include "collector/snapshot.h"
#include "share/buf.h"
#include "share/file.h"

/* ------------------------------------------------------------------------
 * Rule files, save, undo
 * ------------------------------------------------------------------------ */

int act_load_text(lvs_actions *a, const char *text, bool flush_first, const char *name)
{
	struct rules_line *lines = NULL;
	size_t n = 0;
	struct lvs_plan p;
	struct lvs_snapshot *before;
	char e[LVS_ERR_MAX], prefix[64];
	int r;

	r = rules_parse(text, &lines, &n, e, sizeof(e));
	if (r) {
		act_set_err(a, "%s: %s", name, e);
		return r;
	}
	/* Every line's fields first: those errors need no table. */
	for (size_t i = 0; i < n; i++)
		if ((r = args_check_given(&lines[i].args, e, sizeof(e))) != 0) {
			act_set_err(a, "%s: line %d: %s", name, lines[i].lineno, e);
			free(lines);
			return r;
		}
	if ((r = act_begin(a, &p, &before)) != 0) {
		act_end(a, &p, before);
		free(lines);
		return r;
	}
	if (flush_first) {
		struct lvs_op op = { .kind = LVS_OP_FLUSH };
		r = act_add_op(a, &p, &op, "");
	}
	for (size_t i = 0; !r && i < n; i++) {
		snprintf(prefix, sizeof(prefix), "%s: line %d: ", name, lines[i].lineno);
		r = act_plan_args(a, &p, &lines[i].args, prefix);
	}
	if (!r) {
		r = act_commit(a, &p, "load", name, NULL);
		if (!r)
			act_set_msg(a, "load %s: %zu rule%s applied", name, n, n == 1 ? "" : "s");
	}
	free(lines);
	act_end(a, &p, before);
	return r;
}

int actions_load(lvs_actions *a, const char *text, bool flush_first)
{
	return act_load_text(a, text, flush_first, "rules");
}

/* A rule file, whole (no cap: a table of 100,000 real servers is a few
 * MB); -EINVAL when it holds a NUL byte. */
static int slurp(FILE *f, char **out)
{
	struct lvs_buf b = LVS_BUF_INIT;
	int r = file_read_stream(f, 0, &b);
	if (r)
		return r;
	if (b.p && memchr(b.p, '\0', b.len)) {
		buf_free(&b);
		return -EINVAL;
	}
	*out = buf_steal(&b, NULL);
	return *out ? 0 : -ENOMEM;
}

int actions_save(lvs_actions *a, FILE *out, bool full)
{
	struct lvs_snapshot *s;
	int r = act_read_table(a, &s);
	if (r)
		return r;
	r = rules_save(s, full, out ? out : stdout);
	if (r)
		act_set_err(a, "save: cannot write the rules: %s", strerror(-r));
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
		act_set_err(a, "nothing to undo");
		return -ENODATA;
	}
	if (!a->undo_possible) {
		act_set_err(a, "%s cannot be undone (zeroed counters cannot be given back)", a->undo_desc);
		return -ENOTSUP;
	}
	if ((r = act_begin(a, &p, &before)) != 0) {
		act_end(a, &p, before);
		return r;
	}
	for (size_t i = 0; !r && i < a->n_undo; i++)
		r = act_add_op(a, &p, &a->undo_ops[i], "undo: the table changed since: ");
	if (!r) {
		/* The state file as it is now (other processes' entries kept),
		 * with the entries the change touched put back as they were. */
		struct lvs_state st = { 0 };
		snprintf(desc, sizeof(desc), "%s", a->undo_desc);
		r = act_state_copy(&st, &a->state);
		for (size_t i = 0; !r && i < a->undo_absent.n; i++)
			state_remove(&st, a->undo_absent.v[i].service, a->undo_absent.v[i].server);
		for (size_t i = 0; !r && i < a->undo_state.n; i++)
			r = state_put(&st, &a->undo_state.v[i]);
		if (!r)
			r = act_commit(a, &p, "undo", desc, &st);
		state_done(&st);
		if (!r) {
			/* Undoing the undo is a new change with its own inverse (set by
			 * commit); say what was undone. */
			act_set_msg(a, "undone: %s", desc);
		}
	}
	act_end(a, &p, before);
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
	char e[LVS_ERR_MAX];

	a->err[0] = a->msg[0] = '\0';
	if (args_check_given(g, e, sizeof(e)) != 0) {
		act_set_err(a, "%s", e); /* before the kernel is reached */
		return -EINVAL;
	}
	switch (g->act) {
	case LVS_ACT_QUIESCE:
		return act_quiesce(a, &g->svc, &g->dest, port, false, NULL);
	case LVS_ACT_DRAIN: {
		struct lvs_drain_opts o = { .remove_at_zero = g->remove,
					    .ignore_inactive = g->ignore_inactive };
		return act_quiesce(a, &g->svc, &g->dest, port, true, &o);
	}
	case LVS_ACT_RESTORE:
		return act_restore(a, &g->svc, &g->dest, port);
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
			act_set_err(a, "load: cannot open %s: %s", g->file, strerror(errno));
			return -errno;
		}
		r = slurp(f, &text);
		if (f != stdin)
			fclose(f);
		if (r) {
			act_set_err(a, "load: cannot read %s: %s", g->file,
				r == -EINVAL ? "it holds a NUL byte (not a rule file)" : strerror(-r));
			return r;
		}
		r = act_load_text(a, text, g->flush_first, strcmp(g->file, "-") ? g->file : "stdin");
		free(text);
		return r;
	}
	default:
		return act_run_simple(a, g);
	}
}
