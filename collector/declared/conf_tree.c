#include "collector/declared/conf_tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "share/buf.h"
#include "share/file.h"
#include "share/log.h"
#include "share/vec.h"

#define INCLUDE_DEPTH_MAX 8
#define NEST_MAX 64
#define TEXT_MAX (16u << 20)
#define NODES_MAX 1000000u
#define INCLUDE_MATCHES_MAX 1024
/* Files read in all: a file included several times by several files
 * (not a cycle: those stop at their first repeat) is read once for each
 * path to it, (includes per file)^(levels) times. */
#define FILES_READ_MAX 1024

struct token {
	char *text;       /* owned by the tree's string list */
	const char *file; /* borrowed from the file list */
	int line;
	char brace;       /* '{', '}' or 0 for a word */
};

struct conf_tree {
	const struct conf_tree_opts *opts;
	char **files;
	size_t n_files, cap_files;
	char **strings; /* every token's text */
	size_t n_strings, cap_strings;
	struct token *toks;
	size_t n_toks, cap_toks;
	size_t text_total;
	size_t files_read;
	/* The files being read, outermost first: an include of one of them
	 * is a cycle. A file is its device and inode, or for opts->mem its
	 * place in the array (dev 0, ino index + 1). */
	struct { dev_t dev; ino_t ino; } open[INCLUDE_DEPTH_MAX + 1];
	int n_open;
	bool files_read_reported;
	bool depth_reported;
	size_t n_nodes;
	bool oom;
	struct conf_node *root;
	size_t n_root;
};

static void report(struct conf_tree *t, bool error, const char *file, int line, const char *fmt,
		   ...)
{
	char raw[512], buf[512];
	va_list ap;

	if (!t->opts || !t->opts->report)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* File contents reach a terminal or a log through these messages. */
	t->opts->report(t->opts->ctx, error, file, line, log_clean(buf, sizeof(buf), raw, sizeof(raw)));
}

static const char *add_file(struct conf_tree *t, const char *name)
{
	if (vec_grow((void **)&t->files, &t->cap_files, t->n_files + 1, sizeof(*t->files), 4) < 0)
		return NULL;
	char *s = strdup(name);
	if (!s)
		return NULL;
	t->files[t->n_files++] = s;
	return s;
}

static int add_token(struct conf_tree *t, const char *s, size_t len, const char *file, int line,
		     char brace)
{
	if (vec_grow((void **)&t->toks, &t->cap_toks, t->n_toks + 1, sizeof(*t->toks), 64) < 0 ||
	    vec_grow((void **)&t->strings, &t->cap_strings, t->n_strings + 1, sizeof(*t->strings),
		     64) < 0)
		return -ENOMEM;
	char *text = strndup(s, len);
	if (!text)
		return -ENOMEM;
	t->strings[t->n_strings++] = text;
	t->toks[t->n_toks++] = (struct token){ .text = text, .file = file, .line = line,
					       .brace = brace };
	return 0;
}

static bool is_include(const char *w)
{
	return !strcmp(w, "include") || !strcmp(w, "includer") || !strcmp(w, "includem") ||
	       !strcmp(w, "includew") || !strcmp(w, "includeb") || !strcmp(w, "includea");
}

static int lex_text(struct conf_tree *t, const char *file, const char *text, size_t len,
		    int depth);

/* --- files held in memory (opts->mem) ---------------------------------------
 * Paths are compared in a normal form: no "." component, ".." removing the
 * one before it, no repeated or trailing "/"; relative paths stay relative
 * ("" is the current folder), absolute ones keep their "/". */

static bool mem_norm(const char *path, char *out, size_t outlen)
{
	size_t n = 0, base = 0; /* out[0, base) is never removed by ".." */
	if (outlen < 2)
		return false;
	if (path[0] == '/')
		out[n++] = '/', base = 1;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		const char *e = p;
		while (*e && *e != '/')
			e++;
		size_t len = (size_t)(e - p);
		if (len == 0 || (len == 1 && p[0] == '.')) {
			/* nothing */
		} else if (len == 2 && p[0] == '.' && p[1] == '.' && n > base) {
			/* Remove the last component, or base it when it is ".." itself. */
			size_t s = n;
			while (s > base && out[s - 1] != '/')
				s--;
			if (n - s == 2 && out[s] == '.' && out[s + 1] == '.') {
				if (n + 3 >= outlen)
					return false;
				memcpy(out + n, "/..", 3);
				n += 3;
				base = n;
			} else {
				n = s > base ? s - 1 : base;
			}
		} else if (len == 2 && p[0] == '.' && p[1] == '.' && base == 1) {
			/* "/.." is "/" */
		} else {
			if (n > base || (n == base && base > 1))
				out[n++] = '/';
			if (n + len >= outlen)
				return false;
			memcpy(out + n, p, len);
			n += len;
			if (len == 2 && p[0] == '.' && p[1] == '.')
				base = n; /* a leading ".." of a relative path stays */
		}
		p = e;
	}
	out[n] = 0;
	return true;
}

/* The file named path (normal form) or NULL; *is_dir when a file lies
 * under path (so it is a folder). */
static const struct conf_file *mem_find(const struct conf_tree_opts *o, const char *path,
					bool *is_dir)
{
	char nm[4096];
	size_t plen = strlen(path);
	bool root = !strcmp(path, "") || !strcmp(path, "/");
	*is_dir = root;
	for (size_t i = 0; i < o->n_mem; i++) {
		if (!mem_norm(o->mem[i].name, nm, sizeof(nm)))
			continue;
		if (!strcmp(nm, path))
			return &o->mem[i];
		if (!root && !strncmp(nm, path, plen) && nm[plen] == '/')
			*is_dir = true;
	}
	return NULL;
}

/* glob(3)'s GLOB_ALTDIRFUNC hooks take no context: the tree being read by
 * this thread, set around the call to glob. */
static __thread const struct conf_tree_opts *mem_opts;

struct mem_dir {
	char path[4096]; /* normal form */
	size_t next;     /* index into mem, past "." and ".." (the first two) */
	struct dirent ent;
};

static void *mem_opendir(const char *name)
{
	char path[4096];
	bool is_dir;
	if (!mem_norm(name, path, sizeof(path))) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if (mem_find(mem_opts, path, &is_dir) && !is_dir) {
		errno = ENOTDIR;
		return NULL;
	}
	if (!is_dir) {
		errno = ENOENT;
		return NULL;
	}
	struct mem_dir *d = calloc(1, sizeof(*d));
	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	memcpy(d->path, path, sizeof(path));
	return d;
}

/* The entry of dir d that mem[i] lies in (its next component), into out;
 * false when mem[i] is not under d. *dir: that entry is a folder. */
static bool mem_entry(const struct mem_dir *d, size_t i, char *out, size_t outlen, bool *dir)
{
	char nm[4096];
	if (!mem_norm(mem_opts->mem[i].name, nm, sizeof(nm)))
		return false;
	const char *rest;
	size_t plen = strlen(d->path);
	if (!strcmp(d->path, "/"))
		rest = nm[0] == '/' ? nm + 1 : NULL;
	else if (!plen)
		rest = nm[0] != '/' ? nm : NULL;
	else
		rest = !strncmp(nm, d->path, plen) && nm[plen] == '/' ? nm + plen + 1 : NULL;
	if (!rest || !*rest)
		return false;
	const char *slash = strchr(rest, '/');
	size_t len = slash ? (size_t)(slash - rest) : strlen(rest);
	if (len >= outlen)
		return false;
	memcpy(out, rest, len);
	out[len] = 0;
	*dir = slash != NULL;
	return true;
}

static struct dirent *mem_readdir(void *p)
{
	struct mem_dir *d = p;
	if (d->next < 2) {
		snprintf(d->ent.d_name, sizeof(d->ent.d_name), "%s", d->next ? ".." : ".");
		d->ent.d_type = DT_DIR;
		d->ent.d_ino = ++d->next;
		return &d->ent;
	}
	for (; d->next - 2 < mem_opts->n_mem; d->next++) {
		size_t i = d->next - 2;
		char name[sizeof(d->ent.d_name)], prev[sizeof(d->ent.d_name)];
		bool dir, prev_dir, seen = false;
		if (!mem_entry(d, i, name, sizeof(name), &dir))
			continue;
		/* A folder holding several files is listed once. */
		for (size_t j = 0; j < i && !seen; j++)
			seen = mem_entry(d, j, prev, sizeof(prev), &prev_dir) && !strcmp(prev, name);
		if (seen)
			continue;
		d->ent.d_ino = ++d->next;
		memcpy(d->ent.d_name, name, sizeof(name));
		d->ent.d_type = dir ? DT_DIR : DT_REG;
		return &d->ent;
	}
	return NULL;
}

static void mem_closedir(void *p)
{
	free(p);
}

static int mem_stat(const char *name, struct stat *st)
{
	char path[4096];
	bool is_dir;
	if (!mem_norm(name, path, sizeof(path))) {
		errno = ENAMETOOLONG;
		return -1;
	}
	const struct conf_file *f = mem_find(mem_opts, path, &is_dir);
	if (!f && !is_dir) {
		errno = ENOENT;
		return -1;
	}
	memset(st, 0, sizeof(*st));
	st->st_mode = f ? S_IFREG | 0644 : S_IFDIR | 0755;
	st->st_size = f ? (off_t)f->len : 0;
	st->st_nlink = 1;
	return 0;
}

/* glob(3) over the file system, or over opts->mem. */
static int tree_glob(const struct conf_tree *t, const char *pattern, glob_t *g)
{
	int flags = GLOB_BRACE | GLOB_TILDE;
	if (!t->opts || !t->opts->mem)
		return glob(pattern, flags, NULL, g);
	memset(g, 0, sizeof(*g));
	g->gl_opendir = mem_opendir;
	g->gl_readdir = mem_readdir;
	g->gl_closedir = mem_closedir;
	g->gl_stat = mem_stat;
	g->gl_lstat = mem_stat;
	mem_opts = t->opts;
	int r = glob(pattern, flags | GLOB_ALTDIRFUNC, NULL, g);
	mem_opts = NULL;
	return r;
}

/* Open path in opts->mem as lex_path does on the file system: the file,
 * or -ENOENT, -EISDIR. */
static int mem_open(const struct conf_tree *t, const char *path, const struct conf_file **f)
{
	char nm[4096];
	bool is_dir;
	if (!mem_norm(path, nm, sizeof(nm)))
		return -ENAMETOOLONG;
	*f = mem_find(t->opts, nm, &is_dir);
	if (!*f)
		return is_dir ? -EISDIR : -ENOENT;
	return 0;
}

static bool being_read(const struct conf_tree *t, dev_t dev, ino_t ino)
{
	for (int i = 0; i < t->n_open; i++)
		if (t->open[i].dev == dev && t->open[i].ino == ino)
			return true;
	return false;
}

/* Read one file into the token list; refuses what is not a regular file
 * (a directory or a device would hang or fail inside the scanner) and a
 * file being read already (-ELOOP: an include cycle). */
static int lex_path(struct conf_tree *t, const char *path, int depth, const char *from_file,
		    int from_line)
{
	const char *text = NULL;
	size_t len;
	dev_t dev = 0;
	ino_t ino;
	int fd = -1;

	if (t->opts && t->opts->mem) {
		const struct conf_file *f;
		int e = mem_open(t, path, &f);
		if (e < 0)
			return e;
		text = f->text;
		len = f->len;
		ino = (ino_t)(f - t->opts->mem) + 1;
	} else {
		struct stat st;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0)
			return -errno;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			int e = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
			close(fd);
			return e;
		}
		len = (size_t)st.st_size;
		dev = st.st_dev;
		ino = st.st_ino;
	}
	int rc = 0;
	if (being_read(t, dev, ino)) {
		rc = -ELOOP;
		goto out;
	}
	if (t->files_read >= FILES_READ_MAX) {
		if (!t->files_read_reported)
			report(t, true, from_file, from_line, "%s: more than %d files read", path,
			       FILES_READ_MAX);
		t->files_read_reported = true;
		rc = -EFBIG;
		goto out;
	}
	t->files_read++;
	if (len > TEXT_MAX - t->text_total) {
		report(t, true, from_file, from_line, "%s: the files read would exceed %u MiB", path,
		       TEXT_MAX >> 20);
		rc = -EFBIG;
		goto out;
	}
	struct lvs_buf b;
	buf_init(&b);
	if (fd >= 0) {
		rc = file_read_fd(fd, TEXT_MAX - t->text_total, &b);
		if (rc < 0) {
			buf_free(&b);
			goto out;
		}
		text = b.p;
		len = b.len;
	}
	t->text_total += len;
	const char *name = add_file(t, path);
	if (name) {
		t->open[t->n_open].dev = dev;
		t->open[t->n_open].ino = ino;
		t->n_open++;
		rc = lex_text(t, name, text, len, depth);
		t->n_open--;
	} else {
		rc = -ENOMEM;
	}
	buf_free(&b);
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

static int do_include(struct conf_tree *t, const char *file, int line, const char *pattern,
		      int depth)
{
	char full[4096];

	if (depth >= INCLUDE_DEPTH_MAX) {
		/* Once: a cycle reaches the bound on every one of its paths. */
		if (!t->depth_reported)
			report(t, true, file, line, "include \"%s\": more than %d include levels",
			       pattern, INCLUDE_DEPTH_MAX);
		t->depth_reported = true;
		return 0;
	}
	if (!*pattern) {
		report(t, true, file, line, "include with an empty file name");
		return 0;
	}
	if (pattern[0] == '/') {
		snprintf(full, sizeof(full), "%s", pattern);
	} else {
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s", file);
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", dirname(dir), pattern) >=
		    sizeof(full)) {
			report(t, true, file, line, "include \"%s\": the path is too long", pattern);
			return 0;
		}
	}
	/* "a//b" is "a/b" to the file system, but glibc's glob(3) recurses
	 * once per trailing slash: thousands of them overflow the stack. */
	size_t o = 0;
	for (size_t i = 0; full[i]; i++)
		if (full[i] != '/' || o == 0 || full[o - 1] != '/')
			full[o++] = full[i];
	full[o] = '\0';
	glob_t g;
	int gr = tree_glob(t, full, &g);
	if (gr == GLOB_NOSPACE)
		return -ENOMEM;
	if (gr != 0) {
		report(t, false, file, line, "include \"%s\" matches no file", pattern);
		return 0;
	}
	int rc = 0;
	for (size_t i = 0; i < g.gl_pathc && rc != -ENOMEM; i++) {
		if (i == INCLUDE_MATCHES_MAX) {
			report(t, true, file, line, "include \"%s\": more than %d files", pattern,
			       INCLUDE_MATCHES_MAX);
			break;
		}
		int e = lex_path(t, g.gl_pathv[i], depth + 1, file, line);
		if (e == -ENOMEM)
			rc = e;
		else if (e == -EISDIR)
			report(t, true, file, line, "include \"%s\": %s is a folder, not a file",
			       pattern, g.gl_pathv[i]);
		else if (e == -EINVAL)
			report(t, true, file, line, "include \"%s\": %s is not a regular file",
			       pattern, g.gl_pathv[i]);
		else if (e == -ELOOP)
			report(t, true, file, line,
			       "include \"%s\": %s is being read already (an include cycle); "
			       "not read again",
			       pattern, g.gl_pathv[i]);
		else if (e < 0 && e != -EFBIG)
			report(t, true, file, line, "include \"%s\": cannot read %s: %s", pattern,
			       g.gl_pathv[i], strerror(-e));
	}
	globfree(&g);
	return rc;
}

static int lex_line(struct conf_tree *t, const char *file, int lineno, const char *s, size_t n,
		    int depth)
{
	size_t first_tok = t->n_toks;
	size_t i = 0;

	while (i < n) {
		char c = s[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			i++;
			continue;
		}
		if (c == '!' || c == '#')
			break;
		if (c == '{' || c == '}' || (c == '=' && t->opts && t->opts->equals)) {
			if (add_token(t, s + i, 1, file, lineno, c == '=' ? 0 : c) < 0)
				return -ENOMEM;
			i++;
			continue;
		}
		size_t start = i;
		if (c == '"') {
			start = ++i;
			while (i < n && s[i] != '"')
				i++;
			if (i == n)
				report(t, true, file, lineno, "a quoted string is not closed");
			if (add_token(t, s + start, i - start, file, lineno, 0) < 0)
				return -ENOMEM;
			if (i < n)
				i++;
			continue;
		}
		while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '{' &&
		       s[i] != '}' && s[i] != '!' && s[i] != '#' && s[i] != '"' &&
		       !(s[i] == '=' && t->opts && t->opts->equals))
			i++;
		if (add_token(t, s + start, i - start, file, lineno, 0) < 0)
			return -ENOMEM;
	}
	if (t->opts && t->opts->includes && t->n_toks > first_tok &&
	    !t->toks[first_tok].brace && is_include(t->toks[first_tok].text)) {
		const char *pattern = t->n_toks > first_tok + 1 ? t->toks[first_tok + 1].text : "";
		char pat[4096];
		snprintf(pat, sizeof(pat), "%s", pattern);
		t->n_toks = first_tok; /* the include line itself is not a statement */
		return do_include(t, file, lineno, pat, depth);
	}
	return 0;
}

static int lex_text(struct conf_tree *t, const char *file, const char *text, size_t len,
		    int depth)
{
	int line = 1;
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		int rc = lex_line(t, file, line, text + i, end - i, depth);
		if (rc < 0)
			return rc;
		line++;
		i = end + 1;
	}
	return 0;
}

static void free_nodes(struct conf_node *nodes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(nodes[i].args);
		free_nodes(nodes[i].children, nodes[i].n_children);
	}
	free(nodes);
}

/* Build the statements from toks[*i] until a closing brace (depth > 0) or
 * the end. */
static int build(struct conf_tree *t, size_t *i, int depth, struct conf_node **out, size_t *n_out)
{
	struct conf_node *nodes = NULL;
	size_t n = 0, cap = 0;

	while (*i < t->n_toks) {
		struct token *tok = &t->toks[*i];
		if (tok->brace == '}') {
			(*i)++;
			if (depth == 0) {
				report(t, true, tok->file, tok->line, "\"}\" closes no block");
				continue;
			}
			*out = nodes;
			*n_out = n;
			return 0;
		}
		if (tok->brace == '{') {
			(*i)++;
			/* A block opened on the line after its keyword belongs to it. */
			struct conf_node *owner = n && !nodes[n - 1].has_block ? &nodes[n - 1] : NULL;
			if (!owner)
				report(t, true, tok->file, tok->line, "\"{\" opens a block with no keyword");
			if (depth + 1 >= NEST_MAX) {
				report(t, true, tok->file, tok->line, "blocks nested more than %d deep",
				       NEST_MAX);
				free_nodes(nodes, n);
				return -ELOOP;
			}
			struct conf_node *kids = NULL;
			size_t nk = 0;
			int rc = build(t, i, depth + 1, &kids, &nk);
			if (rc < 0) {
				free_nodes(nodes, n);
				return rc;
			}
			if (owner) {
				owner->children = kids;
				owner->n_children = nk;
				owner->has_block = true;
			} else {
				free_nodes(kids, nk);
			}
			continue;
		}
		if (++t->n_nodes > NODES_MAX) {
			report(t, true, tok->file, tok->line, "more than %u statements", NODES_MAX);
			free_nodes(nodes, n);
			return -E2BIG;
		}
		if (vec_grow((void **)&nodes, &cap, n + 1, sizeof(*nodes), 8) < 0) {
			free_nodes(nodes, n);
			return -ENOMEM;
		}
		struct conf_node *node = &nodes[n++];
		memset(node, 0, sizeof(*node));
		node->key = tok->text;
		node->file = tok->file;
		node->line = tok->line;
		(*i)++;
		size_t a0 = *i;
		while (*i < t->n_toks && !t->toks[*i].brace && t->toks[*i].line == node->line &&
		       t->toks[*i].file == node->file)
			(*i)++;
		node->n_args = *i - a0;
		if (node->n_args) {
			node->args = malloc(node->n_args * sizeof(*node->args));
			if (!node->args) {
				free_nodes(nodes, n);
				return -ENOMEM;
			}
			for (size_t k = 0; k < node->n_args; k++)
				node->args[k] = t->toks[a0 + k].text;
		}
		/* A "{" on the keyword's line opens its block. */
		if (*i < t->n_toks && t->toks[*i].brace == '{' && t->toks[*i].line == node->line &&
		    t->toks[*i].file == node->file)
			continue; /* handled by the '{' branch above, owner = this node */
	}
	if (depth > 0 && *i > 0) {
		struct token *last = &t->toks[*i - 1];
		report(t, true, last->file, last->line, "a block is not closed with \"}\"");
	}
	*out = nodes;
	*n_out = n;
	return 0;
}

static struct conf_tree *finish(struct conf_tree *t, int rc, int *err)
{
	if (rc == 0) {
		size_t i = 0;
		rc = build(t, &i, 0, &t->root, &t->n_root);
		if (rc == -ELOOP || rc == -E2BIG)
			rc = 0; /* reported; the tree is empty */
	}
	if (rc < 0) {
		conf_tree_free(t);
		*err = rc;
		return NULL;
	}
	/* The token array is no longer needed; the strings stay. */
	free(t->toks);
	t->toks = NULL;
	t->n_toks = t->cap_toks = 0;
	return t;
}

struct conf_tree *conf_tree_read(const char *path, const struct conf_tree_opts *opts, int *err)
{
	struct conf_tree *t = calloc(1, sizeof(*t));
	if (!t) {
		*err = -ENOMEM;
		return NULL;
	}
	t->opts = opts;
	int rc = lex_path(t, path, 0, NULL, 0);
	return finish(t, rc, err);
}

struct conf_tree *conf_tree_parse(const char *name, const char *text, size_t len,
				  const struct conf_tree_opts *opts, int *err)
{
	struct conf_tree *t = calloc(1, sizeof(*t));
	if (!t) {
		*err = -ENOMEM;
		return NULL;
	}
	t->opts = opts;
	const char *file = add_file(t, name);
	int rc = file ? lex_text(t, file, text, len > TEXT_MAX ? TEXT_MAX : len, 0) : -ENOMEM;
	return finish(t, rc, err);
}

const struct conf_node *conf_tree_root(const struct conf_tree *t, size_t *n)
{
	*n = t->n_root;
	return t->root;
}

size_t conf_tree_files(const struct conf_tree *t, const char *const **files)
{
	*files = (const char *const *)t->files;
	return t->n_files;
}

char **conf_tree_take_files(struct conf_tree *t, size_t *n)
{
	char **f = t->files;
	*n = t->n_files;
	t->files = NULL;
	t->n_files = t->cap_files = 0;
	return f;
}

void conf_tree_free(struct conf_tree *t)
{
	if (!t)
		return;
	free_nodes(t->root, t->n_root);
	for (size_t i = 0; i < t->n_strings; i++)
		free(t->strings[i]);
	free(t->strings);
	for (size_t i = 0; i < t->n_files; i++)
		free(t->files[i]);
	free(t->files);
	free(t->toks);
	free(t);
}
