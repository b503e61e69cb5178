#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ip_vs.h>
#include <stdlib.h>
#include <string.h>

#include "collector/snapjson.h"
#include "collector/snapshot.h"
#include "failmalloc.h"

static struct lvs_snapshot *sample(void)
{
	struct lvs_snapshot *s = snapshot_new();
	s->time = 1790000000.25;
	s->version = 0x010201;
	s->conn_tab_size = 4096;
	s->timeout_tcp = 900;
	s->timeout_tcpfin = 120;
	s->timeout_udp = 300;
	s->n_daemons = 1;
	s->daemons[0].state = IP_VS_STATE_MASTER;
	strcpy(s->daemons[0].mcast_ifn, "eth0");
	s->daemons[0].syncid = 7;

	struct lvs_service a = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = 80,
				 .flags = IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_HASHED,
				 .timeout = 300 };
	inet_pton(AF_INET, "203.0.113.10", &a.addr.v4);
	inet_pton(AF_INET, "255.255.255.0", &a.netmask);
	strcpy(a.sched, "wrr");
	a.stats = (struct lvs_stats){ 1, 2, 3, 4, 18446744073709551615ULL };
	a.krates.cps = 9;
	snapshot_add_service(s, &a);
	struct lvs_dest d1 = { .af = AF_INET, .port = 8080, .fwd = LVS_FWD_MASQ, .weight = 3,
			       .u_thresh = 100, .l_thresh = 10, .active_conns = 5,
			       .inact_conns = 6, .persist_conns = 2 };
	inet_pton(AF_INET, "198.51.100.11", &d1.addr.v4);
	d1.stats.inbytes = 123456789012ULL;
	d1.health = LVS_HEALTH_DOWN;
	d1.health_since = 1790000000;
	d1.check_seconds = 0.25f;
	snapshot_add_text(s, "connect: Connection refused", LVS_DEST_ERROR_MAX, &d1.health_error);
	snapshot_add_dest(s, 0, &d1);
	struct lvs_dest d2 = { .af = AF_INET, .port = 80, .fwd = LVS_FWD_TUNNEL, .weight = 1,
			       .tun_type = IP_VS_CONN_F_TUNNEL_TYPE_GUE, .tun_port = 6080,
			       .tun_flags = IP_VS_TUNNEL_ENCAP_FLAG_CSUM };
	inet_pton(AF_INET, "198.51.100.12", &d2.addr.v4);
	snapshot_add_dest(s, 0, &d2);

	struct lvs_service b = { .af = AF_INET6, .protocol = IPPROTO_UDP, .port = 53,
				 .netmask = 64, .flags = IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2 };
	inet_pton(AF_INET6, "2001:db8::1", &b.addr.v6);
	strcpy(b.sched, "sh");
	snapshot_add_service(s, &b);
	struct lvs_dest d3 = { .af = AF_INET6, .port = 53, .fwd = LVS_FWD_ROUTE, .weight = 0 };
	inet_pton(AF_INET6, "2001:db8::10", &d3.addr.v6);
	snapshot_add_dest(s, 1, &d3);

	struct lvs_service c = { .af = AF_INET, .fwmark = 42, .netmask = 0xffffffff };
	strcpy(c.sched, "mh");
	c.flags = IP_VS_SVC_F_SCHED1;
	snapshot_add_service(s, &c);
	snapshot_finish(s);

	s->conns.available = true;
	s->conns.total = 3;
	s->conns.n_states = 1;
	strcpy(s->conns.states[0].name, "TIME_WAIT");
	s->conns.states[0].count = 3;
	s->conns.n_dests = 1;
	s->conns.dests = calloc(1, sizeof(*s->conns.dests));
	s->conns.dests[0].af = AF_INET;
	s->conns.dests[0].addr = d1.addr;
	s->conns.dests[0].port = 8080;
	s->conns.dests[0].total = 3;
	s->conns.dests[0].n_states = 1;
	s->conns.dests[0].states[0] = s->conns.states[0];
	s->conns.n_top_clients = 1;
	s->conns.top_clients = calloc(1, sizeof(*s->conns.top_clients));
	s->conns.top_clients[0].af = AF_INET;
	inet_pton(AF_INET, "192.0.2.100", &s->conns.top_clients[0].addr.v4);
	s->conns.top_clients[0].conns = 3;
	return s;
}

/* Real servers' kernel rates: written and read back where the snapshot
 * keeps them, absent from the document where it keeps none (lvsd's), and
 * such a document reads into a snapshot that keeps none. */
static void test_dest_krates(void)
{
	struct lvs_snapshot *s = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct lvs_service a = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = 80 };
	strcpy(a.sched, "wlc");
	a.krates.cps = 9;
	CU_ASSERT_EQUAL(snapshot_add_service(s, &a), 0);
	struct lvs_dest d = { .af = AF_INET, .port = 8080 };
	CU_ASSERT_EQUAL(snapshot_add_dest(s, 0, &d), 0); /* before: zeros */
	CU_ASSERT_EQUAL(snapshot_keep_dest_rates(s), 0);
	struct lvs_kern_rates kr = { 1, 2, 3, 4, 18446744073709551615ULL };
	d.port = 8081;
	CU_ASSERT_EQUAL(snapshot_add_dest_rates(s, 0, &d, &kr), 0);
	snapshot_finish(s);
	char *txt = snapjson_render(s, 0), err[200];
	CU_ASSERT_PTR_NOT_NULL_FATAL(txt);
	struct lvs_snapshot *r = NULL;
	CU_ASSERT_EQUAL_FATAL(snapjson_parse(txt, strlen(txt), &r, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->dest_krates);
	CU_ASSERT_EQUAL(snapshot_dest_krates(r, &r->dests[0])->cps, 0);
	CU_ASSERT_EQUAL(memcmp(snapshot_dest_krates(r, &r->dests[1]), &kr, sizeof(kr)), 0);
	CU_ASSERT_EQUAL(r->services[0].krates.cps, 9);
	free(txt);
	snapshot_unref(r);
	snapshot_unref(s);

	s = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(snapshot_add_service(s, &a), 0);
	CU_ASSERT_EQUAL(snapshot_add_dest_rates(s, 0, &d, &kr), 0);
	snapshot_finish(s);
	txt = snapjson_render(s, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(txt);
	/* The service's "rates" only: the real server has none. */
	const char *rs = strstr(txt, "\"real_servers\"");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\"rates\""));
	CU_ASSERT_PTR_NULL(strstr(rs, "\"rates\""));
	r = NULL;
	CU_ASSERT_EQUAL_FATAL(snapjson_parse(txt, strlen(txt), &r, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NULL(r->dest_krates);
	CU_ASSERT_EQUAL(r->n_dests, 1);
	CU_ASSERT_EQUAL(r->dests[0].port, 8081);
	free(txt);
	snapshot_unref(r);
	snapshot_unref(s);
}

static void test_round_trip(void)
{
	struct lvs_snapshot *s = sample();
	char *txt = snapjson_render(s, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(txt);
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\"version\":\"1.2.1\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\"protocol\":\"fwm\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\"flags\":[\"sh-fallback\",\"sh-port\"]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\"outbytes\":18446744073709551615"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\"netmask\":\"255.255.255.0\""));
	CU_ASSERT_PTR_NULL(strchr(txt, '\n'));

	char err[200];
	struct lvs_snapshot *r = NULL;
	CU_ASSERT_EQUAL_FATAL(snapjson_parse(txt, strlen(txt), &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r->version, s->version);
	CU_ASSERT_EQUAL(r->conn_tab_size, 4096);
	CU_ASSERT_EQUAL(r->timeout_tcpfin, 120);
	CU_ASSERT_EQUAL(r->n_daemons, 1);
	CU_ASSERT_EQUAL(r->daemons[0].syncid, 7);
	CU_ASSERT_EQUAL_FATAL(r->n_services, 3);
	CU_ASSERT_EQUAL_FATAL(r->n_dests, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct lvs_service *x = &s->services[i], *y = &r->services[i];
		CU_ASSERT_TRUE(lvs_service_same(x, y));
		CU_ASSERT_STRING_EQUAL(x->sched, y->sched);
		CU_ASSERT_EQUAL(x->flags, y->flags);
		CU_ASSERT_EQUAL(x->timeout, y->timeout);
		CU_ASSERT_EQUAL(x->netmask, y->netmask);
		CU_ASSERT_EQUAL(memcmp(&x->stats, &y->stats, sizeof(x->stats)), 0);
		CU_ASSERT_EQUAL(memcmp(&x->krates, &y->krates, sizeof(x->krates)), 0);
		CU_ASSERT_EQUAL_FATAL(x->n_dests, y->n_dests);
		for (size_t j = 0; j < x->n_dests; j++) {
			const struct lvs_dest *p = &x->dests[j], *q = &y->dests[j];
			CU_ASSERT_TRUE(lvs_dest_same(p, q));
			CU_ASSERT_EQUAL(p->fwd, q->fwd);
			CU_ASSERT_EQUAL(p->weight, q->weight);
			CU_ASSERT_EQUAL(p->u_thresh, q->u_thresh);
			CU_ASSERT_EQUAL(p->l_thresh, q->l_thresh);
			CU_ASSERT_EQUAL(p->active_conns, q->active_conns);
			CU_ASSERT_EQUAL(p->inact_conns, q->inact_conns);
			CU_ASSERT_EQUAL(p->persist_conns, q->persist_conns);
			CU_ASSERT_EQUAL(p->tun_type, q->tun_type);
			CU_ASSERT_EQUAL(p->tun_port, q->tun_port);
			CU_ASSERT_EQUAL(p->tun_flags, q->tun_flags);
			CU_ASSERT_EQUAL(memcmp(&p->stats, &q->stats, sizeof(p->stats)), 0);
		}
	}
	CU_ASSERT_EQUAL(r->dests[0].health, LVS_HEALTH_DOWN);
	CU_ASSERT_STRING_EQUAL(snapshot_text(r, r->dests[0].health_error),
			       "connect: Connection refused");
	CU_ASSERT_STRING_EQUAL(snapshot_text(r, r->dests[1].health_error), "");
	CU_ASSERT_TRUE(r->conns.available);
	CU_ASSERT_EQUAL(r->conns.total, 3);
	CU_ASSERT_EQUAL(r->conns.n_dests, 1);
	CU_ASSERT_EQUAL(r->conns.dests[0].port, 8080);
	CU_ASSERT_EQUAL(r->conns.dests[0].states[0].count, 3);
	CU_ASSERT_EQUAL(r->conns.n_top_clients, 1);
	CU_ASSERT_EQUAL(r->conns.top_clients[0].conns, 3);

	/* Rendering the parsed copy gives the same document. */
	char *again = snapjson_render(r, 0);
	CU_ASSERT_STRING_EQUAL(txt, again);
	free(again);
	free(txt);
	snapshot_unref(r);
	snapshot_unref(s);
}

/* Fed in pieces of every size from 1 byte up, the parse is the same: the
 * pieces it copies out of the stream span chunk boundaries anywhere. */
static void test_fed_in_pieces(void)
{
	struct lvs_snapshot *s = sample();
	char *txt = snapjson_render(s, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(txt);
	size_t len = strlen(txt);
	for (size_t step = 1; step <= 64; step += step < 8 ? 1 : 7) {
		char err[200];
		snapjson_parser *p = snapjson_parser_new(err, sizeof(err));
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		int r = 0;
		for (size_t off = 0; off < len && !r; off += step)
			r = snapjson_parser_feed(p, txt + off, len - off < step ? len - off : step);
		struct lvs_snapshot *got = NULL;
		CU_ASSERT_EQUAL(r, 0);
		CU_ASSERT_EQUAL(snapjson_parser_finish(p, &got), 0);
		snapjson_parser_free(p);
		char *again = got ? snapjson_render(got, 0) : NULL;
		CU_ASSERT_PTR_NOT_NULL(again);
		if (again)
			CU_ASSERT_STRING_EQUAL(txt, again);
		free(again);
		snapshot_unref(got);
	}
	/* A syntax error after a field error is what gets reported: the whole
	 * text is checked first, as a parse of it in one piece would. */
	char err[200];
	struct lvs_snapshot *r = NULL;
	const char *doc = "{\"time\":1,\"services\":[{\"protocol\":\"tcq\"},{]}";
	CU_ASSERT_EQUAL(snapjson_parse(doc, strlen(doc), &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not valid JSON"));
	/* A real server that is not an object is named. */
	doc = "{\"time\":1,\"services\":[{\"real_servers\":[7]}]}";
	CU_ASSERT_EQUAL(snapjson_parse(doc, strlen(doc), &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "services[0].real_servers[0]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "expected an object"));
	CU_ASSERT_PTR_NULL(r);
	free(txt);
	snapshot_unref(s);
}

/* Health errors live in the snapshot's text: "" is offset 0, a repeated
 * text shares its offset, a long one is cut as the inline array cut it. */
static void test_health_error_text(void)
{
	struct lvs_snapshot *s = snapshot_new();
	uint32_t a, b, c, e;
	CU_ASSERT_EQUAL(snapshot_add_text(s, "", LVS_DEST_ERROR_MAX, &e), 0);
	CU_ASSERT_EQUAL(e, 0);
	CU_ASSERT_STRING_EQUAL(snapshot_text(s, e), "");
	CU_ASSERT_EQUAL(snapshot_add_text(s, "timeout", LVS_DEST_ERROR_MAX, &a), 0);
	CU_ASSERT_EQUAL(snapshot_add_text(s, "timeout", LVS_DEST_ERROR_MAX, &b), 0);
	CU_ASSERT_NOT_EQUAL(a, 0);
	CU_ASSERT_EQUAL(a, b);
	char longer[200];
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = 0;
	CU_ASSERT_EQUAL(snapshot_add_text(s, longer, LVS_DEST_ERROR_MAX, &c), 0);
	CU_ASSERT_EQUAL(strlen(snapshot_text(s, c)), LVS_DEST_ERROR_MAX);
	CU_ASSERT_STRING_EQUAL(snapshot_text(s, a), "timeout");
	snapshot_unref(s);
}

static void expect_error(const char *doc, const char *fragment)
{
	char err[200];
	struct lvs_snapshot *r = NULL;
	CU_ASSERT_EQUAL(snapjson_parse(doc, strlen(doc), &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NULL(r);
	if (!strstr(err, fragment))
		fprintf(stderr, "\n  error \"%s\" lacks \"%s\"\n", err, fragment);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, fragment));
}

/* Replace the first `from` in buf (large enough) by `to`. */
static void replace(char *buf, const char *from, const char *to)
{
	char *p = strstr(buf, from);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	size_t fl = strlen(from), tl = strlen(to);
	memmove(p + tl, p + fl, strlen(p + fl) + 1);
	memcpy(p, to, tl);
}

static void test_errors_name_the_field(void)
{
	expect_error("", "not valid JSON");
	expect_error("{\"time\": 1, \"ipvs\": {", "truncated");
	expect_error("[1,2]", "expected an object");
	expect_error("{\"ipvs\":{}}", "time: missing");
	expect_error("{\"time\":1,\"ipvs\":{\"version\":\"x\",\"conn_table_size\":1},\"services\":[]}",
		     "version");
	const char *pre = "{\"time\":1,\"ipvs\":{\"version\":\"1.2.1\",\"conn_table_size\":1},\"services\":[";
	const char *svc = "{\"protocol\":\"tcp\",\"af\":\"inet\",\"address\":\"192.0.2.1\",\"port\":80,"
			  "\"fwmark\":null,\"scheduler\":\"rr\",\"flags\":[],\"timeout\":0,"
			  "\"netmask\":\"255.255.255.255\",\"stats\":{\"conns\":0,\"inpkts\":0,"
			  "\"outpkts\":0,\"inbytes\":0,\"outbytes\":0},\"rates\":{\"cps\":0,\"inpps\":0,"
			  "\"outpps\":0,\"inbps\":0,\"outbps\":0},\"real_servers\":[";
	char doc[2048];
	snprintf(doc, sizeof(doc), "%s%s]}]}", pre, svc);
	char err[200];
	struct lvs_snapshot *r = NULL;
	CU_ASSERT_EQUAL(snapjson_parse(doc, strlen(doc), &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r ? r->n_services : 0, 1);
	snapshot_unref(r);
	snprintf(doc, sizeof(doc), "%s%s{\"address\":\"198.51.100.1\",\"port\":\"80\"}]}]}", pre, svc);
	expect_error(doc, "services[0].real_servers[0].port: expected int");
	snprintf(doc, sizeof(doc), "%s%s{\"address\":\"198.51.100.300\",\"port\":80}]}]}", pre, svc);
	expect_error(doc, "services[0].real_servers[0].address: not an IPv4 or IPv6 address");
	char bad[2048];
	snprintf(bad, sizeof(bad), "%s%s]}]}", pre, svc);
	replace(bad, "\"tcp\"", "\"tcq\"");
	expect_error(bad, "services[0].protocol: unknown protocol \"tcq\"");
	snprintf(bad, sizeof(bad), "%s%s]}]}", pre, svc);
	replace(bad, "\"conns\":0", "\"conns\":-1");
	expect_error(bad, "services[0].stats.conns: out of range");
	snprintf(bad, sizeof(bad), "%s%s]}]}", pre, svc);
	replace(bad, "\"flags\":[]", "\"flags\":[\"sticky\"]");
	expect_error(bad, "services[0].flags: unknown flag \"sticky\"");
	/* A value quoted in the error comes back printable (JSON escapes
	 * can carry any control byte). */
	snprintf(bad, sizeof(bad), "%s%s]}]}", pre, svc);
	replace(bad, "\"flags\":[]", "\"flags\":[\"\\u001b[31m\\n\"]");
	expect_error(bad, "services[0].flags: unknown flag \"?[31m?\"");
	/* Times out of range, infinity included: written back they would be
	 * no JSON ("Infinity"). */
	expect_error("{\"time\":0.1e3000,\"ipvs\":{\"version\":\"1.2.1\",\"conn_table_size\":1},"
		     "\"services\":[]}",
		     "time: out of range");
	expect_error("{\"time\":-1,\"ipvs\":{\"version\":\"1.2.1\",\"conn_table_size\":1},"
		     "\"services\":[]}",
		     "time: out of range");
	snprintf(doc, sizeof(doc),
		 "%s%s{\"address\":\"198.51.100.1\",\"port\":80,\"forward\":\"masq\",\"weight\":1,"
		 "\"active_conns\":0,\"inactive_conns\":0,\"persistent_conns\":0,"
		 "\"upper_threshold\":0,\"lower_threshold\":0,\"stats\":{\"conns\":0,\"inpkts\":0,"
		 "\"outpkts\":0,\"inbytes\":0,\"outbytes\":0},\"rates\":{\"cps\":0,\"inpps\":0,"
		 "\"outpps\":0,\"inbps\":0,\"outbps\":0},\"health\":\"down\",\"health_since\":1e300}]}]}",
		 pre, svc);
	expect_error(doc, "services[0].real_servers[0].health_since: out of range");
	replace(doc, "\"health_since\":1e300", "\"check_seconds\":1e39");
	expect_error(doc, "services[0].real_servers[0].check_seconds: out of range");
}

/* A minimal document around one service's text (svc, with "real_servers":[
 * left open for rs) and a root tail. */
static const char *const doc_pre =
	"{\"time\":1,\"ipvs\":{\"version\":\"1.2.1\",\"conn_table_size\":1},\"services\":[";
static const char *const doc_svc =
	"{\"protocol\":\"tcp\",\"af\":\"inet\",\"address\":\"192.0.2.1\",\"port\":80,"
	"\"fwmark\":null,\"scheduler\":\"rr\",\"flags\":[],\"timeout\":0,"
	"\"netmask\":\"255.255.255.255\",\"stats\":{\"conns\":0,\"inpkts\":0,"
	"\"outpkts\":0,\"inbytes\":0,\"outbytes\":0},\"rates\":{\"cps\":0,\"inpps\":0,"
	"\"outpps\":0,\"inbps\":0,\"outbps\":0},\"real_servers\":[";
static const char *const doc_rs =
	"{\"address\":\"198.51.100.1\",\"af\":\"inet\",\"port\":80,\"forward\":\"masq\","
	"\"weight\":1,\"active_conns\":0,\"inactive_conns\":0,\"persistent_conns\":0,"
	"\"upper_threshold\":0,\"lower_threshold\":0,\"stats\":{\"conns\":0,\"inpkts\":0,"
	"\"outpkts\":0,\"inbytes\":0,\"outbytes\":0},\"rates\":{\"cps\":0,\"inpps\":0,"
	"\"outpps\":0,\"inbps\":0,\"outbps\":0},\"health\":\"down\",\"health_since\":5,"
	"\"check_seconds\":0.5,\"health_error\":\"timeout\"}";

/* The document with one service of one real server, after replacing the
 * first `from` by `to` (when from is not NULL). */
static void one_rs_doc(char *doc, size_t len, const char *from, const char *to)
{
	snprintf(doc, len, "%s%s%s]}]}", doc_pre, doc_svc, doc_rs);
	if (from)
		replace(doc, from, to);
}

/* A key given twice is refused with its name: a second "services" array
 * once made a phantom service (0.0.0.0:0, protocol "ip") or, with real
 * servers in it, an error without text. */
static void test_duplicate_keys(void)
{
	char doc[4096], err[200];
	struct lvs_snapshot *r = NULL;
	snprintf(doc, sizeof(doc), "%s%s%s]}],\"services\":[%s%s]}]}", doc_pre, doc_svc, doc_rs,
		 doc_svc, doc_rs);
	CU_ASSERT_EQUAL(snapjson_parse(doc, strlen(doc), &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_STRING_EQUAL(err, "services: given twice");
	snprintf(doc, sizeof(doc), "%s%s]}],\"services\":[%s]}]}", doc_pre, doc_svc, doc_svc);
	expect_error(doc, "services: given twice");
	one_rs_doc(doc, sizeof(doc), "\"port\":80,\"forward\"", "\"port\":80,\"port\":81,\"forward\"");
	expect_error(doc, "services[0].real_servers[0].port: given twice");
	one_rs_doc(doc, sizeof(doc), "\"inpkts\":0,", "\"inpkts\":0,\"conns\":1,");
	expect_error(doc, "services[0].stats.conns: given twice");
	one_rs_doc(doc, sizeof(doc), "\"real_servers\":[", "\"real_servers\":[],\"real_servers\":[");
	expect_error(doc, "services[0].real_servers: given twice");
	one_rs_doc(doc, sizeof(doc), "{\"time\":1,", "{\"time\":1,\"time\":2,");
	expect_error(doc, "time: given twice");
	/* The one document is still read. */
	one_rs_doc(doc, sizeof(doc), NULL, NULL);
	CU_ASSERT_EQUAL(snapjson_parse(doc, strlen(doc), &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r ? r->n_dests : 0, 1);
	snapshot_unref(r);
}

/* Every time and number is range-checked by the reader, naming the field:
 * "time": 1e300 once reached float-to-integer conversions downstream. */
static void test_numbers_in_range(void)
{
	char doc[4096];
	one_rs_doc(doc, sizeof(doc), "{\"time\":1,", "{\"time\":1e300,");
	expect_error(doc, "time: out of range");
	one_rs_doc(doc, sizeof(doc), "{\"time\":1,", "{\"time\":-1,");
	expect_error(doc, "time: out of range");
	one_rs_doc(doc, sizeof(doc), "{\"time\":1,", "{\"time\":253402300800,");
	expect_error(doc, "time: out of range");
	one_rs_doc(doc, sizeof(doc), "{\"time\":1,", "{\"time\":\"1\",");
	expect_error(doc, "time: expected double");
	one_rs_doc(doc, sizeof(doc), "\"health_since\":5", "\"health_since\":1e300");
	expect_error(doc, "services[0].real_servers[0].health_since: out of range");
	/* a real server's times are 32-bit seconds: none past 2106 */
	one_rs_doc(doc, sizeof(doc), "\"health_since\":5", "\"health_since\":4294967296");
	expect_error(doc, "services[0].real_servers[0].health_since: out of range");
	one_rs_doc(doc, sizeof(doc), "\"check_seconds\":0.5", "\"check_seconds\":-1e300");
	expect_error(doc, "services[0].real_servers[0].check_seconds: out of range");
	one_rs_doc(doc, sizeof(doc), "\"check_seconds\":0.5", "\"check_seconds\":1e39");
	expect_error(doc, "services[0].real_servers[0].check_seconds: out of range");
	one_rs_doc(doc, sizeof(doc), "\"weight\":1", "\"weight\":2147483648");
	expect_error(doc, "services[0].real_servers[0].weight: out of range");
	one_rs_doc(doc, sizeof(doc), "\"port\":80,\"forward\"", "\"port\":65536,\"forward\"");
	expect_error(doc, "services[0].real_servers[0].port: out of range");
	one_rs_doc(doc, sizeof(doc), "\"outbytes\":0}", "\"outbytes\":18446744073709551616}");
	expect_error(doc, "services[0].stats.outbytes: out of range");
	one_rs_doc(doc, sizeof(doc), "\"conns\":0", "\"conns\":1.5");
	expect_error(doc, "services[0].stats.conns: expected int");

	/* In range, the values arrive exactly. */
	char err[200];
	struct lvs_snapshot *r = NULL;
	one_rs_doc(doc, sizeof(doc), "\"outbytes\":0}", "\"outbytes\":18446744073709551615}");
	replace(doc, "{\"time\":1,", "{\"time\":253402300799,");
	CU_ASSERT_EQUAL_FATAL(snapjson_parse(doc, strlen(doc), &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r->services[0].stats.outbytes, UINT64_MAX);
	CU_ASSERT_EQUAL(r->time, 253402300799.0);
	CU_ASSERT_EQUAL(r->dests[0].health_since, 5);
	CU_ASSERT_EQUAL(r->dests[0].check_seconds, 0.5f);
	snapshot_unref(r);
	/* the latest second 32 bits hold; a fraction (an older writer's) is
	 * read down to the second */
	one_rs_doc(doc, sizeof(doc), "\"health_since\":5", "\"health_since\":4294967295");
	r = NULL;
	CU_ASSERT_EQUAL_FATAL(snapjson_parse(doc, strlen(doc), &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r->dests[0].health_since, UINT32_MAX);
	snapshot_unref(r);
	one_rs_doc(doc, sizeof(doc), "\"health_since\":5", "\"health_since\":1790000000.75");
	r = NULL;
	CU_ASSERT_EQUAL_FATAL(snapjson_parse(doc, strlen(doc), &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r->dests[0].health_since, 1790000000u);
	snapshot_unref(r);
}

static bool all_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* Strings from a document (a recording or a remote, not the local kernel)
 * are printable ASCII when the reader hands them on, and so is its error
 * text: `lvstop --once --replay` printed ESC[31m from a scheduler name. */
static void test_strings_printable(void)
{
	char doc[4096], err[200];
	struct lvs_snapshot *r = NULL;
	one_rs_doc(doc, sizeof(doc), "\"scheduler\":\"rr\"", "\"scheduler\":\"\\u001b[31mrr\"");
	replace(doc, "\"timeout\":0,", "\"timeout\":0,\"pe_name\":\"s\\u009bip\\u0007\",");
	replace(doc, "\"health_error\":\"timeout\"", "\"health_error\":\"\\u001b]0;x\\u0007\xc3\xa9\\r\\n\"");
	replace(doc, "]}]}", "]}],\"sync_daemons\":[{\"state\":\"master\",\"mcast_interface\":"
			     "\"e\\u001bth0\",\"syncid\":1}],\"connections\":{\"available\":true,"
			     "\"total\":1,\"partial\":false,\"by_state\":{\"EST\\u001b\":1},"
			     "\"by_real_server\":[],\"top_clients\":[]}}");
	CU_ASSERT_EQUAL_FATAL(snapjson_parse(doc, strlen(doc), &r, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(r->services[0].sched, "?[31mrr");
	CU_ASSERT_STRING_EQUAL(r->services[0].pe_name, "s??ip?");
	CU_ASSERT_STRING_EQUAL(snapshot_text(r, r->dests[0].health_error), "?]0;x?????");
	CU_ASSERT_STRING_EQUAL(r->daemons[0].mcast_ifn, "e?th0");
	CU_ASSERT_STRING_EQUAL(r->conns.states[0].name, "EST?");
	CU_ASSERT_TRUE(all_printable(r->services[0].sched));
	snapshot_unref(r);
	r = NULL;
	/* A bad value quoted in an error is made printable too. */
	one_rs_doc(doc, sizeof(doc), "\"protocol\":\"tcp\"", "\"protocol\":\"\\u001b[2J\"");
	CU_ASSERT_EQUAL(snapjson_parse(doc, strlen(doc), &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "services[0].protocol: unknown protocol \"?[2J\"");
	one_rs_doc(doc, sizeof(doc), "\"time\":1,", "\"time\":1,\"\\u001b\":1,\"\\u001b\":2,");
	CU_ASSERT_EQUAL(snapjson_parse(doc, strlen(doc), &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_TRUE(all_printable(err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "given twice"));
}

/* The VRRP roles lvsd puts in a snapshot (for lvstop --remote): written
 * only when there are some, read back, checked and made printable. */
static void test_vrrp(void)
{
	struct lvs_snapshot *s = sample();
	char *txt = snapjson_render(s, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(txt);
	CU_ASSERT_PTR_NULL(strstr(txt, "\"vrrp\"")); /* documents without roles stay as they were */
	free(txt);
	s->n_vrrp = 2;
	strcpy(s->vrrp[0].instance, "VI_1");
	strcpy(s->vrrp[0].role, "MASTER");
	strcpy(s->vrrp[0].declared_state, "BACKUP");
	strcpy(s->vrrp[0].iface, "eth1");
	s->vrrp[0].held = s->vrrp[0].addresses = 2;
	strcpy(s->vrrp[1].instance, "VI_2");
	strcpy(s->vrrp[1].role, "SPLIT");
	s->vrrp[1].held = 1;
	s->vrrp[1].addresses = 3;
	txt = snapjson_render(s, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(txt);
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\"vrrp\":[{\"instance\":\"VI_1\",\"role\":\"MASTER\","
					   "\"declared_state\":\"BACKUP\",\"interface\":\"eth1\","
					   "\"held\":2,\"addresses\":2}"));
	char err[200];
	struct lvs_snapshot *r = NULL;
	CU_ASSERT_EQUAL_FATAL(snapjson_parse(txt, strlen(txt), &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(r->n_vrrp, 2);
	CU_ASSERT_STRING_EQUAL(r->vrrp[0].instance, "VI_1");
	CU_ASSERT_STRING_EQUAL(r->vrrp[0].role, "MASTER");
	CU_ASSERT_STRING_EQUAL(r->vrrp[0].declared_state, "BACKUP");
	CU_ASSERT_STRING_EQUAL(r->vrrp[0].iface, "eth1");
	CU_ASSERT_EQUAL(r->vrrp[0].held, 2);
	CU_ASSERT_STRING_EQUAL(r->vrrp[1].role, "SPLIT");
	CU_ASSERT_STRING_EQUAL(r->vrrp[1].declared_state, "");
	CU_ASSERT_EQUAL(r->vrrp[1].held, 1);
	CU_ASSERT_EQUAL(r->vrrp[1].addresses, 3);
	snapshot_unref(r);
	r = NULL;
	/* A role no director has, and a control character in a name. */
	char *bad = strdup(txt), *p = strstr(bad, "SPLIT");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memcpy(p, "BOSS!", 5);
	CU_ASSERT_EQUAL(snapjson_parse(bad, strlen(bad), &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "vrrp[1].role: unknown role \"BOSS!\""));
	free(bad);
	bad = strdup(txt);
	p = strstr(bad, "VI_1");
	memcpy(p, "\\u1b", 4); /* an escape that is not one: refused as bad JSON text */
	CU_ASSERT_NOT_EQUAL(snapjson_parse(bad, strlen(bad), &r, err, sizeof(err)), 0);
	free(bad);
	snapshot_unref(r);
	free(txt);
	snapshot_unref(s);
}

/* Nesting is bounded, and every error leaves text. */
static void test_depth_and_error_text(void)
{
	char doc[400] = "{\"time\":1,\"x\":";
	size_t n = strlen(doc);
	for (int i = 0; i < 100; i++)
		doc[n++] = '[';
	doc[n] = 0;
	expect_error(doc, "nested deeper than");
	const char *bad[] = { "", "{", "{}", "[]", "1", "{\"time\":1}", "{\"services\":{}}",
			      "{\"time\":1,\"ipvs\":{\"version\":\"1.2.1\",\"conn_table_size\":1},"
			      "\"services\":[{\"real_servers\":[{}]}]}" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[200] = "unset";
		struct lvs_snapshot *r = NULL;
		CU_ASSERT_NOT_EQUAL(snapjson_parse(bad[i], strlen(bad[i]), &r, err, sizeof(err)), 0);
		CU_ASSERT_NOT_EQUAL(err[0], 0);
		CU_ASSERT_STRING_NOT_EQUAL(err, "unset");
		CU_ASSERT_PTR_NULL(r);
	}
}

struct walk {
	const char *doc;
	size_t len, step;   /* fed step bytes at a time */
	size_t services, dests; /* what a whole parse gives */
};

/* One parse under failmalloc: -ENOMEM with text, or the whole snapshot. */
static int walk_parse(void *arg)
{
	struct walk *w = arg;
	char err[200] = "";
	struct lvs_snapshot *r = NULL;
	snapjson_parser *p = snapjson_parser_new(err, sizeof(err));
	if (!p)
		return -ENOMEM;
	int rc = 0;
	for (size_t off = 0; off < w->len && !rc; off += w->step)
		rc = snapjson_parser_feed(p, w->doc + off, w->len - off < w->step ? w->len - off : w->step);
	if (!rc)
		rc = snapjson_parser_finish(p, &r);
	snapjson_parser_free(p);
	if (rc)
		return strcmp(err, "out of memory") ? -EPROTO : rc;
	if (r->n_services != w->services || r->n_dests != w->dests)
		rc = -EPROTO;
	snapshot_unref(r);
	return rc;
}

static int walk_render(void *arg)
{
	char *txt = snapjson_render(arg, SNAPJSON_COMPUTED);
	if (!txt)
		return -ENOMEM;
	free(txt);
	return 0;
}

/* Every allocation of the reader fails in turn (yajl's too: they go
 * through the reader's allocator), whole and in small pieces, with a
 * string long enough to make yajl grow its buffers: -ENOMEM and "out of
 * memory" each time, no crash, nothing leaked (ASan's leak check). */
static void test_allocation_failures(void)
{
	struct lvs_snapshot *s = sample();
	char long_error[LVS_DEST_ERROR_MAX + 1];
	memset(long_error, 'e', LVS_DEST_ERROR_MAX);
	long_error[LVS_DEST_ERROR_MAX] = 0;
	snapshot_add_text(s, long_error, LVS_DEST_ERROR_MAX, &s->dests[0].health_error);
	char *txt = snapjson_render(s, SNAPJSON_COMPUTED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(txt);
	size_t steps[] = { strlen(txt), 5 };
	for (size_t i = 0; i < 2; i++) {
		struct walk w = { txt, strlen(txt), steps[i], s->n_services, s->n_dests };
		struct failmalloc_walk fw;
		int r = failmalloc_walk(walk_parse, &w, 0, 10000, &fw);
		if (r)
			fprintf(stderr, "\n  parse walk (step %zu): allocation %lu gave %d\n", steps[i],
				fw.bad_n, fw.bad_rc);
		CU_ASSERT_EQUAL(r, 0);
		CU_ASSERT(fw.allocs > 5);
	}
	struct failmalloc_walk fw;
	CU_ASSERT_EQUAL(failmalloc_walk(walk_render, s, 0, 10000, &fw), 0);
	CU_ASSERT(fw.allocs > 1);
	free(txt);
	snapshot_unref(s);
}

int register_snapjson(void)
{
	CU_pSuite s = CU_add_suite("snapjson", NULL, NULL);
	if (!s || !CU_add_test(s, "round trip", test_round_trip) ||
	    !CU_add_test(s, "real servers' kernel rates, kept or not", test_dest_krates) ||
	    !CU_add_test(s, "errors name the field", test_errors_name_the_field) ||
	    !CU_add_test(s, "fed in pieces", test_fed_in_pieces) ||
	    !CU_add_test(s, "health error text", test_health_error_text) ||
	    !CU_add_test(s, "duplicate keys", test_duplicate_keys) ||
	    !CU_add_test(s, "numbers in range", test_numbers_in_range) ||
	    !CU_add_test(s, "strings printable", test_strings_printable) ||
	    !CU_add_test(s, "VRRP roles", test_vrrp) ||
	    !CU_add_test(s, "depth and error text", test_depth_and_error_text) ||
	    !CU_add_test(s, "allocation failures", test_allocation_failures))
		return -1;
	return 0;
}
