#include "crt.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

const struct crt_style crt_color_table[CR_ROLE_COUNT] = {
	[CR_DEFAULT] = { -1, -1, A_NORMAL },
	[CR_HEADER_LABEL] = { COLOR_CYAN, -1, A_NORMAL },
	[CR_HEADER_VALUE] = { -1, -1, A_BOLD },
	[CR_HEADER_FLAG] = { COLOR_YELLOW, -1, A_BOLD },
	[CR_BANNER_ERROR] = { COLOR_WHITE, COLOR_RED, A_BOLD },
	[CR_BANNER_INFO] = { COLOR_BLACK, COLOR_YELLOW, A_NORMAL },
	[CR_COL_TITLE] = { COLOR_BLACK, COLOR_GREEN, A_NORMAL },
	[CR_COL_SORTED] = { COLOR_BLACK, COLOR_CYAN, A_BOLD },
	[CR_CURSOR] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL },
	[CR_SERVICE] = { -1, -1, A_BOLD },
	[CR_DEST] = { -1, -1, A_NORMAL },
	[CR_TREE] = { COLOR_CYAN, -1, A_NORMAL },
	[CR_STALE] = { COLOR_BLACK, -1, A_BOLD }, /* bright black: grey */
	[CR_ZERO_WEIGHT] = { COLOR_YELLOW, -1, A_NORMAL },
	[CR_HEALTH_UP] = { COLOR_GREEN, -1, A_NORMAL },
	[CR_HEALTH_DOWN] = { COLOR_RED, -1, A_BOLD },
	[CR_SPARK] = { COLOR_GREEN, -1, A_NORMAL },
	[CR_FKEY] = { -1, -1, A_NORMAL },
	[CR_FKEY_LABEL] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL },
	[CR_EV_ADD] = { COLOR_GREEN, -1, A_NORMAL },
	[CR_EV_DEL] = { COLOR_RED, -1, A_NORMAL },
	[CR_EV_CHANGE] = { COLOR_YELLOW, -1, A_NORMAL },
	[CR_TITLE] = { COLOR_CYAN, -1, A_BOLD },
	[CR_DIM] = { COLOR_BLUE, -1, A_BOLD },
	[CR_FILTER] = { COLOR_BLACK, COLOR_YELLOW, A_NORMAL },
};

const int crt_mono_table[CR_ROLE_COUNT] = {
	[CR_DEFAULT] = A_NORMAL,
	[CR_HEADER_LABEL] = A_NORMAL,
	[CR_HEADER_VALUE] = A_BOLD,
	[CR_HEADER_FLAG] = A_BOLD,
	[CR_BANNER_ERROR] = A_REVERSE | A_BOLD,
	[CR_BANNER_INFO] = A_REVERSE,
	[CR_COL_TITLE] = A_REVERSE,
	[CR_COL_SORTED] = A_REVERSE | A_BOLD | A_UNDERLINE,
	[CR_CURSOR] = A_REVERSE,
	[CR_SERVICE] = A_BOLD,
	[CR_DEST] = A_NORMAL,
	[CR_TREE] = A_NORMAL,
	[CR_STALE] = A_DIM,
	[CR_ZERO_WEIGHT] = A_UNDERLINE,
	[CR_HEALTH_UP] = A_NORMAL,
	[CR_HEALTH_DOWN] = A_BOLD,
	[CR_SPARK] = A_NORMAL,
	[CR_FKEY] = A_NORMAL,
	[CR_FKEY_LABEL] = A_REVERSE,
	[CR_EV_ADD] = A_NORMAL,
	[CR_EV_DEL] = A_BOLD,
	[CR_EV_CHANGE] = A_NORMAL,
	[CR_TITLE] = A_BOLD,
	[CR_DIM] = A_DIM,
	[CR_FILTER] = A_REVERSE,
};

static int attrs[CR_ROLE_COUNT];
static bool started, color, utf8;

int crt_init(bool no_color)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return -ENOTTY;
	return crt_init_on(stdout, stdin, no_color);
}

int crt_init_on(FILE *out, FILE *in, bool no_color)
{
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		no_color = true;
	const char *cs = nl_langinfo(CODESET);
	utf8 = cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
	/* newterm rather than initscr: initscr exits the process on an
	 * unknown TERM, we want to say why and return. */
	SCREEN *scr = newterm(NULL, out, in);
	if (!scr)
		return -ENOTTY;
	set_term(scr);
	started = true;
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	color = !no_color && has_colors() && start_color() == OK;
	if (color) {
		use_default_colors();
		for (int r = 0; r < CR_ROLE_COUNT; r++) {
			short fg = crt_color_table[r].fg, bg = crt_color_table[r].bg;
			if (fg >= COLORS)
				fg = -1;
			init_pair((short)(r + 1), fg, bg);
			attrs[r] = (int)COLOR_PAIR(r + 1) | crt_color_table[r].attrs;
		}
	} else {
		for (int r = 0; r < CR_ROLE_COUNT; r++)
			attrs[r] = crt_mono_table[r];
	}
	return 0;
}

void crt_done(void)
{
	if (!started)
		return;
	started = false;
	curs_set(1);
	endwin();
}

int crt_attr(enum crt_role r)
{
	return (unsigned)r < CR_ROLE_COUNT ? attrs[r] : (int)A_NORMAL;
}

bool crt_has_color(void)
{
	return color;
}

bool crt_utf8(void)
{
	return utf8;
}
