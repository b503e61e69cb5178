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
#include "share/addr.h"

static int addr_port(const char *what, const char *s, union lvs_addr *a, uint16_t *port)
{
	struct lvs_addr_port ap;
	char err[160];
	if (addr_parse(what, s, ADDR_PORT_REQUIRED, &ap, err, sizeof(err)) || ap.af != AF_INET) {
		fprintf(stderr, "lab-ipvs-dest: %s\n", err[0] ? err : "IPv4 only");
		return -EINVAL;
	}
	*a = ap.addr;
	*port = ap.port;
	return 0;
}

int main(int argc, char **argv)
{
	struct lvs_service svc = { .af = AF_INET, .protocol = IPPROTO_TCP };
	struct lvs_dest d = { .af = AF_INET };
	int fwd;
	if (argc != 5 || addr_port("service", argv[1], &svc.addr, &svc.port) ||
	    addr_port("real server", argv[2], &d.addr, &d.port) || (fwd = lvs_fwd_from_name(argv[3])) < 0) {
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
