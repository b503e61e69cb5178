#include "diff_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "actions/cli.h"
#include "collector/declared/declared.h"
#include "collector/declared/drift.h"
#include "collector/declared/vrrp_role.h"
#include "collector/names.h"
#include "collector/snapshot.h"
#include "collector/source.h"
#include "share/log.h"

#define EXIT_MATCH 0
#define EXIT_DRIFT 1
#define EXIT_BAD 2

/* A file name from the command line or a glob: printable on a terminal. */
static const char *safe(const char *s, char *buf, size_t len)
{
	return log_clean(buf, len, s ? s : "", s ? strlen(s) : 0);
}

static void print_messages(const struct lvs_declared *d)
{
	char f[256];
	for (size_t i = 0; i < d->n_msgs; i++) {
		const struct lvs_decl_msg *m = &d->msgs[i];
		fprintf(stderr, "lvstop: %s:%d: %s: %s\n", safe(m->file ? m->file : d->path, f, sizeof(f)),
			m->line, m->severity == LVS_DECL_ERROR ? "error" : "warning", m->text);
	}
}

/* What the pair looks like from here: roles, sync daemons, entries. */
struct pair_view {
	struct lvs_vrrp_status *roles; /* d->n_vrrp of them */
	const struct lvs_snapshot *snap;
};

static void print_pair_text(const struct lvs_declared *d, const struct pair_view *pv)
{
	char n[LVS_DECL_NAME_MAX + 1];
	for (size_t i = 0; i < d->n_vrrp; i++) {
		const struct lvs_vrrp_status *r = &pv->roles[i];
		printf("vrrp: %s %s (holds %zu of %zu addresses%s%s; declared state %s)\n",
		       safe(r->inst->name, n, sizeof(n)), vrrp_role_name(r->role), r->held,
		       r->inst->n_vips, r->iface[0] ? ", on " : "", safe(r->iface, n, sizeof(n)),
		       r->inst->state[0] ? safe(r->inst->state, n, sizeof(n)) : "none");
	}
	if (d->sync.set)
		printf("sync daemon declared: on %s for %s, syncid %u\n", safe(d->sync.iface, n, sizeof(n)),
		       d->sync.instance[0] ? d->sync.instance : "-", d->sync.syncid);
	if (!pv->snap->n_daemons)
		printf("sync daemon in the kernel: none\n");
	for (size_t i = 0; i < pv->snap->n_daemons; i++) {
		const struct lvs_daemon *k = &pv->snap->daemons[i];
		printf("sync daemon in the kernel: %s on %s, syncid %u\n",
		       lvs_daemon_state_name(k->state), safe(k->mcast_ifn, n, sizeof(n)), k->syncid);
	}
	if (pv->snap->conns.available)
		printf("connection entries: %llu%s\n", (unsigned long long)pv->snap->conns.total,
		       pv->snap->conns.partial ? " (partial read)" : "");
}

static void print_text(const struct lvs_declared *d, const struct lvs_drift *dr,
		       const struct pair_view *pv)
{
	char f[256], st[96], dt[64];
	printf("declared: %s (%s): %zu services\n", safe(d->path, f, sizeof(f)),
	       declared_kind_name(d->kind), d->n_services);
	if (pv)
		print_pair_text(d, pv);
	if (!dr->n) {
		printf("the kernel matches the declared table\n");
		return;
	}
	const struct lvs_service *last = NULL;
	for (size_t i = 0; i < dr->n; i++) {
		const struct lvs_drift_item *it = &dr->items[i];
		if (!last || !lvs_service_same(last, &it->svc)) {
			printf("%s\n", lvs_svc_text(&it->svc, st, sizeof(st)));
			last = &it->svc;
		}
		printf("  %s%s  %s", it->has_dest ? "-> " : "", it->has_dest
		       ? lvs_dest_text(&it->dest, dt, sizeof(dt)) : "(service)",
		       drift_kind_name(it->kind));
		if (it->field[0])
			printf(": %s declared %s, kernel %s", it->field, it->declared, it->kernel);
		if (it->reason[0])
			printf(" (%s)", it->reason);
		if (it->file)
			printf("  [%s:%d]", safe(it->file, f, sizeof(f)), it->line);
		printf("\n");
	}
	printf("%zu difference%s\n", dr->n, dr->n == 1 ? "" : "s");
}

static int add_str(json_object *o, const char *k, const char *v)
{
	json_object *s = v ? json_object_new_string(v) : NULL;
	if (v && !s)
		return -ENOMEM;
	return json_object_object_add(o, k, s) ? -ENOMEM : 0;
}

static int add_pair_json(json_object *root, const struct lvs_declared *d,
			 const struct pair_view *pv)
{
	json_object *vrrp = json_object_new_array(), *sync = json_object_new_object(),
		    *kern = json_object_new_array();
	if (!vrrp || !sync || !kern || json_object_object_add(root, "vrrp", vrrp)) {
		json_object_put(vrrp);
		json_object_put(sync);
		json_object_put(kern);
		return -ENOMEM;
	}
	if (json_object_object_add(root, "sync_daemon", sync)) {
		json_object_put(sync);
		json_object_put(kern);
		return -ENOMEM;
	}
	if (json_object_object_add(sync, "kernel", kern)) {
		json_object_put(kern);
		return -ENOMEM;
	}
	for (size_t i = 0; i < d->n_vrrp; i++) {
		const struct lvs_vrrp_status *r = &pv->roles[i];
		json_object *o = json_object_new_object();
		if (!o || json_object_array_add(vrrp, o)) {
			json_object_put(o);
			return -ENOMEM;
		}
		if (add_str(o, "instance", r->inst->name) ||
		    add_str(o, "declared_state", r->inst->state[0] ? r->inst->state : NULL) ||
		    add_str(o, "role", vrrp_role_name(r->role)) ||
		    json_object_object_add(o, "addresses", json_object_new_int64((int64_t)r->inst->n_vips)) ||
		    json_object_object_add(o, "held", json_object_new_int64((int64_t)r->held)) ||
		    add_str(o, "interface", r->iface[0] ? r->iface : NULL))
			return -ENOMEM;
	}
	if (d->sync.set) {
		json_object *o = json_object_new_object();
		if (!o || json_object_object_add(sync, "declared", o)) {
			json_object_put(o);
			return -ENOMEM;
		}
		if (add_str(o, "interface", d->sync.iface) ||
		    add_str(o, "instance", d->sync.instance[0] ? d->sync.instance : NULL) ||
		    json_object_object_add(o, "syncid", json_object_new_int64(d->sync.syncid)))
			return -ENOMEM;
	}
	for (size_t i = 0; i < pv->snap->n_daemons; i++) {
		const struct lvs_daemon *k = &pv->snap->daemons[i];
		json_object *o = json_object_new_object();
		if (!o || json_object_array_add(kern, o)) {
			json_object_put(o);
			return -ENOMEM;
		}
		if (add_str(o, "state", lvs_daemon_state_name(k->state)) ||
		    add_str(o, "interface", k->mcast_ifn) ||
		    json_object_object_add(o, "syncid", json_object_new_int64(k->syncid)))
			return -ENOMEM;
	}
	if (pv->snap->conns.available &&
	    json_object_object_add(root, "connections",
				   json_object_new_int64((int64_t)pv->snap->conns.total)))
		return -ENOMEM;
	return 0;
}

static int print_json(const struct lvs_declared *d, const struct lvs_drift *dr,
		      const struct pair_view *pv)
{
	char st[96], dt[64];
	json_object *root = json_object_new_object(), *src = json_object_new_object(),
		    *msgs = json_object_new_array(), *items = json_object_new_array();
	int rc = -ENOMEM;
	if (!root || !src || !msgs || !items) {
		json_object_put(src);
		json_object_put(msgs);
		json_object_put(items);
		goto out;
	}
	json_object_object_add(root, "source", src);
	json_object_object_add(root, "messages", msgs);
	json_object_object_add(root, "drift", items);
	if (add_str(src, "kind", declared_kind_name(d->kind)) || add_str(src, "path", d->path) ||
	    json_object_object_add(src, "services", json_object_new_int64((int64_t)d->n_services)))
		goto out;
	for (size_t i = 0; i < d->n_msgs; i++) {
		json_object *m = json_object_new_object();
		if (!m || json_object_array_add(msgs, m)) {
			json_object_put(m);
			goto out;
		}
		if (add_str(m, "severity", d->msgs[i].severity == LVS_DECL_ERROR ? "error" : "warning") ||
		    add_str(m, "file", d->msgs[i].file) ||
		    json_object_object_add(m, "line", json_object_new_int(d->msgs[i].line)) ||
		    add_str(m, "message", d->msgs[i].text))
			goto out;
	}
	if (pv && add_pair_json(root, d, pv) < 0)
		goto out;
	for (size_t i = 0; i < dr->n; i++) {
		const struct lvs_drift_item *it = &dr->items[i];
		json_object *o = json_object_new_object();
		if (!o || json_object_array_add(items, o)) {
			json_object_put(o);
			goto out;
		}
		if (add_str(o, "kind", drift_kind_name(it->kind)) ||
		    add_str(o, "service", lvs_svc_text(&it->svc, st, sizeof(st))) ||
		    add_str(o, "real_server", it->has_dest ? lvs_dest_text(&it->dest, dt, sizeof(dt))
							     : NULL) ||
		    add_str(o, "field", it->field[0] ? it->field : NULL) ||
		    add_str(o, "declared", it->field[0] ? it->declared : NULL) ||
		    add_str(o, "kernel", it->field[0] ? it->kernel : NULL) ||
		    add_str(o, "reason", it->reason[0] ? it->reason : NULL) ||
		    add_str(o, "file", it->file) ||
		    json_object_object_add(o, "line", it->file ? json_object_new_int(it->line) : NULL))
			goto out;
	}
	/* json-c escapes control characters; the output is one line. */
	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

int diff_cmd_main(int argc, char **argv)
{
	enum { O_KA = 256, O_LVSCF, O_REPLAY, O_JSON };
	static const struct option opts[] = {
		{ "keepalived", required_argument, NULL, O_KA },
		{ "lvs-cf", required_argument, NULL, O_LVSCF },
		{ "replay", required_argument, NULL, O_REPLAY },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *path = NULL, *replay = NULL;
	enum lvs_decl_kind kind = 0;
	bool json = false;
	char msg[512], f[256];
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case O_KA:
		case O_LVSCF:
			if (path) {
				fprintf(stderr, "lvstop: diff: give one of --keepalived and --lvs-cf\n");
				return EXIT_BAD;
			}
			path = optarg;
			kind = c == O_KA ? LVS_DECL_KEEPALIVED : LVS_DECL_LVSCF;
			break;
		case O_REPLAY: replay = optarg; break;
		case O_JSON: json = true; break;
		case 'h': actions_cli_help(stdout, "diff"); return EXIT_MATCH;
		default:
			fprintf(stderr, "lvstop: diff: unknown option \"%s\"\n",
				safe(argv[optind - 1], f, sizeof(f)));
			fprintf(stderr, "lvstop: see lvstop help diff\n");
			return EXIT_BAD;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "lvstop: diff: unexpected argument \"%s\"\n",
			safe(argv[optind], f, sizeof(f)));
		return EXIT_BAD;
	}
	if (!path && !(kind = declared_find_default(&path))) {
		fprintf(stderr, "lvstop: diff: neither %s nor %s exists; name one with --keepalived "
			"or --lvs-cf\n", LVS_DECL_KEEPALIVED_PATH, LVS_DECL_LVSCF_PATH);
		return EXIT_BAD;
	}
	struct lvs_declared *d = NULL;
	int rc = kind == LVS_DECL_KEEPALIVED ? declared_read_keepalived(path, &d, msg, sizeof(msg))
					     : declared_read_lvscf(path, &d, msg, sizeof(msg));
	if (rc < 0) {
		fprintf(stderr, "lvstop: diff: %s\n", safe(msg, f, sizeof(f)));
		return EXIT_BAD;
	}
	if (!json)
		print_messages(d);
	if (d->n_errors) {
		if (json)
			print_json(d, &(struct lvs_drift){ 0 }, NULL);
		fprintf(stderr, "lvstop: diff: %s has %zu error%s: not compared\n",
			safe(path, f, sizeof(f)), d->n_errors, d->n_errors == 1 ? "" : "s");
		declared_free(d);
		return EXIT_BAD;
	}
	struct lvs_source *src;
	if (replay) {
		src = source_replay_new(replay, false, msg, sizeof(msg));
	} else {
		/* The connection entries count for the pair view (a backup's
		 * synced table); bounded as the collector reads them. */
		struct lvs_kernel_opts ko = { .read_conns = true, .conn = LVS_CONN_OPTS_DEFAULT };
		src = source_kernel_new(&ko);
		snprintf(msg, sizeof(msg), "out of memory");
	}
	struct lvs_snapshot *snap = NULL;
	if (!src || source_poll(src, &snap, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "lvstop: diff: %s\n", safe(msg, f, sizeof(f)));
		source_free(src);
		declared_free(d);
		return EXIT_BAD;
	}
	struct lvs_drift dr;
	struct pair_view pv = { .snap = snap };
	struct lvs_local_addr *addrs = NULL;
	size_t n_addrs = 0;
	rc = drift_compute(d, snap, &dr);
	/* Roles are read from this host's addresses, not from a recording. */
	if (rc == 0 && !replay && d->n_vrrp) {
		rc = local_addrs_read(&addrs, &n_addrs);
		pv.roles = rc == 0 ? calloc(d->n_vrrp, sizeof(*pv.roles)) : NULL;
		if (rc == 0 && !pv.roles)
			rc = -ENOMEM;
		if (rc == 0)
			vrrp_roles(d, addrs, n_addrs, pv.roles);
	}
	if (rc == 0) {
		if (json)
			rc = print_json(d, &dr, replay ? NULL : &pv);
		else
			print_text(d, &dr, replay ? NULL : &pv);
	}
	free(addrs);
	free(pv.roles);
	int code = rc < 0 ? EXIT_BAD : dr.n ? EXIT_DRIFT : EXIT_MATCH;
	if (rc < 0)
		fprintf(stderr, "lvstop: diff: out of memory\n");
	drift_free(&dr);
	snapshot_unref(snap);
	source_free(src);
	declared_free(d);
	return code;
}
