#include "collector/doctor/rules.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/ip_vs.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "collector/names.h"
#include "collector/snapshot.h"

void doctor_facts_init(struct doctor_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->ipvs_loaded = true;
	f->ip_forward = f->ip6_forwarding = -1;
	f->expire_nodest_conn = f->expire_quiescent_template = -1;
	f->conn_reuse_mode = f->vs_conntrack = -1;
}

static char *addr_port(uint16_t af, const union lvs_addr *a, uint16_t port, char *buf, size_t len)
{
	char ip[LVS_ADDR_STRLEN];
	lvs_addr_ntop(af, a, ip, sizeof(ip));
	snprintf(buf, len, af == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, port);
	return buf;
}

char *doctor_service_words(const struct lvs_service *svc, char *buf, size_t len)
{
	if (svc->fwmark) {
		snprintf(buf, len, "-f %u%s", svc->fwmark, svc->af == AF_INET6 ? " -6" : "");
		return buf;
	}
	const char *opt = svc->protocol == IPPROTO_UDP	  ? "-u"
			  : svc->protocol == IPPROTO_SCTP ? "--sctp-service"
							  : "-t";
	char ap[DOCTOR_SERVICE_MAX];
	snprintf(buf, len, "%s %s", opt, addr_port(svc->af, &svc->addr, svc->port, ap, sizeof(ap)));
	return buf;
}

char *doctor_dest_words(const struct lvs_dest *d, char *buf, size_t len)
{
	return addr_port(d->af, &d->addr, d->port, buf, len);
}

static bool prefix_holds(const struct doctor_addr *a, const union lvs_addr *addr)
{
	unsigned bits = a->prefixlen, max = a->af == AF_INET6 ? 128 : 32;
	if (bits > max)
		bits = max;
	size_t whole = bits / 8;
	if (memcmp(a->addr.raw, addr->raw, whole))
		return false;
	if (bits % 8) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits % 8));
		if ((a->addr.raw[whole] & mask) != (addr->raw[whole] & mask))
			return false;
	}
	return true;
}

const struct doctor_addr *doctor_connected(const struct doctor_facts *f, uint16_t af,
					   const union lvs_addr *addr)
{
	const struct doctor_addr *best = NULL;
	for (size_t i = 0; i < f->n_addrs; i++) {
		const struct doctor_addr *a = &f->addrs[i];
		unsigned max = af == AF_INET6 ? 128 : 32;
		/* A host address (/32, /128) is no segment: the VIP itself. */
		if (a->af != af || a->prefixlen >= max || !prefix_holds(a, addr))
			continue;
		if (!best || a->prefixlen > best->prefixlen)
			best = a;
	}
	return best;
}

bool doctor_is_local(const struct doctor_facts *f, uint16_t af, const union lvs_addr *addr)
{
	size_t n = af == AF_INET6 ? 16 : 4;
	for (size_t i = 0; i < f->n_addrs; i++)
		if (f->addrs[i].af == af && !memcmp(f->addrs[i].addr.raw, addr->raw, n))
			return true;
	return false;
}

static const struct doctor_link *link_by_index(const struct doctor_facts *f, int index)
{
	for (size_t i = 0; i < f->n_links; i++)
		if (f->links[i].index == index)
			return &f->links[i];
	return NULL;
}

static const char *ifname(const struct doctor_facts *f, int index, char *buf, size_t len)
{
	const struct doctor_link *l = link_by_index(f, index);
	if (l && l->name[0])
		snprintf(buf, len, "%s", l->name);
	else
		snprintf(buf, len, "ifindex %d", index);
	return buf;
}

static char *mac_str(const uint8_t m[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

/* Append printf text to a fixed buffer (truncating). */
static void cat(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cat(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	if (used + 1 >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* --- one run's context ----------------------------------------------------- */

struct run {
	const struct lvs_snapshot *s;
	const struct doctor_facts *f;
	const struct lvs_service *only;
	struct doctor_findings *out;
	int err;
};

static bool wanted(const struct run *r, const struct lvs_service *svc)
{
	return !r->only || !svc || lvs_service_same(r->only, svc);
}

static void add(struct run *r, const char *id, enum doctor_severity sev,
		const struct lvs_service *svc, const struct lvs_dest *d, const char *summary,
		const char *evidence, const char *fix)
{
	char sw[DOCTOR_SERVICE_MAX] = "", dw[DOCTOR_RS_MAX] = "";
	if (r->err || !wanted(r, svc))
		return;
	if (svc)
		doctor_service_words(svc, sw, sizeof(sw));
	if (d)
		doctor_dest_words(d, dw, sizeof(dw));
	if (!doctor_findings_add(r->out, id, sev, sw, dw, summary, evidence, fix))
		r->err = -ENOMEM;
}

/* --- the connection table per real server ---------------------------------- */

static const struct lvs_conn_dest *conn_dest(const struct lvs_snapshot *s, const struct lvs_dest *d)
{
	size_t n = d->af == AF_INET6 ? 16 : 4;
	for (size_t i = 0; i < s->conns.n_dests; i++) {
		const struct lvs_conn_dest *c = &s->conns.dests[i];
		if (c->af == d->af && c->port == d->port && !memcmp(c->addr.raw, d->addr.raw, n))
			return c;
	}
	return NULL;
}

static const char *const tcp_states[] = {
	"ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT", "TIME_WAIT", "CLOSE",
	"CLOSE_WAIT", "LAST_ACK", "LISTEN", "SYNACK", "NONE",
};

static bool is_tcp_state(const char *name)
{
	for (size_t i = 0; i < sizeof(tcp_states) / sizeof(*tcp_states); i++)
		if (!strcmp(name, tcp_states[i]))
			return true;
	return false;
}

static uint64_t state_count(const struct lvs_conn_dest *c, const char *name)
{
	for (size_t i = 0; c && i < c->n_states; i++)
		if (!strcmp(c->states[i].name, name))
			return c->states[i].count;
	return 0;
}

static uint64_t tcp_total(const struct lvs_conn_dest *c)
{
	uint64_t n = 0;
	for (size_t i = 0; c && i < c->n_states; i++)
		if (is_tcp_state(c->states[i].name))
			n += c->states[i].count;
	return n;
}

/* Entries piling up in SYN_RECV: the director saw the client's SYN and
 * forwarded it, but the handshake never completed through it. */
static bool syn_stuck(const struct lvs_conn_dest *c, uint64_t *syn, uint64_t *tcp)
{
	*syn = state_count(c, "SYN_RECV");
	*tcp = tcp_total(c);
	return *syn >= DOCTOR_SYN_MIN && (double)*syn >= DOCTOR_SYN_SHARE * (double)*tcp;
}

/* "192.0.2.11:80 4 ESTABLISHED, 2 TIME_WAIT" for the service's other real
 * servers, so the contrast is in the evidence. */
static void others_states(const struct lvs_snapshot *s, const struct lvs_service *svc,
			  const struct lvs_dest *self, char *buf, size_t len)
{
	bool any = false;
	for (size_t i = 0; i < svc->n_dests; i++) {
		const struct lvs_dest *o = &svc->dests[i];
		if (o == self)
			continue;
		const struct lvs_conn_dest *c = conn_dest(s, o);
		char dw[DOCTOR_RS_MAX];
		cat(buf, len, "%s%s:", any ? "; " : "\nother real servers: ",
		    doctor_dest_words(o, dw, sizeof(dw)));
		any = true;
		if (!c || !c->n_states) {
			cat(buf, len, " no entries");
			continue;
		}
		for (size_t k = 0; k < c->n_states && k < 4; k++)
			cat(buf, len, "%s %" PRIu64 " %s", k ? "," : "", c->states[k].count,
			    c->states[k].name);
	}
}

static bool forward_off(const struct doctor_facts *f, uint16_t af)
{
	return af == AF_INET6 ? f->ip6_forwarding == 0 : f->ip_forward == 0;
}

static void rule_syn_recv(struct run *r, const struct lvs_service *svc, const struct lvs_dest *d)
{
	const struct lvs_snapshot *s = r->s;
	if (!s->conns.available || (svc->protocol != IPPROTO_TCP && !svc->fwmark))
		return;
	const struct lvs_conn_dest *c = conn_dest(s, d);
	uint64_t syn, tcp;
	if (!c || !syn_stuck(c, &syn, &tcp))
		return;
	/* One real server in several services has one set of entries. */
	char dw[DOCTOR_RS_MAX];
	doctor_dest_words(d, dw, sizeof(dw));
	for (size_t i = 0; i < r->out->n; i++)
		if (!strcmp(r->out->v[i].real_server, dw) &&
		    (!strcmp(r->out->v[i].id, "nat-reply-path") ||
		     !strcmp(r->out->v[i].id, "dr-rs-no-vip") ||
		     !strcmp(r->out->v[i].id, "tun-rs-drops")))
			return;

	char ev[DOCTOR_TEXT_MAX] = "", fix[DOCTOR_TEXT_MAX] = "";
	cat(ev, sizeof(ev), "%s: %" PRIu64 " of %" PRIu64 " TCP entries in SYN_RECV, %" PRIu64
		" ESTABLISHED%s", dw, syn, tcp, state_count(c, "ESTABLISHED"),
	    s->conns.partial ? " (connection table read partly)" : "");
	others_states(s, svc, d, ev, sizeof(ev));
	if (d->health == LVS_HEALTH_UP)
		cat(ev, sizeof(ev), "\nits health check passes: the director reaches it, "
				    "clients do not");

	char ip[LVS_ADDR_STRLEN], vip[LVS_ADDR_STRLEN] = "VIP";
	lvs_addr_ntop(d->af, &d->addr, ip, sizeof(ip));
	if (!svc->fwmark)
		lvs_addr_ntop(svc->af, &svc->addr, vip, sizeof(vip));
	switch (d->fwd) {
	case LVS_FWD_MASQ: {
		if (forward_off(r->f, d->af))
			return; /* rule_forward names the cause */
		const struct doctor_addr *gw = doctor_connected(r->f, d->af, &d->addr);
		char gwip[LVS_ADDR_STRLEN];
		if (gw) {
			lvs_addr_ntop(gw->af, &gw->addr, gwip, sizeof(gwip));
			cat(fix, sizeof(fix), "on %s: ip %sroute replace default via %s "
			    "(the director's address on its segment)", ip,
			    d->af == AF_INET6 ? "-6 " : "", gwip);
		} else {
			cat(fix, sizeof(fix), "on %s: make the director its default gateway, or "
			    "route the clients' networks back through the director", ip);
		}
		add(r, "nat-reply-path", DOCTOR_ERROR, svc, d,
		    "replies from the real server do not pass through the director "
		    "(its connections stay in SYN_RECV); make the director its default gateway",
		    ev, fix);
		break;
	}
	case LVS_FWD_ROUTE:
		cat(fix, sizeof(fix), "on %s: ip addr add %s/%u dev lo; sysctl -w "
		    "net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2", ip, vip,
		    svc->af == AF_INET6 ? 128 : 32);
		add(r, "dr-rs-no-vip", DOCTOR_ERROR, svc, d,
		    "the real server does not accept packets for the VIP (no VIP on lo?): "
		    "its connections stay in SYN_RECV", ev, fix);
		break;
	case LVS_FWD_TUNNEL:
		cat(fix, sizeof(fix), "on %s: modprobe ipip; ip link set tunl0 up; ip addr add "
		    "%s/32 dev tunl0; sysctl -w net.ipv4.conf.tunl0.rp_filter=0 "
		    "net.ipv4.conf.all.rp_filter=0", ip, vip);
		add(r, "tun-rs-drops", DOCTOR_ERROR, svc, d,
		    "the real server drops the decapsulated packets (no VIP on tunl0, or "
		    "rp_filter): its connections stay in SYN_RECV", ev, fix);
		break;
	default:
		break;
	}
}

static void rule_port_mapping(struct run *r, const struct lvs_service *svc,
			      const struct lvs_dest *d)
{
	/* Port 0 (a persistent service of every port) and firewall marks
	 * carry the client's port through: nothing to map. */
	if (svc->fwmark || !svc->port || (d->fwd != LVS_FWD_ROUTE && d->fwd != LVS_FWD_TUNNEL) ||
	    d->port == svc->port)
		return;
	bool dr = d->fwd == LVS_FWD_ROUTE;
	char ev[DOCTOR_TEXT_MAX] = "", fix[DOCTOR_TEXT_MAX] = "", sw[DOCTOR_SERVICE_MAX],
	     dw[DOCTOR_RS_MAX], ip[LVS_ADDR_STRLEN];
	doctor_service_words(svc, sw, sizeof(sw));
	doctor_dest_words(d, dw, sizeof(dw));
	lvs_addr_ntop(d->af, &d->addr, ip, sizeof(ip));
	cat(ev, sizeof(ev), "-r %s %s under %s: %s does not rewrite the destination port; "
	    "clients' packets reach %s on port %u, not %u", dw, dr ? "-g" : "-i", sw,
	    dr ? "direct routing" : "tunnelling", ip, svc->port, d->port);
	cat(fix, sizeof(fix), "ipvsadm -d %s -r %s; ipvsadm -a %s -r %s%s%s:%u %s -w %d "
	    "(and serve port %u on %s); or use NAT (-m) to map ports", sw, dw, sw,
	    d->af == AF_INET6 ? "[" : "", ip, d->af == AF_INET6 ? "]" : "", svc->port,
	    dr ? "-g" : "-i", d->weight, svc->port, ip);
	add(r, "fwd-port-mapping", DOCTOR_ERROR, svc, d,
	    dr ? "direct routing cannot map ports: the real server's port differs from the service's"
	       : "tunnelling cannot map ports: the real server's port differs from the service's",
	    ev, fix);
}

static void rule_quiesced_persistent(struct run *r, const struct lvs_service *svc,
				     const struct lvs_dest *d)
{
	if (!(svc->flags & IP_VS_SVC_F_PERSISTENT) || d->weight != 0 || !d->persist_conns ||
	    r->f->expire_quiescent_template != 0)
		return;
	char ev[DOCTOR_TEXT_MAX] = "";
	cat(ev, sizeof(ev), "weight 0, yet %u persistence template%s still send%s clients to it "
	    "(%u active, %u inactive connections); persistence timeout %u s; "
	    "net.ipv4.vs.expire_quiescent_template = 0",
	    d->persist_conns, d->persist_conns == 1 ? "" : "s", d->persist_conns == 1 ? "s" : "",
	    d->active_conns, d->inact_conns, svc->timeout);
	add(r, "quiesced-persistent", DOCTOR_WARNING, svc, d,
	    "a quiesced real server keeps receiving its persistent clients",
	    ev,
	    "sysctl -w net.ipv4.vs.expire_quiescent_template=1 (a weight-0 server's templates "
	    "then expire at their next use; keep it in /etc/sysctl.d/); or wait out the "
	    "persistence timeout");
}

static void rule_forward(struct run *r, const struct lvs_service *svc)
{
	bool v4 = false, v6 = false;
	char list[DOCTOR_TEXT_MAX] = "";
	for (size_t i = 0; i < svc->n_dests; i++) {
		const struct lvs_dest *d = &svc->dests[i];
		if (d->fwd != LVS_FWD_MASQ || !forward_off(r->f, d->af))
			continue;
		char dw[DOCTOR_RS_MAX];
		cat(list, sizeof(list), "%s%s", v4 || v6 ? ", " : "", doctor_dest_words(d, dw, sizeof(dw)));
		if (d->af == AF_INET6)
			v6 = true;
		else
			v4 = true;
	}
	if (!v4 && !v6)
		return;
	char ev[DOCTOR_TEXT_MAX] = "", fix[DOCTOR_TEXT_MAX] = "";
	cat(ev, sizeof(ev), "%s%s%s; NAT real servers: %s", v4 ? "net.ipv4.ip_forward = 0" : "",
	    v4 && v6 ? ", " : "", v6 ? "net.ipv6.conf.all.forwarding = 0" : "", list);
	cat(fix, sizeof(fix), "sysctl -w%s%s (and the same in /etc/sysctl.d/ to keep it)",
	    v4 ? " net.ipv4.ip_forward=1" : "", v6 ? " net.ipv6.conf.all.forwarding=1" : "");
	add(r, "ip-forward-off", DOCTOR_ERROR, svc, NULL,
	    "forwarding is off on a director with NAT real servers: their replies are dropped",
	    ev, fix);
}

static void rule_weights(struct run *r, const struct lvs_service *svc)
{
	if (!svc->n_dests) {
		add(r, "no-real-server", DOCTOR_ERROR, svc, NULL,
		    "the service has no real server: every connection is refused",
		    "0 real servers", "add one: ipvsadm -a SERVICE -r ADDR[:PORT] -m|-g|-i -w 1");
		return;
	}
	for (size_t i = 0; i < svc->n_dests; i++)
		if (svc->dests[i].weight > 0)
			return;
	char ev[DOCTOR_TEXT_MAX] = "";
	cat(ev, sizeof(ev), "%zu real server%s, every weight 0:", svc->n_dests,
	    svc->n_dests == 1 ? "" : "s");
	for (size_t i = 0; i < svc->n_dests && i < 8; i++) {
		char dw[DOCTOR_RS_MAX];
		cat(ev, sizeof(ev), " %s", doctor_dest_words(&svc->dests[i], dw, sizeof(dw)));
	}
	if (svc->n_dests > 8)
		cat(ev, sizeof(ev), " ...");
	add(r, "all-weights-zero", DOCTOR_ERROR, svc, NULL,
	    "every real server of the service has weight 0: new connections are refused", ev,
	    "give at least one a weight: lvstop restore SERVICE -r ADDR[:PORT] "
	    "(or ipvsadm -e SERVICE -r ADDR[:PORT] -w N)");
}

static bool backup_role(const struct run *r)
{
	if (r->f->vrrp)
		return true;
	for (size_t i = 0; i < r->s->n_daemons; i++)
		if (r->s->daemons[i].state == IP_VS_STATE_BACKUP)
			return true;
	return false;
}

static void rule_vip_local(struct run *r, const struct lvs_service *svc)
{
	static const union lvs_addr any;
	if (svc->fwmark || !r->f->n_addrs || !memcmp(svc->addr.raw, any.raw, 16) ||
	    doctor_is_local(r->f, svc->af, &svc->addr) || backup_role(r))
		return;
	char ev[DOCTOR_TEXT_MAX] = "", fix[DOCTOR_TEXT_MAX] = "", vip[LVS_ADDR_STRLEN];
	lvs_addr_ntop(svc->af, &svc->addr, vip, sizeof(vip));
	cat(ev, sizeof(ev), "no interface of the director holds %s; its addresses:", vip);
	size_t shown = 0;
	for (size_t i = 0; i < r->f->n_addrs && shown < 8; i++) {
		const struct doctor_addr *a = &r->f->addrs[i];
		if (a->af != svc->af)
			continue;
		char ip[LVS_ADDR_STRLEN], ifn[LVS_IFNAME_MAX + 16];
		cat(ev, sizeof(ev), " %s/%u (%s)", lvs_addr_ntop(a->af, &a->addr, ip, sizeof(ip)),
		    a->prefixlen, ifname(r->f, a->ifindex, ifn, sizeof(ifn)));
		shown++;
	}
	cat(ev, sizeof(ev), "; no keepalived and no backup sync daemon runs");
	cat(fix, sizeof(fix), "ip addr add %s/%u dev IFACE (the interface the clients reach); "
	    "or correct the service's address if it is a typo", vip,
	    svc->af == AF_INET6 ? 128 : 32);
	add(r, "vip-not-local", DOCTOR_ERROR, svc, NULL,
	    "the virtual IP is not held by any interface of this director: packets for it "
	    "never reach IPVS", ev, fix);
}

/* Who answered ARP for a DR service's VIP besides the director. */
static void rule_arp(struct run *r)
{
	const struct doctor_facts *f = r->f;
	for (size_t k = 0; f->arp_probed && k < f->n_arp; k++) {
		const struct doctor_arp_answer *a = &f->arp[k];
		for (size_t i = 0; i < r->s->n_services; i++) {
			const struct lvs_service *svc = &r->s->services[i];
			if (svc->fwmark || svc->af != AF_INET || svc->addr.v4.s_addr != a->vip.s_addr)
				continue;
			const struct lvs_dest *who = NULL, *any_dr = NULL;
			const struct doctor_neigh *nb = NULL;
			for (size_t n = 0; n < f->n_neighs; n++)
				if (f->neighs[n].af == AF_INET && f->neighs[n].ifindex == a->ifindex &&
				    !memcmp(f->neighs[n].mac, a->mac, 6))
					nb = &f->neighs[n];
			for (size_t j = 0; j < svc->n_dests; j++) {
				const struct lvs_dest *d = &svc->dests[j];
				if (d->fwd != LVS_FWD_ROUTE)
					continue;
				any_dr = d;
				if (nb && d->af == AF_INET && d->addr.v4.s_addr == nb->addr.v4.s_addr)
					who = d;
			}
			if (!any_dr)
				continue;
			char ev[DOCTOR_TEXT_MAX] = "", fix[DOCTOR_TEXT_MAX] = "";
			char vip[LVS_ADDR_STRLEN], mac[18], ifn[LVS_IFNAME_MAX + 16], ip[LVS_ADDR_STRLEN];
			lvs_addr_ntop(AF_INET, &svc->addr, vip, sizeof(vip));
			ifname(f, a->ifindex, ifn, sizeof(ifn));
			cat(ev, sizeof(ev), "who-has %s on %s: answered by %s", vip, ifn,
			    mac_str(a->mac, mac, sizeof(mac)));
			if (nb)
				cat(ev, sizeof(ev), " (%s in the neighbour table)",
				    lvs_addr_ntop(AF_INET, &nb->addr, ip, sizeof(ip)));
			const struct doctor_link *l = link_by_index(f, a->ifindex);
			if (l && l->has_mac)
				cat(ev, sizeof(ev), "; the director's %s is %s", ifn,
				    mac_str(l->mac, mac, sizeof(mac)));
			const char *host = who ? lvs_addr_ntop(AF_INET, &who->addr, ip, sizeof(ip))
					       : nb ? ip : "the host with that MAC";
			cat(fix, sizeof(fix), "on %s: sysctl -w net.ipv4.conf.all.arp_ignore=1 "
			    "net.ipv4.conf.all.arp_announce=2 (and for its interface on this segment); "
			    "keep the VIP on lo, not on eth0: ip addr del %s/32 dev eth0; "
			    "ip addr add %s/32 dev lo", host, vip, vip);
			add(r, "dr-arp-vip", DOCTOR_ERROR, svc, who,
			    "a host other than the director answers ARP for the VIP: clients' "
			    "traffic can bypass the director", ev, fix);
		}
	}
}

static void rule_conn_table(struct run *r)
{
	const struct lvs_snapshot *s = r->s;
	uint64_t size = s->conn_tab_size;
	if (!s->conns.available || !size || s->conns.total <= DOCTOR_CONN_PER_BUCKET * size)
		return;
	unsigned bits = 8;
	while (bits < 20 && (1ull << bits) < s->conns.total)
		bits++;
	char ev[DOCTOR_TEXT_MAX] = "", fix[DOCTOR_TEXT_MAX] = "";
	cat(ev, sizeof(ev), "%s%" PRIu64 " connection entries for a hash table of %" PRIu64
	    " buckets: %.1f per bucket (more than %d makes every packet's lookup walk a long chain)",
	    s->conns.partial ? "at least " : "", s->conns.total, size,
	    (double)s->conns.total / (double)size, DOCTOR_CONN_PER_BUCKET);
	cat(fix, sizeof(fix), "echo 'options ip_vs conn_tab_bits=%u' > /etc/modprobe.d/ip_vs.conf; "
	    "then reload ip_vs (ipvsadm -S > saved; rmmod ip_vs...; modprobe ip_vs; "
	    "ipvsadm -R < saved) at a quiet moment", bits);
	add(r, "conn-table-small", DOCTOR_WARNING, NULL, NULL,
	    "connection entries far above the connection table's hash size", ev, fix);
}

static void rule_rules_file(struct run *r)
{
	const struct doctor_facts *f = r->f;
	if (r->s->n_services || !f->rules_file || !f->rules_services)
		return;
	char ev[DOCTOR_TEXT_MAX] = "", fix[DOCTOR_TEXT_MAX] = "";
	cat(ev, sizeof(ev), "the IPVS table is empty%s; %s holds %u service%s and %u real server%s",
	    f->ipvs_loaded ? "" : " (ip_vs is not loaded)", f->rules_file, f->rules_services,
	    f->rules_services == 1 ? "" : "s", f->rules_servers, f->rules_servers == 1 ? "" : "s");
	cat(fix, sizeof(fix), "ipvsadm-restore < %s (or: lvstop load %s); then find why the "
	    "restore failed at boot: systemctl status ipvsadm; journalctl -b -u ipvsadm",
	    f->rules_file, f->rules_file);
	add(r, "rules-not-loaded", DOCTOR_ERROR, NULL, NULL,
	    "the director's table is empty while a saved rules file exists: the restore at "
	    "boot did not run or failed", ev, fix);
}

int doctor_diagnose(const struct lvs_snapshot *s, const struct doctor_facts *facts,
		    const struct lvs_service *only, struct doctor_findings *out)
{
	struct run r = { .s = s, .f = facts, .only = only, .out = out };
	rule_rules_file(&r);
	rule_conn_table(&r);
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *svc = &s->services[i];
		rule_weights(&r, svc);
		rule_vip_local(&r, svc);
		rule_forward(&r, svc);
		for (size_t j = 0; j < svc->n_dests; j++) {
			rule_syn_recv(&r, svc, &svc->dests[j]);
			rule_port_mapping(&r, svc, &svc->dests[j]);
			rule_quiesced_persistent(&r, svc, &svc->dests[j]);
		}
	}
	rule_arp(&r);
	return r.err;
}
