/* lvsd, the IPVS monitoring daemon, lives in this folder: exporter/ is the
 * whole daemon, not only its Prometheus side. Where each part is:
 *
 *   lvsd_main.c        the program: options, signals, the publish loop,
 *                      reload on SIGHUP (usage: docs/lvsd.8)
 *   lvsd_conf.[ch]     the configuration file: load, validate, look up
 *   lvsd_conf_check.c  its check blocks (tcp, http, udp, exec)
 *   lvsd_conf_include.c  @include paths checked before libconfig reads
 *   lvsd_conf_priv.h   what those three files share (not for elsewhere)
 *   lvsd_checks.[ch]   which real servers get which health check
 *   quiesce.[ch]       auto-quiesce: weight 0 on a failed check, restored
 *   unix_time.h        times from outside range-checked into time_t
 *   http/              the HTTP server (libmicrohttpd): routes, TLS,
 *                      basic auth (auth), the header deadline
 *                      (conn_guard), the snapshot document rendered on
 *                      its own thread (snapdoc), shared response bodies
 *                      (body), the status page
 *   metrics/           the Prometheus text exposition and the text buffer
 *                      every renderer writes into
 *   history/           rrd history: the file layout (spec), the store and
 *                      its writer thread, graphs and their URLs
 *
 * Dependencies point one way: lvsd_main -> http, metrics, history ->
 * collector/. Nothing in collector/ or console/ includes from here, except
 * tests; the shared layer (share/: log, worker, addr, clock, buf, file)
 * is used throughout. Threads: main thread (signals, rendering /metrics,
 * reload), the collector's poller, the health engine, libmicrohttpd's
 * pool, the snapshot renderer, the header guard and the rrd writer; each
 * module's header says which of them may call it. */
#ifndef LVSTOP_EXPORTER_LVSD_H
#define LVSTOP_EXPORTER_LVSD_H

#define LVSD_VERSION "0.1.0"

#endif
