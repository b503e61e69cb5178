/* A panel is one screen's body (services table, detail, connections,
 * events, help): a const vtable the main loop calls with the body's area.
 * The header and the function bar around it are frame.h's. A panel draws
 * only the rows it can show. Threads: UI thread only. */
#ifndef LVSTOP_CONSOLE_PANEL_H
#define LVSTOP_CONSOLE_PANEL_H

#include "app.h"
#include "crt.h"

struct panel {
	const char *name;  /* shown in the header */
	/* Draw the body in rows y .. y + h - 1 of the screen, full width. */
	void (*draw)(struct app *a, int y, int h);
};

extern const struct panel panel_services;
extern const struct panel panel_detail;
extern const struct panel panel_conns;
extern const struct panel panel_events;
extern const struct panel panel_help;
extern const struct panel panel_doctor;

/* The help screen's lines, in order, each given to emit with its
 * colours (split bytes in r1, the rest in r2). edit_off: why the edit
 * keys change nothing (keys_edit_off), or NULL; they are listed either
 * way, under a title that says which. Pure but for emit. */
typedef bool (*help_emit_fn)(void *arg, enum crt_role r1, int split, enum crt_role r2,
			     const char *line);
void help_lines(const char *edit_off, help_emit_fn emit, void *arg);

/* The width the services view's name column needs for the snapshot on
 * screen: its widest name with the tree glyphs and the marks an edit
 * puts after a name; 0 (as wide as the column may grow) when a declared
 * file's marks are shown or nothing is. Kept per snapshot and form. */
int services_name_need(struct app *a);

/* The panel of a view. */
const struct panel *panel_of(enum view v);

#endif
