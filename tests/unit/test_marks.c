/* Tests for the console's declared marks (marks.c) and the worker that
 * reads the declared file beside the console (decl_view.c). */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/ip_vs.h>

#include "collector/names.h"
#include "collector/snapshot.h"
#include "console/decl_view.h"
#include "console/marks.h"
#include "console/panel.h"
#include "console/table.h"

static const char *conf =
	"virtual_server 203.0.113.10 80 {\n"                                          /* 1 */
	"  protocol TCP\n  lb_algo wrr\n  lb_kind DR\n"                               /* 2-4 */
	"  real_server 192.0.2.1 80 { weight 2\n TCP_CHECK { connect_timeout 3 } }\n" /* 5-6 */
	"  real_server 192.0.2.2 80 { weight 1\n TCP_CHECK { connect_timeout 3 } }\n" /* 7-8 */
	"  real_server 192.0.2.3 80 { weight 1\n HTTP_GET { url { path / } } }\n"     /* 9-10 */
	"}\n"
	"virtual_server 203.0.113.11 443 {\n"                                         /* 12 */
	"  protocol TCP\n  lb_algo rr\n  persistence_timeout 300\n"
	"  sorry_server 192.0.2.99 443\n"
	"  real_server 192.0.2.5 443 { TCP_CHECK { } }\n"
	"}\n";

static struct decl_file *file_of(const char *text)
{
	struct lvs_declared *d = NULL;
	CU_ASSERT_EQUAL_FATAL(declared_parse_keepalived("k.conf", text, strlen(text), &d), 0);
	struct decl_file *f = decl_file_new(d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	return f;
}

static void svc(struct lvs_snapshot *s, const char *vip, uint16_t port, const char *sched,
		uint32_t timeout)
{
	struct lvs_service v = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = port };
	inet_pton(AF_INET, vip, &v.addr.v4);
	snprintf(v.sched, sizeof(v.sched), "%s", sched);
	if (timeout) {
		v.flags = IP_VS_SVC_F_PERSISTENT;
		v.timeout = timeout;
		v.netmask = 0xffffffff;
	}
	snapshot_add_service(s, &v);
}

static void rs(struct lvs_snapshot *s, size_t i, const char *rip, uint16_t port, int32_t w,
	       uint32_t fwd)
{
	struct lvs_dest d = { .af = AF_INET, .port = port, .fwd = fwd, .weight = w };
	inet_pton(AF_INET, rip, &d.addr.v4);
	snapshot_add_dest(s, i, &d);
}

/* The kernel as keepalived left it after a check failed on 192.0.2.3,
 * with a weight set by hand, a real server and a service added by hand,
 * a scheduler changed and the sorry server standing in. */
static struct lvs_snapshot *drifted(void)
{
	struct lvs_snapshot *s = snapshot_new();
	svc(s, "203.0.113.10", 80, "wrr", 0);
	rs(s, 0, "192.0.2.1", 80, 2, LVS_FWD_ROUTE); /* as declared */
	rs(s, 0, "192.0.2.2", 80, 0, LVS_FWD_ROUTE); /* weight by hand */
	rs(s, 0, "192.0.2.7", 80, 1, LVS_FWD_ROUTE); /* added by hand */
	svc(s, "203.0.113.11", 443, "wlc", 300);     /* scheduler by hand */
	rs(s, 1, "192.0.2.99", 443, 1, LVS_FWD_MASQ); /* the sorry server */
	svc(s, "203.0.113.50", 80, "rr", 0);          /* a service by hand */
	rs(s, 2, "192.0.2.60", 80, 1, LVS_FWD_MASQ);
	snapshot_finish(s);
	return s;
}

static unsigned get(const struct marks *m, const struct lvs_snapshot *s, size_t si, long di)
{
	struct lvs_key k;
	const struct lvs_service *v = &s->services[si];
	if (di < 0)
		lvs_key_service(&k, v);
	else
		lvs_key_dest(&k, v, &v->dests[di]);
	return marks_get(m, &k);
}

static void test_text(void)
{
	char b[8];
	marks_text(0, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "");
	marks_text(MARK_DECLARED, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "=");
	marks_text(MARK_UNDECLARED, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "+");
	marks_text(MARK_DECLARED | MARK_ABSENT, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "-");
	marks_text(MARK_SORRY, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "!");
	marks_text(MARK_DECLARED | MARK_WEIGHT, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "W");
	marks_text(MARK_DECLARED | MARK_WEIGHT | MARK_METHOD, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "WM");
	marks_text(MARK_DECLARED | MARK_SCHED | MARK_PERSIST, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "SP");
	/* Never wider than the room the name column gives it. */
	marks_text(MARK_FIELDS, b, sizeof(b));
	CU_ASSERT_EQUAL(strlen(b), MARK_W);
}

static void test_flags(void)
{
	struct decl_file *f = file_of(conf);
	struct lvs_snapshot *s = drifted();
	struct marks *m = NULL;
	CU_ASSERT_EQUAL_FATAL(marks_build(f, s, &m), 0);
	decl_file_unref(f); /* the marks hold their own reference */
	CU_ASSERT_TRUE(marks_active(m));
	CU_ASSERT_STRING_EQUAL(m->err, "");
	CU_ASSERT_STRING_EQUAL(m->path, "k.conf");
	CU_ASSERT_EQUAL(m->kind, LVS_DECL_KEEPALIVED);
	CU_ASSERT_EQUAL(get(m, s, 0, -1), MARK_DECLARED);
	CU_ASSERT_EQUAL(get(m, s, 0, 0), MARK_DECLARED);
	CU_ASSERT_EQUAL(get(m, s, 0, 1), MARK_DECLARED | MARK_WEIGHT);
	CU_ASSERT_EQUAL(get(m, s, 0, 2), MARK_UNDECLARED);
	CU_ASSERT_EQUAL(get(m, s, 1, -1), MARK_DECLARED | MARK_SCHED);
	CU_ASSERT_EQUAL(get(m, s, 1, 0), MARK_SORRY);
	CU_ASSERT_EQUAL(get(m, s, 2, -1), MARK_UNDECLARED);
	CU_ASSERT_EQUAL(get(m, s, 2, 0), MARK_UNDECLARED); /* in a service by hand */
	/* The ghosts: 192.0.2.3 (its check fails) and 192.0.2.5 (absent
	 * while the sorry server stands in), each under its service. */
	CU_ASSERT_EQUAL_FATAL(m->n_ghosts, 2);
	char t[64];
	CU_ASSERT_STRING_EQUAL(lvs_dest_text(&m->ghosts[0].item->dest, t, sizeof(t)), "192.0.2.3:80");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m->ghosts[0].decl);
	CU_ASSERT_EQUAL(m->ghosts[0].decl->d.weight, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(m->ghosts[0].item->reason, "check fails (HTTP_GET)"));
	CU_ASSERT_STRING_EQUAL(lvs_dest_text(&m->ghosts[1].item->dest, t, sizeof(t)), "192.0.2.5:443");
	CU_ASSERT_EQUAL(marks_drift_count(m), m->drift.n);
	CU_ASSERT_EQUAL(m->n_absent_services, 0);
	marks_free(m);
	snapshot_unref(s);
}

struct lines {
	char v[16][700];
	int n;
};

static void collect(void *arg, const char *line)
{
	struct lines *l = arg;
	if (l->n < 16)
		snprintf(l->v[l->n++], sizeof(l->v[0]), "%s", line);
}

static bool has(const struct lines *l, const char *needle)
{
	for (int i = 0; i < l->n; i++)
		if (strstr(l->v[i], needle))
			return true;
	return false;
}

/* The header's summary, and a declared service the kernel lacks (it has
 * no row of its own to carry a mark). */
static void test_summary(void)
{
	char with_absent[1024];
	snprintf(with_absent, sizeof(with_absent), "%s%s", conf,
		 "virtual_server 203.0.113.12 25 {\n  protocol TCP\n"
		 "  real_server 192.0.2.8 25 { TCP_CHECK { } }\n}\n");
	struct decl_file *f = file_of(with_absent);
	struct lvs_snapshot *s = drifted();
	struct marks *m = NULL;
	CU_ASSERT_EQUAL_FATAL(marks_build(f, s, &m), 0);
	CU_ASSERT_EQUAL(m->n_absent_services, 1);
	char b[64], want[64];
	marks_summary(m, b, sizeof(b));
	snprintf(want, sizeof(want), " (%zu drift, 1 service absent)", marks_drift_count(m));
	CU_ASSERT_STRING_EQUAL(b, want);
	marks_free(m);
	snapshot_unref(s);
	decl_file_unref(f);

	f = file_of(conf);
	s = drifted();
	CU_ASSERT_EQUAL_FATAL(marks_build(f, s, &m), 0);
	marks_summary(m, b, sizeof(b));
	snprintf(want, sizeof(want), " (%zu drift)", marks_drift_count(m));
	CU_ASSERT_STRING_EQUAL(b, want);
	marks_free(m);
	snapshot_unref(s);
	decl_file_unref(f);
}

static void test_describe(void)
{
	struct decl_file *f = file_of(conf);
	struct lvs_snapshot *s = drifted();
	struct marks *m = NULL;
	CU_ASSERT_EQUAL_FATAL(marks_build(f, s, &m), 0);
	decl_file_unref(f);
	const struct lvs_service *v = &s->services[0];
	struct lines l = { 0 };
	marks_describe(m, v, &v->dests[0], collect, &l);
	CU_ASSERT_EQUAL(l.n, 1);
	CU_ASSERT_STRING_EQUAL(l.v[0], "declared in k.conf:5; the kernel has it as declared");
	memset(&l, 0, sizeof(l));
	marks_describe(m, v, &v->dests[1], collect, &l);
	CU_ASSERT_STRING_EQUAL(l.v[0], "declared in k.conf:7");
	CU_ASSERT_STRING_EQUAL(l.v[1], "weight differs: keepalived.conf says 1, the kernel has 0");
	memset(&l, 0, sizeof(l));
	marks_describe(m, v, &v->dests[2], collect, &l);
	CU_ASSERT_EQUAL(l.n, 1);
	CU_ASSERT(has(&l, "not declared in keepalived.conf: not in keepalived.conf: added by hand?"));
	/* The service: its real server keepalived removed, with the reason
	 * and the line that declares it. */
	memset(&l, 0, sizeof(l));
	marks_describe(m, v, NULL, collect, &l);
	CU_ASSERT(has(&l, "declared in k.conf:1; the kernel has it as declared"));
	CU_ASSERT(has(&l, "real server 192.0.2.3:80 is declared but not in the kernel: keepalived "
			  "removes a real server whose check fails (HTTP_GET) [k.conf:9]"));
	memset(&l, 0, sizeof(l));
	marks_describe(m, &s->services[1], NULL, collect, &l);
	CU_ASSERT(has(&l, "scheduler differs: keepalived.conf says rr, the kernel has wlc"));
	memset(&l, 0, sizeof(l));
	marks_describe(m, &s->services[2], &s->services[2].dests[0], collect, &l);
	CU_ASSERT(has(&l, "not declared in keepalived.conf (its service is not either)"));
	/* No marks, no sentences. */
	memset(&l, 0, sizeof(l));
	marks_describe(NULL, v, NULL, collect, &l);
	CU_ASSERT_EQUAL(l.n, 0);
	marks_free(m);
	snapshot_unref(s);
}

static void test_file_errors(void)
{
	struct decl_file *f = file_of("virtual_server 203.0.113.10 80 {\n lb_algo nosuch\n}\n");
	CU_ASSERT_FATAL(f->d->n_errors > 0);
	struct lvs_snapshot *s = drifted();
	struct marks *m = NULL;
	CU_ASSERT_EQUAL_FATAL(marks_build(f, s, &m), 0);
	decl_file_unref(f);
	/* As lvstop diff: a bad file is not compared, and says why. */
	CU_ASSERT_FALSE(marks_active(m));
	CU_ASSERT_PTR_NOT_NULL(strstr(m->err, "not compared"));
	CU_ASSERT_EQUAL(get(m, s, 0, 0), 0);
	struct table t;
	table_init(&t);
	struct table_opts o = { .sort_col = COL_NAME, .tree = true };
	CU_ASSERT_EQUAL_FATAL(table_build(&t, s, &o), 0);
	size_t n = t.n;
	CU_ASSERT_EQUAL(marks_insert_ghosts(&t, s, m), 0);
	CU_ASSERT_EQUAL(t.n, n);
	table_done(&t);
	marks_free(m);
	snapshot_unref(s);
}

static void test_ghost_rows(void)
{
	struct decl_file *f = file_of(conf);
	struct lvs_snapshot *s = drifted();
	struct marks *m = NULL;
	CU_ASSERT_EQUAL_FATAL(marks_build(f, s, &m), 0);
	decl_file_unref(f);
	for (int lazy = 0; lazy < 2; lazy++) {
		struct table t;
		table_init(&t);
		struct table_opts o = { .sort_col = COL_WEIGHT, .descending = true, .tree = true,
					.lazy = lazy };
		CU_ASSERT_EQUAL_FATAL(table_build(&t, s, &o), 0);
		CU_ASSERT_EQUAL_FATAL(t.n, 3 + 5);
		CU_ASSERT_EQUAL_FATAL(marks_insert_ghosts(&t, s, m), 0);
		CU_ASSERT_EQUAL_FATAL(t.n, 3 + 5 + 2);
		table_settle(&t, 0, t.n);
		/* Service 0, its three real servers (sorted), then its ghost. */
		CU_ASSERT_EQUAL(t.rows[0].dest, -1);
		CU_ASSERT_EQUAL(t.rows[0].svc, 0);
		CU_ASSERT_EQUAL(t.rows[1].dest, 0); /* weight 2 first */
		CU_ASSERT(t.rows[2].dest >= 0 && t.rows[3].dest >= 0);
		const struct mark_ghost *g = marks_row_ghost(m, &t.rows[4]);
		CU_ASSERT_PTR_EQUAL(g, &m->ghosts[0]);
		CU_ASSERT_PTR_NULL(marks_row_ghost(m, &t.rows[3]));
		CU_ASSERT_PTR_NULL(marks_row_ghost(m, &t.rows[0]));
		/* A ghost row never reads a real server: its key is its
		 * service's, so the cursor on it selects the service. */
		struct lvs_key k, ks;
		table_row_key(s, &t.rows[4], &k);
		lvs_key_service(&ks, &s->services[0]);
		CU_ASSERT_TRUE(lvs_key_equal(&k, &ks));
		CU_ASSERT_EQUAL(table_find(&t, s, &ks), 0);
		/* Service 1, the sorry server, the ghost of 192.0.2.5. */
		CU_ASSERT_EQUAL(t.rows[5].dest, -1);
		CU_ASSERT_EQUAL(t.rows[6].dest, 0);
		CU_ASSERT_PTR_EQUAL(marks_row_ghost(m, &t.rows[7]), &m->ghosts[1]);
		CU_ASSERT_EQUAL(t.rows[8].dest, -1);
		CU_ASSERT_EQUAL(t.rows[8].svc, 2);
		table_done(&t);
	}
	/* Folded services show no ghost. */
	struct table t;
	table_init(&t);
	struct table_opts o = { .sort_col = COL_NAME, .tree = true, .collapse_all = true };
	CU_ASSERT_EQUAL_FATAL(table_build(&t, s, &o), 0);
	CU_ASSERT_EQUAL(t.n, 3);
	CU_ASSERT_EQUAL(marks_insert_ghosts(&t, s, m), 0);
	CU_ASSERT_EQUAL(t.n, 3);
	table_done(&t);
	marks_free(m);
	snapshot_unref(s);
}

static struct marks *wait_marks(decl_view *v)
{
	for (int i = 0; i < 100; i++) {
		struct pollfd p = { .fd = decl_view_fd(v), .events = POLLIN };
		poll(&p, 1, 50);
		struct marks *m = decl_view_take(v);
		if (m)
			return m;
	}
	return NULL;
}

static void test_worker(void)
{
	char dir[] = "/tmp/test_marks_XXXXXX", path[64];
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/keepalived.conf", dir);
	FILE *fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs(conf, fp);
	fclose(fp);
	struct lvs_snapshot *s = drifted();
	decl_view *v = decl_view_new(path, LVS_DECL_KEEPALIVED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	decl_view_submit(v, s);
	struct marks *m = wait_marks(v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_TRUE(marks_active(m));
	CU_ASSERT_EQUAL(get(m, s, 0, 1), MARK_DECLARED | MARK_WEIGHT);
	marks_free(m);
	/* The file changes (weight 0 written in it, as the docs advise): the
	 * next snapshot's marks follow it. */
	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	char *c2 = strdup(conf), *w = strstr(c2, "weight 1\n TCP_CHECK");
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	w[7] = '0';
	fputs(c2, fp);
	fputs("\n\n", fp); /* a different size, whatever the clock's grain */
	fclose(fp);
	free(c2);
	decl_view_submit(v, s);
	m = wait_marks(v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(get(m, s, 0, 1), MARK_DECLARED);
	marks_free(m);
	/* The file goes away: marks that say why, no flags. */
	unlink(path);
	decl_view_submit(v, s);
	m = wait_marks(v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_FALSE(marks_active(m));
	CU_ASSERT_EQUAL(m->kind, LVS_DECL_KEEPALIVED);
	CU_ASSERT_PTR_NOT_NULL(strstr(m->err, "keepalived.conf"));
	marks_free(m);
	decl_view_free(v);
	snapshot_unref(s);
	rmdir(dir);
}

static bool capture(void *arg, enum crt_role r1, int split, enum crt_role r2, const char *line)
{
	(void)r1, (void)split, (void)r2;
	struct lines *l = arg;
	if (l->n < 16 && (strstr(line, "declared") || strstr(line, "Declared") ||
			  strstr(line, "keepalived") || strstr(line, "Esc leaves")))
		snprintf(l->v[l->n++], sizeof(l->v[0]), "%s", line);
	return true;
}

static void test_legend(void)
{
	struct lines l = { 0 };
	help_lines(NULL, capture, &l);
	CU_ASSERT(has(&l, "Declared marks, column CF"));
	CU_ASSERT(has(&l, "  =   declared, and the kernel matches the file"));
	CU_ASSERT(has(&l, "  +   in the kernel, not declared"));
	CU_ASSERT(has(&l, "  -   declared, not in the kernel (greyed row"));
	CU_ASSERT(has(&l, "  W M declared, the weight / forwarding method differs"));
	CU_ASSERT(has(&l, "y applies it, Esc leaves the kernel as it is"));
	for (int i = 0; i < l.n; i++)
		CU_ASSERT(strlen(l.v[i]) <= 80);
}

int register_marks(void)
{
	CU_pSuite s = CU_add_suite("console declared marks", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "compact text", test_text) ||
	    !CU_add_test(s, "flags of every kind", test_flags) ||
	    !CU_add_test(s, "detail sentences", test_describe) ||
	    !CU_add_test(s, "the header's summary", test_summary) ||
	    !CU_add_test(s, "a file with errors", test_file_errors) ||
	    !CU_add_test(s, "ghost rows", test_ghost_rows) ||
	    !CU_add_test(s, "the worker follows the file", test_worker) ||
	    !CU_add_test(s, "help legend", test_legend))
		return -1;
	return 0;
}
