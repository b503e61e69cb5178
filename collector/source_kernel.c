/* The kernel source: one persistent IPVS netlink handle, reopened after
 * the family went away (ip_vs unloaded), plus the connection table. */
#include "source.h"

#include "ipvs_nl.h"
#include "snapshot.h"
#include "share/clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct kernel_source {
	struct lvs_source base;
	struct lvs_kernel_opts opts;
	lvs_nl *nl; /* owned; NULL while disconnected */
	size_t last_services, last_dests; /* what the last good poll read */
};

/* Room for about what the last poll read, and a little more. */
static size_t with_slack(size_t n)
{
	return n ? n + n / 64 + 16 : 0;
}

static int kernel_poll(struct lvs_source *src, struct lvs_snapshot **out, char *msg, size_t msglen)
{
	struct kernel_source *k = (struct kernel_source *)src;
	int r;
	if (!k->nl && (r = ipvs_nl_open(&k->nl))) {
		snprintf(msg, msglen, "%s", ipvs_nl_strerror(r));
		return r;
	}
	struct lvs_snapshot *s = snapshot_new();
	if (!s) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	if (!k->opts.no_dest_krates && (r = snapshot_keep_dest_rates(s))) {
		snprintf(msg, msglen, "out of memory");
		snapshot_unref(s);
		return r;
	}
	/* Best effort: without it the arrays grow as they are read. */
	(void)snapshot_reserve(s, with_slack(k->last_services), with_slack(k->last_dests));
	r = ipvs_nl_read_all(k->nl, s);
	if (r) {
		snprintf(msg, msglen, "%s", ipvs_nl_strerror(r));
		snapshot_unref(s);
		/* A fresh handle resolves the family again once it is back;
		 * it also recovers from a socket left in a bad state. */
		ipvs_nl_close(k->nl);
		k->nl = NULL;
		return r;
	}
	k->last_services = s->n_services;
	k->last_dests = s->n_dests;
	s->time = clock_wall_s();
	s->mono = clock_mono_s();
	if (k->opts.read_conns) {
		/* The connection table is optional: a failure leaves
		 * conns.available false, the rest of the snapshot stands. */
		conn_parse_file(k->opts.conn_path ? k->opts.conn_path : "/proc/net/ip_vs_conn",
				&k->opts.conn, &s->conns);
	}
	*out = s;
	return 0;
}

static void kernel_destroy(struct lvs_source *src)
{
	struct kernel_source *k = (struct kernel_source *)src;
	if (k->nl)
		ipvs_nl_close(k->nl);
	free(k);
}

static const struct lvs_source_ops kernel_ops = {
	.name = "kernel",
	.poll = kernel_poll,
	.destroy = kernel_destroy,
};

struct lvs_source *source_kernel_new(const struct lvs_kernel_opts *opts)
{
	struct kernel_source *k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->base.ops = &kernel_ops;
	k->opts = *opts;
	return &k->base;
}
