/* librrd, opened when history is first used instead of linked: lvsd
 * without history (the default) never maps it, nor the libraries it
 * brings for graphs (cairo, pango, glib, fontconfig, ...: 42 on Debian 12,
 * 6.7 MB resident of lvsd's 13.4 at start).
 * rrd_lib_open() loads it once for the process and says why it could
 * not; rrd_lib() is its table of functions (loading it if need be).
 * Threads: rrd_lib_open from any thread (once); the functions are
 * librrd's own (the _r ones and the error calls are per thread). */
#ifndef LVSTOP_EXPORTER_HISTORY_RRD_LIB_H
#define LVSTOP_EXPORTER_HISTORY_RRD_LIB_H

#include <stddef.h>

#include <rrd.h>
#include <rrd_client.h>

#define RRD_LIB_SONAME "librrd.so.8" /* Debian 12's librrd8 */

struct rrd_lib {
	__typeof__(rrd_create_r) *create_r;
	__typeof__(rrd_updatex_r) *updatex_r;
	__typeof__(rrd_fetch_r) *fetch_r;
	__typeof__(rrd_graph_v) *graph_v;
	__typeof__(rrd_info_free) *info_free;
	__typeof__(rrd_freemem) *freemem;
	__typeof__(rrd_get_error) *get_error;
	__typeof__(rrd_clear_error) *clear_error;
	__typeof__(rrdc_connect) *c_connect;
	__typeof__(rrdc_disconnect) *c_disconnect;
	__typeof__(rrdc_update) *c_update;
	__typeof__(rrdc_flush_if_daemon) *c_flush_if_daemon;
};

/* 0, or -ELIBACC with why (dlopen's or dlsym's text, printable) in err;
 * the same answer on every call. */
int rrd_lib_open(char *err, size_t errlen);

/* The functions; NULL when the library cannot be opened (rrd_lib_open
 * says why). */
const struct rrd_lib *rrd_lib(void);

#endif
