/* Where snapshots come from: the running kernel (generic netlink plus
 * /proc/net/ip_vs_conn) or a recording (one JSON snapshot per line, as
 * written by --record). The collector sees only this interface.
 * Threads: a source is polled by one thread at a time. */
#ifndef LVSTOP_COLLECTOR_SOURCE_H
#define LVSTOP_COLLECTOR_SOURCE_H

#include "conn_parse.h"
#include "model.h"

struct lvs_source;

struct lvs_source_ops {
	const char *name;
	/* Build a new snapshot (times set, rates not yet computed).
	 * 0 and *out (one reference, owned by the caller); or a negative
	 * errno and msg (one sentence naming cause and cure). -ENODATA means
	 * a recording has no more snapshots. */
	int (*poll)(struct lvs_source *src, struct lvs_snapshot **out, char *msg, size_t msglen);
	void (*destroy)(struct lvs_source *src);
};

struct lvs_source {
	const struct lvs_source_ops *ops;
};

static inline int source_poll(struct lvs_source *src, struct lvs_snapshot **out, char *msg,
			      size_t msglen)
{
	return src->ops->poll(src, out, msg, msglen);
}

static inline void source_free(struct lvs_source *src)
{
	if (src)
		src->ops->destroy(src);
}

struct lvs_kernel_opts {
	const char *conn_path; /* NULL: /proc/net/ip_vs_conn */
	bool read_conns;       /* parse the connection table on each poll */
	bool no_dest_krates;   /* keep no kernel rates of real servers
				* (lvs_snapshot.dest_krates stays NULL) */
	struct lvs_conn_opts conn;
};

/* The running kernel. Connects lazily at each poll while IPVS is missing,
 * so a source outlives module unloads. NULL on out of memory. */
struct lvs_source *source_kernel_new(const struct lvs_kernel_opts *opts);

/* A recording. With loop, the file starts over at its end and times are
 * shifted so that they keep increasing. NULL on error, with msg naming the
 * file and the cause. */
struct lvs_source *source_replay_new(const char *path, bool loop, char *msg, size_t msglen);

#endif
