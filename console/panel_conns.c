/* The connections view: the connection table aggregated by state, by real
 * server and by top clients, filterable, with a notice when the table was
 * read only partly. */
#include "panel.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "collector/names.h"
#include "draw.h"
#include "format.h"
#include "panel_edit.h"

#define BAR_MAX 40

static void bar(char *out, size_t len, uint64_t v, uint64_t max, int width, bool utf8)
{
	size_t o = 0;
	int cells = max ? (int)((double)v / (double)max * width + 0.5) : 0;
	if (v && !cells)
		cells = 1;
	for (int i = 0; i < cells && o + 4 < len; i++) {
		const char *g = utf8 ? "\u2588" : "#";
		size_t gl = strlen(g);
		memcpy(out + o, g, gl);
		o += gl;
	}
	out[o] = 0;
}

static void conns_draw(struct app *a, int y, int h)
{
	struct textbuf t;
	textbuf_begin(&t, y, 0, a->cols, h, a->scroll[VIEW_CONNS]);
	const struct lvs_snapshot *s = a->snap;
	enum crt_role text = a->st.stale ? CR_STALE : CR_DEFAULT;
	if (!s) {
		textbuf_add(&t, CR_DIM, 0, CR_DIM, "  no snapshot yet");
		a->lines[VIEW_CONNS] = t.n;
		return;
	}
	const struct lvs_conn_summary *c = &s->conns;
	if (!c->available) {
		textbuf_add(&t, CR_BANNER_INFO, 0, CR_BANNER_INFO,
			    " The connection table was not read (--no-conns, or /proc/net/ip_vs_conn "
			    "unreadable)");
		a->lines[VIEW_CONNS] = t.n;
		return;
	}
	char n1[32];
	textbuf_add(&t, CR_TITLE, 0, CR_TITLE, "Connection table: %s entries (hash table size %u)%s",
		    fmt_count(c->total, a->exact, n1, sizeof(n1)), s->conn_tab_size,
		    a->filter[0] ? "   [filtered]" : "");
	if (c->partial)
		textbuf_add(&t, CR_BANNER_INFO, 0, CR_BANNER_INFO,
			    " PARTIAL: the table was read only partly (too large or too slow): every "
			    "count below is a lower bound");
	bool utf8 = crt_utf8();
	int bw = a->cols - 40;
	if (bw > BAR_MAX)
		bw = BAR_MAX;
	if (bw < 4)
		bw = 0;

	textbuf_add(&t, CR_DEFAULT, 0, CR_DEFAULT, "%s", "");
	textbuf_add(&t, CR_TITLE, 0, CR_TITLE, "By state");
	uint64_t max = 0;
	for (size_t i = 0; i < c->n_states; i++)
		if (c->states[i].count > max)
			max = c->states[i].count;
	for (size_t i = 0; i < c->n_states; i++) {
		if (!table_match(c->states[i].name, a->filter) && a->filter[0])
			continue;
		char b[BAR_MAX * 3 + 1] = "";
		if (textbuf_visible(&t))
			bar(b, sizeof(b), c->states[i].count, max, bw, utf8);
		char pct[16];
		snprintf(pct, sizeof(pct), "%.1f%%", c->total ? 100.0 * (double)c->states[i].count / (double)c->total : 0);
		textbuf_add(&t, text, 37, CR_SPARK, "  %-16s %10s %7s  %s", c->states[i].name,
			    fmt_count(c->states[i].count, a->exact, n1, sizeof(n1)), pct, b);
	}
	if (!c->n_states)
		textbuf_add(&t, CR_DIM, 0, CR_DIM, "  (no entries)");

	textbuf_add(&t, CR_DEFAULT, 0, CR_DEFAULT, "%s", "");
	textbuf_add(&t, CR_TITLE, 0, CR_TITLE, "By real server (%zu)", c->n_dests);
	textbuf_add(&t, CR_COL_TITLE, 0, CR_COL_TITLE, "  %-40s %10s  %s", "REAL SERVER", "ENTRIES",
		    "STATES");
	for (size_t i = 0; i < c->n_dests; i++) {
		const struct lvs_conn_dest *d = &c->dests[i];
		char ep[LVS_ADDR_STRLEN + 16];
		if (a->filter[0] || textbuf_visible(&t))
			fmt_endpoint(d->af, &d->addr, d->port, ep, sizeof(ep));
		if (a->filter[0] && !table_match(ep, a->filter))
			continue;
		if (!textbuf_visible(&t)) {
			textbuf_skip(&t);
			continue;
		}
		char st[256];
		int o = 0;
		st[0] = 0;
		for (size_t j = 0; j < d->n_states && o < (int)sizeof(st) - 40; j++)
			o += snprintf(st + o, sizeof(st) - (size_t)o, "%s%s %" PRIu64, j ? ", " : "",
				      d->states[j].name, d->states[j].count);
		const char *mark = edit_ui_mark_endpoint(a, d->af, &d->addr, d->port);
		char epm[LVS_ADDR_STRLEN + 32];
		snprintf(epm, sizeof(epm), "%s%s%s%s", ep, mark ? " [" : "", mark ? mark : "", mark ? "]" : "");
		textbuf_add(&t, mark ? CR_ZERO_WEIGHT : text, 0, mark ? CR_ZERO_WEIGHT : text, "  %-40s %10s  %s",
			    epm, fmt_count(d->total, a->exact, n1, sizeof(n1)), st);
	}

	textbuf_add(&t, CR_DEFAULT, 0, CR_DEFAULT, "%s", "");
	textbuf_add(&t, CR_TITLE, 0, CR_TITLE, "Top clients (%zu)", c->n_top_clients);
	max = c->n_top_clients ? c->top_clients[0].conns : 0;
	for (size_t i = 0; i < c->n_top_clients; i++) {
		char ad[LVS_ADDR_STRLEN];
		lvs_addr_ntop(c->top_clients[i].af, &c->top_clients[i].addr, ad, sizeof(ad));
		if (a->filter[0] && !table_match(ad, a->filter))
			continue;
		char b[BAR_MAX * 3 + 1] = "";
		if (textbuf_visible(&t))
			bar(b, sizeof(b), c->top_clients[i].conns, max, bw, utf8);
		textbuf_add(&t, text, 55, CR_SPARK, "  %-40s %10s  %s", ad,
			    fmt_count(c->top_clients[i].conns, a->exact, n1, sizeof(n1)), b);
	}
	a->lines[VIEW_CONNS] = t.n;
}

const struct panel panel_conns = {
	.name = "connections",
	.draw = conns_draw,
};
