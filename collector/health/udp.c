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
	return hc_refuse(why, msg, len);
}

static void udp_start(struct lvs_health_engine *h, struct hc_probe *p)
{
	const struct lvs_check_spec *s = &p->io->spec;
	hc_dgram_start(h, p, s->udp_payload ? s->udp_payload : "", s->udp_payload_len);
}

static void udp_io(struct lvs_health_engine *h, struct hc_probe *p, uint32_t events)
{
	(void)events;
	ssize_t n = hc_dgram_recv(h, p);
	if (n < 0)
		return;
	const char *want = p->io->spec.udp_expect;
	if (want && !memmem(h->scratch, (size_t)n, want, strlen(want)))
		hc_finish(h, p, false, LVS_HR_EXPECT, 0, "reply lacks \"%s\"", want);
	else
		hc_finish(h, p, true, LVS_HR_NONE, 0, NULL);
}

static void udp_expire(struct lvs_health_engine *h, struct hc_probe *p, int64_t now)
{
	(void)now;
	if (p->io->spec.udp_no_icmp)
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
