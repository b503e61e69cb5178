/* Tests for the zoom's history: ids (against lvsd's own), URLs, and the
 * fetcher thread against loopback (one connection, bounded answers). */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "console/history_fetch.h"
#include "exporter/history/rrd_spec.h"
#include "loopback_http.h"

static void test_ids(void)
{
	struct lvs_service v[4] = {
		{ .af = AF_INET, .protocol = IPPROTO_TCP, .port = 80 },
		{ .af = AF_INET6, .protocol = IPPROTO_UDP, .port = 53 },
		{ .af = AF_INET, .fwmark = 42 },
		{ .af = AF_INET6, .fwmark = 7, .protocol = 0 },
	};
	inet_pton(AF_INET, "203.0.113.10", &v[0].addr.v4);
	inet_pton(AF_INET6, "2001:db8::53", &v[1].addr.v6);
	char a[HIST_ID_MAX], b[RRD_SPEC_ID_MAX];
	CU_ASSERT_EQUAL(history_service_id(&v[0], a, sizeof(a)), 0);
	CU_ASSERT_STRING_EQUAL(a, "tcp-203.0.113.10-80");
	CU_ASSERT_EQUAL(history_service_id(&v[1], a, sizeof(a)), 0);
	CU_ASSERT_STRING_EQUAL(a, "udp-2001_db8__53-53");
	CU_ASSERT_EQUAL(history_service_id(&v[3], a, sizeof(a)), 0);
	CU_ASSERT_STRING_EQUAL(a, "fwm6-7");
	/* The same ids as lvsd's files. */
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(history_service_id(&v[i], a, sizeof(a)), 0);
		CU_ASSERT_EQUAL(rrd_spec_service_id(&v[i], b, sizeof(b)), 0);
		CU_ASSERT_STRING_EQUAL(a, b);
	}
	struct lvs_dest d = { .af = AF_INET6, .port = 8080 };
	inet_pton(AF_INET6, "2001:db8:a::11", &d.addr.v6);
	CU_ASSERT_EQUAL(history_dest_id(&d, a, sizeof(a)), 0);
	CU_ASSERT_STRING_EQUAL(a, "2001_db8_a__11-8080");
	CU_ASSERT_EQUAL(rrd_spec_dest_id(&d, b, sizeof(b)), 0);
	CU_ASSERT_STRING_EQUAL(a, b);
	char small[6];
	CU_ASSERT_EQUAL(history_service_id(&v[0], small, sizeof(small)), -ENOSPC);
	struct lvs_service odd = { .af = AF_INET, .protocol = 99, .port = 1 };
	CU_ASSERT_EQUAL(history_service_id(&odd, a, sizeof(a)), -EINVAL);

	char url[HIST_URL_MAX];
	CU_ASSERT_EQUAL(history_url("http://127.0.0.1:9587", &v[0], NULL, "1h", 36, url, sizeof(url)), 0);
	CU_ASSERT_STRING_EQUAL(url, "http://127.0.0.1:9587/api/v1/history?service=tcp-203.0.113.10-80"
				    "&range=1h&resolution=36s");
	CU_ASSERT_EQUAL(history_url("http://h:1", &v[1], &d, "1mo", 0, url, sizeof(url)), 0);
	CU_ASSERT_STRING_EQUAL(url, "http://h:1/api/v1/history?service=udp-2001_db8__53-53"
				    "&real_server=2001_db8_a__11-8080&range=1mo");
	CU_ASSERT_EQUAL(history_url("http://h:1", &v[0], NULL, "1h", 0, url, 20), -ENOSPC);
}

static const char good[] =
	"{ \"service\": \"tcp-203.0.113.10-80\", \"real_server\": null, \"cf\": \"AVERAGE\",\n"
	"  \"start\": 1763699990, \"end\": 1763700020, \"step\": 10,\n"
	"  \"ds\": [\"conns\",\"inbytes\",\"active\"],\n"
	"  \"rows\": [ [1763700000, 4.5, 13500, 3], [1763700010, null, null, null],"
	" [1763700020, 6, 1e3, 4] ] }\n";

/* --- the fetcher against a loopback server that answers every request ---------- */

struct server {
	int fd, port;
	const char *reply;
	pthread_t th;
};

static void *serve(void *arg)
{
	struct server *s = arg;
	for (;;) {
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			return NULL;
		char req[1024];
		size_t n = 0;
		ssize_t k;
		while (n + 1 < sizeof(req) && (k = read(c, req + n, sizeof(req) - 1 - n)) > 0) {
			n += (size_t)k;
			req[n] = 0;
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		(void)!write(c, s->reply, strlen(s->reply));
		close(c);
	}
}

static enum hfetch_state wait_answer(hfetch *h, const char *url, const struct hist_doc **doc,
				     char *msg, size_t msglen)
{
	double age;
	bool loading;
	enum hfetch_state st = HFETCH_NONE;
	for (int i = 0; i < 300; i++) {
		st = hfetch_result(h, url, doc, &age, &loading, msg, msglen);
		if (st == HFETCH_READY || st == HFETCH_ERROR)
			return st;
		usleep(10000);
	}
	return st;
}

static void test_fetcher(void)
{
	static char reply[2048];
	snprintf(reply, sizeof(reply), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
		 strlen(good), good);
	struct server s = { .reply = reply };
	s.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	CU_ASSERT_EQUAL_FATAL(bind(s.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	listen(s.fd, 8);
	getsockname(s.fd, (struct sockaddr *)&a, &al);
	s.port = ntohs(a.sin_port);
	pthread_create(&s.th, NULL, serve, &s);

	struct lvs_remote_opts o = LVS_REMOTE_OPTS_DEFAULT;
	hfetch *h = hfetch_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	char url[128], msg[256] = "";
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/history?service=x&range=1h", s.port);
	const struct hist_doc *doc = NULL;
	double age;
	bool loading;
	CU_ASSERT_EQUAL(hfetch_result(h, url, &doc, &age, &loading, msg, sizeof(msg)), HFETCH_NONE);
	CU_ASSERT_EQUAL(hfetch_request(h, url), 0);
	CU_ASSERT_EQUAL(wait_answer(h, url, &doc, msg, sizeof(msg)), HFETCH_READY);
	if (doc) {
		CU_ASSERT_EQUAL(doc->n, 3);
		CU_ASSERT_DOUBLE_EQUAL(history_doc_value(doc, 2, 2), 4, 0);
	}
	/* Another URL: not answered until asked. */
	char other[128];
	snprintf(other, sizeof(other), "http://127.0.0.1:%d/api/v1/history?service=y&range=1d", s.port);
	CU_ASSERT_EQUAL(hfetch_result(h, other, &doc, &age, &loading, msg, sizeof(msg)), HFETCH_NONE);

	/* Nothing listens: the error with its cause. */
	shutdown(s.fd, SHUT_RDWR);
	pthread_join(s.th, NULL);
	close(s.fd);
	CU_ASSERT_EQUAL(hfetch_request(h, other), 0);
	CU_ASSERT_EQUAL(wait_answer(h, other, &doc, msg, sizeof(msg)), HFETCH_ERROR);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "connection refused"));
	hfetch_free(h);
}

static enum hfetch_state wait_url(hfetch *h, const char *url, char *msg, size_t msglen)
{
	const struct hist_doc *doc;
	CU_ASSERT_EQUAL(hfetch_request(h, url), 0);
	return wait_answer(h, url, &doc, msg, msglen);
}

/* One connection for every fetch; a gzip answer inflating to one 64 MiB
 * string is refused after 64 KiB, and memory stays bounded. */
static void test_fetcher_connection_and_bound(void)
{
	static char reply[2048];
	snprintf(reply, sizeof(reply), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(good),
		 good);
	struct lb_server srv;
	CU_ASSERT_EQUAL_FATAL(lb_start(&srv, reply, strlen(reply)), 0);
	struct lvs_remote_opts o = LVS_REMOTE_OPTS_DEFAULT;
	hfetch *h = hfetch_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	char url[128], msg[256] = "";
	for (int i = 0; i < 3; i++) {
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/history?service=s%d&range=1h", srv.port, i);
		if (i == 0) {
			/* The fd wakes the console when the answer is in; taking
			 * it resets the fd. */
			CU_ASSERT_EQUAL(hfetch_request(h, url), 0);
			struct pollfd pf = { .fd = hfetch_fd(h), .events = POLLIN };
			CU_ASSERT_EQUAL(poll(&pf, 1, 5000), 1);
			const struct hist_doc *doc;
			CU_ASSERT_EQUAL(wait_answer(h, url, &doc, msg, sizeof(msg)), HFETCH_READY);
		} else {
			CU_ASSERT_EQUAL(wait_url(h, url, msg, sizeof(msg)), HFETCH_READY);
		}
		struct pollfd pf = { .fd = hfetch_fd(h), .events = POLLIN };
		CU_ASSERT_EQUAL(poll(&pf, 1, 0), 0);
	}
	hfetch_free(h);
	lb_stop(&srv);
	CU_ASSERT_EQUAL(srv.requests, 3);
	CU_ASSERT_EQUAL(srv.accepts, 1);

	size_t len;
	char *bomb = lb_gzip_answer("{\"start\":1,\"end\":2,\"step\":1,\"x\":\"", 'A', (size_t)64 << 20,
				    "\",\"ds\":[\"a\"],\"rows\":[]}", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bomb);
	CU_ASSERT(len < 100 << 10);
	CU_ASSERT_EQUAL_FATAL(lb_start(&srv, bomb, len), 0);
	h = hfetch_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/history?service=x&range=1h", srv.port);
	size_t before = lb_peak_rss(true);
	CU_ASSERT_EQUAL(wait_url(h, url, msg, sizeof(msg)), HFETCH_ERROR);
	size_t after = lb_peak_rss(false);
	if (!strstr(msg, "a string is larger than 65536 bytes"))
		fprintf(stderr, "\n  message: %s\n", msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "a string is larger than 65536 bytes"));
	CU_ASSERT(before > 0 && after > 0);
	if (after - before >= (size_t)16 << 20)
		fprintf(stderr, "\n  peak RSS grew by %zu KiB\n", (after - before) >> 10);
	CU_ASSERT(after - before < (size_t)16 << 20);
	hfetch_free(h);
	lb_stop(&srv);
	free(bomb);
}

int register_history_fetch(void)
{
	CU_pSuite s = CU_add_suite("console history fetch", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "ids and URLs", test_ids) || !CU_add_test(s, "fetcher thread", test_fetcher) ||
	    !CU_add_test(s, "fetcher: one connection, bounded answers", test_fetcher_connection_and_bound))
		return -1;
	return 0;
}
