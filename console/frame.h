/* The frame around every panel: the header lines (host, time, IPVS,
 * table size, totals, the banner) and the function bar (generated from
 * the key table) or the filter prompt.
 * Threads: UI thread only. */
#ifndef LVSTOP_CONSOLE_FRAME_H
#define LVSTOP_CONSOLE_FRAME_H

struct app;

/* Rows the header takes now (3, or 4 with a banner). */
int frame_header_rows(const struct app *a);
void frame_draw_header(struct app *a);
void frame_draw_bar(struct app *a);

#endif
