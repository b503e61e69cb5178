/* The directors view: one section per director of the set. */
#include "remote_panel.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "collector/names.h"
#include "collector/snapshot.h"
#include "draw.h"
#include "format.h"
#include "panel.h"
#include "remote.h"
#include "remote_pair.h"
#include "share/clock.h"
#include "share/vec.h"

static int add_line(struct remote_set *rs, int dir, int kind, uint32_t svc, int32_t dest)
{
	int r = vec_grow((void **)&rs->lines, &rs->cap_lines, rs->n_lines + 1, sizeof(*rs->lines), 256);
	if (r)
		return r;
	rs->lines[rs->n_lines++] = (struct remote_line){ dir, kind, svc, dest };
	return 0;
}

static void build_lines(struct remote_set *rs)
{
	rs->n_lines = 0;
	for (size_t i = 0; i < rs->n; i++) {
		const struct remote_director *d = &rs->d[i];
		int di = (int)i;
		if (i && add_line(rs, di, REMOTE_L_GAP, 0, 0))
			return;
		if (add_line(rs, di, REMOTE_L_HEADER, 0, 0))
			return;
		if (remote_director_failing(d) && add_line(rs, di, REMOTE_L_BANNER, 0, 0))
			return;
		const struct lvs_snapshot *s = d->snap;
		if (!s || !s->n_services) {
			if (add_line(rs, di, REMOTE_L_NOTE, 0, 0))
				return;
			continue;
		}
		if (add_line(rs, di, REMOTE_L_TITLES, 0, 0))
			return;
		for (size_t k = 0; k < s->n_services; k++) {
			uint32_t si = d->order_of == s ? d->order[k] : (uint32_t)k;
			if (add_line(rs, di, REMOTE_L_SERVICE, si, -1))
				return;
			for (size_t j = 0; j < s->services[si].n_dests; j++)
				if (add_line(rs, di, REMOTE_L_DEST, si, (int32_t)j))
					return;
		}
	}
}

#define NAME_MIN 24
#define NAME_MAX_W 46
/* Everything but the name: "! " proto(5) sched(7) weight .. outbps, diff. */
#define FIXED_W (2 + 6 + 7 + 7 * 6 + 2 * 8 + 2)

static int name_width(int cols)
{
	int w = cols - FIXED_W - 12; /* 12: most of the diff column */
	return w < NAME_MIN ? NAME_MIN : w > NAME_MAX_W ? NAME_MAX_W : w;
}

static void draw_titles(int y, int w)
{
	char b[256];
	snprintf(b, sizeof(b), "  %-5s %-*s %-6s %6s %6s %6s %6s %7s %7s  %s", "PROTO", name_width(w),
		 "VIRTUAL / REAL SERVER", "SCHED", "WEIGHT", "ACTIVE", "INACT", "CPS", "INBPS",
		 "OUTBPS", "DIFFERS FROM PARTNER");
	draw_fill(y, 0, w, CR_COL_TITLE);
	draw_str(y, 0, w, CR_COL_TITLE, b);
}

static void draw_header(struct app *a, const struct remote_set *rs, int i, int y, bool cursor)
{
	const struct remote_director *d = &rs->d[i];
	int w = a->cols;
	bool bad = remote_director_failing(d);
	enum crt_role role = cursor ? CR_CURSOR : bad ? CR_BANNER_ERROR : CR_TITLE;
	char b[512], age[16], v1[24], v2[24];
	int o = snprintf(b, sizeof(b), "%s %s  ", crt_utf8() ? "\u25b8" : ">", d->name);
	if (!d->st.polls)
		o += snprintf(b + o, sizeof(b) - (size_t)o, "waiting for the first answer");
	else if (bad)
		o += snprintf(b + o, sizeof(b) - (size_t)o, "NOT ANSWERING");
	else
		o += snprintf(b + o, sizeof(b) - (size_t)o, "ok");
	if (d->st.last_ok > 0) {
		fmt_age(clock_wall_s() - d->st.last_ok, age, sizeof(age));
		o += snprintf(b + o, sizeof(b) - (size_t)o, "  %s %s ago", bad ? "last good poll" : "polled", age);
	}
	if (d->snap) {
		/* The director with the most new connections carries the
		 * traffic, when it is clearly the one (a tie says nothing). */
		double total = 0, best = 0, second = 0;
		for (size_t k = 0; k < rs->n; k++)
			if (rs->d[k].snap && !remote_director_failing(&rs->d[k])) {
				double c = rs->d[k].cps;
				total += c;
				if (c > best) {
					second = best;
					best = c;
				} else if (c > second) {
					second = c;
				}
			}
		o += snprintf(b + o, sizeof(b) - (size_t)o, "  conn/s %s",
			      fmt_rate(d->cps, a->exact, v1, sizeof(v1)));
		if (!bad && total > 0)
			o += snprintf(b + o, sizeof(b) - (size_t)o, " (%.0f%%)", 100.0 * d->cps / total);
		o += snprintf(b + o, sizeof(b) - (size_t)o, "  active %s",
			      fmt_count(d->active, a->exact, v2, sizeof(v2)));
		if (!bad && rs->n > 1 && total > 0 && d->cps == best && best > second * 1.5)
			o += snprintf(b + o, sizeof(b) - (size_t)o, "  %s carries the traffic",
				      crt_utf8() ? "\u25c0" : "<");
		/* Most telling first: a narrow terminal cuts the line's end. */
		if (rs->n > 1 && d->diff.n_marked)
			o += snprintf(b + o, sizeof(b) - (size_t)o, "  %zu rows differ from %s", d->diff.n_marked,
				      rs->d[i == 0 ? 1 : 0].name);
		else if (rs->n > 1 && d->diff_other)
			o += snprintf(b + o, sizeof(b) - (size_t)o, "  same table as %s", rs->d[i == 0 ? 1 : 0].name);
		o += snprintf(b + o, sizeof(b) - (size_t)o, "  %zu services, %zu real servers",
			      d->snap->n_services, d->snap->n_dests);
	}
	(void)o;
	draw_fill(y, 0, w, role);
	draw_str(y, 0, w, role, b);
}

static void draw_banner(struct app *a, const struct remote_director *d, int y)
{
	char b[400], when[16], age[16];
	if (d->snap && d->st.last_ok > 0) {
		time_t t = (time_t)d->st.last_ok;
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		fmt_age(clock_wall_s() - d->st.last_ok, age, sizeof(age));
		snprintf(b, sizeof(b), "  %s  (showing data from %s, %s old)", d->st.msg, when, age);
	} else {
		snprintf(b, sizeof(b), "  %s", d->st.msg);
	}
	draw_fill(y, 0, a->cols, CR_BANNER_ERROR);
	draw_str(y, 0, a->cols, CR_BANNER_ERROR, b);
}

static void draw_row(struct app *a, const struct remote_director *d, const struct remote_line *l,
		     int y, bool cursor)
{
	const struct lvs_snapshot *s = d->snap;
	const struct lvs_service *v = &s->services[l->svc];
	const struct lvs_dest *ds = l->kind == REMOTE_L_DEST ? &v->dests[l->dest] : NULL;
	bool utf8 = crt_utf8();
	char name[128], ep[96], sched[16], wt[16], act[16], ina[16], cps[16], in[16], out[16], diff[48];
	uint8_t mark = 0;
	struct lvs_rates r;
	if (ds) {
		fmt_endpoint(ds->af, &ds->addr, ds->port, ep, sizeof(ep));
		bool last = (size_t)l->dest + 1 == v->n_dests;
		snprintf(name, sizeof(name), " %s %s", utf8 ? (last ? "\u2514\u2500" : "\u251c\u2500") : (last ? "`-" : "|-"), ep);
		snprintf(sched, sizeof(sched), "%s", lvs_fwd_name(ds->fwd));
		snprintf(wt, sizeof(wt), "%d", ds->weight);
		fmt_count(ds->active_conns, a->exact, act, sizeof(act));
		fmt_count(ds->inact_conns, a->exact, ina, sizeof(ina));
		table_rates(&ds->rates, ds->rates_valid, snapshot_dest_krates(s, ds), &r);
		if (d->diff_mine == s && (size_t)(v->first_dest + (size_t)l->dest) < d->diff.n_dest)
			mark = d->diff.dest[v->first_dest + (size_t)l->dest];
	} else {
		fmt_service(v, ep, sizeof(ep));
		snprintf(name, sizeof(name), "%s", ep);
		snprintf(sched, sizeof(sched), "%s", v->sched);
		int64_t wsum = 0;
		uint64_t ac = 0, ic = 0;
		for (size_t j = 0; j < v->n_dests; j++) {
			wsum += v->dests[j].weight;
			ac += v->dests[j].active_conns;
			ic += v->dests[j].inact_conns;
		}
		snprintf(wt, sizeof(wt), "%lld", (long long)wsum);
		fmt_count(ac, a->exact, act, sizeof(act));
		fmt_count(ic, a->exact, ina, sizeof(ina));
		table_rates(&v->rates, v->rates_valid, &v->krates, &r);
		if (d->diff_mine == s && l->svc < d->diff.n_svc)
			mark = d->diff.svc[l->svc];
	}
	fmt_rate(r.cps, a->exact, cps, sizeof(cps));
	fmt_rate(r.inbps, a->exact, in, sizeof(in));
	fmt_rate(r.outbps, a->exact, out, sizeof(out));
	remote_diff_text(mark, diff, sizeof(diff));
	int nw = name_width(a->cols);
	/* Padded by screen columns: the tree glyphs are several bytes. */
	size_t fit = draw_fit(name, nw);
	name[fit] = 0;
	int pad = nw - draw_width(name);
	char b[512];
	int o = snprintf(b, sizeof(b), "%s %-5s %s%*s %-6s %6s %6s %6s %6s %7s %7s  ",
			 mark ? (utf8 ? "\u2260" : "!") : " ", lvs_service_proto_name(v), name,
			 pad > 0 ? pad : 0, "", sched, wt, act, ina, cps, in, out);
	bool stale = remote_director_failing(d);
	enum crt_role role = cursor ? CR_CURSOR : stale ? CR_STALE : ds ? CR_DEST : CR_SERVICE;
	draw_fill(y, 0, a->cols, role);
	int x = draw_str(y, 0, a->cols, role, b);
	(void)o;
	if (mark && x < a->cols)
		draw_str(y, x, a->cols - x, cursor ? CR_CURSOR : CR_HEALTH_DOWN, diff);
}

static enum crt_role pair_role(enum pair_level lv)
{
	switch (lv) {
	case PAIR_OK: return CR_HEALTH_UP;
	case PAIR_INFO: return CR_DEFAULT;
	case PAIR_WARN: return CR_HEADER_FLAG;
	case PAIR_BAD: return CR_HEALTH_DOWN;
	case PAIR_DIM: return CR_DIM;
	}
	return CR_DEFAULT;
}

/* Two directors: the pair side by side above their tables (remote_pair.h).
 * Returns the rows it took. */
static int draw_pair(struct app *a, const struct remote_set *rs, int y, int h)
{
	if (rs->n != 2 || h < 12)
		return 0;
	struct pair_view pv;
	int cw = (a->cols - 1) / 2;
	remote_pair_build(rs, clock_wall_s(), cw - 1, &pv);
	int rows = (int)(pv.n[0] > pv.n[1] ? pv.n[0] : pv.n[1]);
	if (rows > h / 2 - 1)
		rows = h / 2 - 1;
	enum crt_role sr = pv.summary_level == PAIR_OK ? CR_COL_TITLE
			   : pv.summary_level == PAIR_BAD ? CR_BANNER_ERROR : CR_BANNER_INFO;
	draw_fill(y, 0, a->cols, sr);
	draw_str(y, 1, a->cols - 1, sr, pv.summary);
	const char *bar = crt_utf8() ? "\u2502" : "|";
	for (int i = 0; i < rows; i++) {
		int yy = y + 1 + i;
		draw_fill(yy, 0, a->cols, CR_DEFAULT);
		for (int c = 0; c < 2; c++) {
			if ((size_t)i >= pv.n[c])
				continue;
			const struct pair_cell *cell = &pv.col[c][i];
			draw_str(yy, c ? cw + 2 : 0, cw - 1, pair_role(cell->level), cell->text);
		}
		draw_str(yy, cw, 1, CR_DIM, bar);
	}
	return rows + 2; /* the summary, the rows, a blank */
}

static void remote_draw(struct app *a, int y, int h)
{
	struct remote_set *rs = a->remote;
	if (!rs)
		return;
	remote_set_refresh(rs);
	build_lines(rs);
	int ph = draw_pair(a, rs, y, h);
	y += ph;
	h -= ph;
	long n = (long)rs->n_lines;
	if (rs->cursor >= n)
		rs->cursor = n - 1;
	if (rs->cursor < 0)
		rs->cursor = 0;
	if (rs->cursor < rs->top)
		rs->top = rs->cursor;
	if (rs->cursor >= rs->top + h)
		rs->top = rs->cursor - h + 1;
	if (rs->top > n - h)
		rs->top = n - h > 0 ? n - h : 0;
	a->lines[VIEW_REMOTE] = n;
	for (long i = rs->top; i < n && i < rs->top + h; i++) {
		const struct remote_line *l = &rs->lines[i];
		const struct remote_director *d = &rs->d[l->dir];
		int yy = y + (int)(i - rs->top);
		bool cur = i == rs->cursor;
		switch (l->kind) {
		case REMOTE_L_HEADER:
			draw_header(a, rs, l->dir, yy, cur);
			break;
		case REMOTE_L_BANNER:
			draw_banner(a, d, yy);
			break;
		case REMOTE_L_TITLES:
			draw_titles(yy, a->cols);
			break;
		case REMOTE_L_NOTE:
			draw_str(yy, 0, a->cols, cur ? CR_CURSOR : CR_DIM,
				 !d->st.polls ? "  waiting for the first answer"
				 : d->snap ? "  no virtual services" : "  no table yet");
			break;
		case REMOTE_L_SERVICE:
		case REMOTE_L_DEST:
			draw_row(a, d, l, yy, cur);
			break;
		default:
			break;
		}
	}
}

const struct panel panel_remote = {
	.name = "directors",
	.draw = remote_draw,
};

void remote_draw_frame(struct app *a, int w)
{
	struct remote_set *rs = a->remote;
	if (!rs)
		return;
	remote_set_refresh(rs); /* drawn before the sections: the same instant */
	size_t ok = 0, diff = 0;
	double cps = 0;
	uint64_t active = 0;
	for (size_t i = 0; i < rs->n; i++) {
		const struct remote_director *d = &rs->d[i];
		if (d->snap && !remote_director_failing(d)) {
			ok++;
			cps += d->cps;
			active += d->active;
		}
		diff += d->diff.n_marked;
	}
	char b[256], v1[24], v2[24];
	snprintf(b, sizeof(b), "Directors %zu  answering %zu  differing rows %zu  View directors", rs->n, ok,
		 diff);
	draw_fill(1, 0, w, CR_DEFAULT);
	draw_str(1, 0, w, CR_HEADER_LABEL, b);
	snprintf(b, sizeof(b), "Conn/s %s  Active %s  (directors answering)", fmt_rate(cps, a->exact, v1, sizeof(v1)),
		 fmt_count(active, a->exact, v2, sizeof(v2)));
	draw_fill(2, 0, w, CR_DEFAULT);
	draw_str(2, 0, w, CR_HEADER_LABEL, b);
}

/* --- keys ----------------------------------------------------------------------- */

int remote_move(struct app *a, long delta, bool absolute)
{
	struct remote_set *rs = a->remote;
	if (!rs)
		return 0;
	long v = absolute ? delta : rs->cursor + delta;
	long n = (long)rs->n_lines;
	rs->cursor = v >= n ? n - 1 : v < 0 ? 0 : v;
	return REDO_DRAW;
}

int remote_enter(struct app *a)
{
	struct remote_set *rs = a->remote;
	if (!rs || rs->cursor < 0 || rs->cursor >= (long)rs->n_lines)
		return 0;
	const struct remote_line *l = &rs->lines[rs->cursor];
	struct remote_director *d = &rs->d[l->dir];
	rs->focus = l->dir;
	app_focus(a, d->col);
	if (l->kind == REMOTE_L_SERVICE || l->kind == REMOTE_L_DEST) {
		if (!d->snap || l->svc >= d->snap->n_services)
			return REDO_DRAW;
		const struct lvs_service *v = &d->snap->services[l->svc];
		struct lvs_key k;
		if (l->kind == REMOTE_L_DEST)
			lvs_key_dest(&k, v, &v->dests[l->dest]);
		else
			lvs_key_service(&k, v);
		a->detail = k;
		a->sel = k;
		a->sel_valid = true;
		a->scroll[VIEW_DETAIL] = 0;
		app_show(a, VIEW_DETAIL);
		return REDO_DRAW | REDO_ROWS;
	}
	app_show(a, VIEW_SERVICES);
	return REDO_DRAW | REDO_ROWS;
}
