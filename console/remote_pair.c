#include "remote_pair.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "collector/names.h"
#include "collector/snapshot.h"
#include "format.h"
#include "share/log.h"

const char *remote_pair_role(const struct lvs_snapshot *s)
{
	if (!s || !s->n_vrrp)
		return NULL;
	size_t master = 0, backup = 0;
	for (size_t i = 0; i < s->n_vrrp; i++) {
		master += !strcmp(s->vrrp[i].role, "MASTER");
		backup += !strcmp(s->vrrp[i].role, "BACKUP");
	}
	if (master == s->n_vrrp)
		return "MASTER";
	if (backup == s->n_vrrp)
		return "BACKUP";
	return master ? "SPLIT" : backup ? "BACKUP" : "unknown";
}

static void add(struct pair_view *v, int c, enum pair_level lv, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void add(struct pair_view *v, int c, enum pair_level lv, const char *fmt, ...)
{
	if (v->n[c] >= PAIR_LINES_MAX)
		return;
	char raw[PAIR_TEXT_MAX * 2];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	struct pair_cell *cell = &v->col[c][v->n[c]++];
	log_clean(cell->text, sizeof(cell->text), raw, strlen(raw));
	cell->level = lv;
}

/* text over as many lines as it takes at width columns (ASCII: the text
 * is made printable first), broken after a blank or a colon. */
static void add_wrapped(struct pair_view *v, int c, enum pair_level lv, const char *text, int width)
{
	char t[PAIR_TEXT_MAX * 2];
	log_clean(t, sizeof(t), text, strlen(text));
	const char *p = t;
	if (width < 16)
		width = 16;
	while (*p) {
		size_t n = strlen(p);
		if (n > (size_t)width) {
			n = (size_t)width;
			for (size_t k = n; k > (size_t)width / 2; k--)
				if (p[k - 1] == ' ' || p[k - 1] == ':') {
					n = k;
					break;
				}
		}
		add(v, c, lv, "%.*s", (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
	}
}

static bool is_master(const struct lvs_snapshot *s)
{
	const char *r = remote_pair_role(s);
	if (r)
		return !strcmp(r, "MASTER");
	for (size_t i = 0; s && i < s->n_daemons; i++) /* no roles: the sync daemon's */
		if (s->daemons[i].state == 1)
			return true;
	return false;
}

static bool runs_sync(const struct lvs_snapshot *s, uint32_t state)
{
	for (size_t i = 0; s && i < s->n_daemons; i++)
		if (s->daemons[i].state == state)
			return true;
	return false;
}

/* Up to PAIR_DIFF_ROWS objects of d's table marked against its partner:
 * a service (with its own mark, if any), its marked real servers under it. */
static void diff_rows(struct pair_view *v, int c, const struct remote_director *d, enum pair_level lv)
{
	const struct lvs_snapshot *s = d->snap;
	if (!s || d->diff_mine != s)
		return;
	size_t shown = 0, total = 0;
	char st[96], dt[64], mk[48];
	for (size_t i = 0; i < s->n_services && i < d->diff.n_svc; i++) {
		const struct lvs_service *sv = &s->services[i];
		uint8_t m = d->diff.svc[i];
		if (!m)
			continue;
		total++;
		bool named = shown < PAIR_DIFF_ROWS;
		if (shown++ < PAIR_DIFF_ROWS)
			add(v, c, lv, "  %s %s", fmt_service(sv, st, sizeof(st)),
			    m == RDIFF_DESTS ? "" : remote_diff_text(m & ~RDIFF_DESTS, mk, sizeof(mk)));
		for (size_t j = 0; j < sv->n_dests; j++) {
			size_t k = sv->first_dest + j;
			uint8_t dm = k < d->diff.n_dest ? d->diff.dest[k] : 0;
			if (!dm)
				continue;
			total++;
			if (named && shown++ < PAIR_DIFF_ROWS)
				add(v, c, lv, "    %s %s", fmt_endpoint(sv->dests[j].af, &sv->dests[j].addr,
								 sv->dests[j].port, dt, sizeof(dt)),
				    remote_diff_text(dm, mk, sizeof(mk)));
		}
	}
	if (total > shown)
		add(v, c, lv, "  ... %zu more (the tables below)", total - shown);
}

static void column(const struct remote_set *rs, int c, double now, int width, struct pair_view *v)
{
	const struct remote_director *d = &rs->d[c], *p = &rs->d[1 - c];
	const struct lvs_snapshot *s = d->snap, *ps = remote_director_failing(p) ? NULL : p->snap;
	bool bad = remote_director_failing(d);
	char age[16], b[96];
	if (!d->st.polls && !s) {
		add(v, c, PAIR_DIM, "%s  waiting for the first answer", d->name);
		return;
	}
	if (bad) {
		add(v, c, PAIR_BAD, "%s  NOT ANSWERING", d->name);
		add_wrapped(v, c, PAIR_BAD, d->st.msg[0] ? d->st.msg : "no answer", width);
		if (!s)
			return;
		fmt_age(now - d->st.last_ok, age, sizeof(age));
		add(v, c, PAIR_DIM, "last known, %s old:", age);
	} else {
		add(v, c, PAIR_OK, "%s  ok", d->name);
	}
	enum pair_level dim = bad ? PAIR_DIM : PAIR_INFO;
	/* VRRP: the role of each instance, the VIP addresses held. */
	if (!s->n_vrrp)
		add(v, c, bad ? PAIR_DIM : PAIR_WARN, "VRRP: no instance known to lvsd");
	for (size_t i = 0; i < s->n_vrrp; i++) {
		const struct lvs_vrrp_info *x = &s->vrrp[i];
		bool master = !strcmp(x->role, "MASTER");
		enum pair_level lv = bad ? PAIR_DIM : master ? PAIR_OK
				     : strcmp(x->role, "BACKUP") ? PAIR_BAD : PAIR_INFO;
		add(v, c, lv, "%s %s  VIP %u/%u%s%s", x->instance, x->role, x->held, x->addresses,
		    x->iface[0] ? " on " : "", x->iface);
	}
	/* The kernel's sync daemons. */
	if (!s->n_daemons)
		add(v, c, bad ? PAIR_DIM : PAIR_WARN, "sync daemon: none");
	for (size_t i = 0; i < s->n_daemons; i++)
		add(v, c, dim, "sync %s on %s, syncid %u", lvs_daemon_state_name(s->daemons[i].state),
		    s->daemons[i].mcast_ifn, s->daemons[i].syncid);
	/* Connection entries; on the backup, against the master's. */
	if (!s->conns.available) {
		add(v, c, dim, "entries: not read");
	} else {
		fmt_count(s->conns.total, false, b, sizeof(b));
		if (!is_master(s) && ps && is_master(ps) && ps->conns.available) {
			char m[32];
			fmt_count(ps->conns.total, false, m, sizeof(m));
			bool empty = s->conns.total == 0 && ps->conns.total > 0;
			if (empty)
				add(v, c, bad ? PAIR_DIM : PAIR_BAD, "entries 0, master %s: none synced", m);
			else if (ps->conns.total)
				add(v, c, dim, "entries %s = %.0f%% of master's %s", b,
				    100.0 * (double)s->conns.total / (double)ps->conns.total, m);
			else
				add(v, c, dim, "entries %s (master has none)", b);
		} else {
			add(v, c, dim, "entries %s%s", b, s->conns.partial ? "+" : "");
		}
	}
	/* The table against the partner's. */
	if (!p->snap)
		add(v, c, PAIR_DIM, "table: partner's not known yet");
	else if (d->diff_mine != s || d->diff_other != p->snap)
		add(v, c, PAIR_DIM, "table: not compared yet");
	else if (!d->diff.n_marked)
		add(v, c, dim, "table: same as %s", p->name);
	else {
		add(v, c, bad ? PAIR_DIM : PAIR_WARN, "table: %zu rows differ", d->diff.n_marked);
		diff_rows(v, c, d, bad ? PAIR_DIM : PAIR_WARN);
	}
}

static void summary(const struct remote_set *rs, struct pair_view *v)
{
	const struct remote_director *a = &rs->d[0], *b = &rs->d[1];
	bool fa = remote_director_failing(a) || !a->snap, fb = remote_director_failing(b) || !b->snap;
	const char *ra = fa ? NULL : remote_pair_role(a->snap), *rb = fb ? NULL : remote_pair_role(b->snap);
	bool ma = ra && !strcmp(ra, "MASTER"), mb = rb && !strcmp(rb, "MASTER");
	char *o = v->summary;
	size_t len = sizeof(v->summary);
	if (fa && fb) {
		snprintf(o, len, "Pair: neither director answers");
		v->summary_level = PAIR_BAD;
		return;
	}
	if (!ra && !rb) {
		snprintf(o, len, "Pair: roles unknown (%s)",
			 fa || fb ? "one director does not answer, the other's lvsd knows no VRRP instance"
				  : "no lvsd knows a VRRP instance: keepalived.conf?");
		v->summary_level = fa || fb ? PAIR_BAD : PAIR_WARN;
		return;
	}
	if (ma && mb) {
		snprintf(o, len, "Pair: BOTH MASTER (split brain): both hold the VIPs");
		v->summary_level = PAIR_BAD;
		return;
	}
	if (!ma && !mb) {
		if (fa || fb)
			snprintf(o, len, "Pair: no MASTER answers; %s NOT ANSWERING", fa ? a->name : b->name);
		else
			snprintf(o, len, "Pair: NO MASTER: neither holds every VIP (%s, %s)", ra ? ra : "?",
				 rb ? rb : "?");
		v->summary_level = PAIR_BAD;
		return;
	}
	const struct remote_director *m = ma ? a : b, *k = ma ? b : a;
	bool kf = ma ? fb : fa;
	int n = snprintf(o, len, "Pair: MASTER %s", m->name);
	if (kf) {
		snprintf(o + n, len - (size_t)n, "; %s NOT ANSWERING: no backup", k->name);
		v->summary_level = PAIR_BAD;
		return;
	}
	(void)n;
	/* The trouble first: a narrow terminal cuts the line's end. */
	const char *rk = ma ? rb : ra, *trouble = NULL;
	const struct lvs_snapshot *ms = m->snap, *ks = k->snap;
	if (!runs_sync(ms, 1))
		trouble = "NO SYNC DAEMON ON THE MASTER";
	else if (!runs_sync(ks, 2))
		trouble = "NO BACKUP SYNC DAEMON";
	else if (ms->conns.available && ks->conns.available && ms->conns.total > 0 &&
		 ks->conns.total == 0)
		trouble = "NOTHING SYNCED";
	snprintf(o, len, "Pair: %s%sMASTER %s, %s %s", trouble ? trouble : "", trouble ? ": " : "",
		 m->name, rk ? rk : "role unknown:", k->name);
	v->summary_level = trouble ? PAIR_WARN : PAIR_OK;
}

void remote_pair_build(const struct remote_set *rs, double now, int width, struct pair_view *out)
{
	memset(out, 0, sizeof(*out));
	if (rs->n != 2)
		return;
	summary(rs, out);
	for (int c = 0; c < 2; c++)
		column(rs, c, now, width, out);
}
