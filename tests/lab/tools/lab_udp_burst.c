/* lab-udp-burst: send one UDP datagram from each of N sockets bound to
 * source ports 20000, 20001, ... (so exactly N IPVS connection entries) to
 * ADDR:PORT, in one process: thousands of entries in well under a second
 * of guest time.
 *   usage: lab-udp-burst ADDR PORT N      (IPv4)
 * Prints how many were sent; exit 0 when all were. Lab use only. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	long n = argc == 4 ? atol(argv[3]) : 0;
	int port = argc == 4 ? atoi(argv[2]) : 0;
	if (argc != 4 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 || port < 1 ||
	    port > 65535 || n < 1 || n > 40000) {
		fprintf(stderr, "usage: lab-udp-burst ADDR PORT N\n");
		return 1;
	}
	to.sin_port = htons((uint16_t)port);
	long sent = 0;
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0)
			break;
		struct sockaddr_in from = { .sin_family = AF_INET,
					    .sin_port = htons((uint16_t)(20000 + i)) };
		if (bind(fd, (struct sockaddr *)&from, sizeof(from)) == 0 &&
		    sendto(fd, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) == 1)
			sent++;
		close(fd);
	}
	printf("%ld\n", sent);
	return sent == n ? 0 : 1;
}
