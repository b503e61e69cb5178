#include "lvsd_decl_checks.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "collector/declared/conf_tree.h"
#include "collector/names.h"
#include "lvsd_conf_priv.h"
#include "share/vec.h"

struct mapper {
	struct lvsd_config *c;
	size_t notes_cap;
	int err; /* -ENOMEM once out of memory */
};

/* A note "FILE:LINE: text", printable ('?' for other bytes). */
static void note(struct mapper *m, bool warning, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void note(struct mapper *m, bool warning, const char *file, int line, const char *fmt, ...)
{
	char body[512], text[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	snprintf(text, sizeof(text), "%s:%d: %s%s", file ? file : "?", line,
		 warning ? "warning: " : "", body);
	for (char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	struct lvsd_config *c = m->c;
	char *dup = strdup(text);
	if (!dup || vec_grow((void **)&c->health_notes, &m->notes_cap, c->n_health_notes + 1,
			     sizeof(*c->health_notes), 16) < 0) {
		free(dup);
		m->err = -ENOMEM;
		return;
	}
	c->health_notes[c->n_health_notes].warning = warning;
	c->health_notes[c->n_health_notes++].text = dup;
}

static const char *arg0(const struct conf_node *n)
{
	return n->n_args ? n->args[0] : NULL;
}

static const struct conf_node *child(const struct conf_node *n, const char *key)
{
	for (size_t i = 0; n && i < n->n_children; i++)
		if (!strcmp(n->children[i].key, key))
			return &n->children[i];
	return NULL;
}

/* A number of seconds in a node's first word; false (and a warning) when
 * it is not one. */
static bool secs(struct mapper *m, const struct conf_node *n, double *out)
{
	char *end;
	const char *v = arg0(n);
	double t = v ? strtod(v, &end) : -1;
	if (!v || *end || !(t > 0 && t <= 86400)) {
		note(m, true, n->file, n->line, "%s \"%s\": not seconds; keepalived's default is used",
		     n->key, v ? v : "");
		return false;
	}
	*out = t;
	return true;
}

static bool uint_word(const char *v, unsigned long max, unsigned long *out)
{
	char *end;
	if (!v || !*v || *v == '-')
		return false;
	unsigned long x = strtoul(v, &end, 10);
	if (*end || x > max)
		return false;
	*out = x;
	return true;
}

/* Characters a shell would interpret: misc_path runs through /bin/sh in
 * keepalived (no shell here). */
static bool shell_syntax(const char *s)
{
	return strpbrk(s, "|&;<>()$`\\\"'*?[]~{}=%#!") != NULL;
}

/* Words of misc_path, split on blanks, into a NULL-terminated argv. */
static char **split_words(const char *s)
{
	size_t n = 0, cap = 0;
	char **v = NULL;
	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		size_t len = strcspn(s, " \t");
		if (vec_grow((void **)&v, &cap, n + 2, sizeof(*v), 4) < 0 ||
		    !(v[n] = strndup(s, len))) {
			for (size_t i = 0; i < n; i++)
				free(v[i]);
			free(v);
			return NULL;
		}
		v[++n] = NULL;
		s += len;
	}
	return v;
}

static const char *type_name(int t)
{
	return health_type_name((enum lvs_check_type)t);
}

/* The timing and target words every keepalived checker takes. Returns
 * true when the word was one of them. */
static bool common_word(struct mapper *m, const struct conf_node *k, struct lvsd_check *ck)
{
	struct lvs_check_spec *s = &ck->spec;
	unsigned long v;
	double t;
	if (!strcmp(k->key, "connect_ip")) {
		if (lvs_addr_pton(arg0(k) ? arg0(k) : "", &s->target_af, &s->target_addr) < 0)
			note(m, true, k->file, k->line, "connect_ip \"%s\": not an address (ignored)",
			     arg0(k) ? arg0(k) : "");
	} else if (!strcmp(k->key, "connect_port")) {
		if (uint_word(arg0(k), 65535, &v) && v)
			s->target_port = (uint16_t)v;
		else
			note(m, true, k->file, k->line, "connect_port \"%s\": not a port (ignored)",
			     arg0(k) ? arg0(k) : "");
	} else if (!strcmp(k->key, "connect_timeout")) {
		if (secs(m, k, &t))
			s->timeout = t;
	} else if (!strcmp(k->key, "retry") || !strcmp(k->key, "nb_get_retry")) {
		if (uint_word(arg0(k), 100, &v))
			s->retry = (uint32_t)v;
		else
			note(m, true, k->file, k->line, "%s \"%s\": not 0 to 100 (keepalived's default is used)",
			     k->key, arg0(k) ? arg0(k) : "");
	} else if (!strcmp(k->key, "delay_before_retry")) {
		if (secs(m, k, &t))
			s->retry_delay = t;
	} else if (!strcmp(k->key, "delay_loop")) {
		if (secs(m, k, &t))
			s->interval = t;
	} else if (!strcmp(k->key, "warmup")) {
		if (secs(m, k, &t))
			s->warmup = t;
	} else {
		return false;
	}
	return true;
}

static int set_str(struct mapper *m, char **dst, const char *v)
{
	free(*dst);
	*dst = v ? strdup(v) : NULL;
	if (v && !*dst)
		m->err = -ENOMEM;
	return m->err;
}

/* HTTP_GET and SSL_GET words. */
static void http_words(struct mapper *m, const struct conf_node *n, struct lvsd_check *ck)
{
	const struct conf_node *url = NULL;
	for (size_t i = 0; i < n->n_children; i++) {
		const struct conf_node *k = &n->children[i];
		if (common_word(m, k, ck))
			continue;
		if (!strcmp(k->key, "url")) {
			if (url) {
				note(m, true, k->file, k->line,
				     "a second url: lvsd checks the first one only (line %d)", url->line);
				continue;
			}
			url = k;
			for (size_t j = 0; j < k->n_children; j++) {
				const struct conf_node *u = &k->children[j];
				unsigned long v;
				if (!strcmp(u->key, "path")) {
					if (arg0(u) && arg0(u)[0] == '/')
						set_str(m, &ck->http_path, arg0(u));
					else
						note(m, true, u->file, u->line,
						     "path \"%s\" does not start with '/' (\"/\" is used)",
						     arg0(u) ? arg0(u) : "");
				} else if (!strcmp(u->key, "status_code")) {
					if (u->n_args == 1 && uint_word(arg0(u), 599, &v) && v >= 100)
						ck->spec.http_status = (int)v;
					else
						note(m, true, u->file, u->line,
						     "status_code \"%s\": lvsd checks one status (any 2xx is "
						     "taken)", arg0(u) ? arg0(u) : "");
				} else if (!strcmp(u->key, "digest")) {
					note(m, true, u->file, u->line,
					     "digest is not supported: lvsd checks the status only");
				} else if (!strcmp(u->key, "virtualhost")) {
					set_str(m, &ck->http_host, arg0(u));
				} else {
					note(m, true, u->file, u->line, "url %s is not supported (ignored)",
					     u->key);
				}
			}
		} else if (!strcmp(k->key, "virtualhost")) {
			set_str(m, &ck->http_host, arg0(k));
		} else if (!strcmp(k->key, "enable_sni") && ck->spec.type == LVS_CHECK_HTTPS) {
			/* the Host is sent as SNI already when it is a name */
		} else {
			note(m, true, k->file, k->line, "%s in %s is not supported (ignored)", k->key,
			     n->key);
		}
	}
}

static void misc_words(struct mapper *m, const struct conf_node *n, struct lvsd_check *ck)
{
	for (size_t i = 0; i < n->n_children; i++) {
		const struct conf_node *k = &n->children[i];
		double t;
		if (!strcmp(k->key, "misc_path")) {
			const char *p = arg0(k);
			if (!p || !*p) {
				note(m, true, k->file, k->line, "misc_path is empty");
				continue;
			}
			if (shell_syntax(p))
				note(m, true, k->file, k->line,
				     "misc_path \"%s\" has shell syntax: lvsd runs its words without a "
				     "shell", p);
			for (char **a = ck->argv; a && *a; a++)
				free(*a);
			free(ck->argv);
			if (!(ck->argv = split_words(p)))
				m->err = -ENOMEM;
		} else if (!strcmp(k->key, "misc_timeout")) {
			if (secs(m, k, &t))
				ck->spec.timeout = t;
		} else if (common_word(m, k, ck)) {
			continue;
		} else if (!strcmp(k->key, "misc_dynamic")) {
			note(m, true, k->file, k->line,
			     "misc_dynamic is not supported: lvsd takes exit 0 as up, any other as down");
		} else {
			note(m, true, k->file, k->line, "%s in MISC_CHECK is not supported (ignored)",
			     k->key);
		}
	}
}

static void dns_words(struct mapper *m, const struct conf_node *n, struct lvsd_check *ck)
{
	for (size_t i = 0; i < n->n_children; i++) {
		const struct conf_node *k = &n->children[i];
		if (common_word(m, k, ck))
			continue;
		if (!strcmp(k->key, "type")) {
			int t = health_dns_qtype_parse(arg0(k));
			if (t < 0)
				note(m, true, k->file, k->line, "type \"%s\" is not a query type lvsd asks (SOA is used)",
				     arg0(k) ? arg0(k) : "");
			else
				ck->spec.dns_qtype = (uint16_t)t;
		} else if (!strcmp(k->key, "name")) {
			set_str(m, &ck->dns_name, arg0(k));
		} else {
			note(m, true, k->file, k->line, "%s in DNS_CHECK is not supported (ignored)",
			     k->key);
		}
	}
}

static void link_spec(struct lvsd_check *ck)
{
	struct lvs_check_spec *s = &ck->spec;
	s->http_path = ck->http_path;
	s->http_host = ck->http_host;
	s->http_request = ck->http_request;
	s->http_expect = ck->http_expect;
	s->tls_sni = ck->tls_sni;
	s->dns_name = ck->dns_name;
	s->exec_argv = (const char *const *)ck->argv;
}

/* One sentence for the mapping note. */
static void describe(const struct lvsd_check *ck, char *buf, size_t len)
{
	const struct lvs_check_spec *s = &ck->spec;
	char tgt[80] = "", extra[200] = "";
	if (s->target_af) {
		char a[64] = "";
		lvs_addr_ntop(s->target_af, &s->target_addr, a, sizeof(a));
		snprintf(tgt, sizeof(tgt), " to %s", a);
	}
	if (s->target_port) {
		size_t n = strlen(tgt);
		snprintf(tgt + n, sizeof(tgt) - n, "%s port %u", n ? "" : " to", s->target_port);
	}
	switch (s->type) {
	case LVS_CHECK_HTTP:
	case LVS_CHECK_HTTPS:
		if (s->http_request)
			snprintf(extra, sizeof(extra), " request as written%s%s%s",
				 s->http_expect ? ", body containing \"" : "",
				 s->http_expect ? s->http_expect : "", s->http_expect ? "\"" : "");
		else if (s->http_status)
			snprintf(extra, sizeof(extra), " GET %s expecting %d",
				 s->http_path ? s->http_path : "/", s->http_status);
		else
			snprintf(extra, sizeof(extra), " GET %s expecting 2xx",
				 s->http_path ? s->http_path : "/");
		break;
	case LVS_CHECK_EXEC:
		snprintf(extra, sizeof(extra), " %s (with the address and port as two more arguments)",
			 s->exec_argv && s->exec_argv[0] ? s->exec_argv[0] : "");
		break;
	case LVS_CHECK_DNS:
		snprintf(extra, sizeof(extra), " %s type %u", s->dns_name ? s->dns_name : "", s->dns_qtype);
		break;
	default:
		break;
	}
	snprintf(buf, len, "%s%s%s every %g s, timeout %g s, retry %u after %g s",
		 type_name(s->type), extra, tgt, s->interval, s->timeout, s->retry, s->retry_delay);
}

/* The first checker of a keepalived real_server node that maps, into a
 * new check (NULL: none maps). interval: the delay_loop that applies. */
static struct lvsd_check *map_keepalived_rs(struct mapper *m, const struct conf_node *rs,
					    const struct lvs_dest *rd, double interval,
					    const char *vhost)
{
	static const char *const unsupported[] = { "SMTP_CHECK", "BFD_CHECK", "UDP_CHECK",
						   "PING_CHECK", "FILE_CHECK", NULL };
	struct lvsd_check *ck = NULL;
	const struct conf_node *dl = child(rs, "delay_loop");
	double t;
	if (dl && secs(m, dl, &t))
		interval = t;
	for (size_t i = 0; rs && i < rs->n_children; i++) {
		const struct conf_node *n = &rs->children[i];
		int type = -1;
		if (!strcmp(n->key, "TCP_CHECK"))
			type = LVS_CHECK_TCP;
		else if (!strcmp(n->key, "HTTP_GET"))
			type = LVS_CHECK_HTTP;
		else if (!strcmp(n->key, "SSL_GET"))
			type = LVS_CHECK_HTTPS;
		else if (!strcmp(n->key, "MISC_CHECK"))
			type = LVS_CHECK_EXEC;
		else if (!strcmp(n->key, "DNS_CHECK"))
			type = LVS_CHECK_DNS;
		else {
			for (size_t u = 0; unsupported[u]; u++)
				if (!strcmp(n->key, unsupported[u]))
					note(m, true, n->file, n->line,
					     "%s is not a check lvsd runs (not mapped)", n->key);
			continue;
		}
		if (ck) {
			note(m, true, n->file, n->line,
			     "%s: lvsd runs one check per real server, the first (line %d); "
			     "keepalived wants all of them up", n->key, ck->line);
			continue;
		}
		if (!(ck = calloc(1, sizeof(*ck)))) {
			m->err = -ENOMEM;
			return NULL;
		}
		ck->line = n->line;
		struct lvs_check_spec *s = &ck->spec;
		/* The real server, for the engine's test below (lvsd_checks sets
		 * it again per kernel real server). */
		s->af = rd->af;
		s->addr = rd->addr;
		s->port = rd->port ? rd->port : 1;
		s->type = (enum lvs_check_type)type;
		s->interval = interval;
		s->timeout = LVSD_KA_CONNECT_TIMEOUT;
		s->retry = LVSD_KA_RETRY;
		s->retry_delay = LVSD_KA_DELAY_BEFORE_RETRY;
		if (type == LVS_CHECK_HTTP || type == LVS_CHECK_HTTPS) {
			if (vhost)
				set_str(m, &ck->http_host, vhost);
			http_words(m, n, ck);
		} else if (type == LVS_CHECK_EXEC) {
			misc_words(m, n, ck);
			if (!ck->argv)
				note(m, true, n->file, n->line, "MISC_CHECK without misc_path (not mapped)");
		} else if (type == LVS_CHECK_DNS) {
			/* keepalived asks for the SOA of "." unless told otherwise */
			s->dns_qtype = 6;
			s->target_port = 53;
			dns_words(m, n, ck);
			if (!ck->dns_name)
				set_str(m, &ck->dns_name, ".");
		} else {
			for (size_t j = 0; j < n->n_children; j++)
				if (!common_word(m, &n->children[j], ck))
					note(m, true, n->children[j].file, n->children[j].line,
					     "%s in TCP_CHECK is not supported (ignored)",
					     n->children[j].key);
		}
		link_spec(ck);
		char why[200];
		if ((type == LVS_CHECK_EXEC && !ck->argv) ||
		    health_spec_check(&ck->spec, why, sizeof(why)) < 0) {
			if (type != LVS_CHECK_EXEC || ck->argv)
				note(m, true, n->file, n->line, "%s cannot be run: %s (not mapped)",
				     n->key, why);
			lvsd_check_free(ck);
			ck = NULL;
			continue;
		}
	}
	return ck;
}

/* "\r\n" and friends of an lvs.cf send string. */
static char *unescape(const char *s)
{
	char *o = malloc(strlen(s) + 1), *p = o;
	if (!o)
		return NULL;
	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*p++ = *s == 'r' ? '\r' : *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
		} else {
			*p++ = *s;
		}
	}
	*p = '\0';
	return o;
}

static struct lvsd_check *map_lvscf_dest(struct mapper *m, const struct lvs_decl_dest *dd)
{
	struct lvsd_check *ck = calloc(1, sizeof(*ck));
	if (!ck) {
		m->err = -ENOMEM;
		return NULL;
	}
	ck->spec.type = LVS_CHECK_TCP;
	if (!dd->n_checks)
		return ck;
	const struct lvs_decl_check *dc = &dd->checks[0];
	ck->line = dc->line;
	static const char *const methods[] = { "GET ", "HEAD ", "POST ", "OPTIONS ", NULL };
	bool http = false;
	for (size_t i = 0; dc->send && methods[i]; i++)
		http |= !strncmp(dc->send, methods[i], strlen(methods[i]));
	if (!strcmp(dc->kind, "send_expect") && http) {
		ck->spec.type = LVS_CHECK_HTTP;
		if (!(ck->http_request = unescape(dc->send))) {
			m->err = -ENOMEM;
			return ck;
		}
		if (!strstr(ck->http_request, "\r\n\r\n") && !strstr(ck->http_request, "\n\n"))
			note(m, true, dc->file, dc->line,
			     "send has no empty line ending the request: the server may wait for "
			     "more and the check time out");
		if (dc->expect && *dc->expect && strncmp(dc->expect, "HTTP", 4)) {
			set_str(m, &ck->http_expect, dc->expect);
			note(m, true, dc->file, dc->line,
			     "expect \"%s\": lvsd looks for it in the reply's body, after a 2xx status",
			     dc->expect);
		} else if (dc->expect && *dc->expect) {
			note(m, true, dc->file, dc->line,
			     "expect \"%s\": lvsd takes any 2xx HTTP status (nanny any reply starting "
			     "so)", dc->expect);
		}
	} else if (!strcmp(dc->kind, "send_expect")) {
		note(m, true, dc->file, dc->line,
		     "send/expect of a protocol other than HTTP is not a check lvsd runs: it "
		     "checks that the TCP connect succeeds");
	}
	link_spec(ck);
	return ck;
}

static bool configured(const struct lvsd_config *c, size_t n, const struct lvs_service *s)
{
	for (size_t i = 0; i < n; i++) {
		const struct lvsd_svc_conf *k = &c->svcs[i];
		if (k->af == s->af && k->protocol == s->protocol && k->port == s->port &&
		    k->fwmark == s->fwmark && !memcmp(&k->addr, &s->addr, sizeof(k->addr)))
			return true;
	}
	return false;
}

/* The node of a statement declared at file:line among nodes (recursively
 * through blocks that are not checkers). */
static const struct conf_node *node_at(const struct conf_node *v, size_t n, const char *key,
				       const char *file, int line)
{
	for (size_t i = 0; i < n; i++) {
		const struct conf_node *x = &v[i];
		if (x->line == line && !strcmp(x->key, key) && file && !strcmp(x->file, file))
			return x;
		if (!strcmp(x->key, "virtual_server") || !strcmp(x->key, "real_server"))
			continue; /* they do not nest */
		const struct conf_node *r = node_at(x->children, x->n_children, key, file, line);
		if (r)
			return r;
	}
	return NULL;
}

static int map_all(struct mapper *m, const struct lvs_declared *d, const struct conf_tree *t)
{
	struct lvsd_config *c = m->c;
	size_t n_conf = c->n_svcs, cap = c->n_svcs;
	size_t n_root = 0;
	const struct conf_node *root = t ? conf_tree_root(t, &n_root) : NULL;
	for (size_t i = 0; i < d->n_services && !m->err; i++) {
		const struct lvs_decl_service *ds = &d->services[i];
		char st[96];
		lvs_svc_text(&ds->s, st, sizeof(st));
		if (configured(c, n_conf, &ds->s)) {
			note(m, false, ds->file, ds->line,
			     "%s: lvsd.conf configures this service; its checks are used", st);
			continue;
		}
		if (vec_grow((void **)&c->svcs, &cap, c->n_svcs + 1, sizeof(*c->svcs), 8) < 0)
			return -ENOMEM;
		struct lvsd_svc_conf *sc = &c->svcs[c->n_svcs++];
		memset(sc, 0, sizeof(*sc));
		sc->af = ds->s.af;
		sc->protocol = ds->s.protocol;
		sc->port = ds->s.port;
		sc->fwmark = ds->s.fwmark;
		sc->addr = ds->s.addr;
		sc->line = ds->line;
		if (!(sc->rs = calloc(ds->n_dests + 1, sizeof(*sc->rs))))
			return -ENOMEM;
		const struct conf_node *vs = t ? node_at(root, n_root, "virtual_server", ds->file, ds->line)
					       : NULL;
		double interval = LVSD_KA_DELAY_LOOP, tv;
		const struct conf_node *dl = child(vs, "delay_loop");
		if (dl && secs(m, dl, &tv))
			interval = tv;
		const struct conf_node *vh = child(vs, "virtualhost");
		for (size_t k = 0; k < ds->n_dests && !m->err; k++) {
			const struct lvs_decl_dest *dd = &ds->dests[k];
			struct lvsd_rs_conf *rc = &sc->rs[sc->n_rs++];
			char dt[64], how[400];
			rc->af = dd->d.af;
			rc->addr = dd->d.addr;
			rc->port = dd->d.port;
			rc->line = dd->line;
			lvs_dest_text(&dd->d, dt, sizeof(dt));
			if (d->kind == LVS_DECL_KEEPALIVED) {
				const struct conf_node *rn =
					vs ? node_at(vs->children, vs->n_children, "real_server", dd->file,
						     dd->line)
					   : NULL;
				rc->check = map_keepalived_rs(m, rn, &dd->d, interval, vh ? arg0(vh) : NULL);
			} else {
				rc->check = map_lvscf_dest(m, dd);
			}
			if (!rc->check) {
				note(m, false, dd->file, dd->line,
				     "%s -> %s: no checker lvsd can run; health.default checks it",
				     st, dt);
				continue;
			}
			describe(rc->check, how, sizeof(how));
			note(m, false, dd->file, dd->line, "%s -> %s: %s", st, dt, how);
		}
	}
	return m->err;
}

static int map_with_tree(struct lvsd_config *c, const struct lvs_declared *d,
			 const struct conf_tree *t)
{
	struct mapper m = { .c = c, .notes_cap = c->n_health_notes };
	int r = map_all(&m, d, t);
	return r ? r : lvsd_conf_build_index(c);
}

int lvsd_decl_checks_map(struct lvsd_config *c, const struct lvs_declared *d, char *err,
			 size_t errlen)
{
	struct conf_tree *t = NULL;
	if (d->kind == LVS_DECL_KEEPALIVED) {
		struct conf_tree_opts opts = { .includes = true };
		int e = 0;
		if (!(t = conf_tree_read(d->path, &opts, &e))) {
			snprintf(err, errlen, "%s:0: health.from: cannot read it again: %s", d->path,
				 strerror(-e));
			return e == -ENOMEM ? -ENOMEM : -EINVAL;
		}
	}
	int r = map_with_tree(c, d, t);
	conf_tree_free(t);
	return r;
}

int lvsd_decl_checks_map_text(struct lvsd_config *c, const struct lvs_declared *d,
			      const char *name, const char *text, size_t len, char *err,
			      size_t errlen)
{
	struct conf_tree *t = NULL;
	if (d->kind == LVS_DECL_KEEPALIVED) {
		struct conf_tree_opts opts = { .includes = true };
		int e = 0;
		if (!(t = conf_tree_parse(name, text, len, &opts, &e))) {
			snprintf(err, errlen, "%s:0: health.from: %s", name, strerror(-e));
			return e == -ENOMEM ? -ENOMEM : -EINVAL;
		}
	}
	int r = map_with_tree(c, d, t);
	conf_tree_free(t);
	return r;
}
