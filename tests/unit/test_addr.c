#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "share/addr.h"

static struct lvs_addr_port ok(const char *s, unsigned flags)
{
	struct lvs_addr_port a;
	char err[256] = "";
	int r = addr_parse("test", s, flags, &a, err, sizeof(err));
	CU_ASSERT_EQUAL(r, 0);
	if (r)
		fprintf(stderr, "unexpected: %s\n", err);
	return a;
}

/* Fails with an error that contains want. */
static void bad(const char *s, unsigned flags, const char *want)
{
	struct lvs_addr_port a;
	char err[256] = "";
	memset(&a, 0xff, sizeof(a));
	CU_ASSERT_EQUAL(addr_parse("listen address", s, flags, &a, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(a.af, 0); /* zeroed */
	CU_ASSERT_EQUAL(strncmp(err, "listen address: ", 16), 0);
	if (!strstr(err, want)) {
		fprintf(stderr, "'%s': got '%s', want '%s'\n", s, err, want);
		CU_FAIL("error text");
	}
}

static void test_ipv4(void)
{
	struct lvs_addr_port a = ok("192.0.2.1:80", ADDR_PORT_OPTIONAL);
	CU_ASSERT_EQUAL(a.af, AF_INET);
	CU_ASSERT_EQUAL(a.addr.v4.s_addr, htonl(0xc0000201));
	CU_ASSERT_EQUAL(a.port, 80);
	CU_ASSERT_TRUE(a.has_port);
	a = ok("10.1.2.3", ADDR_PORT_OPTIONAL);
	CU_ASSERT_FALSE(a.has_port);
	CU_ASSERT_EQUAL(a.port, 0);
	a = ok("10.1.2.3:65535", ADDR_PORT_REQUIRED);
	CU_ASSERT_EQUAL(a.port, 65535);
}

static void test_ipv6(void)
{
	struct lvs_addr_port a = ok("[2001:db8::1]:443", ADDR_PORT_REQUIRED);
	CU_ASSERT_EQUAL(a.af, AF_INET6);
	CU_ASSERT_EQUAL(a.port, 443);
	CU_ASSERT_EQUAL(a.addr.raw[0], 0x20);
	CU_ASSERT_EQUAL(a.addr.raw[15], 1);
	a = ok("[::1]", ADDR_PORT_OPTIONAL);
	CU_ASSERT_FALSE(a.has_port);
	a = ok("2001:db8::2", ADDR_PORT_OPTIONAL | ADDR_BARE_V6);
	CU_ASSERT_EQUAL(a.af, AF_INET6);
	CU_ASSERT_EQUAL(a.addr.raw[15], 2);
	CU_ASSERT_FALSE(a.has_port);
	a = ok("::ffff:1.2.3.4", ADDR_PORT_FORBIDDEN | ADDR_BARE_V6);
	CU_ASSERT_EQUAL(a.af, AF_INET6);
}

static void test_port_rules(void)
{
	bad("10.0.0.1", ADDR_PORT_REQUIRED, "has no port (write ADDR:PORT)");
	bad("[::1]", ADDR_PORT_REQUIRED, "has no port (write [ADDR]:PORT)");
	bad("10.0.0.1:80", ADDR_PORT_FORBIDDEN, "no port may be given");
	bad("[::1]:80", ADDR_PORT_FORBIDDEN, "no port may be given");
	bad("10.0.0.1:0", ADDR_PORT_REQUIRED, "1..65535");
	struct lvs_addr_port a = ok("10.0.0.1:0", ADDR_PORT_REQUIRED | ADDR_PORT_ZERO);
	CU_ASSERT_TRUE(a.has_port);
	CU_ASSERT_EQUAL(a.port, 0);
	bad("10.0.0.1:65536", ADDR_PORT_OPTIONAL | ADDR_PORT_ZERO, "0..65535");
	bad("10.0.0.1:", ADDR_PORT_OPTIONAL, "port must be a number");
	bad("10.0.0.1:+80", ADDR_PORT_OPTIONAL, "port must be a number");
	bad("10.0.0.1:-1", ADDR_PORT_OPTIONAL, "port must be a number");
	bad("10.0.0.1: 80", ADDR_PORT_OPTIONAL, "port must be a number");
	bad("10.0.0.1:080x", ADDR_PORT_OPTIONAL, "port must be a number");
	bad("10.0.0.1:000080", ADDR_PORT_OPTIONAL, "port must be a number");
	/* Bare IPv6 cannot carry a port. */
	bad("2001:db8::1", ADDR_PORT_REQUIRED | ADDR_BARE_V6, "in brackets, as [ADDR]:PORT");
}

static void test_bad_addresses(void)
{
	bad("", ADDR_PORT_OPTIONAL, "empty");
	bad("localhost:80", ADDR_PORT_OPTIONAL, "names are not resolved");
	bad("10.0.0:80", ADDR_PORT_OPTIONAL, "not a numeric IPv4");
	bad(":80", ADDR_PORT_OPTIONAL, "not a numeric IPv4");
	bad("2001:db8::1", ADDR_PORT_OPTIONAL, "in brackets");
	bad("[2001:db8::1", ADDR_PORT_OPTIONAL, "no closing ']'");
	bad("[2001:db8::1]80", ADDR_PORT_OPTIONAL, "text after ']'");
	bad("[10.0.0.1]:80", ADDR_PORT_OPTIONAL, "write IPv4 without brackets");
	bad("[zz::1]:80", ADDR_PORT_OPTIONAL, "not an IPv6 address");
	bad("2001:db8::zz", ADDR_BARE_V6, "not an IPv6 address");
	/* What is quoted back is printable. */
	bad("a\x1b[2J:80", ADDR_PORT_OPTIONAL, "'a\\x1b[2J:80'");
	/* err may be NULL. */
	struct lvs_addr_port a;
	CU_ASSERT_EQUAL(addr_parse(NULL, "x", 0, &a, NULL, 0), -EINVAL);
}

static void test_compare_and_format(void)
{
	struct lvs_addr_port a = ok("10.0.0.2:80", 0), b = ok("10.0.0.10:80", 0),
			     c = ok("[::1]:80", 0), d = ok("10.0.0.2:81", 0);
	CU_ASSERT(addr_cmp(a.af, &a.addr, b.af, &b.addr) < 0); /* numeric, not text */
	CU_ASSERT(addr_cmp(b.af, &b.addr, a.af, &a.addr) > 0);
	CU_ASSERT(addr_cmp(b.af, &b.addr, c.af, &c.addr) < 0); /* IPv4 first */
	CU_ASSERT(addr_cmp(c.af, &c.addr, a.af, &a.addr) > 0);
	CU_ASSERT_EQUAL(addr_cmp(a.af, &a.addr, d.af, &d.addr), 0);
	CU_ASSERT(addr_port_cmp(&a, &d) < 0);
	CU_ASSERT(addr_port_cmp(&d, &a) > 0);
	CU_ASSERT_EQUAL(addr_port_cmp(&a, &a), 0);

	char buf[ADDR_PORT_STRLEN];
	CU_ASSERT_STRING_EQUAL(addr_port_format(&a, buf, sizeof(buf)), "10.0.0.2:80");
	CU_ASSERT_STRING_EQUAL(addr_port_format(&c, buf, sizeof(buf)), "[::1]:80");
	struct lvs_addr_port e = ok("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535", 0);
	CU_ASSERT_STRING_EQUAL(addr_port_format(&e, buf, sizeof(buf)),
			       "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	c.has_port = false;
	CU_ASSERT_STRING_EQUAL(addr_port_format(&c, buf, sizeof(buf)), "::1");
	/* Round trip. */
	struct lvs_addr_port f = ok("[2001:db8::7]:8080", 0), g;
	addr_port_format(&f, buf, sizeof(buf));
	CU_ASSERT_EQUAL(addr_parse(NULL, buf, 0, &g, NULL, 0), 0);
	CU_ASSERT_EQUAL(addr_port_cmp(&f, &g), 0);
}

int register_addr(void)
{
	CU_pSuite s = CU_add_suite("addr", NULL, NULL);
	if (!s || !CU_add_test(s, "IPv4", test_ipv4) || !CU_add_test(s, "IPv6", test_ipv6) ||
	    !CU_add_test(s, "port rules", test_port_rules) ||
	    !CU_add_test(s, "bad addresses", test_bad_addresses) ||
	    !CU_add_test(s, "compare and format", test_compare_and_format))
		return -1;
	return 0;
}
