/* The audit trail: one record per change, whoever made it (console or
 * command line: the actions library writes it, so both share it). A record
 * is one JSON object on one line, appended with a single write(2) to a file
 * opened O_APPEND (so concurrent writers do not interleave), and the same
 * facts as one sentence to syslog (LOG_AUTHPRIV|LOG_NOTICE, ident lvstop).
 * Threads: audit_format is pure; audit_append may be called from any thread. */
#ifndef LVSTOP_ACTIONS_AUDIT_H
#define LVSTOP_ACTIONS_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#define LVS_AUDIT_PATH "/var/log/lvstop/audit.log"
#define LVS_AUDIT_ENV "LVSTOP_AUDIT_LOG"

/* One change. Strings are borrowed. before/after: the rule lines (ipvsadm
 * -S form) of the objects the change touched, as they were and are (empty
 * when the object did not or does not exist). */
struct lvs_audit_rec {
	double time;           /* wall clock, seconds */
	const char *user;      /* the login running lvstop */
	const char *sudo_user; /* $SUDO_USER, or NULL */
	const char *source;    /* "cli", "console" */
	const char *action;    /* "quiesce", "add-server", "load", ... */
	const char *object;    /* "TCP 203.0.113.10:80 -> 192.0.2.11:80", or "" */
	const char *const *before;
	size_t n_before;
	const char *const *after;
	size_t n_after;
	bool ok;
	bool rolled_back;      /* a failed multi-step change was undone */
	const char *error;     /* the failure sentence, NULL when ok */
	/* Optional: a sentence for readers ("message"), and the change this
	 * record reports undone ("undoes": its time, action and user), written
	 * only when undoes_action is set (actions/undo.h). */
	const char *message;
	const char *undoes_action;
	double undoes_time;
	const char *undoes_user;
};

/* $LVSTOP_AUDIT_LOG when set and not empty, else LVS_AUDIT_PATH. */
const char *audit_default_path(void);

/* The user names for a record: the login of the real uid (or "uid N")
 * into user, $SUDO_USER into sudo (empty when unset). */
void audit_who(char *user, size_t ulen, char *sudo, size_t slen);

/* The JSON line for r, without the newline: keys time (ISO 8601 UTC with
 * milliseconds), user, sudo_user (null when none), source, action, object,
 * before, after (arrays of strings), result ("ok", "failed" or
 * "failed, rolled back"), error (only when failed). malloc'd; NULL when
 * out of memory. */
char *audit_format(const struct lvs_audit_rec *r);

/* The ISO 8601 UTC form audit_format writes for a time ("2026-09-21T14:13:20.250Z"). */
void audit_time_text(double t, char *buf, size_t len);

/* Append the record to path (creating it 0640, its directory 0750 and the
 * directories above it 0755 when missing; modes less the umask) and log it
 * to syslog when to_syslog. A log this call creates as root in a directory
 * another user owns (lvsd's, under its systemd unit) is given to that
 * directory's owner and group, so that both can append. 0 or the negative
 * errno of the file write (syslog cannot fail visibly). */
int audit_append(const char *path, const struct lvs_audit_rec *r, bool to_syslog);

/* Write the record as one line, with one write(2), to fd (opened
 * O_APPEND by the caller, who may hold a lock on it). 0, -ENOMEM, or the
 * negative errno of the write (-EIO when it was short). */
int audit_write(int fd, const struct lvs_audit_rec *r);

#endif
