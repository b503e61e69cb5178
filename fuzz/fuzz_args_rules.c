/* ipvsadm-style arguments (actions/args.h) and rule files (actions/rules.h):
 * what an operator types and what `load FILE` reads. The input is read as
 * a rule file (rules_parse), and its first line also as one command
 * (args_split + args_parse + args_check_given). Every refusal is one
 * printable sentence. A rule file of adds that parses is saved the way
 * ipvsadm -S prints it (rules_save); that text must parse back, and saving
 * it again must give the same lines (the printer and the reader agree;
 * their order may differ, as ipvsadm's does). */
#include <errno.h>
#include <stdio.h>

#include "actions/args.h"
#include "actions/rules.h"
#include "collector/snapshot.h"
#include "fuzz.h"

#define MAX_WORDS 64

static void one_command(const char *text)
{
	const char *nl = strchr(text, '\n');
	size_t len = nl ? (size_t)(nl - text) : strlen(text);
	char *line = fuzz_strndup((const uint8_t *)text, len);
	char *argv[MAX_WORDS + 1];
	char err[256];
	int argc = args_split(line, argv, MAX_WORDS);
	FUZZ_CHECK(argc == -E2BIG || (argc >= 0 && argc <= MAX_WORDS), "split: %d", argc);
	if (argc > 0) {
		struct lvs_args g;
		argv[argc] = NULL;
		err[0] = '\0';
		int r = args_parse(argc, argv, &g, err, sizeof(err));
		FUZZ_CHECK(r == 0 || r == -EINVAL, "args_parse: %d", r);
		if (r) {
			fuzz_check_message("args_parse", err, sizeof(err));
		} else {
			FUZZ_CHECK(args_act_name(g.act), "act %d has no name", g.act);
			err[0] = '\0';
			r = args_check_given(&g, err, sizeof(err));
			FUZZ_CHECK(r == 0 || r == -EINVAL, "args_check_given: %d", r);
			if (r)
				fuzz_check_message("args_check_given", err, sizeof(err));
		}
	}
	free(line);
}

/* The snapshot a file of -A/-a lines describes, with ipvsadm's defaults
 * for what an add leaves out; NULL when it holds other commands, a line
 * the whole-object checks refuse, or an -a naming a service not added
 * just before. */
static struct lvs_snapshot *snap_from(const struct rules_line *v, size_t n)
{
	struct lvs_snapshot *s = snapshot_new();
	FUZZ_CHECK(s, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct lvs_args *g = &v[i].args;
		char err[256];
		if (args_check_given(g, err, sizeof(err)))
			goto skip;
		if (g->act == LVS_ACT_ADD_SVC) {
			struct lvs_service svc = g->svc;
			if (!(g->given & LVS_ARG_SCHED))
				strcpy(svc.sched, "wlc");
			if (!(g->given & LVS_ARG_NETMASK))
				svc.netmask = svc.af == AF_INET6 ? 128 : 0xffffffffu;
			for (size_t j = 0; j < s->n_services; j++)
				if (lvs_service_same(&s->services[j], &svc))
					goto skip;
			FUZZ_CHECK(snapshot_add_service(s, &svc) == 0, "out of memory");
		} else if (g->act == LVS_ACT_ADD_DEST && s->n_services &&
			   lvs_service_same(&s->services[s->n_services - 1], &g->svc)) {
			struct lvs_dest d = g->dest;
			if (!(g->given & LVS_ARG_DEST_PORT))
				d.port = g->svc.port; /* -r without a port: the service's */
			FUZZ_CHECK(snapshot_add_dest(s, s->n_services - 1, &d) == 0,
				   "out of memory");
		} else {
			goto skip;
		}
	}
	snapshot_finish(s);
	return s;
skip:
	snapshot_unref(s);
	return NULL;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The same lines, in any order: ipvsadm's order compares addresses by
 * 32-bit subtraction, which wraps and is not transitive, so the order it
 * gives depends on the order it was given (rules.h emulates that). */
static bool same_lines(char *a, char *b)
{
	char *va[4096], *vb[4096];
	size_t na = 0, nb = 0;
	for (char *t = strtok(a, "\n"); t && na < 4096; t = strtok(NULL, "\n"))
		va[na++] = t;
	for (char *t = strtok(b, "\n"); t && nb < 4096; t = strtok(NULL, "\n"))
		vb[nb++] = t;
	if (na != nb)
		return false;
	qsort(va, na, sizeof(va[0]), cmp_line);
	qsort(vb, nb, sizeof(vb[0]), cmp_line);
	for (size_t i = 0; i < na; i++)
		if (strcmp(va[i], vb[i]))
			return false;
	return true;
}

static char *save(const struct lvs_snapshot *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	FUZZ_CHECK(f, "out of memory");
	FUZZ_CHECK(rules_save(s, true, f) == 0, "rules_save failed");
	fclose(f);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	struct rules_line *v = NULL;
	size_t n = 0;
	char err[256];

	one_command(text);

	err[0] = '\0';
	int r = rules_parse(text, &v, &n, err, sizeof(err));
	FUZZ_CHECK(r == 0 || r == -EINVAL, "rules_parse: %d", r);
	if (r) {
		fuzz_check_message("rules_parse", err, sizeof(err));
		FUZZ_CHECK(!strncmp(err, "line ", 5), "no line in \"%s\"", err);
		free(text);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(v[i].lineno >= 1 && (i == 0 || v[i].lineno > v[i - 1].lineno),
			   "line numbers out of order");
		FUZZ_CHECK(args_act_name(v[i].args.act), "act %d", v[i].args.act);
	}

	struct lvs_snapshot *s = snap_from(v, n);
	if (s) {
		char *t1 = save(s);
		struct rules_line *w = NULL;
		size_t m = 0;
		r = rules_parse(t1, &w, &m, err, sizeof(err));
		FUZZ_CHECK(r == 0, "our own rules do not read back: %s\n%s", err, t1);
		struct lvs_snapshot *s2 = snap_from(w, m);
		FUZZ_CHECK(s2, "our own rules are not a table:\n%s", t1);
		char *t2 = save(s2);
		if (strcmp(t1, t2)) {
			char *c1 = strdup(t1), *c2 = strdup(t2);
			FUZZ_CHECK(c1 && c2, "out of memory");
			FUZZ_CHECK(same_lines(c1, c2), "save, read, save differ:\n%s---\n%s", t1, t2);
			free(c1);
			free(c2);
		}
		free(t1);
		free(t2);
		free(w);
		snapshot_unref(s2);
		snapshot_unref(s);
	}
	free(v);
	free(text);
	return 0;
}
