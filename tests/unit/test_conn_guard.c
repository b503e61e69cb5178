/* The header deadline: a connection whose request headers are not in by
 * the deadline has its socket shut down (its peer sees the end of the
 * stream); one whose headers came in is left alone, until a finished
 * request starts the next clock. */
#include <CUnit/CUnit.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "exporter/http/conn_guard.h"

/* Whether the peer of a guarded socket sees EOF within ms. */
static bool eof_within(int peer, int ms)
{
	struct pollfd p = { .fd = peer, .events = POLLIN };
	if (poll(&p, 1, ms) != 1)
		return false;
	char c;
	return read(peer, &c, 1) == 0;
}

static void test_deadline(void)
{
	struct conn_guard *g = conn_guard_new(0.3, 0.2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	int slow[2], quick[2];
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, slow), 0);
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, quick), 0);
	struct conn_guard_node *ns = conn_guard_open(g, slow[0]);
	struct conn_guard_node *nq = conn_guard_open(g, quick[0]);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ns);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nq);
	conn_guard_headers_done(g, nq);
	/* Not before the deadline... */
	CU_ASSERT_FALSE(eof_within(slow[1], 100));
	/* ...but soon after it (0.3 s, looked at four times a second). */
	CU_ASSERT_TRUE(eof_within(slow[1], 2000));
	CU_ASSERT_EQUAL(conn_guard_cut(g), 1);
	/* Headers in: left alone. */
	CU_ASSERT_FALSE(eof_within(quick[1], 700));
	/* The request done: the next one has idle + header time (0.5 s). */
	conn_guard_request_done(g, nq);
	CU_ASSERT_FALSE(eof_within(quick[1], 200));
	CU_ASSERT_TRUE(eof_within(quick[1], 2000));
	CU_ASSERT_EQUAL(conn_guard_cut(g), 2);
	conn_guard_close(g, ns);
	conn_guard_close(g, nq);
	conn_guard_close(g, NULL);
	conn_guard_free(g);
	for (int i = 0; i < 2; i++) {
		close(slow[i]);
		close(quick[i]);
	}
}

int register_conn_guard(void)
{
	CU_pSuite s = CU_add_suite("conn_guard", NULL, NULL);
	if (!s || !CU_add_test(s, "header deadline", test_deadline))
		return -1;
	return 0;
}
