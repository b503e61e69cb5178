#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <stdlib.h>

#include "collector/keymap.h"

static void key_n(struct lvs_key *k, uint32_t n)
{
	struct lvs_service s = { .af = AF_INET, .protocol = 6, .port = (uint16_t)(n % 65536) };
	s.addr.v4.s_addr = htonl(0xC0000200 + n / 65536);
	lvs_key_service(k, &s);
}

static void test_put_get_del(void)
{
	struct lvs_keymap m;
	CU_ASSERT_EQUAL_FATAL(keymap_init(&m, 4), 0);
	struct lvs_key k;
	enum { N = 5000 };
	for (uint32_t i = 0; i < N; i++) {
		key_n(&k, i);
		CU_ASSERT_EQUAL_FATAL(keymap_put(&m, &k, i * 3), 0);
	}
	CU_ASSERT_EQUAL(m.count, N);
	for (uint32_t i = 0; i < N; i++) {
		key_n(&k, i);
		uint32_t *v = keymap_get(&m, &k);
		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		CU_ASSERT_EQUAL(*v, i * 3);
	}
	/* Delete every other key; the rest must stay reachable (backward
	 * shift must not break probe chains). */
	for (uint32_t i = 0; i < N; i += 2) {
		key_n(&k, i);
		CU_ASSERT_TRUE(keymap_del(&m, &k));
		CU_ASSERT_FALSE(keymap_del(&m, &k));
	}
	CU_ASSERT_EQUAL(m.count, N / 2);
	for (uint32_t i = 0; i < N; i++) {
		key_n(&k, i);
		uint32_t *v = keymap_get(&m, &k);
		if (i % 2) {
			CU_ASSERT(v && *v == i * 3);
		} else {
			CU_ASSERT_PTR_NULL(v);
		}
	}
	key_n(&k, 1);
	CU_ASSERT_EQUAL(keymap_put(&m, &k, 42), 0);
	CU_ASSERT_EQUAL(*keymap_get(&m, &k), 42);
	CU_ASSERT_EQUAL(m.count, N / 2);
	keymap_done(&m);
}

static void test_dest_keys_distinct(void)
{
	struct lvs_service s = { .af = AF_INET6, .protocol = 6, .port = 80 };
	inet_pton(AF_INET6, "2001:db8::1", &s.addr.v6);
	struct lvs_dest a = { .af = AF_INET6, .port = 80 }, b = a;
	inet_pton(AF_INET6, "2001:db8::10", &a.addr.v6);
	inet_pton(AF_INET6, "2001:db8::11", &b.addr.v6);
	struct lvs_key ks, ka, kb, ka2;
	lvs_key_service(&ks, &s);
	lvs_key_dest(&ka, &s, &a);
	lvs_key_dest(&kb, &s, &b);
	lvs_key_dest(&ka2, &s, &a);
	CU_ASSERT_FALSE(lvs_key_equal(&ks, &ka));
	CU_ASSERT_FALSE(lvs_key_equal(&ka, &kb));
	CU_ASSERT_TRUE(lvs_key_equal(&ka, &ka2));
	CU_ASSERT_EQUAL(lvs_key_hash(&ka), lvs_key_hash(&ka2));
	/* The same real server under a service on another port is another object. */
	s.port = 443;
	struct lvs_key ka3;
	lvs_key_dest(&ka3, &s, &a);
	CU_ASSERT_FALSE(lvs_key_equal(&ka, &ka3));
}

int register_keymap(void)
{
	CU_pSuite s = CU_add_suite("keymap", NULL, NULL);
	if (!s || !CU_add_test(s, "put get del", test_put_get_del) ||
	    !CU_add_test(s, "identity keys", test_dest_keys_distinct))
		return -1;
	return 0;
}
