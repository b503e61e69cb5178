#include "doctor_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/args.h"
#include "collector/doctor/findings.h"
#include "collector/doctor/gather.h"
#include "collector/doctor/rules.h"
#include "collector/snapshot.h"
#include "collector/source.h"
#include "collector/source_remote.h"
#include "panel_zoom.h"
#include "actions/cli.h"

#define EXIT_CLEAN 0
#define EXIT_FOUND 1
#define EXIT_CANNOT 2

bool doctor_cmd_is_command(const char *word)
{
	return word && !strcmp(word, "doctor");
}

struct doctor_opts {
	bool json, has_svc, no_lvsd;
	const char *lvsd; /* NULL: LVSD_DEFAULT_URL, silently skipped when it does not answer */
	struct lvs_service svc;
	struct doctor_gather_opts g;
};

static int parse(int argc, char **argv, struct doctor_opts *o)
{
	/* The SERVICE words go to the actions' parser, as `zero SERVICE`
	 * takes them: one grammar for services everywhere. */
	char *svc_argv[8] = { "zero" };
	int svc_argc = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--no-arp")) {
			o->g.no_arp = true;
		} else if (!strcmp(a, "--no-lvsd")) {
			o->no_lvsd = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			actions_cli_help(stdout, "doctor");
			return 1;
		} else if (!strcmp(a, "--rules") || !strcmp(a, "--arp-wait") || !strcmp(a, "--lvsd")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "lvstop doctor: %s needs a value\n", a);
				return -EINVAL;
			}
			const char *v = argv[++i];
			if (!strcmp(a, "--rules")) {
				o->g.rules_file = v;
				continue;
			}
			if (!strcmp(a, "--lvsd")) {
				o->lvsd = v;
				continue;
			}
			char *end;
			errno = 0;
			double w = strtod(v, &end);
			if (errno || end == v || *end || !(w >= 0.05 && w <= 5)) {
				fprintf(stderr, "lvstop doctor: --arp-wait: expected seconds from 0.05 "
						"to 5, got \"%s\"\n", v);
				return -EINVAL;
			}
			o->g.arp_wait = w;
		} else if (svc_argc < (int)(sizeof(svc_argv) / sizeof(*svc_argv))) {
			svc_argv[svc_argc++] = argv[i];
		} else {
			fprintf(stderr, "lvstop doctor: too many arguments (see lvstop doctor --help)\n");
			return -EINVAL;
		}
	}
	if (svc_argc == 1)
		return 0;
	struct lvs_args args;
	char err[256];
	if (args_parse(svc_argc, svc_argv, &args, err, sizeof(err))) {
		/* The parser speaks of "zero": speak of doctor instead. */
		const char *msg = !strncmp(err, "zero: ", 6) ? err + 6 : err;
		fprintf(stderr, "lvstop doctor: %s (see lvstop doctor --help)\n", msg);
		return -EINVAL;
	}
	if (!(args.given & LVS_ARG_SVC)) {
		fprintf(stderr, "lvstop doctor: expected a SERVICE (-t|-u|--sctp-service ADDR:PORT "
				"or -f MARK)\n");
		return -EINVAL;
	}
	o->has_svc = true;
	o->svc = args.svc;
	return 0;
}

/* lvsd's health results, copied onto the kernel's real servers by
 * identity (snapshot s is ours alone until the rules run). A missing lvsd
 * is no error unless one was named. */
static void add_health(struct lvs_snapshot *s, const struct doctor_opts *o)
{
	char base[REMOTE_URL_MAX], msg[256];
	if (o->no_lvsd || !s->n_dests)
		return;
	if (remote_url_base(o->lvsd ? o->lvsd : LVSD_DEFAULT_URL, base, sizeof(base), msg,
			    sizeof(msg))) {
		fprintf(stderr, "lvstop doctor: --lvsd: %s\n", msg);
		return;
	}
	struct lvs_remote_opts ro = LVS_REMOTE_OPTS_DEFAULT;
	struct lvs_source *src = source_remote_new(base, &ro, msg, sizeof(msg));
	struct lvs_snapshot *h = NULL;
	int r = src ? source_poll(src, &h, msg, sizeof(msg)) : -ENOMEM;
	source_free(src);
	if (r) {
		if (o->lvsd)
			fprintf(stderr, "lvstop doctor: no health results from lvsd: %s\n", msg);
		return;
	}
	for (size_t i = 0; i < s->n_services; i++)
		for (size_t k = 0; k < h->n_services; k++) {
			if (!lvs_service_same(&s->services[i], &h->services[k]))
				continue;
			for (size_t j = 0; j < s->services[i].n_dests; j++)
				for (size_t m = 0; m < h->services[k].n_dests; m++)
					if (lvs_dest_same(&s->services[i].dests[j],
							  &h->services[k].dests[m]))
						s->services[i].dests[j].health =
							h->services[k].dests[m].health;
		}
	snapshot_unref(h);
}

static bool have_service(const struct lvs_snapshot *s, const struct lvs_service *svc)
{
	for (size_t i = 0; i < s->n_services; i++)
		if (lvs_service_same(&s->services[i], svc))
			return true;
	return false;
}

int doctor_cmd_main(int argc, char **argv)
{
	struct doctor_opts o = { 0 };
	int r = parse(argc, argv, &o);
	if (r)
		return r > 0 ? EXIT_CLEAN : EXIT_CANNOT;

	struct lvs_kernel_opts ko = { .read_conns = true, .conn = LVS_CONN_OPTS_DEFAULT };
	struct lvs_source *src = source_kernel_new(&ko);
	struct lvs_snapshot *s = NULL;
	char msg[256] = "";
	bool loaded = true;
	if (!src) {
		fprintf(stderr, "lvstop doctor: out of memory\n");
		return EXIT_CANNOT;
	}
	r = source_poll(src, &s, msg, sizeof(msg));
	source_free(src);
	if (r == -ENOENT) {
		/* ip_vs not loaded: an empty table, which is itself a fact. */
		loaded = false;
		if ((s = snapshot_new()))
			snapshot_finish(s);
		r = s ? 0 : -ENOMEM;
	}
	if (r) {
		fprintf(stderr, "lvstop doctor: cannot read the IPVS table: %s\n",
			msg[0] ? msg : strerror(-r));
		return EXIT_CANNOT;
	}
	if (o.has_svc && !have_service(s, &o.svc)) {
		char w[DOCTOR_SERVICE_MAX];
		fprintf(stderr, "lvstop doctor: no service %s in the IPVS table\n",
			doctor_service_words(&o.svc, w, sizeof(w)));
		snapshot_unref(s);
		return EXIT_CANNOT;
	}

	add_health(s, &o);
	struct doctor_gathered g;
	struct doctor_findings f;
	doctor_findings_init(&f);
	int rc = EXIT_CANNOT;
	r = doctor_gather(s, loaded, &o.g, &g, msg, sizeof(msg));
	if (r) {
		fprintf(stderr, "lvstop doctor: %s\n", msg);
		goto out;
	}
	if (g.note[0])
		fprintf(stderr, "lvstop doctor: %s\n", g.note);
	if (doctor_diagnose(s, &g.facts, o.has_svc ? &o.svc : NULL, &f)) {
		fprintf(stderr, "lvstop doctor: out of memory\n");
		goto out;
	}
	doctor_findings_sort(&f);
	if (o.json) {
		char *j = doctor_render_json(&f);
		if (!j) {
			fprintf(stderr, "lvstop doctor: out of memory\n");
			goto out;
		}
		fputs(j, stdout);
		free(j);
		fflush(stdout);
	} else if (doctor_render_text(&f, stdout)) {
		fprintf(stderr, "lvstop doctor: cannot write the findings\n");
		goto out;
	}
	rc = f.n ? EXIT_FOUND : EXIT_CLEAN;
out:
	doctor_findings_done(&f);
	doctor_gathered_done(&g);
	snapshot_unref(s);
	return rc;
}
