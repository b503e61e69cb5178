/* lab-ipvs-dest: add a real server exactly as given, for building faults
 * that ipvsadm refuses to write (it silently sets a direct-routing or
 * tunnelling real server's port to the service's; other tools such as
 * keepalived do not, and the kernel keeps what it is sent).
 *   usage: lab-ipvs-dest VIP:PORT RS:PORT route|tunnel|masq WEIGHT   (TCP, IPv4)
 * Exit 0 when the kernel took it, 1 otherwise. Lab use only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/ipvs_nl.h"
#include "collector/names.h"

static int addr_port(const char *s, union lvs_addr *a, uint16_t *port)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", s);
	char *colon = strrchr(buf, ':');
	if (!colon)
		return -EINVAL;
	*colon = 0;
	uint16_t af;
	char *end;
	long p = strtol(colon + 1, &end, 10);
	if (*end || p < 1 || p > 65535 || lvs_addr_pton(buf, &af, a) || af != AF_INET)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

int main(int argc, char **argv)
{
	struct lvs_service svc = { .af = AF_INET, .protocol = IPPROTO_TCP };
	struct lvs_dest d = { .af = AF_INET };
	int fwd;
	if (argc != 5 || addr_port(argv[1], &svc.addr, &svc.port) ||
	    addr_port(argv[2], &d.addr, &d.port) || (fwd = lvs_fwd_from_name(argv[3])) < 0) {
		fprintf(stderr, "usage: lab-ipvs-dest VIP:PORT RS:PORT route|tunnel|masq WEIGHT\n");
		return 1;
	}
	d.fwd = (uint32_t)fwd;
	d.weight = atoi(argv[4]);
	lvs_nl *nl;
	int r = ipvs_nl_open(&nl);
	if (!r) {
		r = ipvs_nl_new_dest(nl, &svc, &d);
		ipvs_nl_close(nl);
	}
	if (r) {
		fprintf(stderr, "lab-ipvs-dest: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}
