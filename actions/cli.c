#include "actions/cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions/actions.h"
#include "actions/args.h"
#include "share/clock.h"

static const char usage[] =
	"usage: lvstop ACTION [OPTIONS]\n"
	"  quiesce|restore   SERVICE -r ADDR[:PORT]\n"
	"  drain             SERVICE -r ADDR[:PORT] [--wait [--timeout S] [--remove] [--interval S]]\n"
	"                    [--ignore-inactive]  (done at no active or persistent connection)\n"
	"  weight            SERVICE -r ADDR[:PORT] N|+N|-N   (or -w N)\n"
	"  add-service       SERVICE [-s SCHED] [-p [TIMEOUT]] [-M NETMASK] [-b FLAGS] [-o] [--pe NAME]\n"
	"  edit-service      SERVICE [-s SCHED] [-p [TIMEOUT] | --no-persistent] [-M NETMASK] [-b FLAGS]\n"
	"                    [-o | --no-ops] [--pe NAME]   (only what is given changes)\n"
	"  del-service       SERVICE\n"
	"  add-server        SERVICE -r ADDR[:PORT] [-g|-i|-m] [-w N] [-x N] [-y N]\n"
	"                    [--tun-type ipip|gue|gre] [--tun-port P] [--tun-nocsum|--tun-csum|--tun-remcsum]\n"
	"  edit-server       (as add-server: only the options given change)\n"
	"  del-server        SERVICE -r ADDR[:PORT]\n"
	"  zero              [SERVICE]\n"
	"  timeouts          TCP TCPFIN UDP      (seconds; 0 keeps one as it is)\n"
	"  flush             --yes\n"
	"  save              [--full]            (ipvsadm -S -n format)\n"
	"  load              FILE|- [--flush]    (ipvsadm -S format, all or nothing)\n"
	"  start-daemon      master|backup --mcast-interface IF [--syncid N] [--sync-maxlen N]\n"
	"                    [--mcast-group ADDR] [--mcast-port N] [--mcast-ttl N]\n"
	"  stop-daemon       master|backup\n"
	"SERVICE: -t|-u|--sctp-service ADDR:PORT, or -f MARK [-6]; IPv6 as [ADDR]:PORT\n"
	"global: --state-file PATH, --audit-log PATH, --no-syslog\n"
	"exit: 0 done, 1 failed (table unchanged), 2 bad arguments, 3 drain timed out\n";

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

int actions_cli_main(int argc, char **argv)
{
	struct lvs_actions_opts o = { .source = "cli" };
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	char err[LVS_ERR_MAX];
	struct lvs_args g;
	lvs_actions *a = NULL;
	int n = 0, code;

	if (!rest) {
		fprintf(stderr, "lvstop: out of memory\n");
		return LVS_EXIT_FAILED;
	}
	/* Global options out first, so the action's parser sees only its own. */
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
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
		rest[n++] = argv[i];
	}
	if (args_parse(n, rest, &g, err, sizeof(err)) < 0) {
		fprintf(stderr, "lvstop: %s\n", err);
		free(rest);
		return LVS_EXIT_USAGE;
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
