/* The terminal: curses set-up and tear-down, and the colour roles every
 * panel draws with. Colours are named roles looked up in one table; a
 * monochrome table (attributes only) is used when NO_COLOR is set or the
 * terminal has no colours. Threads: UI thread only. */
#ifndef LVSTOP_CONSOLE_CRT_H
#define LVSTOP_CONSOLE_CRT_H

#include <stdbool.h>
#include <stdio.h>

enum crt_role {
	CR_DEFAULT,
	CR_HEADER_LABEL, /* "Services", "Conns" in the header */
	CR_HEADER_VALUE, /* their numbers */
	CR_HEADER_FLAG,  /* [read-only] [paused] */
	CR_BANNER_ERROR, /* IPVS gone, stale data */
	CR_BANNER_INFO,  /* recording ended, partial table */
	CR_COL_TITLE,    /* the column titles line */
	CR_COL_SORTED,   /* the title of the sort column */
	CR_CURSOR,       /* the selected row */
	CR_SERVICE,      /* a virtual service row */
	CR_DEST,         /* a real server row */
	CR_TREE,         /* tree glyphs */
	CR_STALE,        /* rows while the data is stale: greyed */
	CR_ZERO_WEIGHT,  /* a real server with weight 0 (quiesced) */
	CR_HEALTH_UP,
	CR_HEALTH_DOWN,
	CR_SPARK,        /* sparklines and charts */
	CR_FKEY,         /* function bar: key */
	CR_FKEY_LABEL,   /* function bar: label */
	CR_EV_ADD,       /* event log: + */
	CR_EV_DEL,       /* event log: - */
	CR_EV_CHANGE,    /* event log: ~ and ! */
	CR_TITLE,        /* a section title in detail, connections, help */
	CR_DIM,          /* secondary text */
	CR_FILTER,       /* the filter prompt */
	CR_ROLE_COUNT
};

/* Start curses on the terminal: raw keys, no echo, keypad, hidden cursor,
 * colours unless disabled (no_color, NO_COLOR in the environment, or a
 * terminal without colours). 0, or -ENOTTY when the terminal cannot be
 * driven (TERM unknown, not a tty). */
int crt_init(bool no_color);
/* As crt_init on the terminal behind out and in (tests and benchmarks
 * drive a pseudo-terminal of their own): 0, or -ENOTTY when TERM is
 * unknown. */
int crt_init_on(FILE *out, FILE *in, bool no_color);
/* Restore the terminal. Safe to call twice and before crt_init. */
void crt_done(void);

/* The curses attribute of a role in the active table. */
int crt_attr(enum crt_role r);
bool crt_has_color(void);
/* True when the locale's charset is UTF-8 (block and tree glyphs). */
bool crt_utf8(void);

/* The role's colour pair for the colour table (for tests and docs):
 * foreground, background (-1: the terminal's default) and attributes. */
struct crt_style {
	short fg, bg;
	int attrs;
};
extern const struct crt_style crt_color_table[CR_ROLE_COUNT];
extern const int crt_mono_table[CR_ROLE_COUNT];

#endif
