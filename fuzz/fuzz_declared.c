/* The declared table's readers (collector/declared/declared.h):
 * keepalived.conf and piranha's lvs.cf, files an operator (or a
 * configuration tool) writes and lvstop reads to compare with the kernel.
 * The input is a file and, after a line "%%", the text of inc.conf, which
 * the first may include (written to a private temporary folder, the
 * current folder while parsing). Both readers see the first part. A table
 * is returned whatever the text holds; its messages are printable, counted
 * right, and name files the table lists; every object points at a listed
 * file and holds a known address family; names are terminated. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "collector/declared/declared.h"
#include "fuzz.h"

static char dir[64];
static int dir_fd, cwd_fd;

static void remove_dir(void)
{
	unlinkat(dir_fd, "inc.conf", 0);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	strcpy(dir, "/tmp/fuzz_declared_XXXXXX");
	FUZZ_CHECK(mkdtemp(dir), "mkdtemp");
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
	cwd_fd = open(".", O_RDONLY | O_DIRECTORY);
	FUZZ_CHECK(dir_fd >= 0 && cwd_fd >= 0, "open folders");
	atexit(remove_dir);
	return 0;
}

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *end = text + size;
	size_t len = size;
	/* "%%" line: the rest is inc.conf. */
	for (const char *q = text; q < end;) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		if (!nl)
			break;
		if (end - nl >= 4 && !memcmp(nl, "\n%%\n", 4)) {
			len = (size_t)(nl + 1 - text);
			break;
		}
		q = nl + 1;
	}
	int fd = openat(dir_fd, "inc.conf", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	FUZZ_CHECK(fd >= 0, "cannot write inc.conf");
	if (len + 4 <= size)
		FUZZ_CHECK(write(fd, text + len + 3, size - len - 3) == (ssize_t)(size - len - 3),
			   "short write");
	close(fd);
	FUZZ_CHECK(fchdir(dir_fd) == 0, "chdir");

	struct lvs_declared *d = NULL;
	int r = declared_parse_keepalived("keepalived.conf", text, len, &d);
	FUZZ_CHECK(r == 0, "keepalived: %d", r);
	check_table(d, LVS_DECL_KEEPALIVED);
	declared_free(d);

	d = NULL;
	r = declared_parse_lvscf("lvs.cf", text, len, &d);
	FUZZ_CHECK(r == 0, "lvs.cf: %d", r);
	check_table(d, LVS_DECL_LVSCF);
	declared_free(d);

	FUZZ_CHECK(fchdir(cwd_fd) == 0, "chdir back");
	return 0;
}
