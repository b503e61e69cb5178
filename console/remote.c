#include "remote.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "collector/snapshot.h"
#include "table.h"

int remote_parse_urls(const char *const *in, size_t n, char out[][REMOTE_URL_MAX], char *err,
		      size_t errlen)
{
	if (n == 0) {
		snprintf(err, errlen, "--remote: give at least one lvsd URL");
		return -EINVAL;
	}
	if (n > REMOTE_MAX) {
		snprintf(err, errlen, "--remote: at most %d directors at once, got %zu", REMOTE_MAX, n);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		char e[200];
		if (remote_url_base(in[i], out[i], REMOTE_URL_MAX, e, sizeof(e))) {
			snprintf(err, errlen, "--remote: %s", e);
			return -EINVAL;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(out[i], out[j])) {
				snprintf(err, errlen, "--remote: %s is given twice", out[i]);
				return -EINVAL;
			}
	}
	return 0;
}

int remote_set_new(const char urls[][REMOTE_URL_MAX], size_t n, double interval,
		   const struct lvs_remote_opts *ro, struct remote_set **out, char *err, size_t errlen)
{
	*out = NULL;
	struct remote_set *rs = calloc(1, sizeof(*rs));
	if (!rs)
		goto oom;
	for (size_t i = 0; i < n && i < REMOTE_MAX; i++) {
		struct remote_director *d = &rs->d[i];
		snprintf(d->url, sizeof(d->url), "%s", urls[i]);
		remote_url_name(d->url, d->name, sizeof(d->name));
		struct lvs_source *src = source_remote_new(d->url, ro, err, errlen);
		/* History rings kept (each within the default budget): the
		 * detail view charts a remote director's last minutes as it
		 * does the local kernel's. */
		struct lvs_collector_opts co = { .interval = interval };
		if (!src || !(d->col = collector_new(src, &co))) /* collector_new frees src */
			goto oom;
		rs->n++;
	}
	*out = rs;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	remote_set_free(rs);
	return -ENOMEM;
}

int remote_set_start(struct remote_set *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		int r = collector_start(rs->d[i].col);
		if (r && r != -EALREADY)
			return r;
	}
	return 0;
}

void remote_set_free(struct remote_set *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++) {
		struct remote_director *d = &rs->d[i];
		collector_free(d->col);
		snapshot_unref(d->snap);
		remote_diff_done(&d->diff);
		free(d->order);
	}
	free(rs->lines);
	free(rs);
}

void remote_set_interval(struct remote_set *rs, double seconds)
{
	for (size_t i = 0; i < rs->n; i++)
		collector_set_interval(rs->d[i].col, seconds);
}

/* Services in a stable order by identity, so that two directors list a
 * shared table alike whatever order their kernels keep. ctx: the
 * snapshot. */
static int svc_cmp(const void *x, const void *y, void *ctx)
{
	const struct lvs_snapshot *s = ctx;
	const struct lvs_service *a = &s->services[*(const uint32_t *)x];
	const struct lvs_service *b = &s->services[*(const uint32_t *)y];
	if (a->fwmark != b->fwmark)
		return a->fwmark < b->fwmark ? -1 : 1;
	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	if (a->protocol != b->protocol)
		return a->protocol < b->protocol ? -1 : 1;
	int c = memcmp(&a->addr, &b->addr, a->af == AF_INET6 ? 16 : 4);
	if (c)
		return c;
	return a->port < b->port ? -1 : a->port > b->port;
}

void remote_sort_services(const struct lvs_snapshot *s, uint32_t *order)
{
	for (size_t i = 0; i < s->n_services; i++)
		order[i] = (uint32_t)i;
	/* The snapshot goes to the comparator as its context: any thread. */
	qsort_r(order, s->n_services, sizeof(*order), svc_cmp, (void *)s);
}

static void director_update(struct remote_director *d)
{
	free(d->order);
	d->order = NULL;
	d->order_of = NULL;
	d->cps = 0;
	d->active = 0;
	const struct lvs_snapshot *s = d->snap;
	if (!s)
		return;
	for (size_t i = 0; i < s->n_services; i++) {
		struct lvs_rates r;
		table_rates(&s->services[i].rates, s->services[i].rates_valid, &s->services[i].krates, &r);
		d->cps += r.cps;
	}
	for (size_t i = 0; i < s->n_dests; i++)
		d->active += s->dests[i].active_conns;
	d->order = malloc((s->n_services ? s->n_services : 1) * sizeof(*d->order));
	if (!d->order)
		return; /* the snapshot's own order then */
	remote_sort_services(s, d->order);
	d->order_of = s;
}

bool remote_set_refresh(struct remote_set *rs)
{
	bool changed = false;
	for (size_t i = 0; i < rs->n; i++) {
		struct remote_director *d = &rs->d[i];
		struct lvs_status st;
		struct lvs_snapshot *s = collector_acquire(d->col, &st);
		if (st.seq == d->st.seq && d->st.polls) {
			snapshot_unref(s);
			continue;
		}
		d->st = st;
		changed = true;
		if (s != d->snap) {
			snapshot_unref(d->snap);
			d->snap = s;
			director_update(d);
		} else {
			snapshot_unref(s);
		}
	}
	for (size_t i = 0; i < rs->n; i++) {
		struct remote_director *d = &rs->d[i];
		const struct lvs_snapshot *other = rs->n > 1 ? rs->d[i == 0 ? 1 : 0].snap : NULL;
		if (!d->snap || (d->diff_mine == d->snap && d->diff_other == other))
			continue;
		remote_diff_done(&d->diff);
		/* Without memory the rows go unmarked until the next table. */
		remote_diff_compute(d->snap, other, &d->diff);
		d->diff_mine = d->snap;
		d->diff_other = other;
		changed = true;
	}
	return changed;
}

int remote_poll_fds(const struct app *a, struct pollfd *p)
{
	const struct remote_set *rs = a->remote;
	int n = 0;
	for (size_t i = 0; rs && i < rs->n; i++) {
		if (rs->d[i].col == a->col)
			continue;
		p[n++] = (struct pollfd){ .fd = collector_notify_fd(rs->d[i].col), .events = POLLIN };
	}
	return n;
}

void remote_poll_done(struct app *a, const struct pollfd *p)
{
	const struct remote_set *rs = a->remote;
	/* Matched by fd, not by position: a key may have moved the focus
	 * since the fds were listed. Every director is among p but the one
	 * focused then, so at most rs->n - 1 entries. */
	for (size_t k = 0; rs && k + 1 < rs->n; k++) {
		if (!(p[k].revents & POLLIN))
			continue;
		for (size_t i = 0; i < rs->n; i++)
			if (collector_notify_fd(rs->d[i].col) == p[k].fd)
				collector_notify_drain(rs->d[i].col);
	}
}

