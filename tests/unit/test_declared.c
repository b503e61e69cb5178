/* Tests for the declared table: keepalived.conf and lvs.cf readers. */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/ip_vs.h>

#include "collector/declared/conf_tree.h"
#include "collector/declared/declared.h"
#include "collector/names.h"
#include "share/buf.h"

#define DATA "tests/data/declared/"

static size_t count_msgs(const struct lvs_declared *d, enum lvs_decl_severity sev,
			 const char *needle, int line)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n_msgs; i++)
		if (d->msgs[i].severity == sev && strstr(d->msgs[i].text, needle) &&
		    (!line || d->msgs[i].line == line))
			n++;
	return n;
}

static struct lvs_declared *ka(const char *text)
{
	struct lvs_declared *d = NULL;
	CU_ASSERT_EQUAL_FATAL(declared_parse_keepalived("mem.conf", text, strlen(text), &d), 0);
	return d;
}

static void test_seed_backup_duplicate(void)
{
	struct lvs_declared *d = NULL;
	char msg[256];
	CU_ASSERT_EQUAL_FATAL(declared_read_keepalived(DATA "seed001-backup.conf", &d, msg,
						       sizeof(msg)), 0);
	CU_ASSERT_EQUAL(d->n_errors, 0);
	CU_ASSERT_EQUAL_FATAL(d->n_services, 1);
	const struct lvs_decl_service *s = &d->services[0];
	char t[96];
	CU_ASSERT_STRING_EQUAL(lvs_svc_text(&s->s, t, sizeof(t)), "TCP 172.25.254.100:80");
	CU_ASSERT_STRING_EQUAL(s->s.sched, "rr");
	CU_ASSERT_EQUAL(s->n_dests, 3);
	CU_ASSERT_EQUAL(s->dests[0].d.fwd, LVS_FWD_ROUTE);
	CU_ASSERT_STRING_EQUAL(s->dests[0].checks[0].kind, "TCP_CHECK");
	CU_ASSERT_EQUAL(s->dests[0].checks[0].connect_timeout, 3);
	CU_ASSERT_EQUAL(s->line, 33);
	/* The second 172.25.254.12 stands at line 47; the first at 40. */
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_WARNING, "172.25.254.12:80 is declared twice", 47), 1);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_WARNING, "seed001-backup.conf:40", 47), 1);
	CU_ASSERT_EQUAL(d->n_msgs, 1);
	CU_ASSERT_STRING_EQUAL(d->msgs[0].file, DATA "seed001-backup.conf");
	/* VRRP: the BACKUP role and its VIP. */
	CU_ASSERT_EQUAL_FATAL(d->n_vrrp, 1);
	CU_ASSERT_STRING_EQUAL(d->vrrp[0].state, "BACKUP");
	CU_ASSERT_EQUAL(d->vrrp[0].vrid, 51);
	CU_ASSERT_EQUAL(d->vrrp[0].priority, 50);
	CU_ASSERT_EQUAL(d->vrrp[0].n_vips, 1);
	declared_free(d);
}

static void test_lvscf_seeds(void)
{
	struct lvs_declared *d = NULL;
	char msg[256];
	CU_ASSERT_EQUAL_FATAL(declared_read_lvscf(DATA "seed002-nat.cf", &d, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(d->n_errors, 0);
	CU_ASSERT_EQUAL_FATAL(d->n_services, 1);
	CU_ASSERT_STRING_EQUAL(d->services[0].s.sched, "wlc");
	CU_ASSERT_EQUAL(d->services[0].s.port, 80);
	CU_ASSERT_EQUAL_FATAL(d->services[0].n_dests, 2);
	CU_ASSERT_EQUAL(d->services[0].dests[0].d.fwd, LVS_FWD_MASQ);
	CU_ASSERT_EQUAL(d->services[0].dests[1].d.port, 80);
	CU_ASSERT_STRING_EQUAL(d->services[0].dests[0].checks[0].kind, "send_expect");
	CU_ASSERT_STRING_EQUAL(d->services[0].dests[0].checks[0].send, "GET / HTTP/1.0rnrn");
	/* The lost escapes, at the send line. */
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_WARNING, "backslashes were lost", 22), 1);
	CU_ASSERT_EQUAL(d->n_msgs, 1);
	declared_free(d);

	d = NULL;
	CU_ASSERT_EQUAL_FATAL(declared_read_lvscf(DATA "seed002-dr.cf", &d, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(d->n_errors, 0);
	CU_ASSERT_EQUAL(d->n_msgs, 0); /* "\r\n" written properly: no warning */
	CU_ASSERT_EQUAL_FATAL(d->n_services, 1);
	CU_ASSERT_EQUAL_FATAL(d->services[0].n_dests, 2);
	CU_ASSERT_EQUAL(d->services[0].dests[0].d.fwd, LVS_FWD_ROUTE);
	CU_ASSERT_STRING_EQUAL(d->services[0].dests[0].checks[0].send, "GET / HTTP/1.0\\r\\n\\r\\n");
	declared_free(d);
}

static void test_lvscf_rules(void)
{
	const char *cf = "network = tunnel\n"
			 "virtual web {\n"
			 "  active = 1\n address=192.0.2.10 eth0:1\n port = 80\n"
			 "  persistent = 300\n pmask = 255.255.255.0\n protocol = udp\n"
			 "  quiesce_server = 1\n"
			 "  server a { address = 198.51.100.1\n active = 1\n weight = 3\n port = 8080 }\n"
			 "  server b { address = 198.51.100.2\n active = 0 }\n"
			 "}\n"
			 "virtual off {\n active = 0\n address = 192.0.2.11\n port = 80\n}\n";
	struct lvs_declared *d = NULL;
	CU_ASSERT_EQUAL_FATAL(declared_parse_lvscf("lvs.cf", cf, strlen(cf), &d), 0);
	CU_ASSERT_EQUAL(d->n_errors, 0);
	CU_ASSERT_EQUAL_FATAL(d->n_services, 1); /* "off" is not loaded */
	const struct lvs_decl_service *s = &d->services[0];
	CU_ASSERT_EQUAL(s->s.protocol, IPPROTO_UDP);
	CU_ASSERT(s->s.flags & IP_VS_SVC_F_PERSISTENT);
	CU_ASSERT_EQUAL(s->s.timeout, 300);
	CU_ASSERT_EQUAL(s->s.netmask, htonl(0xffffff00));
	CU_ASSERT_EQUAL_FATAL(s->n_dests, 1); /* b is inactive */
	CU_ASSERT_EQUAL(s->dests[0].d.weight, 3);
	CU_ASSERT_TRUE(s->dests[0].inhibit_on_failure);
	CU_ASSERT_EQUAL(s->dests[0].d.fwd, LVS_FWD_TUNNEL);
	/* TUN with another port: warned. */
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_WARNING, "cannot map ports", 10), 1);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_WARNING, "active = 0", 17), 1);
	declared_free(d);

	d = NULL;
	const char *bad = "network = bridge\nvirtual x {\n address = nowhere\n}\n";
	CU_ASSERT_EQUAL_FATAL(declared_parse_lvscf("bad.cf", bad, strlen(bad), &d), 0);
	CU_ASSERT_EQUAL(d->n_errors, 2);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "expected nat, direct or tunnel", 1), 1);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "\"nowhere\": not an address", 3), 1);
	declared_free(d);
}

static void test_keepalived_defaults_and_fields(void)
{
	struct lvs_declared *d = ka(
		"virtual_server 192.0.2.1 443 {\n"
		"  lvs_sched wrr\n  lvs_method NAT\n  protocol UDP\n  persistence_timeout\n"
		"  persistence_granularity 255.255.0.0\n  ops\n  sh-port\n"
		"  sorry_server 198.51.100.9 8443\n"
		"  real_server 198.51.100.1 8443 { weight 5\n inhibit_on_failure\n"
		"    HTTP_GET { url { path /health\n status_code 200 }\n connect_port 9000 } }\n"
		"  real_server 198.51.100.2 {\n lvs_method DR\n }\n"
		"}\n"
		"virtual_server fwmark 7 {\n  real_server 198.51.100.3 {\n }\n}\n"
		"virtual_server 2001:db8::1 80 {\n real_server 2001:db8::2 80 {\n }\n"
		"  persistence_timeout 60\n}\n");
	CU_ASSERT_EQUAL(d->n_errors, 0);
	CU_ASSERT_EQUAL_FATAL(d->n_services, 3);
	const struct lvs_decl_service *s = &d->services[0];
	CU_ASSERT_STRING_EQUAL(s->s.sched, "wrr");
	CU_ASSERT_EQUAL(s->s.protocol, IPPROTO_UDP);
	CU_ASSERT_EQUAL(s->s.timeout, 360);
	CU_ASSERT(s->s.flags & IP_VS_SVC_F_PERSISTENT);
	CU_ASSERT(s->s.flags & IP_VS_SVC_F_ONEPACKET);
	CU_ASSERT(s->s.flags & lvs_svc_flag_from_name("sh-port"));
	CU_ASSERT_EQUAL(s->s.netmask, htonl(0xffff0000));
	CU_ASSERT_TRUE(s->has_sorry);
	CU_ASSERT_EQUAL(s->sorry.d.port, 8443);
	CU_ASSERT_EQUAL_FATAL(s->n_dests, 2);
	CU_ASSERT_EQUAL(s->dests[0].d.weight, 5);
	CU_ASSERT_TRUE(s->dests[0].inhibit_on_failure);
	CU_ASSERT_STRING_EQUAL(s->dests[0].checks[0].kind, "HTTP_GET");
	CU_ASSERT_STRING_EQUAL(s->dests[0].checks[0].path, "/health");
	CU_ASSERT_EQUAL(s->dests[0].checks[0].status_code, 200);
	CU_ASSERT_EQUAL(s->dests[0].checks[0].connect_port, 9000);
	CU_ASSERT_EQUAL(s->dests[0].d.fwd, LVS_FWD_MASQ);
	/* No port: the service's; a real server's own method wins. */
	CU_ASSERT_EQUAL(s->dests[1].d.port, 443);
	CU_ASSERT_EQUAL(s->dests[1].d.weight, 1);
	CU_ASSERT_EQUAL(s->dests[1].d.fwd, LVS_FWD_ROUTE);
	/* Defaults: wlc, NAT, TCP; a mark has no protocol. */
	s = &d->services[1];
	CU_ASSERT_EQUAL(s->s.fwmark, 7);
	CU_ASSERT_EQUAL(s->s.protocol, 0);
	CU_ASSERT_STRING_EQUAL(s->s.sched, "wlc");
	CU_ASSERT_EQUAL(s->dests[0].d.fwd, LVS_FWD_MASQ);
	/* No protocol: keepalived 2.2.7 makes it UDP, and says so. */
	s = &d->services[2];
	CU_ASSERT_EQUAL(s->s.af, AF_INET6);
	CU_ASSERT_EQUAL(s->s.protocol, IPPROTO_UDP);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_WARNING,
				   "2001:db8::1 80 has no protocol: keepalived makes it a UDP", 23), 1);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_WARNING, "has no protocol", 0), 1);
	CU_ASSERT_EQUAL(s->s.netmask, 128);
	declared_free(d);
}

static void test_keepalived_errors(void)
{
	struct lvs_declared *d = ka(
		"virtual_server 192.0.2.300 80 {\n}\n"
		"virtual_server 192.0.2.1 80 {\n lb_algo roundrobin\n lb_kind DRR\n"
		"  real_server 198.51.100.1 80 { weight -1 }\n  real_sever 198.51.100.2 80 {\n }\n"
		"  protocol ICMP\n"
		"}\n"
		"virtual_server group nope {\n}\n"
		"}\n"
		"virtual_server 192.0.2.2 80 {\n real_server 198.51.100.1 8080 {\n lvs_method DR\n }\n");
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "\"192.0.2.300\": not an address", 1), 1);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "\"roundrobin\": not an IPVS scheduler", 4), 1);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "\"DRR\": expected NAT, DR or TUN", 5), 1);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "weight \"-1\"", 6), 1);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_WARNING, "unknown keyword \"real_sever\"", 7), 1);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "protocol \"ICMP\"", 9), 1);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "no virtual_server_group", 11), 1);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "closes no block", 13), 1);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "not closed", 0), 1);
	/* DR on another port, in the unclosed last block. */
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_WARNING, "cannot map ports", 15), 1);
	declared_free(d);

	/* A bad sorry_server line after a good one: an error, and the good
	 * one stays whole (it was left zeroed, no address family nor file,
	 * behind has_sorry). */
	d = ka("virtual_server 192.0.2.1 80 {\n protocol TCP\n"
	       " sorry_server 198.51.100.9 8080\n sorry_server 198.51.100.x\n}\n"
	       "virtual_server 192.0.2.2 80 {\n protocol TCP\n sorry_server nowhere\n}\n");
	CU_ASSERT_EQUAL_FATAL(d->n_services, 2);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "sorry_server \"198.51.100.x\": not an address", 4),
			1);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "sorry_server \"nowhere\": not an address", 8), 1);
	const struct lvs_decl_service *s = &d->services[0];
	CU_ASSERT_TRUE(s->has_sorry);
	CU_ASSERT_EQUAL(s->sorry.d.af, AF_INET);
	CU_ASSERT_EQUAL(s->sorry.d.port, 8080);
	CU_ASSERT_EQUAL(s->sorry.line, 3);
	CU_ASSERT_PTR_NOT_NULL(s->sorry.file);
	CU_ASSERT_FALSE(d->services[1].has_sorry);
	declared_free(d);
}

static void test_keepalived_groups(void)
{
	struct lvs_declared *d = ka(
		"virtual_server_group web {\n  192.0.2.1-3 80\n  192.0.2.10 443\n  fwmark 9\n}\n"
		"virtual_server group web {\n protocol TCP\n lb_algo rr\n real_server 198.51.100.1 80 {\n }\n}\n"
		"virtual_server_group huge {\n 10.0.0.0/16 80\n}\n"
		"virtual_server group huge {\n}\n");
	CU_ASSERT_EQUAL(d->n_errors, 0);
	CU_ASSERT_EQUAL_FATAL(d->n_services, 5 + 256);
	char t[96];
	CU_ASSERT_STRING_EQUAL(lvs_svc_text(&d->services[0].s, t, sizeof(t)), "TCP 192.0.2.1:80");
	CU_ASSERT_STRING_EQUAL(lvs_svc_text(&d->services[2].s, t, sizeof(t)), "TCP 192.0.2.3:80");
	CU_ASSERT_STRING_EQUAL(lvs_svc_text(&d->services[3].s, t, sizeof(t)), "TCP 192.0.2.10:443");
	CU_ASSERT_STRING_EQUAL(lvs_svc_text(&d->services[4].s, t, sizeof(t)), "FWM 9");
	for (size_t i = 0; i < 5; i++) {
		CU_ASSERT_STRING_EQUAL(d->services[i].s.sched, "rr");
		CU_ASSERT_STRING_EQUAL(d->services[i].group, "web");
		CU_ASSERT_EQUAL(d->services[i].n_dests, 1);
	}
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_WARNING, "stands for 65536 addresses", 13), 1);
	declared_free(d);
}

static void test_includes(void)
{
	char dir[] = "/tmp/lvstop-declared-XXXXXX";
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	char p[256], sub[256];
	snprintf(sub, sizeof(sub), "%s/conf.d", dir);
	CU_ASSERT_FATAL(mkdir(sub, 0700) == 0);
	snprintf(p, sizeof(p), "%s/keepalived.conf", dir);
	FILE *f = fopen(p, "w");
	fprintf(f, "include conf.d/*.conf\ninclude conf.d\ninclude \"\"\ninclude missing/*.x\n");
	fclose(f);
	snprintf(p, sizeof(p), "%s/conf.d/a.conf", dir);
	f = fopen(p, "w");
	fprintf(f, "! the web service\nvirtual_server 192.0.2.1 80 {\n real_server 198.51.100.1 80 {\n"
		   " }\n real_server 198.51.100.1 80 {\n }\n}\n");
	fclose(f);
	snprintf(p, sizeof(p), "%s/keepalived.conf", dir);
	struct lvs_declared *d = NULL;
	char msg[256];
	CU_ASSERT_EQUAL_FATAL(declared_read_keepalived(p, &d, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(d->n_services, 1);
	CU_ASSERT_EQUAL(d->n_files, 2);
	/* The duplicate is reported in the included file, at its line. */
	size_t found = 0;
	for (size_t i = 0; i < d->n_msgs; i++)
		if (strstr(d->msgs[i].text, "declared twice") && d->msgs[i].line == 5 &&
		    strstr(d->msgs[i].file, "conf.d/a.conf"))
			found++;
	CU_ASSERT_EQUAL(found, 1);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "is a folder, not a file", 2), 1);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "empty file name", 3), 1);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_WARNING, "matches no file", 4), 1);
	declared_free(d);

	/* An include of itself is a cycle: an error at its line, not followed
	 * (before, it was read again down to the depth bound). */
	f = fopen(p, "w");
	fprintf(f, "include keepalived.conf\nvirtual_server 192.0.2.1 80 {\n}\n");
	fclose(f);
	d = NULL;
	CU_ASSERT_EQUAL_FATAL(declared_read_keepalived(p, &d, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "is being read already (an include cycle)", 1),
			1);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "include levels", 0), 0);
	CU_ASSERT_EQUAL(d->n_files, 1);
	CU_ASSERT_EQUAL(d->n_services, 1);
	declared_free(d);

	/* Three includes of itself: 3^8 reads down to the depth bound (1,024
	 * with the bound on files read), now one read and an error per line;
	 * by another name (a symbolic link) too: a file is its inode. */
	snprintf(sub, sizeof(sub), "%s/again.conf", dir);
	CU_ASSERT_FATAL(symlink("keepalived.conf", sub) == 0);
	f = fopen(p, "w");
	fprintf(f, "include keepalived.conf\ninclude keepalived.conf\ninclude again.conf\n");
	fclose(f);
	d = NULL;
	CU_ASSERT_EQUAL_FATAL(declared_read_keepalived(p, &d, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(d->n_files, 1);
	for (int line = 1; line <= 3; line++)
		CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "(an include cycle)", line), 1);
	CU_ASSERT_EQUAL(d->n_errors, 3);
	declared_free(d);
	snprintf(sub, sizeof(sub), "%s/conf.d", dir);

	/* The named file itself missing or a folder: an error return. */
	d = NULL;
	CU_ASSERT_EQUAL(declared_read_keepalived(sub, &d, msg, sizeof(msg)), -EISDIR);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "it is a folder"));
	CU_ASSERT_PTR_NULL(d);
	snprintf(p, sizeof(p), "%s/none.conf", dir);
	CU_ASSERT_EQUAL(declared_read_lvscf(p, &d, msg, sizeof(msg)), -ENOENT);

	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_hostile_text(void)
{
	/* Control bytes from a file never reach a message. */
	const char *t = "virtual_server 192.0.2.1 80 {\n lb_algo \x1b[31mrr\n}\n\"open";
	struct lvs_declared *d = ka(t);
	CU_ASSERT(d->n_msgs >= 2);
	for (size_t i = 0; i < d->n_msgs; i++)
		for (const char *p = d->msgs[i].text; *p; p++)
			CU_ASSERT((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
	declared_free(d);
	/* Deep nesting is refused, not recursed without bound. */
	size_t n = 200;
	char *deep = malloc(n * 4 + 1);
	for (size_t i = 0; i < n; i++)
		memcpy(deep + i * 2, "a{", 2);
	deep[n * 2] = 0;
	d = ka(deep);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "nested more than", 0), 1);
	declared_free(d);
	free(deep);
}

static void test_large_and_repetitive(void)
{
	/* 20,000 copies of one real server and 2,000 of one service: the
	 * checks stay n log n and the messages stop at their bound. */
	size_t cap = 3u << 20, o = 0;
	char *t = malloc(cap);
	CU_ASSERT_FATAL(t != NULL);
	o += (size_t)snprintf(t + o, cap - o, "virtual_server 192.0.2.1 80 {\n protocol TCP\n");
	for (int i = 0; i < 20000; i++)
		o += (size_t)snprintf(t + o, cap - o, " real_server 198.51.100.1 80 {\n }\n");
	o += (size_t)snprintf(t + o, cap - o, "}\n");
	for (int i = 0; i < 2000; i++)
		o += (size_t)snprintf(t + o, cap - o, "virtual_server 192.0.2.2 80 {\n protocol TCP\n}\n");
	struct lvs_declared *d = NULL;
	CU_ASSERT_EQUAL_FATAL(declared_parse_keepalived("big.conf", t, o, &d), 0);
	CU_ASSERT_EQUAL(d->n_services, 2001);
	CU_ASSERT_EQUAL(d->n_msgs, LVS_DECL_MSGS_MAX);
	CU_ASSERT_EQUAL(d->n_msgs + d->n_msgs_dropped, 19999 + 1999);
	CU_ASSERT_EQUAL(d->n_errors, 0);
	/* The first duplicate names the first declaration. */
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_WARNING, "first at big.conf:40004", 40007), 1);
	declared_free(d);
	free(t);
}


/* Two tables read the same: files, services (identity, FILE:LINE, real
 * servers), VRRP instances, messages (severity, FILE:LINE, text), counts. */
static void assert_same_table(const struct lvs_declared *a, const struct lvs_declared *b)
{
	char ta[96], tb[96];
	CU_ASSERT_EQUAL_FATAL(a->n_files, b->n_files);
	for (size_t i = 0; i < a->n_files; i++)
		CU_ASSERT_STRING_EQUAL(a->files[i], b->files[i]);
	CU_ASSERT_EQUAL_FATAL(a->n_services, b->n_services);
	for (size_t i = 0; i < a->n_services; i++) {
		const struct lvs_decl_service *x = &a->services[i], *y = &b->services[i];
		CU_ASSERT_STRING_EQUAL(lvs_svc_text(&x->s, ta, sizeof(ta)),
				       lvs_svc_text(&y->s, tb, sizeof(tb)));
		CU_ASSERT_STRING_EQUAL(x->file, y->file);
		CU_ASSERT_EQUAL(x->line, y->line);
		CU_ASSERT_EQUAL_FATAL(x->n_dests, y->n_dests);
		for (size_t j = 0; j < x->n_dests; j++) {
			CU_ASSERT_EQUAL(x->dests[j].d.port, y->dests[j].d.port);
			CU_ASSERT_EQUAL(memcmp(&x->dests[j].d.addr, &y->dests[j].d.addr,
					       sizeof(x->dests[j].d.addr)), 0);
			CU_ASSERT_STRING_EQUAL(x->dests[j].file, y->dests[j].file);
			CU_ASSERT_EQUAL(x->dests[j].line, y->dests[j].line);
		}
	}
	CU_ASSERT_EQUAL(a->n_vrrp, b->n_vrrp);
	CU_ASSERT_EQUAL_FATAL(a->n_msgs, b->n_msgs);
	for (size_t i = 0; i < a->n_msgs; i++) {
		CU_ASSERT_EQUAL(a->msgs[i].severity, b->msgs[i].severity);
		CU_ASSERT_STRING_EQUAL(a->msgs[i].file ? a->msgs[i].file : "-",
				       b->msgs[i].file ? b->msgs[i].file : "-");
		CU_ASSERT_EQUAL(a->msgs[i].line, b->msgs[i].line);
		CU_ASSERT_STRING_EQUAL(a->msgs[i].text, b->msgs[i].text);
	}
	CU_ASSERT_EQUAL(a->n_errors, b->n_errors);
	CU_ASSERT_EQUAL(a->n_msgs_dropped, b->n_msgs_dropped);
}

/* Write files under the current folder (making their folders). */
static void write_files(const struct conf_file *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char dir[256];
		snprintf(dir, sizeof(dir), "%s", f[i].name);
		for (char *s = strchr(dir, '/'); s; s = strchr(s + 1, '/')) {
			*s = 0;
			if (*dir && strcmp(dir, ".") && strcmp(dir, ".."))
				CU_ASSERT_FATAL(mkdir(dir, 0700) == 0 || errno == EEXIST);
			*s = '/';
		}
		FILE *o = fopen(f[i].name, "w");
		CU_ASSERT_FATAL(o != NULL);
		CU_ASSERT_FATAL(fwrite(f[i].text, 1, f[i].len, o) == f[i].len);
		fclose(o);
	}
}

#define MEMF(n, t) { n, t, sizeof(t) - 1 }

/* The same files read from a folder and from memory: the same table,
 * messages and file list, includes, globs, folders and cycles included. */
static void test_mem_same_as_files(void)
{
	static const struct conf_file ka_files[] = {
		MEMF("keepalived.conf",
		     "include conf.d/*.conf\ninclude conf.d\ninclude \"\"\ninclude missing/*.x\n"
		     "include \"{b,c}.inc\"\ninclude ./sub/../c.inc\ninclude sub/*\n"
		     "virtual_server 192.0.2.9 443 {\n real_server 198.51.100.9 443 {\n }\n}\n"
		     "include /nonexistent-lvstop-dir/*.conf\n"),
		MEMF("conf.d/a.conf", "! the web service\nvirtual_server 192.0.2.1 80 {\n"
				      " real_server 198.51.100.1 80 {\n }\n"
				      " real_server 198.51.100.1 80 {\n }\n}\n"),
		MEMF("conf.d/b.conf", "vrrp_instance VI_1 {\n state MASTER\n virtual_router_id 7\n}\n"),
		MEMF("b.inc", "virtual_server 192.0.2.2 80 {\n lb_algo wrr\n}\n"),
		MEMF("c.inc", "virtual_server 192.0.2.3 80 {\n bogus_key 1\n}\n"),
		MEMF("sub/d/e.conf", "x\n"),
		MEMF("sub/f.conf", "virtual_server 192.0.2.1 80 {\n}\ninclude ../b.inc\n"),
	};
	static const struct conf_file cycle[] = {
		MEMF("keepalived.conf",
		     "include keepalived.conf\ninclude keepalived.conf\ninclude keepalived.conf\n"),
	};
	static const struct conf_file lvscf[] = {
		MEMF("lvs.cf", "serial_no = 1\nvirtual web {\n address = 192.0.2.5 eth0:1\n"
			       " port = 80\n server a {\n address = 198.51.100.5\n }\n}\n"
			       "include b.inc\n"),
		MEMF("b.inc", "virtual x {\n}\n"),
	};
	static const struct {
		const struct conf_file *f;
		size_t n;
		bool lvscf;
	} sets[] = {
		{ ka_files, sizeof(ka_files) / sizeof(*ka_files), false },
		{ cycle, 1, false },
		{ lvscf, 2, true },
	};
	int cwd = open(".", O_RDONLY | O_DIRECTORY);
	CU_ASSERT_FATAL(cwd >= 0);
	for (size_t k = 0; k < sizeof(sets) / sizeof(*sets); k++) {
		char dir[] = "/tmp/lvstop-declared-mem-XXXXXX";
		CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
		CU_ASSERT_FATAL(chdir(dir) == 0);
		write_files(sets[k].f, sets[k].n);
		struct lvs_declared *a = NULL, *b = NULL;
		char ma[256] = "", mb[256] = "";
		int ra = sets[k].lvscf
				 ? declared_read_lvscf(sets[k].f[0].name, &a, ma, sizeof(ma))
				 : declared_read_keepalived(sets[k].f[0].name, &a, ma, sizeof(ma));
		int rb = sets[k].lvscf
				 ? declared_read_lvscf_mem(sets[k].f[0].name, sets[k].f, sets[k].n, &b, mb,
							   sizeof(mb))
				 : declared_read_keepalived_mem(sets[k].f[0].name, sets[k].f, sets[k].n, &b,
								mb, sizeof(mb));
		CU_ASSERT_FATAL(fchdir(cwd) == 0);
		CU_ASSERT_EQUAL_FATAL(ra, 0);
		CU_ASSERT_EQUAL_FATAL(rb, 0);
		assert_same_table(a, b);
		if (k == 0) {
			/* The set reaches what it means to: globs, braces, a
			 * folder, "..", a missing folder. */
			CU_ASSERT_EQUAL(a->n_files, 8);
			CU_ASSERT_EQUAL(count_msgs(b, LVS_DECL_ERROR, "./conf.d is a folder", 2), 1);
			CU_ASSERT_EQUAL(count_msgs(b, LVS_DECL_ERROR, "./sub/d is a folder", 7), 1);
			CU_ASSERT_EQUAL(count_msgs(b, LVS_DECL_WARNING, "matches no file", 0), 2);
			CU_ASSERT_EQUAL(count_msgs(b, LVS_DECL_WARNING, "declared twice", 0) >= 2, 1);
		}
		if (k == 1) {
			/* Read once; each include of itself an error at its line. */
			CU_ASSERT_EQUAL(b->n_files, 1);
			for (int line = 1; line <= 3; line++)
				CU_ASSERT_EQUAL(count_msgs(b, LVS_DECL_ERROR, "include cycle", line), 1);
		}
		declared_free(a);
		declared_free(b);
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		CU_ASSERT_EQUAL(system(cmd), 0);
	}
	/* The file named missing, or a folder: the errors the file system gives. */
	static const struct conf_file one[] = { MEMF("d/x.conf", "virtual_server 192.0.2.1 80 {\n}\n") };
	struct lvs_declared *d = NULL;
	char msg[256];
	CU_ASSERT_EQUAL(declared_read_keepalived_mem("d", one, 1, &d, msg, sizeof(msg)), -EISDIR);
	CU_ASSERT_STRING_EQUAL(msg, "d: cannot read: it is a folder");
	CU_ASSERT_PTR_NULL(d);
	CU_ASSERT_EQUAL(declared_read_lvscf_mem("x.conf", one, 1, &d, msg, sizeof(msg)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "x.conf: cannot read: "));
	CU_ASSERT_EQUAL_FATAL(declared_read_keepalived_mem("./d/../d/x.conf", one, 1, &d, msg,
							   sizeof(msg)), 0);
	CU_ASSERT_EQUAL(d->n_services, 1);
	declared_free(d);
	close(cwd);
}

/* An include whose name ends in thousands of slashes, read on a thread
 * with a small stack: glob(3) would recurse once per slash. */
struct slashes_read {
	const struct conf_file *f;
	int r;
};

static void *read_slashes(void *arg)
{
	struct slashes_read *sr = arg;
	struct lvs_declared *d = NULL;
	char msg[256];
	sr->r = declared_read_keepalived_mem(sr->f[0].name, sr->f, 1, &d, msg, sizeof(msg));
	declared_free(d);
	return NULL;
}

static void test_include_slashes(void)
{
	static char text[4200];
	int n = snprintf(text, sizeof(text), "include lp");
	memset(text + n, '/', 4000);
	snprintf(text + n + 4000, sizeof(text) - (size_t)n - 4000, "\nvirtual_server 192.0.2.1 80 {\n}\n");
	struct conf_file f[1] = { { "/etc/keepalived/keepalived.conf", text, strlen(text) } };
	struct slashes_read sr = { f, -1 };
	pthread_attr_t at;
	pthread_t th;
	CU_ASSERT_EQUAL_FATAL(pthread_attr_init(&at), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_attr_setstacksize(&at, 128 * 1024), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, &at, read_slashes, &sr), 0);
	pthread_join(th, NULL);
	pthread_attr_destroy(&at);
	CU_ASSERT_EQUAL(sr.r, 0); /* read, the include matching nothing */
}

/* The bounds on includes that are no cycle: levels (a chain of files,
 * each including the next) and files read (includes of includes). */
static void test_include_bounds(void)
{
	char names[10][16], texts[10][32];
	struct conf_file chain[10];
	for (int i = 0; i < 10; i++) {
		snprintf(names[i], sizeof(names[i]), "l%d.conf", i);
		snprintf(texts[i], sizeof(texts[i]), "include l%d.conf\n", i + 1);
		chain[i] = (struct conf_file){ .name = names[i], .text = texts[i],
					       .len = strlen(texts[i]) };
	}
	struct lvs_declared *d = NULL;
	char msg[256];
	CU_ASSERT_EQUAL_FATAL(declared_read_keepalived_mem("l0.conf", chain, 10, &d, msg, sizeof(msg)),
			      0);
	CU_ASSERT_EQUAL(d->n_files, 9);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "more than 8 include levels", 1), 1);
	CU_ASSERT_EQUAL(d->n_errors, 1);
	declared_free(d);

	/* 33 includes of a.conf, which includes b.conf 32 times: 1,090
	 * files to read: the first 1,024 (31 times a.conf and its 32) read, an
	 * error at the 32nd include. */
	struct lvs_buf top, a;
	buf_init(&top);
	buf_init(&a);
	for (int i = 0; i < 33; i++)
		CU_ASSERT_EQUAL_FATAL(buf_printf(&top, "include a.conf\n"), 0);
	for (int i = 0; i < 32; i++)
		CU_ASSERT_EQUAL_FATAL(buf_printf(&a, "include b.conf\n"), 0);
	struct conf_file fan[] = {
		{ .name = "keepalived.conf", .text = top.p, .len = top.len },
		{ .name = "a.conf", .text = a.p, .len = a.len },
		MEMF("b.conf", "virtual_server 192.0.2.1 80 {\n}\n"),
	};
	d = NULL;
	CU_ASSERT_EQUAL_FATAL(declared_read_keepalived_mem("keepalived.conf", fan, 3, &d, msg,
							   sizeof(msg)), 0);
	CU_ASSERT_EQUAL(d->n_files, 1024);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "a.conf: more than 1024 files read", 32), 1);
	CU_ASSERT_EQUAL(count_msgs(d, LVS_DECL_ERROR, "cycle", 0), 0);
	declared_free(d);
	buf_free(&top);
	buf_free(&a);
}

int register_declared(void)
{
	CU_pSuite s = CU_add_suite("declared table (keepalived.conf, lvs.cf)", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "seed 001: BACKUP config, duplicate real server", test_seed_backup_duplicate) ||
	    !CU_add_test(s, "seed 002: lvs.cf NAT and DR", test_lvscf_seeds) ||
	    !CU_add_test(s, "lvs.cf rules", test_lvscf_rules) ||
	    !CU_add_test(s, "keepalived defaults and fields", test_keepalived_defaults_and_fields) ||
	    !CU_add_test(s, "keepalived errors with lines", test_keepalived_errors) ||
	    !CU_add_test(s, "virtual_server_group", test_keepalived_groups) ||
	    !CU_add_test(s, "includes", test_includes) ||
	    !CU_add_test(s, "files in memory read as on a file system", test_mem_same_as_files) ||
	    !CU_add_test(s, "include levels and files read", test_include_bounds) ||
	    !CU_add_test(s, "an include ending in thousands of slashes", test_include_slashes) ||
	    !CU_add_test(s, "hostile text", test_hostile_text) ||
	    !CU_add_test(s, "large and repetitive", test_large_and_repetitive))
		return -1;
	return 0;
}
