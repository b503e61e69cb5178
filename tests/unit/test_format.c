/* Tests for the console's number, address and duration formatting. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <string.h>

#include "console/format.h"

#define EQ(got, want) CU_ASSERT_STRING_EQUAL(got, want)

static void test_count(void)
{
	char b[32];
	EQ(fmt_count(0, false, b, sizeof(b)), "0");
	EQ(fmt_count(99999, false, b, sizeof(b)), "99999");
	EQ(fmt_count(100000, false, b, sizeof(b)), "100K");
	EQ(fmt_count(1234567, false, b, sizeof(b)), "1.23M");
	EQ(fmt_count(12345678, false, b, sizeof(b)), "12.3M");
	EQ(fmt_count(999999, false, b, sizeof(b)), "1.00M");
	EQ(fmt_count(5000000000ULL, false, b, sizeof(b)), "5.00G");
	EQ(fmt_count(18446744073709551615ULL, false, b, sizeof(b)), "18.4E");
	EQ(fmt_count(1234567, true, b, sizeof(b)), "1234567");
	/* Every non-exact count fits a 5-character column. */
	for (uint64_t v = 1; v < 18446744073709551615ULL / 3; v = v * 3 + 1)
		CU_ASSERT(strlen(fmt_count(v, false, b, sizeof(b))) <= 5);
}

static void test_rate(void)
{
	char b[32];
	EQ(fmt_rate(2.5, false, b, sizeof(b)), "2.5");
	EQ(fmt_rate(2.0, false, b, sizeof(b)), "2");
	EQ(fmt_rate(0, false, b, sizeof(b)), "0");
	EQ(fmt_rate(0.04, false, b, sizeof(b)), "0"); /* what rounds to 0.0 */
	EQ(fmt_rate(0.06, false, b, sizeof(b)), "0.1");
	EQ(fmt_rate(0.04, true, b, sizeof(b)), "0.0");
	EQ(fmt_rate(-3, false, b, sizeof(b)), "0");
	EQ(fmt_rate(150.4, false, b, sizeof(b)), "150");
	EQ(fmt_rate(2.5e6, false, b, sizeof(b)), "2.50M");
	EQ(fmt_rate(2.5e6, true, b, sizeof(b)), "2500000.0");
}

static void test_age(void)
{
	char b[32];
	EQ(fmt_age(0.42, b, sizeof(b)), "0.4s");
	EQ(fmt_age(-5, b, sizeof(b)), "0.0s");
	EQ(fmt_age(12, b, sizeof(b)), "12s");
	EQ(fmt_age(75, b, sizeof(b)), "1m15s");
	EQ(fmt_age(7300, b, sizeof(b)), "2h01m");
	EQ(fmt_age(90000, b, sizeof(b)), "1d01h");
	EQ(fmt_age(200 * 86400.0 + 5, b, sizeof(b)), "200d");
	for (double t = 0; t < 1e8; t = t * 1.7 + 0.3)
		CU_ASSERT(strlen(fmt_age(t, b, sizeof(b))) <= 6);
}

static void test_endpoints(void)
{
	char b[80];
	union lvs_addr a = { 0 };
	inet_pton(AF_INET, "192.0.2.1", &a.v4);
	EQ(fmt_endpoint(AF_INET, &a, 80, b, sizeof(b)), "192.0.2.1:80");
	inet_pton(AF_INET6, "2001:db8::1", &a.v6);
	EQ(fmt_endpoint(AF_INET6, &a, 443, b, sizeof(b)), "[2001:db8::1]:443");
	struct lvs_service v = { .af = AF_INET, .fwmark = 7 };
	EQ(fmt_service(&v, b, sizeof(b)), "FWM 7");
	v.af = AF_INET6;
	EQ(fmt_service(&v, b, sizeof(b)), "FWM 7 IPv6");
	v = (struct lvs_service){ .af = AF_INET, .port = 53 };
	inet_pton(AF_INET, "203.0.113.5", &v.addr.v4);
	EQ(fmt_service(&v, b, sizeof(b)), "203.0.113.5:53");
}

/* The lengths agree with the texts, digit by digit (every octet width and
 * port width), for IPv6 and firewall marks too. */
static void test_endpoint_lengths(void)
{
	char b[80];
	static const uint8_t octets[] = { 0, 9, 10, 99, 100, 255 };
	static const uint16_t ports[] = { 0, 8, 80, 443, 8080, 65535 };
	union lvs_addr a = { 0 };
	for (size_t i = 0; i < sizeof(octets); i++)
		for (size_t j = 0; j < sizeof(octets); j++)
			for (size_t k = 0; k < sizeof(ports) / sizeof(ports[0]); k++) {
				uint8_t *o = (uint8_t *)&a.v4.s_addr;
				o[0] = octets[i];
				o[1] = octets[j];
				o[2] = octets[(i + j) % sizeof(octets)];
				o[3] = octets[(i * 5 + j) % sizeof(octets)];
				fmt_endpoint(AF_INET, &a, ports[k], b, sizeof(b));
				CU_ASSERT_EQUAL(fmt_endpoint_len(AF_INET, &a, ports[k]), (int)strlen(b));
			}
	inet_pton(AF_INET6, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", &a.v6);
	CU_ASSERT_EQUAL(fmt_endpoint_len(AF_INET6, &a, 65535),
			(int)strlen("[2001:db8:ffff:ffff:ffff:ffff:ffff:ffff]:65535"));
	struct lvs_service v = { .af = AF_INET6, .fwmark = 4294967295u };
	CU_ASSERT_EQUAL(fmt_service_len(&v), (int)strlen(fmt_service(&v, b, sizeof(b))));
	v.af = AF_INET;
	v.fwmark = 7;
	CU_ASSERT_EQUAL(fmt_service_len(&v), (int)strlen(fmt_service(&v, b, sizeof(b))));
	v = (struct lvs_service){ .af = AF_INET, .port = 53 };
	inet_pton(AF_INET, "203.0.113.5", &v.addr.v4);
	CU_ASSERT_EQUAL(fmt_service_len(&v), 14);
}

int register_format(void)
{
	CU_pSuite s = CU_add_suite("console format", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "counts", test_count) || !CU_add_test(s, "rates", test_rate) ||
	    !CU_add_test(s, "durations", test_age) || !CU_add_test(s, "endpoints", test_endpoints) ||
	    !CU_add_test(s, "endpoint lengths", test_endpoint_lengths))
		return -1;
	return 0;
}
