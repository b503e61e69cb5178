#include "form.h"

#include <arpa/inet.h>
#include <curses.h>
#include <errno.h>
#include <linux/ip_vs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/args.h"
#include "actions/ops.h"

#define KEY_ESC 27
#define CTRL(c) ((c) & 0x1f)

static const char *const protos[] = { "tcp", "udp", "sctp", "fwm", NULL };
static const char *const families[] = { "ipv4", "ipv6", NULL };
static const char *const scheds[] = { "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh",
				      "sed", "nq", "fo", "ovf", "mh", NULL };
static const char *const yes_no[] = { "no", "yes", NULL };
static const char *const methods[] = { "route", "masq", "tunnel", NULL };
static const char *const tun_types[] = { "ipip", "gue", "gre", NULL };
static const char *const csums[] = { "none", "nocsum", "csum", "remcsum", NULL };
static const char *const daemon_states[] = { "master", "backup", NULL };
static const char *const daemon_acts[] = { "start", "stop", NULL };

enum { S_PROTO, S_ADDR, S_V6, S_SCHED, S_PERSIST, S_MASK, S_ONEPKT, S_FLAGS, S_N };
enum { D_ADDR, D_FWD, D_WEIGHT, D_UTH, D_LTH, D_TTYPE, D_TPORT, D_TCSUM, D_N };
enum { Y_STATE, Y_ACT, Y_IF, Y_SYNCID, Y_N };

/* --- text forms ---------------------------------------------------------- */

void form_addr_port(uint16_t af, const union lvs_addr *a, uint16_t port, char *buf, size_t len)
{
	char t[INET6_ADDRSTRLEN];
	inet_ntop(af == AF_INET6 ? AF_INET6 : AF_INET, a, t, sizeof(t));
	if (af == AF_INET6)
		snprintf(buf, len, "[%s]:%u", t, port);
	else
		snprintf(buf, len, "%s:%u", t, port);
}

int form_svc_argv(const struct lvs_service *svc, char *opt, size_t optlen, char *val, size_t vallen)
{
	if (svc->fwmark) {
		snprintf(opt, optlen, "-f");
		snprintf(val, vallen, "%u", svc->fwmark);
		return 0;
	}
	snprintf(opt, optlen, "%s", svc->protocol == IPPROTO_UDP ? "-u"
			: svc->protocol == IPPROTO_SCTP ? "--sctp-service" : "-t");
	form_addr_port(svc->af, &svc->addr, svc->port, val, vallen);
	return 0;
}

static size_t choice_index(const struct form_field *f)
{
	for (size_t i = 0; f->choices[i]; i++)
		if (!strcmp(f->choices[i], f->value))
			return i;
	return 0;
}

static void set_field(struct form *fm, size_t i, const char *label, const char *const *choices,
		      const char *value, const char *hint)
{
	struct form_field *f = &fm->f[i];
	memset(f, 0, sizeof(*f));
	f->label = label;
	f->choices = choices;
	f->hint = hint;
	snprintf(f->value, sizeof(f->value), "%s", value ? value : "");
	if (i + 1 > fm->n)
		fm->n = i + 1;
}

static void form_reset(struct form *fm, enum form_kind kind)
{
	memset(fm, 0, sizeof(*fm));
	fm->kind = kind;
	fm->fresh = true; /* typing into the first field replaces its value */
}

/* --- argument vectors ------------------------------------------------------ */

#define ARGV_MAX 32
struct argv_b {
	const char *v[ARGV_MAX + 1];
	int n;
};

static void push(struct argv_b *b, const char *s)
{
	if (b->n < ARGV_MAX)
		b->v[b->n++] = s;
	b->v[b->n] = NULL;
}

static int parse(struct argv_b *b, struct lvs_args *g, char *err, size_t errlen)
{
	return args_parse(b->n, (char *const *)b->v, g, err, errlen);
}

static bool is_fwm(const struct form *fm)
{
	return !strcmp(fm->f[S_PROTO].value, "fwm");
}

/* The identity part of a service form: -t ADDR:PORT, -f MARK [-6]. */
static void push_svc_identity(struct argv_b *b, const struct form *fm)
{
	const char *p = fm->f[S_PROTO].value;
	push(b, !strcmp(p, "udp") ? "-u" : !strcmp(p, "sctp") ? "--sctp-service"
		: !strcmp(p, "fwm") ? "-f" : "-t");
	push(b, fm->f[S_ADDR].value);
	if (is_fwm(fm) && !strcmp(fm->f[S_V6].value, "ipv6"))
		push(b, "-6");
}

static bool persistent(const struct form *fm)
{
	const char *v = fm->f[S_PERSIST].value;
	return v[0] && strcmp(v, "0");
}

static int check_service_field(struct form *fm, size_t i, char *err, size_t errlen)
{
	struct argv_b b = { 0 };
	struct lvs_args g;
	push(&b, "add-service");
	/* The identity itself, or a known-good one when it is broken, so the
	 * message is about this field only. */
	bool id_ok = fm->f[S_ADDR].err[0] == 0 && fm->f[S_ADDR].value[0];
	if (i <= S_V6 || id_ok) {
		push_svc_identity(&b, fm);
	} else {
		push(&b, "-t");
		push(&b, "192.0.2.1:80");
	}
	switch (i) {
	case S_PROTO:
	case S_ADDR:
	case S_V6:
		if (!fm->f[S_ADDR].value[0]) {
			snprintf(err, errlen, "%s: missing", is_fwm(fm) ? "firewall mark"
				 : "service address (ADDR:PORT)");
			return -EINVAL;
		}
		break;
	case S_SCHED:
		push(&b, "-s");
		push(&b, fm->f[i].value);
		break;
	case S_PERSIST:
		if (!persistent(fm))
			return 0;
		/* -p's value is optional: the parser takes the next word only
		 * when it is a number, so a word would read as a stray argument. */
		if (strspn(fm->f[i].value, "0123456789") != strlen(fm->f[i].value)) {
			snprintf(err, errlen, "persistence timeout (-p): '%s' is not a number of seconds "
				 "(0: no persistence)", fm->f[i].value);
			return -EINVAL;
		}
		push(&b, "-p");
		push(&b, fm->f[i].value);
		break;
	case S_MASK:
		if (!fm->f[i].value[0])
			return 0;
		push(&b, "-p");
		push(&b, "360");
		push(&b, "-M");
		push(&b, fm->f[i].value);
		break;
	case S_ONEPKT:
		return 0;
	case S_FLAGS:
		if (!fm->f[i].value[0])
			return 0;
		push(&b, "-s");
		push(&b, fm->f[S_SCHED].value);
		push(&b, "-b");
		push(&b, fm->f[i].value);
		break;
	}
	return parse(&b, &g, err, errlen);
}

static void push_service_all(struct argv_b *b, const struct form *fm)
{
	push(b, "add-service");
	push_svc_identity(b, fm);
	push(b, "-s");
	push(b, fm->f[S_SCHED].value);
	if (persistent(fm)) {
		push(b, "-p");
		push(b, fm->f[S_PERSIST].value);
		if (fm->f[S_MASK].value[0]) {
			push(b, "-M");
			push(b, fm->f[S_MASK].value);
		}
	}
	if (!strcmp(fm->f[S_ONEPKT].value, "yes"))
		push(b, "-o");
	if (fm->f[S_FLAGS].value[0]) {
		push(b, "-b");
		push(b, fm->f[S_FLAGS].value);
	}
}

static bool tunnel(const struct form *fm)
{
	return !strcmp(fm->f[D_FWD].value, "tunnel");
}

static void push_dest_service(struct argv_b *b, const struct form *fm, char *opt, size_t optlen,
			      char *val, size_t vallen)
{
	form_svc_argv(&fm->svc_id, opt, optlen, val, vallen);
	push(b, opt);
	push(b, val);
	if (fm->svc_id.fwmark && fm->svc_id.af == AF_INET6)
		push(b, "-6");
}

static void push_fwd(struct argv_b *b, const struct form *fm)
{
	const char *m = fm->f[D_FWD].value;
	push(b, !strcmp(m, "masq") ? "-m" : !strcmp(m, "tunnel") ? "-i" : "-g");
}

static void push_tunnel(struct argv_b *b, const struct form *fm, size_t upto)
{
	push(b, "--tun-type");
	push(b, fm->f[D_TTYPE].value);
	if (upto >= D_TPORT && fm->f[D_TPORT].value[0]) {
		push(b, "--tun-port");
		push(b, fm->f[D_TPORT].value);
	}
	if (upto >= D_TCSUM && strcmp(fm->f[D_TCSUM].value, "none")) {
		const char *c = fm->f[D_TCSUM].value;
		push(b, !strcmp(c, "nocsum") ? "--tun-nocsum" : !strcmp(c, "csum") ? "--tun-csum"
			: "--tun-remcsum");
	}
}

static int check_server_field(struct form *fm, size_t i, char *err, size_t errlen)
{
	struct argv_b b = { 0 };
	struct lvs_args g;
	char opt[24], val[FORM_VALUE_MAX];
	push(&b, "add-server");
	push_dest_service(&b, fm, opt, sizeof(opt), val, sizeof(val));
	push(&b, "-r");
	bool id_ok = fm->f[D_ADDR].err[0] == 0 && fm->f[D_ADDR].value[0];
	push(&b, i == D_ADDR || id_ok ? fm->f[D_ADDR].value : "192.0.2.1");
	switch (i) {
	case D_ADDR:
		if (!fm->f[D_ADDR].value[0]) {
			snprintf(err, errlen, "real server address (ADDR[:PORT]): missing");
			return -EINVAL;
		}
		break;
	case D_FWD:
		return 0; /* a choice; its consequences are the whole form's */
	case D_WEIGHT:
		push(&b, "-w");
		push(&b, fm->f[i].value);
		break;
	case D_UTH:
		push(&b, "-x");
		push(&b, fm->f[i].value);
		break;
	case D_LTH:
		push(&b, "-y");
		push(&b, fm->f[i].value);
		break;
	case D_TTYPE:
	case D_TPORT:
	case D_TCSUM:
		if (!tunnel(fm))
			return 0; /* not sent: tunnel settings only with -i */
		push(&b, "-i");
		push_tunnel(&b, fm, i);
		if (parse(&b, &g, err, errlen))
			return -EINVAL;
		/* Which options a tunnel type takes is a check on the whole
		 * real server; the rest of it is fine here (the service's port). */
		if (!(g.given & LVS_ARG_DEST_PORT))
			g.dest.port = fm->svc_id.fwmark ? 0 : fm->svc_id.port;
		if (i == D_TTYPE || (i == D_TPORT && !fm->f[D_TPORT].value[0]))
			return 0;
		/* A missing GUE port is the whole form's to report, not the
		 * checksum's. */
		if (i == D_TCSUM && g.dest.tun_type == IP_VS_CONN_F_TUNNEL_TYPE_GUE && !g.dest.tun_port)
			g.dest.tun_port = 1;
		return args_check_dest(&fm->svc_id, &g.dest, err, errlen);
	}
	return parse(&b, &g, err, errlen);
}

static void push_server_all(struct argv_b *b, const struct form *fm, char *opt, size_t optlen,
			    char *val, size_t vallen)
{
	push(b, "add-server");
	push_dest_service(b, fm, opt, optlen, val, vallen);
	push(b, "-r");
	push(b, fm->f[D_ADDR].value);
	push_fwd(b, fm);
	push(b, "-w");
	push(b, fm->f[D_WEIGHT].value);
	push(b, "-x");
	push(b, fm->f[D_UTH].value);
	push(b, "-y");
	push(b, fm->f[D_LTH].value);
	if (tunnel(fm))
		push_tunnel(b, fm, D_TCSUM);
}

static int check_timeouts_field(struct form *fm, size_t i, char *err, size_t errlen)
{
	struct argv_b b = { 0 };
	struct lvs_args g;
	push(&b, "timeouts");
	for (size_t j = 0; j < 3; j++)
		push(&b, j == i ? fm->f[j].value : "0");
	return parse(&b, &g, err, errlen);
}

static void push_daemon_all(struct argv_b *b, const struct form *fm)
{
	bool start = !strcmp(fm->f[Y_ACT].value, "start");
	push(b, start ? "start-daemon" : "stop-daemon");
	push(b, fm->f[Y_STATE].value);
	if (!start)
		return;
	push(b, "--mcast-interface");
	push(b, fm->f[Y_IF].value);
	if (fm->f[Y_SYNCID].value[0]) {
		push(b, "--syncid");
		push(b, fm->f[Y_SYNCID].value);
	}
}

static int check_daemon_field(struct form *fm, size_t i, char *err, size_t errlen)
{
	if (strcmp(fm->f[Y_ACT].value, "start") || i == Y_STATE || i == Y_ACT)
		return 0;
	struct argv_b b = { 0 };
	struct lvs_args g;
	push(&b, "start-daemon");
	push(&b, fm->f[Y_STATE].value);
	push(&b, "--mcast-interface");
	push(&b, i == Y_IF ? fm->f[Y_IF].value : "eth0");
	if (i == Y_SYNCID && fm->f[Y_SYNCID].value[0]) {
		push(&b, "--syncid");
		push(&b, fm->f[Y_SYNCID].value);
	}
	return parse(&b, &g, err, errlen);
}

int form_check_field(struct form *fm, size_t i)
{
	if (i >= fm->n)
		return -EINVAL;
	struct form_field *f = &fm->f[i];
	int r = 0;
	f->err[0] = 0;
	switch (fm->kind) {
	case FORM_ADD_SERVICE:
	case FORM_EDIT_SERVICE:
		if (i == S_PROTO || i == S_V6) {
			/* They change what the address means: its message is the
			 * address's, once one was typed. */
			struct form_field *ad = &fm->f[S_ADDR];
			ad->err[0] = 0;
			if (ad->value[0] && check_service_field(fm, S_ADDR, ad->err, sizeof(ad->err)))
				return -EINVAL;
			return 0;
		}
		r = check_service_field(fm, i, f->err, sizeof(f->err));
		break;
	case FORM_ADD_SERVER:
	case FORM_EDIT_SERVER:
		r = check_server_field(fm, i, f->err, sizeof(f->err));
		break;
	case FORM_TIMEOUTS:
		r = check_timeouts_field(fm, i, f->err, sizeof(f->err));
		break;
	case FORM_DAEMON:
		r = check_daemon_field(fm, i, f->err, sizeof(f->err));
		break;
	}
	if (!r)
		f->err[0] = 0;
	return r ? -EINVAL : 0;
}

/* --- whole objects ------------------------------------------------------- */

int form_service(struct form *fm, struct lvs_service *out)
{
	struct argv_b b = { 0 };
	struct lvs_args g;
	push_service_all(&b, fm);
	if (parse(&b, &g, fm->err, sizeof(fm->err)))
		return -EINVAL;
	*out = g.svc;
	if (!(g.given & LVS_ARG_NETMASK))
		out->netmask = out->af == AF_INET6 ? 128 : 0xffffffffu;
	if (fm->kind == FORM_EDIT_SERVICE) /* the form has no field for it: kept */
		memcpy(out->pe_name, fm->svc_id.pe_name, sizeof(out->pe_name));
	if (args_check_service(out, fm->err, sizeof(fm->err)))
		return -EINVAL;
	fm->err[0] = 0;
	return 0;
}

int form_server(struct form *fm, struct lvs_dest *out)
{
	struct argv_b b = { 0 };
	struct lvs_args g;
	char opt[24], val[FORM_VALUE_MAX];
	push_server_all(&b, fm, opt, sizeof(opt), val, sizeof(val));
	if (parse(&b, &g, fm->err, sizeof(fm->err)))
		return -EINVAL;
	*out = g.dest;
	if (!(g.given & LVS_ARG_DEST_PORT)) /* ipvsadm: the service's port */
		out->port = fm->svc_id.fwmark ? 0 : fm->svc_id.port;
	if (args_check_dest(&fm->svc_id, out, fm->err, sizeof(fm->err)))
		return -EINVAL;
	fm->err[0] = 0;
	return 0;
}

int form_timeouts(struct form *fm, uint32_t out[3])
{
	struct argv_b b = { 0 };
	struct lvs_args g;
	push(&b, "timeouts");
	for (size_t j = 0; j < 3; j++)
		push(&b, fm->f[j].value);
	if (parse(&b, &g, fm->err, sizeof(fm->err)))
		return -EINVAL;
	memcpy(out, g.timeouts, sizeof(g.timeouts));
	fm->err[0] = 0;
	return 0;
}

int form_daemon(struct form *fm, struct lvs_daemon *dm, bool *start)
{
	struct argv_b b = { 0 };
	struct lvs_args g;
	push_daemon_all(&b, fm);
	if (parse(&b, &g, fm->err, sizeof(fm->err)))
		return -EINVAL;
	*dm = g.dm;
	*start = g.act == LVS_ACT_START_DAEMON;
	fm->err[0] = 0;
	return 0;
}

int form_check(struct form *fm)
{
	fm->err[0] = 0;
	for (size_t i = 0; i < fm->n; i++)
		if (form_check_field(fm, i)) {
			bool svc = fm->kind == FORM_ADD_SERVICE || fm->kind == FORM_EDIT_SERVICE;
			fm->cur = svc && (i == S_PROTO || i == S_V6) ? S_ADDR : i; /* its message is there */
			fm->fresh = false;
			return -EINVAL;
		}
	struct lvs_service s;
	struct lvs_dest d;
	uint32_t t[3];
	struct lvs_daemon dm;
	bool start;
	switch (fm->kind) {
	case FORM_ADD_SERVICE:
	case FORM_EDIT_SERVICE:
		return form_service(fm, &s);
	case FORM_ADD_SERVER:
	case FORM_EDIT_SERVER:
		return form_server(fm, &d);
	case FORM_TIMEOUTS:
		return form_timeouts(fm, t);
	case FORM_DAEMON:
		return form_daemon(fm, &dm, &start);
	}
	return -EINVAL;
}

/* --- initial values ----------------------------------------------------------- */

static const char *sched_or_default(const char *s)
{
	return s && s[0] ? s : "wlc";
}

void form_service_init(struct form *fm, const struct lvs_service *svc)
{
	form_reset(fm, svc ? FORM_EDIT_SERVICE : FORM_ADD_SERVICE);
	char addr[FORM_VALUE_MAX] = "", num[32];
	const char *proto = "tcp";
	if (svc) {
		fm->svc_id = *svc;
		char opt[24], text[LVS_OBJ_MAX];
		form_svc_argv(svc, opt, sizeof(opt), addr, sizeof(addr));
		proto = svc->fwmark ? "fwm" : svc->protocol == IPPROTO_UDP ? "udp"
			: svc->protocol == IPPROTO_SCTP ? "sctp" : "tcp";
		snprintf(fm->title, sizeof(fm->title), "Edit virtual service %s",
			 lvs_svc_text(svc, text, sizeof(text)));
	} else {
		snprintf(fm->title, sizeof(fm->title), "Add a virtual service");
	}
	set_field(fm, S_PROTO, "Protocol", protos, proto, NULL);
	set_field(fm, S_ADDR, "Address:port / mark", NULL, addr, "203.0.113.10:80, [2001:db8::1]:80, or a mark");
	set_field(fm, S_V6, "Mark family", families,
		  svc && svc->fwmark && svc->af == AF_INET6 ? "ipv6" : "ipv4", "marks only");
	set_field(fm, S_SCHED, "Scheduler", scheds, sched_or_default(svc ? svc->sched : NULL), NULL);
	bool pers = svc && (svc->flags & IP_VS_SVC_F_PERSISTENT);
	snprintf(num, sizeof(num), "%u", pers ? svc->timeout : 0);
	set_field(fm, S_PERSIST, "Persistence (s)", NULL, num, "0: off");
	num[0] = 0;
	if (pers && svc->af == AF_INET6 && svc->netmask != 128)
		snprintf(num, sizeof(num), "%u", svc->netmask);
	else if (pers && svc->af == AF_INET && svc->netmask != 0xffffffffu)
		inet_ntop(AF_INET, &svc->netmask, num, sizeof(num));
	set_field(fm, S_MASK, "Persistence netmask", NULL, num, "255.255.255.0, or a v6 prefix length");
	set_field(fm, S_ONEPKT, "One-packet", yes_no,
		  svc && (svc->flags & IP_VS_SVC_F_ONEPACKET) ? "yes" : "no", NULL);
	char flags[FORM_VALUE_MAX] = "";
	if (svc) {
		static const uint32_t bits[3] = { IP_VS_SVC_F_SCHED1, IP_VS_SVC_F_SCHED2,
						  IP_VS_SVC_F_SCHED3 };
		bool mh = !strcmp(svc->sched, "mh");
		const char *names[3] = { mh ? "mh-fallback" : "sh-fallback", mh ? "mh-port" : "sh-port",
					 "flag-3" };
		size_t o = 0;
		for (size_t i = 0; i < 3; i++)
			if (svc->flags & bits[i])
				o += (size_t)snprintf(flags + o, sizeof(flags) - o, "%s%s", o ? "," : "", names[i]);
	}
	set_field(fm, S_FLAGS, "Scheduler flags", NULL, flags, "sh-fallback,sh-port (sh) or mh-* (mh)");
}

void form_server_init(struct form *fm, const struct lvs_service *svc, const struct lvs_dest *dest)
{
	form_reset(fm, dest ? FORM_EDIT_SERVER : FORM_ADD_SERVER);
	fm->svc_id = *svc;
	char sv[LVS_OBJ_MAX], addr[FORM_VALUE_MAX] = "", num[16];
	lvs_svc_text(svc, sv, sizeof(sv));
	if (dest) {
		fm->dest_id = *dest;
		form_addr_port(dest->af, &dest->addr, dest->port, addr, sizeof(addr));
		snprintf(fm->title, sizeof(fm->title), "Edit real server %s of %s", addr, sv);
	} else {
		snprintf(fm->title, sizeof(fm->title), "Add a real server to %s", sv);
	}
	set_field(fm, D_ADDR, "Address[:port]", NULL, addr, "192.0.2.11:80; no port: the service's");
	const char *m = "route";
	if (dest)
		m = dest->fwd == LVS_FWD_MASQ ? "masq" : dest->fwd == LVS_FWD_TUNNEL ? "tunnel" : "route";
	set_field(fm, D_FWD, "Forwarding", methods, m, NULL);
	snprintf(num, sizeof(num), "%d", dest ? dest->weight : 1);
	set_field(fm, D_WEIGHT, "Weight", NULL, num, NULL);
	snprintf(num, sizeof(num), "%u", dest ? dest->u_thresh : 0);
	set_field(fm, D_UTH, "Upper threshold", NULL, num, "0: none");
	snprintf(num, sizeof(num), "%u", dest ? dest->l_thresh : 0);
	set_field(fm, D_LTH, "Lower threshold", NULL, num, "0: none");
	bool tun = dest && dest->fwd == LVS_FWD_TUNNEL;
	set_field(fm, D_TTYPE, "Tunnel type", tun_types,
		  tun ? tun_types[dest->tun_type < 3 ? dest->tun_type : 0] : "ipip", "tunnel only");
	num[0] = 0;
	if (tun && dest->tun_port)
		snprintf(num, sizeof(num), "%u", dest->tun_port);
	set_field(fm, D_TPORT, "Tunnel port", NULL, num, "gue only");
	const char *cs = "none";
	if (tun && (dest->tun_flags & IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM))
		cs = "remcsum";
	else if (tun && (dest->tun_flags & IP_VS_TUNNEL_ENCAP_FLAG_CSUM))
		cs = "csum";
	else if (tun && (dest->tun_flags & IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM))
		cs = "nocsum";
	set_field(fm, D_TCSUM, "Tunnel checksum", csums, cs, "gue/gre only");
}

void form_timeouts_init(struct form *fm, uint32_t tcp, uint32_t tcpfin, uint32_t udp)
{
	form_reset(fm, FORM_TIMEOUTS);
	snprintf(fm->title, sizeof(fm->title), "Connection timeouts (seconds; 0 leaves one as it is)");
	char num[16];
	snprintf(num, sizeof(num), "%u", tcp);
	set_field(fm, 0, "tcp", NULL, num, NULL);
	snprintf(num, sizeof(num), "%u", tcpfin);
	set_field(fm, 1, "tcpfin", NULL, num, NULL);
	snprintf(num, sizeof(num), "%u", udp);
	set_field(fm, 2, "udp", NULL, num, NULL);
}

void form_daemon_init(struct form *fm, const struct lvs_daemon *running)
{
	form_reset(fm, FORM_DAEMON);
	snprintf(fm->title, sizeof(fm->title), "Connection sync daemon");
	set_field(fm, Y_STATE, "State", daemon_states,
		  running && running->state == IP_VS_STATE_BACKUP ? "backup" : "master", NULL);
	set_field(fm, Y_ACT, "Action", daemon_acts, running ? "stop" : "start", NULL);
	set_field(fm, Y_IF, "Multicast interface", NULL, running ? running->mcast_ifn : "", "start only");
	char num[16] = "";
	if (running)
		snprintf(num, sizeof(num), "%u", running->syncid);
	set_field(fm, Y_SYNCID, "Sync id", NULL, num, "empty: the kernel's default");
}

/* --- keys ------------------------------------------------------------------------ */

static void move_to(struct form *fm, size_t to)
{
	form_check_field(fm, fm->cur); /* leaving a field checks it */
	fm->cur = to;
	fm->fresh = true;
}

enum form_step form_key(struct form *fm, int key)
{
	struct form_field *f = &fm->f[fm->cur];
	size_t len = strlen(f->value);
	switch (key) {
	case KEY_ESC:
		return FORM_CANCEL;
	case '\t':
	case KEY_DOWN:
		move_to(fm, (fm->cur + 1) % fm->n);
		return FORM_GOING;
	case KEY_BTAB:
	case KEY_UP:
		move_to(fm, (fm->cur + fm->n - 1) % fm->n);
		return FORM_GOING;
	case '\r':
	case '\n':
	case KEY_ENTER:
		return form_check(fm) ? FORM_GOING : FORM_SUBMIT;
	case KEY_LEFT:
	case KEY_RIGHT:
	case ' ':
		if (f->choices) {
			size_t n = 0, i = choice_index(f);
			while (f->choices[n])
				n++;
			i = key == KEY_LEFT ? (i + n - 1) % n : (i + 1) % n;
			snprintf(f->value, sizeof(f->value), "%s", f->choices[i]);
			form_check_field(fm, fm->cur);
			return FORM_GOING;
		}
		if (key != ' ')
			return FORM_GOING;
		break;
	case KEY_BACKSPACE:
	case 127:
	case CTRL('h'):
		fm->fresh = false;
		if (!f->choices && len)
			f->value[len - 1] = 0;
		return FORM_GOING;
	case CTRL('u'):
		if (!f->choices)
			f->value[0] = 0;
		return FORM_GOING;
	}
	if (!f->choices && key >= 0x20 && key < 0x7f) {
		if (fm->fresh) /* typing into a field just entered replaces it */
			len = 0;
		fm->fresh = false;
		if (len + 1 >= sizeof(f->value))
			return FORM_GOING;
		f->value[len] = (char)key;
		f->value[len + 1] = 0;
	}
	return FORM_GOING;
}

/* --- confirmations --------------------------------------------------------------- */

void confirm_init(struct confirm *c, const char *word, const char *prompt)
{
	memset(c, 0, sizeof(*c));
	c->word = word;
	snprintf(c->prompt, sizeof(c->prompt), "%s", prompt);
}

enum confirm_step confirm_key(struct confirm *c, int key)
{
	if (!c->word)
		return key == 'y' || key == 'Y' ? CONFIRM_YES : CONFIRM_NO;
	size_t n = strlen(c->typed);
	switch (key) {
	case KEY_ESC:
		return CONFIRM_NO;
	case '\r':
	case '\n':
	case KEY_ENTER:
		if (!strcmp(c->typed, c->word))
			return CONFIRM_YES;
		snprintf(c->err, sizeof(c->err), "'%s' is not '%s': nothing was done", c->typed, c->word);
		return CONFIRM_NO;
	case KEY_BACKSPACE:
	case 127:
	case CTRL('h'):
		if (n)
			c->typed[n - 1] = 0;
		return CONFIRM_PENDING;
	}
	if (key >= 0x20 && key < 0x7f && n + 1 < sizeof(c->typed)) {
		c->typed[n] = (char)key;
		c->typed[n + 1] = 0;
	}
	return CONFIRM_PENDING;
}
