/* The daemon's leveled logger. One line per message, written with one
 * write(2) so lines from several threads never interleave. When the log
 * fd is the journal's stream (systemd sets JOURNAL_STREAM to its device
 * and inode) each line starts with a "<N>" priority prefix (sd-daemon(3))
 * and carries no name; otherwise lines read "IDENT: message".
 * Control bytes in a formatted message are escaped (\xHH) so no line can
 * be split or forged; text from outside (a peer, a file, a name) goes
 * through log_clean first so its non-ASCII bytes are escaped as well.
 * Threads: log_* may be called from any thread; log_open and
 * log_set_level are meant for startup (they are atomic, not ordered
 * against lines being written). */
#ifndef LVSTOP_SHARE_LOG_H
#define LVSTOP_SHARE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* syslog(3) priorities. */
enum lvs_log_level {
	LVS_LOG_ERR = 3,
	LVS_LOG_WARNING = 4,
	LVS_LOG_NOTICE = 5,
	LVS_LOG_INFO = 6,
	LVS_LOG_DEBUG = 7,
};

/* Lines longer than this are cut (ending "...") */
#define LOG_LINE_MAX 2048

/* Log to fd under the name ident (copied, up to 31 bytes; NULL keeps the
 * current one, at first "lvstop"), deciding now whether fd is the journal.
 * Before any call: fd 2, plain lines, level LVS_LOG_INFO. */
void log_open(const char *ident, int fd);
/* Messages above level are dropped. */
void log_set_level(enum lvs_log_level level);
bool log_enabled(enum lvs_log_level level);
/* Whether lines get "<N>" prefixes (log_open decided). */
bool log_to_journal(void);

void log_msg(enum lvs_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum lvs_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define log_err(...) log_msg(LVS_LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LVS_LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LVS_LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LVS_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LVS_LOG_DEBUG, __VA_ARGS__)

/* A printable copy of n bytes of src (stopping early at a NUL) in dst
 * (len > 0; always NUL-terminated, cut when short): printable ASCII kept,
 * '\\' doubled, every other byte written \xHH. Returns dst. */
char *log_clean(char *dst, size_t len, const char *src, size_t n);

#endif
