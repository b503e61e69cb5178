#include "actions/dirs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory part of file into out ("" when it has none). */
static int dir_of(const char *file, char *out, size_t len)
{
	if (snprintf(out, len, "%s", file) >= (int)len)
		return -ENAMETOOLONG;
	char *slash = strrchr(out, '/');
	if (!slash)
		out[0] = '\0';
	else if (slash == out)
		out[1] = '\0'; /* "/f": the root */
	else
		*slash = '\0';
	return 0;
}

int dirs_make(const char *dir, mode_t mode, mode_t parent_mode, char *made_top, size_t top_len)
{
	char p[4096];
	struct stat sb;

	if (made_top && top_len)
		made_top[0] = '\0';
	if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	if (!n)
		return 0;
	if (stat(p, &sb) == 0)
		return S_ISDIR(sb.st_mode) ? 0 : -ENOTDIR;
	/* Walk down from the first component: every prefix ending before a
	 * '/' is a parent, the whole path the directory itself. */
	for (char *s = p + 1;; s++) {
		bool last = *s == '\0';
		if (!last && *s != '/')
			continue;
		if (!last && s[-1] == '/')
			continue; /* "a//b" */
		char keep = *s;
		*s = '\0';
		if (mkdir(p, last ? mode : parent_mode) == 0) {
			if (made_top && top_len && !made_top[0])
				snprintf(made_top, top_len, "%s", p);
		} else if (errno != EEXIST) {
			int r = -errno;
			*s = keep;
			return r;
		} else if (stat(p, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
			return -ENOTDIR;
		}
		*s = keep;
		if (last)
			return 0;
	}
}

int dirs_make_for(const char *file, mode_t mode, mode_t parent_mode, char *made_top, size_t top_len)
{
	char d[4096];
	int r = dir_of(file, d, sizeof(d));
	if (made_top && top_len)
		made_top[0] = '\0';
	if (r)
		return r;
	return d[0] ? dirs_make(d, mode, parent_mode, made_top, top_len) : 0;
}

void dirs_unmake_for(const char *file, const char *made_top)
{
	char d[4096];
	if (!made_top || !made_top[0] || dir_of(file, d, sizeof(d)) || !d[0])
		return;
	size_t top = strlen(made_top);
	for (;;) {
		size_t n = strlen(d);
		/* Only made_top and the directories below it. */
		if (n < top || strncmp(d, made_top, top) || (n > top && d[top] != '/'))
			return;
		if (rmdir(d) < 0)
			return;
		if (n == top)
			return;
		char *slash = strrchr(d, '/');
		if (!slash || slash == d)
			return;
		*slash = '\0';
	}
}
