/* lvsd's configuration (exporter/lvsd_conf.h) with an included file and an
 * auth file: what the operator writes and lvsd re-reads on SIGHUP, where
 * a crash or an exit() takes the daemon down. The input holds up to three
 * files separated by a line "%%": lvsd.conf, inc.conf (which the first may
 * @include "inc.conf") and users (auth_file = "users"), written to a
 * private temporary folder. A refusal names FILE:LINE in one printable
 * line; an accepted config is consistent: every configured service and
 * real server is found again by the lookups the daemon uses, intervals are
 * positive, and an accepted auth file loads.
 *
 * Each file is written when an input changes it, to a folder in memory:
 * libconfig (1.5, Debian 12's) reads an @include itself, by path (fopen
 * in its scanner; the include hook config_set_include_func came with
 * 1.7), so the included file must exist as a file. The folder is on tmpfs
 * (/dev/shm, else $TMPDIR, else /tmp): writing there costs no disk I/O,
 * where on ext4 every rewrite flushed the file to the disk. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "exporter/http/auth.h"
#include "exporter/lvsd_conf.h"
#include "fuzz.h"

#include <fcntl.h>

static char dir[64];
static int dir_fd, cwd_fd;

/* libconfig 1.5 leaks a token at some syntax errors (fuzz/lsan.supp), so
 * libFuzzer runs a leak check after most broken inputs, and the check
 * walks every chunk ASan holds, freed ones waiting in its quarantine
 * included: with the default 256 MiB of quarantine, 85% of the time went
 * there. A use after free is still caught while less than 16 MiB has
 * been freed since: far more than one load of these files frees.
 * ASAN_OPTIONS overrides it. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "quarantine_size_mb=16";
}

static void remove_dir(void)
{
	static const char *const names[] = { "lvsd.conf", "inc.conf", "users" };
	for (size_t i = 0; i < 3; i++)
		unlinkat(dir_fd, names[i], 0);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *base = getenv("TMPDIR");
	if (!access("/dev/shm", W_OK))
		base = "/dev/shm";
	else if (!base || !*base || strlen(base) > 32)
		base = "/tmp";
	snprintf(dir, sizeof(dir), "%s/fuzz_lvsd_conf_XXXXXX", base);
	FUZZ_CHECK(mkdtemp(dir), "mkdtemp");
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
	cwd_fd = open(".", O_RDONLY | O_DIRECTORY);
	FUZZ_CHECK(dir_fd >= 0 && cwd_fd >= 0, "open folders");
	atexit(remove_dir);
	return 0;
}

/* What each file holds now: a mutation changes one part of the input
 * most of the time, so the other files are left as they are. */
static struct {
	char *text;
	size_t len;
	bool written;
} held[3];

static void put(int i, const char *name, const char *text, size_t len)
{
	if (held[i].written && held[i].len == len && !memcmp(held[i].text, text, len))
		return;
	int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FUZZ_CHECK(fd >= 0, "cannot write %s/%s", dir, name);
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, text + off, len - off);
		FUZZ_CHECK(w > 0, "short write");
		off += (size_t)w;
	}
	close(fd);
	char *copy = realloc(held[i].text, len ? len : 1);
	FUZZ_CHECK(copy, "out of memory");
	memcpy(copy, text, len);
	held[i] = (__typeof__(held[i])){ .text = copy, .len = len, .written = true };
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

static bool file_line_prefix(const char *err)
{
	/* "FILE:LINE: ..." : a name, a colon, digits, a colon. */
	const char *c = strchr(err, ':');
	if (!c || c == err || !(c[1] >= '0' && c[1] <= '9'))
		return false;
	c++;
	while (*c >= '0' && *c <= '9')
		c++;
	return *c == ':';
}

static void check_config(const struct lvsd_config *c)
{
	size_t refs = 0;
	FUZZ_CHECK(c->path, "no path");
	FUZZ_CHECK(c->interval > 0, "interval %g", c->interval);
	FUZZ_CHECK(c->threads > 0, "no threads");
	FUZZ_CHECK(c->gzip_level >= 0 && c->gzip_level <= 9, "gzip %d", c->gzip_level);
	FUZZ_CHECK(c->listen && fuzz_printable(c->listen), "listen");
	for (size_t i = 0; i < c->n_svcs; i++) {
		const struct lvsd_svc_conf *k = &c->svcs[i];
		struct lvs_service svc = { .af = k->af, .protocol = k->protocol, .port = k->port,
					   .fwmark = k->fwmark, .addr = k->addr };
		FUZZ_CHECK(k->af == AF_INET || k->af == AF_INET6, "service af %u", k->af);
		FUZZ_CHECK(lvsd_conf_find_service(c, &svc) == k, "service %zu not found again", i);
		for (size_t j = 0; j < k->n_rs; j++) {
			const struct lvsd_rs_conf *r = &k->rs[j];
			struct lvs_dest d = { .af = r->af, .port = r->port, .addr = r->addr };
			FUZZ_CHECK(r->port >= 1, "real server port 0");
			FUZZ_CHECK(lvsd_conf_find_rs(c, k, &svc, &d) == r,
				   "real server %zu of service %zu not found again", j, i);
		}
		refs += k->n_rs;
	}
	FUZZ_CHECK(refs == c->n_rs_refs, "%zu real servers, %zu refs", refs, c->n_rs_refs);
	if (c->auth_file) {
		struct http_auth *a = NULL;
		char err[256] = "";
		int r = auth_load(c->auth_file, &a, err, sizeof(err));
		FUZZ_CHECK(r == 0, "an accepted auth file does not load: %s", err);
		auth_free(a);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	const char *names[3] = { "lvsd.conf", "inc.conf", "users" };
	for (int i = 0; i < 3; i++) {
		size_t len;
		const char *next = part(p, end, &len);
		put(i, names[i], p, len);
		p = next;
	}

	char path[128], err[512];
	struct lvsd_config *c = NULL;
	/* Relative paths (auth_file, exec checks) resolve in the folder too;
	 * libFuzzer itself needs the first folder back afterwards. */
	FUZZ_CHECK(fchdir(dir_fd) == 0, "chdir");
	snprintf(path, sizeof(path), "%s/lvsd.conf", dir);
	err[0] = '\0';
	int r = lvsd_conf_load(path, &c, err, sizeof(err));
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOENT || r == -EACCES, "load: %d (%s)", r, err);
	if (r) {
		fuzz_check_message("lvsd_conf_load", err, sizeof(err));
		if (r == -EINVAL)
			FUZZ_CHECK(file_line_prefix(err), "no FILE:LINE in \"%s\"", err);
	} else {
		check_config(c);
		lvsd_conf_free(c);
	}

	/* The users file alone, as auth_load reads it at start and reload. */
	struct http_auth *a = NULL;
	err[0] = '\0';
	r = auth_load("users", &a, err, sizeof(err));
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOENT || r == -EACCES, "auth: %d", r);
	if (r)
		fuzz_check_message("auth_load", err, sizeof(err));
	auth_free(a);
	FUZZ_CHECK(fchdir(cwd_fd) == 0, "chdir back");
	return 0;
}
