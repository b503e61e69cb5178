/* health.from: lvsd's checks taken from keepalived.conf's checkers or
 * lvs.cf's send/expect, so the console and /metrics show the up/down the
 * declaring daemon acts on without declaring the checks twice
 * (docs/configuration.md, docs/keepalived.md).
 *
 * keepalived: TCP_CHECK -> tcp; HTTP_GET -> http and SSL_GET -> https (the
 * first url's path and status_code, virtualhost as the Host); MISC_CHECK ->
 * exec (misc_path split into words, no shell); DNS_CHECK -> dns (type,
 * name); connect_ip, connect_port, connect_timeout, retry (nb_get_retry),
 * delay_before_retry, warmup and delay_loop (checker, real_server or
 * virtual_server, keepalived's defaults otherwise) as the check's target
 * and timing. lvs.cf: send/expect -> an http check when send is an HTTP
 * request, else a tcp connect; a server without send -> tcp. What cannot be
 * mapped is a warning with the FILE:LINE of the word.
 * A service that lvsd.conf's services list names keeps lvsd.conf's checks:
 * an explicit configuration wins, the whole service at once.
 * Threads: pure apart from reading the file. */
#ifndef LVSTOP_EXPORTER_LVSD_DECL_CHECKS_H
#define LVSTOP_EXPORTER_LVSD_DECL_CHECKS_H

#include <stddef.h>

#include "collector/declared/declared.h"
#include "lvsd_conf.h"

/* keepalived's defaults where the file gives none. */
#define LVSD_KA_DELAY_LOOP 60.0
#define LVSD_KA_CONNECT_TIMEOUT 5.0
#define LVSD_KA_RETRY 1
#define LVSD_KA_DELAY_BEFORE_RETRY 1.0

/* Map the checks of declared table d (read from its file; for keepalived
 * the file is read again for the checkers' details) into c: a service
 * configuration per declared service c does not configure, a real-server
 * check per mapped checker. Each mapping and each warning goes to c's
 * health notes ("FILE:LINE: ..."). 0, -ENOMEM, or -EINVAL with err set
 * (the file cannot be read again). */
int lvsd_decl_checks_map(struct lvsd_config *c, const struct lvs_declared *d, char *err,
			 size_t errlen);

/* The same from the text of a keepalived.conf held in memory (name for
 * messages), for tests: d is parsed from the same text. */
int lvsd_decl_checks_map_text(struct lvsd_config *c, const struct lvs_declared *d,
			      const char *name, const char *text, size_t len, char *err,
			      size_t errlen);

#endif
