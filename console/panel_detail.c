/* The detail view: every attribute of one service or real server, charts
 * of its rates from the history rings, and its connection states. */
#include "panel.h"

#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/ip_vs.h>

#include "collector/names.h"
#include "collector/snapshot.h"
#include "draw.h"
#include "format.h"
#include "marks.h"
#include "panel_edit.h"
#include "panel_doctor.h"
#include "panel_zoom.h"

#define CHART_ROWS 5
#define CHART_LABEL 8 /* the y-axis labels' width */
#define CHART_MAX_W 512

#define KV_SPLIT 22 /* label column */

static void kv(struct textbuf *t, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void kv(struct textbuf *t, const char *label, const char *fmt, ...)
{
	char v[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	textbuf_add(t, CR_HEADER_LABEL, KV_SPLIT, CR_DEFAULT, "  %-*s%s", KV_SPLIT - 2, label, v);
}

/* The declared marks' sentences, wrapped under one label. */
struct decl_lines {
	struct textbuf *t;
	int width; /* of the value column */
	int n;
	char label[48];
};

static void decl_line(void *arg, const char *line)
{
	struct decl_lines *dl = arg;
	const char *p = line;
	while (*p) {
		size_t n = dl->width > 8 ? draw_fit_words(p, dl->width) : strlen(p);
		if (!n)
			n = strlen(p);
		kv(dl->t, dl->n++ ? "" : dl->label, "%.*s", (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
	}
}

static void declared_lines(struct textbuf *t, struct app *a, const struct lvs_service *v,
			   const struct lvs_dest *d)
{
	const struct marks *m = a->marks;
	if (!m || !m->kind)
		return;
	struct decl_lines dl = { .t = t, .width = a->cols - KV_SPLIT - 1 };
	snprintf(dl.label, sizeof(dl.label), "Declared");
	if (!marks_active(m)) {
		decl_line(&dl, m->err);
		return;
	}
	marks_describe(m, v, d, decl_line, &dl);
}

static void counters(struct textbuf *t, const struct lvs_stats *st)
{
	kv(t, "Connections", "%" PRIu64, st->conns);
	kv(t, "Packets in / out", "%" PRIu64 " / %" PRIu64, st->inpkts, st->outpkts);
	kv(t, "Bytes in / out", "%" PRIu64 " / %" PRIu64, st->inbytes, st->outbytes);
}

static void rates(struct textbuf *t, struct app *a, const struct lvs_rates_f *r, bool valid,
		  const struct lvs_kern_rates *k)
{
	char c[5][24];
	if (valid) {
		kv(t, "Rates (polls)", "%s conn/s  %s/%s pkt/s in/out  %s/%s byte/s in/out",
		   fmt_rate(r->cps, a->exact, c[0], 24), fmt_rate(r->inpps, a->exact, c[1], 24),
		   fmt_rate(r->outpps, a->exact, c[2], 24), fmt_rate(r->inbps, a->exact, c[3], 24),
		   fmt_rate(r->outbps, a->exact, c[4], 24));
	} else {
		kv(t, "Rates (polls)", "after the next poll");
	}
	if (!k) {
		kv(t, "Rates (kernel)", "- (not kept by this snapshot's source)");
		return;
	}
	kv(t, "Rates (kernel)", "%s conn/s  %s/%s pkt/s in/out  %s/%s byte/s in/out",
	   fmt_count(k->cps, a->exact, c[0], 24), fmt_count(k->inpps, a->exact, c[1], 24),
	   fmt_count(k->outpps, a->exact, c[2], 24), fmt_count(k->inbps, a->exact, c[3], 24),
	   fmt_count(k->outbps, a->exact, c[4], 24));
}

/* A bar chart CHART_ROWS high of one metric over the ring's samples. */
static void chart(struct textbuf *t, struct app *a, const struct lvs_sample *smp, size_t n,
		  enum spark_metric m)
{
	int w = a->cols - CHART_LABEL - 3;
	if (w > CHART_MAX_W)
		w = CHART_MAX_W;
	if (w < 8)
		return;
	size_t skip = n > (size_t)w ? n - (size_t)w : 0;
	double v[CHART_MAX_W];
	size_t nv = n - skip;
	for (size_t i = 0; i < nv; i++)
		v[i] = spark_value(&smp[skip + i], m);
	double max = spark_max(v, nv);
	char ms[24], span[24];
	fmt_rate(max, a->exact, ms, sizeof(ms));
	if (nv >= 2)
		fmt_age(smp[n - 1].t - smp[skip].t, span, sizeof(span));
	else
		snprintf(span, sizeof(span), "-");
	textbuf_add(t, CR_TITLE, 0, CR_TITLE, "  %s  (last %s, %zu samples, max %s)",
		    spark_metric_name(m), span, nv, ms);
	bool utf8 = crt_utf8();
	for (int row = CHART_ROWS - 1; row >= 0; row--) {
		if (!textbuf_visible(t)) {
			textbuf_skip(t);
			continue;
		}
		int y = textbuf_next_y(t);
		const char *label = row == CHART_ROWS - 1 ? ms : row == 0 ? "0" : "";
		draw_cell(y, 0, CHART_LABEL - 1, true, CR_DIM, label);
		draw_fill(y, CHART_LABEL - 1, 1, CR_DIM);
		draw_str(y, CHART_LABEL, 2, CR_DIM, utf8 ? "\u2502" : "|");
		char line[CHART_MAX_W * 3 + 1];
		size_t o = 0;
		int pad = w - (int)nv;
		for (int i = 0; i < w; i++) {
			int l = i < pad ? -1 : spark_chart_cell(v[i - pad], max, CHART_ROWS, row);
			const char *g = spark_glyph(l, utf8);
			size_t gl = strlen(g);
			memcpy(line + o, g, gl);
			o += gl;
		}
		line[o] = 0;
		draw_str(y, CHART_LABEL + 1, w, CR_SPARK, line);
		textbuf_skip(t);
	}
}

static void charts(struct textbuf *t, struct app *a, const struct lvs_key *k)
{
	struct lvs_sample smp[LVS_RINGS_SAMPLES];
	size_t n = app_history(a, k, smp, LVS_RINGS_SAMPLES);
	textbuf_add(t, CR_DEFAULT, 0, CR_DEFAULT, "%s", "");
	if (!n) {
		textbuf_add(t, CR_DIM, 0, CR_DIM, "  no history yet: rates need two polls");
		return;
	}
	enum spark_metric order[] = { a->metric, SPARK_CPS, SPARK_INBPS, SPARK_OUTBPS, SPARK_ACTIVE };
	bool done[SPARK_METRIC_COUNT] = { 0 };
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (done[order[i]])
			continue;
		done[order[i]] = true;
		chart(t, a, smp, n, order[i]);
	}
}

static void states(struct textbuf *t, const struct lvs_state_count *st, size_t n, uint64_t total)
{
	if (!n) {
		kv(t, "Entries", "%" PRIu64, total);
		return;
	}
	char b[512];
	int o = 0;
	for (size_t i = 0; i < n && o < (int)sizeof(b) - 40; i++)
		o += snprintf(b + o, sizeof(b) - (size_t)o, "%s%s %" PRIu64, i ? ", " : "", st[i].name,
			      st[i].count);
	kv(t, "Entries", "%" PRIu64, total);
	kv(t, "By state", "%s", b);
}

/* Connection states summed over a service's real servers. */
static void service_states(struct textbuf *t, struct app *a, const struct lvs_service *v)
{
	struct lvs_state_count sum[LVS_CONN_STATES_MAX];
	size_t n = 0;
	uint64_t total = 0;
	for (size_t i = 0; i < v->n_dests; i++) {
		const struct lvs_conn_dest *c = app_conn_dest(a, &v->dests[i]);
		if (!c)
			continue;
		total += c->total;
		for (size_t j = 0; j < c->n_states; j++) {
			size_t k = 0;
			while (k < n && strcmp(sum[k].name, c->states[j].name))
				k++;
			if (k == n) {
				if (n == LVS_CONN_STATES_MAX)
					continue;
				sum[n] = c->states[j];
				sum[n++].count = 0;
			}
			sum[k].count += c->states[j].count;
		}
	}
	states(t, sum, n, total);
}

static void detail_draw(struct app *a, int y, int h)
{
	struct textbuf t;
	textbuf_begin(&t, y, 0, a->cols, h, a->scroll[VIEW_DETAIL]);
	const struct lvs_snapshot *s = a->snap;
	const struct lvs_dest *d = NULL;
	const struct lvs_service *v = s ? app_find(a, &a->detail, &d) : NULL;
	char b1[96], b2[96];
	if (!v) {
		textbuf_add(&t, CR_DIM, 0, CR_DIM, "  this %s is no longer in the IPVS table (Esc: back)",
			    a->detail.is_dest ? "real server" : "service");
		a->lines[VIEW_DETAIL] = t.n;
		return;
	}
	enum crt_role title = a->st.stale ? CR_STALE : CR_TITLE;
	fmt_service(v, b1, sizeof(b1));
	if (!d) {
		textbuf_add(&t, title, 0, title, "Virtual service %s %s%s", lvs_service_proto_name(v), b1,
			    a->st.stale ? "  (stale)" : "");
		kv(&t, "Address family", "%s", v->af == AF_INET6 ? "IPv6" : "IPv4");
		if (v->fwmark)
			kv(&t, "Firewall mark", "%u", v->fwmark);
		kv(&t, "Scheduler", "%s", v->sched);
		const char *names[8];
		size_t nf = lvs_svc_flag_names(v->flags & ~(uint32_t)IP_VS_SVC_F_HASHED, v->sched, names, 8);
		int o = 0;
		b2[0] = 0;
		for (size_t i = 0; i < nf; i++)
			o += snprintf(b2 + o, sizeof(b2) - (size_t)o, "%s%s", i ? " " : "", names[i]);
		kv(&t, "Flags", "%s", nf ? b2 : "none");
		if (v->flags & 0x1) {
			if (v->af == AF_INET6) {
				kv(&t, "Persistence", "%u s, netmask /%u", v->timeout, v->netmask);
			} else {
				union lvs_addr m = { .v4.s_addr = v->netmask };
				kv(&t, "Persistence", "%u s, netmask %s", v->timeout,
				   lvs_addr_ntop(AF_INET, &m, b2, sizeof(b2)));
			}
		} else {
			kv(&t, "Persistence", "off");
		}
		if (v->pe_name[0])
			kv(&t, "Persistence engine", "%s", v->pe_name);
		int64_t wsum = 0;
		uint64_t act = 0, inact = 0, pers = 0;
		for (size_t i = 0; i < v->n_dests; i++) {
			wsum += v->dests[i].weight;
			act += v->dests[i].active_conns;
			inact += v->dests[i].inact_conns;
			pers += v->dests[i].persist_conns;
		}
		kv(&t, "Real servers", "%zu (weights sum to %" PRId64 ")", v->n_dests, wsum);
		kv(&t, "Active / inactive", "%" PRIu64 " / %" PRIu64 " (persistent %" PRIu64 ")", act, inact,
		   pers);
		declared_lines(&t, a, v, NULL);
		counters(&t, &v->stats);
		rates(&t, a, &v->rates, v->rates_valid, &v->krates);
		textbuf_add(&t, CR_DEFAULT, 0, CR_DEFAULT, "%s", "");
		textbuf_add(&t, CR_TITLE, 0, CR_TITLE, "  Connection table for this service");
		service_states(&t, a, v);
	} else {
		fmt_endpoint(d->af, &d->addr, d->port, b2, sizeof(b2));
		textbuf_add(&t, title, 0, title, "Real server %s of %s %s%s", b2,
			    lvs_service_proto_name(v), b1, a->st.stale ? "  (stale)" : "");
		kv(&t, "Address family", "%s", d->af == AF_INET6 ? "IPv6" : "IPv4");
		kv(&t, "Forwarding", "%s", lvs_fwd_name(d->fwd));
		if (d->fwd == LVS_FWD_TUNNEL) {
			const char *names[4];
			size_t nf = lvs_tun_flag_names(d->tun_flags, names, 4);
			kv(&t, "Tunnel", "%s port %u%s%s%s", lvs_tun_type_name(d->tun_type), d->tun_port,
			   nf ? " " : "", nf ? names[0] : "", nf > 1 ? " ..." : "");
		}
		int32_t kept = 0;
		const char *mark = edit_ui_mark(a, v, d, &kept); /* the state file's */
		if (mark)
			kv(&t, "Weight", "%" PRId32 " [%s: weight %" PRId32 " remembered]", d->weight, mark,
			   kept);
		else
			kv(&t, "Weight", "%" PRId32 "%s", d->weight, d->weight == 0 ? " (quiesced)" : "");
		kv(&t, "Thresholds", "upper %u, lower %u (0: none)", d->u_thresh, d->l_thresh);
		kv(&t, "Active / inactive", "%u / %u (persistent %u)", d->active_conns, d->inact_conns,
		   d->persist_conns);
		declared_lines(&t, a, v, d);
		switch (d->health) {
		case LVS_HEALTH_UP:
		case LVS_HEALTH_DOWN: {
			char when[32] = "-";
			if (d->health_since > 0) {
				time_t ts = (time_t)d->health_since;
				struct tm tm;
				localtime_r(&ts, &tm);
				strftime(when, sizeof(when), "%H:%M:%S", &tm);
			}
			kv(&t, "Health", "%s since %s (check took %.3f s)%s%s",
			   d->health == LVS_HEALTH_UP ? "up" : "down", when, (double)d->check_seconds,
			   d->health_error ? ": " : "", snapshot_text(s, d->health_error));
			break;
		}
		default:
			kv(&t, "Health", "- (no health check)");
		}
		counters(&t, &d->stats);
		rates(&t, a, &d->rates, d->rates_valid,
		      s->dest_krates ? snapshot_dest_krates(s, d) : NULL);
		textbuf_add(&t, CR_DEFAULT, 0, CR_DEFAULT, "%s", "");
		textbuf_add(&t, CR_TITLE, 0, CR_TITLE, "  Connection table for this real server");
		const struct lvs_conn_dest *c = app_conn_dest(a, d);
		if (!s->conns.available)
			kv(&t, "Entries", "not read");
		else if (c)
			states(&t, c->states, c->n_states, c->total);
		else
			kv(&t, "Entries", "0");
		textbuf_add(&t, CR_DEFAULT, 0, CR_DEFAULT, "%s", "");
		panel_doctor_dest_lines(a, &t, v, d);
	}
	if (s->conns.partial)
		textbuf_add(&t, CR_BANNER_INFO, 0, CR_BANNER_INFO,
			    "  the connection table was read only partly: counts are a lower bound");
	if (!zoom_draw(&t, a, v, d)) /* the rrd history when zoomed out */
		charts(&t, a, &a->detail);
	a->lines[VIEW_DETAIL] = t.n;
}

const struct panel panel_detail = {
	.name = "detail",
	.draw = detail_draw,
};
