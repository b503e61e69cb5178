/* A generic tree of the brace-structured configuration files keepalived
 * and piranha use: each statement is a keyword, the words after it on the
 * same line, and optionally a { block } of statements. Comments ("!" and
 * "#" outside double quotes) are dropped; a double-quoted word keeps its
 * bytes as written, without the quotes. keepalived's include directives are
 * expanded while reading (globs, relative to the including file's folder);
 * an include of a file being read (a cycle: the same device and inode, or
 * the same file of the memory set) is an error and is not followed.
 * Bounds: 8 include levels, 1,024 files read, 64 nesting levels, 16 MiB
 * of text in all, 1,000,000 statements; past them reading stops with an
 * error.
 * Pure; one tree is owned by one caller. */
#ifndef LVSTOP_COLLECTOR_DECLARED_CONF_TREE_H
#define LVSTOP_COLLECTOR_DECLARED_CONF_TREE_H

#include <stdbool.h>
#include <stddef.h>

struct conf_node {
	const char *key;    /* the statement's first word */
	const char **args;  /* the words after it on its line */
	size_t n_args;
	struct conf_node *children; /* the block, or NULL */
	size_t n_children;
	bool has_block;
	const char *file;   /* borrowed from the tree's file list */
	int line;
};

/* Called for each problem found while reading: file and line (0 when the
 * problem is not tied to a line), and the message. */
typedef void (*conf_report_fn)(void *ctx, bool error, const char *file, int line,
			       const char *text);

struct conf_tree;

/* A file held in memory: its path ("a.conf" and "./a.conf" are the same
 * file of the current folder, "d/b.conf" one in folder d) and its bytes. */
struct conf_file {
	const char *name;
	const char *text;
	size_t len;
};

struct conf_tree_opts {
	bool includes;  /* expand "include FILE" lines (keepalived) */
	bool equals;    /* "=" is a word of its own (lvs.cf's "key=value") */
	conf_report_fn report;
	void *ctx;
	/* NULL: files come from the file system. Else these n_mem files are
	 * the only ones there are (no file is opened): reads and include
	 * globs see them as they would see a file system holding just them
	 * (a folder exists when a file lies in it; "." and ".." are taken
	 * from the path's text). The array outlives the reading. */
	const struct conf_file *mem;
	size_t n_mem;
};

/* Read path (following includes). NULL on out of memory or when path
 * itself cannot be read: then *err is -ENOMEM or -errno. Problems in the
 * text are reported through opts->report and do not stop the reading. */
struct conf_tree *conf_tree_read(const char *path, const struct conf_tree_opts *opts, int *err);

/* The same from memory; includes resolve against the current folder. */
struct conf_tree *conf_tree_parse(const char *name, const char *text, size_t len,
				  const struct conf_tree_opts *opts, int *err);

/* The top-level statements. */
const struct conf_node *conf_tree_root(const struct conf_tree *t, size_t *n);

/* Every file read, in order (the first is the one named). The strings live
 * as long as the tree; conf_tree_take_files moves them to the caller, who
 * then frees each and the array. */
size_t conf_tree_files(const struct conf_tree *t, const char *const **files);
char **conf_tree_take_files(struct conf_tree *t, size_t *n);

void conf_tree_free(struct conf_tree *t);

#endif
