/* Tests for the /proc/net/ip_vs_conn parser: lines built the way the
 * kernel's ip_vs_conn_seq_show prints them. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/conn_parse.h"
#include "collector/snapshot.h"
#include "failmalloc.h"

#define HEADER "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n"

/* --- building input ----------------------------------------------------- */

struct text {
	char *s;
	size_t len, cap;
};

static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		t->cap = t->cap ? t->cap * 2 : 4096;
		if (t->cap < t->len + (size_t)n + 1)
			t->cap = t->len + (size_t)n + 1;
		t->s = realloc(t->s, t->cap);
		if (!t->s)
			abort();
	}
}

/* An address column as the kernel prints it: "%08X" of ntohl() for IPv4,
 * "%pI6" (eight 4-digit lowercase groups) for IPv6. */
static const char *col(const char *addr, char *buf)
{
	struct in6_addr a6;
	struct in_addr a4;
	if (inet_pton(AF_INET, addr, &a4) == 1) {
		sprintf(buf, "%08X", ntohl(a4.s_addr));
	} else if (inet_pton(AF_INET6, addr, &a6) == 1) {
		char *o = buf;
		for (int g = 0; g < 8; g++)
			o += sprintf(o, g ? ":%02x%02x" : "%02x%02x", a6.s6_addr[2 * g],
			             a6.s6_addr[2 * g + 1]);
	} else {
		abort();
	}
	return buf;
}

static void conn_line(struct text *t, const char *proto, const char *client, unsigned cport,
                      const char *vip, unsigned vport, const char *dest, unsigned dport,
                      const char *state, unsigned expires, const char *pe)
{
	char c[48], v[48], d[48];
	text_add(t, "%-3s %s %04X %s %04X %s %04X %-11s %7u%s\n", proto, col(client, c), cport,
	         col(vip, v), vport, col(dest, d), dport, state, expires, pe ? pe : "");
}

static union lvs_addr addr_of(const char *s, uint16_t *af)
{
	union lvs_addr a;
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, &a.v4) == 1) {
		*af = AF_INET;
	} else {
		CU_ASSERT_FATAL(inet_pton(AF_INET6, s, &a.v6) == 1);
		*af = AF_INET6;
	}
	return a;
}

static bool addr_is(uint16_t af, const union lvs_addr *a, const char *s)
{
	uint16_t want_af;
	union lvs_addr want = addr_of(s, &want_af);
	return af == want_af && memcmp(a->raw, want.raw, 16) == 0;
}

static uint64_t state_count(const struct lvs_state_count *st, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(st[i].name, name) == 0)
			return st[i].count;
	return 0;
}

static const struct lvs_conn_dest *find_dest(const struct lvs_conn_summary *s, const char *addr,
                                             uint16_t port)
{
	for (size_t i = 0; i < s->n_dests; i++)
		if (s->dests[i].port == port && addr_is(s->dests[i].af, &s->dests[i].addr, addr))
			return &s->dests[i];
	return NULL;
}

/* Parse text in one feed; returns the bad-line count. */
static uint64_t parse_text(const struct text *t, const struct lvs_conn_opts *o,
                           struct lvs_conn_summary *out)
{
	lvs_conn_parser *p = conn_parser_new(o);
	CU_ASSERT_FATAL(p != NULL);
	conn_parser_feed(p, t->s, t->len);
	CU_ASSERT_FATAL(conn_parser_finish(p, out) == 0);
	uint64_t bad = conn_parser_bad_lines(p);
	conn_parser_free(p);
	return bad;
}

/* --- cases ----------------------------------------------------------------- */

static void test_ipv4_lines(void)
{
	struct text t = { 0 };
	struct lvs_conn_summary s;
	text_add(&t, HEADER);
	conn_line(&t, "TCP", "192.168.1.10", 40000, "10.0.0.100", 80, "10.0.1.1", 8080,
	          "ESTABLISHED", 899, NULL);
	conn_line(&t, "TCP", "192.168.1.11", 40001, "10.0.0.100", 80, "10.0.1.2", 8080,
	          "TIME_WAIT", 100, NULL);
	conn_line(&t, "UDP", "192.168.1.10", 5353, "10.0.0.100", 53, "10.0.1.1", 53, "UDP", 299,
	          NULL);
	CU_ASSERT_EQUAL(parse_text(&t, NULL, &s), 0);

	CU_ASSERT_TRUE(s.available);
	CU_ASSERT_FALSE(s.partial);
	CU_ASSERT_EQUAL(s.total, 3);
	CU_ASSERT_EQUAL(s.n_states, 3);
	CU_ASSERT_EQUAL(state_count(s.states, s.n_states, "ESTABLISHED"), 1);
	CU_ASSERT_EQUAL(state_count(s.states, s.n_states, "TIME_WAIT"), 1);
	CU_ASSERT_EQUAL(state_count(s.states, s.n_states, "UDP"), 1);

	/* sorted by (af, address, port): 10.0.1.1:53, 10.0.1.1:8080, 10.0.1.2:8080 */
	CU_ASSERT_EQUAL_FATAL(s.n_dests, 3);
	CU_ASSERT_TRUE(addr_is(s.dests[0].af, &s.dests[0].addr, "10.0.1.1"));
	CU_ASSERT_EQUAL(s.dests[0].port, 53);
	CU_ASSERT_EQUAL(s.dests[0].addr.raw[0], 10); /* network byte order */
	CU_ASSERT_EQUAL(s.dests[0].addr.raw[3], 1);
	CU_ASSERT_TRUE(addr_is(s.dests[1].af, &s.dests[1].addr, "10.0.1.1"));
	CU_ASSERT_EQUAL(s.dests[1].port, 8080);
	CU_ASSERT_TRUE(addr_is(s.dests[2].af, &s.dests[2].addr, "10.0.1.2"));
	CU_ASSERT_EQUAL(s.dests[2].total, 1);
	CU_ASSERT_EQUAL(state_count(s.dests[2].states, s.dests[2].n_states, "TIME_WAIT"), 1);

	CU_ASSERT_EQUAL_FATAL(s.n_top_clients, 2);
	CU_ASSERT_TRUE(addr_is(s.top_clients[0].af, &s.top_clients[0].addr, "192.168.1.10"));
	CU_ASSERT_EQUAL(s.top_clients[0].conns, 2);
	CU_ASSERT_TRUE(addr_is(s.top_clients[1].af, &s.top_clients[1].addr, "192.168.1.11"));
	CU_ASSERT_EQUAL(s.top_clients[1].conns, 1);
	lvs_conn_summary_clear(&s);
	free(t.s);
}

static void test_ipv6_lines(void)
{
	struct text t = { 0 };
	struct lvs_conn_summary s;
	text_add(&t, HEADER);
	conn_line(&t, "TCP", "2001:db8::10", 0xabcd, "2001:db8:ffff::1", 443, "2001:db8:1::2", 443,
	          "ESTABLISHED", 60, NULL);
	conn_line(&t, "TCP", "2001:db8::10", 0xabce, "2001:db8:ffff::1", 443, "2001:db8:1::2", 443,
	          "SYN_RECV", 30, NULL);
	conn_line(&t, "SCTP", "fe80::1:2:3:4", 9, "2001:db8:ffff::1", 3868, "2001:db8:1::3", 3868,
	          "COOKIE_ECHOED", 5, NULL);
	CU_ASSERT_EQUAL(parse_text(&t, NULL, &s), 0);
	CU_ASSERT_EQUAL(s.total, 3);
	CU_ASSERT_EQUAL_FATAL(s.n_dests, 2);
	CU_ASSERT_EQUAL(s.dests[0].af, AF_INET6);
	CU_ASSERT_TRUE(addr_is(s.dests[0].af, &s.dests[0].addr, "2001:db8:1::2"));
	CU_ASSERT_EQUAL(s.dests[0].port, 443);
	CU_ASSERT_EQUAL(s.dests[0].total, 2);
	CU_ASSERT_EQUAL(state_count(s.dests[0].states, s.dests[0].n_states, "SYN_RECV"), 1);
	CU_ASSERT_TRUE(addr_is(s.dests[1].af, &s.dests[1].addr, "2001:db8:1::3"));
	CU_ASSERT_EQUAL(s.dests[1].port, 3868);
	CU_ASSERT_EQUAL(state_count(s.states, s.n_states, "COOKIE_ECHOED"), 1);
	CU_ASSERT_EQUAL_FATAL(s.n_top_clients, 2);
	CU_ASSERT_TRUE(addr_is(s.top_clients[0].af, &s.top_clients[0].addr, "2001:db8::10"));
	CU_ASSERT_EQUAL(s.top_clients[0].conns, 2);
	CU_ASSERT_TRUE(addr_is(s.top_clients[1].af, &s.top_clients[1].addr, "fe80::1:2:3:4"));
	lvs_conn_summary_clear(&s);
	free(t.s);
}

static void test_mixed_af(void)
{
	struct text t = { 0 };
	struct lvs_conn_summary s;
	/* IPv6 service with an IPv4 real server, and the other way round */
	conn_line(&t, "TCP", "2001:db8::10", 1, "2001:db8::1", 80, "10.1.1.1", 80, "ESTABLISHED",
	          1, NULL);
	conn_line(&t, "TCP", "192.0.2.7", 2, "192.0.2.1", 80, "2001:db8:2::1", 8080, "CLOSE", 1,
	          NULL);
	CU_ASSERT_EQUAL(parse_text(&t, NULL, &s), 0);
	CU_ASSERT_EQUAL(s.total, 2);
	CU_ASSERT_EQUAL_FATAL(s.n_dests, 2);
	/* AF_INET sorts before AF_INET6 */
	CU_ASSERT_TRUE(addr_is(s.dests[0].af, &s.dests[0].addr, "10.1.1.1"));
	CU_ASSERT_EQUAL(s.dests[0].port, 80);
	CU_ASSERT_TRUE(addr_is(s.dests[1].af, &s.dests[1].addr, "2001:db8:2::1"));
	CU_ASSERT_EQUAL(s.dests[1].port, 8080);
	CU_ASSERT_EQUAL(state_count(s.dests[1].states, s.dests[1].n_states, "CLOSE"), 1);
	CU_ASSERT_EQUAL_FATAL(s.n_top_clients, 2);
	CU_ASSERT_TRUE(find_dest(&s, "10.1.1.1", 80) != NULL);
	lvs_conn_summary_clear(&s);

	/* the virtual address must have the client's family */
	free(t.s);
	memset(&t, 0, sizeof(t));
	conn_line(&t, "TCP", "2001:db8::10", 1, "10.0.0.1", 80, "10.1.1.1", 80, "ESTABLISHED", 1,
	          NULL);
	CU_ASSERT_EQUAL(parse_text(&t, NULL, &s), 1);
	CU_ASSERT_EQUAL(s.total, 0);
	lvs_conn_summary_clear(&s);
	free(t.s);
}

static void test_pe_fields(void)
{
	struct text t = { 0 };
	struct lvs_conn_summary s;
	conn_line(&t, "UDP", "10.9.9.9", 5060, "10.0.0.1", 5060, "10.0.2.1", 5060, "UDP", 120,
	          " sip a84b4c76e66710@pc33.example.com");
	conn_line(&t, "UDP", "10.9.9.9", 5061, "10.0.0.1", 5060, "10.0.2.1", 5060, "UDP", 120,
	          " sip");
	/* three fields after expires: not the kernel's format */
	conn_line(&t, "UDP", "10.9.9.9", 5062, "10.0.0.1", 5060, "10.0.2.1", 5060, "UDP", 120,
	          " sip callid extra");
	CU_ASSERT_EQUAL(parse_text(&t, NULL, &s), 1);
	CU_ASSERT_EQUAL(s.total, 2);
	CU_ASSERT_EQUAL_FATAL(s.n_dests, 1);
	CU_ASSERT_EQUAL(s.dests[0].total, 2);
	CU_ASSERT_EQUAL(s.dests[0].port, 5060);
	CU_ASSERT_EQUAL(state_count(s.states, s.n_states, "UDP"), 2);
	lvs_conn_summary_clear(&s);
	free(t.s);
}

static void test_header_and_blank(void)
{
	struct text t = { 0 };
	struct lvs_conn_summary s;
	text_add(&t, HEADER "\n   \n");
	conn_line(&t, "TCP", "1.2.3.4", 1, "5.6.7.8", 80, "9.9.9.9", 80, "LISTEN", 1, NULL);
	text_add(&t, "\n" HEADER "\n");
	CU_ASSERT_EQUAL(parse_text(&t, NULL, &s), 0);
	CU_ASSERT_TRUE(s.available);
	CU_ASSERT_EQUAL(s.total, 1);
	CU_ASSERT_EQUAL(s.n_states, 1);
	CU_ASSERT_STRING_EQUAL(s.states[0].name, "LISTEN");
	lvs_conn_summary_clear(&s);

	/* an empty table is available and empty */
	struct text h = { 0 };
	text_add(&h, HEADER);
	CU_ASSERT_EQUAL(parse_text(&h, NULL, &s), 0);
	CU_ASSERT_TRUE(s.available);
	CU_ASSERT_EQUAL(s.total, 0);
	CU_ASSERT_EQUAL(s.n_dests, 0);
	CU_ASSERT_PTR_NULL(s.dests);
	CU_ASSERT_EQUAL(s.n_top_clients, 0);
	lvs_conn_summary_clear(&s);
	free(h.s);
	free(t.s);
}

static void test_states_per_dest(void)
{
	static const char *const tcp_states[] = { "ESTABLISHED", "SYN_RECV", "FIN_WAIT",
		                                  "TIME_WAIT", "CLOSE_WAIT", "LAST_ACK" };
	struct text t = { 0 };
	struct lvs_conn_summary s;
	/* dest .1 gets i+1 entries of state i, dest .2 gets one ESTABLISHED */
	unsigned port = 1000;
	for (unsigned i = 0; i < 6; i++)
		for (unsigned k = 0; k <= i; k++)
			conn_line(&t, "TCP", "172.16.0.1", port++, "10.0.0.1", 80, "10.2.0.1", 80,
			          tcp_states[i], 10, NULL);
	conn_line(&t, "TCP", "172.16.0.2", 1, "10.0.0.1", 80, "10.2.0.2", 80, "ESTABLISHED", 10,
	          NULL);
	CU_ASSERT_EQUAL(parse_text(&t, NULL, &s), 0);
	CU_ASSERT_EQUAL(s.total, 22);
	CU_ASSERT_EQUAL(s.n_states, 6);
	/* states by count, descending: LAST_ACK (6) first; ESTABLISHED 1+1 */
	CU_ASSERT_STRING_EQUAL(s.states[0].name, "LAST_ACK");
	CU_ASSERT_EQUAL(s.states[0].count, 6);
	CU_ASSERT_EQUAL(state_count(s.states, s.n_states, "ESTABLISHED"), 2);

	const struct lvs_conn_dest *d1 = find_dest(&s, "10.2.0.1", 80);
	const struct lvs_conn_dest *d2 = find_dest(&s, "10.2.0.2", 80);
	CU_ASSERT_FATAL(d1 && d2);
	CU_ASSERT_EQUAL(d1->total, 21);
	CU_ASSERT_EQUAL(d1->n_states, 6);
	for (unsigned i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(state_count(d1->states, d1->n_states, tcp_states[i]), i + 1);
	CU_ASSERT_EQUAL(d2->total, 1);
	CU_ASSERT_EQUAL_FATAL(d2->n_states, 1);
	CU_ASSERT_STRING_EQUAL(d2->states[0].name, "ESTABLISHED");
	CU_ASSERT_EQUAL(d2->states[0].count, 1);
	lvs_conn_summary_clear(&s);
	free(t.s);
}

static void test_top_clients_order(void)
{
	struct text t = { 0 };
	struct lvs_conn_summary s;
	struct lvs_conn_opts o = LVS_CONN_OPTS_DEFAULT;
	o.top_clients = 3;
	/* client 10.0.0.N makes N*2 connections, interleaved */
	for (unsigned round = 0; round < 20; round++)
		for (unsigned n = 1; n <= 10; n++)
			if (round < n * 2) {
				char c[32];
				sprintf(c, "10.0.0.%u", n);
				conn_line(&t, "TCP", c, round, "10.9.0.1", 80, "10.8.0.1", 80,
				          "ESTABLISHED", 1, NULL);
			}
	CU_ASSERT_EQUAL(parse_text(&t, &o, &s), 0);
	CU_ASSERT_EQUAL(s.total, 110);
	CU_ASSERT_EQUAL_FATAL(s.n_top_clients, 3);
	CU_ASSERT_TRUE(addr_is(AF_INET, &s.top_clients[0].addr, "10.0.0.10"));
	CU_ASSERT_EQUAL(s.top_clients[0].conns, 20);
	CU_ASSERT_TRUE(addr_is(AF_INET, &s.top_clients[1].addr, "10.0.0.9"));
	CU_ASSERT_EQUAL(s.top_clients[1].conns, 18);
	CU_ASSERT_TRUE(addr_is(AF_INET, &s.top_clients[2].addr, "10.0.0.8"));
	CU_ASSERT_EQUAL(s.top_clients[2].conns, 16);
	lvs_conn_summary_clear(&s);
	free(t.s);
}

static bool same_summary(const struct lvs_conn_summary *a, const struct lvs_conn_summary *b)
{
	if (a->total != b->total || a->partial != b->partial || a->n_states != b->n_states ||
	    a->n_dests != b->n_dests || a->n_top_clients != b->n_top_clients)
		return false;
	if (memcmp(a->states, b->states, a->n_states * sizeof(a->states[0])) != 0)
		return false;
	for (size_t i = 0; i < a->n_dests; i++)
		if (memcmp(&a->dests[i], &b->dests[i], sizeof(a->dests[i])) != 0)
			return false;
	for (size_t i = 0; i < a->n_top_clients; i++)
		if (memcmp(&a->top_clients[i], &b->top_clients[i], sizeof(a->top_clients[i])) != 0)
			return false;
	return true;
}

static void test_split_every_byte(void)
{
	struct text t = { 0 };
	struct lvs_conn_summary whole, part;
	text_add(&t, HEADER);
	conn_line(&t, "TCP", "192.168.1.10", 40000, "10.0.0.100", 80, "10.0.1.1", 8080,
	          "ESTABLISHED", 899, NULL);
	conn_line(&t, "TCP", "2001:db8::10", 0xabcd, "2001:db8:ffff::1", 443, "2001:db8:1::2",
	          443, "FIN_WAIT", 60, NULL);
	conn_line(&t, "UDP", "10.9.9.9", 5060, "10.0.0.1", 5060, "10.0.2.1", 5060, "UDP", 120,
	          " sip a84b4c76e66710@pc33");
	text_add(&t, "TCP 0A00000G 0001 0A000001 0050 0A000002 0050 ESTABLISHED      1\n");
	conn_line(&t, "TCP", "192.168.1.10", 40001, "10.0.0.100", 80, "10.0.1.1", 8080,
	          "TIME_WAIT", 1, NULL);
	uint64_t bad_whole = parse_text(&t, NULL, &whole);
	CU_ASSERT_EQUAL(bad_whole, 1);
	CU_ASSERT_EQUAL(whole.total, 4);

	lvs_conn_parser *p = conn_parser_new(NULL);
	CU_ASSERT_FATAL(p != NULL);
	for (size_t cut = 0; cut <= t.len; cut++) {
		CU_ASSERT_EQUAL(conn_parser_feed(p, t.s, cut), 0);
		CU_ASSERT_EQUAL(conn_parser_feed(p, t.s + cut, t.len - cut), 0);
		CU_ASSERT_EQUAL_FATAL(conn_parser_finish(p, &part), 0);
		CU_ASSERT_EQUAL(conn_parser_bad_lines(p), bad_whole);
		CU_ASSERT_TRUE(same_summary(&whole, &part));
		lvs_conn_summary_clear(&part);
	}
	/* one byte at a time, the same parser reused once more */
	for (size_t i = 0; i < t.len; i++)
		conn_parser_feed(p, t.s + i, 1);
	CU_ASSERT_EQUAL_FATAL(conn_parser_finish(p, &part), 0);
	CU_ASSERT_TRUE(same_summary(&whole, &part));
	lvs_conn_summary_clear(&part);
	conn_parser_free(p);
	lvs_conn_summary_clear(&whole);
	free(t.s);
}

static void test_malformed(void)
{
	struct text t = { 0 };
	struct lvs_conn_summary s;
	const char *good = "TCP 0A000001 0001 0A000002 0050 0A000003 0050 ESTABLISHED      1\n";
	text_add(&t, "%s", good);
	/* bad hex in each address and port column */
	text_add(&t, "TCP 0A0000Z1 0001 0A000002 0050 0A000003 0050 ESTABLISHED      1\n");
	text_add(&t, "TCP 0A000001 00X1 0A000002 0050 0A000003 0050 ESTABLISHED      1\n");
	text_add(&t, "TCP 0A000001 0001 0A000002 0050 0A00-003 0050 ESTABLISHED      1\n");
	text_add(&t, "TCP 0A000001 0001 0A000002 0050 0A000003 005g ESTABLISHED      1\n");
	text_add(&t, "TCP 2001:0db8:0000:0000:0000:0000:0000:00x1 0001 "
	             "2001:0db8:0000:0000:0000:0000:0000:0001 0050 0A000003 0050 SYN_SENT 1\n");
	/* an IPv6 address with a dot where a colon goes */
	text_add(&t, "TCP 2001.0db8:0000:0000:0000:0000:0000:0001 0001 "
	             "2001:0db8:0000:0000:0000:0000:0000:0001 0050 0A000003 0050 SYN_SENT 1\n");
	/* wrong widths and missing fields */
	text_add(&t, "TCP 0A00001 0001 0A000002 0050 0A000003 0050 ESTABLISHED      1\n");
	text_add(&t, "TCP 0A000001 001 0A000002 0050 0A000003 0050 ESTABLISHED      1\n");
	text_add(&t, "TCP 0A000001 0001 0A000002 0050 0A000003 0050 ESTABLISHED\n");
	text_add(&t, "TCP 0A000001 0001 0A000002 0050 0A000003 0050\n");
	text_add(&t, "TCP 0A000001 0001 0A000002\n");
	text_add(&t, "TCP\n");
	text_add(&t, "TCP 0A000001 0001 0A000002 0050 0A000003 0050 ESTABLISHED 12x\n");
	/* overlong tokens: protocol, state, and a whole line */
	text_add(&t, "TCPTCPTCP 0A000001 0001 0A000002 0050 0A000003 0050 ESTABLISHED 1\n");
	text_add(&t, "TCP 0A000001 0001 0A000002 0050 0A000003 0050 ESTABLISHED_AND_MORE_X 1\n");
	text_add(&t, "TCP 0A000001 0001 0A000002 0050 0A000003 0050 ESTABLISHED 1 sip ");
	for (int i = 0; i < 300; i++)
		text_add(&t, "abcdefgh");
	text_add(&t, "\n");
	/* a control character in the state name */
	text_add(&t, "TCP 0A000001 0001 0A000002 0050 0A000003 0050 EST\x01" "B 1\n");
	text_add(&t, "%s", good);
	/* the last line cut short by a truncated read */
	text_add(&t, "TCP 0A000001 0001 0A0000");

	/* whole, and in 7-byte pieces so the overlong line crosses feeds */
	for (int pass = 0; pass < 2; pass++) {
		lvs_conn_parser *p = conn_parser_new(NULL);
		CU_ASSERT_FATAL(p != NULL);
		if (pass == 0) {
			CU_ASSERT_EQUAL(conn_parser_feed(p, t.s, t.len), 0);
		} else {
			for (size_t i = 0; i < t.len; i += 7)
				conn_parser_feed(p, t.s + i, t.len - i < 7 ? t.len - i : 7);
		}
		CU_ASSERT_EQUAL(conn_parser_bad_lines(p), 17);
		CU_ASSERT_EQUAL_FATAL(conn_parser_finish(p, &s), 0);
		CU_ASSERT_EQUAL(conn_parser_bad_lines(p), 18); /* + the truncated line */
		CU_ASSERT_TRUE(s.available);
		CU_ASSERT_FALSE(s.partial);
		CU_ASSERT_EQUAL(s.total, 2);
		CU_ASSERT_EQUAL(s.n_states, 1);
		CU_ASSERT_EQUAL(state_count(s.states, s.n_states, "ESTABLISHED"), 2);
		CU_ASSERT_EQUAL_FATAL(s.n_dests, 1);
		CU_ASSERT_TRUE(addr_is(AF_INET, &s.dests[0].addr, "10.0.0.3"));
		CU_ASSERT_EQUAL(s.dests[0].port, 0x50);
		lvs_conn_summary_clear(&s);
		conn_parser_free(p);
	}
	free(t.s);
}

static void test_max_lines(void)
{
	struct text t = { 0 };
	struct lvs_conn_summary s;
	struct lvs_conn_opts o = LVS_CONN_OPTS_DEFAULT;
	for (unsigned i = 0; i < 10; i++)
		conn_line(&t, "TCP", "10.0.0.1", i, "10.0.0.2", 80, "10.0.0.3", 80, "ESTABLISHED", 1,
		          NULL);
	o.max_lines = 4;
	lvs_conn_parser *p = conn_parser_new(&o);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_EQUAL(conn_parser_feed(p, t.s, t.len), 1);
	CU_ASSERT_EQUAL(conn_parser_feed(p, t.s, t.len), 1); /* stays stopped */
	CU_ASSERT_EQUAL_FATAL(conn_parser_finish(p, &s), 0);
	CU_ASSERT_TRUE(s.partial);
	CU_ASSERT_TRUE(s.available);
	CU_ASSERT_EQUAL(s.total, 4);
	CU_ASSERT_EQUAL_FATAL(s.n_dests, 1);
	CU_ASSERT_EQUAL(s.dests[0].total, 4);
	CU_ASSERT_EQUAL(s.top_clients[0].conns, 4);
	lvs_conn_summary_clear(&s);
	conn_parser_free(p);

	/* a table of exactly max_lines entries is complete */
	o.max_lines = 10;
	CU_ASSERT_EQUAL(parse_text(&t, &o, &s), 0);
	CU_ASSERT_FALSE(s.partial);
	CU_ASSERT_EQUAL(s.total, 10);
	lvs_conn_summary_clear(&s);
	free(t.s);
}

static void test_max_seconds(void)
{
	struct text t = { 0 };
	struct lvs_conn_summary s;
	struct lvs_conn_opts o = LVS_CONN_OPTS_DEFAULT;
	for (unsigned i = 0; i < 10000; i++)
		conn_line(&t, "TCP", "10.0.0.1", i & 0xffff, "10.0.0.2", 80, "10.0.0.3", 80,
		          "ESTABLISHED", 1, NULL);
	o.max_seconds = 1e-9; /* spent long before the first clock check */
	lvs_conn_parser *p = conn_parser_new(&o);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_EQUAL(conn_parser_feed(p, t.s, t.len), 1);
	CU_ASSERT_EQUAL_FATAL(conn_parser_finish(p, &s), 0);
	CU_ASSERT_TRUE(s.partial);
	CU_ASSERT_TRUE(s.total > 0 && s.total < 10000);
	CU_ASSERT_EQUAL(s.total % 4096, 0); /* stops only at a clock check */
	lvs_conn_summary_clear(&s);
	conn_parser_free(p);
	free(t.s);
}

/* The time spent outside the parser (in the reader's read() of a table the
 * kernel re-walks on every read) counts: a feed that starts past the bound
 * stops the round, however few entries came before it. */
static void test_max_seconds_between_feeds(void)
{
	struct text t = { 0 };
	struct lvs_conn_summary s;
	struct lvs_conn_opts o = LVS_CONN_OPTS_DEFAULT;
	int64_t now = 1000000000;
	struct lvs_clock clk = lvs_manual_clock(&now);
	for (unsigned i = 0; i < 20; i++)
		conn_line(&t, "TCP", "10.0.0.1", i, "10.0.0.2", 80, "10.0.0.3", 80, "ESTABLISHED", 1, NULL);
	size_t half = t.len / 2;
	while (t.s[half - 1] != '\n')
		half--;
	o.max_seconds = 0.5;
	o.clock = &clk;
	lvs_conn_parser *p = conn_parser_new(&o);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_EQUAL(conn_parser_feed(p, t.s, half), 0);
	lvs_manual_clock_advance(&now, 400000000); /* within the bound */
	CU_ASSERT_EQUAL(conn_parser_feed(p, t.s + half, 0), 0);
	lvs_manual_clock_advance(&now, 200000000); /* 0.6 s: past it */
	CU_ASSERT_EQUAL(conn_parser_feed(p, t.s + half, t.len - half), 1);
	CU_ASSERT_EQUAL_FATAL(conn_parser_finish(p, &s), 0);
	CU_ASSERT_TRUE(s.partial);
	CU_ASSERT_EQUAL(s.total, 10);
	lvs_conn_summary_clear(&s);

	/* the next round starts its own clock */
	CU_ASSERT_EQUAL(conn_parser_feed(p, t.s, half), 0);
	lvs_manual_clock_advance(&now, 100000000);
	CU_ASSERT_EQUAL(conn_parser_feed(p, t.s + half, t.len - half), 0);
	CU_ASSERT_EQUAL_FATAL(conn_parser_finish(p, &s), 0);
	CU_ASSERT_FALSE(s.partial);
	CU_ASSERT_EQUAL(s.total, 20);
	lvs_conn_summary_clear(&s);
	conn_parser_free(p);
	free(t.s);
}

static void test_max_dests(void)
{
	struct text t = { 0 };
	struct lvs_conn_summary s;
	struct lvs_conn_opts o = LVS_CONN_OPTS_DEFAULT;
	o.max_dests = 2;
	conn_line(&t, "TCP", "10.0.0.1", 1, "10.0.0.2", 80, "10.0.1.1", 80, "ESTABLISHED", 1, NULL);
	conn_line(&t, "TCP", "10.0.0.1", 2, "10.0.0.2", 80, "10.0.1.2", 80, "ESTABLISHED", 1, NULL);
	conn_line(&t, "TCP", "10.0.0.1", 3, "10.0.0.2", 80, "10.0.1.3", 80, "ESTABLISHED", 1, NULL);
	conn_line(&t, "TCP", "10.0.0.1", 4, "10.0.0.2", 80, "10.0.1.1", 80, "ESTABLISHED", 1, NULL);
	CU_ASSERT_EQUAL(parse_text(&t, &o, &s), 0);
	CU_ASSERT_TRUE(s.partial);
	CU_ASSERT_EQUAL(s.total, 4);
	CU_ASSERT_EQUAL(state_count(s.states, s.n_states, "ESTABLISHED"), 4);
	CU_ASSERT_EQUAL_FATAL(s.n_dests, 2);
	CU_ASSERT_EQUAL(find_dest(&s, "10.0.1.1", 80)->total, 2);
	CU_ASSERT_EQUAL(find_dest(&s, "10.0.1.2", 80)->total, 1);
	CU_ASSERT_PTR_NULL(find_dest(&s, "10.0.1.3", 80));
	lvs_conn_summary_clear(&s);
	free(t.s);
}

static void test_many_dests(void)
{
	struct text t = { 0 };
	struct lvs_conn_summary s;
	/* enough real servers to make the table grow several times */
	for (unsigned i = 0; i < 3000; i++) {
		char d[32];
		sprintf(d, "10.%u.%u.1", i >> 8, i & 255);
		conn_line(&t, "TCP", "192.0.2.1", i & 0xffff, "10.0.0.2", 80, d, 80, "ESTABLISHED",
		          1, NULL);
		conn_line(&t, "TCP", "192.0.2.2", i & 0xffff, "10.0.0.2", 80, d, 80, "TIME_WAIT", 1,
		          NULL);
	}
	CU_ASSERT_EQUAL(parse_text(&t, NULL, &s), 0);
	CU_ASSERT_FALSE(s.partial);
	CU_ASSERT_EQUAL(s.total, 6000);
	CU_ASSERT_EQUAL_FATAL(s.n_dests, 3000);
	bool ok = true;
	for (size_t i = 0; i < s.n_dests; i++) {
		char d[32];
		sprintf(d, "10.%zu.%zu.1", i >> 8, i & 255);
		ok &= addr_is(s.dests[i].af, &s.dests[i].addr, d) && s.dests[i].total == 2 &&
		      s.dests[i].n_states == 2;
	}
	CU_ASSERT_TRUE(ok);
	lvs_conn_summary_clear(&s);
	free(t.s);
}

static void test_state_overflow(void)
{
	struct text t = { 0 };
	struct lvs_conn_summary s;
	for (unsigned i = 0; i < LVS_CONN_STATES_MAX + 8; i++) {
		char st[16];
		sprintf(st, "S%02u", i);
		conn_line(&t, "TCP", "10.0.0.1", i, "10.0.0.2", 80, "10.0.0.3", 80, st, 1, NULL);
	}
	CU_ASSERT_EQUAL(parse_text(&t, NULL, &s), 0);
	CU_ASSERT_EQUAL(s.total, LVS_CONN_STATES_MAX + 8);
	CU_ASSERT_EQUAL(s.n_states, LVS_CONN_STATES_MAX);
	CU_ASSERT_STRING_EQUAL(s.states[0].name, "OTHER"); /* 9 entries: first by count */
	CU_ASSERT_EQUAL(s.states[0].count, 9);
	CU_ASSERT_EQUAL(state_count(s.states, s.n_states, "S00"), 1);
	CU_ASSERT_EQUAL(state_count(s.states, s.n_states, "S30"), 1);
	CU_ASSERT_EQUAL(state_count(s.states, s.n_states, "S31"), 0);
	CU_ASSERT_EQUAL_FATAL(s.n_dests, 1);
	CU_ASSERT_EQUAL(s.dests[0].n_states, LVS_CONN_STATES_MAX);
	CU_ASSERT_EQUAL(state_count(s.dests[0].states, s.dests[0].n_states, "OTHER"), 9);
	lvs_conn_summary_clear(&s);
	free(t.s);
}

/* xorshift: reproducible without touching the C library's rand state */
static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void test_client_overflow(void)
{
	struct text t = { 0 };
	struct lvs_conn_summary s;
	struct lvs_conn_opts o = LVS_CONN_OPTS_DEFAULT;
	o.client_slots = 64;
	o.top_clients = 3;
	/* 3 heavy clients (600, 400, 300 entries) hidden among 6000 one-off
	 * clients: far more distinct clients than slots */
	static const char *const heavy[] = { "203.0.113.1", "2001:db8:beef::1", "203.0.113.3" };
	static const unsigned want[] = { 600, 400, 300 };
	unsigned left[3] = { 600, 400, 300 }, uniq = 0;
	uint32_t seed = 12345;
	for (;;) {
		unsigned r = rnd(&seed) % 14;
		if (r < 3 && left[r]) {
			left[r]--;
			conn_line(&t, "TCP", heavy[r], r, r == 1 ? "2001:db8::80" : "10.0.0.80", 80,
			          "2001:db8::81", 80, "ESTABLISHED", 1, NULL);
		} else if (uniq < 6000) {
			char c[32];
			sprintf(c, "10.%u.%u.%u", uniq >> 16, (uniq >> 8) & 255, uniq & 255);
			uniq++;
			conn_line(&t, "TCP", c, 1, "10.0.0.80", 80, "10.0.0.81", 80, "ESTABLISHED", 1,
			          NULL);
		} else if (!left[0] && !left[1] && !left[2]) {
			break;
		}
	}
	CU_ASSERT_EQUAL(parse_text(&t, &o, &s), 0);
	CU_ASSERT_EQUAL(s.total, 7300);
	CU_ASSERT_EQUAL_FATAL(s.n_top_clients, 3);
	/* Misra-Gries: a lower bound, at most total / (slots + 1) under */
	uint64_t slack = s.total / (o.client_slots + 1);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_TRUE(addr_is(s.top_clients[i].af, &s.top_clients[i].addr, heavy[i]));
		CU_ASSERT_TRUE(s.top_clients[i].conns <= want[i]);
		CU_ASSERT_TRUE(s.top_clients[i].conns + slack >= want[i]);
		CU_ASSERT_TRUE(s.top_clients[i].conns < want[i]); /* it did overflow */
	}
	lvs_conn_summary_clear(&s);
	free(t.s);
}

/* Whole buffers take the fixed-layout path, one byte at a time always the
 * general one: both must count the same. */
/* A line whose protocol word is "Pro" is the header's, skipped on both
 * paths: with 192 bytes after it in the buffer (the fixed-layout path)
 * as when it comes alone. */
static void test_pro_is_header_on_both_paths(void)
{
	struct text t = { 0 };
	struct lvs_conn_summary whole, bytes;
	conn_line(&t, "Pro", "192.0.2.100", 53, "203.0.113.10", 53, "198.51.100.16", 53, "UDP",
	          299, NULL);
	conn_line(&t, "UDP", "192.0.2.100", 53, "203.0.113.10", 53, "198.51.100.16", 53, "UDP",
	          299, NULL);
	conn_line(&t, "UDP", "192.0.2.101", 53, "203.0.113.10", 53, "198.51.100.16", 53, "UDP",
	          299, NULL);
	conn_line(&t, "UDP", "192.0.2.102", 53, "203.0.113.10", 53, "198.51.100.16", 53, "UDP",
	          299, NULL);
	CU_ASSERT_EQUAL(parse_text(&t, NULL, &whole), 0);
	CU_ASSERT_EQUAL(whole.total, 3);
	lvs_conn_parser *p = conn_parser_new(NULL);
	CU_ASSERT_FATAL(p != NULL);
	for (size_t i = 0; i < t.len; i++)
		conn_parser_feed(p, t.s + i, 1);
	CU_ASSERT_EQUAL_FATAL(conn_parser_finish(p, &bytes), 0);
	CU_ASSERT_EQUAL(bytes.total, 3);
	lvs_conn_summary_clear(&whole);
	lvs_conn_summary_clear(&bytes);
	conn_parser_free(p);
	free(t.s);
}

static void test_fast_and_general_agree(void)
{
	static const char *const states[] = { "ESTABLISHED", "COOKIE_ECHOED", "SYN_RECV",
		                              "SHUTDOWN_RECEIVED", "UDP", "TIME_WAIT" };
	static const char *const protos[] = { "TCP", "SCTP", "IP", "UDP" };
	struct text t = { 0 };
	struct lvs_conn_summary whole, bytes;
	uint32_t seed = 777;
	text_add(&t, HEADER);
	for (unsigned i = 0; i < 2000; i++) {
		char c[48], d[48];
		unsigned r = rnd(&seed);
		bool v6 = r % 5 == 0, dv6 = v6 ? r % 7 != 0 : r % 11 == 0;
		sprintf(c, v6 ? "2001:db8::%x" : "10.0.%u.%u", (r >> 8) % 50, (r >> 8) % 50);
		sprintf(d, dv6 ? "2001:db8:1::%x" : "10.1.0.%u", (r >> 16) % 20);
		conn_line(&t, protos[(r >> 4) % 4], c, r & 0xffff, v6 ? "2001:db8::1" : "10.9.9.9",
		          80, d, 8080, states[(r >> 12) % 6], (r >> 3) % 100000000,
		          r % 13 == 0 ? " sip x@y" : NULL);
	}
	CU_ASSERT_EQUAL(parse_text(&t, NULL, &whole), 0);
	CU_ASSERT_EQUAL(whole.total, 2000);
	lvs_conn_parser *p = conn_parser_new(NULL);
	CU_ASSERT_FATAL(p != NULL);
	for (size_t i = 0; i < t.len; i++)
		conn_parser_feed(p, t.s + i, 1);
	CU_ASSERT_EQUAL_FATAL(conn_parser_finish(p, &bytes), 0);
	CU_ASSERT_EQUAL(conn_parser_bad_lines(p), 0);
	CU_ASSERT_TRUE(same_summary(&whole, &bytes));
	CU_ASSERT_EQUAL(state_count(whole.states, whole.n_states, "SHUTDOWN_RECEIVED") +
	                        state_count(whole.states, whole.n_states, "ESTABLISHED") +
	                        state_count(whole.states, whole.n_states, "COOKIE_ECHOED") +
	                        state_count(whole.states, whole.n_states, "SYN_RECV") +
	                        state_count(whole.states, whole.n_states, "UDP") +
	                        state_count(whole.states, whole.n_states, "TIME_WAIT"),
	                2000);
	lvs_conn_summary_clear(&whole);
	lvs_conn_summary_clear(&bytes);
	conn_parser_free(p);
	free(t.s);
}

static char tmp_path[64];

static void test_parse_file(void)
{
	struct text t = { 0 };
	struct lvs_conn_summary s;
	text_add(&t, HEADER);
	/* more than one 64 KiB read */
	for (unsigned i = 0; i < 3000; i++) {
		char c[32];
		sprintf(c, "198.51.100.%u", i % 7);
		conn_line(&t, i % 5 ? "TCP" : "UDP", c, i & 0xffff, "10.0.0.1", 80,
		          i % 2 ? "10.0.3.1" : "2001:db8:3::1", 80, i % 5 ? "ESTABLISHED" : "UDP",
		          i, NULL);
	}
	strcpy(tmp_path, "/tmp/lvstop-conn-XXXXXX");
	int fd = mkstemp(tmp_path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, t.s, t.len) == (ssize_t)t.len);
	close(fd);

	CU_ASSERT_EQUAL(conn_parse_file(tmp_path, NULL, &s), 0);
	unlink(tmp_path);
	CU_ASSERT_TRUE(s.available);
	CU_ASSERT_FALSE(s.partial);
	CU_ASSERT_EQUAL(s.total, 3000);
	CU_ASSERT_EQUAL(state_count(s.states, s.n_states, "UDP"), 600);
	CU_ASSERT_EQUAL(state_count(s.states, s.n_states, "ESTABLISHED"), 2400);
	CU_ASSERT_EQUAL_FATAL(s.n_dests, 2);
	CU_ASSERT_EQUAL(find_dest(&s, "10.0.3.1", 80)->total, 1500);
	CU_ASSERT_EQUAL(find_dest(&s, "2001:db8:3::1", 80)->total, 1500);
	CU_ASSERT_EQUAL(s.n_top_clients, 7);
	CU_ASSERT_EQUAL(s.top_clients[0].conns, 429); /* 3000 = 7 * 428 + 4 */
	CU_ASSERT_EQUAL(s.top_clients[6].conns, 428);
	lvs_conn_summary_clear(&s);
	free(t.s);

	memset(&s, 0xa5, sizeof(s));
	CU_ASSERT_EQUAL(conn_parse_file("/nonexistent/ip_vs_conn", NULL, &s), -ENOENT);
	CU_ASSERT_FALSE(s.available);
	CU_ASSERT_EQUAL(s.total, 0);
	CU_ASSERT_PTR_NULL(s.dests);
	CU_ASSERT_PTR_NULL(s.top_clients);
}

/* --- allocation failures ------------------------------------------------ */

/* 200 real servers (the table grows past its first 64), IPv4 and IPv6,
 * 12 clients, 3 states; fed in 7-byte pieces so split lines are kept
 * across feeds. */
static struct text walk_input(void)
{
	struct text t = { 0 };
	text_add(&t, HEADER);
	for (unsigned i = 0; i < 400; i++) {
		char d[48], c[32];
		if (i % 4 == 3)
			sprintf(d, "2001:db8:4::%x", (i / 2) % 200 + 1);
		else
			sprintf(d, "10.4.%u.1", (i / 2) % 200);
		sprintf(c, "198.51.100.%u", i % 12);
		conn_line(&t, i % 3 ? "TCP" : "UDP", c, i, "10.0.0.1", 80, d, 80,
		          i % 3 ? (i % 2 ? "ESTABLISHED" : "FIN_WAIT") : "UDP", i, NULL);
	}
	return t;
}

struct conn_walk {
	struct text t;
	struct lvs_conn_summary want; /* the result with no failure */
	int use_file;
	char path[64];
};

/* A run: 0 when the result is right (or, after a failed allocation,
 * right as far as it goes and marked partial), -EIO when it is wrong,
 * or the parser's own error. Frees everything on every path. */
static int conn_walk_run(void *arg)
{
	struct conn_walk *w = arg;
	struct lvs_conn_summary s;
	struct lvs_conn_opts o = LVS_CONN_OPTS_DEFAULT;
	o.max_seconds = 0; /* no time bound: runs must be alike */
	int r;
	if (w->use_file) {
		r = conn_parse_file(w->path, &o, &s);
	} else {
		lvs_conn_parser *p = conn_parser_new(&o);
		if (!p)
			return -ENOMEM;
		for (size_t off = 0; off < w->t.len; off += 7)
			conn_parser_feed(p, w->t.s + off, w->t.len - off < 7 ? w->t.len - off : 7);
		r = conn_parser_finish(p, &s);
		conn_parser_free(p);
	}
	if (r)
		return s.available || s.dests || s.top_clients ? -EIO : r;
	bool ok = s.available && s.total == w->want.total && s.n_states == w->want.n_states &&
		  !memcmp(s.states, w->want.states, sizeof(s.states)) &&
		  s.n_top_clients == w->want.n_top_clients;
	for (size_t i = 0; ok && i < s.n_top_clients; i++)
		ok = s.top_clients[i].conns == w->want.top_clients[i].conns;
	/* Entries of a real server that could not be added for want of
	 * memory are left out and the result is marked partial: then each
	 * real server's count is a lower bound, else exact. A failure that
	 * left nothing out changes nothing. */
	bool partial = s.partial && !w->want.partial;
	if (!failmalloc_fired() || !partial)
		ok = ok && s.partial == w->want.partial && s.n_dests == w->want.n_dests;
	ok = ok && s.n_dests <= w->want.n_dests;
	uint64_t sum = 0;
	for (size_t i = 0; ok && i < s.n_dests; i++) {
		const struct lvs_conn_dest *d = &s.dests[i], *want = NULL;
		for (size_t j = 0; j < w->want.n_dests && !want; j++)
			if (w->want.dests[j].af == d->af && w->want.dests[j].port == d->port &&
			    !memcmp(&w->want.dests[j].addr, &d->addr, sizeof(d->addr)))
				want = &w->want.dests[j];
		ok = want && (partial ? d->total <= want->total && d->n_states <= want->n_states
				      : d->total == want->total && d->n_states == want->n_states);
		sum += d->total;
	}
	if (partial)
		ok = ok && sum < s.total; /* something was left out */
	lvs_conn_summary_clear(&s);
	return ok ? 0 : -EIO;
}

static void test_alloc_failures(void)
{
	struct conn_walk w = { .t = walk_input() };
	struct lvs_conn_opts o = LVS_CONN_OPTS_DEFAULT;
	o.max_seconds = 0;
	CU_ASSERT_EQUAL_FATAL(parse_text(&w.t, &o, &w.want), 0);
	CU_ASSERT(w.want.n_dests > 64);
	CU_ASSERT_EQUAL(w.want.n_top_clients, 10);
	CU_ASSERT_FALSE(w.want.partial);

	struct failmalloc_walk fw;
	int r = failmalloc_walk(conn_walk_run, &w, 0, 10000, &fw);
	if (r)
		fprintf(stderr, "\n    feed: allocation %lu gave %d\n", fw.bad_n, fw.bad_rc);
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT(fw.allocs >= 6); /* parser, client tables, real-server table growth, results */

	/* The same through conn_parse_file. */
	strcpy(w.path, "/tmp/lvstop-connwalk-XXXXXX");
	int fd = mkstemp(w.path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, w.t.s, w.t.len) == (ssize_t)w.t.len);
	close(fd);
	w.use_file = 1;
	r = failmalloc_walk(conn_walk_run, &w, 0, 10000, &fw);
	if (r)
		fprintf(stderr, "\n    file: allocation %lu gave %d\n", fw.bad_n, fw.bad_rc);
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT(fw.allocs >= 7);
	unlink(w.path);
	lvs_conn_summary_clear(&w.want);
	free(w.t.s);
}

int register_conn_parse(void)
{
	CU_pSuite s = CU_add_suite("conn_parse", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "IPv4 lines", test_ipv4_lines) ||
	    !CU_add_test(s, "IPv6 lines", test_ipv6_lines) ||
	    !CU_add_test(s, "mixed address families", test_mixed_af) ||
	    !CU_add_test(s, "persistence engine fields", test_pe_fields) ||
	    !CU_add_test(s, "header and blank lines", test_header_and_blank) ||
	    !CU_add_test(s, "states per real server", test_states_per_dest) ||
	    !CU_add_test(s, "top clients order", test_top_clients_order) ||
	    !CU_add_test(s, "lines split at every byte", test_split_every_byte) ||
	    !CU_add_test(s, "malformed and truncated lines", test_malformed) ||
	    !CU_add_test(s, "max_lines gives partial", test_max_lines) ||
	    !CU_add_test(s, "max_seconds gives partial", test_max_seconds) ||
	    !CU_add_test(s, "max_seconds counts time between feeds", test_max_seconds_between_feeds) ||
	    !CU_add_test(s, "max_dests gives partial", test_max_dests) ||
	    !CU_add_test(s, "real-server table growth", test_many_dests) ||
	    !CU_add_test(s, "state names beyond the table", test_state_overflow) ||
	    !CU_add_test(s, "heavy hitters beyond client_slots", test_client_overflow) ||
	    !CU_add_test(s, "fixed-layout and general paths agree", test_fast_and_general_agree) ||
	    !CU_add_test(s, "\"Pro\" is the header on both paths", test_pro_is_header_on_both_paths) ||
	    !CU_add_test(s, "conn_parse_file and a missing file", test_parse_file) ||
	    !CU_add_test(s, "every allocation failing in turn", test_alloc_failures))
		return -1;
	return 0;
}
