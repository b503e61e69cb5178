#include "status_page.h"

#include "exporter/unix_time.h"

#include "collector/names.h"
#include "exporter/history/rrd_spec.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

static void esc(struct outbuf *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': outbuf_puts(o, "&lt;"); break;
		case '>': outbuf_puts(o, "&gt;"); break;
		case '&': outbuf_puts(o, "&amp;"); break;
		case '"': outbuf_puts(o, "&quot;"); break;
		default: outbuf_putc(o, *s);
		}
	}
}

static void svc_name(const struct lvs_service *s, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	if (s->fwmark) {
		snprintf(buf, len, "FWM %" PRIu32 " (%s)", s->fwmark, s->af == AF_INET6 ? "IPv6" : "IPv4");
		return;
	}
	lvs_addr_ntop(s->af, &s->addr, a, sizeof(a));
	if (s->af == AF_INET6)
		snprintf(buf, len, "%s [%s]:%u", lvs_service_proto_name(s), a, s->port);
	else
		snprintf(buf, len, "%s %s:%u", lvs_service_proto_name(s), a, s->port);
}

static const char css[] =
	"body{font-family:sans-serif;margin:1em 2em;color:#222}"
	"h1{font-size:1.4em}h2{font-size:1.1em;margin:1.5em 0 .3em;border-bottom:1px solid #ccc}"
	"table{border-collapse:collapse;margin:.3em 0}td,th{padding:2px 8px;text-align:right}"
	"th{background:#eee}td.l,th.l{text-align:left}.down{color:#c00;font-weight:bold}"
	".up{color:#080}.stale{background:#fee;padding:.5em;border:1px solid #c00}"
	"img{margin:2px;border:1px solid #ddd}.muted{color:#777}nav a{margin-right:.6em}";

static void graph_img(struct outbuf *o, const char *path, const char *metric, const char *range,
		      unsigned w, unsigned h)
{
	outbuf_printf(o,
		      "<a href=\"graph/%s.png?metric=%s&amp;range=%s&amp;width=1000&amp;height=300\">"
		      "<img loading=\"lazy\" alt=\"%s %s\" src=\"graph/%s.png?metric=%s&amp;range=%s"
		      "&amp;width=%u&amp;height=%u\"></a>",
		      path, metric, range, path, metric, path, metric, range, w, h);
}

int status_page_render(struct outbuf *o, const struct lvs_snapshot *s,
		       const struct status_page_opts *opt)
{
	const char *range = opt->range ? opt->range : "1d";
	outbuf_puts(o, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>lvsd</title>"
		       "<style>");
	outbuf_puts(o, css);
	outbuf_puts(o, "</style></head>\n<body><h1>lvsd: IPVS status</h1>\n<nav>"
		       "<a href=\"metrics\">/metrics</a>"
		       "<a href=\"api/v1/snapshot\">/api/v1/snapshot</a>");
	if (opt->history) {
		static const char *const ranges[] = { "1h", "1d", "1w", "1mo", "1y" };
		outbuf_puts(o, " | graphs:");
		for (size_t i = 0; i < 5; i++)
			outbuf_printf(o, " <a href=\"?range=%s\">%s</a>", ranges[i], ranges[i]);
	}
	outbuf_puts(o, "</nav>\n");
	if (!s) {
		outbuf_puts(o, "<p class=\"stale\">No successful poll of the IPVS table yet.</p>"
			       "</body></html>\n");
		return outbuf_failed(o) ? -ENOMEM : 0;
	}
	char when[64];
	unix_time_format(s->time, when, sizeof(when));
	if (opt->stale)
		outbuf_printf(o, "<p class=\"stale\">Polls of the IPVS table fail: this is the table "
				 "as it was at %s.</p>\n", when);
	outbuf_printf(o, "<p>%zu virtual services, %zu real servers, taken %s.%s</p>\n",
		      s->n_services, s->n_dests, when,
		      opt->history ? "" : " <span class=\"muted\">History is off (no graphs).</span>");
	char name[128], sid[RRD_SPEC_ID_MAX], did[RRD_SPEC_ID_MAX], a[INET6_ADDRSTRLEN],
		path[2 * RRD_SPEC_ID_MAX + 16];
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *sv = &s->services[i];
		svc_name(sv, name, sizeof(name));
		if (rrd_spec_service_id(sv, sid, sizeof(sid)))
			sid[0] = 0;
		outbuf_printf(o, "<h2 id=\"%s\">", sid);
		esc(o, name);
		outbuf_puts(o, " <span class=\"muted\">");
		esc(o, sv->sched);
		outbuf_printf(o, ", %zu real server%s, %s</span></h2>\n", sv->n_dests,
			      sv->n_dests == 1 ? "" : "s", sid);
		if (opt->history && sid[0]) {
			snprintf(path, sizeof(path), "service/%s", sid);
			/* Three side by side in a 1200-pixel window. */
			graph_img(o, path, "conns", range, 260, 80);
			graph_img(o, path, "bytes", range, 260, 80);
			graph_img(o, path, "active", range, 260, 80);
			outbuf_putc(o, '\n');
		}
		if (!sv->n_dests)
			continue;
		outbuf_puts(o, "<table><tr><th class=\"l\">real server</th><th>forward</th>"
			       "<th>weight</th><th>active</th><th>inactive</th><th>persistent</th>"
			       "<th>conns</th><th class=\"l\">health</th>");
		if (opt->history && opt->rs_history)
			outbuf_puts(o, "<th class=\"l\">new connections/s</th>");
		outbuf_puts(o, "</tr>\n");
		for (size_t j = 0; j < sv->n_dests; j++) {
			const struct lvs_dest *d = &sv->dests[j];
			lvs_addr_ntop(d->af, &d->addr, a, sizeof(a));
			static const char *const hn[] = { "unknown", "up", "down" };
			int h = d->health >= 0 && d->health <= 2 ? d->health : 0;
			outbuf_printf(o,
				      "<tr><td class=\"l\">%s%s%s:%u</td><td>%s</td><td>%d</td>"
				      "<td>%u</td><td>%u</td><td>%u</td><td>%" PRIu64 "</td>"
				      "<td class=\"l %s\">%s</td>",
				      d->af == AF_INET6 ? "[" : "", a, d->af == AF_INET6 ? "]" : "",
				      d->port, lvs_fwd_name(d->fwd), d->weight, d->active_conns,
				      d->inact_conns, d->persist_conns, d->stats.conns, hn[h], hn[h]);
			if (opt->history && opt->rs_history && sid[0] &&
			    !rrd_spec_dest_id(d, did, sizeof(did))) {
				snprintf(path, sizeof(path), "real-server/%s/%s", sid, did);
				outbuf_puts(o, "<td class=\"l\">");
				/* One legend line keeps the table's rows short. */
				graph_img(o, path, "conns", range, 240, 80);
				outbuf_puts(o, "</td>");
			}
			outbuf_puts(o, "</tr>\n");
		}
		outbuf_puts(o, "</table>\n");
	}
	outbuf_puts(o, "</body></html>\n");
	return outbuf_failed(o) ? -ENOMEM : 0;
}
