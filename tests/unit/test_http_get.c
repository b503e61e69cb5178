/* Tests for the HTTP GET client against loopback servers: the connection
 * kept across requests, the size limit, and a peer's bytes made printable
 * before they reach a message. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collector/http_get.h"
#include "loopback_http.h"

static int sink_count(void *arg, const char *buf, size_t len)
{
	(void)buf;
	*(size_t *)arg += len;
	return 0;
}

static void test_connection_kept(void)
{
	static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				    "Content-Length: 11\r\n\r\n{\"a\": true}";
	struct lb_server srv;
	CU_ASSERT_EQUAL_FATAL(lb_start(&srv, reply, strlen(reply)), 0);
	struct lvs_remote_opts o = LVS_REMOTE_OPTS_DEFAULT;
	char url[64], msg[256] = "";
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/snapshot", srv.port);
	http_get *g = http_get_new(&o, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	for (int i = 0; i < 3; i++) {
		size_t got = 0;
		CU_ASSERT_EQUAL(http_get_fetch(g, url, sink_count, &got, msg, sizeof(msg)), 0);
		CU_ASSERT_EQUAL(got, 11);
		/* The first request opens the connection, the others reuse it. */
		CU_ASSERT_EQUAL(http_get_connects(g), i == 0 ? 1 : 0);
	}
	http_get_free(g);
	lb_stop(&srv);
	CU_ASSERT_EQUAL(srv.requests, 3);
	CU_ASSERT_EQUAL(srv.accepts, 1);
}

static void test_too_large(void)
{
	static char big[8192 + 200];
	char body[8193];
	memset(body, 'x', 8192);
	body[8192] = 0;
	snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nContent-Length: 8192\r\n\r\n%s", body);
	struct lb_server srv;
	CU_ASSERT_EQUAL_FATAL(lb_start(&srv, big, strlen(big)), 0);
	char url[64], msg[256];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", srv.port);
	struct lvs_remote_opts o = LVS_REMOTE_OPTS_DEFAULT;
	o.max_bytes = 1000;
	http_get *g = http_get_new(&o, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	size_t got = 0;
	CU_ASSERT_EQUAL(http_get_fetch(g, url, sink_count, &got, msg, sizeof(msg)), -EFBIG);
	CU_ASSERT(got <= 1000);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "larger than 1000"));
	http_get_free(g);
	lb_stop(&srv);
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static void test_error_body_printable(void)
{
	/* A non-200 body with a terminal escape, a bell, a NUL and UTF-8. */
	static const char reply[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 30\r\n\r\n"
				    "bad \x1b[31mred\x1b[0m\a\\ \xc3\xa9t\xc3\xa9\r\nnext";
	struct lb_server srv;
	CU_ASSERT_EQUAL_FATAL(lb_start(&srv, reply, sizeof(reply) - 1), 0);
	char url[64], msg[256] = "";
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", srv.port);
	struct lvs_remote_opts o = LVS_REMOTE_OPTS_DEFAULT;
	http_get *g = http_get_new(&o, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	size_t got = 0;
	CU_ASSERT_EQUAL(http_get_fetch(g, url, sink_count, &got, msg, sizeof(msg)), -EPROTO);
	CU_ASSERT(printable(msg));
	if (!strstr(msg, "HTTP 400: bad \\x1b[31mred\\x1b[0m\\x07\\\\ \\xc3\\xa9t\\xc3\\xa9"))
		fprintf(stderr, "\n  message: %s\n", msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "HTTP 400: bad \\x1b[31mred\\x1b[0m\\x07\\\\ \\xc3\\xa9t\\xc3\\xa9"));
	CU_ASSERT_PTR_NULL(strstr(msg, "next")); /* the first line only */
	http_get_free(g);
	lb_stop(&srv);
}

int register_http_get(void)
{
	CU_pSuite s = CU_add_suite("collector HTTP GET", NULL, NULL);
	if (!s || !CU_add_test(s, "connection kept across requests", test_connection_kept) ||
	    !CU_add_test(s, "size limit", test_too_large) ||
	    !CU_add_test(s, "error body made printable", test_error_body_printable))
		return -1;
	return 0;
}
