/* lab-dns-answer: a DNS responder for the lab's real servers. Answers every
 * UDP query for NAME (any case) of type A or ANY with one A record, ADDR,
 * TTL 60; any other name gets NXDOMAIN, another type an empty NOERROR
 * answer; what does not parse as a query is dropped. One process, one
 * socket, no recursion, no TCP.
 *   usage: lab-dns-answer PORT NAME ADDR     (IPv4; binds 0.0.0.0:PORT)
 * Runs until killed. Lab use only. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DNS_MAX 512

/* The question's name as dotted text (lowercase) into out; the offset just
 * past it in q, or 0 when it does not parse (compression is not expected
 * in a question). */
static size_t qname(const uint8_t *q, size_t len, char *out, size_t cap)
{
	size_t i = 12, o = 0;
	while (i < len && q[i]) {
		size_t l = q[i++];
		if (l > 63 || i + l > len || o + l + 2 > cap)
			return 0;
		if (o)
			out[o++] = '.';
		for (size_t k = 0; k < l; k++)
			out[o++] = (char)tolower(q[i + k]);
		i += l;
	}
	if (i >= len)
		return 0;
	out[o] = 0;
	return i + 1;
}

int main(int argc, char **argv)
{
	struct in_addr addr;
	int port = argc == 4 ? atoi(argv[1]) : 0;
	if (argc != 4 || port < 1 || port > 65535 || inet_pton(AF_INET, argv[3], &addr) != 1 ||
	    strlen(argv[2]) > 253) {
		fprintf(stderr, "usage: lab-dns-answer PORT NAME ADDR\n");
		return 2;
	}
	char want[256];
	size_t wl = strlen(argv[2]);
	for (size_t i = 0; i <= wl; i++)
		want[i] = (char)tolower((unsigned char)argv[2][i]);
	if (wl && want[wl - 1] == '.')
		want[wl - 1] = 0;

	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		perror("lab-dns-answer: bind");
		return 1;
	}
	for (;;) {
		uint8_t q[DNS_MAX + 16], r[DNS_MAX + 16];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, q, DNS_MAX, 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			continue;
		size_t len = (size_t)n;
		/* A query (QR 0, opcode 0) with one question. */
		if (len < 17 || (q[2] & 0xf8) || q[4] != 0 || q[5] != 1)
			continue;
		char name[256];
		size_t end = qname(q, len, name, sizeof(name));
		if (!end || end + 4 > len)
			continue;
		unsigned qtype = (unsigned)q[end] << 8 | q[end + 1];
		size_t qend = end + 4;
		memcpy(r, q, qend);
		r[2] = 0x84 | (q[2] & 0x01); /* QR, AA, RD as asked */
		r[3] = 0;                    /* RA 0, rcode NOERROR */
		memset(r + 6, 0, 6);         /* no answer, authority, additional yet */
		size_t o = qend;
		if (strcmp(name, want) != 0) {
			r[3] = 3; /* NXDOMAIN */
		} else if (qtype == 1 || qtype == 255) {
			static const uint8_t rr[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4 };
			memcpy(r + o, rr, sizeof(rr));
			o += sizeof(rr);
			memcpy(r + o, &addr, 4);
			o += 4;
			r[7] = 1;
		}
		sendto(fd, r, o, 0, (struct sockaddr *)&from, fl);
	}
}
