#include "rrd_lib.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "share/log.h"

/* Written once under `once`, read-only after. */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct rrd_lib lib;
static int open_err;
static char open_why[256];

#define SYM(field, name)                                                          \
	do {                                                                      \
		if (!(*(void **)&lib.field = dlsym(h, name))) {                    \
			snprintf(open_why, sizeof(open_why), "%s: no symbol %s", \
				 RRD_LIB_SONAME, name);                           \
			goto fail;                                                \
		}                                                                 \
	} while (0)

static void load(void)
{
	/* Never closed: librrd keeps per-thread state and its own libraries'. */
	void *h = dlopen(RRD_LIB_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(open_why, sizeof(open_why), "%s", e ? e : RRD_LIB_SONAME ": cannot be opened");
		open_err = -ELIBACC;
		return;
	}
	SYM(create_r, "rrd_create_r");
	SYM(updatex_r, "rrd_updatex_r");
	SYM(fetch_r, "rrd_fetch_r");
	SYM(graph_v, "rrd_graph_v");
	SYM(info_free, "rrd_info_free");
	SYM(freemem, "rrd_freemem");
	SYM(get_error, "rrd_get_error");
	SYM(clear_error, "rrd_clear_error");
	SYM(c_connect, "rrdc_connect");
	SYM(c_disconnect, "rrdc_disconnect");
	SYM(c_update, "rrdc_update");
	SYM(c_flush_if_daemon, "rrdc_flush_if_daemon");
	return;
fail:
	lib = (struct rrd_lib){ 0 };
	open_err = -ELIBACC;
}

int rrd_lib_open(char *err, size_t errlen)
{
	pthread_once(&once, load);
	if (open_err && err && errlen)
		log_clean(err, errlen, open_why, strlen(open_why));
	return open_err;
}

const struct rrd_lib *rrd_lib(void)
{
	pthread_once(&once, load);
	return open_err ? NULL : &lib;
}
