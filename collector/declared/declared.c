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

int decl_msg(struct lvs_declared *d, enum lvs_decl_severity sev, const char *file, int line,
	     const char *fmt, ...)
{
	char raw[512], buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	log_clean(buf, sizeof(buf), raw, sizeof(raw));
	struct lvs_decl_msg *m = realloc(d->msgs, (d->n_msgs + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	d->msgs = m;
	char *text = strdup(buf);
	if (!text)
		return -ENOMEM;
	d->msgs[d->n_msgs++] = (struct lvs_decl_msg){ .severity = sev, .file = file,
						      .line = line, .text = text };
	if (sev == LVS_DECL_ERROR)
		d->n_errors++;
	return 0;
}

void decl_report(void *ctx, bool error, const char *file, int line, const char *text)
{
	decl_msg(ctx, error ? LVS_DECL_ERROR : LVS_DECL_WARNING, file, line, "%s", text);
}

struct lvs_decl_service *decl_add_service(struct lvs_declared *d,
					   const struct lvs_decl_service *svc)
{
	struct lvs_decl_service *s = realloc(d->services, (d->n_services + 1) * sizeof(*s));
	if (!s)
		return NULL;
	d->services = s;
	s = &d->services[d->n_services++];
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

static bool same_dest(const struct lvs_dest *a, const struct lvs_dest *b)
{
	return a->af == b->af && a->port == b->port &&
	       !memcmp(&a->addr, &b->addr, a->af == AF_INET6 ? 16 : 4);
}

int decl_check_table(struct lvs_declared *d)
{
	char st[96], dt[64];

	for (size_t i = 0; i < d->n_services; i++) {
		struct lvs_decl_service *s = &d->services[i];
		lvs_svc_text(&s->s, st, sizeof(st));
		for (size_t j = 0; j < i; j++)
			if (lvs_service_same(&d->services[j].s, &s->s) &&
			    decl_msg(d, LVS_DECL_WARNING, s->file, s->line,
				     "%s is declared twice (first at %s:%d); keepalived keeps one",
				     st, d->services[j].file, d->services[j].line) < 0)
				return -ENOMEM;
		for (size_t k = 0; k < s->n_dests; k++) {
			struct lvs_decl_dest *r = &s->dests[k];
			lvs_dest_text(&r->d, dt, sizeof(dt));
			for (size_t m = 0; m < k; m++) {
				if (!same_dest(&s->dests[m].d, &r->d))
					continue;
				if (decl_msg(d, LVS_DECL_WARNING, r->file, r->line,
					     "real server %s is declared twice in %s (first at %s:%d)",
					     dt, st, s->dests[m].file, s->dests[m].line) < 0)
					return -ENOMEM;
				break;
			}
			bool no_map = r->d.fwd == LVS_FWD_ROUTE || r->d.fwd == LVS_FWD_TUNNEL;
			if (no_map && !s->s.fwmark && s->s.port && r->d.port &&
			    r->d.port != s->s.port &&
			    decl_msg(d, LVS_DECL_WARNING, r->file, r->line,
				     "real server %s: port %u differs from the service's %u, but %s "
				     "cannot map ports (only NAT can); clients reach port %u",
				     dt, r->d.port, s->s.port,
				     r->d.fwd == LVS_FWD_ROUTE ? "DR" : "TUN", s->s.port) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

int decl_build(enum lvs_decl_kind kind, const char *path, const char *text, size_t len,
	       bool lvscf, decl_interpret_fn interpret, struct lvs_declared **out, char *msg,
	       size_t msglen)
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
	struct conf_tree_opts opts = { .includes = !lvscf, .equals = lvscf, .report = decl_report, .ctx = d };
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
