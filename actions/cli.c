#include "actions/cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions/actions.h"
#include "actions/args.h"
#include "collector/declared/declared.h"
#include "collector/declared/drift.h"
#include "share/clock.h"

/* Every command: its arguments, one line for the list, and what `lvstop
 * help COMMAND` adds. The order is the list's. */
static const struct cmd_help {
	const char *name, *args, *summary, *detail;
} commands[] = {
	{ "quiesce", "SERVICE -r ADDR[:PORT]",
	  "weight 0 for a real server, its weight remembered for restore",
	  "The weight goes to the state file first, then the kernel gets weight 0:\n"
	  "no new connections, the existing ones continue. Quiescing a quiesced\n"
	  "server keeps the weight remembered then.\n" },
	{ "drain", "SERVICE -r ADDR[:PORT] [--wait [--timeout S] [--remove] [--interval S]] [--ignore-inactive]",
	  "quiesce, then follow the real server's connections down to none",
	  "--wait polls the active, inactive and persistent connections every\n"
	  "--interval S (default 1) with the rate and an ETA, until none is left;\n"
	  "--timeout S gives up (exit 3, the server stays at weight 0); --remove\n"
	  "deletes the real server once drained; --ignore-inactive is done when no\n"
	  "active or persistent connection is left (TIME_WAIT lasts 2 minutes).\n" },
	{ "restore", "SERVICE -r ADDR[:PORT]",
	  "give a quiesced or drained real server its remembered weight back",
	  "Refused when nothing is remembered (set a weight with `lvstop weight`).\n" },
	{ "weight", "SERVICE -r ADDR[:PORT] N|+N|-N",
	  "set a real server's weight, or change it by N (also -w N)",
	  "A relative change stops at 0 and 2147483647.\n" },
	{ "add-service", "SERVICE [-s SCHED] [-p [TIMEOUT]] [-M NETMASK] [-b FLAGS] [-o] [--pe NAME]",
	  "add a virtual service",
	  "ipvsadm's defaults: scheduler wlc, -p without a value 360 s. Port 0\n"
	  "(any port) needs -p.\n" },
	{ "edit-service", "SERVICE [-s SCHED] [-p [TIMEOUT] | --no-persistent] [-M NETMASK] [-b FLAGS] [-o | --no-ops] [--pe NAME]",
	  "change the given settings of a virtual service",
	  "Only what is given changes; --no-persistent and --no-ops turn\n"
	  "persistence and one-packet scheduling off.\n" },
	{ "del-service", "SERVICE",
	  "delete a virtual service with its real servers", "" },
	{ "add-server", "SERVICE -r ADDR[:PORT] [-g|-i|-m] [-w N] [-x N] [-y N] [--tun-type ipip|gue|gre] [--tun-port P] [--tun-nocsum|--tun-csum|--tun-remcsum]",
	  "add a real server to a virtual service",
	  "ipvsadm's defaults: direct routing (-g), weight 1, the service's port.\n"
	  "Direct routing and tunnelling keep the service's port; a real server of\n"
	  "the other address family must be tunnelled (-i); --tun-* go with -i.\n" },
	{ "edit-server", "SERVICE -r ADDR[:PORT] [-g|-i|-m] [-w N] [-x N] [-y N] [--tun-type ipip|gue|gre] [--tun-port P] [--tun-nocsum|--tun-csum|--tun-remcsum]",
	  "change the given settings of a real server",
	  "Only what is given changes.\n" },
	{ "del-server", "SERVICE -r ADDR[:PORT]",
	  "delete a real server", "" },
	{ "zero", "[SERVICE]",
	  "zero the counters of one virtual service, or of all",
	  "Cannot be undone.\n" },
	{ "timeouts", "TCP TCPFIN UDP",
	  "set the tcp, tcpfin and udp timeouts in seconds (0 keeps one as it is)", "" },
	{ "flush", "--yes",
	  "delete every virtual service and real server", "" },
	{ "save", "[--full]",
	  "print the table as ipvsadm -S -n does (--full: with -x/-y)", "" },
	{ "load", "FILE|- [--flush]",
	  "apply an ipvsadm -S rule file as one transaction",
	  "Every line is checked against the table as it will be before anything\n"
	  "is sent; a step the kernel refuses undoes the steps before it.\n"
	  "--flush empties the table first, inside the same transaction.\n" },
	{ "start-daemon", "master|backup --mcast-interface IF [--syncid N] [--sync-maxlen N] [--mcast-group ADDR] [--mcast-port N] [--mcast-ttl N]",
	  "start a connection sync daemon", "" },
	{ "stop-daemon", "master|backup",
	  "stop a connection sync daemon", "" },
	{ "diff", "[--keepalived FILE | --lvs-cf FILE] [--replay FILE] [--json]",
	  "compare the kernel's table with keepalived.conf or lvs.cf (changes nothing)",
	  "Without a file, reads /etc/keepalived/keepalived.conf, else\n"
	  "/etc/sysconfig/ha/lvs.cf. Names every service and real server that is\n"
	  "declared but absent (with keepalived's reason), present but not declared,\n"
	  "or different (weight, method, scheduler, persistence), each with its\n"
	  "FILE:LINE; the VRRP role from the addresses held, the sync daemons and\n"
	  "the connection entries. Warnings about the file carry FILE:LINE too.\n"
	  "--replay compares a recording instead of the kernel; --json prints\n"
	  "{source, messages, drift, vrrp, sync_daemon, connections}.\n"
	  "exit: 0 the kernel matches, 1 it drifts, 2 a bad file or arguments\n" },
	{ "doctor", "[--json] [--rules FILE] [--no-arp] [--arp-wait S] [--lvsd URL | --no-lvsd] [SERVICE]",
	  "check the director for the classic LVS failures, with evidence and fix (changes nothing)",
	  "--json        {\"findings\": [{\"id\", \"severity\", \"service\", \"real_server\",\n"
	  "              \"summary\", \"evidence\", \"fix\"}]}\n"
	  "--rules FILE  the saved table (default: /etc/ipvsadm.rules or /etc/sysconfig/ipvsadm)\n"
	  "--no-arp      skip the ARP probe of direct-routing VIPs\n"
	  "--arp-wait S  how long the ARP probe listens (default 0.5 s, at most 5)\n"
	  "--lvsd URL    the lvsd whose health checks to use (default http://127.0.0.1:9587,\n"
	  "              used when it answers); --no-lvsd: none\n"
	  "SERVICE       -t|-u|--sctp-service ADDR:PORT, or -f MARK [-6]: only that service\n"
	  "exit: 0 nothing found, 1 findings, 2 doctor could not run\n" },
	{ "help", "[COMMAND]",
	  "list the commands, or describe one", "" },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char common[] =
	"SERVICE: -t|-u|--sctp-service ADDR:PORT, or -f MARK [-6]; IPv6 as [ADDR]:PORT\n"
	"global: --state-file PATH, --audit-log PATH, --no-syslog, --force (change what\n"
	"        keepalived.conf or lvs.cf declares; keepalived puts its values back)\n"
	"exit: 0 done, 1 failed (table unchanged), 2 bad arguments, 3 drain timed out\n";

static const struct cmd_help *find_help(const char *word)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, word))
			return &commands[i];
	return NULL;
}

void actions_cli_list(FILE *f)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
}

int actions_cli_help(FILE *f, const char *command)
{
	const struct cmd_help *h = find_help(command);
	if (!h)
		return -ENOENT;
	fprintf(f, "usage: lvstop %s %s\n%s.\n%s", h->name, h->args, h->summary, h->detail);
	if (!actions_cli_changes_nothing(h->name))
		fputs(common, f);
	return 0;
}

size_t actions_cli_names(const char **names, size_t max)
{
	for (size_t i = 0; i < N_COMMANDS && i < max; i++)
		names[i] = commands[i].name;
	return N_COMMANDS;
}

/* Edit distance (insert, delete, substitute, swap of neighbours), capped. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return 64;
	size_t d[64][64];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < c)
				c = d[i - 2][j - 2] + 1;
			d[i][j] = c;
		}
	return d[la][lb];
}

const char *actions_cli_suggest(const char *word, bool *close)
{
	const char *best = NULL;
	size_t best_d = 0;
	for (size_t i = 0; i < N_COMMANDS; i++) {
		const char *n = commands[i].name;
		size_t d = distance(word, n);
		/* A command the word starts, or that starts the word, is near. */
		if (*word && (!strncmp(n, word, strlen(word)) || !strncmp(word, n, strlen(n))))
			d = d < 1 ? d : 1;
		if (!best || d < best_d) {
			best = n;
			best_d = d;
		}
	}
	if (close)
		*close = best_d <= 2 || best_d * 3 <= strlen(best);
	return best;
}

bool actions_cli_changes_nothing(const char *word)
{
	return word && (!strcmp(word, "diff") || !strcmp(word, "doctor") || !strcmp(word, "help"));
}

bool actions_cli_is_command(const char *word)
{
	enum lvs_act act;
	return word && word[0] != '-' && args_act_from_word(word, &act) == 0;
}

static void sleep_s(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - floor(s)) * 1e9) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int fail(lvs_actions *a, int r)
{
	fprintf(stderr, "lvstop: %s\n", actions_error(a));
	return r == -EINVAL ? LVS_EXIT_USAGE : LVS_EXIT_FAILED;
}

/* drain --wait: poll until the real server has no connections left. */
static int drain_wait(lvs_actions *a, const struct lvs_args *g)
{
	struct lvs_service svc;
	struct lvs_dest d;
	double start = clock_mono_s();
	int r;

	r = actions_resolve(a, &g->svc, &g->dest, g->given & LVS_ARG_DEST_PORT, &svc, &d);
	if (r)
		return fail(a, r);
	for (;;) {
		struct lvs_drain_progress p;
		r = actions_drain_poll(a, &svc, &d, &p);
		if (r)
			return fail(a, r);
		if (p.done) {
			if (p.removed)
				printf("drained: no connections left; real server removed\n");
			else if (!p.exists)
				printf("drained: the real server is gone\n");
			else if (p.total)
				printf("drained: no active or persistent connection left (%u inactive)\n",
				       p.inactive);
			else
				printf("drained: no connections left\n");
			fflush(stdout);
			return LVS_EXIT_OK;
		}
		printf("active %u inactive %u persistent %u", p.active, p.inactive, p.persistent);
		if (p.rate > 0)
			printf(", falling %.2f/s, ETA %.0f s", p.rate, p.eta);
		printf("\n");
		fflush(stdout);
		if (g->has_wait_timeout && clock_mono_s() - start + g->interval > g->wait_timeout) {
			double left = g->wait_timeout - (clock_mono_s() - start);
			if (left > 0)
				sleep_s(left);
			r = actions_drain_poll(a, &svc, &d, &p);
			if (!r && p.done)
				continue; /* reached zero in the last moment: report it above */
			fprintf(stderr, "lvstop: drain timed out after %.0f s with %llu connections left "
					"(the real server stays at weight 0)\n",
				g->wait_timeout, (unsigned long long)p.total);
			return LVS_EXIT_TIMEOUT;
		}
		sleep_s(g->interval);
	}
}

/* The commands that change one service or one of its real servers, and
 * so may change what keepalived (or piranha) manages. */
static bool touches_declared(enum lvs_act act, bool *dest)
{
	switch (act) {
	case LVS_ACT_QUIESCE: case LVS_ACT_DRAIN: case LVS_ACT_RESTORE: case LVS_ACT_WEIGHT:
	case LVS_ACT_EDIT_DEST: case LVS_ACT_DEL_DEST:
		*dest = true;
		return true;
	case LVS_ACT_EDIT_SVC: case LVS_ACT_DEL_SVC:
		*dest = false;
		return true;
	default:
		return false;
	}
}

/* A change to an object keepalived or piranha manages is applied only
 * with --force: the daemon puts its own values back (docs/keepalived.md).
 * 0 to go ahead, or the exit code. The declared file is read where it
 * usually is; a file that does not parse is no reason to refuse. */
static int owner_check(const struct lvs_args *g, bool force)
{
	bool dest;
	const char *path;
	if (!touches_declared(g->act, &dest))
		return 0;
	enum lvs_decl_kind kind = declared_find_default(&path);
	if (!kind)
		return 0;
	struct lvs_declared *d = NULL;
	char msg[256], note[512];
	int r = kind == LVS_DECL_KEEPALIVED ? declared_read_keepalived(path, &d, msg, sizeof(msg))
					    : declared_read_lvscf(path, &d, msg, sizeof(msg));
	if (r < 0)
		return 0;
	struct lvs_dest rs = g->dest;
	if (!(g->given & LVS_ARG_DEST_PORT) && !g->svc.fwmark)
		rs.port = g->svc.port;
	bool owned = !d->n_errors && drift_owner_note(d, &g->svc, dest ? &rs : NULL, note, sizeof(note));
	declared_free(d);
	if (!owned)
		return 0;
	if (force) {
		fprintf(stderr, "lvstop: warning: %s (applied: --force)\n", note);
		return 0;
	}
	fprintf(stderr, "lvstop: %s\nlvstop: nothing was changed; --force applies it anyway\n", note);
	return LVS_EXIT_FAILED;
}

int actions_cli_main(int argc, char **argv)
{
	struct lvs_actions_opts o = { .source = "cli" };
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	char err[LVS_ERR_MAX];
	struct lvs_args g;
	lvs_actions *a = NULL;
	int n = 0, code;
	bool force = false;

	if (!rest) {
		fprintf(stderr, "lvstop: out of memory\n");
		return LVS_EXIT_FAILED;
	}
	/* Global options out first, so the action's parser sees only its own. */
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			actions_cli_help(stdout, argv[0]);
			free(rest);
			return LVS_EXIT_OK;
		}
		if ((!strcmp(argv[i], "--state-file") || !strcmp(argv[i], "--audit-log")) && i > 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "lvstop: %s needs a path\n", argv[i]);
				free(rest);
				return LVS_EXIT_USAGE;
			}
			if (argv[i][2] == 's')
				o.state_path = argv[++i];
			else
				o.audit_path = argv[++i];
			continue;
		}
		if (!strcmp(argv[i], "--no-syslog") && i > 0) {
			o.no_syslog = true;
			continue;
		}
		if (!strcmp(argv[i], "--force") && i > 0) {
			force = true;
			continue;
		}
		rest[n++] = argv[i];
	}
	if (args_parse(n, rest, &g, err, sizeof(err)) < 0) {
		fprintf(stderr, "lvstop: %s\n", err);
		free(rest);
		return LVS_EXIT_USAGE;
	}
	if ((code = owner_check(&g, force))) {
		free(rest);
		return code;
	}
	int r = actions_open(&a, &o, err, sizeof(err));
	if (r) {
		fprintf(stderr, "lvstop: %s\n", err);
		free(rest);
		return LVS_EXIT_FAILED;
	}
	r = actions_run(a, &g, stdout);
	if (r) {
		code = fail(a, r);
	} else {
		if (actions_message(a)[0] && g.act != LVS_ACT_SAVE)
			printf("%s\n", actions_message(a));
		fflush(stdout);
		code = g.act == LVS_ACT_DRAIN && g.wait ? drain_wait(a, &g) : LVS_EXIT_OK;
	}
	actions_close(a);
	free(rest);
	return code;
}
