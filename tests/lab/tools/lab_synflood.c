/* lab-synflood: a TCP SYN flood from many spoofed client addresses, for the
 * lab's director-under-load scenario. Raw IPv4 sockets (IP_HDRINCL), one
 * flow per (source address, source port), each flow distinct within a run:
 * exactly COUNT new IPVS connection entries when the director keeps them.
 *   usage: lab-synflood -d ADDR:PORT -n COUNT [-a] [-s NET/PREFIX] [-r FLOWS]
 *                       [-S SEED]
 *   -d  the virtual service (IPv4)
 *   -n  flows to send (1..100000000)
 *   -a  after each SYN send the client's ACK (sequence ISN+1): a director
 *       that sees only the client's side (DR, TUN) moves the entry to
 *       ESTABLISHED; without -a entries stay in SYN_RECV
 *   -s  source addresses (default 198.18.0.0/15, the benchmarking range;
 *       prefix 8..30); ports 1024..65535
 *   -r  flows per second (default 0: as fast as the sockets take them)
 *   -S  seed for addresses, ports and sequence numbers (default 1)
 * Flows are a permutation of the (address, port) space: f(i) = (A*i + B) mod
 * M with A coprime to M, so no two flows of a run share a source.
 * Prints "sent FLOWS flows, PACKETS packets in SECONDS s"; exit 0 when every
 * packet went out. Lab use only: it needs CAP_NET_RAW and should run in a
 * namespace whose routes lead nowhere but the lab's director. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PORT_LO 1024u
#define PORTS (65536u - PORT_LO)
#define BATCH 64 /* flows per sendmmsg call */
#define PKT_LEN 40

struct flood {
	uint32_t dst, net; /* host order */
	uint16_t dport;
	uint32_t hosts;
	uint64_t count, space, mul, add;
	double rate;
	int ack;
	uint64_t rng;
};

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* One IPv4 + TCP packet (no options) with both checksums. */
static void build(uint8_t *pkt, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
		  uint32_t seq, uint32_t ack, uint8_t flags, uint16_t ip_id)
{
	memset(pkt, 0, PKT_LEN);
	uint8_t *ip = pkt, *tcp = pkt + 20;
	ip[0] = 0x45;
	put16(ip + 2, PKT_LEN);
	put16(ip + 4, ip_id);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));

	put16(tcp, sport);
	put16(tcp + 2, dport);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16(tcp + 14, 64240);
	uint8_t pseudo[12];
	put32(pseudo, src);
	put32(pseudo + 4, dst);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	put16(pseudo + 10, 20);
	put16(tcp + 16, csum_fold(csum_add(csum_add(0, pseudo, 12), tcp, 20)));
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void sleep_until(double t)
{
	struct timespec ts = { .tv_sec = (time_t)t, .tv_nsec = (long)((t - (double)(time_t)t) * 1e9) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "lab-synflood: %s\n", why);
	fprintf(stderr, "usage: lab-synflood -d ADDR:PORT -n COUNT [-a] [-s NET/PREFIX] [-r FLOWS] [-S SEED]\n");
	return 2;
}

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *e;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 10);
	if (errno || e == s || *e || s[0] == '-' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct flood *f)
{
	const char *dst = NULL, *src = "198.18.0.0/15";
	uint64_t seed = 1, v;
	int c;
	f->count = 0;
	while ((c = getopt(argc, argv, "d:n:as:r:S:")) != -1) {
		switch (c) {
		case 'd': dst = optarg; break;
		case 'n':
			if (parse_u64(optarg, 1, 100000000, &f->count))
				return usage("-n: a count from 1 to 100000000");
			break;
		case 'a': f->ack = 1; break;
		case 's': src = optarg; break;
		case 'r':
			if (parse_u64(optarg, 0, 10000000, &v))
				return usage("-r: flows per second, 0 to 10000000");
			f->rate = (double)v;
			break;
		case 'S':
			if (parse_u64(optarg, 0, UINT64_MAX, &seed))
				return usage("-S: a number");
			break;
		default: return usage(NULL);
		}
	}
	if (optind != argc || !dst || !f->count)
		return usage("-d and -n are required");

	char a[64];
	const char *colon = strrchr(dst, ':');
	struct in_addr in;
	if (!colon || (size_t)(colon - dst) >= sizeof(a) ||
	    parse_u64(colon + 1, 1, 65535, &v))
		return usage("-d: IPv4ADDR:PORT");
	memcpy(a, dst, (size_t)(colon - dst));
	a[colon - dst] = 0;
	if (inet_pton(AF_INET, a, &in) != 1)
		return usage("-d: IPv4ADDR:PORT");
	f->dst = ntohl(in.s_addr);
	f->dport = (uint16_t)v;

	const char *slash = strchr(src, '/');
	if (!slash || (size_t)(slash - src) >= sizeof(a) || parse_u64(slash + 1, 8, 30, &v))
		return usage("-s: NET/PREFIX with a prefix from 8 to 30");
	memcpy(a, src, (size_t)(slash - src));
	a[slash - src] = 0;
	if (inet_pton(AF_INET, a, &in) != 1)
		return usage("-s: NET/PREFIX");
	f->hosts = 1u << (32 - v);
	f->net = ntohl(in.s_addr) & ~(f->hosts - 1);
	f->space = (uint64_t)f->hosts * PORTS;
	if (f->count > f->space)
		return usage("-n: more flows than addresses x ports in -s");

	f->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	f->mul = rng_next(&f->rng) % f->space | 1;
	while (gcd(f->mul, f->space) != 1)
		f->mul += 2;
	f->add = rng_next(&f->rng) % f->space;
	return 0;
}

int main(int argc, char **argv)
{
	struct flood f = { 0 };
	int r = parse_args(argc, argv, &f);
	if (r)
		return r;
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW); /* implies IP_HDRINCL */
	if (fd < 0) {
		perror("lab-synflood: socket(SOCK_RAW)");
		return 1;
	}
	int one = 1;
	(void)setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one));

	static uint8_t pkts[BATCH * 2][PKT_LEN];
	struct iovec iov[BATCH * 2];
	struct mmsghdr msg[BATCH * 2];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(f.dst) };
	unsigned per_flow = f.ack ? 2 : 1;
	uint64_t sent_pkts = 0, done = 0;
	double t0 = now_s();
	int err = 0;
	while (done < f.count && !err) {
		unsigned n = 0;
		for (; done < f.count && n < BATCH * per_flow; done++) {
			/* mul < space < 2^39, done < 2^27: the product needs 128 bits. */
			uint64_t j = (uint64_t)(((__uint128_t)f.mul * done + f.add) % f.space);
			uint32_t src = f.net + (uint32_t)(j % f.hosts);
			uint16_t sport = (uint16_t)(PORT_LO + j / f.hosts);
			uint32_t isn = (uint32_t)rng_next(&f.rng);
			uint16_t id = (uint16_t)done;
			build(pkts[n], src, sport, f.dst, f.dport, isn, 0, 0x02 /* SYN */, id);
			n++;
			if (f.ack) {
				build(pkts[n], src, sport, f.dst, f.dport, isn + 1,
				      (uint32_t)rng_next(&f.rng), 0x10 /* ACK */, (uint16_t)(id + 1));
				n++;
			}
		}
		for (unsigned i = 0; i < n; i++) {
			iov[i] = (struct iovec){ .iov_base = pkts[i], .iov_len = PKT_LEN };
			msg[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &to, .msg_namelen = sizeof(to),
								 .msg_iov = &iov[i], .msg_iovlen = 1 } };
		}
		unsigned off = 0;
		while (off < n) {
			int k = sendmmsg(fd, msg + off, n - off, 0);
			if (k < 0) {
				if (errno == EINTR)
					continue;
				if (errno == ENOBUFS || errno == EAGAIN) {
					/* The device queue is full: let it drain. */
					sleep_until(now_s() + 0.001);
					continue;
				}
				perror("lab-synflood: sendmmsg");
				err = 1;
				break;
			}
			off += (unsigned)k;
			sent_pkts += (uint64_t)k;
		}
		if (f.rate > 0) {
			double due = t0 + (double)done / f.rate;
			if (due > now_s())
				sleep_until(due);
		}
	}
	double secs = now_s() - t0;
	printf("sent %llu flows, %llu packets in %.2f s\n",
	       (unsigned long long)(sent_pkts / per_flow), (unsigned long long)sent_pkts, secs);
	close(fd);
	return err || sent_pkts != f.count * per_flow ? 1 : 0;
}
