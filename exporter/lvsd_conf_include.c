/* @include paths checked before libconfig reads the file. libconfig 1.5
 * (Debian 12's; the include hook config_set_include_func came with 1.7)
 * opens an included path as given and, when it is empty or names a
 * directory, its flex scanner fails fatally and calls exit(): a reload
 * would kill the running daemon. So the files are scanned here the way
 * libconfig's scanner finds the directive (a line that starts with
 * optional blanks, "@include", blanks and a quoted path, outside comments
 * and strings), and every path must be a regular, readable file. A file
 * with a NUL byte is refused: the scan and libconfig would read it
 * differently. */
#include "lvsd_conf_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* libconfig's own limit on nested includes. */
#define MAX_DEPTH 10

enum scan_state { CODE, BLOCK_COMMENT, STRING };

/* The path an @include line names, its escapes undone, into out. 1 when
 * line is an include directive (out filled), 0 when not, -ENAMETOOLONG. */
static int include_path(const char *line, char *out, size_t outlen)
{
	const char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "@include", 8) || (p[8] != ' ' && p[8] != '\t'))
		return 0;
	p += 8;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '"')
		return 0;
	p++;
	size_t n = 0;
	for (; *p && *p != '"'; p++) {
		char c = *p;
		if (c == '\\' && p[1]) {
			p++;
			c = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p == 'r' ? '\r' : *p == 'f' ? '\f' : *p;
		}
		if (n + 1 >= outlen)
			return -ENAMETOOLONG;
		out[n++] = c;
	}
	out[n] = 0;
	return 1;
}

/* Carry the comment and string state over one line (after the directive
 * test: a directive is only seen in CODE at the line's start). */
static enum scan_state scan_line(const char *p, enum scan_state st)
{
	for (; *p; p++) {
		switch (st) {
		case BLOCK_COMMENT:
			if (p[0] == '*' && p[1] == '/') {
				st = CODE;
				p++;
			}
			break;
		case STRING:
			if (p[0] == '\\' && p[1])
				p++;
			else if (p[0] == '"')
				st = CODE;
			break;
		case CODE:
			if (p[0] == '#' || (p[0] == '/' && p[1] == '/'))
				return CODE; /* the rest of the line is a comment */
			if (p[0] == '/' && p[1] == '*') {
				st = BLOCK_COMMENT;
				p++;
			} else if (p[0] == '"') {
				st = STRING;
			}
			break;
		}
	}
	return st;
}

/* The file an include names must be there, a regular file, readable. */
static int check_target(struct conf_ctx *x, const char *file, unsigned long ln, const char *inc,
			const char *full)
{
	if (!*inc) {
		snprintf(x->err, x->errlen, "%s:%lu: @include \"\": an empty path names no file",
			 file, ln);
		return -EINVAL;
	}
	struct stat st;
	if (stat(full, &st)) {
		int e = errno;
		snprintf(x->err, x->errlen, "%s:%lu: @include \"%s\": cannot read %s: %s", file, ln,
			 inc, full, strerror(e));
		return -EINVAL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(x->err, x->errlen, "%s:%lu: @include \"%s\": %s is %s, not a regular file",
			 file, ln, inc, full, S_ISDIR(st.st_mode) ? "a directory" : "special");
		return -EINVAL;
	}
	if (access(full, R_OK)) {
		int e = errno;
		snprintf(x->err, x->errlen, "%s:%lu: @include \"%s\": cannot read %s: %s", file, ln,
			 inc, full, strerror(e));
		return -EINVAL;
	}
	return 0;
}

int conf_check_includes(struct conf_ctx *x, const char *file, int depth)
{
	if (depth > MAX_DEPTH) {
		snprintf(x->err, x->errlen, "%s:0: @include nested more than %d deep", file,
			 MAX_DEPTH);
		return -EINVAL;
	}
	FILE *f = fopen(file, "re");
	if (!f) {
		int e = errno;
		snprintf(x->err, x->errlen, "%s:0: cannot read: %s", file, strerror(e));
		return e == ENOMEM ? -ENOMEM : -EINVAL;
	}
	char *line = NULL, inc[4096], full[8192];
	size_t cap = 0;
	unsigned long ln = 0;
	enum scan_state st = CODE;
	int r = 0;
	ssize_t len;
	while (!r && (len = getline(&line, &cap, f)) >= 0) {
		ln++;
		/* The scan reads a line up to a NUL byte, libconfig past it:
		 * a string opened before one would hide an @include from the
		 * scan that libconfig follows. No text file holds one. */
		int k = memchr(line, 0, (size_t)len) ? -EILSEQ
			: st == CODE ? include_path(line, inc, sizeof(inc)) : 0;
		if (k == -EILSEQ) {
			snprintf(x->err, x->errlen, "%s:%lu: a NUL byte: not a text file", file, ln);
			r = -EINVAL;
		} else if (k < 0) {
			snprintf(x->err, x->errlen, "%s:%lu: @include path too long", file, ln);
			r = -EINVAL;
		} else if (k > 0) {
			/* Relative paths as libconfig takes them: from the
			 * include folder (the main file's), else the cwd. */
			int n = snprintf(full, sizeof(full), "%s%s%s",
					 inc[0] != '/' && x->dir ? (*x->dir ? x->dir : "/") : "",
					 inc[0] != '/' && x->dir && *x->dir ? "/" : "", inc);
			if (n < 0 || (size_t)n >= sizeof(full)) {
				snprintf(x->err, x->errlen, "%s:%lu: @include path too long", file, ln);
				r = -EINVAL;
			} else if (!(r = check_target(x, file, ln, inc, full))) {
				r = conf_check_includes(x, full, depth + 1);
			}
		} else {
			st = scan_line(line, st);
		}
	}
	if (!r && !feof(f)) {
		/* getline stopped before the end: out of memory or a read error. */
		r = errno == ENOMEM ? -ENOMEM : -EIO;
		snprintf(x->err, x->errlen, "%s:%lu: %s", file, ln + 1,
			 r == -ENOMEM ? "out of memory" : "read error");
	}
	free(line);
	fclose(f);
	return r;
}
