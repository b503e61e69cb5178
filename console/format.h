/* Number and address formatting for the console and --once output.
 * Pure functions. */
#ifndef LVSTOP_CONSOLE_FORMAT_H
#define LVSTOP_CONSOLE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/model.h"

/* A count in at most 5 characters: below 100000 as is, above with a
 * decimal suffix (K, M, G, T, P, E: powers of 1000, as ipvsadm's --stats),
 * e.g. 1234567 -> "1.23M". exact: the plain integer. Returns buf. */
char *fmt_count(uint64_t v, bool exact, char *buf, size_t len);
/* A rate per second: like fmt_count, with one decimal below 10. */
char *fmt_rate(double v, bool exact, char *buf, size_t len);
/* "ADDR:PORT", IPv6 in brackets; a firewall-mark service as "FWM N". */
char *fmt_service(const struct lvs_service *s, char *buf, size_t len);
char *fmt_endpoint(uint16_t af, const union lvs_addr *a, uint16_t port, char *buf, size_t len);
/* strlen of what fmt_endpoint and fmt_service write (given room), without
 * writing it: IPv4 is counted digit by digit, so that the widest name of
 * 100,000 real servers costs no formatting. */
int fmt_endpoint_len(uint16_t af, const union lvs_addr *a, uint16_t port);
int fmt_service_len(const struct lvs_service *s);
/* A duration in at most 6 characters: "0.4s", "12s", "3m05s", "2h10m",
 * "3d04h", "412d"; negative reads as 0. Returns buf. */
char *fmt_age(double seconds, char *buf, size_t len);

#endif
