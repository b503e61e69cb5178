/* Numeric IP addresses: the one ADDR[:PORT] parser, a formatter and a
 * comparator. Names are never resolved. No state; thread-safe.
 *
 * Accepted spellings: IPv4 "192.0.2.1", "192.0.2.1:80"; IPv6 in brackets
 * "[2001:db8::1]", "[2001:db8::1]:80"; bare IPv6 "2001:db8::1" only with
 * ADDR_BARE_V6 (it can carry no port). An IPv4 address in brackets is
 * refused (one spelling per address). A port is decimal digits only
 * (no sign, no spaces), 1..65535, and 0 too with ADDR_PORT_ZERO. Whether
 * a port must, may or must not be given is the caller's choice (flags). */
#ifndef LVSTOP_SHARE_ADDR_H
#define LVSTOP_SHARE_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 address sits in the first 4 bytes, network byte order. */
union lvs_addr {
	struct in_addr v4;
	struct in6_addr v6;
	uint8_t raw[16];
};

/* The port rule, one of the first three, plus modifiers. */
enum {
	ADDR_PORT_OPTIONAL = 0,  /* ADDR or ADDR:PORT */
	ADDR_PORT_REQUIRED = 1,  /* ADDR:PORT only */
	ADDR_PORT_FORBIDDEN = 2, /* ADDR only */
	ADDR_PORT_RULE = 3,      /* mask of the three above */
	ADDR_PORT_ZERO = 4,      /* port 0 accepted (else 1..65535) */
	ADDR_BARE_V6 = 8,        /* IPv6 without brackets accepted (no port then) */
};

struct lvs_addr_port {
	uint16_t af; /* AF_INET or AF_INET6 */
	union lvs_addr addr;
	uint16_t port;  /* host order; 0 when none given */
	bool has_port;
};

/* "[" + INET6_ADDRSTRLEN + "]:65535" */
#define ADDR_PORT_STRLEN 56

/* Parse s under flags into *out. 0, or -EINVAL with err (if not NULL)
 * saying what was wrong, prefixed with what ("listen address: ..."); s is
 * quoted in err only as far as it is printable. *out is zeroed on error. */
int addr_parse(const char *what, const char *s, unsigned flags, struct lvs_addr_port *out,
	       char *err, size_t errlen);

/* Order: IPv4 before IPv6, then the address bytes as numbers (network
 * order), then (addr_port_cmp) the port. <0, 0, >0 as memcmp. An af that
 * is neither compares as IPv4. */
int addr_cmp(uint16_t af_a, const union lvs_addr *a, uint16_t af_b, const union lvs_addr *b);
int addr_port_cmp(const struct lvs_addr_port *a, const struct lvs_addr_port *b);

/* "192.0.2.1:80", "[2001:db8::1]:80", or without ":PORT" when !has_port
 * (IPv6 then without brackets). Returns buf (len >= ADDR_PORT_STRLEN
 * never cuts). */
char *addr_port_format(const struct lvs_addr_port *a, char *buf, size_t len);

#endif
