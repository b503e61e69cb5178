#include "collector/doctor/arp_probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "share/clock.h"
#include "share/vec.h"

#define ARP_LEN 28 /* Ethernet/IPv4 ARP */

static size_t arp_body(const uint8_t src_mac[6], struct in_addr vip, uint8_t *p)
{
	p[0] = 0, p[1] = ARPHRD_ETHER;
	p[2] = 0x08, p[3] = 0x00; /* IPv4 */
	p[4] = 6, p[5] = 4;
	p[6] = 0, p[7] = ARPOP_REQUEST;
	memcpy(p + 8, src_mac, 6);
	memset(p + 14, 0, 4); /* sender 0.0.0.0: a probe */
	memset(p + 18, 0, 6);
	memcpy(p + 24, &vip, 4);
	return ARP_LEN;
}

size_t arp_probe_request(const uint8_t src_mac[6], struct in_addr vip, uint8_t *buf, size_t len)
{
	return len < ARP_LEN ? 0 : arp_body(src_mac, vip, buf);
}

int arp_probe_parse_reply(const uint8_t *p, size_t len, uint8_t mac[6], struct in_addr *sip)
{
	if (len < ARP_LEN || p[0] != 0 || p[1] != ARPHRD_ETHER || p[2] != 0x08 || p[3] != 0 ||
	    p[4] != 6 || p[5] != 4 || p[6] != 0 || p[7] != ARPOP_REPLY)
		return -EINVAL;
	memcpy(mac, p + 8, 6);
	memcpy(sip, p + 14, 4);
	return 0;
}

static int send_all(int fd, const struct arp_probe_target *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t body[ARP_LEN];
		arp_body(t[i].mac, t[i].vip, body);
		struct sockaddr_ll to = {
			.sll_family = AF_PACKET,
			.sll_protocol = htons(ETH_P_ARP),
			.sll_ifindex = t[i].ifindex,
			.sll_halen = 6,
		};
		memset(to.sll_addr, 0xff, 6);
		if (sendto(fd, body, sizeof(body), 0, (struct sockaddr *)&to, sizeof(to)) < 0 &&
		    errno != ENETDOWN && errno != ENXIO)
			return -errno;
	}
	return 0;
}

static bool is_own(const uint8_t mac[6], const uint8_t (*own)[6], size_t n_own)
{
	for (size_t i = 0; i < n_own; i++)
		if (!memcmp(own[i], mac, 6))
			return true;
	return false;
}

int arp_probe_run(const struct arp_probe_target *t, size_t n, const uint8_t (*own)[6],
		  size_t n_own, double wait, struct doctor_arp_answer **out, size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	if (!n)
		return 0;
	if (wait < 0.05)
		wait = 0.05;
	if (wait > 5)
		wait = 5;
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
	if (fd < 0)
		return errno == EACCES ? -EPERM : -errno;
	struct doctor_arp_answer *v = NULL;
	size_t cnt = 0, cap = 0;
	int r = send_all(fd, t, n);
	double start = clock_mono_s(), end = start + wait;
	bool resent = false;
	while (!r) {
		double now = clock_mono_s();
		if (now >= end)
			break;
		if (!resent && now >= start + wait / 2) {
			resent = true;
			if ((r = send_all(fd, t, n)))
				break;
		}
		double until = resent ? end : start + wait / 2;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int ms = (int)((until - now) * 1000) + 1;
		int pr = poll(&pfd, 1, ms);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (!pr)
			continue;
		uint8_t buf[256];
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t got = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (got < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			r = -errno;
			break;
		}
		uint8_t mac[6];
		struct in_addr sip;
		if (from.sll_pkttype == PACKET_OUTGOING ||
		    arp_probe_parse_reply(buf, (size_t)got, mac, &sip) || is_own(mac, own, n_own))
			continue;
		for (size_t i = 0; i < n; i++) {
			if (t[i].ifindex != from.sll_ifindex || t[i].vip.s_addr != sip.s_addr)
				continue;
			bool seen = false;
			for (size_t k = 0; k < cnt && !seen; k++)
				seen = v[k].vip.s_addr == sip.s_addr &&
				       v[k].ifindex == from.sll_ifindex && !memcmp(v[k].mac, mac, 6);
			if (seen)
				break;
			if (vec_grow((void **)&v, &cap, cnt + 1, sizeof(*v), 4)) {
				r = -ENOMEM;
				break;
			}
			v[cnt].vip = sip;
			v[cnt].ifindex = from.sll_ifindex;
			memcpy(v[cnt].mac, mac, 6);
			cnt++;
			break;
		}
	}
	close(fd);
	if (r) {
		free(v);
		return r;
	}
	*out = v;
	*n_out = cnt;
	return 0;
}
