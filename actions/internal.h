/* What the files behind actions.h share, and nothing outside actions/
 * includes: the lvs_actions handle, its lock and state file, the table
 * read, the plan's begin/commit/end, and the error and message sentences.
 *
 *   handle.c   the handle: open/close, state file refresh, the lock, the
 *              netlink handle and table reads
 *   record.c   the rule lines of what a plan touched, and its audit record
 *   commit.c   running a plan: state file, kernel, audit, undo; begin/end
 *   convert.c  command arguments (CLI and rule-file lines) into ops
 *   weights.c  quiesce, drain (its progress and estimate), restore
 *   edits.c    the typed entry points of the console's forms and keys
 *   run.c      one parsed command, rule files in and out, undo
 *
 * Threads: everything here runs on the thread that owns the handle (see
 * actions.h). Errors: int functions return 0 or a negative errno and leave
 * the sentence in a->err (set_err). */
#ifndef LVSTOP_ACTIONS_INTERNAL_H
#define LVSTOP_ACTIONS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "actions/actions.h"
#include "collector/ipvs_nl.h"

#define DRAIN_TRACKS 8
#define DRAIN_SAMPLES 64

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
	int lock_fd;            /* held from act_begin() to act_end(); -1 otherwise */
	bool lock_made;         /* this action created the lock file */
	char made_top[4096];    /* the outermost directory this action created */
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

/* Room for "TCP 203.0.113.10:80 -> 192.0.2.11:80". */
#define ACT_OBJ_TEXT (2 * LVS_OBJ_MAX + 8)

/* --- handle.c ------------------------------------------------------------ */
void act_set_err(lvs_actions *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void act_set_msg(lvs_actions *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Copy src over dst (dst's old entries freed). 0 or -ENOMEM. */
int act_state_copy(struct lvs_state *dst, const struct lvs_state *src);
/* Re-read the state file when it changed on disk (a file that cannot be
 * read now keeps what was read before). */
void act_state_refresh(lvs_actions *a);
/* Write st as the state file and remember the file's identity. */
int act_state_write(lvs_actions *a, const struct lvs_state *st, char *e, size_t elen);
/* Take STATE.lock (creating it and its directories when missing), then
 * refresh the state. Without a lock file (a read-only place) the action
 * still runs, unprotected against a concurrent lvstop. */
void act_lock_take(lvs_actions *a);
/* Release the lock. When this action created the lock file and no state
 * file exists (nothing is remembered), the lock file and the directories
 * the action created are removed again: a command that changed nothing
 * leaves nothing behind. */
void act_lock_drop(lvs_actions *a);
/* The netlink handle, opened on first use. -ENOPKG (ip_vs not loaded) or
 * ipvs_nl_open's error, with a->err set. */
int act_ensure_nl(lvs_actions *a);
/* A fresh table read (the seam or the kernel); one reference to *out. */
int act_read_table(lvs_actions *a, struct lvs_snapshot **out);
/* "TCP 203.0.113.10:80" or "TCP 203.0.113.10:80 -> 192.0.2.11:80". */
void act_object_text(const struct lvs_service *svc, const struct lvs_dest *d, char *buf, size_t len);
const struct lvs_service *act_find_svc(const struct lvs_snapshot *s, const struct lvs_service *id);
const struct lvs_dest *act_find_dest(const struct lvs_service *svc, const struct lvs_dest *id);

/* --- record.c ------------------------------------------------------------ */
/* Append the audit record of plan p (before: p->before; after: the table
 * read after it ran, NULL when unknown). A failure to write is added to
 * a->msg as a warning when ok (the change stands). */
void act_audit_plan(lvs_actions *a, const char *action, const char *object, const struct lvs_plan *p,
		const struct lvs_snapshot *after, bool ok, bool rolled_back, const char *error);

/* --- commit.c ------------------------------------------------------------ */
/* Start an action: reach the kernel (so a missing ip_vs fails before any
 * file is made), take the lock (and the state file's latest content), then
 * read the table the plan starts from. act_end() must follow, even after a
 * failed act_begin(). */
int act_begin(lvs_actions *a, struct lvs_plan *p, struct lvs_snapshot **before);
void act_end(lvs_actions *a, struct lvs_plan *p, struct lvs_snapshot *before);
/* Run plan p: new_state (NULL: unchanged) goes to the state file first, so
 * a remembered weight is on disk before the weight goes; then the kernel,
 * the audit record and the inverse for undo. An empty plan is a success. */
int act_commit(lvs_actions *a, struct lvs_plan *p, const char *action, const char *object,
	   const struct lvs_state *new_state);
/* plan_add with the failure sentence in a->err (prefixed, for rule files). */
int act_add_op(lvs_actions *a, struct lvs_plan *p, const struct lvs_op *op, const char *prefix);

/* --- convert.c ----------------------------------------------------------- */
int act_need_svc(lvs_actions *a, const struct lvs_plan *p, const struct lvs_service *id,
	     struct lvs_service *out, const char *prefix);
int act_need_dest(lvs_actions *a, const struct lvs_plan *p, const struct lvs_service *svc,
	      const struct lvs_args *g, struct lvs_dest *out, const char *prefix);
/* args_check_service / args_check_dest with the sentence in a->err. */
int act_check_svc(lvs_actions *a, const struct lvs_service *svc, const char *prefix);
int act_check_dest(lvs_actions *a, const struct lvs_service *svc, const struct lvs_dest *d,
	       const char *prefix);
/* The ops for one service/real-server command, added to p. */
int act_plan_args(lvs_actions *a, struct lvs_plan *p, const struct lvs_args *g, const char *prefix);
/* One command as one plan: begin, plan_args, commit, end. */
int act_run_simple(lvs_actions *a, const struct lvs_args *g);

/* --- weights.c ----------------------------------------------------------- */
int act_quiesce(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
	       bool port_given, bool drain, const struct lvs_drain_opts *dopt);
int act_restore(lvs_actions *a, const struct lvs_service *id, const struct lvs_dest *dest_id,
	       bool port_given);

/* --- run.c --------------------------------------------------------------- */
int act_load_text(lvs_actions *a, const char *text, bool flush_first, const char *name);

#endif
