/* The directors view of `lvstop --remote` (a panel): one section per
 * director of the app's remote set (status, poll age, traffic share, its
 * table, the rows that differ from its partner's marked), the two header
 * lines it puts in the frame, and its keys. Only visible lines are drawn.
 * Threads: UI thread only. */
#ifndef LVSTOP_CONSOLE_REMOTE_PANEL_H
#define LVSTOP_CONSOLE_REMOTE_PANEL_H

#include <stdbool.h>

struct app;

extern const struct panel panel_remote;

/* The two header lines the view replaces (directors answering, totals
 * over all of them). */
void remote_draw_frame(struct app *a, int width);

/* Keys of the directors view: move the cursor by delta lines (or to
 * line delta when absolute); Enter on a row: the detail of that object
 * on its director; on a director's header: that director's services
 * view. Both return REDO_* flags. */
int remote_move(struct app *a, long delta, bool absolute);
int remote_enter(struct app *a);

#endif
