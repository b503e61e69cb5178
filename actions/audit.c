#include "actions/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "actions/dirs.h"

const char *audit_default_path(void)
{
	const char *p = getenv(LVS_AUDIT_ENV);
	return p && *p ? p : LVS_AUDIT_PATH;
}

void audit_who(char *user, size_t ulen, char *sudo, size_t slen)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	uid_t uid = getuid();

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(user, ulen, "%s", res->pw_name);
	else
		snprintf(user, ulen, "uid %u", (unsigned)uid);
	const char *s = getenv("SUDO_USER");
	snprintf(sudo, slen, "%s", s ? s : "");
}

static json_object *str_array(const char *const *v, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; a && i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

void audit_time_text(double tv, char *buf, size_t len)
{
	time_t t = (time_t)tv;
	struct tm tm;
	int ms = (int)((tv - (double)t) * 1000.0);

	if (ms < 0 || ms > 999)
		ms = 0;
	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

char *audit_format(const struct lvs_audit_rec *r)
{
	char when[64];
	audit_time_text(r->time, when, sizeof(when));

	json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	json_object_object_add(o, "time", json_object_new_string(when));
	json_object_object_add(o, "user", json_object_new_string(r->user ? r->user : ""));
	json_object_object_add(o, "sudo_user", r->sudo_user && *r->sudo_user
			       ? json_object_new_string(r->sudo_user) : NULL);
	json_object_object_add(o, "source", json_object_new_string(r->source ? r->source : ""));
	json_object_object_add(o, "action", json_object_new_string(r->action ? r->action : ""));
	json_object_object_add(o, "object", json_object_new_string(r->object ? r->object : ""));
	json_object_object_add(o, "before", str_array(r->before, r->n_before));
	json_object_object_add(o, "after", str_array(r->after, r->n_after));
	json_object_object_add(o, "result", json_object_new_string(
		r->ok ? "ok" : r->rolled_back ? "failed, rolled back" : "failed"));
	if (!r->ok)
		json_object_object_add(o, "error", json_object_new_string(r->error ? r->error : ""));
	if (r->message)
		json_object_object_add(o, "message", json_object_new_string(r->message));
	if (r->undoes_action) {
		json_object *u = json_object_new_object();
		char t[64];
		audit_time_text(r->undoes_time, t, sizeof(t));
		json_object_object_add(u, "time", json_object_new_string(t));
		json_object_object_add(u, "action", json_object_new_string(r->undoes_action));
		json_object_object_add(u, "user", json_object_new_string(r->undoes_user ? r->undoes_user : ""));
		json_object_object_add(o, "undoes", u);
	}
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	char *out = s ? strdup(s) : NULL;
	json_object_put(o);
	return out;
}

/* Create the log (and its directory). Created by root in a directory that
 * belongs to someone else (lvsd's dynamic user owns /var/log/lvstop under
 * its unit), the file goes to the directory's owner and group: else the
 * daemon could no longer append to a log root happened to create first.
 * Never world-writable: 0640 less the umask. fd, or -1 with errno set. */
static int create_log(const char *path)
{
	int r = dirs_make_for(path, 0750, 0755, NULL, 0);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0) {
		if (errno == EEXIST) /* another writer was first */
			return open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
		return -1;
	}
	char dir[4096];
	struct stat sb;
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (geteuid() == 0 && stat(dir, &sb) == 0 && sb.st_uid != 0 &&
	    fchown(fd, sb.st_uid, sb.st_gid) < 0) {
		/* The record still goes in; only the daemon's appends suffer. */
	}
	return fd;
}

int audit_append(const char *path, const struct lvs_audit_rec *r, bool to_syslog)
{
	int err = 0;

	if (to_syslog) {
		openlog("lvstop", LOG_PID, LOG_AUTHPRIV);
		syslog(LOG_NOTICE, "%s%s%s%s %s %s: %s%s%s", r->user ? r->user : "?",
		       r->sudo_user && *r->sudo_user ? " (sudo " : "",
		       r->sudo_user && *r->sudo_user ? r->sudo_user : "",
		       r->sudo_user && *r->sudo_user ? ")" : "", r->action ? r->action : "",
		       r->object ? r->object : "",
		       r->ok ? "ok" : r->rolled_back ? "failed, rolled back" : "failed",
		       r->ok ? "" : ": ", r->ok ? "" : (r->error ? r->error : ""));
		closelog();
	}
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		fd = create_log(path);
	if (fd < 0)
		return -errno;
	err = audit_write(fd, r);
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

int audit_write(int fd, const struct lvs_audit_rec *r)
{
	char *line = audit_format(r);
	int err = 0;
	if (!line)
		return -ENOMEM;
	size_t len = strlen(line);
	line[len] = '\n'; /* strdup left room: overwrite the NUL, write len + 1 */
	/* One write: O_APPEND makes it atomic with respect to other appenders. */
	ssize_t w = write(fd, line, len + 1);
	if (w < 0)
		err = -errno;
	else if ((size_t)w != len + 1)
		err = -EIO;
	free(line);
	return err;
}
