/* lvstop: command-line entry. A first word that is not an option names a
 * command: one of the actions (actions/cli.h), `help [COMMAND]`, or an
 * unknown one (named, with the nearest command). Otherwise the options run
 * one of the modes: the full-screen console (the default), or --once (text
 * or JSON, one frame or -n frames -d seconds apart). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/cli.h"
#include "collector/collector.h"
#include "collector/declared/declared.h"
#include "collector/snapshot.h"
#include "share/log.h"
#include "app.h"
#include "doctor_cmd.h"
#include "console.h"
#include "diff_cmd.h"
#include "panel_zoom.h"
#include "lvsd_health.h"
#include "remote.h"
#include "once.h"
#include "pace.h"

#define LVSTOP_VERSION "0.1.0"

struct main_opts {
	bool once, loop, no_conns, read_only, no_color;
	struct once_opts out;
	long iterations; /* 0: until interrupted */
	bool iterations_set;
	double delay;
	const char *replay, *record;
	uint64_t conn_limit;
	const char *remote[REMOTE_MAX + 1]; /* --remote URL [URL...] */
	size_t n_remote;
	const char *lvsd; /* --lvsd URL */
	const char *columns; /* --columns LIST */
	const char *declared; /* --keepalived FILE / --lvs-cf FILE */
	int declared_kind;
	bool no_declared;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lvstop [--once [--json]] [--exact] [-n N] [-d SECONDS] [--read-only]\n"
		"              [--no-color] [--replay FILE [--loop]] [--record FILE]\n"
		"              [--no-conns] [--conn-limit N] [--lvsd URL] [--columns LIST]\n"
		"              [--keepalived FILE | --lvs-cf FILE | --no-declared]\n"
		"       lvstop --remote URL [URL...] [-d SECONDS] [-n N] [--no-color]\n"
		"              [--columns LIST]\n"
		"       lvstop COMMAND [ARGS]   (lvstop help COMMAND describes one)\n"
		"  (no mode)       the full-screen console (q quits, F1 or ? for help)\n"
		"  --once          print the IPVS table (like ipvsadm -Ln --stats --rate) and exit\n"
		"  --json          print it as one JSON document per frame (implies --once)\n"
		"  --exact         raw numbers instead of K/M/G units\n"
		"  -n N            --once: print N frames, one per poll (0: until interrupted;\n"
		"                  default 1); console: exit after N refreshes (default: never)\n"
		"  --read-only     console: no key may change the kernel (shown in the header)\n"
		"  --no-color      console: monochrome (also when NO_COLOR is set)\n"
		"  --columns LIST  console: columns to show (+NAME, NAME) or leave out (-NAME),\n"
		"                  comma-separated, or all; by default pers, inpps and outpps\n"
		"                  are left out (C shows every column); names: proto, sched,\n"
		"                  weight, active, inact, pers, cps, inpps, outpps, inbps,\n"
		"                  outbps, share, health, history, flags\n"
		"  -d SECONDS      poll interval (default 2, the kernel's estimator period)\n"
		"  --replay FILE   read snapshots from a recording instead of the kernel\n"
		"  --loop          start a recording over at its end\n"
		"  --record FILE   append every snapshot polled to FILE, one JSON line each\n"
		"  --no-conns      do not read /proc/net/ip_vs_conn\n"
		"  --conn-limit N  read at most N connection entries per poll (default 2000000)\n"
		"  --remote URL... the console over these directors' lvsd (HOST:PORT or\n"
		"                  http[s]://HOST:PORT), one section each; read-only\n"
		"  --lvsd URL      the lvsd whose health the console shows and whose rrd\n"
		"                  history the zoom reads (default: exporter.listen of\n"
		"                  " LVSD_CONF_PATH ", else %s;\n"
		"                  with --replay only when given)\n"
		"  --keepalived FILE, --lvs-cf FILE\n"
		"                  console: mark the table against this declared file (default:\n"
		"                  " LVS_DECL_KEEPALIVED_PATH " or " LVS_DECL_LVSCF_PATH ",\n"
		"                  whichever exists; with --replay only when given)\n"
		"  --no-declared   console: no declared file, no marks\n"
		"  -V, --version   print the version\n", LVSD_DEFAULT_URL);
	fprintf(f, "commands (SERVICE is -t|-u|--sctp-service ADDR:PORT or -f MARK [-6];\n"
		   "all but diff, doctor and help change the IPVS table):\n");
	actions_cli_list(f);
}

/* A word in the command's place that names no command. */
static int unknown_command(const char *word)
{
	char w[96];
	bool close;
	const char *near = actions_cli_suggest(word, &close);
	log_clean(w, sizeof(w), word, strlen(word));
	if (close)
		fprintf(stderr, "lvstop: unknown command \"%s\" (did you mean \"%s\"? "
			"lvstop help lists the commands)\n", w, near);
	else
		fprintf(stderr, "lvstop: unknown command \"%s\" (the nearest is \"%s\"; "
			"lvstop help lists the commands)\n", w, near);
	return 2;
}

/* lvstop help [COMMAND] */
static int help_command(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	if (argc > 2) {
		fprintf(stderr, "lvstop: help takes one command (lvstop help COMMAND)\n");
		return 2;
	}
	if (actions_cli_changes_nothing(argv[1]) || actions_cli_is_command(argv[1]))
		return actions_cli_help(stdout, argv[1]) ? 2 : 0;
	return unknown_command(argv[1]);
}

static int parse_long(const char *opt, const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "lvstop: %s: expected a whole number from %ld to %ld, got \"%s\"\n",
			opt, min, max, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct main_opts *o)
{
	enum { O_ONCE = 256, O_JSON, O_EXACT, O_REPLAY, O_LOOP, O_RECORD, O_NOCONNS, O_CONNLIMIT,
	       O_READONLY, O_NOCOLOR, O_REMOTE, O_LVSD, O_KA, O_LVSCF, O_NODECL, O_COLUMNS };
	static const struct option longs[] = {
		{ "once", no_argument, NULL, O_ONCE },
		{ "json", no_argument, NULL, O_JSON },
		{ "exact", no_argument, NULL, O_EXACT },
		{ "replay", required_argument, NULL, O_REPLAY },
		{ "loop", no_argument, NULL, O_LOOP },
		{ "record", required_argument, NULL, O_RECORD },
		{ "no-conns", no_argument, NULL, O_NOCONNS },
		{ "conn-limit", required_argument, NULL, O_CONNLIMIT },
		{ "read-only", no_argument, NULL, O_READONLY },
		{ "no-color", no_argument, NULL, O_NOCOLOR },
		{ "remote", required_argument, NULL, O_REMOTE },
		{ "lvsd", required_argument, NULL, O_LVSD },
		{ "keepalived", required_argument, NULL, O_KA },
		{ "lvs-cf", required_argument, NULL, O_LVSCF },
		{ "no-declared", no_argument, NULL, O_NODECL },
		{ "columns", required_argument, NULL, O_COLUMNS },
		{ "iterations", required_argument, NULL, 'n' },
		{ "delay", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	long v;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:d:hV", longs, NULL)) != -1) {
		switch (c) {
		case O_ONCE: o->once = true; break;
		case O_JSON: o->once = o->out.json = true; break;
		case O_EXACT: o->out.exact = true; break;
		case O_REPLAY: o->replay = optarg; break;
		case O_LOOP: o->loop = true; break;
		case O_RECORD: o->record = optarg; break;
		case O_NOCONNS: o->no_conns = true; break;
		case O_READONLY: o->read_only = true; break;
		case O_NOCOLOR: o->no_color = true; break;
		case O_LVSD: o->lvsd = optarg; break;
		case O_KA:
		case O_LVSCF:
			if (o->declared) {
				fprintf(stderr, "lvstop: give one of --keepalived and --lvs-cf\n");
				return -EINVAL;
			}
			o->declared = optarg;
			o->declared_kind = c == O_KA ? LVS_DECL_KEEPALIVED : LVS_DECL_LVSCF;
			break;
		case O_NODECL: o->no_declared = true; break;
		case O_COLUMNS: {
			unsigned hide = LAYOUT_HIDE_DEFAULT;
			char err[256];
			if (layout_parse_columns(optarg, &hide, err, sizeof(err))) {
				fprintf(stderr, "lvstop: --columns: %s\n", err);
				return -EINVAL;
			}
			o->columns = optarg;
			break;
		}
		case O_REMOTE:
			if (o->n_remote <= REMOTE_MAX)
				o->remote[o->n_remote++] = optarg;
			break;
		case O_CONNLIMIT:
			if (parse_long("--conn-limit", optarg, 1, LONG_MAX, &v))
				return -EINVAL;
			o->conn_limit = (uint64_t)v;
			break;
		case 'n':
			if (parse_long("-n", optarg, 0, INT_MAX, &v))
				return -EINVAL;
			o->iterations = v;
			o->iterations_set = true;
			break;
		case 'd': {
			char *end;
			errno = 0;
			double d = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(d >= 0.1 && d <= 3600)) {
				fprintf(stderr, "lvstop: -d: expected seconds from 0.1 to 3600, got \"%s\"\n", optarg);
				return -EINVAL;
			}
			o->delay = d;
			break;
		}
		case 'h': usage(stdout); exit(0);
		case 'V': printf("lvstop %s\n", LVSTOP_VERSION); exit(0);
		case ':':
			fprintf(stderr, "lvstop: %s needs an argument\n", argv[optind - 1]);
			return -EINVAL;
		default:
			fprintf(stderr, "lvstop: unknown option \"%s\" (see lvstop --help)\n", argv[optind - 1]);
			return -EINVAL;
		}
	}
	/* --remote A B C: the words after it are more URLs. */
	while (o->n_remote && optind < argc && o->n_remote <= REMOTE_MAX)
		o->remote[o->n_remote++] = argv[optind++];
	if (o->n_remote > REMOTE_MAX) {
		fprintf(stderr, "lvstop: --remote: at most %d directors at once\n", REMOTE_MAX);
		return -EINVAL;
	}
	if (o->n_remote && (o->once || o->replay || o->record || o->declared)) {
		fprintf(stderr, "lvstop: --remote is the console over lvsd instances; "
			"it goes without --once, --json, --replay, --record and a declared file\n");
		return -EINVAL;
	}
	if (o->declared && o->no_declared) {
		fprintf(stderr, "lvstop: --no-declared goes without --keepalived and --lvs-cf\n");
		return -EINVAL;
	}
	if (optind < argc) {
		fprintf(stderr, "lvstop: unexpected argument \"%s\" (see lvstop --help)\n", argv[optind]);
		return -EINVAL;
	}
	if (o->loop && !o->replay) {
		fprintf(stderr, "lvstop: --loop goes with --replay FILE\n");
		return -EINVAL;
	}
	return 0;
}

/* Wait for the next publication, at most `timeout` seconds. */
static void wait_publication(lvs_collector *c, double timeout)
{
	struct pollfd p = { .fd = collector_notify_fd(c), .events = POLLIN };
	if (poll(&p, 1, (int)(timeout * 1000)) > 0)
		collector_notify_drain(c);
}

static int run_once(lvs_collector *c, const struct main_opts *o)
{
	struct lvs_status st;
	bool printed_good = false;
	if (o->iterations == 1) {
		int r = collector_poll(c);
		struct lvs_snapshot *s = collector_acquire(c, &st);
		if (r) {
			fprintf(stderr, "lvstop: %s\n", st.msg);
			snapshot_unref(s);
			return 1;
		}
		r = once_print(stdout, s, NULL, &o->out);
		snapshot_unref(s);
		return r ? 1 : 0;
	}
	if (collector_start(c)) {
		fprintf(stderr, "lvstop: cannot start the poller thread\n");
		return 1;
	}
	uint64_t seen = 0;
	for (long i = 0; o->iterations == 0 || i < o->iterations;) {
		wait_publication(c, (o->delay > 0 ? o->delay : LVS_POLL_INTERVAL) * 3);
		struct lvs_snapshot *s = collector_acquire(c, &st);
		if (st.seq == seen) {
			snapshot_unref(s);
			continue; /* woken without news */
		}
		seen = st.seq;
		if (st.ended) {
			snapshot_unref(s);
			break;
		}
		if (i && !o->out.json)
			fputc('\n', stdout);
		int r = once_print(stdout, s, &st, &o->out);
		fflush(stdout);
		printed_good |= s && !st.stale;
		snapshot_unref(s);
		if (r)
			break;
		i++;
	}
	collector_stop(c);
	return printed_good ? 0 : 1;
}

static void console_error(int r)
{
	if (r == -ENOTTY)
		fprintf(stderr, "lvstop: the console needs a terminal (TERM=%s); "
			"--once prints the table as text\n", getenv("TERM") ? getenv("TERM") : "");
	else if (r)
		fprintf(stderr, "lvstop: console: %s\n", strerror(-r));
}

/* The console over several directors' lvsd: one collector each. */
static int run_remote(const struct main_opts *o, const char *lvsd_url)
{
	char urls[REMOTE_MAX][REMOTE_URL_MAX], err[300];
	if (remote_parse_urls(o->remote, o->n_remote, urls, err, sizeof(err))) {
		fprintf(stderr, "lvstop: %s\n", err);
		return 2;
	}
	struct lvs_remote_opts ro = LVS_REMOTE_OPTS_DEFAULT;
	struct remote_set *rs;
	if (remote_set_new(urls, o->n_remote, o->delay, &ro, &rs, err, sizeof(err))) {
		fprintf(stderr, "lvstop: %s\n", err);
		return 1;
	}
	struct console_opts cons = {
		.interval = o->delay,
		.iterations = o->iterations,
		.read_only = true, /* over HTTP there is nothing to edit */
		.exact = o->out.exact,
		.no_color = o->no_color,
		.columns = o->columns,
		.source = "remote",
	};
	int r = console_run_ex(rs->d[0].col, &cons, rs, lvsd_url);
	console_error(r);
	remote_set_free(rs);
	return r ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "diff"))
		return diff_cmd_main(argc - 1, argv + 1);
	if (argc > 1 && actions_cli_is_command(argv[1]))
		return actions_cli_main(argc - 1, argv + 1);
	if (argc > 1 && doctor_cmd_is_command(argv[1]))
		return doctor_cmd_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "help"))
		return help_command(argc - 1, argv + 1);
	if (argc > 1 && argv[1][0] != '-')
		return unknown_command(argv[1]); /* the console takes no words */
	struct main_opts o = { .iterations = 1 };
	if (parse_args(argc, argv, &o))
		return 2;
	if (!o.once && !o.iterations_set)
		o.iterations = 0; /* the console runs until q */

	static char lvsd_url[REMOTE_URL_MAX];
	char msg[256];
	if (o.lvsd && remote_url_base(o.lvsd, lvsd_url, sizeof(lvsd_url), msg, sizeof(msg))) {
		fprintf(stderr, "lvstop: --lvsd: %s\n", msg);
		return 2;
	}
	if (o.n_remote)
		return run_remote(&o, o.lvsd ? lvsd_url : NULL);
	struct lvs_source *src;
	if (o.replay) {
		src = source_replay_new(o.replay, o.loop, msg, sizeof(msg));
		if (!src) {
			fprintf(stderr, "lvstop: %s\n", msg);
			return 1;
		}
	} else {
		struct lvs_kernel_opts ko = { .read_conns = !o.no_conns, .conn = LVS_CONN_OPTS_DEFAULT };
		if (o.conn_limit)
			ko.conn.max_lines = o.conn_limit;
		src = source_kernel_new(&ko);
	}
	FILE *rec = NULL;
	if (o.record && !(rec = fopen(o.record, "a"))) {
		fprintf(stderr, "lvstop: cannot open %s for recording: %s\n", o.record, strerror(errno));
		source_free(src);
		return 1;
	}
	struct lvs_collector_opts co = { .interval = o.delay, .record = rec };
	/* The console shows the health of the lvsd on this director (or the
	 * one named), fetched on a thread of its own. A recording is another
	 * time and maybe another machine: only with --lvsd. */
	lvsd_health *health = NULL;
	bool from_conf = false;
	if (!o.once && !o.lvsd && !o.replay)
		lvsd_local_url(lvsd_url, sizeof(lvsd_url), &from_conf);
	if (!o.once && lvsd_url[0]) {
		struct lvs_remote_opts ho = LVS_REMOTE_OPTS_DEFAULT;
		ho.timeout = 5.0; /* a local lvsd answers at once; keep the thread's stop short */
		if ((health = lvsd_health_new(lvsd_url, o.delay, &ho))) {
			co.annotate = lvsd_health_annotate;
			co.annotate_arg = health;
		}
	}
	/* The full-screen console paces the poller: the next snapshot is read
	 * once the last one is on screen (at most one interval later). */
	struct console_pace pace;
	bool paced = !o.once && !console_pace_init(&pace, o.delay > 0 ? o.delay : LVS_POLL_INTERVAL);
	if (paced) {
		co.before_poll = console_pace_before_poll;
		co.before_poll_arg = &pace;
	}
	lvs_collector *c = src ? collector_new(src, &co) : NULL;
	if (!c) {
		fprintf(stderr, "lvstop: out of memory\n");
		lvsd_health_free(health);
		if (paced)
			console_pace_destroy(&pace);
		return 1;
	}
	pace.col = c;
	int rc;
	if (o.once) {
		rc = run_once(c, &o);
	} else {
		struct console_opts cons = {
			.interval = o.delay,
			.iterations = o.iterations,
			.read_only = o.read_only,
			.exact = o.out.exact,
			.no_color = o.no_color,
			.columns = o.columns,
			.source = o.replay ? o.replay : "kernel",
			.health = health,
			/* A recording is another time and maybe another
			 * machine: its declared file only when named. */
			.declared = !o.no_declared && (o.declared || !o.replay),
			.declared_path = o.declared,
			.declared_kind = o.declared_kind,
			.pace = paced ? &pace : NULL,
		};
		int r = console_run_ex(c, &cons, NULL, lvsd_url[0] ? lvsd_url : NULL);
		console_error(r);
		rc = r ? 1 : 0;
	}
	collector_free(c);
	if (paced)
		console_pace_destroy(&pace); /* after the poller that waits on it */
	lvsd_health_free(health); /* after the poller that calls its hook */
	if (rec)
		fclose(rec);
	return rc;
}
