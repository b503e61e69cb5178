/* The console's editing: the keys that change the kernel, the forms and
 * confirmations they open, the drain panel, and the marks of quiesced and
 * draining real servers. An edit of an object the declared file manages
 * (a->marks) first asks, saying what keepalived will do with it: 'y' goes
 * on (the command line's --force), Esc changes nothing. Changes run on the writer thread (edit.h); this
 * module posts them and shows what comes back. Without an edit_ui (a
 * --read-only console never opens one) every function here does nothing
 * and the keys say so.
 * Threads: UI thread only. */
#ifndef LVSTOP_CONSOLE_PANEL_EDIT_H
#define LVSTOP_CONSOLE_PANEL_EDIT_H

#include <stdbool.h>

#include "app.h"

/* Start the writer (a->edit). 0, or the error of starting it (the console
 * then runs without editing and says why in a->message). */
int edit_ui_open(struct app *a);
/* The same with the actions library's options (tests give a model of
 * the kernel through them). */
struct lvs_actions_opts;
int edit_ui_open_with(struct app *a, const struct lvs_actions_opts *o);
void edit_ui_close(struct app *a);
/* The writer's fd for the UI's poll(), -1 without one. */
int edit_ui_fd(const struct app *a);
/* The fd was readable: take results (messages), marks, drain progress.
 * Returns REDO_* flags. */
int edit_ui_ready(struct app *a);
/* A new snapshot is on screen: ask for the marks again (at most once per
 * snapshot, read on the writer thread). */
void edit_ui_snapshot(struct app *a);
/* A form, confirmation or drain panel has the keyboard. */
bool edit_ui_modal(const struct app *a);
/* While the owner's question is open: its text (what keepalived will do);
 * else NULL. */
const char *edit_ui_owner_question(const struct app *a);
int edit_ui_key(struct app *a, int key);
/* Draw the form, confirmation, drain panel or last result over the body
 * (rows y .. y + h - 1). */
void edit_ui_draw(struct app *a, int y, int h);
/* "quiesced" or "draining" for a real server the state file remembers,
 * NULL otherwise; *weight (when not NULL) gets the remembered weight.
 * Cheap when nothing is remembered. */
const char *edit_ui_mark(const struct app *a, const struct lvs_service *v, const struct lvs_dest *d,
			 int32_t *weight);
/* Whether any real server is remembered (edit_ui_mark can say something). */
bool edit_ui_marks(const struct app *a);
/* The same for an endpoint in any service (the connections view, which
 * counts entries by real server address only). */
const char *edit_ui_mark_endpoint(const struct app *a, uint16_t af, const union lvs_addr *addr,
				  uint16_t port);

/* Key handlers for the key table (keys.c). */
int edit_key_quiesce(struct app *a, int key);
int edit_key_drain(struct app *a, int key);
int edit_key_restore(struct app *a, int key);
int edit_key_weight(struct app *a, int key);
int edit_key_add(struct app *a, int key);
int edit_key_edit(struct app *a, int key);
int edit_key_delete(struct app *a, int key);
int edit_key_zero(struct app *a, int key);
int edit_key_timeouts(struct app *a, int key);
int edit_key_flush(struct app *a, int key);
int edit_key_daemon(struct app *a, int key);
int edit_key_undo(struct app *a, int key);

#endif
