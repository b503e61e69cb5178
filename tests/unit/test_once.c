/* `lvstop --once`: the text frame (ipvsadm -Ln --stats --rate layout,
 * real servers nested, connection states, top clients), the status lines,
 * the JSON document, and text from a recording made printable. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ip_vs.h>

#include "collector/snapjson.h"
#include "collector/snapshot.h"
#include "console/once.h"

static struct lvs_snapshot *sample(const char *sched, const char *pe, const char *ifn,
				   const char *state)
{
	struct lvs_snapshot *s = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	s->time = 1700000000;
	s->version = 1 << 16 | 2 << 8 | 1;
	s->conn_tab_size = 4096;
	s->timeout_tcp = 900;
	s->timeout_tcpfin = 120;
	s->timeout_udp = 300;
	s->n_daemons = 1;
	s->daemons[0].state = IP_VS_STATE_MASTER;
	snprintf(s->daemons[0].mcast_ifn, sizeof(s->daemons[0].mcast_ifn), "%s", ifn);
	s->daemons[0].syncid = 7;

	struct lvs_service svc = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = 80,
				   .flags = IP_VS_SVC_F_PERSISTENT, .timeout = 300,
				   .netmask = 0xffffffff };
	inet_pton(AF_INET, "192.0.2.1", &svc.addr.v4);
	snprintf(svc.sched, sizeof(svc.sched), "%s", sched);
	snprintf(svc.pe_name, sizeof(svc.pe_name), "%s", pe);
	svc.stats.conns = 1234;
	CU_ASSERT_EQUAL_FATAL(snapshot_add_service(s, &svc), 0);
	struct lvs_dest d = { .af = AF_INET, .port = 8080, .fwd = LVS_FWD_ROUTE, .weight = 3,
			      .active_conns = 5, .inact_conns = 6, .persist_conns = 7 };
	inet_pton(AF_INET, "10.0.0.2", &d.addr.v4);
	d.stats.conns = 99;
	CU_ASSERT_EQUAL_FATAL(snapshot_add_dest(s, 0, &d), 0);
	struct lvs_service fwm = { .af = AF_INET6, .fwmark = 42 };
	snprintf(fwm.sched, sizeof(fwm.sched), "rr");
	CU_ASSERT_EQUAL_FATAL(snapshot_add_service(s, &fwm), 0);
	snapshot_finish(s);

	struct lvs_conn_summary *c = &s->conns;
	c->available = true;
	c->total = 12;
	c->n_states = 1;
	snprintf(c->states[0].name, sizeof(c->states[0].name), "%s", state);
	c->states[0].count = 12;
	c->dests = calloc(1, sizeof(*c->dests));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->dests);
	c->n_dests = 1;
	c->dests[0] = (struct lvs_conn_dest){ .af = AF_INET, .port = 8080, .total = 12, .n_states = 1 };
	c->dests[0].addr = d.addr;
	c->dests[0].states[0] = c->states[0];
	c->top_clients = calloc(1, sizeof(*c->top_clients));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->top_clients);
	c->n_top_clients = 1;
	c->top_clients[0].af = AF_INET;
	inet_pton(AF_INET, "198.51.100.9", &c->top_clients[0].addr.v4);
	c->top_clients[0].conns = 12;
	return s;
}

/* once_print into memory: returns its result, *text the output. */
static int print_to(char **text, const struct lvs_snapshot *s, const struct lvs_status *st,
		    bool json, bool exact)
{
	size_t len;
	FILE *f = open_memstream(text, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	struct once_opts o = { .json = json, .exact = exact };
	int r = once_print(f, s, st, &o);
	fclose(f);
	return r;
}

static bool has(const char *text, const char *want)
{
	if (strstr(text, want))
		return true;
	fprintf(stderr, "\nmissing '%s' in:\n%s\n", want, text);
	return false;
}

static void test_text_frame(void)
{
	struct lvs_snapshot *s = sample("wrr", "sip", "eth0", "ESTABLISHED");
	char *t = NULL;
	CU_ASSERT_EQUAL(print_to(&t, s, NULL, false, true), 0);
	CU_ASSERT(has(t, "IP Virtual Server version 1.2.1 (size=4096)"));
	CU_ASSERT(has(t, "Timeouts (tcp tcpfin udp): 900 120 300  Sync daemon: master (eth0, syncid 7)"));
	CU_ASSERT(has(t, "TCP  192.0.2.1:80 wrr persistent 300 mask 255.255.255.255 pe sip\n"));
	CU_ASSERT(has(t, "FWM  42 rr\n"));
	CU_ASSERT(has(t, "  -> 10.0.0.2:8080"));
	CU_ASSERT(has(t, "Route        3          5         6           7\n"));
	CU_ASSERT(has(t, "1234"));
	CU_ASSERT(has(t, "Connections: 12 ESTABLISHED 12\n"));
	CU_ASSERT(has(t, "Top clients: 198.51.100.9 (12)\n"));
	free(t);

	/* Connections not read; no sync daemon. */
	lvs_conn_summary_clear(&s->conns);
	s->n_daemons = 0;
	CU_ASSERT_EQUAL(print_to(&t, s, NULL, false, false), 0);
	CU_ASSERT(has(t, "Sync daemon: none\n"));
	CU_ASSERT(has(t, "Connections: table not read\n"));
	CU_ASSERT_PTR_NULL(strstr(t, "Top clients"));
	free(t);
	snapshot_unref(s);
}

static void test_status_lines(void)
{
	struct lvs_status st = { .err = -ENOENT, .stale = true, .last_ok = 0 };
	snprintf(st.msg, sizeof(st.msg), "IPVS is not available");
	char *t = NULL;
	/* No snapshot yet: only the status. */
	CU_ASSERT_EQUAL(print_to(&t, NULL, &st, false, false), 0);
	CU_ASSERT_STRING_EQUAL(t, "STALE: data from the last good poll at never; IPVS is not available\n");
	free(t);
	st.stale = false;
	CU_ASSERT_EQUAL(print_to(&t, NULL, &st, false, false), 0);
	CU_ASSERT_STRING_EQUAL(t, "ERROR: IPVS is not available\n");
	free(t);
	st.err = 0;
	CU_ASSERT_EQUAL(print_to(&t, NULL, &st, false, false), 0);
	CU_ASSERT_STRING_EQUAL(t, "");
	free(t);
}

static void test_json(void)
{
	struct lvs_snapshot *s = sample("wrr", "", "eth0", "ESTABLISHED");
	struct lvs_status st = { .stale = true };
	char *t = NULL;
	CU_ASSERT_EQUAL(print_to(&t, s, &st, true, false), 0);
	/* One line, the snapshot document, marked stale. */
	size_t n = strlen(t);
	CU_ASSERT(n > 2 && t[n - 1] == '\n');
	CU_ASSERT_PTR_NULL(memchr(t, '\n', n - 1));
	CU_ASSERT(has(t, "\"stale\":true"));
	struct lvs_snapshot *back = NULL;
	char err[200];
	CU_ASSERT_EQUAL_FATAL(snapjson_parse(t, n - 1, &back, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(back->n_services, 2);
	CU_ASSERT_EQUAL(back->n_dests, 1);
	CU_ASSERT_EQUAL(back->services[0].stats.conns, 1234);
	snapshot_unref(back);
	free(t);
	/* No snapshot: nothing on the document stream. */
	CU_ASSERT_EQUAL(print_to(&t, NULL, NULL, true, false), 0);
	CU_ASSERT_STRING_EQUAL(t, "");
	free(t);
	snapshot_unref(s);
}

/* A recording can carry any bytes in its names: none reaches the terminal. */
static void test_text_from_recording_printable(void)
{
	struct lvs_snapshot *s = sample("w\x1b]0;x\arr", "p\x1b[2J", "e\x9b" "1m", "EST\rAB");
	struct lvs_status st = { .err = -EIO };
	snprintf(st.msg, sizeof(st.msg), "bad \x1b[31mthing");
	char *t = NULL;
	CU_ASSERT_EQUAL(print_to(&t, s, &st, false, false), 0);
	bool clean = true;
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		if ((*p < 0x20 && *p != '\n') || *p >= 0x7f)
			clean = false;
	CU_ASSERT_TRUE(clean);
	CU_ASSERT(has(t, "w\\x1b]0;x\\x07rr"));
	CU_ASSERT(has(t, "pe p\\x1b[2J"));
	CU_ASSERT(has(t, "(e\\x9b1m, syncid 7)"));
	CU_ASSERT(has(t, "EST\\x0dAB 12"));
	CU_ASSERT(has(t, "ERROR: bad \\x1b[31mthing"));
	free(t);
	snapshot_unref(s);
}

static void test_write_error(void)
{
	FILE *f = fopen("/dev/full", "we");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	setvbuf(f, NULL, _IONBF, 0);
	struct lvs_snapshot *s = sample("wrr", "", "eth0", "ESTABLISHED");
	struct once_opts o = { 0 };
	CU_ASSERT_EQUAL(once_print(f, s, NULL, &o), -EIO);
	o.json = true;
	CU_ASSERT_EQUAL(once_print(f, s, NULL, &o), -EIO);
	fclose(f);
	snapshot_unref(s);
}

/* Addresses made without inet_ntop: every digit count, both outputs. */
static void test_addresses_as_inet_ntop(void)
{
	static const char *const addrs[] = { "0.0.0.0", "9.10.99.100", "255.255.255.255", "1.0.200.7" };
	struct lvs_snapshot *s = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct lvs_service svc = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = 80 };
	inet_pton(AF_INET, "203.0.113.10", &svc.addr.v4);
	snprintf(svc.sched, sizeof(svc.sched), "rr");
	CU_ASSERT_EQUAL_FATAL(snapshot_add_service(s, &svc), 0);
	for (size_t i = 0; i < 4; i++) {
		struct lvs_dest d = { .af = AF_INET, .port = (uint16_t)(i * 20000), .fwd = LVS_FWD_MASQ,
				      .weight = (int32_t)i - 1 };
		inet_pton(AF_INET, addrs[i], &d.addr.v4);
		CU_ASSERT_EQUAL_FATAL(snapshot_add_dest(s, 0, &d), 0);
	}
	snapshot_finish(s);
	char *t = NULL, want[160];
	CU_ASSERT_EQUAL(print_to(&t, s, NULL, true, false), 0);
	for (size_t i = 0; i < 4; i++) {
		snprintf(want, sizeof(want), "\"address\":\"%s\"", addrs[i]);
		CU_ASSERT(has(t, want));
	}
	free(t);
	CU_ASSERT_EQUAL(print_to(&t, s, NULL, false, true), 0);
	for (size_t i = 0; i < 4; i++) {
		char ep[40];
		snprintf(ep, sizeof(ep), "%s:%u", addrs[i], (unsigned)(i * 20000));
		snprintf(want, sizeof(want), "  -> %-28s %-7s %6d %10u %9u %11u\n", ep, "Masq", (int)i - 1, 0u, 0u, 0u);
		CU_ASSERT(has(t, want));
	}
	free(t);
	snapshot_unref(s);
}

int register_once(void)
{
	CU_pSuite s = CU_add_suite("once", NULL, NULL);
	if (!s || !CU_add_test(s, "text frame", test_text_frame) ||
	    !CU_add_test(s, "status lines", test_status_lines) ||
	    !CU_add_test(s, "JSON document", test_json) ||
	    !CU_add_test(s, "text from a recording made printable", test_text_from_recording_printable) ||
	    !CU_add_test(s, "write error", test_write_error) ||
	    !CU_add_test(s, "addresses as inet_ntop writes them", test_addresses_as_inet_ntop))
		return -1;
	return 0;
}
