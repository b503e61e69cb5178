/* Tests for lvsd's families of the declared table, the drift and roles. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <string.h>

#include "collector/snapshot.h"
#include "exporter/declared_export.h"

static const char *conf =
	"global_defs {\n lvs_sync_daemon eth0 VI_1 id 51\n}\n"
	"vrrp_instance VI_1 {\n state BACKUP\n virtual_ipaddress {\n  203.0.113.10\n }\n}\n"
	"virtual_server 203.0.113.10 80 {\n protocol TCP\n lb_algo rr\n"
	" real_server 192.0.2.1 80 { TCP_CHECK { } }\n real_server 192.0.2.2 80 { }\n}\n";

static struct lvs_snapshot *kernel(void)
{
	struct lvs_snapshot *s = snapshot_new();
	struct lvs_service v = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = 80 };
	inet_pton(AF_INET, "203.0.113.10", &v.addr.v4);
	strcpy(v.sched, "rr");
	snapshot_add_service(s, &v);
	/* 192.0.2.1 removed (its check fails), 192.0.2.9 added by hand. */
	const char *rs[] = { "192.0.2.2", "192.0.2.9" };
	for (int i = 0; i < 2; i++) {
		struct lvs_dest d = { .af = AF_INET, .port = 80, .fwd = LVS_FWD_MASQ, .weight = 1 };
		inet_pton(AF_INET, rs[i], &d.addr.v4);
		snapshot_add_dest(s, 0, &d);
	}
	snapshot_finish(s);
	return s;
}

static void test_render(void)
{
	struct lvs_declared *d = NULL;
	CU_ASSERT_EQUAL_FATAL(declared_parse_keepalived("/etc/keepalived/keepalived.conf", conf,
							strlen(conf), &d), 0);
	CU_ASSERT_EQUAL_FATAL(d->n_errors, 0);
	struct lvs_snapshot *s = kernel();
	struct lvs_local_addr a = { .af = AF_INET };
	inet_pton(AF_INET, "203.0.113.10", &a.addr.v4);
	strcpy(a.ifname, "eth0");
	struct lvs_vrrp_status roles[1];
	vrrp_roles(d, &a, 1, roles);
	struct outbuf o;
	outbuf_init(&o);
	CU_ASSERT_EQUAL(declared_export_render(&o, "/etc/keepalived/keepalived.conf", d, roles, s), 0);
	const char *t = o.data;
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "lvsd_declared_info{kind=\"keepalived.conf\",path=\"/etc/keepalived/keepalived.conf\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "lvsd_declared_errors 0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "lvsd_declared_sync_daemon{interface=\"eth0\",vrrp_instance=\"VI_1\",syncid=\"51\"} 1\n"));
	/* It holds the VIP: MASTER, whatever the file's state says. */
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "lvsd_vrrp_master{vrrp_instance=\"VI_1\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "lvsd_vrrp_role{vrrp_instance=\"VI_1\",role=\"MASTER\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "lvsd_real_server_declared{service=\"203.0.113.10:80\",protocol=\"tcp\",address=\"203.0.113.10\",port=\"80\",real_address=\"192.0.2.2\",real_port=\"80\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "real_address=\"192.0.2.9\",real_port=\"80\"} 0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "lvsd_drift{kind=\"real-server-absent\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "lvsd_drift{kind=\"real-server-undeclared\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "lvsd_drift{kind=\"service-absent\"} 0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "lvsd_drift_item{kind=\"real-server-absent\",service=\"TCP 203.0.113.10:80\",real_server=\"192.0.2.1:80\",field=\"\"} 1\n"));
	/* Not holding it: BACKUP. */
	outbuf_reset(&o);
	vrrp_roles(d, &a, 0, roles);
	CU_ASSERT_EQUAL(declared_export_render(&o, "k", d, roles, s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(o.data, "lvsd_vrrp_master{vrrp_instance=\"VI_1\"} 0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(o.data, "role=\"BACKUP\"} 1\n"));
	/* No declared table, or no snapshot: nothing. */
	outbuf_reset(&o);
	CU_ASSERT_EQUAL(declared_export_render(&o, "k", NULL, NULL, s), 0);
	CU_ASSERT_EQUAL(o.len, 0);
	CU_ASSERT_EQUAL(declared_export_render(&o, "k", d, roles, NULL), 0);
	CU_ASSERT_EQUAL(o.len, 0);
	outbuf_done(&o);
	snapshot_unref(s);
	declared_free(d);
}

/* The roles put in the snapshot for /api/v1/snapshot. */
static void test_fill_vrrp(void)
{
	struct lvs_declared *d = NULL;
	CU_ASSERT_EQUAL_FATAL(declared_parse_keepalived("k", conf, strlen(conf), &d), 0);
	struct lvs_snapshot *s = kernel();
	struct lvs_local_addr a = { .af = AF_INET };
	inet_pton(AF_INET, "203.0.113.10", &a.addr.v4);
	strcpy(a.ifname, "eth0");
	struct lvs_vrrp_status roles[1];
	vrrp_roles(d, &a, 1, roles);
	declared_export_fill_vrrp(d, roles, s);
	CU_ASSERT_EQUAL_FATAL(s->n_vrrp, 1);
	CU_ASSERT_STRING_EQUAL(s->vrrp[0].instance, "VI_1");
	CU_ASSERT_STRING_EQUAL(s->vrrp[0].role, "MASTER");
	CU_ASSERT_STRING_EQUAL(s->vrrp[0].declared_state, "BACKUP");
	CU_ASSERT_STRING_EQUAL(s->vrrp[0].iface, "eth0");
	CU_ASSERT_EQUAL(s->vrrp[0].held, 1);
	CU_ASSERT_EQUAL(s->vrrp[0].addresses, 1);
	vrrp_roles(d, &a, 0, roles);
	declared_export_fill_vrrp(d, roles, s);
	CU_ASSERT_EQUAL(s->n_vrrp, 1);
	CU_ASSERT_STRING_EQUAL(s->vrrp[0].role, "BACKUP");
	CU_ASSERT_EQUAL(s->vrrp[0].held, 0);
	snapshot_unref(s);
	declared_free(d);
}

static void test_errors_stop_comparing(void)
{
	const char *bad = "virtual_server 203.0.113.10 80 {\n lb_algo nope\n}\n";
	struct lvs_declared *d = NULL;
	CU_ASSERT_EQUAL_FATAL(declared_parse_keepalived("k", bad, strlen(bad), &d), 0);
	struct lvs_snapshot *s = kernel();
	struct outbuf o;
	outbuf_init(&o);
	CU_ASSERT_EQUAL(declared_export_render(&o, "k", d, NULL, s), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(o.data, "lvsd_declared_errors 1\n"));
	CU_ASSERT_PTR_NULL(strstr(o.data, "lvsd_drift"));
	CU_ASSERT_PTR_NULL(strstr(o.data, "lvsd_real_server_declared"));
	outbuf_done(&o);
	snapshot_unref(s);
	declared_free(d);
}

int register_declared_export(void)
{
	CU_pSuite s = CU_add_suite("lvsd: declared table, drift and roles", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "families", test_render) ||
	    !CU_add_test(s, "roles for the snapshot", test_fill_vrrp) ||
	    !CU_add_test(s, "a file with errors is not compared", test_errors_stop_comparing))
		return -1;
	return 0;
}
