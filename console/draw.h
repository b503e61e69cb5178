/* Drawing helpers over curses for the panels: text clipped to a width in
 * screen columns (UTF-8 aware for the block and tree glyphs), padded
 * cells, and a scrollable list of text lines of which only the visible
 * ones are formatted. Threads: UI thread only. */
#ifndef LVSTOP_CONSOLE_DRAW_H
#define LVSTOP_CONSOLE_DRAW_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "crt.h"

/* Bytes of the longest prefix of s that fits in cols screen columns
 * (one column per code point: the console prints no wide characters). */
size_t draw_fit(const char *s, int cols);
/* Bytes of the longest prefix of s that fits in cols screen columns
 * without cutting a word: all of s when it fits; else it ends at the end
 * of a word, with no trailing blank or ',' ';' ':', and no parenthesis
 * left open (a cut "(connection" is dropped whole). When even the first
 * word does not fit, as draw_fit. */
size_t draw_fit_words(const char *s, int cols);
/* Screen columns of s. */
int draw_width(const char *s);

/* Write s at (y, x) in role, clipped to w columns. Returns the columns
 * written. */
int draw_str(int y, int x, int w, enum crt_role role, const char *s);
/* As draw_str, cut at a word's end (draw_fit_words). */
int draw_words(int y, int x, int w, enum crt_role role, const char *s);
/* A cell of exactly w columns: s left or right aligned, blank padded,
 * clipped (a clipped number keeps its rightmost digits' place: the
 * leftmost are dropped and replaced by '+'). */
void draw_cell(int y, int x, int w, bool right, enum crt_role role, const char *s);
/* Fill w columns with blanks in role. */
void draw_fill(int y, int x, int w, enum crt_role role);

/* A scrollable list of lines for the detail, connections, events and
 * help views. Lines before `first` or after first + height are counted
 * but not formatted. */
struct textbuf {
	int y, x, w, h;  /* screen area */
	long first;      /* the first line shown */
	long n;          /* lines added so far */
};

void textbuf_begin(struct textbuf *t, int y, int x, int w, int h, long first);
/* Add one line: `split` bytes of the formatted text in role1, the rest in
 * role2 (split 0: all in role2). Returns true when the line was visible. */
bool textbuf_add(struct textbuf *t, enum crt_role role1, int split, enum crt_role role2,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* True when the next line added would be visible (to skip costly work). */
bool textbuf_visible(const struct textbuf *t);
/* The screen row of the next line (valid when textbuf_visible). */
int textbuf_next_y(const struct textbuf *t);
/* Count a line drawn by the caller itself (charts). */
void textbuf_skip(struct textbuf *t);

#endif
