#include "log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The module's own state: set at startup, read by every thread. */
static atomic_int log_fd = 2;
static atomic_int log_level = LVS_LOG_INFO;
static atomic_bool log_journal;
static char log_ident[32] = "lvstop";

static bool is_journal(int fd)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(fd, &st))
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_open(const char *ident, int fd)
{
	if (ident)
		snprintf(log_ident, sizeof(log_ident), "%s", ident);
	atomic_store(&log_fd, fd);
	atomic_store(&log_journal, is_journal(fd));
}

void log_set_level(enum lvs_log_level level)
{
	atomic_store(&log_level, (int)level);
}

bool log_enabled(enum lvs_log_level level)
{
	return (int)level <= atomic_load(&log_level);
}

bool log_to_journal(void)
{
	return atomic_load(&log_journal);
}

static const char hex[] = "0123456789abcdef";

char *log_clean(char *dst, size_t len, const char *src, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n && src[i]; i++) {
		unsigned char c = (unsigned char)src[i];
		char tmp[4];
		size_t k = 0;
		if (c == '\\') {
			tmp[k++] = '\\';
			tmp[k++] = '\\';
		} else if (c >= 0x20 && c < 0x7f) {
			tmp[k++] = (char)c;
		} else {
			tmp[k++] = '\\';
			tmp[k++] = 'x';
			tmp[k++] = hex[c >> 4];
			tmp[k++] = hex[c & 15];
		}
		if (o + k >= len)
			break;
		memcpy(dst + o, tmp, k);
		o += k;
	}
	dst[o] = 0;
	return dst;
}

void log_vmsg(enum lvs_log_level level, const char *fmt, va_list ap)
{
	if (!log_enabled(level))
		return;
	int saved = errno; /* callers may log between a failure and its errno */
	char msg[LOG_LINE_MAX];
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		snprintf(msg, sizeof(msg), "(unformattable message)");
	char line[LOG_LINE_MAX + 48];
	size_t o;
	if (atomic_load(&log_journal))
		o = (size_t)snprintf(line, sizeof(line), "<%d>", (int)level);
	else
		o = (size_t)snprintf(line, sizeof(line), "%s: ", log_ident);
	/* Room kept for "...\n" and the NUL. */
	size_t lim = sizeof(line) - 5;
	bool cut = n >= (int)sizeof(msg);
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		bool ctl = *p < 0x20 || *p == 0x7f;
		if (o + (ctl ? 4 : 1) > lim) {
			cut = true;
			break;
		}
		if (ctl) {
			line[o++] = '\\';
			line[o++] = 'x';
			line[o++] = hex[*p >> 4];
			line[o++] = hex[*p & 15];
		} else {
			line[o++] = (char)*p;
		}
	}
	if (cut) {
		memcpy(line + o, "...", 3);
		o += 3;
	}
	line[o++] = '\n';
	ssize_t w;
	do
		w = write(atomic_load(&log_fd), line, o);
	while (w < 0 && errno == EINTR);
	errno = saved;
}

void log_msg(enum lvs_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
