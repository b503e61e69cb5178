/* TCP connect check, and the non-blocking connect every stream check
 * (http, https) starts with: up when the handshake completes. */
#include "health_int.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

/* Why a connect failed: its errno's reason, and the same text as ever. */
static void connect_failed(struct lvs_health_engine *h, struct hc_probe *p, int err)
{
	if (!err)
		hc_finish(h, p, false, LVS_HR_NET_ERROR, 0, "connect: connection failed");
	else
		hc_fail_errno(h, p, "connect", err);
}

void hc_stream_start(struct lvs_health_engine *h, struct hc_probe *p,
                     void (*connected)(struct lvs_health_engine *, struct hc_probe *))
{
	if (!hc_socket(h, p, SOCK_STREAM))
		return;
	/* Abort on close (RST, no FIN): the checker's end of thousands of
	 * short connections never sits in TIME_WAIT holding ephemeral ports. */
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	setsockopt(p->io->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	p->io->step = HC_STEP_CONNECT;
	p->io->sent = 0;
	memset(&p->io->http, 0, sizeof(p->io->http));
	if (connect(p->io->fd, (struct sockaddr *)&p->io->sa, p->io->salen) == 0) {
		hc_arm_timeout(h, p);
		connected(h, p);
		return;
	}
	if (errno != EINPROGRESS) {
		if (errno == EADDRNOTAVAIL || errno == EAGAIN)
			hc_defer(h, p); /* out of ephemeral ports */
		else
			connect_failed(h, p, errno);
		return;
	}
	if (hc_ep_want(h, p, EPOLLOUT) < 0) { /* ENOMEM, ENOSPC (max_user_watches) */
		hc_defer(h, p);
		return;
	}
	hc_arm_timeout(h, p);
}

int hc_stream_connect_io(struct lvs_health_engine *h, struct hc_probe *p, uint32_t events)
{
	/* EPOLLOUT alone means connected: no getsockopt on the fast path */
	if (events & (EPOLLERR | EPOLLHUP)) {
		connect_failed(h, p, hc_sock_error(p->io->fd));
		return -1;
	}
	return (events & EPOLLOUT) ? 1 : 0;
}

static void tcp_connected(struct lvs_health_engine *h, struct hc_probe *p)
{
	hc_finish(h, p, true, LVS_HR_NONE, 0, NULL);
}

static void tcp_start(struct lvs_health_engine *h, struct hc_probe *p)
{
	hc_stream_start(h, p, tcp_connected);
}

static void tcp_io(struct lvs_health_engine *h, struct hc_probe *p, uint32_t events)
{
	if (hc_stream_connect_io(h, p, events) > 0)
		tcp_connected(h, p);
}

static void tcp_expire(struct lvs_health_engine *h, struct hc_probe *p, int64_t now)
{
	(void)now;
	hc_timeout(h, p, LVS_HR_TIMEOUT_CONNECT);
}

const struct hc_kind hc_kind_tcp = {
	.name = "tcp",
	.start = tcp_start,
	.io = tcp_io,
	.expire = tcp_expire,
};
