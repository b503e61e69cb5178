/* Declared marks: how each object of one snapshot stands against the
 * declared table (keepalived.conf or piranha's lvs.cf), from the drift
 * engine `lvstop diff` uses (collector/declared/drift.h): declared and as
 * declared, declared with a field that differs, not declared (added by
 * hand), the declared sorry server standing in, and the real servers that
 * are declared but absent from the kernel ("ghost" rows, greyed under
 * their service). Compact letters for the services table, sentences for
 * the detail view, the owner's warning for an edit (drift_owner_note).
 * Threads: a marks object is built on one thread, then only read (from
 * any thread); a decl_file is shared by reference count. */
#ifndef LVSTOP_CONSOLE_MARKS_H
#define LVSTOP_CONSOLE_MARKS_H

#include <stdbool.h>
#include <stddef.h>

#include "collector/declared/declared.h"
#include "collector/declared/drift.h"
#include "collector/keymap.h"
#include "table.h"

#define MARK_DECLARED 0x01   /* declared (as declared unless a field bit is set) */
#define MARK_UNDECLARED 0x02 /* in the kernel, not declared: added by hand? */
#define MARK_SORRY 0x04      /* the declared sorry server, in the kernel */
#define MARK_ABSENT 0x08     /* declared, not in the kernel (a ghost row) */
#define MARK_WEIGHT 0x10     /* real server: weight differs */
#define MARK_METHOD 0x20     /* real server: forwarding method differs */
#define MARK_SCHED 0x40      /* service: scheduler differs */
#define MARK_PERSIST 0x80    /* service: persistence differs */
#define MARK_FIELDS (MARK_WEIGHT | MARK_METHOD | MARK_SCHED | MARK_PERSIST)

/* The width of the mark at the right end of the name column (letters),
 * plus one blank before it. */
#define MARK_W 2

/* One parsed declared file, shared between the reader and the marks built
 * from it (the drift items borrow its file names). */
struct decl_file {
	int refs;                /* atomic */
	struct lvs_declared *d;  /* owned */
};
/* A shared file owning d (NULL: -ENOMEM, d freed). */
struct decl_file *decl_file_new(struct lvs_declared *d);
struct decl_file *decl_file_ref(struct decl_file *f);
void decl_file_unref(struct decl_file *f); /* NULL is ignored */

/* A declared real server that is not in the kernel, under its service. */
struct mark_ghost {
	struct lvs_key svc;    /* its service's identity */
	const struct lvs_drift_item *item; /* the real-server-absent item (in m->drift) */
	const struct lvs_decl_dest *decl;  /* as declared (in m->file), or NULL */
};

struct marks {
	enum lvs_decl_kind kind;  /* 0: no declared file in use */
	char path[256];           /* printable */
	char err[256];            /* "": marks computed; else why there are none
				   * (the file cannot be read, or has errors) */
	size_t n_errors, n_warnings;
	struct decl_file *file;   /* one reference, or NULL */
	struct lvs_drift drift;   /* owned */
	struct lvs_keymap map;    /* key -> MARK_* (declared objects and drift) */
	bool has_map;
	struct mark_ghost *ghosts; /* owned; grouped by service */
	size_t n_ghosts;
	struct lvs_keymap ghost_of; /* service key -> index of its first ghost */
	size_t n_absent_services;   /* declared services the kernel lacks */
};

/* Marks of snapshot s against file f (a reference is taken). 0 and *out
 * (free with marks_free), or -ENOMEM. A file with errors gives marks with
 * err set and no flags (as `lvstop diff` refuses to compare it). */
int marks_build(struct decl_file *f, const struct lvs_snapshot *s, struct marks **out);
/* Marks that say only why there are none (kind 0 and path "" when no
 * declared file exists). NULL when out of memory. */
struct marks *marks_new_none(enum lvs_decl_kind kind, const char *path, const char *err);
void marks_free(struct marks *m); /* NULL is ignored */

/* Whether the marks carry flags (a file was read and compared). */
bool marks_active(const struct marks *m);
/* The MARK_* of object k; 0 when m is not active. An object the file does
 * not name is MARK_UNDECLARED. */
unsigned marks_get(const struct marks *m, const struct lvs_key *k);
/* The compact mark of flags into buf (at least MARK_W + 1 bytes): "=" as
 * declared, "+" not declared, "-" declared but absent, "!" the sorry
 * server, else the letters of the fields that differ ("W", "M", "WM",
 * "S", "P", "SP"); "" for 0. */
void marks_text(unsigned flags, char *buf, size_t len);
/* Differences counted by `lvstop diff` (drift items). */
size_t marks_drift_count(const struct marks *m);
/* The header's word on the file: " (errors)", " (unreadable)",
 * " (matches)", " (N drift)", and with declared services the kernel lacks
 * (they have no row to mark) " (N drift, K services absent)". */
void marks_summary(const struct marks *m, char *buf, size_t len);

/* The sentences of the detail view for service v (d NULL) or its real
 * server d, one per call of emit: where it is declared, each field that
 * differs with both values and the reason, "not declared", and for a
 * service its real servers that are declared but absent with the reason.
 * Strings are printable. Nothing when m is not active. */
void marks_describe(const struct marks *m, const struct lvs_service *v, const struct lvs_dest *d,
		    void (*emit)(void *arg, const char *line), void *arg);

/* Insert a row for every ghost after the real servers of its service in a
 * tree table (not under a folded service). A ghost row has dest
 * MARKS_GHOST_DEST(g) (below -1, so the table takes it for a service row
 * and never reads a real server through it). 0 or -ENOMEM (t unchanged). */
#define MARKS_GHOST_DEST(g) (-2 - (int32_t)(g))
int marks_insert_ghosts(struct table *t, const struct lvs_snapshot *s, const struct marks *m);
/* The ghost of row r, or NULL when r is not a ghost row of m. */
const struct mark_ghost *marks_row_ghost(const struct marks *m, const struct row *r);

#endif
