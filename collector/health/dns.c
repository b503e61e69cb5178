/* DNS check: one query over UDP (a connected socket, so that an ICMP port
 * unreachable comes back as ECONNREFUSED), judged by the reply's rcode and,
 * when asked, an address among the answer records. A reply whose id or
 * question does not match is not ours: the check keeps waiting. */
#include "health_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>

#define DNS_HDR 12
#define DNS_NAME_MAX 255 /* wire form */
#define DNS_CLASS_IN 1
#define DNS_TYPE_A 1
#define DNS_TYPE_AAAA 28

static const struct {
	const char *name;
	uint16_t type;
} qtypes[] = {
	{"A", 1},   {"NS", 2},   {"CNAME", 5}, {"SOA", 6},  {"PTR", 12},
	{"MX", 15}, {"TXT", 16}, {"AAAA", 28}, {"SRV", 33}, {"ANY", 255},
};

static const char *const rcodes[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
	"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
};

int health_dns_qtype_parse(const char *name)
{
	for (size_t i = 0; name && i < sizeof(qtypes) / sizeof(qtypes[0]); i++)
		if (strcasecmp(name, qtypes[i].name) == 0)
			return qtypes[i].type;
	return -EINVAL;
}

int health_dns_rcode_parse(const char *name)
{
	for (size_t i = 0; name && i < sizeof(rcodes) / sizeof(rcodes[0]); i++)
		if (strcasecmp(name, rcodes[i]) == 0)
			return (int)i;
	return -EINVAL;
}

static const char *rcode_name(unsigned rc, char *buf, size_t len)
{
	if (rc < sizeof(rcodes) / sizeof(rcodes[0]))
		return rcodes[rc];
	snprintf(buf, len, "%u", rc);
	return buf;
}

/* Encode a dotted name into wire labels. Length, or -EINVAL. */
static int name_encode(const char *name, uint8_t *out, size_t cap)
{
	size_t at = 0;
	const char *p = name;
	if (!strcmp(name, ".")) {
		if (cap < 1)
			return -EINVAL;
		out[0] = 0;
		return 1;
	}
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63 || at + 1 + l + 1 > cap)
			return -EINVAL;
		out[at++] = (uint8_t)l;
		for (size_t i = 0; i < l; i++) {
			unsigned char c = (unsigned char)p[i];
			if (c <= ' ' || c >= 0x7f)
				return -EINVAL;
			out[at++] = c;
		}
		p += l;
		if (*p == '.')
			p++;
	}
	out[at++] = 0;
	return (int)at;
}

static int dns_check(const struct lvs_check_spec *s, char *msg, size_t len)
{
	uint8_t wire[DNS_NAME_MAX];
	const char *why = NULL;
	if (!s->dns_name || !*s->dns_name)
		why = "a DNS check needs a name to ask for";
	else if (name_encode(s->dns_name, wire, sizeof(wire)) < 0)
		why = "the DNS name must be dotted labels of 1 to 63 printable characters, "
		      "at most 253 in all";
	else if (s->dns_rcode > 15)
		why = "the expected DNS rcode must be between 0 and 15";
	else if (s->dns_expect_af && s->dns_expect_af != AF_INET && s->dns_expect_af != AF_INET6)
		why = "the expected DNS answer must be an IPv4 or IPv6 address";
	else if (s->dns_expect_af &&
	         (s->dns_qtype ? s->dns_qtype : DNS_TYPE_A) !=
	                 (s->dns_expect_af == AF_INET ? DNS_TYPE_A : DNS_TYPE_AAAA))
		why = "an expected IPv4 answer needs an A query, an IPv6 one an AAAA query";
	return hc_refuse(why, msg, len);
}

static int dns_prepare(struct hc_probe *p)
{
	const struct lvs_check_spec *s = &p->io->spec;
	uint8_t *q = malloc(DNS_HDR + DNS_NAME_MAX + 4);
	if (!q)
		return -ENOMEM;
	memset(q, 0, DNS_HDR);
	q[2] = 0x01; /* RD */
	q[5] = 1;    /* one question */
	int n = name_encode(s->dns_name, q + DNS_HDR, DNS_NAME_MAX);
	if (n < 0) { /* refused by dns_check before */
		free(q);
		return -EINVAL;
	}
	size_t at = DNS_HDR + (size_t)n;
	q[at++] = (uint8_t)(s->dns_qtype >> 8);
	q[at++] = (uint8_t)s->dns_qtype;
	q[at++] = 0;
	q[at++] = DNS_CLASS_IN;
	p->io->req = (char *)q;
	p->io->req_len = at;
	return 0;
}

static void dns_release(struct hc_probe *p)
{
	free(p->io->req);
	p->io->req = NULL;
}

static void dns_start(struct lvs_health_engine *h, struct hc_probe *p)
{
	/* an unpredictable id: a forged reply must guess it */
	uint16_t id;
	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (uint16_t)(p->io->started ^ (p->io->started >> 16) ^ p->key);
	p->io->dns_id = id;
	p->io->req[0] = (char)(id >> 8);
	p->io->req[1] = (char)id;
	hc_dgram_start(h, p, p->io->req, p->io->req_len);
}

/* Skip a (possibly compressed) name at *at. 0, or -1 if malformed. */
static int name_skip(const uint8_t *m, size_t len, size_t *at)
{
	size_t i = *at;
	for (int hops = 0; hops < 128; hops++) {
		if (i >= len)
			return -1;
		uint8_t l = m[i];
		if (l == 0) {
			*at = i + 1;
			return 0;
		}
		if ((l & 0xc0) == 0xc0) {
			if (i + 1 >= len)
				return -1;
			*at = i + 2;
			return 0;
		}
		if (l & 0xc0)
			return -1;
		i += 1 + l;
	}
	return -1;
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* 1 up, -1 down (reason, code, text set), 0 not our reply. */
static int dns_judge(const struct hc_probe *p, const uint8_t *m, size_t len, unsigned *reason,
                     unsigned *code, char *err, size_t elen)
{
	const struct lvs_check_spec *s = &p->io->spec;
	if (len < DNS_HDR || get16(m) != p->io->dns_id || !(m[2] & 0x80))
		return 0;
	/* the question must be ours, as sent */
	size_t qlen = p->io->req_len - DNS_HDR;
	if (get16(m + 4) != 1 || len < DNS_HDR + qlen ||
	    memcmp(m + DNS_HDR, p->io->req + DNS_HDR, qlen) != 0) {
		*reason = LVS_HR_BAD_RESPONSE;
		snprintf(err, elen, "DNS reply to another question");
		return -1;
	}
	unsigned rc = m[3] & 0x0f;
	char b1[8], b2[8];
	if (rc != s->dns_rcode) {
		*reason = LVS_HR_DNS_RCODE;
		*code = rc;
		snprintf(err, elen, "rcode %s, expected %s", rcode_name(rc, b1, sizeof(b1)),
		         rcode_name(s->dns_rcode, b2, sizeof(b2)));
		return -1;
	}
	if (!s->dns_expect_af)
		return 1;
	uint16_t want = s->dns_expect_af == AF_INET ? DNS_TYPE_A : DNS_TYPE_AAAA;
	size_t alen = s->dns_expect_af == AF_INET ? 4 : 16;
	unsigned an = get16(m + 6);
	size_t at = DNS_HDR + qlen;
	for (unsigned i = 0; i < an; i++) {
		if (name_skip(m, len, &at) < 0 || at + 10 > len)
			goto bad;
		uint16_t type = get16(m + at), cls = get16(m + at + 2), rdlen = get16(m + at + 8);
		at += 10;
		if (at + rdlen > len)
			goto bad;
		if (type == want && cls == DNS_CLASS_IN && rdlen == alen &&
		    memcmp(m + at, &s->dns_expect_addr, alen) == 0)
			return 1;
		at += rdlen;
	}
	char a[48];
	inet_ntop(s->dns_expect_af, &s->dns_expect_addr, a, sizeof(a));
	*reason = LVS_HR_DNS_ANSWER;
	snprintf(err, elen, "no %s %s among %u answers", want == DNS_TYPE_A ? "A" : "AAAA", a, an);
	return -1;
bad:
	*reason = LVS_HR_BAD_RESPONSE;
	snprintf(err, elen, "malformed DNS reply");
	return -1;
}

static void dns_io(struct lvs_health_engine *h, struct hc_probe *p, uint32_t events)
{
	(void)events;
	for (;;) {
		ssize_t n = hc_dgram_recv(h, p);
		if (n < 0)
			return;
		char err[LVS_HEALTH_ERROR_MAX];
		unsigned reason = LVS_HR_NONE, code = 0;
		int v = dns_judge(p, (const uint8_t *)h->scratch, (size_t)n, &reason, &code, err,
		                  sizeof(err));
		if (v > 0) {
			hc_finish(h, p, true, LVS_HR_NONE, 0, NULL);
			return;
		}
		if (v < 0) {
			hc_finish(h, p, false, reason, code, "%s", err);
			return;
		}
		/* not ours: read on */
	}
}

static void dns_expire(struct lvs_health_engine *h, struct hc_probe *p, int64_t now)
{
	(void)now;
	hc_timeout(h, p, LVS_HR_TIMEOUT_RESPONSE);
}

const struct hc_kind hc_kind_dns = {
	.name = "dns",
	.check = dns_check,
	.prepare = dns_prepare,
	.release = dns_release,
	.start = dns_start,
	.io = dns_io,
	.expire = dns_expire,
};
