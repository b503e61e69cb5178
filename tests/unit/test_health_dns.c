/* The DNS check against a tiny UDP responder on the loopback: the rcode,
 * the expected address, replies that are not ours, and silence. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collector/health.h"
#include "health_srv.h"

enum dns_mode {
	DNS_ANSWER,  /* www.example.test A 192.0.2.10 and AAAA 2001:db8::10; else NXDOMAIN */
	DNS_SILENT,  /* read, never answer */
	DNS_GARBAGE, /* a stray reply with a wrong id first, then a truncated one */
};

struct dns_srv {
	int fd;
	uint16_t port;
	enum dns_mode mode;
	atomic_int stop, queries;
	pthread_t th;
};

static const uint8_t www[] = "\3www\7example\4test";

static size_t answer(const uint8_t *q, size_t n, uint8_t *r)
{
	/* the question ends after the name, its type and class */
	size_t at = 12;
	while (at < n && q[at])
		at += 1 + q[at];
	at += 5;
	if (at > n)
		return 0;
	uint16_t qtype = (uint16_t)(q[at - 4] << 8 | q[at - 3]);
	memcpy(r, q, at);
	r[2] = 0x81; /* QR, RD */
	r[3] = 0x80; /* RA, NOERROR */
	r[6] = r[7] = 0;
	bool known = n >= 12 + sizeof(www) && memcmp(q + 12, www, sizeof(www)) == 0;
	if (!known) {
		r[3] |= 3; /* NXDOMAIN */
		return at;
	}
	/* a CNAME-less answer set: one record of another type first, then ours */
	uint8_t rr_a[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 10};
	uint8_t rr_txt[] = {0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 3, 2, 'h', 'i'};
	uint8_t rr_aaaa[28] = {0xc0, 12, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16};
	inet_pton(AF_INET6, "2001:db8::10", rr_aaaa + 12);
	memcpy(r + at, rr_txt, sizeof(rr_txt));
	at += sizeof(rr_txt);
	if (qtype == 28) {
		memcpy(r + at, rr_aaaa, sizeof(rr_aaaa));
		at += sizeof(rr_aaaa);
	} else {
		memcpy(r + at, rr_a, sizeof(rr_a));
		at += sizeof(rr_a);
	}
	r[7] = 2;
	return at;
}

static void *dns_main(void *arg)
{
	struct dns_srv *s = arg;
	uint8_t q[512], r[1024];
	while (!atomic_load(&s->stop)) {
		struct pollfd pfd = {s->fd, POLLIN, 0};
		if (poll(&pfd, 1, 10) <= 0)
			continue;
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(s->fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		if (n < 12)
			continue;
		atomic_fetch_add(&s->queries, 1);
		size_t len = answer(q, (size_t)n, r);
		if (s->mode == DNS_SILENT || !len)
			continue;
		if (s->mode == DNS_GARBAGE) {
			r[0] ^= 0x55; /* not ours: ignored */
			sendto(s->fd, r, len, 0, (struct sockaddr *)&from, fl);
			r[0] ^= 0x55;
			len = 12 + sizeof(www) + 4 + 5; /* cut inside the first record */
		}
		sendto(s->fd, r, len, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

static struct dns_srv *dns_start(int af, enum dns_mode mode)
{
	struct dns_srv *s = calloc(1, sizeof(*s));
	s->mode = mode;
	s->fd = hc_test_bind(af, SOCK_DGRAM, &s->port);
	if (s->fd < 0) {
		free(s);
		return NULL;
	}
	pthread_create(&s->th, NULL, dns_main, s);
	return s;
}

static void dns_stop(struct dns_srv *s)
{
	atomic_store(&s->stop, 1);
	pthread_join(s->th, NULL);
	close(s->fd);
	free(s);
}

static void dns_spec(struct lvs_check_spec *sp, int af, uint16_t port, const char *name)
{
	spec_for(sp, af, port, LVS_CHECK_DNS);
	sp->dns_name = name;
}

static void test_dns_answers(void)
{
	struct dns_srv *s = dns_start(AF_INET, DNS_ANSWER);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct lvs_check_spec spec[6];
	dns_spec(&spec[0], AF_INET, s->port, "www.example.test"); /* NOERROR is enough */
	dns_spec(&spec[1], AF_INET, s->port, "www.example.test");
	spec[1].dns_expect_af = AF_INET;
	inet_pton(AF_INET, "192.0.2.10", &spec[1].dns_expect_addr.v4);
	dns_spec(&spec[2], AF_INET, s->port, "www.example.test");
	spec[2].dns_expect_af = AF_INET;
	inet_pton(AF_INET, "192.0.2.99", &spec[2].dns_expect_addr.v4);
	dns_spec(&spec[3], AF_INET, s->port, "missing.example.test");
	dns_spec(&spec[4], AF_INET, s->port, "missing.example.test");
	spec[4].dns_rcode = 3; /* NXDOMAIN is what we want to hear */
	dns_spec(&spec[5], AF_INET, s->port, "www.example.test");
	spec[5].dns_qtype = 28;
	spec[5].dns_expect_af = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::10", &spec[5].dns_expect_addr.v6);
	lvs_health *h = engine_with(spec, 6);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	char buf[128];
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_UP, 3000, NULL));
	CU_ASSERT_TRUE(wait_state(h, 1, LVS_HEALTH_UP, 3000, NULL));
	CU_ASSERT_TRUE(wait_state(h, 2, LVS_HEALTH_DOWN, 3000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_DNS_ANSWER);
	CU_ASSERT_STRING_EQUAL(r.error, "no A 192.0.2.99 among 2 answers");
	CU_ASSERT_TRUE(wait_state(h, 3, LVS_HEALTH_DOWN, 3000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_DNS_RCODE);
	CU_ASSERT_EQUAL(r.reason_code, 3);
	CU_ASSERT_STRING_EQUAL(r.error, "rcode NXDOMAIN, expected NOERROR");
	CU_ASSERT_STRING_EQUAL(health_reason_label(r.reason, r.reason_code, buf, sizeof(buf)),
	                       "dns rcode");
	CU_ASSERT_TRUE(wait_state(h, 4, LVS_HEALTH_UP, 3000, NULL));
	CU_ASSERT_TRUE(wait_state(h, 5, LVS_HEALTH_UP, 3000, NULL));
	health_free(h);
	dns_stop(s);
}

static void test_dns_failures(void)
{
	struct dns_srv *silent = dns_start(AF_INET6, DNS_SILENT);
	struct dns_srv *junk = dns_start(AF_INET, DNS_GARBAGE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(silent);
	CU_ASSERT_PTR_NOT_NULL_FATAL(junk);
	struct lvs_check_spec spec[3];
	dns_spec(&spec[0], AF_INET6, silent->port, "www.example.test");
	spec[0].timeout = 0.2;
	dns_spec(&spec[1], AF_INET, closed_port(AF_INET, SOCK_DGRAM), "www.example.test");
	dns_spec(&spec[2], AF_INET, junk->port, "www.example.test");
	spec[2].dns_expect_af = AF_INET;
	inet_pton(AF_INET, "192.0.2.10", &spec[2].dns_expect_addr.v4);
	lvs_health *h = engine_with(spec, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_DOWN, 3000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_TIMEOUT_RESPONSE);
	CU_ASSERT(atomic_load(&silent->queries) >= 1);
	CU_ASSERT_TRUE(wait_state(h, 1, LVS_HEALTH_DOWN, 3000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_UNREACHABLE);
	/* the reply with another id is skipped; the cut one is judged */
	CU_ASSERT_TRUE(wait_state(h, 2, LVS_HEALTH_DOWN, 3000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_BAD_RESPONSE);
	CU_ASSERT_STRING_EQUAL(r.error, "malformed DNS reply");
	health_free(h);
	dns_stop(silent);
	dns_stop(junk);
}

static void test_dns_spec(void)
{
	struct lvs_check_spec s;
	char msg[160];
	dns_spec(&s, AF_INET, 53, NULL);
	CU_ASSERT_EQUAL(health_spec_check(&s, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "name"));
	s.dns_name = "bad..name";
	CU_ASSERT_EQUAL(health_spec_check(&s, msg, sizeof(msg)), -EINVAL);
	s.dns_name = "has space.test";
	CU_ASSERT_EQUAL(health_spec_check(&s, msg, sizeof(msg)), -EINVAL);
	s.dns_name = "www.example.test.";
	CU_ASSERT_EQUAL(health_spec_check(&s, msg, sizeof(msg)), 0);
	s.dns_expect_af = AF_INET6; /* with an A query */
	CU_ASSERT_EQUAL(health_spec_check(&s, msg, sizeof(msg)), -EINVAL);
	s.dns_qtype = 28;
	CU_ASSERT_EQUAL(health_spec_check(&s, msg, sizeof(msg)), 0);
	s.dns_rcode = 16;
	CU_ASSERT_EQUAL(health_spec_check(&s, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_EQUAL(health_dns_qtype_parse("aaaa"), 28);
	CU_ASSERT_EQUAL(health_dns_qtype_parse("MX"), 15);
	CU_ASSERT_EQUAL(health_dns_qtype_parse("bogus"), -EINVAL);
	CU_ASSERT_EQUAL(health_dns_rcode_parse("NXDOMAIN"), 3);
	CU_ASSERT_EQUAL(health_dns_rcode_parse("noerror"), 0);
	CU_ASSERT_EQUAL(health_dns_rcode_parse("nope"), -EINVAL);
	CU_ASSERT_EQUAL(health_type_parse("dns"), LVS_CHECK_DNS);
	CU_ASSERT_STRING_EQUAL(health_type_name(LVS_CHECK_DNS), "dns");
}

int register_health_dns(void)
{
	CU_pSuite s = CU_add_suite("health dns", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "rcode and answers", test_dns_answers) ||
	    !CU_add_test(s, "silence, ICMP, replies not ours", test_dns_failures) ||
	    !CU_add_test(s, "spec validation and names", test_dns_spec))
		return -1;
	return 0;
}
