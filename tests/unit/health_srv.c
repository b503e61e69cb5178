/* Small loopback servers and helpers shared by the health-check tests. */
#include "health_srv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* --- small servers ------------------------------------------------------ */

void hc_test_msleep(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

double hc_test_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void http_answer(struct srv *s, int c)
{
	char buf[1024];
	size_t got = 0;
	double end = hc_test_now() + 2;
	while (got < sizeof(buf) - 1 && hc_test_now() < end) {
		struct pollfd pfd = {c, POLLIN, 0};
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		ssize_t n = recv(c, buf + got, sizeof(buf) - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = 0;
		if (strstr(buf, "\r\n\r\n"))
			break;
	}
	buf[got] = 0;
	pthread_mutex_lock(&s->lock);
	memcpy(s->request, buf, got + 1);
	pthread_mutex_unlock(&s->lock);
	int one = 1;
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	size_t len = strlen(s->resp), step = s->chunk ? s->chunk : len;
	for (size_t off = 0; off < len; off += step) {
		size_t n = len - off < step ? len - off : step;
		if (send(c, s->resp + off, n, MSG_NOSIGNAL) < 0)
			break;
		if (s->chunk)
			hc_test_msleep(2); /* separate segments, separate reads */
	}
}

static void *srv_main(void *arg)
{
	struct srv *s = arg;
	char buf[2048];
	while (!atomic_load(&s->stop)) {
		struct pollfd pfd = {s->fd, POLLIN, 0};
		if (poll(&pfd, 1, 10) <= 0)
			continue;
		if (s->mode == SRV_UDP_ECHO || s->mode == SRV_UDP_SILENT) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(s->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
			if (n < 0)
				continue;
			atomic_fetch_add(&s->accepted, 1);
			if (s->mode == SRV_UDP_ECHO)
				sendto(s->fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
			continue;
		}
		int c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		atomic_fetch_add(&s->accepted, 1);
		if (s->mode == SRV_HTTP)
			http_answer(s, c);
		if (s->mode == SRV_BANNER && send(c, s->resp, strlen(s->resp), MSG_NOSIGNAL) > 0)
			hc_test_msleep(50); /* let the peer read it before the FIN */
		if (s->mode == SRV_SILENT && s->n_held < 64) {
			s->held[s->n_held++] = c;
			continue;
		}
		close(c);
	}
	for (int i = 0; i < s->n_held; i++)
		close(s->held[i]);
	return NULL;
}

int hc_test_bind(int af, int type, uint16_t *port)
{
	int fd = socket(af, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t len;
	if (af == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		len = sizeof(*a);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(af == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
	                            : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

struct srv *srv_start(int af, enum srv_mode mode, const char *resp, size_t chunk)
{
	struct srv *s = calloc(1, sizeof(*s));
	s->mode = mode;
	s->resp = resp;
	s->chunk = chunk;
	pthread_mutex_init(&s->lock, NULL);
	bool udp = mode == SRV_UDP_ECHO || mode == SRV_UDP_SILENT;
	s->fd = hc_test_bind(af, udp ? SOCK_DGRAM : SOCK_STREAM, &s->port);
	if (s->fd < 0 || (!udp && listen(s->fd, 128) < 0)) {
		free(s);
		return NULL;
	}
	pthread_create(&s->th, NULL, srv_main, s);
	return s;
}

void srv_stop(struct srv *s)
{
	if (!s)
		return;
	atomic_store(&s->stop, 1);
	pthread_join(s->th, NULL);
	close(s->fd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* A port nothing listens on: bound for a moment, then released. */
uint16_t closed_port(int af, int type)
{
	uint16_t port = 0;
	int fd = hc_test_bind(af, type, &port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* --- helpers ------------------------------------------------------------- */

void spec_for(struct lvs_check_spec *s, int af, uint16_t port, enum lvs_check_type type)
{
	union lvs_addr a;
	memset(&a, 0, sizeof(a));
	if (af == AF_INET)
		inet_pton(AF_INET, "127.0.0.1", &a.v4);
	else
		a.v6 = in6addr_loopback;
	health_spec_init(s, (uint16_t)af, &a, port);
	s->type = type;
	s->interval = 0.05;
	s->timeout = 0.5;
}

/* Wait until specs[i] reaches state; false after ms. */
bool wait_state(lvs_health *h, size_t i, enum lvs_health state, int ms,
                       struct lvs_check_result *out)
{
	struct lvs_check_result r;
	for (int t = 0; t <= ms; t += 5) {
		if (health_result(h, i, &r) == 0 && r.state == state) {
			if (out)
				*out = r;
			return true;
		}
		hc_test_msleep(5);
	}
	if (out)
		*out = r;
	return false;
}

lvs_health *engine_with(const struct lvs_check_spec *specs, size_t n)
{
	struct lvs_health_opts o = {.history = 64};
	lvs_health *h = health_new(&o);
	if (!h)
		return NULL;
	if (health_set_checks(h, specs, n) < 0 || health_start(h) < 0) {
		health_free(h);
		return NULL;
	}
	return h;
}


/* --- a clock the test moves ---------------------------------------------- */

void fake_clock_init(struct fake_clock *f)
{
	f->ns = 1000000000LL;
	f->c = lvs_manual_clock(&f->ns);
}

void fake_advance(lvs_health *h, struct fake_clock *f, double s)
{
	lvs_manual_clock_advance(&f->ns, (int64_t)(s * 1e9 + 0.5));
	health_sync(h);
}

lvs_health *engine_fake(struct fake_clock *f, const struct lvs_health_opts *o)
{
	struct lvs_health_opts opts = {.history = 64};
	if (o)
		opts = *o;
	opts.clock = &f->c;
	return health_new(&opts);
}

bool wait_checks(lvs_health *h, size_t i, uint64_t checks)
{
	struct lvs_check_result r;
	for (int t = 0; t < 600; t++) {
		if (health_result(h, i, &r) == 0 && r.checks >= checks)
			return true;
		hc_test_msleep(5);
	}
	return false;
}

bool wait_attempts(lvs_health *h, uint64_t attempts)
{
	struct lvs_health_stats st;
	for (int t = 0; t < 600; t++) {
		health_stats(h, &st);
		if (st.checks >= attempts)
			return true;
		hc_test_msleep(5);
	}
	return false;
}
