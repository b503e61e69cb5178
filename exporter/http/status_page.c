#include "status_page.h"

#include "exporter/unix_time.h"

#include "collector/names.h"
#include "collector/snapshot.h"
#include "exporter/history/rrd_spec.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static void esc(struct outbuf *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': outbuf_puts(o, "&lt;"); break;
		case '>': outbuf_puts(o, "&gt;"); break;
		case '&': outbuf_puts(o, "&amp;"); break;
		case '"': outbuf_puts(o, "&quot;"); break;
		default:
			/* Check reasons come from the network: nothing else. */
			outbuf_putc(o, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
		}
	}
}

/* Percent-encode for a query value inside an attribute. */
static void url_esc(struct outbuf *o, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~' || c == ':')
			outbuf_putc(o, (char)c);
		else
			outbuf_printf(o, "%%%02X", c);
	}
}

bool status_page_filter_ok(const char *t)
{
	size_t n = 0;
	for (; t[n]; n++)
		if ((unsigned char)t[n] < 0x20 || (unsigned char)t[n] > 0x7e)
			return false;
	return n <= STATUS_PAGE_FILTER_MAX;
}

/* "TCP 203.0.113.10:80", "UDP [2001:db8::1]:53", "FWM 1 (IPv6)". */
static void svc_name(const struct lvs_service *s, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	if (s->fwmark) {
		snprintf(buf, len, "FWM %" PRIu32 " (%s)", s->fwmark, s->af == AF_INET6 ? "IPv6" : "IPv4");
		return;
	}
	char p[8];
	const char *pn = lvs_service_proto_name(s);
	size_t i = 0;
	for (; pn[i] && i < sizeof(p) - 1; i++)
		p[i] = (char)toupper((unsigned char)pn[i]);
	p[i] = 0;
	lvs_addr_ntop(s->af, &s->addr, a, sizeof(a));
	if (s->af == AF_INET6)
		snprintf(buf, len, "%s [%s]:%u", p, a, s->port);
	else
		snprintf(buf, len, "%s %s:%u", p, a, s->port);
}

static void dest_name(const struct lvs_dest *d, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	lvs_addr_ntop(d->af, &d->addr, a, sizeof(a));
	snprintf(buf, len, d->af == AF_INET6 ? "[%s]:%u" : "%s:%u", a, d->port);
}

/* A real server's state, most urgent first: a failing check, then a
 * weight of 0 (draining while connections remain), then its check. */
enum row_state { ST_UP, ST_DOWN, ST_DRAIN, ST_QUIESCED, ST_UNCHECKED };
static const char *const state_class[] = { "up", "down", "drain", "maint", "nochk" };
static const char *const state_word[] = { "up", "down", "draining", "quiesced", "not checked" };

static enum row_state dest_state(const struct lvs_dest *d)
{
	if (d->health == LVS_HEALTH_DOWN)
		return ST_DOWN;
	if (d->weight == 0)
		return d->active_conns ? ST_DRAIN : ST_QUIESCED;
	return d->health == LVS_HEALTH_UP ? ST_UP : ST_UNCHECKED;
}

static bool dest_matches(const struct lvs_snapshot *s, const struct lvs_dest *d, const char *f)
{
	char n[INET6_ADDRSTRLEN + 12];
	dest_name(d, n, sizeof(n));
	return strcasestr(n, f) || strcasestr(state_word[dest_state(d)], f) ||
	       strcasestr(snapshot_text(s, d->health_error), f);
}

static bool svc_matches(const struct lvs_snapshot *s, const struct lvs_service *sv, const char *f)
{
	if (!f || !*f)
		return true;
	char n[128];
	svc_name(sv, n, sizeof(n));
	if (strcasestr(n, f) || strcasestr(sv->sched, f))
		return true;
	for (size_t j = 0; j < sv->n_dests; j++)
		if (dest_matches(s, &sv->dests[j], f))
			return true;
	return false;
}

/* 1234567 -> "1.2M": rates and byte counts in a narrow column. */
static void put_si(struct outbuf *o, double v)
{
	static const char *const sfx[] = { "", "k", "M", "G", "T", "P" };
	size_t i = 0;
	if (!isfinite(v) || v < 0)
		v = 0;
	while (v >= 1000 && i < 5) {
		v /= 1000;
		i++;
	}
	if (i == 0 && v == (double)(uint64_t)v)
		outbuf_printf(o, "%.0f", v);
	else
		outbuf_printf(o, v < 10 ? "%.1f%s" : "%.0f%s", v, sfx[i]);
}

static void put_ago(struct outbuf *o, double secs)
{
	uint64_t t = secs > 0 && isfinite(secs) ? (uint64_t)secs : 0;
	if (t < 60)
		outbuf_printf(o, "%" PRIu64 "s", t);
	else if (t < 3600)
		outbuf_printf(o, "%" PRIu64 "m%02" PRIu64 "s", t / 60, t % 60);
	else if (t < 86400)
		outbuf_printf(o, "%" PRIu64 "h%02" PRIu64 "m", t / 3600, t % 3600 / 60);
	else
		outbuf_printf(o, "%" PRIu64 "d%02" PRIu64 "h", t / 86400, t % 86400 / 3600);
}

/* An inline SVG polyline of the recent connection rate of the object k,
 * scaled to its own maximum and spread over 64 pixels whatever the count
 * (the tooltip says how many polls); nothing while fewer than two exist.
 * The maximum is in the tooltip: the line shows the shape only. */
static void sparkline(struct outbuf *o, lvs_rings *h, const struct lvs_key *k)
{
	struct lvs_sample smp[STATUS_PAGE_SPARK];
	size_t n = h ? rings_read(h, k, smp, STATUS_PAGE_SPARK) : 0;
	if (n < 2)
		return;
	double max = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(smp[i].cps) && smp[i].cps > max)
			max = smp[i].cps;
	outbuf_printf(o, "<svg width=\"64\" height=\"14\"><title>new connections/s, last %zu polls, "
			 "max ", n);
	put_si(o, max);
	outbuf_puts(o, "</title><polyline points=\"");
	for (size_t i = 0; i < n; i++) {
		double v = isfinite(smp[i].cps) && smp[i].cps > 0 ? smp[i].cps : 0;
		unsigned y = max > 0 ? 13 - (unsigned)lround(v / max * 12) : 13;
		/* Spread over the width: a large table's rings hold few samples. */
		outbuf_printf(o, "%s%zu,%u", i ? " " : "", 1 + i * 62 / (n - 1), y);
	}
	outbuf_puts(o, "\"/></svg>");
}

/* "?range=..&q=..&n=..&refresh=..&page=" with page (0: left out) and
 * refresh (UINT_MAX: the page's own) as given: every link keeps the view. */
static void put_query(struct outbuf *o, const struct status_page_opts *opt, const char *range,
		      unsigned page, unsigned refresh)
{
	outbuf_puts(o, "?range=");
	outbuf_puts(o, range);
	if (opt->filter && *opt->filter) {
		outbuf_puts(o, "&amp;q=");
		url_esc(o, opt->filter);
	}
	if (opt->per_page && opt->per_page != STATUS_PAGE_PER_PAGE)
		outbuf_printf(o, "&amp;n=%u", opt->per_page);
	outbuf_printf(o, "&amp;refresh=%u", refresh == UINT32_MAX ? opt->refresh : refresh);
	if (page > 1)
		outbuf_printf(o, "&amp;page=%u", page);
}

static const char css[] =
	"body{font-family:sans-serif;font-size:13px;margin:.6em 1em;color:#222}"
	"h1{font-size:1.3em;margin:.2em 0}"
	"table{border-collapse:collapse;width:100%}"
	"td,th{padding:1px 6px;text-align:right;white-space:nowrap;border-bottom:1px solid #ddd}"
	"th{background:#446;color:#fff;position:sticky;top:0}td.l,th.l{text-align:left}"
	"tr.svc td{background:#dde;font-weight:bold;border-top:2px solid #446}"
	"tr.svc td.l a{color:#113}"
	"tr.up td{background:#d4f2d4}tr.down td{background:#f6c0c0}"
	"tr.drain td{background:#f8e2a8}tr.maint td{background:#c8d8f4}tr.nochk td{background:#f2f2f2}"
	"td.st{font-weight:bold}td.why{color:#900;max-width:28em;overflow:hidden;text-overflow:ellipsis}"
	"td.rs{padding-left:1.6em}"
	"svg polyline{fill:none;stroke:#2a5db0;stroke-width:1.2}"
	".stale{background:#fee;padding:.4em;border:1px solid #c00;margin:.4em 0}"
	".muted{color:#666}nav{margin:.3em 0}nav a,nav strong{margin-right:.5em}"
	".key span{padding:0 .5em;margin-right:.3em;border:1px solid #bbb}"
	"form{display:inline;margin-left:1em}input[type=text]{width:16em}";

static void legend(struct outbuf *o)
{
	outbuf_puts(o, "<span class=\"key\">"
		       "<span style=\"background:#d4f2d4\">up</span>"
		       "<span style=\"background:#f6c0c0\">down</span>"
		       "<span style=\"background:#f8e2a8\">draining (weight 0, connections left)</span>"
		       "<span style=\"background:#c8d8f4\">quiesced (weight 0)</span>"
		       "<span style=\"background:#f2f2f2\">not checked</span></span>");
}

static void head(struct outbuf *o, const struct status_page_opts *opt, const char *range)
{
	outbuf_puts(o, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">");
	if (opt->refresh)
		outbuf_printf(o, "<meta http-equiv=\"refresh\" content=\"%u\">", opt->refresh);
	outbuf_puts(o, "<title>lvsd: IPVS status</title><style>");
	outbuf_puts(o, css);
	outbuf_puts(o, "</style></head>\n<body><h1>lvsd: IPVS status</h1>\n<nav>"
		       "<a href=\"metrics\">/metrics</a>"
		       "<a href=\"api/v1/snapshot\">/api/v1/snapshot</a> | ");
	if (opt->refresh) {
		outbuf_printf(o, "auto-refresh every %us: <a href=\"", opt->refresh);
		put_query(o, opt, range, opt->page, 0);
		outbuf_puts(o, "\">turn off</a>");
	} else {
		outbuf_puts(o, "auto-refresh off: <a href=\"");
		put_query(o, opt, range, opt->page, STATUS_PAGE_REFRESH);
		outbuf_printf(o, "\">every %us</a>", STATUS_PAGE_REFRESH);
	}
	if (opt->history) {
		static const char *const ranges[] = { "1h", "6h", "1d", "1w", "1mo", "1y" };
		outbuf_puts(o, " | graph range:");
		for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
			if (!strcmp(range, ranges[i])) {
				outbuf_printf(o, " <strong>%s</strong>", ranges[i]);
				continue;
			}
			outbuf_puts(o, " <a href=\"");
			put_query(o, opt, ranges[i], opt->page, UINT32_MAX);
			outbuf_printf(o, "\">%s</a>", ranges[i]);
		}
	}
	outbuf_puts(o, "<form method=\"get\" action=\"\">");
	outbuf_printf(o, "<input type=\"hidden\" name=\"range\" value=\"%s\">", range);
	outbuf_printf(o, "<input type=\"hidden\" name=\"refresh\" value=\"%u\">", opt->refresh);
	if (opt->per_page && opt->per_page != STATUS_PAGE_PER_PAGE)
		outbuf_printf(o, "<input type=\"hidden\" name=\"n\" value=\"%u\">", opt->per_page);
	outbuf_puts(o, "<input type=\"text\" name=\"q\" placeholder=\"filter: address, state, reason\" "
		       "value=\"");
	esc(o, opt->filter ? opt->filter : "");
	outbuf_puts(o, "\"> <input type=\"submit\" value=\"filter\">");
	if (opt->filter && *opt->filter) {
		outbuf_puts(o, " <a href=\"?range=");
		outbuf_puts(o, range);
		outbuf_printf(o, "&amp;refresh=%u\">clear</a>", opt->refresh);
	}
	outbuf_puts(o, "</form></nav>\n");
}

static void pager(struct outbuf *o, const struct status_page_opts *opt, const char *range,
		  unsigned page, unsigned pages)
{
	if (pages <= 1)
		return;
	outbuf_printf(o, "<nav>page %u of %u:", page, pages);
	/* First, last, and a window around the current page. */
	unsigned last_shown = 0;
	for (unsigned p = 1; p <= pages; p++) {
		if (p != 1 && p != pages && (p + 5 < page || p > page + 5))
			continue;
		if (last_shown && p != last_shown + 1)
			outbuf_puts(o, " &hellip;");
		last_shown = p;
		if (p == page) {
			outbuf_printf(o, " <strong>%u</strong>", p);
			continue;
		}
		outbuf_puts(o, " <a href=\"");
		put_query(o, opt, range, p, UINT32_MAX);
		outbuf_printf(o, "\">%u</a>", p);
	}
	outbuf_puts(o, "</nav>\n");
}

static void graph_link(struct outbuf *o, const char *path, const char *metric, const char *range,
		       const char *text)
{
	outbuf_printf(o, "<a href=\"graph/%s.png?metric=%s&amp;range=%s&amp;width=1000&amp;height=300\">"
			 "%s</a>",
		      path, metric, range, text);
}

static void service_row(struct outbuf *o, const struct lvs_snapshot *s, const struct lvs_service *sv,
			const struct status_page_opts *opt, const char *range)
{
	char name[128], sid[RRD_SPEC_ID_MAX], path[RRD_SPEC_ID_MAX + 16];
	svc_name(sv, name, sizeof(name));
	if (rrd_spec_service_id(sv, sid, sizeof(sid)))
		sid[0] = 0;
	unsigned n_up = 0, n_down = 0;
	int64_t weight = 0;
	uint64_t act = 0, inact = 0, pers = 0;
	for (size_t j = 0; j < sv->n_dests; j++) {
		const struct lvs_dest *d = &sv->dests[j];
		n_up += d->health == LVS_HEALTH_UP;
		n_down += d->health == LVS_HEALTH_DOWN;
		weight += d->weight;
		act += d->active_conns;
		inact += d->inact_conns;
		pers += d->persist_conns;
	}
	outbuf_printf(o, "<tr class=\"svc\" id=\"%s\"><td class=\"l\"><a href=\"#%s\">", sid, sid);
	esc(o, name);
	outbuf_puts(o, "</a></td><td class=\"l st\">");
	if (!sv->n_dests)
		outbuf_puts(o, "no real server");
	else if (n_down == sv->n_dests)
		outbuf_puts(o, "<span style=\"color:#c00\">all down</span>");
	else if (n_up || n_down)
		outbuf_printf(o, "%u/%zu up", n_up, sv->n_dests);
	else
		outbuf_printf(o, "%zu real server%s", sv->n_dests, sv->n_dests == 1 ? "" : "s");
	outbuf_puts(o, "</td><td class=\"l\">");
	esc(o, sv->sched);
	const char *fl[8];
	size_t nf = lvs_svc_flag_names(sv->flags, sv->sched, fl, 8);
	for (size_t i = 0; i < nf; i++) {
		outbuf_puts(o, i ? "," : " ");
		esc(o, fl[i]);
	}
	if (sv->timeout && !(nf && strstr(fl[0], "persist")))
		outbuf_printf(o, " persist %us", sv->timeout);
	outbuf_printf(o, "</td><td>%" PRId64 "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64
			 "</td><td>",
		      weight, act, inact, pers);
	if (sv->rates_valid) {
		put_si(o, sv->rates.cps);
		outbuf_puts(o, "</td><td>");
		put_si(o, sv->rates.inbps * 8);
		outbuf_puts(o, "</td><td>");
		put_si(o, sv->rates.outbps * 8);
	} else {
		outbuf_puts(o, "-</td><td>-</td><td>-");
	}
	outbuf_puts(o, "</td><td>");
	struct lvs_key k;
	lvs_key_service(&k, sv);
	sparkline(o, opt->recent, &k);
	outbuf_puts(o, "</td><td class=\"l\"></td><td></td><td class=\"l\">");
	if (opt->history && sid[0]) {
		snprintf(path, sizeof(path), "service/%s", sid);
		graph_link(o, path, "conns", range, "conns");
		outbuf_putc(o, ' ');
		graph_link(o, path, "bytes", range, "bytes");
		outbuf_putc(o, ' ');
		graph_link(o, path, "active", range, "active");
	}
	outbuf_puts(o, "</td></tr>\n");
	(void)s;
}

static void dest_row(struct outbuf *o, const struct lvs_snapshot *s, const struct lvs_service *sv,
		     const struct lvs_dest *d, const struct status_page_opts *opt, const char *range)
{
	char name[INET6_ADDRSTRLEN + 12];
	dest_name(d, name, sizeof(name));
	enum row_state st = dest_state(d);
	outbuf_printf(o, "<tr class=\"%s\"><td class=\"l rs\">%s</td><td class=\"l st\">%s</td>"
			 "<td class=\"l\">%s</td><td>%" PRId32 "</td><td>%u</td><td>%u</td><td>%u</td><td>",
		      state_class[st], name, state_word[st], lvs_fwd_name(d->fwd), d->weight,
		      d->active_conns, d->inact_conns, d->persist_conns);
	if (d->rates_valid) {
		put_si(o, d->rates.cps);
		outbuf_puts(o, "</td><td>");
		put_si(o, d->rates.inbps * 8);
		outbuf_puts(o, "</td><td>");
		put_si(o, d->rates.outbps * 8);
	} else {
		outbuf_puts(o, "-</td><td>-</td><td>-");
	}
	outbuf_puts(o, "</td><td>");
	struct lvs_key k;
	lvs_key_dest(&k, sv, d);
	sparkline(o, opt->recent, &k);
	/* Health: the check's word, and why it fails. */
	static const char *const hn[] = { "-", "up", "down" };
	int h = d->health <= 2 ? (int)d->health : 0;
	const char *why = snapshot_text(s, d->health_error);
	outbuf_printf(o, "</td><td class=\"l%s\"", *why ? " why" : "");
	if (*why) {
		outbuf_puts(o, " title=\"");
		esc(o, why);
		outbuf_putc(o, '"');
	}
	outbuf_printf(o, ">%s", hn[h]);
	if (*why) {
		outbuf_puts(o, ": ");
		esc(o, why);
	}
	outbuf_puts(o, "</td><td");
	if (d->health_since > 0) {
		char when[64];
		unix_time_format(d->health_since, when, sizeof(when));
		outbuf_printf(o, " title=\"since %s\">", when);
		put_ago(o, opt->now - d->health_since);
	} else {
		outbuf_puts(o, ">-");
	}
	outbuf_puts(o, "</td><td class=\"l\">");
	char sid[RRD_SPEC_ID_MAX], did[RRD_SPEC_ID_MAX], path[2 * RRD_SPEC_ID_MAX + 16];
	if (opt->history && opt->rs_history && !rrd_spec_service_id(sv, sid, sizeof(sid)) &&
	    !rrd_spec_dest_id(d, did, sizeof(did))) {
		snprintf(path, sizeof(path), "real-server/%s/%s", sid, did);
		graph_link(o, path, "conns", range, "conns");
	}
	outbuf_puts(o, "</td></tr>\n");
}

int status_page_render(struct outbuf *o, const struct lvs_snapshot *s,
		       const struct status_page_opts *opt)
{
	const char *range = opt->range ? opt->range : "1h";
	const char *filter = opt->filter && *opt->filter ? opt->filter : NULL;
	head(o, opt, range);
	if (!s) {
		outbuf_puts(o, "<p class=\"stale\">No successful poll of the IPVS table yet: ");
		if (opt->poll_error && *opt->poll_error)
			esc(o, opt->poll_error);
		else
			outbuf_puts(o, "the first poll has not finished.");
		outbuf_puts(o, "</p></body></html>\n");
		return outbuf_failed(o) ? -ENOMEM : 0;
	}
	char when[64];
	unix_time_format(s->time, when, sizeof(when));
	if (opt->stale) {
		outbuf_printf(o, "<p class=\"stale\">Polls of the IPVS table fail: this is the table "
				 "as it was at %s.", when);
		if (opt->poll_error && *opt->poll_error) {
			outbuf_puts(o, " Last error: ");
			esc(o, opt->poll_error);
		}
		outbuf_puts(o, "</p>\n");
	}
	size_t matching = 0;
	unsigned down = 0;
	for (size_t i = 0; i < s->n_services; i++) {
		if (svc_matches(s, &s->services[i], filter))
			matching++;
	}
	for (size_t j = 0; j < s->n_dests; j++)
		down += s->dests[j].health == LVS_HEALTH_DOWN;
	unsigned per = opt->per_page ? opt->per_page : STATUS_PAGE_PER_PAGE;
	unsigned pages = matching ? (unsigned)((matching + per - 1) / per) : 1;
	unsigned page = opt->page < 1 ? 1 : opt->page > pages ? pages : opt->page;
	outbuf_printf(o, "<p>%zu virtual services, %zu real servers (%u down), taken %s. ",
		      s->n_services, s->n_dests, down, when);
	if (filter) {
		outbuf_printf(o, "%zu service%s match &ldquo;", matching, matching == 1 ? "" : "s");
		esc(o, filter);
		outbuf_puts(o, "&rdquo;. ");
	}
	if (!opt->history)
		outbuf_puts(o, "<span class=\"muted\">History is off (no graphs).</span> ");
	legend(o);
	outbuf_puts(o, "</p>\n");
	pager(o, opt, range, page, pages);
	outbuf_puts(o, "<table><tr><th class=\"l\">service / real server</th><th class=\"l\">state</th>"
		       "<th class=\"l\">scheduler / forward</th><th>weight</th><th>active</th>"
		       "<th>inactive</th><th>persistent</th><th>conn/s</th><th>in bit/s</th>"
		       "<th>out bit/s</th><th>recent conn/s</th><th class=\"l\">health</th>"
		       "<th>last change</th><th class=\"l\">graphs</th></tr>\n");
	size_t first = (size_t)(page - 1) * per, seen = 0, shown = 0;
	for (size_t i = 0; i < s->n_services && shown < per; i++) {
		const struct lvs_service *sv = &s->services[i];
		if (!svc_matches(s, sv, filter) || seen++ < first)
			continue;
		shown++;
		service_row(o, s, sv, opt, range);
		for (size_t j = 0; j < sv->n_dests; j++)
			dest_row(o, s, sv, &sv->dests[j], opt, range);
	}
	outbuf_puts(o, "</table>\n");
	if (!matching)
		outbuf_puts(o, "<p class=\"muted\">No service matches the filter.</p>\n");
	pager(o, opt, range, page, pages);
	outbuf_puts(o, "</body></html>\n");
	return outbuf_failed(o) ? -ENOMEM : 0;
}
