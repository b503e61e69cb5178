#include "draw.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

size_t draw_fit(const char *s, int cols)
{
	size_t i = 0;
	int c = 0;
	while (s[i]) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) { /* a code point starts */
			if (c == cols)
				break;
			c++;
		}
		i++;
	}
	return i;
}

size_t draw_fit_words(const char *s, int cols)
{
	size_t all = draw_fit(s, cols < 0 ? 0 : cols);
	if (!s[all])
		return all;
	size_t i = all;
	if (s[i] != ' ')
		while (i > 0 && s[i - 1] != ' ')
			i--; /* back to the start of the word cut */
	for (;;) {
		while (i > 0 && strchr(" ,;:", s[i - 1]))
			i--;
		int open = 0;
		size_t last_open = 0;
		for (size_t k = 0; k < i; k++) {
			if (s[k] == '(') {
				if (!open)
					last_open = k;
				open++;
			} else if (s[k] == ')' && open) {
				open--;
			}
		}
		if (!open)
			break;
		i = last_open; /* drop the unclosed parenthesis and what follows */
	}
	return i ? i : all;
}

int draw_width(const char *s)
{
	int c = 0;
	for (; *s; s++)
		c += ((unsigned char)*s & 0xc0) != 0x80;
	return c;
}

/* The code points of the UTF-8 text s[0..n) in out (room for max), or
 * -1 when s is not well-formed UTF-8 or does not fit. */
static int utf8_wide(const char *s, size_t n, wchar_t *out, int max)
{
	int k = 0;
	for (size_t i = 0; i < n;) {
		unsigned c = (unsigned char)s[i];
		int more = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : -1;
		if (more < 0 || (size_t)more >= n - i || k == max)
			return -1;
		unsigned v = more ? c & (0x3fu >> more) : c;
		for (int j = 1; j <= more; j++) {
			unsigned b = (unsigned char)s[i + (size_t)j];
			if ((b & 0xc0) != 0x80)
				return -1;
			v = v << 6 | (b & 0x3f);
		}
		out[k++] = (wchar_t)v;
		i += 1 + (size_t)more;
	}
	return k;
}

/* Write n bytes of s at (y, x). Text with glyphs (block and tree
 * characters) goes to curses as code points: given bytes, curses decodes
 * them one at a time through the C library, which cost a sparkline of a
 * dozen glyphs ten times the row's other cells. */
static void put_text(int y, int x, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && !((unsigned char)s[i] & 0x80))
		i++;
	wchar_t wide[512];
	int k = i < n && crt_utf8() ? utf8_wide(s, n, wide, 512) : -1;
	if (k >= 0)
		mvaddnwstr(y, x, wide, k);
	else
		mvaddnstr(y, x, s, (int)n);
}

int draw_str(int y, int x, int w, enum crt_role role, const char *s)
{
	if (w <= 0)
		return 0;
	size_t n = draw_fit(s, w);
	attrset(crt_attr(role));
	put_text(y, x, s, n);
	int cols = 0;
	for (size_t i = 0; i < n; i++)
		cols += ((unsigned char)s[i] & 0xc0) != 0x80;
	return cols;
}

int draw_words(int y, int x, int w, enum crt_role role, const char *s)
{
	if (w <= 0)
		return 0;
	size_t n = draw_fit_words(s, w);
	attrset(crt_attr(role));
	put_text(y, x, s, n);
	int cols = 0;
	for (size_t i = 0; i < n; i++)
		cols += ((unsigned char)s[i] & 0xc0) != 0x80;
	return cols;
}

void draw_fill(int y, int x, int w, enum crt_role role)
{
	if (w <= 0)
		return;
	attrset(crt_attr(role));
	mvhline(y, x, ' ', w);
}

void draw_cell(int y, int x, int w, bool right, enum crt_role role, const char *s)
{
	if (w <= 0)
		return;
	int n = draw_width(s);
	if (n > w && right) {
		/* A number that does not fit: keep its tail, mark the cut. */
		const char *p = s;
		for (int skip = n - w + 1; skip > 0; skip--) {
			p++;
			while (((unsigned char)*p & 0xc0) == 0x80)
				p++;
		}
		draw_fill(y, x, 1, role);
		attrset(crt_attr(role));
		mvaddch(y, x, '+');
		draw_str(y, x + 1, w - 1, role, p);
		return;
	}
	if (n > w)
		n = w;
	int pad = w - n;
	if (right) {
		draw_fill(y, x, pad, role);
		draw_str(y, x + pad, n, role, s);
	} else {
		draw_str(y, x, n, role, s);
		draw_fill(y, x + n, pad, role);
	}
}

void textbuf_begin(struct textbuf *t, int y, int x, int w, int h, long first)
{
	t->y = y;
	t->x = x;
	t->w = w;
	t->h = h;
	t->first = first < 0 ? 0 : first;
	t->n = 0;
}

bool textbuf_visible(const struct textbuf *t)
{
	return t->n >= t->first && t->n < t->first + t->h;
}

int textbuf_next_y(const struct textbuf *t)
{
	return t->y + (int)(t->n - t->first);
}

void textbuf_skip(struct textbuf *t)
{
	t->n++;
}

bool textbuf_add(struct textbuf *t, enum crt_role role1, int split, enum crt_role role2,
		 const char *fmt, ...)
{
	if (!textbuf_visible(t)) {
		t->n++;
		return false;
	}
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	int y = textbuf_next_y(t);
	int used = 0;
	if (split > 0) {
		size_t len = strlen(line);
		size_t cut = (size_t)split < len ? (size_t)split : len;
		char c = line[cut];
		line[cut] = 0;
		used = draw_str(y, t->x, t->w, role1, line);
		line[cut] = c;
		used += draw_str(y, t->x + used, t->w - used, role2, line + cut);
	} else {
		used = draw_str(y, t->x, t->w, role2, line);
	}
	draw_fill(y, t->x + used, t->w - used, role2 == CR_DEFAULT ? CR_DEFAULT : role2);
	t->n++;
	return true;
}
