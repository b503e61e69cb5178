/* Tests for the services table: tree and flat rows, sorting by columns,
 * filtering, collapsing, cell text. */
#include <CUnit/CUnit.h>
#include <linux/ip_vs.h>
#include <arpa/inet.h>
#include <string.h>

#include "collector/snapshot.h"
#include "console/table.h"

/* Three services:
 *   0 tcp 203.0.113.2:80  wrr  dests .11 (w3, 30 B/s in) .12 (w1, 10 B/s)
 *   1 udp 203.0.113.1:53  rr   dest  .21 (w1, 500 B/s)
 *   2 tcp [2001:db8::1]:443 sh dests ::a (w0, 0) ::b (w2, 100), ::c (w2, 50)
 * Service rates: cps 5, 50, 1 (computed, valid). */
static struct lvs_snapshot *build(void)
{
	struct lvs_snapshot *s = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct lvs_service v = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = 80, .rates_valid = true };
	inet_pton(AF_INET, "203.0.113.2", &v.addr.v4);
	strcpy(v.sched, "wrr");
	v.rates.cps = 5;
	v.rates.inbps = 40;
	CU_ASSERT_EQUAL_FATAL(snapshot_add_service(s, &v), 0);
	struct lvs_dest d = { .af = AF_INET, .port = 80, .weight = 3, .fwd = LVS_FWD_MASQ,
			      .rates_valid = true, .active_conns = 7 };
	inet_pton(AF_INET, "192.0.2.11", &d.addr.v4);
	d.rates.inbps = 30;
	d.rates.cps = 4;
	CU_ASSERT_EQUAL_FATAL(snapshot_add_dest(s, 0, &d), 0);
	inet_pton(AF_INET, "192.0.2.12", &d.addr.v4);
	d.weight = 1;
	d.rates.inbps = 10;
	d.rates.cps = 1;
	d.active_conns = 2;
	CU_ASSERT_EQUAL_FATAL(snapshot_add_dest(s, 0, &d), 0);

	v = (struct lvs_service){ .af = AF_INET, .protocol = IPPROTO_UDP, .port = 53, .rates_valid = true };
	inet_pton(AF_INET, "203.0.113.1", &v.addr.v4);
	strcpy(v.sched, "rr");
	v.rates.cps = 50;
	CU_ASSERT_EQUAL_FATAL(snapshot_add_service(s, &v), 0);
	d = (struct lvs_dest){ .af = AF_INET, .port = 53, .weight = 1, .fwd = LVS_FWD_ROUTE,
			       .rates_valid = true, .active_conns = 1 };
	inet_pton(AF_INET, "192.0.2.21", &d.addr.v4);
	d.rates.inbps = 500;
	d.rates.cps = 50;
	CU_ASSERT_EQUAL_FATAL(snapshot_add_dest(s, 1, &d), 0);

	v = (struct lvs_service){ .af = AF_INET6, .protocol = IPPROTO_TCP, .port = 443 };
	inet_pton(AF_INET6, "2001:db8::1", &v.addr.v6);
	strcpy(v.sched, "sh");
	v.krates.cps = 1; /* rates not valid yet: the kernel's are shown */
	CU_ASSERT_EQUAL_FATAL(snapshot_add_service(s, &v), 0);
	const char *a6[] = { "2001:db8:a::a", "2001:db8:a::b", "2001:db8:a::c" };
	int w6[] = { 0, 2, 2 };
	int in6[] = { 0, 100, 50 };
	for (int i = 0; i < 3; i++) {
		d = (struct lvs_dest){ .af = AF_INET6, .port = 443, .weight = w6[i], .fwd = LVS_FWD_TUNNEL,
				       .rates_valid = true, .active_conns = (uint32_t)(10 + i) };
		inet_pton(AF_INET6, a6[i], &d.addr.v6);
		d.rates.inbps = in6[i];
		CU_ASSERT_EQUAL_FATAL(snapshot_add_dest(s, 2, &d), 0);
	}
	snapshot_finish(s);
	return s;
}

/* The rows as "svc.dest" pairs, e.g. "0.-1 0.0 0.1". */
static char *rows_str(const struct table *t, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < t->n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%u.%d", i ? " " : "", t->rows[i].svc,
				      t->rows[i].dest);
	return buf;
}

static void check(const struct lvs_snapshot *s, const struct table_opts *o, const char *want)
{
	struct table t;
	char buf[256];
	table_init(&t);
	CU_ASSERT_EQUAL_FATAL(table_build(&t, s, o), 0);
	CU_ASSERT_STRING_EQUAL(rows_str(&t, buf, sizeof(buf)), want);
	if (strcmp(buf, want))
		fprintf(stderr, "\n  rows: got \"%s\", want \"%s\"\n", buf, want);
	table_done(&t);
}

static void test_tree_by_name(void)
{
	struct lvs_snapshot *s = build();
	struct table_opts o = { .sort_col = COL_NAME, .tree = true };
	/* IPv4 before IPv6, by address. */
	check(s, &o, "1.-1 1.0 0.-1 0.0 0.1 2.-1 2.0 2.1 2.2");
	o.descending = true;
	check(s, &o, "2.-1 2.2 2.1 2.0 0.-1 0.1 0.0 1.-1 1.0");
	snapshot_unref(s);
}

static void test_tree_by_rate(void)
{
	struct lvs_snapshot *s = build();
	struct table_opts o = { .sort_col = COL_CPS, .descending = true, .tree = true };
	/* Services by conn/s (50, 5, 1 from the kernel), real servers within. */
	check(s, &o, "1.-1 1.0 0.-1 0.0 0.1 2.-1 2.0 2.1 2.2");
	o.sort_col = COL_INBPS;
	/* Service 2's 0 B/s in (kernel rate) sorts last; its real servers by
	 * 100, 50, 0. */
	check(s, &o, "0.-1 0.0 0.1 1.-1 1.0 2.-1 2.1 2.2 2.0");
	o.sort_col = COL_WEIGHT;
	/* Sums: 4, 1, 4: ties keep the kernel's order. */
	check(s, &o, "0.-1 0.0 0.1 2.-1 2.1 2.2 2.0 1.-1 1.0");
	o.sort_col = COL_ACTIVE;
	o.descending = false;
	check(s, &o, "1.-1 1.0 0.-1 0.1 0.0 2.-1 2.0 2.1 2.2");
	o.sort_col = COL_SCHED;
	/* rr, sh, wrr; real servers by method then address. */
	check(s, &o, "1.-1 1.0 2.-1 2.0 2.1 2.2 0.-1 0.0 0.1");
	snapshot_unref(s);
}

static void test_flat(void)
{
	struct lvs_snapshot *s = build();
	struct table_opts o = { .sort_col = COL_INBPS, .descending = true, .tree = false };
	/* Real servers only, all together: 500, 100, 50, 30, 10, 0. */
	check(s, &o, "1.0 2.1 2.2 0.0 0.1 2.0");
	o.filter = "2001:db8:a::";
	check(s, &o, "2.1 2.2 2.0");
	snapshot_unref(s);
}

static void test_filter(void)
{
	struct lvs_snapshot *s = build();
	struct table_opts o = { .sort_col = COL_NAME, .tree = true };
	/* A real server's address: its service with only that one. */
	o.filter = "192.0.2.12";
	check(s, &o, "0.-1 0.1");
	/* A service's address: all its real servers. */
	o.filter = "203.0.113.2";
	check(s, &o, "0.-1 0.0 0.1");
	/* Port, protocol, scheduler, method; case does not matter. */
	o.filter = ":53";
	check(s, &o, "1.-1 1.0");
	o.filter = "UDP";
	check(s, &o, "1.-1 1.0");
	o.filter = "wrr";
	check(s, &o, "0.-1 0.0 0.1");
	o.filter = "tunnel";
	check(s, &o, "2.-1 2.0 2.1 2.2");
	/* The whole text of an object: "proto address:port scheduler" for a
	 * service, "address:port method" for a real server. */
	o.filter = "TCP 203.0.113.2:80 WRR";
	check(s, &o, "0.-1 0.0 0.1");
	o.filter = "192.0.2.21:53 route";
	check(s, &o, "1.-1 1.0");
	o.filter = "[2001:db8:a::b]:443 tunnel";
	check(s, &o, "2.-1 2.1");
	o.filter = "tcp [2001:db8::1]:443 sh";
	check(s, &o, "2.-1 2.0 2.1 2.2");
	o.filter = "no such thing";
	check(s, &o, "");
	o.filter = "";
	check(s, &o, "1.-1 1.0 0.-1 0.0 0.1 2.-1 2.0 2.1 2.2");
	CU_ASSERT(table_match("tcp 10.0.0.1:80 wrr", NULL));
	CU_ASSERT(table_match("tcp 10.0.0.1:80 wrr", "TCP 10"));
	CU_ASSERT_FALSE(table_match("tcp", "tcpx"));
	snapshot_unref(s);
}

static void test_collapse(void)
{
	struct lvs_snapshot *s = build();
	struct lvs_keymap toggled;
	CU_ASSERT_EQUAL_FATAL(keymap_init(&toggled, 4), 0);
	struct table_opts o = { .sort_col = COL_NAME, .tree = true, .toggled = &toggled };
	struct lvs_key k;
	lvs_key_service(&k, &s->services[0]);
	CU_ASSERT_EQUAL_FATAL(keymap_put(&toggled, &k, 1), 0);
	check(s, &o, "1.-1 1.0 0.-1 2.-1 2.0 2.1 2.2");
	o.collapse_all = true; /* toggled now means expanded */
	check(s, &o, "1.-1 0.-1 0.0 0.1 2.-1");
	struct table t;
	table_init(&t);
	CU_ASSERT_EQUAL(table_build(&t, s, &o), 0);
	CU_ASSERT(t.rows[0].flags & ROW_COLLAPSED);
	CU_ASSERT_FALSE(t.rows[1].flags & ROW_COLLAPSED);
	CU_ASSERT(t.rows[3].flags & ROW_LAST);
	CU_ASSERT_FALSE(t.rows[2].flags & ROW_LAST);
	/* Finding rows by identity. */
	lvs_key_dest(&k, &s->services[0], &s->services[0].dests[1]);
	CU_ASSERT_EQUAL(table_find(&t, s, &k), 3);
	lvs_key_dest(&k, &s->services[2], &s->services[2].dests[1]);
	CU_ASSERT_EQUAL(table_find(&t, s, &k), -1);
	table_done(&t);
	keymap_done(&toggled);
	snapshot_unref(s);
}

static void test_cells(void)
{
	struct lvs_snapshot *s = build();
	char b[128];
	struct row svc0 = { 0, -1, 0 }, d00 = { 0, 0, 0 }, d01 = { 0, 1, 0 }, d20 = { 2, 0, 0 };
	table_cell(s, &svc0, COL_NAME, false, false, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "203.0.113.2:80");
	table_cell(s, &svc0, COL_PROTO, false, false, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "tcp");
	table_cell(s, &svc0, COL_WEIGHT, false, false, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "4");
	table_cell(s, &svc0, COL_ACTIVE, false, false, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "9");
	table_cell(s, &d00, COL_SCHED, false, false, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "masq");
	/* 30 of 40 B/s in, weight 3 of 4. */
	table_cell(s, &d00, COL_SHARE, false, false, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "75/75");
	table_cell(s, &d01, COL_SHARE, false, false, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "25/25");
	table_cell(s, &d01, COL_NAME, false, true, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "192.0.2.12:80 < 203.0.113.2:80");
	table_cell(s, &d20, COL_NAME, false, false, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "[2001:db8:a::a]:443");
	table_cell(s, &d20, COL_HEALTH, false, false, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "-");
	table_cell(s, &d20, COL_SHARE, false, false, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "0/0");
	/* A tunnel's type as ipvsadm -Ln has it: ipip, the default, unsaid;
	 * gue and gre named. */
	table_cell(s, &d20, COL_FLAGS, false, false, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "");
	s->services[2].dests[0].tun_type = IP_VS_CONN_F_TUNNEL_TYPE_GUE;
	table_cell(s, &d20, COL_FLAGS, false, false, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "gue");
	s->services[2].dests[0].tun_type = IP_VS_CONN_F_TUNNEL_TYPE_IPIP;
	struct row svc2 = { 2, -1, 0 };
	table_cell(s, &svc2, COL_CPS, false, false, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "1"); /* the kernel's estimate */
	table_cell(s, &svc2, COL_SPARK, false, false, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "");
	CU_ASSERT_FALSE(table_sortable(COL_SPARK));
	CU_ASSERT(table_sortable(COL_NAME));
	CU_ASSERT(table_sort_descending_first(COL_CPS));
	CU_ASSERT_FALSE(table_sort_descending_first(COL_NAME));
	snapshot_unref(s);
}

static void test_empty(void)
{
	struct lvs_snapshot *s = snapshot_new();
	snapshot_finish(s);
	struct table_opts o = { .sort_col = COL_CPS, .tree = true };
	check(s, &o, "");
	o.tree = false;
	check(s, &o, "");
	snapshot_unref(s);
}

/* --- order on a random table, against comparisons written here ---------- */

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static struct lvs_snapshot *build_random(void)
{
	static const char *const sch[] = { "rr", "wrr", "lc", "wlc", "sh", "mh", "xyz", "dh" };
	static const uint16_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP };
	struct lvs_snapshot *s = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	for (size_t i = 0; i < 300; i++) {
		struct lvs_service v = { .rates_valid = true };
		uint32_t kind = rnd() % 10;
		v.af = kind < 7 || kind == 9 ? AF_INET : AF_INET6;
		v.protocol = protos[rnd() % 3];
		for (int b = 0; b < 16; b++)
			v.addr.raw[b] = (uint8_t)(rnd() % 4); /* many shared prefixes */
		if (v.af == AF_INET)
			memset(v.addr.raw + 4, 0, 12);
		v.port = (uint16_t)(rnd() % 3 * 100);
		if (kind == 9) {
			v.protocol = 0;
			v.port = 0;
			memset(&v.addr, 0, sizeof(v.addr));
			v.fwmark = 1 + rnd() % 5;
		}
		snprintf(v.sched, sizeof(v.sched), "%s", sch[rnd() % 8]);
		v.rates.cps = rnd() % 4;
		if (snapshot_add_service(s, &v)) /* duplicates are fine here */
			CU_FAIL_FATAL("add_service");
		size_t nd = rnd() % 6;
		for (size_t j = 0; j < nd; j++) {
			struct lvs_dest d = { .af = rnd() % 4 ? AF_INET : AF_INET6, .port = (uint16_t)(rnd() % 2 * 80),
					      .fwd = rnd() % 5, .weight = (int32_t)(rnd() % 4), .rates_valid = true };
			for (int b = 0; b < 16; b++)
				d.addr.raw[b] = (uint8_t)(rnd() % 3);
			if (d.af == AF_INET)
				memset(d.addr.raw + 4, 0, 12);
			d.rates.cps = rnd() % 3;
			CU_ASSERT_EQUAL_FATAL(snapshot_add_dest(s, i, &d), 0);
		}
	}
	snapshot_finish(s);
	return s;
}

static int sgn(int x)
{
	return (x > 0) - (x < 0);
}

static int ref_addr(uint16_t af1, const union lvs_addr *a1, uint16_t p1, uint16_t af2,
		    const union lvs_addr *a2, uint16_t p2)
{
	if (af1 != af2)
		return af1 == AF_INET ? -1 : 1;
	int r = sgn(memcmp(a1, a2, af1 == AF_INET ? 4 : 16));
	return r ? r : sgn(p1 - p2);
}

static int ref_svc_name(const struct lvs_service *a, const struct lvs_service *b)
{
	if (!!a->fwmark != !!b->fwmark)
		return a->fwmark ? 1 : -1;
	if (a->fwmark)
		return a->fwmark != b->fwmark ? (a->fwmark < b->fwmark ? -1 : 1) : sgn(a->af - b->af);
	int r = ref_addr(a->af, &a->addr, a->port, b->af, &b->addr, b->port);
	return r ? r : sgn(a->protocol - b->protocol);
}

/* The order a column asks for (before direction and kernel-order ties). */
static int ref_cmp(const struct lvs_service *va, const struct lvs_dest *da,
		   const struct lvs_service *vb, const struct lvs_dest *db, enum col_id c)
{
	int r = 0;
	if (c == COL_CPS) {
		double x = da ? da->rates.cps : va->rates.cps, y = db ? db->rates.cps : vb->rates.cps;
		return (x > y) - (x < y);
	}
	if (c == COL_SCHED) {
		const char *x = da ? (da->fwd == 0 ? "masq" : da->fwd == 1 ? "local" : da->fwd == 2 ? "tunnel"
				      : da->fwd == 3 ? "route" : "bypass") : va->sched;
		const char *y = db ? (db->fwd == 0 ? "masq" : db->fwd == 1 ? "local" : db->fwd == 2 ? "tunnel"
				      : db->fwd == 3 ? "route" : "bypass") : vb->sched;
		r = sgn(strcmp(x, y));
	}
	if (c == COL_PROTO) {
		const char *x = va->fwmark ? "fwm" : va->protocol == IPPROTO_TCP ? "tcp" : va->protocol == IPPROTO_UDP ? "udp" : "sctp";
		const char *y = vb->fwmark ? "fwm" : vb->protocol == IPPROTO_TCP ? "tcp" : vb->protocol == IPPROTO_UDP ? "udp" : "sctp";
		r = sgn(strcmp(x, y));
	}
	if (r)
		return r;
	/* Then the row's own address: a firewall-mark service after all. */
	bool ma = !da && va->fwmark, mb = !db && vb->fwmark;
	if (ma != mb)
		return ma ? 1 : -1;
	if (ma && va->fwmark != vb->fwmark)
		return va->fwmark < vb->fwmark ? -1 : 1;
	if (!ma && (r = ref_addr(da ? da->af : va->af, da ? &da->addr : &va->addr, da ? da->port : va->port,
				 db ? db->af : vb->af, db ? &db->addr : &vb->addr, db ? db->port : vb->port)))
		return r;
	return va == vb ? 0 : ref_svc_name(va, vb);
}

/* a then b in the table: is that the order (col, direction) asks for? */
static bool in_order(const struct lvs_snapshot *s, const struct row *a, const struct row *b,
		     enum col_id c, bool desc)
{
	const struct lvs_service *va = &s->services[a->svc], *vb = &s->services[b->svc];
	const struct lvs_dest *da = a->dest >= 0 ? &va->dests[a->dest] : NULL;
	const struct lvs_dest *db = b->dest >= 0 ? &vb->dests[b->dest] : NULL;
	int r = ref_cmp(va, da, vb, db, c);
	if (desc)
		r = -r;
	if (r)
		return r < 0;
	if (a->svc != b->svc)
		return a->svc < b->svc;
	return a->dest < b->dest;
}

static void test_random_order(void)
{
	struct lvs_snapshot *s = build_random();
	enum col_id cols[] = { COL_NAME, COL_SCHED, COL_PROTO, COL_CPS };
	struct table t;
	table_init(&t);
	for (size_t ci = 0; ci < 4; ci++) {
		for (int desc = 0; desc < 2; desc++) {
			for (int tree = 0; tree < 2; tree++) {
				struct table_opts o = { .sort_col = cols[ci], .descending = desc, .tree = tree };
				CU_ASSERT_EQUAL_FATAL(table_build(&t, s, &o), 0);
				size_t want = tree ? s->n_services + s->n_dests : s->n_dests;
				for (size_t i = 0; i < s->n_services; i++)
					if (!tree && !s->services[i].n_dests)
						want++;
				CU_ASSERT_EQUAL(t.n, want);
				size_t bad = 0;
				const struct row *last_svc = NULL;
				for (size_t i = 0; i < t.n; i++) {
					const struct row *r = &t.rows[i];
					if (!tree) {
						if (i && !in_order(s, &t.rows[i - 1], r, cols[ci], desc))
							bad++;
						continue;
					}
					if (r->dest < 0) {
						if (last_svc && !in_order(s, last_svc, r, cols[ci], desc))
							bad++;
						last_svc = r;
					} else if (t.rows[i - 1].dest >= 0 &&
						   !in_order(s, &t.rows[i - 1], r, cols[ci], desc)) {
						bad++;
					}
				}
				CU_ASSERT_EQUAL(bad, 0);
				if (bad)
					fprintf(stderr, "\n  col %d desc %d tree %d: %zu rows out of order\n",
						cols[ci], desc, tree, bad);
			}
		}
	}
	table_done(&t);
	snapshot_unref(s);
}

/* A lazy build settles, piece by piece, to exactly the full build's rows:
 * every sortable column, both directions, with a filter and a collapsed
 * service; finding a row settles its service first. */
static void test_lazy(void)
{
	struct lvs_snapshot *s = build_random();
	struct lvs_keymap toggled;
	CU_ASSERT_EQUAL_FATAL(keymap_init(&toggled, 4), 0);
	struct lvs_key k;
	lvs_key_service(&k, &s->services[1]);
	CU_ASSERT_EQUAL_FATAL(keymap_put(&toggled, &k, 1), 0);
	struct table full, lazy;
	table_init(&full);
	table_init(&lazy);
	size_t bad = 0, settled_late = 0;
	for (int c = 0; c < COL_COUNT; c++) {
		if (!table_sortable((enum col_id)c))
			continue;
		for (int v = 0; v < 4; v++) {
			struct table_opts o = { .sort_col = (enum col_id)c, .descending = v & 1, .tree = true,
						.filter = v & 2 ? "1" : NULL, .toggled = &toggled };
			CU_ASSERT_EQUAL_FATAL(table_build(&full, s, &o), 0);
			o.lazy = true;
			CU_ASSERT_EQUAL_FATAL(table_build(&lazy, s, &o), 0);
			CU_ASSERT_EQUAL_FATAL(lazy.n, full.n);
			/* A real server found before its service was settled
			 * is where the full build has it. */
			for (size_t i = full.n; i-- > 0;) {
				if (full.rows[i].dest < 0)
					continue;
				long at = table_find_index(&lazy, full.rows[i].svc, full.rows[i].dest);
				CU_ASSERT_EQUAL(at, (long)i);
				settled_late++;
				break;
			}
			/* The rest settled in windows, as frames do. */
			for (size_t i = 0; i < lazy.n; i += 7)
				table_settle(&lazy, i, i + 7);
			for (size_t i = 0; i < full.n; i++)
				if (memcmp(&lazy.rows[i], &full.rows[i], sizeof(full.rows[i])))
					bad++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(settled_late > 0);
	table_done(&lazy);
	table_done(&full);
	keymap_done(&toggled);
	snapshot_unref(s);
}

/* The rows of a build from the cache (the keys of a filter typed and
 * erased, sort orders left and taken again, tree and flat, folded) are
 * those of a build without it, settled the same. */
static void test_cache(void)
{
	struct lvs_snapshot *s = build_random();
	/* A folded service that is not in the table: the same rows, built
	 * without the cache. */
	struct lvs_keymap none;
	CU_ASSERT_EQUAL_FATAL(keymap_init(&none, 4), 0);
	struct lvs_key k;
	memset(&k, 0, sizeof(k));
	k.svc_af = AF_INET;
	k.svc_port = 9999;
	CU_ASSERT_EQUAL_FATAL(keymap_put(&none, &k, 1), 0);
	static const char *const typed[] = { "", "1", "1.", "1.2", "1.2:", "1.2", "1.", "1", "",
					     "0", "0:", "0:8", "0", "rr", "", "0:80 ma", "0:80 MAS", "" };
	static const enum col_id cols[] = { COL_NAME, COL_CPS, COL_NAME, COL_SCHED, COL_CPS };
	struct table cached, plain;
	table_init(&cached);
	table_init(&plain);
	size_t bad = 0, builds = 0;
	for (int shape = 0; shape < 4; shape++) {
		for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
			for (size_t f = 0; f < sizeof(typed) / sizeof(typed[0]); f++) {
				struct table_opts o = { .sort_col = cols[c], .descending = c % 2,
							.tree = shape != 1, .collapse_all = shape == 2,
							.lazy = shape != 3, .filter = typed[f] };
				CU_ASSERT_EQUAL_FATAL(table_build(&cached, s, &o), 0);
				o.toggled = &none;
				CU_ASSERT_EQUAL_FATAL(table_build(&plain, s, &o), 0);
				builds++;
				CU_ASSERT_EQUAL_FATAL(cached.n, plain.n);
				table_settle(&cached, 0, cached.n);
				table_settle(&plain, 0, plain.n);
				for (size_t i = 0; i < plain.n; i++)
					if (memcmp(&cached.rows[i], &plain.rows[i], sizeof(plain.rows[i])))
						bad++;
			}
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(builds, 4 * 5 * 18);
	CU_ASSERT_PTR_NOT_NULL(cached.cache);
	CU_ASSERT_PTR_NULL(plain.cache);
	table_done(&cached);
	table_done(&plain);
	keymap_done(&none);
	snapshot_unref(s);
}

/* Filter texts made a slice at a time are those made at once: not
 * complete until the last slice, then a filtered build uses them (and
 * builds nothing more) with the rows a table built in one go has. */
static void test_text_slices(void)
{
	struct lvs_snapshot *s = build_random();
	struct table sliced, whole;
	table_init(&sliced);
	table_init(&whole);
	CU_ASSERT_EQUAL_FATAL(table_prepare_text(&whole, s), 0);
	int r, turns = 0;
	while ((r = table_prepare_text_some(&sliced, s, 50)) == 0) {
		CU_ASSERT_PTR_NULL(sliced.text_of);
		CU_ASSERT_PTR_EQUAL(sliced.text_part, s);
		turns++;
	}
	CU_ASSERT_EQUAL(r, 1);
	CU_ASSERT(turns > 5);
	CU_ASSERT_PTR_EQUAL(sliced.text_of, s);
	CU_ASSERT_PTR_NULL(sliced.text_part);
	for (size_t i = 0; i < s->n_services; i++)
		CU_ASSERT_STRING_EQUAL(sliced.text + sliced.svc_text[i], whole.text + whole.svc_text[i]);
	for (size_t i = 0; i < s->n_dests; i++)
		CU_ASSERT_STRING_EQUAL(sliced.text + sliced.dest_text[i], whole.text + whole.dest_text[i]);
	const char *text = sliced.text;
	struct table_opts o = { .sort_col = COL_NAME, .tree = true, .filter = "1.2" };
	CU_ASSERT_EQUAL_FATAL(table_build(&sliced, s, &o), 0);
	CU_ASSERT_PTR_EQUAL(sliced.text, text); /* not made again */
	CU_ASSERT_EQUAL_FATAL(table_build(&whole, s, &o), 0);
	CU_ASSERT_EQUAL_FATAL(sliced.n, whole.n);
	CU_ASSERT(sliced.n > 0);
	CU_ASSERT_EQUAL(memcmp(sliced.rows, whole.rows, whole.n * sizeof(*whole.rows)), 0);
	/* Another snapshot starts over. */
	struct lvs_snapshot *s2 = build();
	CU_ASSERT_EQUAL(table_prepare_text_some(&sliced, s2, 1), 0);
	CU_ASSERT_PTR_NULL(sliced.text_of);
	CU_ASSERT_PTR_EQUAL(sliced.text_part, s2);
	table_done(&sliced);
	table_done(&whole);
	snapshot_unref(s2);
	snapshot_unref(s);
}

int register_table(void)
{
	CU_pSuite s = CU_add_suite("console table", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "tree sorted by name", test_tree_by_name) ||
	    !CU_add_test(s, "tree sorted by numbers and text", test_tree_by_rate) ||
	    !CU_add_test(s, "flat", test_flat) || !CU_add_test(s, "filter", test_filter) ||
	    !CU_add_test(s, "collapse and find", test_collapse) ||
	    !CU_add_test(s, "cell text", test_cells) || !CU_add_test(s, "empty table", test_empty) ||
	    !CU_add_test(s, "order of a random table", test_random_order) ||
	    !CU_add_test(s, "lazy build settles to the full one", test_lazy) ||
	    !CU_add_test(s, "builds from the cache are the builds without it", test_cache) ||
	    !CU_add_test(s, "filter texts a slice at a time", test_text_slices))
		return -1;
	return 0;
}
