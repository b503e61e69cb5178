/* Health in the local console from the lvsd running on the same director:
 * where that lvsd listens (its configuration, else the default address),
 * a watcher that GETs its /api/v1/snapshot on a thread of its own, and the
 * merge of the real servers' health into the console's snapshots,
 * matched by identity, through the collector's annotate hook.
 * Threads: the parsers and the merge are pure; a watcher is made and
 * freed by one thread, its status read from any thread (a short lock,
 * never held over the network), and lvsd_health_annotate runs on the
 * collector's poller. */
#ifndef LVSTOP_CONSOLE_LVSD_HEALTH_H
#define LVSTOP_CONSOLE_LVSD_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

#include "collector/model.h"
#include "collector/http_get.h"
#include "collector/source_remote.h"

#define LVSD_CONF_PATH "/etc/lvsd/lvsd.conf"

/* Copy the health of every real server of `from` (an lvsd's snapshot)
 * into the real server of dst with the same identity (service and real
 * server address, port, protocol, family, mark): state, since, the
 * failure's reason (with its code and since when), check duration and
 * error text. Real servers of dst that lvsd does not know
 * keep what they had. dst must still be writable (before publication).
 * The count of real servers matched, or -ENOMEM (dst partly merged). */
int lvsd_health_merge(struct lvs_snapshot *dst, const struct lvs_snapshot *from);

/* The value of `listen` in the `exporter` group of an lvsd configuration
 * (libconfig syntax, share/lvsd.conf.example). 0; -ENOENT when it is not
 * set; -ENAMETOOLONG when it does not fit in len. Comments (#, //, and
 * slash-star) and other groups are skipped. */
int lvsd_conf_listen(const char *text, size_t len, char *out, size_t outlen);

/* The base URL to reach an lvsd listening on `listen` (ADDR:PORT) from
 * this machine: a wildcard address becomes loopback ("0.0.0.0:9587" ->
 * "http://127.0.0.1:9587", "[::]:9587" -> "http://[::1]:9587"); any
 * other address is kept. 0, -EINVAL (err says why), -ENAMETOOLONG. */
int lvsd_listen_url(const char *listen, char *out, size_t len, char *err, size_t errlen);

/* The lvsd to ask on this director: LVSD_CONF_PATH's exporter.listen when
 * the file is readable and sets it, else LVSD_DEFAULT_URL. *from_conf
 * says which. 0 or -ENAMETOOLONG. */
int lvsd_local_url(char *out, size_t len, bool *from_conf);

/* --- the watcher ------------------------------------------------------------ */

typedef struct lvsd_health lvsd_health; /* opaque */

/* Start a watcher of the lvsd at base (a base URL: remote_url_base) that
 * fetches its snapshot every `interval` seconds (0: 2 s), at most one
 * transfer at a time, each bounded by o's timeouts, over one kept
 * connection (collector/http_get.h). NULL when out of
 * memory or no thread could start. */
lvsd_health *lvsd_health_new(const char *base, double interval, const struct lvs_remote_opts *o);
/* Stop the thread (waits for a transfer in progress: at most o's
 * timeout) and free everything. NULL is ignored. */
void lvsd_health_free(lvsd_health *h);

/* The collector's annotate hook (arg: the watcher): merges the newest
 * answer of lvsd into s. Never waits on the network. */
void lvsd_health_annotate(void *arg, struct lvs_snapshot *s);

/* One line for the header: "health: lvsd 127.0.0.1:9587",
 * "health: asking lvsd 127.0.0.1:9587", or "health: lvsd not reachable
 * (connection refused) at 127.0.0.1:9587 since 14:02:10" (brief: without
 * " at ... since ..."). True while lvsd's health is being shown. */
bool lvsd_health_describe(lvsd_health *h, bool brief, char *buf, size_t len);

/* A short cause for an error of http_get_fetch: "connection refused",
 * "timeout", "no route to host", "HTTP error", "answer too large",
 * "bad answer", or strerror's text. */
const char *lvsd_health_cause(int err);

#endif
