/* The help view, generated from the key table and the column table. */
#include "panel.h"

#include <stdio.h>

#include "draw.h"
#include "keys.h"

static void help_draw(struct app *a, int y, int h)
{
	struct textbuf t;
	textbuf_begin(&t, y, 0, a->cols, h, a->scroll[VIEW_HELP]);
	textbuf_add(&t, CR_TITLE, 0, CR_TITLE, "lvstop: the IPVS console. Keys:");
	for (size_t i = 0; i < key_table_len; i++) {
		const struct key_binding *b = &key_table[i];
		if (b->edits && a->opts.read_only)
			continue; /* read-only: the edit keys are not offered at all */
		textbuf_add(&t, CR_HEADER_VALUE, 16, CR_DEFAULT, "  %-14s%s", b->names, b->help);
	}
	textbuf_add(&t, CR_DEFAULT, 0, CR_DEFAULT, "%s", "");
	textbuf_add(&t, CR_TITLE, 0, CR_TITLE, "Columns of the services view (narrow terminals "
		    "show the first ones only):");
	for (int c = 0; c < COL_COUNT; c++)
		textbuf_add(&t, CR_HEADER_VALUE, 12, CR_DEFAULT, "  %-10s%s", col_defs[c].title,
			    col_defs[c].help);
	textbuf_add(&t, CR_DEFAULT, 0, CR_DEFAULT, "%s", "");
	textbuf_add(&t, CR_TITLE, 0, CR_TITLE, "Notes:");
	textbuf_add(&t, CR_DEFAULT, 0, CR_DEFAULT,
		    "  Numbers use K/M/G (powers of 1000); x shows them exact. Rates are per second,");
	textbuf_add(&t, CR_DEFAULT, 0, CR_DEFAULT,
		    "  computed from the 64-bit counters of two polls (the kernel's own estimate "
		    "until then).");
	textbuf_add(&t, CR_DEFAULT, 0, CR_DEFAULT,
		    "  A red banner means the last poll failed: the data shown is old and greyed.");
	textbuf_add(&t, CR_DEFAULT, 0, CR_DEFAULT, "  Mode: %s.",
		    a->opts.read_only ? "read-only (--read-only): no key changes the kernel"
				      : "the edit keys above change the kernel; u undoes the last change");
	a->lines[VIEW_HELP] = t.n;
}

const struct panel panel_help = {
	.name = "help",
	.draw = help_draw,
};
