#include "quiesce.h"

#include "share/log.h"

#include "actions/actions.h"
#include "collector/names.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct transition {
	struct lvs_service svc; /* identity fields only */
	struct lvs_dest dest;   /* identity fields only */
	enum lvs_health from, to;
};

struct lvsd_quiesce {
	int efd;
	pthread_mutex_t lock;
	struct transition *q; /* owned */
	size_t n, cap;
	lvs_actions *act;     /* owned; opened on first use */
	bool open_failed;     /* logged once */
};

lvsd_quiesce *quiesce_new(void)
{
	struct lvsd_quiesce *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->efd < 0) {
		int e = errno;
		free(q);
		errno = e;
		return NULL;
	}
	pthread_mutex_init(&q->lock, NULL);
	return q;
}

void quiesce_free(lvsd_quiesce *q)
{
	if (!q)
		return;
	actions_close(q->act);
	close(q->efd);
	pthread_mutex_destroy(&q->lock);
	free(q->q);
	free(q);
}

int quiesce_fd(lvsd_quiesce *q)
{
	return q->efd;
}

int quiesce_push(lvsd_quiesce *q, const struct lvs_check_spec *spec, enum lvs_health from,
		 enum lvs_health to)
{
	if (!spec->per_service || to == LVS_HEALTH_UNKNOWN)
		return 0;
	struct transition t = { .from = from, .to = to };
	t.svc.af = spec->svc_af;
	t.svc.protocol = spec->svc_protocol;
	t.svc.port = spec->svc_port;
	t.svc.fwmark = spec->svc_fwmark;
	t.svc.addr = spec->svc_addr;
	t.dest.af = spec->af;
	t.dest.port = spec->port;
	t.dest.addr = spec->addr;
	pthread_mutex_lock(&q->lock);
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 16;
		struct transition *g = realloc(q->q, cap * sizeof(*g));
		if (!g) {
			pthread_mutex_unlock(&q->lock);
			log_err("quiesce: out of memory: a health transition is lost");
			return -ENOMEM;
		}
		q->q = g;
		q->cap = cap;
	}
	q->q[q->n++] = t;
	pthread_mutex_unlock(&q->lock);
	uint64_t one = 1;
	(void)!write(q->efd, &one, sizeof(one));
	return 0;
}

static void names(const struct transition *t, char *svc, size_t sl, char *rs, size_t rl)
{
	char a[LVS_ADDR_STRLEN];
	if (t->svc.fwmark) {
		snprintf(svc, sl, "FWM %u%s", t->svc.fwmark, t->svc.af == AF_INET6 ? " IPv6" : "");
	} else {
		/* ipvsadm's spelling: "TCP 203.0.113.10:80". */
		char proto[16];
		snprintf(proto, sizeof(proto), "%s", lvs_service_proto_name(&t->svc));
		for (char *p = proto; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		lvs_addr_ntop(t->svc.af, &t->svc.addr, a, sizeof(a));
		snprintf(svc, sl, "%s %s%s%s:%u", proto,
			 t->svc.af == AF_INET6 ? "[" : "", a, t->svc.af == AF_INET6 ? "]" : "",
			 t->svc.port);
	}
	lvs_addr_ntop(t->dest.af, &t->dest.addr, a, sizeof(a));
	snprintf(rs, rl, "%s%s%s:%u", t->dest.af == AF_INET6 ? "[" : "", a,
		 t->dest.af == AF_INET6 ? "]" : "", t->dest.port);
}

static bool open_actions(struct lvsd_quiesce *q)
{
	if (q->act)
		return true;
	if (q->open_failed)
		return false;
	char err[300] = "";
	struct lvs_actions_opts o = { .source = "lvsd" };
	int r = actions_open(&q->act, &o, err, sizeof(err));
	if (r) {
		log_err("quiesce: cannot open the actions library: %s",
			*err ? err : strerror(-r));
		q->open_failed = true;
		q->act = NULL;
		return false;
	}
	return true;
}

int quiesce_apply(lvsd_quiesce *q, const struct lvsd_config *c)
{
	uint64_t v;
	(void)!read(q->efd, &v, sizeof(v));
	pthread_mutex_lock(&q->lock);
	struct transition *list = q->q;
	size_t n = q->n;
	q->q = NULL;
	q->n = q->cap = 0;
	pthread_mutex_unlock(&q->lock);

	int changes = 0;
	for (size_t i = 0; i < n; i++) {
		const struct transition *t = &list[i];
		const struct lvsd_svc_conf *k = lvsd_conf_find_service(c, &t->svc);
		if (!k || !k->quiesce_on_failure || !open_actions(q))
			continue;
		char svc[96], rs[64];
		names(t, svc, sizeof(svc), rs, sizeof(rs));
		int r;
		if (t->to == LVS_HEALTH_DOWN) {
			r = actions_quiesce(q->act, &t->svc, &t->dest);
		} else {
			/* Up: give back the remembered weight, unless an
			 * operator is draining the server, or nothing was
			 * quiesced (a first result after start). */
			struct lvs_state_entry e;
			if (!actions_server_state(q->act, &t->svc, &t->dest, &e) || e.draining)
				continue;
			r = actions_restore(q->act, &t->svc, &t->dest);
			if (r == -ENODATA)
				continue;
		}
		if (r) {
			log_warn("quiesce: %s %s in %s failed: %s",
				t->to == LVS_HEALTH_DOWN ? "quiescing" : "restoring", rs, svc,
				actions_error(q->act));
		} else {
			log_notice("quiesce: %s", actions_message(q->act));
			changes++;
		}
	}
	free(list);
	return changes;
}
