/* Netlink decode benchmark: real-server messages as the kernel's
 * ip_vs_genl_fill_dest lays them out (16-byte address, tunnel attributes,
 * ADDR_FAMILY, 32-bit STATS and STATS64), decoded through
 * ipvs_nl_decode_dest_msg, the per-message path of a GET_DEST dump.
 * Prints "nl_decode_dest_rate VALUE msgs/s" and "nl_decode_dest_ns VALUE
 * ns/msg". Goal: at least 10 million messages per second. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/ip_vs.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "collector/ipvs_nl.h"
#include "share/clock.h"

#define N_MSGS 1000
#define FAMILY 0x20
#define MAX_SLICES 100000

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double now(void)
{
	return clock_mono_s();
}

static int put_stats(struct nl_msg *m, int type, uint64_t seed, int wide)
{
	struct nlattr *n = nla_nest_start(m, type);
	if (!n)
		return -1;
	for (int a = IPVS_STATS_ATTR_CONNS; a <= IPVS_STATS_ATTR_OUTBPS; a++) {
		uint64_t v = seed * 7919u + (uint64_t)a * 104729u;
		int r;
		if (wide || a == IPVS_STATS_ATTR_INBYTES || a == IPVS_STATS_ATTR_OUTBYTES)
			r = nla_put_u64(m, a, v);
		else
			r = nla_put_u32(m, a, (uint32_t)v);
		if (r < 0)
			return -1;
	}
	nla_nest_end(m, n);
	return 0;
}

/* One dest the way the kernel fills it; i makes every message distinct. */
static struct nl_msg *build_dest(unsigned i)
{
	struct nl_msg *m = nlmsg_alloc();
	struct nlattr *d;
	unsigned char addr[16] = { 0 };
	int v6 = (i % 4) == 3;

	if (!m)
		return NULL;
	if (!genlmsg_put(m, 1, 1, FAMILY, 0, NLM_F_MULTI, IPVS_CMD_NEW_DEST, IPVS_GENL_VERSION))
		goto fail;
	d = nla_nest_start(m, IPVS_CMD_ATTR_DEST);
	if (!d)
		goto fail;
	if (v6) {
		addr[0] = 0x20, addr[1] = 0x01, addr[2] = 0x0d, addr[3] = 0xb8;
		addr[14] = (unsigned char)(i >> 8), addr[15] = (unsigned char)i;
	} else {
		addr[0] = 10, addr[1] = (unsigned char)(i >> 16);
		addr[2] = (unsigned char)(i >> 8), addr[3] = (unsigned char)i;
	}
	if (nla_put(m, IPVS_DEST_ATTR_ADDR, 16, addr) < 0 ||
	    nla_put_u16(m, IPVS_DEST_ATTR_PORT, htons((uint16_t)(8000 + i % 100))) < 0 ||
	    nla_put_u32(m, IPVS_DEST_ATTR_FWD_METHOD, i % 3 == 0 ? IP_VS_CONN_F_MASQ
			: i % 3 == 1 ? IP_VS_CONN_F_DROUTE : IP_VS_CONN_F_TUNNEL) < 0 ||
	    nla_put_u32(m, IPVS_DEST_ATTR_WEIGHT, 1 + i % 10) < 0 ||
	    nla_put_u8(m, IPVS_DEST_ATTR_TUN_TYPE, 0) < 0 ||
	    nla_put_u16(m, IPVS_DEST_ATTR_TUN_PORT, 0) < 0 ||
	    nla_put_u16(m, IPVS_DEST_ATTR_TUN_FLAGS, 0) < 0 ||
	    nla_put_u32(m, IPVS_DEST_ATTR_U_THRESH, 0) < 0 ||
	    nla_put_u32(m, IPVS_DEST_ATTR_L_THRESH, 0) < 0 ||
	    nla_put_u32(m, IPVS_DEST_ATTR_ACTIVE_CONNS, i * 3) < 0 ||
	    nla_put_u32(m, IPVS_DEST_ATTR_INACT_CONNS, i * 5) < 0 ||
	    nla_put_u32(m, IPVS_DEST_ATTR_PERSIST_CONNS, i % 7) < 0 ||
	    nla_put_u16(m, IPVS_DEST_ATTR_ADDR_FAMILY, v6 ? AF_INET6 : AF_INET) < 0 ||
	    put_stats(m, IPVS_DEST_ATTR_STATS, i, 0) < 0 ||
	    put_stats(m, IPVS_DEST_ATTR_STATS64, i, 1) < 0)
		goto fail;
	nla_nest_end(m, d);
	return m;
fail:
	nlmsg_free(m);
	return NULL;
}

int main(void)
{
	static struct nl_msg *msgs[N_MSGS];
	struct nlmsghdr *hdrs[N_MSGS];
	struct lvs_dest d;
	struct lvs_kern_rates kr; /* read, as the kernel source reads them */
	static double slice_ns[MAX_SLICES];
	size_t n_slices = 0;
	uint64_t check = 0, n = 0;
	double t0, t1;

	for (unsigned i = 0; i < N_MSGS; i++) {
		msgs[i] = build_dest(i);
		if (!msgs[i]) {
			fprintf(stderr, "bench_nl_decode: cannot build message %u\n", i);
			return 1;
		}
		hdrs[i] = nlmsg_hdr(msgs[i]);
		int err = ipvs_nl_decode_dest_msg(hdrs[i], AF_INET, &d, &kr);
		if (err) {
			fprintf(stderr, "bench_nl_decode: message %u: %s\n", i, ipvs_nl_strerror(err));
			return 1;
		}
		/* Timing a decoder that gets it wrong would be pointless. */
		if (d.port != 8000 + i % 100 || d.af != ((i % 4) == 3 ? AF_INET6 : AF_INET) ||
		    d.active_conns != i * 3 || d.stats.conns != (uint64_t)i * 7919u + 104729u) {
			fprintf(stderr, "bench_nl_decode: message %u decoded wrong\n", i);
			return 1;
		}
	}

	/* Warm up, then time slices of 20 passes for ~1.5 s. The machine may
	 * be shared: the median slice is the figure, robust to the slices
	 * another process interrupted. */
	for (unsigned i = 0; i < N_MSGS; i++)
		check += (uint64_t)ipvs_nl_decode_dest_msg(hdrs[i], AF_INET, &d, &kr) + d.stats.conns;
	t0 = now();
	do {
		double s0 = now();
		for (int pass = 0; pass < 20; pass++) {
			for (unsigned i = 0; i < N_MSGS; i++) {
				if (ipvs_nl_decode_dest_msg(hdrs[i], AF_INET, &d, &kr) != 0) {
					fprintf(stderr, "bench_nl_decode: decode failed\n");
					return 1;
				}
				check += d.stats.inbytes + d.port;
			}
		}
		t1 = now();
		if (n_slices < MAX_SLICES)
			slice_ns[n_slices++] = (t1 - s0) * 1e9 / (20.0 * N_MSGS);
		n += 20u * N_MSGS;
	} while (t1 - t0 < 1.5);

	qsort(slice_ns, n_slices, sizeof(slice_ns[0]), cmp_double);
	double ns = slice_ns[n_slices / 2];
	printf("nl_decode_dest_rate %.0f msgs/s\n", 1e9 / ns);
	printf("nl_decode_dest_ns %.1f ns/msg\n", ns);
	if (getenv("BENCH_VERBOSE"))
		fprintf(stderr, "(%llu messages in %zu slices; best %.1f ns/msg, "
			"mean %.1f ns/msg; checksum %llu)\n", (unsigned long long)n, n_slices,
			slice_ns[0], (t1 - t0) * 1e9 / (double)n, (unsigned long long)check);
	for (unsigned i = 0; i < N_MSGS; i++)
		nlmsg_free(msgs[i]);
	return 0;
}
