/* Tests for the console's form model (console/form.c): each field is
 * checked as it is left, with a message naming it; the whole form is
 * checked before it may be sent; forms pre-filled from an object give the
 * object back; confirmations need y, or the exact word. No terminal. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <curses.h>
#include <linux/ip_vs.h>
#include <stdio.h>
#include <string.h>

#include "console/form.h"

#define ESC 27

static void type(struct form *fm, const char *s)
{
	for (; *s; s++)
		form_key(fm, (unsigned char)*s);
}

/* Go to field i, replace its text, and leave it (Tab checks it). */
static void fill(struct form *fm, size_t i, const char *s)
{
	fm->cur = i;
	fm->fresh = true;
	type(fm, s);
	form_key(fm, '\t');
}

/* Set a choice field to value by cycling. */
static void choose(struct form *fm, size_t i, const char *value)
{
	fm->cur = i;
	for (int n = 0; n < 20 && strcmp(fm->f[i].value, value); n++)
		form_key(fm, KEY_RIGHT);
	CU_ASSERT_STRING_EQUAL(fm->f[i].value, value);
}

static struct lvs_service tcp_svc(const char *addr, uint16_t port)
{
	struct lvs_service s;
	memset(&s, 0, sizeof(s));
	s.af = AF_INET;
	s.protocol = IPPROTO_TCP;
	s.port = port;
	s.netmask = 0xffffffffu;
	inet_pton(AF_INET, addr, &s.addr.v4);
	snprintf(s.sched, sizeof(s.sched), "wrr");
	return s;
}

/* Field indices, as form.c lays the forms out. */
enum { S_PROTO, S_ADDR, S_V6, S_SCHED, S_PERSIST, S_MASK, S_ONEPKT, S_FLAGS };
enum { D_ADDR, D_FWD, D_WEIGHT, D_UTH, D_LTH, D_TTYPE, D_TPORT, D_TCSUM };

static void test_service_fields(void)
{
	struct form fm;
	form_service_init(&fm, NULL);
	CU_ASSERT_EQUAL(fm.kind, FORM_ADD_SERVICE);
	CU_ASSERT_STRING_EQUAL(fm.f[S_SCHED].value, "wlc"); /* ipvsadm's default */
	/* Each malformed field: an error next to it, naming it. */
	static const struct { size_t field; const char *value, *want; } bad[] = {
		{ S_ADDR, "203.0.113.300:80", "service address" },
		{ S_ADDR, "203.0.113.10:70000", "70000" },
		{ S_ADDR, "2001:db8::1:80", "bracket" },
		{ S_ADDR, "web.example.org:80", "not resolved" },
		{ S_PERSIST, "9999999", "persistence timeout" },
		{ S_PERSIST, "ten", "persistence timeout" },
		{ S_MASK, "255.0.255.0", "netmask" },
		{ S_FLAGS, "sh-banana", "scheduler flags" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		form_service_init(&fm, NULL);
		if (bad[i].field != S_ADDR)
			fill(&fm, S_ADDR, "203.0.113.10:80");
		fill(&fm, bad[i].field, bad[i].value);
		CU_ASSERT(fm.f[bad[i].field].err[0] != 0);
		if (!strstr(fm.f[bad[i].field].err, bad[i].want))
			fprintf(stderr, "\n  %s: '%s' does not say '%s'\n", bad[i].value,
				fm.f[bad[i].field].err, bad[i].want);
		CU_ASSERT_PTR_NOT_NULL(strstr(fm.f[bad[i].field].err, bad[i].want));
		CU_ASSERT_EQUAL(form_key(&fm, '\n'), FORM_GOING); /* never sent */
		/* Fixing the field clears its message. */
		const char *good = bad[i].field == S_ADDR ? "203.0.113.10:80"
				   : bad[i].field == S_PERSIST ? "300"
				   : bad[i].field == S_MASK ? "255.255.255.0" : "";
		fill(&fm, bad[i].field, good);
		if (bad[i].field == S_FLAGS) {
			fm.cur = S_FLAGS;
			form_key(&fm, 21); /* ^U: empty */
			form_key(&fm, '\t');
		}
		CU_ASSERT_STRING_EQUAL(fm.f[bad[i].field].err, "");
	}
	/* A mark: the address field reads as a mark once fwm is chosen. */
	form_service_init(&fm, NULL);
	choose(&fm, S_PROTO, "fwm");
	fill(&fm, S_ADDR, "0");
	CU_ASSERT_PTR_NOT_NULL(strstr(fm.f[S_ADDR].err, "mark"));
	fill(&fm, S_ADDR, "42");
	CU_ASSERT_STRING_EQUAL(fm.f[S_ADDR].err, "");
	choose(&fm, S_V6, "ipv6");
	struct lvs_service s;
	CU_ASSERT_EQUAL(form_check(&fm), 0);
	CU_ASSERT_EQUAL(form_service(&fm, &s), 0);
	CU_ASSERT_EQUAL(s.fwmark, 42);
	CU_ASSERT_EQUAL(s.af, AF_INET6);
	CU_ASSERT_EQUAL(s.netmask, 128);
}

static void test_service_whole(void)
{
	struct form fm;
	struct lvs_service s;
	/* sh-port belongs to sh: each field parses, the whole does not. */
	form_service_init(&fm, NULL);
	fill(&fm, S_ADDR, "203.0.113.10:80");
	choose(&fm, S_SCHED, "wrr");
	fill(&fm, S_FLAGS, "sh-port");
	CU_ASSERT_PTR_NOT_NULL(strstr(fm.f[S_FLAGS].err, "belong to the sh scheduler"));
	CU_ASSERT_EQUAL(form_key(&fm, '\n'), FORM_GOING);
	CU_ASSERT_EQUAL(fm.cur, S_FLAGS);
	choose(&fm, S_SCHED, "sh");
	CU_ASSERT_EQUAL(form_key(&fm, '\n'), FORM_SUBMIT);
	CU_ASSERT_STRING_EQUAL(fm.err, "");
	CU_ASSERT_EQUAL(form_service(&fm, &s), 0);
	CU_ASSERT_STRING_EQUAL(s.sched, "sh");
	CU_ASSERT(s.flags & IP_VS_SVC_F_SCHED2);
	CU_ASSERT_FALSE(s.flags & IP_VS_SVC_F_PERSISTENT);
	CU_ASSERT_EQUAL(s.port, 80);
	CU_ASSERT_EQUAL(s.protocol, IPPROTO_TCP);

	/* Persistence with a netmask and one-packet scheduling, on UDP. */
	form_service_init(&fm, NULL);
	choose(&fm, S_PROTO, "udp");
	fill(&fm, S_ADDR, "203.0.113.53:53");
	fill(&fm, S_PERSIST, "600");
	fill(&fm, S_MASK, "255.255.255.0");
	choose(&fm, S_ONEPKT, "yes");
	CU_ASSERT_EQUAL(form_key(&fm, KEY_ENTER), FORM_SUBMIT);
	CU_ASSERT_EQUAL(form_service(&fm, &s), 0);
	CU_ASSERT_EQUAL(s.protocol, IPPROTO_UDP);
	CU_ASSERT(s.flags & IP_VS_SVC_F_PERSISTENT);
	CU_ASSERT(s.flags & IP_VS_SVC_F_ONEPACKET);
	CU_ASSERT_EQUAL(s.timeout, 600);
	CU_ASSERT_EQUAL(s.netmask, htonl(0xffffff00u));

	/* An empty address is refused at once, and Esc cancels. */
	form_service_init(&fm, NULL);
	CU_ASSERT_EQUAL(form_key(&fm, '\n'), FORM_GOING);
	CU_ASSERT_EQUAL(fm.cur, S_ADDR);
	CU_ASSERT_PTR_NOT_NULL(strstr(fm.f[S_ADDR].err, "missing"));
	CU_ASSERT_EQUAL(form_key(&fm, ESC), FORM_CANCEL);

	/* Edit: pre-filled from the object, which comes back unchanged. */
	struct lvs_service old = tcp_svc("203.0.113.20", 443);
	old.flags = IP_VS_SVC_F_PERSISTENT;
	old.timeout = 900;
	old.netmask = htonl(0xffff0000u);
	form_service_init(&fm, &old);
	CU_ASSERT_EQUAL(fm.kind, FORM_EDIT_SERVICE);
	CU_ASSERT_STRING_EQUAL(fm.f[S_ADDR].value, "203.0.113.20:443");
	CU_ASSERT_STRING_EQUAL(fm.f[S_MASK].value, "255.255.0.0");
	CU_ASSERT_EQUAL(form_check(&fm), 0);
	CU_ASSERT_EQUAL(form_service(&fm, &s), 0);
	CU_ASSERT_EQUAL(s.timeout, 900);
	CU_ASSERT_EQUAL(s.netmask, old.netmask);
	CU_ASSERT_STRING_EQUAL(s.sched, "wrr");
	CU_ASSERT_EQUAL(s.flags, old.flags);
	CU_ASSERT_EQUAL(memcmp(&s.addr, &old.addr, sizeof(s.addr)), 0);
}

static void test_server_form(void)
{
	struct form fm;
	struct lvs_dest d;
	struct lvs_service svc = tcp_svc("203.0.113.10", 80);
	static const struct { size_t field; const char *value, *want; } bad[] = {
		{ D_ADDR, "192.0.2.300", "real server" },
		{ D_ADDR, "", "missing" },
		{ D_WEIGHT, "-1", "weight" },
		{ D_WEIGHT, "7x", "weight" },
		{ D_UTH, "lots", "threshold" },
		{ D_LTH, "99999999999", "threshold" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		form_server_init(&fm, &svc, NULL);
		if (bad[i].field != D_ADDR)
			fill(&fm, D_ADDR, "192.0.2.11");
		fm.cur = bad[i].field;
		form_key(&fm, 21); /* ^U */
		type(&fm, bad[i].value);
		form_key(&fm, '\t');
		if (!strstr(fm.f[bad[i].field].err, bad[i].want))
			fprintf(stderr, "\n  '%s': '%s' does not say '%s'\n", bad[i].value,
				fm.f[bad[i].field].err, bad[i].want);
		CU_ASSERT_PTR_NOT_NULL(strstr(fm.f[bad[i].field].err, bad[i].want));
		CU_ASSERT_EQUAL(form_key(&fm, '\n'), FORM_GOING);
	}
	/* Lower above upper: each field parses, the whole does not. */
	form_server_init(&fm, &svc, NULL);
	fill(&fm, D_ADDR, "192.0.2.11");
	fill(&fm, D_UTH, "10");
	fill(&fm, D_LTH, "20");
	CU_ASSERT_EQUAL(form_key(&fm, '\n'), FORM_GOING);
	CU_ASSERT(fm.err[0] != 0);
	fill(&fm, D_LTH, "5");
	CU_ASSERT_EQUAL(form_key(&fm, '\n'), FORM_SUBMIT);
	CU_ASSERT_EQUAL(form_server(&fm, &d), 0);
	CU_ASSERT_EQUAL(d.port, 80); /* no port: the service's */
	CU_ASSERT_EQUAL(d.fwd, LVS_FWD_ROUTE);
	CU_ASSERT_EQUAL(d.weight, 1);
	CU_ASSERT_EQUAL(d.u_thresh, 10);
	CU_ASSERT_EQUAL(d.l_thresh, 5);

	/* Masquerading may map the port. */
	form_server_init(&fm, &svc, NULL);
	fill(&fm, D_ADDR, "192.0.2.12:8080");
	choose(&fm, D_FWD, "masq");
	fill(&fm, D_WEIGHT, "7");
	CU_ASSERT_EQUAL(form_key(&fm, '\n'), FORM_SUBMIT);
	CU_ASSERT_EQUAL(form_server(&fm, &d), 0);
	CU_ASSERT_EQUAL(d.port, 8080);
	CU_ASSERT_EQUAL(d.fwd, LVS_FWD_MASQ);
	CU_ASSERT_EQUAL(d.weight, 7);
	/* Direct routing keeps the service's port: the whole form says so. */
	choose(&fm, D_FWD, "route");
	CU_ASSERT_EQUAL(form_key(&fm, '\n'), FORM_GOING);
	CU_ASSERT(fm.err[0] != 0);

	/* Tunnels: gue needs a port, ipip takes none. */
	form_server_init(&fm, &svc, NULL);
	fill(&fm, D_ADDR, "192.0.2.13");
	choose(&fm, D_FWD, "tunnel");
	choose(&fm, D_TTYPE, "gue");
	CU_ASSERT_EQUAL(form_key(&fm, '\n'), FORM_GOING);
	CU_ASSERT_PTR_NOT_NULL(strstr(fm.err, "GUE needs a port"));
	fill(&fm, D_TPORT, "6080");
	choose(&fm, D_TCSUM, "remcsum");
	CU_ASSERT_EQUAL(form_key(&fm, '\n'), FORM_SUBMIT);
	CU_ASSERT_EQUAL(form_server(&fm, &d), 0);
	CU_ASSERT_EQUAL(d.fwd, LVS_FWD_TUNNEL);
	CU_ASSERT_EQUAL(d.tun_type, IP_VS_CONN_F_TUNNEL_TYPE_GUE);
	CU_ASSERT_EQUAL(d.tun_port, 6080);
	CU_ASSERT_EQUAL(d.tun_flags, IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM);
	choose(&fm, D_TTYPE, "ipip");
	fm.cur = D_TPORT;
	form_key(&fm, '\t');
	CU_ASSERT(fm.f[D_TPORT].err[0] != 0);
	CU_ASSERT_EQUAL(form_key(&fm, '\n'), FORM_GOING);

	/* Edit: pre-filled from the real server, which comes back. */
	struct lvs_dest old;
	memset(&old, 0, sizeof(old));
	old.af = AF_INET;
	old.port = 80;
	inet_pton(AF_INET, "192.0.2.11", &old.addr.v4);
	old.fwd = LVS_FWD_ROUTE;
	old.weight = 3;
	old.u_thresh = 100;
	old.l_thresh = 50;
	form_server_init(&fm, &svc, &old);
	CU_ASSERT_EQUAL(fm.kind, FORM_EDIT_SERVER);
	CU_ASSERT_EQUAL(form_check(&fm), 0);
	CU_ASSERT_EQUAL(form_server(&fm, &d), 0);
	CU_ASSERT_EQUAL(d.weight, 3);
	CU_ASSERT_EQUAL(d.u_thresh, 100);
	CU_ASSERT_EQUAL(d.l_thresh, 50);
	CU_ASSERT_EQUAL(d.port, 80);
	CU_ASSERT_EQUAL(memcmp(&d.addr, &old.addr, sizeof(d.addr)), 0);
}

static void test_keys_and_other_forms(void)
{
	struct form fm;
	uint32_t t[3];
	form_timeouts_init(&fm, 900, 120, 300);
	CU_ASSERT_EQUAL(form_check(&fm), 0);
	/* Entering a field and typing replaces it; Backspace edits. */
	form_key(&fm, '\t');
	CU_ASSERT_EQUAL(fm.cur, 1);
	type(&fm, "60");
	CU_ASSERT_STRING_EQUAL(fm.f[1].value, "60");
	type(&fm, "0");
	form_key(&fm, KEY_BACKSPACE);
	CU_ASSERT_STRING_EQUAL(fm.f[1].value, "60");
	form_key(&fm, KEY_UP);
	CU_ASSERT_EQUAL(fm.cur, 0);
	form_key(&fm, KEY_UP); /* wraps */
	CU_ASSERT_EQUAL(fm.cur, 2);
	type(&fm, "udp");
	CU_ASSERT_EQUAL(form_key(&fm, '\n'), FORM_GOING);
	CU_ASSERT_PTR_NOT_NULL(strstr(fm.f[2].err, "udp"));
	fm.cur = 2;
	fm.fresh = true;
	type(&fm, "30");
	CU_ASSERT_EQUAL(form_key(&fm, '\n'), FORM_SUBMIT);
	CU_ASSERT_EQUAL(form_timeouts(&fm, t), 0);
	CU_ASSERT_EQUAL(t[0], 900);
	CU_ASSERT_EQUAL(t[1], 60);
	CU_ASSERT_EQUAL(t[2], 30);

	/* A choice is not typed into; Left and Right cycle and wrap. */
	struct lvs_daemon dm;
	bool start;
	form_daemon_init(&fm, NULL);
	CU_ASSERT_STRING_EQUAL(fm.f[0].value, "master");
	type(&fm, "xyz");
	CU_ASSERT_STRING_EQUAL(fm.f[0].value, "master");
	form_key(&fm, KEY_LEFT);
	CU_ASSERT_STRING_EQUAL(fm.f[0].value, "backup");
	form_key(&fm, KEY_RIGHT);
	CU_ASSERT_STRING_EQUAL(fm.f[0].value, "master");
	CU_ASSERT_EQUAL(form_key(&fm, '\n'), FORM_GOING); /* no interface */
	CU_ASSERT_PTR_NOT_NULL(strstr(fm.f[2].err, "interface"));
	fill(&fm, 2, "eth1");
	fill(&fm, 3, "abc");
	CU_ASSERT_PTR_NOT_NULL(strstr(fm.f[3].err, "syncid"));
	fill(&fm, 3, "7");
	CU_ASSERT_EQUAL(form_key(&fm, '\n'), FORM_SUBMIT);
	CU_ASSERT_EQUAL(form_daemon(&fm, &dm, &start), 0);
	CU_ASSERT(start);
	CU_ASSERT_EQUAL(dm.state, IP_VS_STATE_MASTER);
	CU_ASSERT_STRING_EQUAL(dm.mcast_ifn, "eth1");
	CU_ASSERT_EQUAL(dm.syncid, 7);
	/* A running daemon: the form stops it. */
	form_daemon_init(&fm, &dm);
	CU_ASSERT_EQUAL(form_key(&fm, '\n'), FORM_SUBMIT);
	CU_ASSERT_EQUAL(form_daemon(&fm, &dm, &start), 0);
	CU_ASSERT_FALSE(start);
}

static void test_confirm(void)
{
	struct confirm c;
	confirm_init(&c, NULL, "Delete? y/n");
	CU_ASSERT_EQUAL(confirm_key(&c, 'y'), CONFIRM_YES);
	CU_ASSERT_EQUAL(confirm_key(&c, 'Y'), CONFIRM_YES);
	CU_ASSERT_EQUAL(confirm_key(&c, 'n'), CONFIRM_NO);
	CU_ASSERT_EQUAL(confirm_key(&c, '\n'), CONFIRM_NO); /* Enter is not yes */
	CU_ASSERT_EQUAL(confirm_key(&c, ESC), CONFIRM_NO);

	confirm_init(&c, "flush", "Type flush");
	CU_ASSERT_EQUAL(confirm_key(&c, 'y'), CONFIRM_PENDING); /* y is just a letter here */
	CU_ASSERT_EQUAL(confirm_key(&c, '\n'), CONFIRM_NO);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.err, "'y' is not 'flush'"));
	confirm_init(&c, "flush", "Type flush");
	const char *w = "flusj";
	for (const char *p = w; *p; p++)
		CU_ASSERT_EQUAL(confirm_key(&c, *p), CONFIRM_PENDING);
	CU_ASSERT_EQUAL(confirm_key(&c, KEY_BACKSPACE), CONFIRM_PENDING);
	CU_ASSERT_EQUAL(confirm_key(&c, 'h'), CONFIRM_PENDING);
	CU_ASSERT_EQUAL(confirm_key(&c, '\n'), CONFIRM_YES);
	confirm_init(&c, "flush", "Type flush");
	confirm_key(&c, 'f');
	CU_ASSERT_EQUAL(confirm_key(&c, ESC), CONFIRM_NO);
	confirm_init(&c, "flush", "Type flush");
	for (const char *p = "FLUSH"; *p; p++)
		confirm_key(&c, *p);
	CU_ASSERT_EQUAL(confirm_key(&c, '\n'), CONFIRM_NO); /* exactly the word */
}

int register_form(void)
{
	CU_pSuite s = CU_add_suite("console forms", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "service fields", test_service_fields) ||
	    !CU_add_test(s, "service as a whole, edit", test_service_whole) ||
	    !CU_add_test(s, "real server form", test_server_form) ||
	    !CU_add_test(s, "keys, timeouts, sync daemon", test_keys_and_other_forms) ||
	    !CU_add_test(s, "confirmations", test_confirm))
		return -1;
	return 0;
}
