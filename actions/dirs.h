/* Directories for the files lvstop writes (state file, its lock, the audit
 * log): made with their parents when missing, as `mkdir -p` does, and
 * removed again by a command that ended up writing nothing.
 * Modes are given per call and reduced by the umask, as mkdir(2) does.
 * Pure file-system calls; no global state; thread-safe. */
#ifndef LVSTOP_ACTIONS_DIRS_H
#define LVSTOP_ACTIONS_DIRS_H

#include <stddef.h>
#include <sys/types.h>

/* Make dir and every missing directory above it: dir itself with mode,
 * the ones above with parent_mode. made_top (may be NULL) receives the
 * outermost directory this call created, "" when it created none.
 * 0 (also when dir exists), -ENOTDIR when a part is not a directory,
 * -ENAMETOOLONG, or mkdir's negative errno. */
int dirs_make(const char *dir, mode_t mode, mode_t parent_mode, char *made_top, size_t top_len);

/* dirs_make for the directory a file path lies in ("a/b/f" -> "a/b"); a
 * path without a directory part needs none (0). */
int dirs_make_for(const char *file, mode_t mode, mode_t parent_mode, char *made_top, size_t top_len);

/* Undo dirs_make_for: remove the file's directory and those above it up to
 * made_top (as dirs_make_for reported it), stopping at the first that is
 * not empty. Nothing when made_top is empty. */
void dirs_unmake_for(const char *file, const char *made_top);

#endif
