/* Tests for the pair columns of lvstop --remote (remote_pair.c): roles,
 * VIP holder, sync daemons, synced entries against the master's, table
 * differences, and the summary's verdicts, from snapshots as lvsd sends
 * them; a director that does not answer. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "collector/snapshot.h"
#include "console/remote_pair.h"

static struct lvs_snapshot *snap(const char *role, uint32_t held, uint32_t sync_state,
				 uint64_t entries, int32_t weight)
{
	struct lvs_snapshot *s = snapshot_new();
	struct lvs_service v = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = 80 };
	inet_pton(AF_INET, "203.0.113.10", &v.addr.v4);
	strcpy(v.sched, "wrr");
	snapshot_add_service(s, &v);
	struct lvs_dest d = { .af = AF_INET, .port = 80, .fwd = LVS_FWD_ROUTE, .weight = weight };
	inet_pton(AF_INET, "192.0.2.11", &d.addr.v4);
	snapshot_add_dest(s, 0, &d);
	snapshot_finish(s);
	if (role) {
		s->n_vrrp = 1;
		strcpy(s->vrrp[0].instance, "VI_1");
		strcpy(s->vrrp[0].role, role);
		strcpy(s->vrrp[0].iface, held ? "eth1" : "");
		s->vrrp[0].held = held;
		s->vrrp[0].addresses = 1;
	}
	if (sync_state) {
		s->n_daemons = 1;
		s->daemons[0].state = sync_state;
		strcpy(s->daemons[0].mcast_ifn, "eth1");
		s->daemons[0].syncid = 51;
	}
	s->conns.available = true;
	s->conns.total = entries;
	return s;
}

static void set_pair(struct remote_set *rs, struct lvs_snapshot *a, struct lvs_snapshot *b)
{
	memset(rs, 0, sizeof(*rs));
	rs->n = 2;
	strcpy(rs->d[0].name, "dir-a:9100");
	strcpy(rs->d[1].name, "dir-b:9100");
	rs->d[0].snap = a;
	rs->d[1].snap = b;
	for (int i = 0; i < 2; i++) {
		rs->d[i].st.polls = 3;
		rs->d[i].st.last_ok = 1000;
		struct lvs_snapshot *me = i ? b : a, *other = i ? a : b;
		if (!me)
			continue;
		CU_ASSERT_EQUAL(remote_diff_compute(me, other, &rs->d[i].diff), 0);
		rs->d[i].diff_mine = me;
		rs->d[i].diff_other = other;
	}
}

static void done_pair(struct remote_set *rs)
{
	for (int i = 0; i < 2; i++) {
		remote_diff_done(&rs->d[i].diff);
		snapshot_unref(rs->d[i].snap);
	}
}

static int find(const struct pair_view *v, int c, const char *needle)
{
	for (size_t i = 0; i < v->n[c]; i++)
		if (strstr(v->col[c][i].text, needle))
			return (int)i;
	return -1;
}

static void test_master_backup(void)
{
	struct remote_set rs;
	set_pair(&rs, snap("MASTER", 1, 1, 1000, 3), snap("BACKUP", 0, 2, 900, 0));
	struct pair_view v;
	remote_pair_build(&rs, 1001, 38, &v);
	CU_ASSERT_STRING_EQUAL(v.summary, "Pair: MASTER dir-a:9100, BACKUP dir-b:9100");
	CU_ASSERT_EQUAL(v.summary_level, PAIR_OK);
	CU_ASSERT_EQUAL(find(&v, 0, "dir-a:9100  ok"), 0);
	CU_ASSERT_EQUAL(find(&v, 1, "dir-b:9100  ok"), 0);
	/* Role and VIP on the same line of each column. */
	int r = find(&v, 0, "VI_1 MASTER  VIP 1/1 on eth1");
	CU_ASSERT(r > 0);
	CU_ASSERT_EQUAL(find(&v, 1, "VI_1 BACKUP  VIP 0/1"), r);
	CU_ASSERT_EQUAL(v.col[0][r].level, PAIR_OK);
	CU_ASSERT(find(&v, 0, "sync master on eth1, syncid 51") > 0);
	CU_ASSERT(find(&v, 1, "sync backup on eth1, syncid 51") > 0);
	CU_ASSERT(find(&v, 0, "entries 1000") > 0);
	CU_ASSERT(find(&v, 1, "entries 900 = 90% of master's 1000") > 0);
	/* The weight that differs, named in both columns. */
	CU_ASSERT(find(&v, 0, "table: 2 rows differ") > 0);
	int sv = find(&v, 1, "  203.0.113.10:80");
	CU_ASSERT(sv > 0);
	CU_ASSERT_EQUAL(find(&v, 1, "    192.0.2.11:80 weight"), sv + 1);
	for (int c = 0; c < 2; c++)
		for (size_t i = 0; i < v.n[c]; i++)
			CU_ASSERT(strlen(v.col[c][i].text) <= 38);
	done_pair(&rs);
}

static void test_verdicts(void)
{
	struct remote_set rs;
	struct pair_view v;
	set_pair(&rs, snap("MASTER", 1, 1, 10, 3), snap("MASTER", 1, 1, 10, 3));
	remote_pair_build(&rs, 1001, 38, &v);
	CU_ASSERT_STRING_EQUAL(v.summary, "Pair: BOTH MASTER (split brain): both hold the VIPs");
	CU_ASSERT_EQUAL(v.summary_level, PAIR_BAD);
	CU_ASSERT(find(&v, 0, "table: same as dir-b:9100") > 0);
	done_pair(&rs);
	set_pair(&rs, snap("BACKUP", 0, 2, 0, 3), snap("BACKUP", 0, 2, 0, 3));
	remote_pair_build(&rs, 1001, 38, &v);
	CU_ASSERT_PTR_NOT_NULL(strstr(v.summary, "Pair: NO MASTER"));
	done_pair(&rs);
	/* The master carries entries, the backup has none synced. */
	set_pair(&rs, snap("MASTER", 1, 1, 500, 3), snap("BACKUP", 0, 2, 0, 3));
	remote_pair_build(&rs, 1001, 38, &v);
	CU_ASSERT_STRING_EQUAL(v.summary, "Pair: NOTHING SYNCED: MASTER dir-a:9100, BACKUP dir-b:9100");
	CU_ASSERT_EQUAL(v.summary_level, PAIR_WARN);
	int e = find(&v, 1, "entries 0, master 500: none synced");
	CU_ASSERT_FATAL(e > 0);
	CU_ASSERT_EQUAL(v.col[1][e].level, PAIR_BAD);
	done_pair(&rs);
	/* No sync daemon on the master. */
	set_pair(&rs, snap("MASTER", 1, 0, 500, 3), snap("BACKUP", 0, 2, 400, 3));
	remote_pair_build(&rs, 1001, 38, &v);
	CU_ASSERT_PTR_NOT_NULL(strstr(v.summary, "NO SYNC DAEMON ON THE MASTER"));
	CU_ASSERT(find(&v, 0, "sync daemon: none") > 0);
	done_pair(&rs);
	/* lvsd knows no instance on either side. */
	set_pair(&rs, snap(NULL, 0, 1, 5, 3), snap(NULL, 0, 2, 5, 3));
	remote_pair_build(&rs, 1001, 38, &v);
	CU_ASSERT_PTR_NOT_NULL(strstr(v.summary, "roles unknown"));
	CU_ASSERT(find(&v, 0, "VRRP: no instance known to lvsd") > 0);
	done_pair(&rs);
}

static void test_not_answering(void)
{
	struct remote_set rs;
	struct pair_view v;
	set_pair(&rs, snap("MASTER", 1, 1, 1000, 3), snap("BACKUP", 0, 2, 900, 3));
	rs.d[1].st.stale = true;
	snprintf(rs.d[1].st.msg, sizeof(rs.d[1].st.msg),
		 "http://127.0.0.1:9102/api/v1/snapshot: connection refused");
	remote_pair_build(&rs, 1012, 38, &v);
	CU_ASSERT_STRING_EQUAL(v.summary, "Pair: MASTER dir-a:9100; dir-b:9100 NOT ANSWERING: no backup");
	CU_ASSERT_EQUAL(v.summary_level, PAIR_BAD);
	CU_ASSERT_EQUAL(find(&v, 1, "dir-b:9100  NOT ANSWERING"), 0);
	CU_ASSERT_EQUAL(v.col[1][0].level, PAIR_BAD);
	/* The cause, wrapped to the column, then the last known values dimmed. */
	CU_ASSERT(find(&v, 1, "connection refused") > 0);
	int k = find(&v, 1, "last known, 12s old:");
	CU_ASSERT_FATAL(k > 0);
	int r = find(&v, 1, "VI_1 BACKUP");
	CU_ASSERT_FATAL(r > k);
	CU_ASSERT_EQUAL(v.col[1][r].level, PAIR_DIM);
	for (size_t i = 0; i < v.n[1]; i++)
		CU_ASSERT(strlen(v.col[1][i].text) <= 38);
	/* The master's column stands: its entries are not compared with a
	 * backup that does not answer. */
	CU_ASSERT(find(&v, 0, "VI_1 MASTER") > 0);
	CU_ASSERT(find(&v, 0, "entries 1000") > 0);
	done_pair(&rs);
	/* Never answered: nothing but that. */
	set_pair(&rs, snap("MASTER", 1, 1, 1000, 3), NULL);
	rs.d[1].st.polls = 0;
	remote_pair_build(&rs, 1012, 38, &v);
	CU_ASSERT_EQUAL(v.n[1], 1);
	CU_ASSERT(find(&v, 1, "waiting for the first answer") == 0);
	CU_ASSERT(find(&v, 0, "table: partner's not known yet") > 0);
	done_pair(&rs);
	/* Not a pair: nothing. */
	memset(&rs, 0, sizeof(rs));
	rs.n = 3;
	remote_pair_build(&rs, 0, 38, &v);
	CU_ASSERT_EQUAL(v.n[0] + v.n[1], 0);
	CU_ASSERT_STRING_EQUAL(v.summary, "");
}

int register_remote_pair(void)
{
	CU_pSuite s = CU_add_suite("remote pair columns", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "master and backup side by side", test_master_backup) ||
	    !CU_add_test(s, "split brain, no master, nothing synced", test_verdicts) ||
	    !CU_add_test(s, "a director not answering", test_not_answering))
		return -1;
	return 0;
}
