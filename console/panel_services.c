/* The services view: the table of virtual services and real servers,
 * tree or flat, only the visible rows drawn. */
#include "panel.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "collector/names.h"
#include "collector/snapshot.h"
#include "draw.h"
#include "format.h"
#include "marks.h"
#include "panel_edit.h"

#define SPARK_MAX_W 64

/* The declared mark takes the right end of the name column (marks.h), so
 * that no column gives way to it at any width. */
#define MARK_TITLE "CF"
static int name_mark_w(const struct app *a)
{
	int i = layout_find(&a->lay, COL_NAME);
	return marks_active(a->marks) && i >= 0 && a->lay.col[i].w > 2 * (MARK_W + 1)
		       ? MARK_W + 1 : 0;
}

/* The tree glyph of a real-server row (ghost rows of declared real
 * servers follow the kernel's). */
static const char *dest_glyph(bool last, bool utf8)
{
	if (last)
		return utf8 ? "\u2514\u2500" : "`-";
	return utf8 ? "\u251c\u2500" : "|-";
}

/* A declared real server the kernel does not hold, greyed. */
static void draw_ghost(struct app *a, int y, const struct mark_ghost *g, bool last, bool cursor)
{
	enum crt_role base = cursor ? CR_CURSOR : CR_DIM;
	const struct lvs_dest *d = &g->item->dest;
	draw_fill(y, 0, a->cols, base);
	for (int i = 0; i < a->lay.n; i++) {
		enum col_id id = a->lay.col[i].id;
		int x = a->lay.col[i].x, w = a->lay.col[i].w;
		char buf[160] = "";
		switch (id) {
		case COL_NAME: {
			int mw = name_mark_w(a);
			char n[LVS_ADDR_STRLEN + 16];
			snprintf(buf, sizeof(buf), "%s [absent]", fmt_endpoint(d->af, &d->addr, d->port, n,
									  sizeof(n)));
			int gw = a->tree ? draw_str(y, x, w - mw, base, dest_glyph(last, crt_utf8())) : 0;
			gw += draw_str(y, x + gw, w - mw - gw, base, " ");
			draw_cell(y, x + gw, w - mw - gw, false, base, buf);
			if (mw)
				draw_cell(y, x + w - MARK_W, MARK_W, false, base, "-");
			continue;
		}
		case COL_SCHED:
			if (g->decl)
				snprintf(buf, sizeof(buf), "%s", lvs_fwd_name(g->decl->d.fwd));
			break;
		case COL_WEIGHT:
			if (g->decl)
				snprintf(buf, sizeof(buf), "(%d)", g->decl->d.weight);
			break;
		default:
			break;
		}
		draw_cell(y, x, w, col_defs[id].right, base, buf);
	}
}

/* The tree glyph and the blank after it (draw_row): two columns for a
 * service, three for a real server. */
#define SVC_GLYPH_W 2
#define DEST_GLYPH_W 3
#define EDIT_MARK_W 11 /* " [quiesced]", " [draining]" */

int services_name_need(struct app *a)
{
	const struct lvs_snapshot *s = a->snap;
	if (!s || marks_active(a->marks))
		return 0; /* ghost rows and marks: as wide as it may grow */
	if (a->name_need_gen != a->snap_gen || a->name_need_tree != a->tree) {
		int need = 0;
		for (size_t i = 0; i < s->n_services; i++) {
			const struct lvs_service *v = &s->services[i];
			int sw = fmt_service_len(v), w = a->tree ? sw + SVC_GLYPH_W : sw;
			if (w > need && (a->tree || !v->n_dests))
				need = w;
			for (size_t j = 0; j < v->n_dests; j++) {
				const struct lvs_dest *d = &v->dests[j];
				int dw = fmt_endpoint_len(d->af, &d->addr, d->port);
				/* flat: "REAL < SERVICE" (table_cell) */
				dw += a->tree ? DEST_GLYPH_W : 3 + sw;
				if (dw > need)
					need = dw;
			}
		}
		a->name_need = need;
		a->name_need_gen = a->snap_gen;
		a->name_need_tree = a->tree;
	}
	return a->name_need + (edit_ui_marks(a) ? EDIT_MARK_W : 0);
}

static void title_row(struct app *a, int y)
{
	draw_fill(y, 0, a->cols, CR_COL_TITLE);
	bool utf8 = crt_utf8();
	for (int i = 0; i < a->lay.n; i++) {
		enum col_id id = a->lay.col[i].id;
		const struct col_def *d = &col_defs[id];
		char t[80];
		bool sorted = id == a->sort_col;
		int w = a->lay.col[i].w;
		if (id == COL_SPARK) {
			snprintf(t, sizeof(t), "%s %s", d->title, spark_metric_name(a->metric));
		} else if (sorted) {
			/* The arrow always shows: the title gives way. */
			int tw = (int)strlen(d->title) < w ? (int)strlen(d->title) : w - 1;
			snprintf(t, sizeof(t), "%.*s%s", tw, d->title,
				 utf8 ? (a->sort_desc ? "\u25bc" : "\u25b2") : (a->sort_desc ? "v" : "^"));
		} else {
			snprintf(t, sizeof(t), "%s", d->title);
		}
		int cw = a->lay.col[i].w;
		if (id == COL_NAME && name_mark_w(a)) {
			cw -= MARK_W + 1;
			draw_cell(y, a->lay.col[i].x + cw + 1, MARK_W, false, CR_COL_TITLE, MARK_TITLE);
		}
		draw_cell(y, a->lay.col[i].x, cw, d->right, sorted ? CR_COL_SORTED : CR_COL_TITLE, t);
	}
}

static void sparkline(struct app *a, int y, int x, int w, const struct lvs_key *k,
		      enum crt_role role)
{
	struct lvs_sample smp[SPARK_MAX_W];
	double v[SPARK_MAX_W];
	int lv[SPARK_MAX_W];
	if (w > SPARK_MAX_W)
		w = SPARK_MAX_W;
	struct spark_cache *c = NULL;
	if (a->sparks && w <= SPARK_CACHE_W) {
		c = &a->sparks[lvs_key_hash(k) % SPARK_CACHE];
		if (c->gen == a->snap_gen && c->metric == (int)a->metric && c->width == w &&
		    lvs_key_equal(&c->key, k)) {
			for (int i = 0; i < w; i++)
				lv[i] = c->levels[i];
			goto draw;
		}
	}
	size_t n;
	if (app_history_try(a, k, smp, (size_t)w, &n)) {
		/* The poller is recording: the levels drawn before, if any
		 * (kept as they were: a later frame reads them again). */
		bool had = c && c->gen && c->metric == (int)a->metric && c->width == w &&
			   lvs_key_equal(&c->key, k);
		for (int i = 0; i < w; i++)
			lv[i] = had ? c->levels[i] : -1;
		goto draw;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = spark_value(&smp[i], a->metric);
	/* Left-aligned while the history is shorter than the column: it
	 * grows a cell a poll, and a row's last glyph is not preceded by a
	 * gap the terminal is sent a cursor address for. */
	spark_scale(v, n, spark_max(v, n), lv, n < (size_t)w ? n : (size_t)w);
	for (int i = (int)n; i < w; i++)
		lv[i] = -1;
	if (c) {
		c->key = *k;
		c->gen = a->snap_gen;
		c->metric = (int)a->metric;
		c->width = w;
		for (int i = 0; i < w; i++)
			c->levels[i] = (int8_t)lv[i];
	}
draw:;
	char line[SPARK_MAX_W * 3 + 1];
	size_t o = 0;
	bool utf8 = crt_utf8();
	while (w > 0 && lv[w - 1] < 0) /* the row is blank there already */
		w--;
	for (int i = 0; i < w; i++) {
		const char *g = spark_glyph(lv[i], utf8);
		size_t gl = strlen(g);
		memcpy(line + o, g, gl);
		o += gl;
	}
	line[o] = 0;
	draw_str(y, x, w, role, line);
}

static void draw_row(struct app *a, int y, const struct row *r, bool cursor, bool stale,
		     bool ghost_next)
{
	const struct lvs_snapshot *s = a->snap;
	bool utf8 = crt_utf8();
	const struct lvs_service *v = &s->services[r->svc];
	const struct lvs_dest *d = r->dest >= 0 ? &v->dests[r->dest] : NULL;
	enum crt_role base = d ? CR_DEST : CR_SERVICE;
	const char *mark = d ? edit_ui_mark(a, v, d, NULL) : NULL; /* quiesced, draining */
	if (d && (d->weight == 0 || mark))
		base = CR_ZERO_WEIGHT;
	if (stale)
		base = CR_STALE;
	if (cursor)
		base = CR_CURSOR;
	draw_fill(y, 0, a->cols, base);
	int mw = name_mark_w(a);
	for (int i = 0; i < a->lay.n; i++) {
		enum col_id id = a->lay.col[i].id;
		int x = a->lay.col[i].x, w = a->lay.col[i].w;
		char buf[160];
		enum crt_role role = base;
		if (id == COL_NAME && mw) {
			struct lvs_key k;
			char mk[8];
			unsigned f;
			table_row_key(s, r, &k);
			f = marks_get(a->marks, &k);
			marks_text(f, mk, sizeof(mk));
			w -= mw;
			draw_cell(y, x + w + 1, MARK_W, false,
				  !cursor && !stale && (f & (MARK_FIELDS | MARK_UNDECLARED | MARK_SORRY))
					  ? CR_HEALTH_DOWN : base, mk);
		}
		if (id == COL_SPARK) {
			struct lvs_key k;
			table_row_key(s, r, &k);
			/* In the row's own colour (see the tree glyphs). */
			sparkline(a, y, x, w, &k, base);
			continue;
		}
		table_cell(s, r, id, a->exact, !a->tree, buf, sizeof(buf));
		if (id == COL_NAME && mark) {
			size_t bl = strlen(buf);
			snprintf(buf + bl, sizeof(buf) - bl, " [%s]", mark);
		}
		if (id == COL_NAME && a->tree) {
			const char *glyph;
			if (!d)
				glyph = r->flags & ROW_COLLAPSED ? "+" : v->n_dests ? "-" : " ";
			else
				glyph = dest_glyph((r->flags & ROW_LAST) && !ghost_next, utf8);
			/* Tree glyphs in the row's own colour, like the
			 * sparkline: a colour change on and off in a row
			 * costs 10 bytes, and a page down rewrites them all. */
			int gw = draw_str(y, x, w, base, glyph);
			gw += draw_str(y, x + gw, w - gw, base, " ");
			draw_cell(y, x + gw, w - gw, false, base, buf);
			continue;
		}
		if (id == COL_HEALTH && !cursor && !stale && d)
			role = d->health == LVS_HEALTH_UP ? CR_HEALTH_UP
			       : d->health == LVS_HEALTH_DOWN ? CR_HEALTH_DOWN : base;
		draw_cell(y, x, w, col_defs[id].right, role, buf);
	}
}

static void services_draw(struct app *a, int y, int h)
{
	title_row(a, y);
	y++;
	h--;
	if (h <= 0)
		return;
	if (!a->snap) {
		draw_str(y + 1, 2, a->cols - 2, CR_DIM,
			 a->st.err ? "no data: see the message above" : "waiting for the first poll...");
		return;
	}
	if (!a->tbl.n) {
		draw_str(y + 1, 2, a->cols - 2, CR_DIM,
			 a->filter[0] ? "no service or real server matches the filter"
				      : "IPVS has no virtual service");
		return;
	}
	/* Keep the cursor on screen. */
	if (a->cursor < a->top)
		a->top = a->cursor;
	if (a->cursor >= a->top + h)
		a->top = a->cursor - h + 1;
	if (a->top > (long)a->tbl.n - h)
		a->top = (long)a->tbl.n - h;
	if (a->top < 0)
		a->top = 0;
	bool stale = a->st.stale;
	table_settle(&a->tbl, (size_t)a->top, (size_t)(a->top + h));
	for (int i = 0; i < h && a->top + i < (long)a->tbl.n; i++) {
		long n = a->top + i;
		const struct row *r = &a->tbl.rows[n];
		const struct row *next = n + 1 < (long)a->tbl.n ? &a->tbl.rows[n + 1] : NULL;
		const struct mark_ghost *g = marks_row_ghost(a->marks, r);
		bool ghost_next = next && marks_row_ghost(a->marks, next);
		if (r->dest < -1) { /* a ghost row: of these marks, or of none any more */
			if (g)
				draw_ghost(a, y + i, g, !ghost_next, n == a->cursor);
			continue;
		}
		draw_row(a, y + i, r, n == a->cursor, stale, ghost_next);
	}
}

const struct panel panel_services = {
	.name = "services",
	.draw = services_draw,
};
