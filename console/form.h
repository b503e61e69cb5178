/* The model of the console's edit forms and confirmations, apart from
 * drawing (panel_edit.c) so that it can be tested without a terminal.
 * A form is a list of fields (free text, or a choice cycled with Left and
 * Right); each field is checked as the user leaves it, with the same
 * parser the command line uses (args_parse), so a message names the field
 * and the problem exactly as `lvstop add-server ...` would; the whole form
 * is checked again (args_check_service / args_check_dest) before it may be
 * submitted, and a form that does not pass is never turned into a job.
 * Pure: no kernel, no I/O, no global state. Threads: one form per thread. */
#ifndef LVSTOP_CONSOLE_FORM_H
#define LVSTOP_CONSOLE_FORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/model.h"

#define FORM_FIELDS_MAX 12
#define FORM_VALUE_MAX 64
#define FORM_ERR_MAX 200

enum form_kind {
	FORM_ADD_SERVICE,
	FORM_EDIT_SERVICE,
	FORM_ADD_SERVER,
	FORM_EDIT_SERVER,
	FORM_TIMEOUTS,
	FORM_DAEMON,
};

struct form_field {
	const char *label;
	const char *const *choices; /* NULL: free text; else NULL-terminated */
	char value[FORM_VALUE_MAX];
	char err[FORM_ERR_MAX];     /* "" when the field passed its check */
	const char *hint;           /* shown next to an empty, valid field */
};

struct form {
	enum form_kind kind;
	char title[128];
	size_t n, cur;
	bool fresh;                 /* the cursor just entered cur: typing replaces it */
	struct form_field f[FORM_FIELDS_MAX];
	char err[FORM_ERR_MAX];     /* the whole form's problem (cross-field) */
	struct lvs_service svc_id;  /* edit: the service edited; servers: their service */
	struct lvs_dest dest_id;    /* edit-server: the real server edited */
};

/* What form_key asks the caller to do. */
enum form_step { FORM_GOING, FORM_SUBMIT, FORM_CANCEL };

/* A form pre-filled with ipvsadm's defaults (add) or the object's current
 * settings (edit). svc: NULL for add-service; the service being edited or
 * the one a real server belongs to. dest: the real server being edited. */
void form_service_init(struct form *fm, const struct lvs_service *svc);
void form_server_init(struct form *fm, const struct lvs_service *svc, const struct lvs_dest *dest);
void form_timeouts_init(struct form *fm, uint32_t tcp, uint32_t tcpfin, uint32_t udp);
/* running: the daemon already started in that state, so the form stops it. */
void form_daemon_init(struct form *fm, const struct lvs_daemon *running);

/* One key (curses codes: Tab/Down/Up move, leaving a field checks it;
 * Left/Right cycle a choice; printable characters and Backspace edit a text
 * field (the first character typed into a field just entered replaces its
 * value, as a selected text would be); Enter checks everything and returns FORM_SUBMIT only when the
 * whole form is valid; Esc returns FORM_CANCEL). */
enum form_step form_key(struct form *fm, int key);

/* Check field i (its err is set or cleared); 0 or -EINVAL. */
int form_check_field(struct form *fm, size_t i);
/* Check every field, then the whole object; 0 or -EINVAL (fm->err, or the
 * first failing field's err, says why; the cursor goes to that field). */
int form_check(struct form *fm);

/* The objects a valid form describes (after form_check returned 0).
 * 0 or -EINVAL (with fm->err). */
int form_service(struct form *fm, struct lvs_service *out);
int form_server(struct form *fm, struct lvs_dest *out);
int form_timeouts(struct form *fm, uint32_t out[3]);
/* *start: true to start dm, false to stop the daemon in dm->state. */
int form_daemon(struct form *fm, struct lvs_daemon *dm, bool *start);

/* A confirmation: y/n, or a word to type (flush everything). */
struct confirm {
	char prompt[192];
	const char *word;  /* NULL: y or n; else the exact word, then Enter */
	char typed[32];
	char err[96];      /* "wrong word" after a mismatch */
};
enum confirm_step { CONFIRM_PENDING, CONFIRM_YES, CONFIRM_NO };
void confirm_init(struct confirm *c, const char *word, const char *prompt);
/* y/Y yes, anything else no; with a word: characters edit, Enter compares
 * (a mismatch is CONFIRM_NO, with err saying so), Esc is no. */
enum confirm_step confirm_key(struct confirm *c, int key);

/* An object's text as the command line takes it: "-t 203.0.113.10:80",
 * "-f 42 -6"; "192.0.2.11:80", "[2001:db8::1]:80". */
int form_svc_argv(const struct lvs_service *svc, char *opt, size_t optlen, char *val, size_t vallen);
void form_addr_port(uint16_t af, const union lvs_addr *a, uint16_t port, char *buf, size_t len);

#endif
