/* Reading a whole file (or what is left of a stream) into a buffer, with a
 * size cap so a wrong path or a hostile file cannot eat the memory.
 * No global state; thread-safe. */
#ifndef LVSTOP_SHARE_FILE_H
#define LVSTOP_SHARE_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "share/buf.h"

/* Read all of path into out (its contents replaced; NUL-terminated; may
 * contain NULs, out->len says how much). max: the largest size accepted,
 * 0 for no cap. 0, or: -errno of open/read (-ENOENT, -EACCES, -EISDIR,
 * ...), -EFBIG when the file holds more than max bytes, -ENOMEM. On error
 * out is empty. */
int file_read(const char *path, size_t max, struct lvs_buf *out);
/* The same from an open descriptor (read to its end; not closed). */
int file_read_fd(int fd, size_t max, struct lvs_buf *out);
/* The same from a stdio stream (read to EOF; not closed); -EIO when the
 * stream reports an error. */
int file_read_stream(FILE *f, size_t max, struct lvs_buf *out);

/* The "KEY:  N kB" field of /proc/PID/status (key without its colon:
 * "VmRSS", "VmHWM"): N, or -1 when the process or the field is not there.
 * pid 0 is the calling process. For the benchmarks and the lab's tools. */
long file_proc_status_kib(int pid, const char *key);

#endif
