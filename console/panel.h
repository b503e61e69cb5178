/* A panel is one screen's body (services table, detail, connections,
 * events, help): a const vtable the main loop calls with the body's area.
 * The header and the function bar around it are frame.h's. A panel draws
 * only the rows it can show. Threads: UI thread only. */
#ifndef LVSTOP_CONSOLE_PANEL_H
#define LVSTOP_CONSOLE_PANEL_H

#include "app.h"

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

/* The panel of a view. */
const struct panel *panel_of(enum view v);

#endif
