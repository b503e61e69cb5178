/* Tests for --remote's URL list and the identity order of services. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "collector/snapshot.h"
#include "console/remote.h"

static void test_parse_urls(void)
{
	char out[REMOTE_MAX][REMOTE_URL_MAX], err[300];
	const char *two[] = { "127.0.0.1:9587", "http://lb1b.example.net:9587/" };
	CU_ASSERT_EQUAL(remote_parse_urls(two, 2, out, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(out[0], "http://127.0.0.1:9587");
	CU_ASSERT_STRING_EQUAL(out[1], "http://lb1b.example.net:9587");

	CU_ASSERT_EQUAL(remote_parse_urls(two, 0, out, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "at least one"));
	/* The same director twice, spelt differently. */
	const char *dup[] = { "127.0.0.1:9587", "http://127.0.0.1:9587/" };
	CU_ASSERT_EQUAL(remote_parse_urls(dup, 2, out, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "given twice"));
	const char *bad[] = { "127.0.0.1:9587", "ftp://x:1" };
	CU_ASSERT_EQUAL(remote_parse_urls(bad, 2, out, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "ftp://x:1"));
	const char *many[REMOTE_MAX + 1];
	char buf[REMOTE_MAX + 1][32];
	for (int i = 0; i <= REMOTE_MAX; i++) {
		snprintf(buf[i], sizeof(buf[i]), "127.0.0.1:%d", 9000 + i);
		many[i] = buf[i];
	}
	CU_ASSERT_EQUAL(remote_parse_urls(many, REMOTE_MAX, out, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(remote_parse_urls(many, REMOTE_MAX + 1, out, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "at most"));
}

/* Services given in the order of perm; their identities. */
static struct lvs_snapshot *services(const int *perm, size_t n)
{
	static const struct { uint32_t mark; int af; int proto; const char *addr; uint16_t port; } ids[] = {
		{ 0, AF_INET, IPPROTO_TCP, "203.0.113.10", 80 },
		{ 0, AF_INET, IPPROTO_TCP, "203.0.113.10", 443 },
		{ 0, AF_INET, IPPROTO_UDP, "203.0.113.10", 53 },
		{ 0, AF_INET, IPPROTO_TCP, "192.0.2.1", 8080 },
		{ 0, AF_INET6, IPPROTO_TCP, "2001:db8::1", 80 },
		{ 7, AF_INET, 0, "0.0.0.0", 0 },
	};
	struct lvs_snapshot *s = snapshot_new();
	for (size_t i = 0; i < n; i++) {
		const __typeof__(ids[0]) *id = &ids[perm[i]];
		struct lvs_service v = { .af = (uint16_t)id->af, .protocol = (uint16_t)id->proto,
					 .port = id->port, .fwmark = id->mark };
		inet_pton(id->af, id->addr, &v.addr);
		snapshot_add_service(s, &v);
	}
	snapshot_finish(s);
	return s;
}

static void test_identity_order(void)
{
	static const int p1[] = { 5, 4, 3, 2, 1, 0 }, p2[] = { 2, 0, 5, 1, 4, 3 };
	struct lvs_snapshot *a = services(p1, 6), *b = services(p2, 6);
	uint32_t oa[6], ob[6];
	remote_sort_services(a, oa);
	remote_sort_services(b, ob);
	for (size_t i = 0; i < 6; i++) {
		const struct lvs_service *x = &a->services[oa[i]], *y = &b->services[ob[i]];
		CU_ASSERT(x->fwmark == y->fwmark && x->af == y->af && x->protocol == y->protocol &&
			  x->port == y->port && !memcmp(&x->addr, &y->addr, sizeof(x->addr)));
	}
	/* Marks after addresses, IPv4 before IPv6, TCP before UDP, then
	 * address and port. */
	CU_ASSERT_EQUAL(a->services[oa[0]].port, 8080);
	CU_ASSERT_EQUAL(a->services[oa[1]].port, 80);
	CU_ASSERT_EQUAL(a->services[oa[2]].port, 443);
	CU_ASSERT_EQUAL(a->services[oa[3]].port, 53);
	CU_ASSERT_EQUAL(a->services[oa[4]].af, AF_INET6);
	CU_ASSERT_EQUAL(a->services[oa[5]].fwmark, 7);
	snapshot_unref(a);
	snapshot_unref(b);
}

int register_remote(void)
{
	CU_pSuite s = CU_add_suite("console remote", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "URL list", test_parse_urls) ||
	    !CU_add_test(s, "services in identity order", test_identity_order))
		return -1;
	return 0;
}
