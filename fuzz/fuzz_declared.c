/* The declared table's readers (collector/declared/declared.h):
 * keepalived.conf and piranha's lvs.cf, files an operator (or a
 * configuration tool) writes and lvstop reads to compare with the kernel.
 * The input holds up to three files separated by a line "%%":
 * keepalived.conf, inc.conf and conf.d/a.conf, which the first may
 * include (by name, or by a glob over conf.d). They are read
 * from memory (declared_read_*_mem: the same reading as from a folder
 * holding them, no file written or opened). Both readers see the first
 * part (as lvs.cf for the second). A table is returned whatever the text
 * holds; its messages are printable, counted right, and name files the
 * table lists; every object points at a listed file and holds a known
 * address family; names are terminated. */
#include <errno.h>
#include <stdio.h>

#include "collector/declared/conf_tree.h"
#include "collector/declared/declared.h"
#include "fuzz.h"

static bool listed(const struct lvs_declared *d, const char *file)
{
	for (size_t i = 0; i < d->n_files; i++)
		if (d->files[i] == file)
			return true;
	return false;
}

static void check_dest(const struct lvs_declared *d, const struct lvs_decl_dest *x)
{
	FUZZ_CHECK(x->d.af == AF_INET || x->d.af == AF_INET6, "real server af %u", x->d.af);
	FUZZ_CHECK(listed(d, x->file) && x->line >= 1, "real server without FILE:LINE");
	FUZZ_CHECK(x->n_checks <= LVS_DECL_CHECKS_MAX, "%zu checks", x->n_checks);
	for (size_t k = 0; k < x->n_checks; k++) {
		const struct lvs_decl_check *c = &x->checks[k];
		FUZZ_CHECK(memchr(c->kind, 0, sizeof(c->kind)), "check kind unterminated");
		FUZZ_CHECK(listed(d, c->file), "check without a file");
	}
}

static void check_table(const struct lvs_declared *d, enum lvs_decl_kind kind)
{
	size_t errors = 0;
	FUZZ_CHECK(d->kind == kind, "kind %d", d->kind);
	FUZZ_CHECK(d->n_files >= 1 && d->path && !strcmp(d->files[0], d->path), "files");
	for (size_t i = 0; i < d->n_msgs; i++) {
		const struct lvs_decl_msg *m = &d->msgs[i];
		FUZZ_CHECK(m->severity == LVS_DECL_WARNING || m->severity == LVS_DECL_ERROR,
			   "severity %d", m->severity);
		FUZZ_CHECK(m->text && m->text[0] && fuzz_printable(m->text), "message \"%s\"",
			   m->text ? m->text : "(null)");
		FUZZ_CHECK(!m->file || listed(d, m->file), "message names an unlisted file");
		errors += m->severity == LVS_DECL_ERROR;
	}
	/* Messages past the bound are dropped but errors among them still
	 * count: every kept error is counted, and nothing else when nothing
	 * was dropped. */
	FUZZ_CHECK(d->n_msgs <= LVS_DECL_MSGS_MAX, "%zu messages kept", d->n_msgs);
	FUZZ_CHECK(errors <= d->n_errors && errors + d->n_msgs_dropped >= d->n_errors,
		   "%zu errors kept, %zu dropped messages, %zu counted", errors,
		   d->n_msgs_dropped, d->n_errors);
	FUZZ_CHECK(d->n_msgs_dropped || errors == d->n_errors, "%zu errors counted %zu", errors,
		   d->n_errors);
	for (size_t i = 0; i < d->n_services; i++) {
		const struct lvs_decl_service *s = &d->services[i];
		FUZZ_CHECK(s->s.af == AF_INET || s->s.af == AF_INET6, "service af %u", s->s.af);
		FUZZ_CHECK(listed(d, s->file) && s->line >= 1, "service without FILE:LINE");
		FUZZ_CHECK(memchr(s->s.sched, 0, sizeof(s->s.sched)) &&
				   memchr(s->group, 0, sizeof(s->group)),
			   "names unterminated");
		FUZZ_CHECK(!s->n_dests || s->dests, "dests missing");
		for (size_t j = 0; j < s->n_dests; j++)
			check_dest(d, &s->dests[j]);
		if (s->has_sorry)
			check_dest(d, &s->sorry);
	}
	for (size_t i = 0; i < d->n_vrrp; i++) {
		const struct lvs_decl_vrrp *v = &d->vrrp[i];
		FUZZ_CHECK(memchr(v->name, 0, sizeof(v->name)) && memchr(v->state, 0, sizeof(v->state)) &&
				   memchr(v->iface, 0, sizeof(v->iface)),
			   "vrrp names unterminated");
		FUZZ_CHECK(v->n_vips <= LVS_DECL_VIPS_MAX, "%zu vips", v->n_vips);
		FUZZ_CHECK(listed(d, v->file), "vrrp without a file");
	}
	if (d->sync.set)
		FUZZ_CHECK(memchr(d->sync.iface, 0, sizeof(d->sync.iface)) &&
				   memchr(d->sync.instance, 0, sizeof(d->sync.instance)),
			   "sync names unterminated");
}

/* The next part of the input: up to a line "%%" or the end. */
static const char *part(const char *p, const char *end, size_t *len)
{
	const char *q = p;
	while (q < end) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		if (!nl)
			break;
		if (end - nl >= 4 && !memcmp(nl, "\n%%\n", 4)) {
			*len = (size_t)(nl + 1 - p);
			return nl + 4;
		}
		q = nl + 1;
	}
	*len = (size_t)(end - p);
	return end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "keepalived.conf", "inc.conf", "conf.d/a.conf" };
	struct conf_file files[3];
	const char *p = (const char *)data, *end = p + size;
	for (size_t i = 0; i < 3; i++) {
		size_t len;
		const char *next = part(p, end, &len);
		files[i] = (struct conf_file){ .name = names[i], .text = p, .len = len };
		p = next;
	}
	char msg[256];
	struct lvs_declared *d = NULL;
	int r = declared_read_keepalived_mem(names[0], files, 3, &d, msg, sizeof(msg));
	FUZZ_CHECK(r == 0, "keepalived: %d", r);
	check_table(d, LVS_DECL_KEEPALIVED);
	declared_free(d);

	files[0].name = "lvs.cf";
	d = NULL;
	r = declared_read_lvscf_mem("lvs.cf", files, 3, &d, msg, sizeof(msg));
	FUZZ_CHECK(r == 0, "lvs.cf: %d", r);
	check_table(d, LVS_DECL_LVSCF);
	declared_free(d);
	return 0;
}
