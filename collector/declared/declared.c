#include "collector/declared/declared.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/ip_vs.h>

#include "collector/declared/declared_int.h"
#include "collector/names.h"
#include "collector/snapshot.h"
#include "share/log.h"
#include "share/vec.h"

int decl_msg(struct lvs_declared *d, enum lvs_decl_severity sev, const char *file, int line,
	     const char *fmt, ...)
{
	char raw[512], buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	log_clean(buf, sizeof(buf), raw, sizeof(raw));
	if (sev == LVS_DECL_ERROR)
		d->n_errors++;
	/* A hostile or generated file can say the same thing a million times:
	 * the first ones are enough to act on. */
	if (d->n_msgs == LVS_DECL_MSGS_MAX) {
		d->n_msgs_dropped++;
		return 0;
	}
	if (vec_grow((void **)&d->msgs, &d->msgs_cap, d->n_msgs + 1, sizeof(*d->msgs), 16) < 0)
		return -ENOMEM;
	char *text = strdup(buf);
	if (!text)
		return -ENOMEM;
	d->msgs[d->n_msgs++] = (struct lvs_decl_msg){ .severity = sev, .file = file,
						      .line = line, .text = text };
	return 0;
}

void decl_report(void *ctx, bool error, const char *file, int line, const char *text)
{
	decl_msg(ctx, error ? LVS_DECL_ERROR : LVS_DECL_WARNING, file, line, "%s", text);
}

struct lvs_decl_service *decl_add_service(struct lvs_declared *d,
					   const struct lvs_decl_service *svc)
{
	if (vec_grow((void **)&d->services, &d->services_cap, d->n_services + 1,
		     sizeof(*d->services), 16) < 0)
		return NULL;
	struct lvs_decl_service *s = &d->services[d->n_services++];
	*s = *svc;
	return s;
}

struct lvs_decl_dest *decl_add_dest(struct lvs_decl_service *svc, size_t *cap)
{
	if (svc->n_dests == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		struct lvs_decl_dest *p = realloc(svc->dests, nc * sizeof(*p));
		if (!p)
			return NULL;
		svc->dests = p;
		*cap = nc;
	}
	struct lvs_decl_dest *dd = &svc->dests[svc->n_dests++];
	memset(dd, 0, sizeof(*dd));
	return dd;
}

bool decl_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

int decl_svc_cmp(const struct lvs_service *a, const struct lvs_service *b)
{
	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	if (a->protocol != b->protocol)
		return a->protocol < b->protocol ? -1 : 1;
	if (a->fwmark != b->fwmark)
		return a->fwmark < b->fwmark ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return memcmp(&a->addr, &b->addr, a->af == AF_INET6 ? 16 : 4);
}

int decl_dest_cmp(const struct lvs_dest *a, const struct lvs_dest *b)
{
	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return memcmp(&a->addr, &b->addr, a->af == AF_INET6 ? 16 : 4);
}

/* Index orders: by identity, then by position, so the first of equals is
 * the one declared first. */
static int svc_idx_cmp(const void *x, const void *y, void *arg)
{
	const struct lvs_declared *d = arg;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int c = decl_svc_cmp(&d->services[a].s, &d->services[b].s);
	return c ? c : a < b ? -1 : a > b;
}

static int dest_idx_cmp(const void *x, const void *y, void *arg)
{
	const struct lvs_decl_service *s = arg;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int c = decl_dest_cmp(&s->dests[a].d, &s->dests[b].d);
	return c ? c : a < b ? -1 : a > b;
}

int decl_check_table(struct lvs_declared *d)
{
	char st[96], dt[64];
	size_t *idx = NULL, cap = 0;

	/* Services declared twice (sorted: n log n, whatever the size). */
	if (d->n_services > 1) {
		if (vec_grow((void **)&idx, &cap, d->n_services, sizeof(*idx), 16) < 0)
			return -ENOMEM;
		for (size_t i = 0; i < d->n_services; i++)
			idx[i] = i;
		qsort_r(idx, d->n_services, sizeof(*idx), svc_idx_cmp, d);
		for (size_t k = 1, first = idx[0]; k < d->n_services; k++) {
			const struct lvs_decl_service *s = &d->services[idx[k]];
			if (decl_svc_cmp(&d->services[first].s, &s->s)) {
				first = idx[k];
				continue;
			}
			if (decl_msg(d, LVS_DECL_WARNING, s->file, s->line,
				     "%s is declared twice (first at %s:%d); keepalived keeps one",
				     lvs_svc_text(&s->s, st, sizeof(st)), d->services[first].file,
				     d->services[first].line) < 0)
				goto oom;
		}
	}
	for (size_t i = 0; i < d->n_services; i++) {
		struct lvs_decl_service *s = &d->services[i];
		lvs_svc_text(&s->s, st, sizeof(st));
		if (s->n_dests > 1) {
			if (vec_grow((void **)&idx, &cap, s->n_dests, sizeof(*idx), 16) < 0)
				goto oom;
			for (size_t k = 0; k < s->n_dests; k++)
				idx[k] = k;
			qsort_r(idx, s->n_dests, sizeof(*idx), dest_idx_cmp, s);
			for (size_t k = 1, first = idx[0]; k < s->n_dests; k++) {
				const struct lvs_decl_dest *r = &s->dests[idx[k]];
				if (decl_dest_cmp(&s->dests[first].d, &r->d)) {
					first = idx[k];
					continue;
				}
				if (decl_msg(d, LVS_DECL_WARNING, r->file, r->line,
					     "real server %s is declared twice in %s (first at %s:%d)",
					     lvs_dest_text(&r->d, dt, sizeof(dt)), st,
					     s->dests[first].file, s->dests[first].line) < 0)
					goto oom;
			}
		}
		for (size_t k = 0; k < s->n_dests; k++) {
			struct lvs_decl_dest *r = &s->dests[k];
			bool no_map = r->d.fwd == LVS_FWD_ROUTE || r->d.fwd == LVS_FWD_TUNNEL;
			if (no_map && !s->s.fwmark && s->s.port && r->d.port &&
			    r->d.port != s->s.port &&
			    decl_msg(d, LVS_DECL_WARNING, r->file, r->line,
				     "real server %s: port %u differs from the service's %u, but %s "
				     "cannot map ports (only NAT can); clients reach port %u",
				     lvs_dest_text(&r->d, dt, sizeof(dt)), r->d.port, s->s.port,
				     r->d.fwd == LVS_FWD_ROUTE ? "DR" : "TUN", s->s.port) < 0)
				goto oom;
		}
	}
	free(idx);
	return 0;
oom:
	free(idx);
	return -ENOMEM;
}

int decl_build(enum lvs_decl_kind kind, const char *path, const char *text, size_t len,
	       const struct conf_file *mem, size_t n_mem, bool lvscf,
	       decl_interpret_fn interpret, struct lvs_declared **out, char *msg, size_t msglen)
{
	struct lvs_declared *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->kind = kind;
	d->path = strdup(path);
	if (!d->path) {
		free(d);
		return -ENOMEM;
	}
	struct conf_tree_opts opts = { .includes = !lvscf, .equals = lvscf, .report = decl_report,
				       .ctx = d, .mem = mem, .n_mem = n_mem };
	int err = 0;
	struct conf_tree *t = text ? conf_tree_parse(path, text, len, &opts, &err)
				   : conf_tree_read(path, &opts, &err);
	if (!t) {
		if (msg && err != -ENOMEM)
			snprintf(msg, msglen, "%s: cannot read: %s", path,
				 err == -EISDIR ? "it is a folder"
				 : err == -EINVAL ? "not a regular file" : strerror(-err));
		else if (msg)
			snprintf(msg, msglen, "%s: out of memory", path);
		declared_free(d);
		return err;
	}
	size_t n;
	const struct conf_node *root = conf_tree_root(t, &n);
	int rc = interpret(d, root, n);
	d->files = conf_tree_take_files(t, &d->n_files);
	conf_tree_free(t);
	if (rc == 0)
		rc = decl_check_table(d);
	if (rc < 0) {
		if (msg)
			snprintf(msg, msglen, "%s: out of memory", path);
		declared_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

void declared_free(struct lvs_declared *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_services; i++) {
		struct lvs_decl_service *s = &d->services[i];
		for (size_t k = 0; k <= s->n_dests; k++) {
			struct lvs_decl_dest *r = k < s->n_dests ? &s->dests[k] : &s->sorry;
			for (size_t c = 0; c < r->n_checks; c++) {
				free(r->checks[c].path);
				free(r->checks[c].send);
				free(r->checks[c].expect);
			}
		}
		free(s->dests);
	}
	free(d->services);
	free(d->vrrp);
	for (size_t i = 0; i < d->n_msgs; i++)
		free(d->msgs[i].text);
	free(d->msgs);
	for (size_t i = 0; i < d->n_files; i++)
		free(d->files[i]);
	free(d->files);
	free(d->path);
	free(d);
}

enum lvs_decl_kind declared_find_default(const char **path)
{
	if (access(LVS_DECL_KEEPALIVED_PATH, F_OK) == 0) {
		*path = LVS_DECL_KEEPALIVED_PATH;
		return LVS_DECL_KEEPALIVED;
	}
	if (access(LVS_DECL_LVSCF_PATH, F_OK) == 0) {
		*path = LVS_DECL_LVSCF_PATH;
		return LVS_DECL_LVSCF;
	}
	*path = NULL;
	return 0;
}

const char *declared_kind_name(enum lvs_decl_kind kind)
{
	return kind == LVS_DECL_LVSCF ? "lvs.cf" : "keepalived.conf";
}
