#include "frame.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector/names.h"
#include "banner.h"
#include "draw.h"
#include "format.h"
#include "keys.h"
#include "lvsd_health.h"
#include "marks.h"
#include "panel.h"
#include "remote.h"
#include "remote_panel.h"
#include "share/clock.h"

static void hms(double t, char *buf, size_t len)
{
	time_t s = (time_t)t;
	struct tm tm;
	localtime_r(&s, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
}

/* What the banner line says, if anything; error: red, else yellow. */
static bool banner_text(const struct app *a, char *buf, size_t len, bool *error)
{
	char when[16], age[16];
	*error = true;
	if (a->view == VIEW_REMOTE) {
		*error = false;
		return false; /* each director's section has its own */
	}
	if (a->st.stale && a->snap) {
		hms(a->st.last_ok, when, sizeof(when));
		fmt_age(clock_wall_s() - a->st.last_ok, age, sizeof(age));
		banner_compose(BANNER_STALE, a->st.msg, when, age, a->cols, buf, len);
		return true;
	}
	if (!a->snap && a->st.err) {
		banner_compose(BANNER_ERROR, a->st.msg, NULL, NULL, a->cols, buf, len);
		return true;
	}
	*error = false;
	if (a->st.ended) {
		banner_compose(BANNER_ENDED, a->st.msg, NULL, NULL, a->cols, buf, len);
		return true;
	}
	return false;
}

int frame_header_rows(const struct app *a)
{
	char b[320];
	bool e;
	return 3 + banner_text(a, b, sizeof(b), &e);
}

/* label value pairs on one line, each whole or not at all; returns the
 * next x (maxx once one did not fit: the line is full). */
static int pair(int y, int x, int maxx, const char *label, const char *value)
{
	if (x + draw_width(label) + draw_width(value) > maxx)
		return maxx;
	x += draw_str(y, x, maxx - x, CR_HEADER_LABEL, label);
	x += draw_str(y, x, maxx - x, CR_HEADER_VALUE, value);
	x += draw_str(y, x, maxx - x, CR_DEFAULT, "  ");
	return x;
}

/* Which declared file marks the table, and how far the kernel is from it:
 * the path where it fits (before the totals: the rows show the traffic
 * too), else the file's kind, else (a narrow line after lvsd's notice)
 * the kind without the label. */
static int declared_pair(struct app *a, int x, int w)
{
	const struct marks *m = a->marks;
	if (!m || !m->kind || a->view == VIEW_REMOTE)
		return x;
	char v[320], d[64];
	marks_summary(m, d, sizeof(d));
	const char *label = "Declared ";
	snprintf(v, sizeof(v), "%s%s", m->path, d);
	if (x + draw_width(label) + draw_width(v) > w)
		snprintf(v, sizeof(v), "%s%s", declared_kind_name(m->kind), d);
	if (x + draw_width(label) + draw_width(v) > w)
		label = "";
	return pair(2, x, w, label, v);
}

void frame_draw_header(struct app *a)
{
	int w = a->cols;
	char b[320], v[64], v2[32];
	const struct lvs_snapshot *s = a->snap;
	double now = clock_wall_s();

	/* Line 1: who, when, what. */
	char host[64] = "?";
	gethostname(host, sizeof(host) - 1);
	time_t t = (time_t)now;
	struct tm tm;
	localtime_r(&t, &tm);
	char date[32];
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	int x = 0;
	x += draw_str(0, x, w - x, CR_TITLE, "lvstop ");
	/* --remote: the director the other views show. */
	x += draw_str(0, x, w - x, CR_HEADER_VALUE,
		      a->remote ? a->remote->d[a->remote->focus].name : host);
	x += draw_str(0, x, w - x, CR_DEFAULT, "  ");
	x += draw_str(0, x, w - x, CR_DEFAULT, date);
	x += draw_str(0, x, w - x, CR_DEFAULT, "  ");
	if (s) {
		lvs_version_str(s->version, v, sizeof(v));
		x = pair(0, x, w, "IPVS ", v);
	}
	if (a->opts.read_only)
		x += draw_str(0, x, w - x, CR_HEADER_FLAG, "[read-only] ");
	if (a->paused)
		x += draw_str(0, x, w - x, CR_HEADER_FLAG, "[paused] ");
	snprintf(v, sizeof(v), "%gs", a->interval);
	x = pair(0, x, w, "every ", v);
	if (a->st.last_ok > 0) {
		fmt_age(now - a->st.last_ok, v2, sizeof(v2));
		if (a->st.stale)
			x += draw_str(0, x, w - x, CR_BANNER_ERROR, " STALE ");
		snprintf(v, sizeof(v), "%s ago", v2);
		x = pair(0, x, w, a->st.stale ? " last good poll " : "polled ", v);
	}
	if (s && s->mono == 0 && s->time > 0) { /* a recording: its own clock */
		hms(s->time, v, sizeof(v));
		x = pair(0, x, w, "snapshot ", v);
	}
	(void)x;

	/* Line 2: the table's size, connection entries, sync daemons. */
	x = 0;
	if (s) {
		snprintf(v, sizeof(v), "%zu", s->n_services);
		x = pair(1, x, w, "Services ", v);
		snprintf(v, sizeof(v), "%zu", s->n_dests);
		x = pair(1, x, w, "Real servers ", v);
		if (s->conns.available)
			snprintf(v, sizeof(v), "%s%s / %u", fmt_count(s->conns.total, a->exact, v2, sizeof(v2)),
				 s->conns.partial ? "+" : "", s->conn_tab_size);
		else
			snprintf(v, sizeof(v), "? / %u", s->conn_tab_size);
		x = pair(1, x, w, "Conn entries ", v);
		int n = 0;
		b[0] = 0;
		for (size_t i = 0; i < s->n_daemons; i++)
			n += snprintf(b + n, sizeof(b) - (size_t)n, "%s%s %s id %u", i ? ", " : "",
				      lvs_daemon_state_name(s->daemons[i].state), s->daemons[i].mcast_ifn,
				      s->daemons[i].syncid);
		x = pair(1, x, w, "Sync ", s->n_daemons ? b : "off");
		snprintf(v, sizeof(v), "%s", panel_of(a->view)->name);
		x = pair(1, x, w, "View ", v);
	} else {
		draw_str(1, 0, w, CR_DIM, a->st.polls ? "no snapshot yet" : "waiting for the first poll");
	}

	/* Line 3: totals, and where HEALTH comes from; an lvsd that does not
	 * answer comes first. */
	x = 0;
	bool health_up = true;
	char ht[160] = "";
	if (a->opts.health && a->view != VIEW_REMOTE)
		health_up = lvsd_health_describe(a->opts.health, true, ht, sizeof(ht));
	if (!health_up) {
		x += draw_words(2, x, w - x, CR_HEADER_FLAG, ht);
		x += draw_str(2, x, w - x, CR_DEFAULT, "  ");
	}
	/* Before the totals (the rows show the traffic too): which file the
	 * marks come from, and the drift. */
	x = declared_pair(a, x, w);
	if (s) {
		/* Summed once per snapshot: every frame (a key, the clock)
		 * draws them, and 10,000 services took a third of a cursor
		 * move's frame. */
		if (a->totals_gen != a->snap_gen) {
			struct lvs_rates tot = { 0 };
			for (size_t i = 0; i < s->n_services; i++) {
				struct lvs_rates r;
				const struct lvs_service *sv = &s->services[i];
				table_rates(&sv->rates, sv->rates_valid, &sv->krates, &r);
				tot.cps += r.cps;
				tot.inpps += r.inpps;
				tot.outpps += r.outpps;
				tot.inbps += r.inbps;
				tot.outbps += r.outbps;
			}
			a->totals = tot;
			a->totals_gen = a->snap_gen;
		}
		const struct lvs_rates tot = a->totals;
		x = pair(2, x, w, "Conn/s ", fmt_rate(tot.cps, a->exact, v, sizeof(v)));
		fmt_rate(tot.inpps, a->exact, v, sizeof(v));
		fmt_rate(tot.outpps, a->exact, v2, sizeof(v2));
		snprintf(b, sizeof(b), "%s in %s out", v, v2);
		x = pair(2, x, w, "Packets/s ", b);
		fmt_rate(tot.inbps, a->exact, v, sizeof(v));
		fmt_rate(tot.outbps, a->exact, v2, sizeof(v2));
		snprintf(b, sizeof(b), "%s in %s out", v, v2);
		x = pair(2, x, w, "Bytes/s ", b);
		if (a->filter[0] && !a->filter_editing)
			x = pair(2, x, w, "Filter ", a->filter);
	}
	if (ht[0] && health_up)
		x += draw_words(2, x, w - x, CR_HEADER_LABEL, ht);
	(void)x;

	if (a->view == VIEW_REMOTE)
		remote_draw_frame(a, w); /* every director's, not the focused one's */

	bool err;
	if (banner_text(a, b, sizeof(b), &err)) {
		enum crt_role r = err ? CR_BANNER_ERROR : CR_BANNER_INFO;
		draw_fill(3, 0, w, r);
		draw_words(3, 0, w, r, b);
	}
}

void frame_draw_bar(struct app *a)
{
	int y = a->rows - 1, w = a->cols, x = 0;
	draw_fill(y, 0, w, CR_DEFAULT);
	if (a->filter_editing) {
		x += draw_str(y, x, w - x, CR_FKEY, "Filter: ");
		x += draw_str(y, x, w - x, CR_FILTER, a->filter);
		x += draw_str(y, x, w - x, CR_FILTER, "_");
		draw_str(y, x + 2, w - x - 2, CR_DIM, "Enter: keep  Esc: clear");
		return;
	}
	/* A notice takes the room of the last keys rather than lose words. */
	int mw = a->message[0] ? draw_width(a->message) + 1 : 0;
	for (size_t i = 0; i < key_table_len && x < w; i++) {
		const struct key_binding *kb = &key_table[i];
		if (!kb->bar || !(kb->views & (1u << a->view)))
			continue;
		char key[16], label[16];
		keys_first_name(kb, key, sizeof(key));
		snprintf(label, sizeof(label), "%-6s", kb->bar);
		if (x && x + draw_width(key) + draw_width(label) + 1 + mw > w)
			break;
		x += draw_str(y, x, w - x, CR_FKEY, key);
		x += draw_str(y, x, w - x, CR_FKEY_LABEL, label);
		x += draw_str(y, x, w - x, CR_DEFAULT, " ");
	}
	if (a->message[0] && x + 2 < w)
		draw_words(y, x + 1, w - x - 1, CR_HEADER_FLAG, a->message);
}
