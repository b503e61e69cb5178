/* The help view, generated from the key table and the column table. */
#include "panel.h"

#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "keys.h"

void help_lines(const char *edit_off, help_emit_fn emit, void *arg)
{
	char line[512];
	emit(arg, CR_TITLE, 0, CR_TITLE, "lvstop: the IPVS console. Keys:");
	bool edits_seen = false;
	for (size_t i = 0; i < key_table_len; i++) {
		const struct key_binding *b = &key_table[i];
		if (b->edits && !edits_seen) {
			edits_seen = true;
			emit(arg, CR_DEFAULT, 0, CR_DEFAULT, "");
			if (edit_off) {
				snprintf(line, sizeof(line), "Edit keys: unavailable (%s):", edit_off);
				emit(arg, CR_TITLE, 0, CR_TITLE, line);
			} else {
				emit(arg, CR_TITLE, 0, CR_TITLE, "Edit keys (they change the kernel):");
			}
		}
		snprintf(line, sizeof(line), "  %-14s%s", b->names, b->help);
		if (b->edits && edit_off)
			emit(arg, CR_DIM, 0, CR_DIM, line);
		else
			emit(arg, CR_HEADER_VALUE, 16, CR_DEFAULT, line);
	}
	emit(arg, CR_DEFAULT, 0, CR_DEFAULT, "");
	emit(arg, CR_TITLE, 0, CR_TITLE,
	     "Columns of the services view (narrow terminals show the first ones only;");
	emit(arg, CR_TITLE, 0, CR_TITLE,
	     "those marked (C) show after C, or with lvstop --columns all):");
	int tw = 0; /* the widest title, so that none runs into its text */
	for (int c = 0; c < COL_COUNT; c++)
		if ((int)strlen(col_defs[c].title) > tw)
			tw = (int)strlen(col_defs[c].title);
	for (int c = 0; c < COL_COUNT; c++) {
		snprintf(line, sizeof(line), "  %-*s %s%s", tw, col_defs[c].title, col_defs[c].help,
			 LAYOUT_HIDE_DEFAULT & LAYOUT_BIT(c) ? " (C)" : "");
		emit(arg, CR_HEADER_VALUE, 2 + tw, CR_DEFAULT, line);
	}
	emit(arg, CR_DEFAULT, 0, CR_DEFAULT, "");
	emit(arg, CR_TITLE, 0, CR_TITLE,
	     "Declared marks, column CF (the header names the keepalived.conf or lvs.cf):");
	static const char *const legend[][2] = {
		{ "=", "declared, and the kernel matches the file" },
		{ "+", "in the kernel, not declared (added by hand?)" },
		{ "-", "declared, not in the kernel (greyed row: keepalived removed it)" },
		{ "W M", "declared, the weight / forwarding method differs (a real server)" },
		{ "S P", "declared, the scheduler / persistence differs (a service)" },
		{ "!", "the declared sorry server is in the kernel (every check fails)" },
	};
	for (size_t i = 0; i < sizeof(legend) / sizeof(legend[0]); i++) {
		snprintf(line, sizeof(line), "  %-4s%s", legend[i][0], legend[i][1]);
		emit(arg, CR_HEADER_VALUE, 6, CR_DEFAULT, line);
	}
	emit(arg, CR_DEFAULT, 0, CR_DEFAULT,
	     "  An edit of a declared object asks first and says what keepalived will do:");
	emit(arg, CR_DEFAULT, 0, CR_DEFAULT, "  y applies it, Esc leaves the kernel as it is (see the detail view).");
	emit(arg, CR_DEFAULT, 0, CR_DEFAULT, "");
	emit(arg, CR_TITLE, 0, CR_TITLE, "Notes:");
	emit(arg, CR_DEFAULT, 0, CR_DEFAULT,
	     "  Numbers use K/M/G (powers of 1000); x shows them exact. Rates are per second,");
	emit(arg, CR_DEFAULT, 0, CR_DEFAULT,
	     "  computed from the 64-bit counters of two polls (the kernel's own estimate "
	     "until then).");
	emit(arg, CR_DEFAULT, 0, CR_DEFAULT,
	     "  A red banner means the last poll failed: the data shown is old and greyed.");
	emit(arg, CR_DEFAULT, 0, CR_DEFAULT,
	     "  HEALTH comes from lvsd (the header says which one, or why it is not reachable).");
	if (edit_off)
		snprintf(line, sizeof(line), "  Mode: no key changes the kernel (%s).", edit_off);
	else
		snprintf(line, sizeof(line), "  Mode: %s.",
			 "the edit keys above change the kernel; u undoes the last change");
	emit(arg, CR_DEFAULT, 0, CR_DEFAULT, line);
}

static bool add_line(void *arg, enum crt_role r1, int split, enum crt_role r2, const char *line)
{
	return textbuf_add(arg, r1, split, r2, "%s", line);
}

static void help_draw(struct app *a, int y, int h)
{
	struct textbuf t;
	textbuf_begin(&t, y, 0, a->cols, h, a->scroll[VIEW_HELP]);
	help_lines(keys_edit_off(a), add_line, &t);
	a->lines[VIEW_HELP] = t.n;
}

const struct panel panel_help = {
	.name = "help",
	.draw = help_draw,
};
