/* lvsd: the IPVS monitoring daemon. Runs the collector's poller, the
 * health-check engine and the HTTP exporter; the main thread only waits
 * for signals and publications: at each publication it renders /metrics
 * once (and its gzip form) and refreshes the set of health checks.
 * Foreground; logs through share/log on stderr: "lvsd: ..." lines, or
 * "<N>" priority prefixes when stderr is the journal's stream. SIGHUP reloads the config
 * (a bad one is rejected and the running one stays); SIGTERM/SIGINT stop.
 * Usage and options: docs/lvsd.8. */
#include "lvsd.h"

#include "share/clock.h"
#include "share/log.h"
#include "share/seq_gate.h"
#include "share/worker.h"

#include "exporter/http/body.h"
#include "collector/collector.h"
#include "collector/health.h"
#include "collector/snapshot.h"
#include "declared_export.h"
#include "actions/audit.h"
#include "actions/undo.h"
#include "diagnosis.h"
#include "exporter/http/http.h"
#include "exporter/http/status_page.h"
#include "lvsd_checks.h"
#include "lvsd_conf.h"
#include "exporter/metrics/metrics.h"
#include "exporter/metrics/outbuf.h"
#include "quiesce.h"
#include "exporter/history/rrd_lib.h"
#include "exporter/history/rrd_store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>



struct cli {
	const char *config, *listen, *replay;
	double interval;
	bool loop, no_conns, check_only;
};

struct daemon {
	struct cli cli;
	struct lvsd_config *conf; /* owned: the running configuration */
	lvs_collector *coll;
	lvs_health *health;
	lvs_http *http;
	struct lvs_body *last_body; /* one reference: what http serves now */
	lvsd_quiesce *quiesce;
	rrd_store *history; /* NULL: history off */
	struct declared_export *declared; /* NULL under --replay */
	struct declared_export *roles;    /* the poller's own: the VRRP roles put
					   * in each snapshot; NULL under --replay */
	pthread_mutex_t roles_lock;       /* roles: the poller's annotate against
					   * a reload that re-reads or replaces it */
	lvs_undo *undo; /* NULL under --replay: lvstop changes the file's daemon undid */
	int undo_err;   /* of the last undo_poll: log changes only */
	struct lvs_metrics_self self;
	uint64_t seen_seq;
	int last_err;      /* of the last publication: log changes only */
	unsigned rs_groups_out; /* real-server groups the series budget left out
				 * of the last render (0: none): a change is
				 * logged */
	bool ended_logged; /* a recording's end, once */
	uint64_t checks_hash;
	bool checks_set;
	/* The next poll waits until the last publication is rendered (at
	 * most RENDER_GATE_INTERVALS intervals): a snapshot being read and
	 * the render's two bodies are not alive at once. */
	struct seq_gate gate;
	bool gate_ok;
};

/* The collector's hook, on the poller: health results, then the VRRP
 * roles (for /api/v1/snapshot). */
static void annotate(void *arg, struct lvs_snapshot *s)
{
	struct daemon *d = arg;
	health_annotate(d->health, s);
	pthread_mutex_lock(&d->roles_lock);
	if (d->roles)
		declared_export_annotate(d->roles, s);
	pthread_mutex_unlock(&d->roles_lock);
}

#define RENDER_GATE_INTERVALS 10

/* The poller runs at this nice value, below libmicrohttpd's threads that
 * answer scrapes, the health checks and this thread: where the CPU is
 * short (a busy director, or emulation, where a poll of 100,000 real
 * servers outlasts the interval) a scrape of the last body no longer
 * shares the CPU equally with the next poll. What a poll waits shows in
 * lvsd_poll_duration_seconds and lvsd_last_poll_timestamp_seconds. (This
 * thread, which renders, stays: a reload may start the listener's
 * threads from it again, and they would inherit its priority.) */
#define POLL_NICE 10

static void usage(FILE *f)
{
	fputs("usage: lvsd [--config FILE] [--listen ADDR:PORT] [--interval SECONDS]\n"
	      "            [--replay FILE [--loop]] [--no-conns] [--check-config] [-V]\n"
	      "  --config FILE       configuration (libconfig syntax; see lvsd(8))\n"
	      "  --listen ADDR:PORT  HTTP listen address (default " LVSD_DEFAULT_LISTEN ")\n"
	      "  --interval SECONDS  seconds between IPVS polls (default 2)\n"
	      "  --replay FILE       read snapshots from a recording instead of the kernel\n"
	      "  --loop              start the recording over at its end\n"
	      "  --no-conns          do not read /proc/net/ip_vs_conn\n"
	      "  --check-config      validate the configuration and exit\n"
	      "  -V, --version       print the version and exit\n",
	      f);
}

static int parse_cli(int argc, char **argv, struct cli *o)
{
	enum { O_CONFIG = 256, O_LISTEN, O_INTERVAL, O_REPLAY, O_LOOP, O_NOCONNS, O_CHECK };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, O_CONFIG },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "replay", required_argument, NULL, O_REPLAY },
		{ "loop", no_argument, NULL, O_LOOP },
		{ "no-conns", no_argument, NULL, O_NOCONNS },
		{ "check-config", no_argument, NULL, O_CHECK },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "Vh", opts, NULL)) != -1) {
		switch (c) {
		case O_CONFIG: o->config = optarg; break;
		case O_LISTEN: {
			/* A bad address on the command line is a usage error
			 * (exit 2), like a bad --interval; one in the file is
			 * a configuration error (exit 1). */
			struct sockaddr_storage ss;
			socklen_t sl;
			char why[256];
			if (http_parse_listen(optarg, &ss, &sl, why, sizeof(why))) {
				fprintf(stderr, "lvsd: --listen: %s\n", why);
				return -1;
			}
			o->listen = optarg;
			break;
		}
		case O_INTERVAL:
			o->interval = strtod(optarg, &end);
			if (*end || !(o->interval >= 0.1) || o->interval > 86400) {
				fprintf(stderr, "lvsd: --interval wants seconds, 0.1 to 86400 (got '%s')\n",
					optarg);
				return -1;
			}
			break;
		case O_REPLAY: o->replay = optarg; break;
		case O_LOOP: o->loop = true; break;
		case O_NOCONNS: o->no_conns = true; break;
		case O_CHECK: o->check_only = true; break;
		case 'V': printf("lvsd %s\n", LVSD_VERSION); exit(0);
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "lvsd: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (o->loop && !o->replay) {
		fprintf(stderr, "lvsd: --loop goes with --replay FILE\n");
		return -1;
	}
	return 0;
}

/* Load the config named on the command line (or the defaults) with the
 * command line's overrides applied. 0 or -errno with err set. */
static int load_config(const struct cli *o, struct lvsd_config **out, char *err, size_t errlen)
{
	struct lvsd_config *c = NULL;
	if (o->config) {
		int r = lvsd_conf_load(o->config, &c, err, errlen);
		if (r)
			return r;
	} else if (!(c = lvsd_conf_default())) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (o->listen) {
		struct sockaddr_storage ss;
		socklen_t sl;
		char *l = strdup(o->listen);
		if (!l) {
			lvsd_conf_free(c);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		free(c->listen);
		c->listen = l;
		if (http_parse_listen(l, &ss, &sl, err, errlen)) {
			lvsd_conf_free(c);
			return -EINVAL;
		}
	}
	if (o->interval > 0)
		c->interval = o->interval;
	*out = c;
	return 0;
}

/* Whether ADDR:PORT reaches beyond this host: anything but 127.0.0.0/8
 * and ::1 (a name that does not parse was refused earlier). */
static bool listen_is_exposed(const char *listen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char why[256];
	if (http_parse_listen(listen ? listen : LVSD_DEFAULT_LISTEN, &ss, &sl, why, sizeof(why)))
		return false;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
		return (ntohl(a->sin_addr.s_addr) >> 24) != 127;
	}
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&ss;
	if (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr))
		return a6->sin6_addr.s6_addr[12] != 127;
	return !IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
}

/* The table, its health and the quiesce endpoints are readable by anyone
 * who reaches the port: say so when that is more than this host. */
static void warn_if_exposed(const struct lvsd_config *c)
{
	if (!listen_is_exposed(c->listen) || (c->tls_cert && c->auth_file))
		return;
	const char *l = c->listen ? c->listen : LVSD_DEFAULT_LISTEN;
	if (!c->tls_cert && !c->auth_file)
		log_warn("listening on %s beyond loopback without TLS or authentication: anyone who "
			 "reaches the port reads the IPVS table (exporter.tls_cert, exporter.auth_file)", l);
	else if (!c->tls_cert)
		log_warn("listening on %s beyond loopback without TLS: passwords and the IPVS table "
			 "cross the network in clear (exporter.tls_cert)", l);
	else
		log_warn("listening on %s beyond loopback without authentication: anyone who reaches "
			 "the port reads the IPVS table (exporter.auth_file)", l);
}

static void http_opts_of(const struct lvsd_config *c, struct lvs_http_opts *h)
{
	*h = (struct lvs_http_opts){
		.listen = c->listen,
		.tls_cert = c->tls_cert,
		.tls_key = c->tls_key,
		.auth_file = c->auth_file,
		.threads = c->threads,
		.per_client = c->per_client,
		.header_timeout = c->header_timeout,
	};
}

static bool str_differs(const char *a, const char *b)
{
	return (!a != !b) || (a && strcmp(a, b));
}

static bool listener_differs(const struct lvsd_config *a, const struct lvsd_config *b)
{
	/* An auth file is re-read at every reload: its users may change
	 * while its name does not. */
	return str_differs(a->listen, b->listen) || str_differs(a->tls_cert, b->tls_cert) ||
	       str_differs(a->tls_key, b->tls_key) || str_differs(a->auth_file, b->auth_file) ||
	       a->auth_file || a->threads != b->threads || a->per_client != b->per_client ||
	       a->header_timeout != b->header_timeout;
}

/* --- per publication ---------------------------------------------------------- */

static void refresh_checks(struct daemon *d, const struct lvs_snapshot *s, bool force)
{
	bool defaults = !d->cli.replay;
	/* Most polls find the same real servers: fingerprint first, build the
	 * set only when it changed. */
	uint64_t h = lvsd_checks_fingerprint(d->conf, s, defaults);
	if (!force && d->checks_set && h == d->checks_hash)
		return;
	/* Straight into the engine's set, one spec at a time: the specs that
	 * share a check (every default one) share one copy. */
	struct lvs_check_set *set = health_set_new();
	if (!set || lvsd_checks_fill(d->conf, s, defaults, set) == -ENOMEM) {
		health_set_free(set);
		log_err("health: out of memory building the check set; keeping the current one");
		return;
	}
	size_t n = health_set_size(set);
	int r = health_set_apply(d->health, set);
	if (r) {
		log_err("health: cannot apply %zu checks: %s", n, strerror(-r));
		return;
	}
	if (!d->checks_set || d->self.checks != n)
		log_info("health: %zu check%s", n, n == 1 ? "" : "s");
	d->checks_hash = h;
	d->checks_set = true;
	d->self.checks = n;
}

/* Changes lvstop made that keepalived (or nanny) put back since the last
 * poll: into the log (the audit log has them already, marked once). */
static void report_undone(struct daemon *d, const struct lvs_snapshot *s)
{
	struct lvs_undo_event *ev;
	size_t n;
	char clean[2 * LVS_UNDO_TEXT_MAX];
	int r = undo_poll(d->undo, s, declared_export_table(d->declared), &ev, &n);
	if (r != d->undo_err) {
		if (r)
			log_warn("audit log %s: cannot read it for changes keepalived undid: %s",
				 audit_default_path(), strerror(-r));
		d->undo_err = r;
	}
	for (size_t i = 0; i < n; i++) {
		/* Users and times come from the audit log: a file. */
		log_clean(clean, sizeof(clean), ev[i].text, strlen(ev[i].text));
		log_notice("%s", clean);
		if (!ev[i].marked)
			log_warn("audit log %s: cannot record that: %s", audit_default_path(),
				 strerror(-ev[i].mark_err));
	}
	free(ev);
}

/* The per-real-server groups the series budget keeps, said once per change. */
static void log_rs_groups(unsigned g, const struct lvs_snapshot *s, uint64_t max_series)
{
	if (g == LVS_RSG_ALL) {
		log_notice("metrics: exporter.max_series (%" PRIu64 ") leaves no real-server "
			   "series out now (%zu real servers)", max_series, s->n_dests);
		return;
	}
	char out[160] = "";
	size_t o = 0;
	unsigned bit;
	/* In the order /metrics names them. */
	for (size_t i = 0; (bit = metrics_rs_group_at(i)); i++) {
		const char *n = metrics_rs_group_name(bit);
		if (!(g & bit) && n && o < sizeof(out))
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", o ? ", " : "", n);
	}
	log_notice("metrics: every series of %zu real servers would pass exporter.max_series (%" PRIu64
		   "): left out of /metrics: %s (real_server_metrics or max_series choose)",
		   s->n_dests, max_series, out);
}

/* Render /metrics for the newest publication and hand it to the server. */
static void publish(struct daemon *d, bool force)
{
	struct lvs_status st;
	struct lvs_snapshot *s = collector_acquire(d->coll, &st);
	if (!force && st.seq == d->seen_seq) {
		snapshot_unref(s);
		return;
	}
	bool fresh = st.seq != d->seen_seq;
	d->seen_seq = st.seq;
	/* Log when polling starts failing or recovers, not at every poll. */
	if (st.err != d->last_err) {
		if (st.err)
			log_warn("poll failed: %s", st.msg[0] ? st.msg : strerror(-st.err));
		else if (st.polls > 1)
			log_notice("poll works again");
		d->last_err = st.err;
	}
	if (st.ended && !d->ended_logged) {
		log_notice("%s", st.msg[0] ? st.msg : "end of recording");
		d->ended_logged = true;
	}
	http_set_poll_error(d->http, st.err ? (st.msg[0] ? st.msg : strerror(-st.err)) : "");
	if (s)
		refresh_checks(d, s, force);
	/* Hand the server the new snapshot (with the body it serves now)
	 * before rendering: the previous snapshot, tens of megabytes on a
	 * large table, is freed now instead of living through the render. */
	if (s && d->last_body)
		http_publish(d->http, d->last_body, s, st.stale);
	double t0 = clock_mono_s();
	/* The exposition streams through a small buffer into the body
	 * builder (deflated as it goes): its plain text never exists whole,
	 * which at 100,000 real servers is tens of megabytes saved. */
	struct outbuf out;
	struct body_builder bb;
	outbuf_init(&out);
	bool building = !body_builder_init(&bb, d->conf->gzip_level);
	if (building)
		outbuf_set_spill(&out, body_builder_add, &bb, 256 << 10);
	/* The history writer gets each new snapshot once; a stale one (polls
	 * failing) is the last good one again, already written. */
	if (s && d->history && fresh && !st.stale)
		rrd_store_push(d->history, s);
	/* The diagnosis first: lvsd_health_checks stays the body's last line
	 * without history. A recording's objects are not this machine's: no
	 * diagnosis then. */
	int r = building ? diagnosis_run(&out, d->cli.replay ? NULL : s) : -ENOMEM;
	if (!r && d->declared)
		r = declared_export_run(d->declared, &out, s);
	if (s && fresh && !st.stale && d->undo && d->declared)
		report_undone(d, s);
	unsigned left_out = 0;
	if (!r)
		r = metrics_render(&out, s, &st, &d->conf->metrics, &d->self, &left_out);
	if (!r && s && left_out != d->rs_groups_out) {
		log_rs_groups(LVS_RSG_ALL & ~left_out, s, d->conf->metrics.max_series);
		d->rs_groups_out = left_out;
	}
	if (!r) {
		rrd_store_render_metrics(d->history, &out);
		r = outbuf_flush(&out);
	}
	struct lvs_body *b = NULL;
	if (!r)
		b = body_builder_finish(&bb);
	else if (building)
		body_builder_abort(&bb);
	outbuf_done(&out);
	if (b) {
		http_publish(d->http, b, s, st.stale);
		body_unref(d->last_body);
		d->last_body = b;
	} else {
		log_err("out of memory rendering /metrics; serving the previous body");
	}
	snapshot_unref(s);
	d->self.render_seconds = clock_mono_s() - t0;
	if (d->gate_ok)
		seq_gate_reach(&d->gate, st.seq);
}

/* The poller's wait before each poll (collector before_poll). */
static void before_poll(void *arg)
{
	struct daemon *d = arg;
	struct lvs_status st;
	snapshot_unref(collector_acquire(d->coll, &st));
	seq_gate_wait(&d->gate, st.seq);
}

/* health.from: what was mapped (info) and what could not be (warnings). */
static void log_health_notes(const struct lvsd_config *c)
{
	if (!c->health_from)
		return;
	size_t mapped = 0;
	for (size_t i = 0; i < c->n_health_notes; i++) {
		if (c->health_notes[i].warning)
			log_warn("health.from: %s", c->health_notes[i].text);
		else
			mapped++;
	}
	log_info("health.from: checks of %s (%zu line%s: lvsd --check-config lists them)",
		 c->health_from_path, mapped, mapped == 1 ? "" : "s");
}

static void reload(struct daemon *d)
{
	char err[512];
	struct lvsd_config *nc;
	if (d->declared)
		declared_export_reload(d->declared);
	pthread_mutex_lock(&d->roles_lock);
	if (d->roles)
		declared_export_reload(d->roles);
	pthread_mutex_unlock(&d->roles_lock);
	if (!d->cli.config) {
		log_warn("SIGHUP: started without --config: nothing to reload");
		return;
	}
	if (load_config(&d->cli, &nc, err, sizeof(err))) {
		log_err("reload rejected, the running configuration stays: %s", err);
		d->self.reloads_failed++;
		d->self.last_reload_ok = false;
		publish(d, true);
		return;
	}
	if (listener_differs(d->conf, nc)) {
		struct lvs_http_opts ho;
		http_stop(d->http);
		http_opts_of(nc, &ho);
		warn_if_exposed(nc);
		if (http_start(d->http, &ho, err, sizeof(err))) {
			char err2[512];
			log_err("reload rejected, the running configuration stays: %s", err);
			http_opts_of(d->conf, &ho);
			if (http_start(d->http, &ho, err2, sizeof(err2)))
				log_err("cannot listen again with the running configuration: %s", err2);
			lvsd_conf_free(nc);
			d->self.reloads_failed++;
			d->self.last_reload_ok = false;
			publish(d, true);
			return;
		}
	}
	if (nc->read_conns != d->conf->read_conns || nc->conn_limit != d->conf->conn_limit ||
	    nc->history_budget != d->conf->history_budget)
		log_notice("reload: daemon.read_connections, connection_limit and history_mib take "
		       "effect at the next start");
	if (str_differs(nc->history_dir, d->conf->history_dir) ||
	    str_differs(nc->history_daemon, d->conf->history_daemon) ||
	    nc->history_rs != d->conf->history_rs || nc->history_queue != d->conf->history_queue ||
	    memcmp(&nc->history_spec, &d->conf->history_spec, sizeof(nc->history_spec)))
		log_notice("reload: the history settings take effect at the next start");
	collector_set_interval(d->coll, nc->interval);
	seq_gate_set_bound(&d->gate, nc->interval * RENDER_GATE_INTERVALS);
	if (d->declared && (str_differs(nc->declared_path, d->conf->declared_path) ||
			    nc->declared_kind != d->conf->declared_kind)) {
		struct declared_export *x = declared_export_new(nc->declared_path,
								 (enum lvs_decl_kind)nc->declared_kind);
		struct declared_export *r = x ? declared_export_new(nc->declared_path,
								    (enum lvs_decl_kind)nc->declared_kind)
					      : NULL;
		if (x && r) {
			declared_export_free(d->declared);
			d->declared = x;
			/* the roles in the next snapshot follow the new file */
			pthread_mutex_lock(&d->roles_lock);
			struct declared_export *old_roles = d->roles;
			d->roles = r;
			pthread_mutex_unlock(&d->roles_lock);
			declared_export_free(old_roles);
		} else {
			declared_export_free(x);
			log_err("reload: out of memory; the declared file stays %s",
				d->conf->declared_path ? d->conf->declared_path : "where it was");
		}
	}
	struct lvsd_config *old = d->conf;
	d->conf = nc;
	log_health_notes(nc);
	d->self.reloads_ok++;
	d->self.last_reload_ok = true;
	/* The engine deep-copies specs, so the old config (whose strings the
	 * current specs point into) may go once the new set is applied. */
	publish(d, true);
	lvsd_conf_free(old);
	log_notice("configuration reloaded from %s", d->cli.config);
}

static void on_health_change(void *arg, const struct lvs_check_spec *spec,
			     const struct lvs_check_result *res, enum lvs_health from,
			     enum lvs_health to)
{
	struct daemon *d = arg;
	/* The engine's thread: queue the change for the main thread, which
	 * may talk to the kernel (quiesce_on_failure). */
	quiesce_push(d->quiesce, spec, from, to);
	/* A first result of up is the normal start of every check: logging it
	 * would write one line per real server at each start. */
	if (from == LVS_HEALTH_UNKNOWN && to == LVS_HEALTH_UP)
		return;
	static const char *names[] = { "unknown", "up", "down" };
	char a[64];
	if (spec->af == AF_INET6) {
		char t[48];
		inet_ntop(AF_INET6, &spec->addr, t, sizeof(t));
		snprintf(a, sizeof(a), "[%s]:%u", t, spec->port);
	} else {
		char t[16];
		inet_ntop(AF_INET, &spec->addr, t, sizeof(t));
		snprintf(a, sizeof(a), "%s:%u", t, spec->port);
	}
	char why[160] = "";
	if (to == LVS_HEALTH_DOWN)
		health_reason_text(res, why, sizeof(why));
	log_notice("health: %s (%s check) %s -> %s%s%s", a, health_type_name(spec->type),
	       names[from >= 0 && from <= 2 ? from : 0], names[to >= 0 && to <= 2 ? to : 0],
	       why[0] ? ": " : "", why);
}

/* --- main ------------------------------------------------------------------------ */

static int start_collector(void *c)
{
	return collector_start(c);
}

static int run(struct daemon *d, int sfd)
{
	struct pollfd p[3] = {
		{ .fd = sfd, .events = POLLIN },
		{ .fd = collector_notify_fd(d->coll), .events = POLLIN },
		{ .fd = quiesce_fd(d->quiesce), .events = POLLIN },
	};
	for (;;) {
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			return 1;
		}
		if (p[1].revents & POLLIN) {
			collector_notify_drain(d->coll);
			publish(d, false);
		}
		if (p[2].revents & POLLIN)
			quiesce_apply(d->quiesce, d->conf);
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGHUP) {
				reload(d);
			} else {
				log_notice("signal %d: stopping", (int)si.ssi_signo);
				return 0;
			}
		}
	}
}

int main(int argc, char **argv)
{
	struct daemon d = { 0 };
	pthread_mutex_init(&d.roles_lock, NULL);
	char err[512];
	int rc = 1, sfd = -1;
	log_open("lvsd", 2);
	if (parse_cli(argc, argv, &d.cli))
		return 2;
	if (load_config(&d.cli, &d.conf, err, sizeof(err))) {
		log_err("%s", err);
		return 1;
	}
	if (d.cli.check_only) {
		printf("%s: ok\n", d.cli.config ? d.cli.config : "(defaults)");
		if (d.conf->health_from)
			printf("health checks from %s (%s):\n", d.conf->health_from_path,
			       declared_kind_name((enum lvs_decl_kind)d.conf->health_from));
		for (size_t i = 0; i < d.conf->n_health_notes; i++)
			printf("  %s\n", d.conf->health_notes[i].text);
		lvsd_conf_free(d.conf);
		return 0;
	}
	log_health_notes(d.conf);
	/* Bodies, snapshots and label tables of a large table are megabytes
	 * each, made and freed at every poll. A fixed mmap threshold (glibc's
	 * own grows to the largest block freed) gives them their own
	 * mappings, returned to the system when freed: no heap high-water
	 * mark kept resident, and no malloc_trim walking the heap while
	 * scrapes wait for its lock. */
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	/* No transparent huge pages (Debian's kernel has them "always"): the
	 * first write into a 2 MiB-aligned stretch of a thread's stack or
	 * arena, or of a block's own mapping, makes all 2 MiB of it
	 * resident, where lvsd touches a few pages or rounds a block up.
	 * lvsd reads its arrays once a poll: huge pages buy it little.
	 * Before any thread starts; kernels before 3.15 say EINVAL. */
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
		log_debug("transparent huge pages stay on: %s", strerror(errno));
	d.self.version = LVSD_VERSION;
	d.self.start_time = clock_wall_s();
	d.self.last_reload_ok = true;

	/* Block the signals before any thread starts, so every thread
	 * inherits the mask and they arrive only through the signalfd. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) ||
	    (sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
		log_err("signalfd: %s", strerror(errno));
		goto out;
	}
	/* A scraper hanging up mid-response must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);

	struct lvs_source *src;
	if (d.cli.replay) {
		src = source_replay_new(d.cli.replay, d.cli.loop, err, sizeof(err));
		if (!src) {
			log_err("%s", err);
			goto out;
		}
	} else {
		/* No kernel rates of real servers: lvsd exports counters and
		 * computes its rates, and at 100,000 real servers they are
		 * 3.8 MiB in each of the two snapshots alive during a poll. */
		struct lvs_kernel_opts ko = { .read_conns = d.conf->read_conns && !d.cli.no_conns,
					      .no_dest_krates = true,
					      .conn = LVS_CONN_OPTS_DEFAULT };
		if (d.conf->conn_limit)
			ko.conn.max_lines = d.conf->conn_limit;
		if (!(src = source_kernel_new(&ko))) {
			log_err("out of memory");
			goto out;
		}
	}
	/* keepalived.conf or lvs.cf, where they usually are: drift and the
	 * VRRP role are this machine's, so not for a recording. */
	if (!d.cli.replay && !(d.declared = declared_export_new(d.conf->declared_path,
							     (enum lvs_decl_kind)d.conf->declared_kind))) {
		log_err("out of memory");
		source_free(src);
		goto out;
	}
	if (!d.cli.replay && !(d.roles = declared_export_new(d.conf->declared_path,
							  (enum lvs_decl_kind)d.conf->declared_kind))) {
		log_err("out of memory");
		source_free(src);
		goto out;
	}
	/* The audit log ($LVSTOP_AUDIT_LOG): lvstop changes of declared real
	 * servers, followed until keepalived undoes them. */
	if (!d.cli.replay && !(d.undo = undo_new(audit_default_path(), "lvsd", NULL))) {
		log_err("out of memory");
		source_free(src);
		goto out;
	}
	if (!(d.quiesce = quiesce_new())) {
		log_err("cannot create the quiesce queue: %s", strerror(errno));
		source_free(src);
		goto out;
	}
	struct lvs_health_opts hopts = { .on_change = on_health_change, .arg = &d };
	if (!(d.health = health_new(&hopts))) {
		log_err("cannot create the health-check engine: %s", strerror(errno));
		source_free(src);
		goto out;
	}
	struct lvs_collector_opts co = {
		.interval = d.conf->interval,
		/* The status page's sparklines read the in-process rings: a
		 * few dozen samples each of the connection rate alone (2
		 * bytes a sample), their total bounded by history_mib (a
		 * table too large for the budget gets shorter lines). */
		.ring_samples = STATUS_PAGE_SPARK,
		.ring_fields = LVS_RINGS_CPS,
		.ring_budget = d.conf->history_budget,
		.annotate = annotate,
		.annotate_arg = &d,
		.before_poll = before_poll,
		.before_poll_arg = &d,
	};
	int gr = seq_gate_init(&d.gate, d.conf->interval * RENDER_GATE_INTERVALS);
	if (gr) {
		log_err("cannot create the render gate: %s", strerror(-gr));
		source_free(src);
		goto out;
	}
	d.gate_ok = true;
	if (!(d.coll = collector_new(src, &co)) || !(d.http = http_new())) {
		log_err("out of memory");
		goto out;
	}
	if (d.conf->history_dir) {
		struct rrd_store_opts ro = { .dir = d.conf->history_dir,
					     .daemon = d.conf->history_daemon,
					     .real_servers = d.conf->history_rs,
					     .queue = d.conf->history_queue,
					     .spec = d.conf->history_spec };
		if (rrd_lib_open(err, sizeof(err))) {
			log_err("history: cannot open librrd: %s", err);
			goto out;
		}
		if (!(d.history = rrd_store_new(&ro))) {
			log_err("history: %s", strerror(errno));
			goto out;
		}
		http_set_history(d.http, d.history);
	}
	http_set_recent(d.http, collector_rings(d.coll));
	struct lvs_http_opts ho;
	http_opts_of(d.conf, &ho);
	warn_if_exposed(d.conf);
	if (http_start(d.http, &ho, err, sizeof(err))) {
		log_err("%s", err);
		goto out;
	}
	publish(&d, true); /* ipvs_up 0 until the first poll: never a 503 */
	int r;
	if ((d.history && (r = rrd_store_start(d.history))) || (r = health_start(d.health)) ||
	    (r = worker_call_lowered(POLL_NICE, start_collector, d.coll))) {
		log_err("cannot start a thread: %s", strerror(-r));
		goto out;
	}
	log_info("lvsd %s: polling %s every %gs", LVSD_VERSION,
	       d.cli.replay ? d.cli.replay : "the kernel", d.conf->interval);
	rc = run(&d, sfd);
out:
	/* Stop in dependency order: nothing publishes into a stopped server,
	 * no annotate runs against a freed engine. A poll waiting for a
	 * render that will not come goes at once. */
	if (d.gate_ok)
		seq_gate_release(&d.gate);
	if (d.coll)
		collector_stop(d.coll);
	if (d.http)
		http_stop(d.http);
	if (d.health)
		health_stop(d.health);
	collector_free(d.coll);
	http_free(d.http);
	body_unref(d.last_body);
	/* After the server: no graph request reads its settings any more. */
	rrd_store_free(d.history);
	health_free(d.health);
	quiesce_free(d.quiesce);
	declared_export_free(d.declared);
	declared_export_free(d.roles);
	pthread_mutex_destroy(&d.roles_lock);
	undo_free(d.undo);
	lvsd_conf_free(d.conf);
	if (d.gate_ok)
		seq_gate_destroy(&d.gate);
	if (sfd >= 0)
		close(sfd);
	return rc;
}
