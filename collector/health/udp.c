/* UDP check: one datagram on a connected socket, so that an ICMP port
 * unreachable comes back to us as ECONNREFUSED. Up on a reply (holding the
 * expected text when one is set), or, with udp_no_icmp, when the timeout
 * passes in silence. */
#include "health_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#define HC_UDP_PAYLOAD_MAX 65507

static int udp_check(const struct lvs_check_spec *s, char *msg, size_t len)
{
	const char *why = NULL;
	char buf[80];
	if (s->udp_payload_len > HC_UDP_PAYLOAD_MAX) {
		snprintf(buf, sizeof(buf), "UDP payload of %zu bytes exceeds %d", s->udp_payload_len,
		         HC_UDP_PAYLOAD_MAX);
		why = buf;
	} else if (s->udp_payload_len && !s->udp_payload) {
		why = "UDP payload length without a payload";
	} else if (s->udp_expect && !*s->udp_expect) {
		why = "the expected UDP reply text is empty";
	}
	if (!why)
		return 0;
	if (msg && len)
		snprintf(msg, len, "%s", why);
	return -EINVAL;
}

static void unreachable(struct lvs_health_engine *h, struct hc_probe *p)
{
	hc_finish(h, p, false, LVS_HR_UNREACHABLE, 0, "ICMP port unreachable");
}

static void udp_start(struct lvs_health_engine *h, struct hc_probe *p)
{
	if (!hc_socket(h, p, SOCK_DGRAM))
		return;
	if (connect(p->fd, (struct sockaddr *)&p->sa, p->salen) < 0) {
		hc_fail_errno(h, p, "connect", errno);
		return;
	}
	if (send(p->fd, p->spec.udp_payload ? p->spec.udp_payload : "", p->spec.udp_payload_len,
	         MSG_NOSIGNAL) < 0) {
		if (errno == ECONNREFUSED)
			unreachable(h, p);
		else
			hc_fail_errno(h, p, "send", errno);
		return;
	}
	if (hc_ep_want(h, p, EPOLLIN) < 0) {
		hc_defer(h, p);
		return;
	}
	hc_arm_timeout(h, p);
}

static void udp_io(struct lvs_health_engine *h, struct hc_probe *p, uint32_t events)
{
	(void)events;
	ssize_t n = recv(p->fd, h->scratch, HC_SCRATCH, 0);
	if (n < 0) {
		if (errno == ECONNREFUSED)
			unreachable(h, p);
		else if (errno == EHOSTUNREACH || errno == ENETUNREACH)
			hc_finish(h, p, false, LVS_HR_UNREACHABLE, 0, "ICMP %s unreachable",
			          errno == EHOSTUNREACH ? "host" : "network");
		else if (errno != EAGAIN && errno != EINTR)
			hc_fail_errno(h, p, "recv", errno);
		return;
	}
	const char *want = p->spec.udp_expect;
	if (want && !memmem(h->scratch, (size_t)n, want, strlen(want)))
		hc_finish(h, p, false, LVS_HR_EXPECT, 0, "reply lacks \"%s\"", want);
	else
		hc_finish(h, p, true, LVS_HR_NONE, 0, NULL);
}

static void udp_expire(struct lvs_health_engine *h, struct hc_probe *p, int64_t now)
{
	(void)now;
	if (p->spec.udp_no_icmp)
		hc_finish(h, p, true, LVS_HR_NONE, 0, NULL);
	else
		hc_timeout(h, p, LVS_HR_TIMEOUT_RESPONSE);
}

const struct hc_kind hc_kind_udp = {
	.name = "udp",
	.check = udp_check,
	.start = udp_start,
	.io = udp_io,
	.expire = udp_expire,
};
