/* Tests for a director's VRRP role, read from the addresses it holds. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "collector/declared/vrrp_role.h"

static const char *conf =
	"vrrp_instance VI_1 {\n state BACKUP\n interface eth0\n virtual_router_id 51\n"
	" priority 50\n virtual_ipaddress {\n  203.0.113.10/32 dev eth0\n  2001:db8::10\n }\n}\n"
	"vrrp_instance VI_2 {\n state MASTER\n virtual_ipaddress {\n 203.0.113.20\n }\n}\n"
	"vrrp_instance VI_3 {\n state MASTER\n}\n";

static void addr(struct lvs_local_addr *a, const char *s, const char *ifn)
{
	memset(a, 0, sizeof(*a));
	a->af = strchr(s, ':') ? AF_INET6 : AF_INET;
	inet_pton(a->af, s, &a->addr);
	strcpy(a->ifname, ifn);
}

static void test_roles(void)
{
	struct lvs_declared *d = NULL;
	CU_ASSERT_EQUAL_FATAL(declared_parse_keepalived("k", conf, strlen(conf), &d), 0);
	CU_ASSERT_EQUAL_FATAL(d->n_vrrp, 3);
	struct lvs_local_addr a[3];
	struct lvs_vrrp_status st[3];
	addr(&a[0], "198.51.100.3", "eth0");
	addr(&a[1], "203.0.113.10", "eth0");
	addr(&a[2], "2001:db8::10", "eth0");
	/* Both of VI_1's addresses here: MASTER, whatever the file says. */
	vrrp_roles(d, a, 3, st);
	CU_ASSERT_EQUAL(st[0].role, LVS_ROLE_MASTER);
	CU_ASSERT_EQUAL(st[0].held, 2);
	CU_ASSERT_STRING_EQUAL(st[0].iface, "eth0");
	CU_ASSERT_EQUAL(st[1].role, LVS_ROLE_BACKUP);
	CU_ASSERT_EQUAL(st[1].held, 0);
	CU_ASSERT_EQUAL(st[2].role, LVS_ROLE_UNKNOWN);
	/* One of two: a split. */
	vrrp_roles(d, a, 2, st);
	CU_ASSERT_EQUAL(st[0].role, LVS_ROLE_SPLIT);
	CU_ASSERT_STRING_EQUAL(vrrp_role_name(st[0].role), "SPLIT");
	vrrp_roles(d, a, 1, st);
	CU_ASSERT_EQUAL(st[0].role, LVS_ROLE_BACKUP);
	declared_free(d);
}

static void test_local(void)
{
	struct lvs_local_addr *a = NULL;
	size_t n = 0;
	CU_ASSERT_EQUAL_FATAL(local_addrs_read(&a, &n), 0);
	/* Every host has its loopback address. */
	size_t lo = 0;
	for (size_t i = 0; i < n; i++)
		if (a[i].af == AF_INET && a[i].addr.v4.s_addr == htonl(INADDR_LOOPBACK))
			lo++;
	CU_ASSERT_EQUAL(lo, 1);
	free(a);
}

int register_vrrp_role(void)
{
	CU_pSuite s = CU_add_suite("VRRP role from addresses", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "roles", test_roles) || !CU_add_test(s, "this host's addresses", test_local))
		return -1;
	return 0;
}
