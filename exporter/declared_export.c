#include "exporter/declared_export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector/declared/drift.h"
#include "collector/names.h"
#include "collector/snapshot.h"
#include "exporter/metrics/metrics.h"
#include "share/log.h"

struct declared_export {
	char *path;              /* owned; NULL: look for the usual places */
	enum lvs_decl_kind kind; /* of path */
	struct lvs_declared *d;  /* owned; NULL until read (or unreadable) */
	const char *d_path;      /* the file d was read from */
	struct stat st;          /* of d_path when d was read */
	bool reread;
};

struct declared_export *declared_export_new(const char *path, enum lvs_decl_kind kind)
{
	struct declared_export *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	if (path && !(x->path = strdup(path))) {
		free(x);
		return NULL;
	}
	x->kind = kind;
	return x;
}

void declared_export_free(struct declared_export *x)
{
	if (!x)
		return;
	declared_free(x->d);
	free(x->path);
	free(x);
}

const struct lvs_declared *declared_export_table(const struct declared_export *x)
{
	return x->d;
}

void declared_export_reload(struct declared_export *x)
{
	x->reread = true;
}

/* Read the file when it is new or changed. Keeps the last good table when
 * the file cannot be read now (a rewrite in progress). */
static void refresh(struct declared_export *x)
{
	const char *path = x->path;
	enum lvs_decl_kind kind = x->kind;
	struct stat st;

	if (!path)
		kind = declared_find_default(&path);
	if (!path || stat(path, &st) < 0) {
		if (x->d && (!path || errno == ENOENT)) {
			declared_free(x->d);
			x->d = NULL;
		}
		return;
	}
	if (x->d && !x->reread && x->d_path == path && st.st_ino == x->st.st_ino &&
	    st.st_size == x->st.st_size && st.st_mtim.tv_sec == x->st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == x->st.st_mtim.tv_nsec)
		return;
	struct lvs_declared *d = NULL;
	char msg[256];
	int r = kind == LVS_DECL_LVSCF ? declared_read_lvscf(path, &d, msg, sizeof(msg))
				       : declared_read_keepalived(path, &d, msg, sizeof(msg));
	if (r < 0) {
		log_warn("declared table: %s", msg);
		return;
	}
	if (d->n_errors)
		log_warn("declared table: %s has %zu error%s (first: %s:%d: %s)", path, d->n_errors,
			 d->n_errors == 1 ? "" : "s", d->msgs[0].file ? d->msgs[0].file : path,
			 d->msgs[0].line, d->msgs[0].text);
	declared_free(x->d);
	x->d = d;
	x->d_path = path;
	x->st = st;
	x->reread = false;
}

void declared_export_fill_vrrp(const struct lvs_declared *d, const struct lvs_vrrp_status *roles,
			       struct lvs_snapshot *s)
{
	s->n_vrrp = 0;
	for (size_t i = 0; i < d->n_vrrp && i < LVS_VRRP_MAX; i++) {
		struct lvs_vrrp_info *v = &s->vrrp[s->n_vrrp++];
		memset(v, 0, sizeof(*v));
		snprintf(v->instance, sizeof(v->instance), "%s", roles[i].inst->name);
		snprintf(v->role, sizeof(v->role), "%s", vrrp_role_name(roles[i].role));
		snprintf(v->declared_state, sizeof(v->declared_state), "%s", roles[i].inst->state);
		snprintf(v->iface, sizeof(v->iface), "%s", roles[i].iface);
		v->held = (uint32_t)roles[i].held;
		v->addresses = (uint32_t)roles[i].inst->n_vips;
	}
}

void declared_export_annotate(struct declared_export *x, struct lvs_snapshot *s)
{
	refresh(x);
	if (!x->d || x->d->n_errors || !x->d->n_vrrp)
		return;
	struct lvs_local_addr *addrs = NULL;
	size_t n = 0;
	struct lvs_vrrp_status *roles = calloc(x->d->n_vrrp, sizeof(*roles));
	if (roles && local_addrs_read(&addrs, &n) == 0) {
		vrrp_roles(x->d, addrs, n, roles);
		declared_export_fill_vrrp(x->d, roles, s);
	}
	free(addrs);
	free(roles);
}

static void put_str_label(struct outbuf *o, const char *name, const char *v, bool first)
{
	if (!first)
		outbuf_putc(o, ',');
	outbuf_puts(o, name);
	outbuf_puts(o, "=\"");
	outbuf_put_label(o, v);
	outbuf_putc(o, '"');
}

static void head(struct outbuf *o, const char *name, const char *help)
{
	outbuf_printf(o, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static const enum lvs_drift_kind drift_kinds[] = {
	LVS_DRIFT_SERVICE_ABSENT, LVS_DRIFT_SERVICE_UNDECLARED, LVS_DRIFT_SERVICE_DIFFERS,
	LVS_DRIFT_SERVER_ABSENT,  LVS_DRIFT_SERVER_UNDECLARED,  LVS_DRIFT_SERVER_DIFFERS,
	LVS_DRIFT_SORRY_ACTIVE,
};

int declared_export_render(struct outbuf *o, const char *path, const struct lvs_declared *d,
			   const struct lvs_vrrp_status *roles, const struct lvs_snapshot *s)
{
	if (!d || !s)
		return outbuf_failed(o) ? -ENOMEM : 0;
	head(o, "lvsd_declared_info", "The file the declared table is read from (always 1).");
	outbuf_puts(o, "lvsd_declared_info{");
	put_str_label(o, "kind", declared_kind_name(d->kind), true);
	put_str_label(o, "path", path, false);
	outbuf_puts(o, "} 1\n");
	head(o, "lvsd_declared_errors",
	     "Errors in the declared file; while above 0 the table is not compared.");
	outbuf_puts(o, "lvsd_declared_errors ");
	outbuf_put_u64(o, d->n_errors);
	outbuf_putc(o, '\n');
	if (d->sync.set) {
		head(o, "lvsd_declared_sync_daemon",
		     "The connection sync daemon the file asks for (always 1).");
		outbuf_puts(o, "lvsd_declared_sync_daemon{");
		put_str_label(o, "interface", d->sync.iface, true);
		put_str_label(o, "vrrp_instance", d->sync.instance, false);
		outbuf_puts(o, ",syncid=\"");
		outbuf_put_u64(o, d->sync.syncid);
		outbuf_puts(o, "\"} 1\n");
	}
	if (roles && d->n_vrrp) {
		head(o, "lvsd_vrrp_master",
		     "1 when this director holds every address of the VRRP instance.");
		for (size_t i = 0; i < d->n_vrrp; i++) {
			outbuf_puts(o, "lvsd_vrrp_master{");
			put_str_label(o, "vrrp_instance", roles[i].inst->name, true);
			outbuf_puts(o, roles[i].role == LVS_ROLE_MASTER ? "} 1\n" : "} 0\n");
		}
		head(o, "lvsd_vrrp_role",
		     "This director's role for the VRRP instance, from the addresses it holds "
		     "(always 1).");
		for (size_t i = 0; i < d->n_vrrp; i++) {
			outbuf_puts(o, "lvsd_vrrp_role{");
			put_str_label(o, "vrrp_instance", roles[i].inst->name, true);
			put_str_label(o, "role", vrrp_role_name(roles[i].role), false);
			outbuf_puts(o, "} 1\n");
		}
	}
	if (d->n_errors)
		return outbuf_failed(o) ? -ENOMEM : 0;
	struct lvs_drift dr;
	if (drift_compute(d, s, &dr) < 0) {
		drift_free(&dr);
		return -ENOMEM;
	}
	head(o, "lvsd_real_server_declared",
	     "1 when the declared file names this real server of the kernel, 0 when not "
	     "(added by hand).");
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *svc = &s->services[i];
		for (size_t k = 0; k < svc->n_dests; k++) {
			enum lvs_decl_state st = drift_dest_state(&dr, d, svc, &svc->dests[k]);
			outbuf_puts(o, "lvsd_real_server_declared{");
			metrics_service_labels(o, svc);
			outbuf_putc(o, ',');
			metrics_dest_labels(o, &svc->dests[k]);
			outbuf_puts(o, st == LVS_DECL_STATE_UNDECLARED ? "} 0\n" : "} 1\n");
		}
	}
	head(o, "lvsd_drift", "Differences between the kernel and the declared table, by kind.");
	for (size_t k = 0; k < sizeof(drift_kinds) / sizeof(drift_kinds[0]); k++) {
		uint64_t n = 0;
		for (size_t i = 0; i < dr.n; i++)
			n += dr.items[i].kind == drift_kinds[k];
		outbuf_puts(o, "lvsd_drift{");
		put_str_label(o, "kind", drift_kind_name(drift_kinds[k]), true);
		outbuf_puts(o, "} ");
		outbuf_put_u64(o, n);
		outbuf_putc(o, '\n');
	}
	head(o, "lvsd_drift_item",
	     "One difference between the kernel and the declared table (always 1); service "
	     "and real_server in ipvsadm's words.");
	for (size_t i = 0; i < dr.n; i++) {
		const struct lvs_drift_item *it = &dr.items[i];
		char st[96], dt[64];
		outbuf_puts(o, "lvsd_drift_item{");
		put_str_label(o, "kind", drift_kind_name(it->kind), true);
		put_str_label(o, "service", lvs_svc_text(&it->svc, st, sizeof(st)), false);
		put_str_label(o, "real_server", it->has_dest ? lvs_dest_text(&it->dest, dt, sizeof(dt)) : "",
			      false);
		put_str_label(o, "field", it->field, false);
		outbuf_puts(o, "} 1\n");
	}
	drift_free(&dr);
	return outbuf_failed(o) ? -ENOMEM : 0;
}

int declared_export_run(struct declared_export *x, struct outbuf *o, const struct lvs_snapshot *s)
{
	if (!s)
		return 0;
	refresh(x);
	if (!x->d)
		return 0;
	struct lvs_vrrp_status *roles = NULL;
	struct lvs_local_addr *addrs = NULL;
	size_t n = 0;
	if (x->d->n_vrrp && local_addrs_read(&addrs, &n) == 0) {
		roles = calloc(x->d->n_vrrp, sizeof(*roles));
		if (roles)
			vrrp_roles(x->d, addrs, n, roles);
	}
	int r = declared_export_render(o, x->d_path, x->d, roles, s);
	free(roles);
	free(addrs);
	return r;
}
