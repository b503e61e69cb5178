#include "collector/doctor/gather.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/doctor/arp_probe.h"
#include "share/buf.h"
#include "share/file.h"
#include "share/vec.h"

int doctor_read_sysctl(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	int v = -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

void doctor_count_rules(const char *text, unsigned *services, unsigned *servers)
{
	*services = *servers = 0;
	const char *p = text;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!strncmp(p, "-A ", 3) || !strncmp(p, "--add-service ", 14))
			(*services)++;
		else if (!strncmp(p, "-a ", 3) || !strncmp(p, "--add-server ", 13))
			(*servers)++;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
}

static void path_in(char *buf, size_t len, const char *root, const char *path)
{
	snprintf(buf, len, "%s%s", root, path);
}

static void read_sysctls(struct doctor_facts *f, const char *root)
{
	static const struct {
		const char *path;
		size_t off;
	} tab[] = {
		{ "/proc/sys/net/ipv4/ip_forward", offsetof(struct doctor_facts, ip_forward) },
		{ "/proc/sys/net/ipv6/conf/all/forwarding", offsetof(struct doctor_facts, ip6_forwarding) },
		{ "/proc/sys/net/ipv4/vs/expire_nodest_conn",
		  offsetof(struct doctor_facts, expire_nodest_conn) },
		{ "/proc/sys/net/ipv4/vs/expire_quiescent_template",
		  offsetof(struct doctor_facts, expire_quiescent_template) },
		{ "/proc/sys/net/ipv4/vs/conn_reuse_mode", offsetof(struct doctor_facts, conn_reuse_mode) },
		{ "/proc/sys/net/ipv4/vs/conntrack", offsetof(struct doctor_facts, vs_conntrack) },
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(*tab); i++) {
		char p[512];
		path_in(p, sizeof(p), root, tab[i].path);
		*(int *)((char *)f + tab[i].off) = doctor_read_sysctl(p);
	}
}

static bool keepalived_runs(const char *root)
{
	char p[512];
	path_in(p, sizeof(p), root, "/proc");
	DIR *d = opendir(p);
	if (!d)
		return false;
	bool found = false;
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		char cp[800], comm[32] = "";
		snprintf(cp, sizeof(cp), "%s/%s/comm", p, e->d_name);
		FILE *f = fopen(cp, "re");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f))
			found = !strcmp(comm, "keepalived\n");
		fclose(f);
	}
	closedir(d);
	return found;
}

static int find_rules(struct doctor_gathered *g, const struct doctor_gather_opts *o,
		      const char *root, char *msg, size_t msglen)
{
	const char *cands[] = { o->rules_file, o->rules_file ? NULL : DOCTOR_RULES_DEBIAN,
				o->rules_file ? NULL : DOCTOR_RULES_REDHAT };
	for (size_t i = 0; i < 3; i++) {
		if (!cands[i])
			continue;
		char p[512];
		path_in(p, sizeof(p), o->rules_file ? "" : root, cands[i]);
		/* A saved table of 100,000 real servers is about 5 MiB. */
		struct lvs_buf text = LVS_BUF_INIT;
		int r = file_read(p, 64u << 20, &text);
		if (r == -ENOMEM) {
			snprintf(msg, msglen, "out of memory");
			return r;
		}
		if (r && o->rules_file) {
			snprintf(msg, msglen, "--rules: cannot read %s: %s", o->rules_file,
				 r == -EFBIG ? "larger than 64 MiB" : strerror(-r));
			return r;
		}
		if (r)
			continue;
		unsigned sv, rs;
		doctor_count_rules(text.p ? text.p : "", &sv, &rs);
		buf_free(&text);
		if (!sv)
			continue;
		snprintf(g->rules_path, sizeof(g->rules_path), "%s", cands[i]);
		g->facts.rules_file = g->rules_path;
		g->facts.rules_services = sv;
		g->facts.rules_servers = rs;
		return 0;
	}
	return 0;
}

static void to_lvs_addr(struct nl_addr *a, uint16_t *af, union lvs_addr *out)
{
	memset(out, 0, sizeof(*out));
	*af = (uint16_t)nl_addr_get_family(a);
	size_t len = nl_addr_get_len(a);
	if (len > sizeof(out->raw))
		len = sizeof(out->raw);
	memcpy(out->raw, nl_addr_get_binary_addr(a), len);
}

/* Interfaces, addresses and neighbours, one dump each. */
static int read_rtnl(struct doctor_gathered *g, char *msg, size_t msglen)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *links = NULL, *addrs = NULL, *neighs = NULL;
	int r = 0;
	if (!sk)
		return -ENOMEM;
	if ((r = nl_connect(sk, NETLINK_ROUTE)) || (r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links)) ||
	    (r = rtnl_addr_alloc_cache(sk, &addrs)) || (r = rtnl_neigh_alloc_cache(sk, &neighs))) {
		snprintf(msg, msglen, "cannot read interfaces and addresses over rtnetlink: %s",
			 nl_geterror(r));
		r = -EIO;
		goto out;
	}
	int nl = nl_cache_nitems(links), na = nl_cache_nitems(addrs), nn = nl_cache_nitems(neighs);
	g->links = calloc((size_t)nl + 1, sizeof(*g->links));
	g->addrs = calloc((size_t)na + 1, sizeof(*g->addrs));
	g->neighs = calloc((size_t)nn + 1, sizeof(*g->neighs));
	if (!g->links || !g->addrs || !g->neighs) {
		r = -ENOMEM;
		goto out;
	}
	size_t k = 0;
	for (struct nl_object *o = nl_cache_get_first(links); o && k < (size_t)nl;
	     o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		struct doctor_link *x = &g->links[k++];
		x->index = rtnl_link_get_ifindex(l);
		snprintf(x->name, sizeof(x->name), "%s", rtnl_link_get_name(l) ? rtnl_link_get_name(l) : "");
		struct nl_addr *a = rtnl_link_get_addr(l);
		if (a && nl_addr_get_len(a) == 6) {
			memcpy(x->mac, nl_addr_get_binary_addr(a), 6);
			static const uint8_t zero[6];
			x->has_mac = memcmp(x->mac, zero, 6) != 0;
		}
	}
	g->facts.n_links = k;
	k = 0;
	for (struct nl_object *o = nl_cache_get_first(addrs); o && k < (size_t)na;
	     o = nl_cache_get_next(o)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)o;
		struct nl_addr *a = rtnl_addr_get_local(ra);
		int fam = rtnl_addr_get_family(ra);
		if (!a || (fam != AF_INET && fam != AF_INET6))
			continue;
		struct doctor_addr *x = &g->addrs[k++];
		x->ifindex = rtnl_addr_get_ifindex(ra);
		x->prefixlen = (uint8_t)rtnl_addr_get_prefixlen(ra);
		to_lvs_addr(a, &x->af, &x->addr);
	}
	g->facts.n_addrs = k;
	k = 0;
	for (struct nl_object *o = nl_cache_get_first(neighs); o && k < (size_t)nn;
	     o = nl_cache_get_next(o)) {
		struct rtnl_neigh *ne = (struct rtnl_neigh *)o;
		struct nl_addr *dst = rtnl_neigh_get_dst(ne), *ll = rtnl_neigh_get_lladdr(ne);
		if (!dst || !ll || nl_addr_get_len(ll) != 6)
			continue;
		int fam = nl_addr_get_family(dst);
		if (fam != AF_INET && fam != AF_INET6)
			continue;
		struct doctor_neigh *x = &g->neighs[k++];
		x->ifindex = rtnl_neigh_get_ifindex(ne);
		to_lvs_addr(dst, &x->af, &x->addr);
		memcpy(x->mac, nl_addr_get_binary_addr(ll), 6);
	}
	g->facts.n_neighs = k;
	g->facts.links = g->links;
	g->facts.addrs = g->addrs;
	g->facts.neighs = g->neighs;
out:
	if (neighs)
		nl_cache_free(neighs);
	if (addrs)
		nl_cache_free(addrs);
	if (links)
		nl_cache_free(links);
	nl_socket_free(sk);
	return r;
}

/* One target per (DR VIP, interface of a DR real server's segment). */
static int probe_arp(const struct lvs_snapshot *s, const struct doctor_gather_opts *o,
		     struct doctor_gathered *g)
{
	struct doctor_facts *f = &g->facts;
	struct arp_probe_target *t = NULL;
	size_t n = 0, cap = 0;
	int r = 0;
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *svc = &s->services[i];
		if (svc->fwmark || svc->af != AF_INET)
			continue;
		for (size_t j = 0; j < svc->n_dests; j++) {
			const struct lvs_dest *d = &svc->dests[j];
			if (d->fwd != LVS_FWD_ROUTE || d->af != AF_INET)
				continue;
			const struct doctor_addr *seg = doctor_connected(f, AF_INET, &d->addr);
			const struct doctor_link *l = NULL;
			for (size_t k = 0; seg && k < f->n_links; k++)
				if (f->links[k].index == seg->ifindex && f->links[k].has_mac)
					l = &f->links[k];
			if (!l)
				continue;
			bool dup = false;
			for (size_t k = 0; k < n && !dup; k++)
				dup = t[k].ifindex == l->index && t[k].vip.s_addr == svc->addr.v4.s_addr;
			if (dup)
				continue;
			if (vec_grow((void **)&t, &cap, n + 1, sizeof(*t), 4)) {
				free(t);
				return -ENOMEM;
			}
			t[n].ifindex = l->index;
			memcpy(t[n].mac, l->mac, 6);
			t[n].vip = svc->addr.v4;
			n++;
		}
	}
	uint8_t (*own)[6] = calloc(f->n_links + 1, 6);
	if (!own) {
		free(t);
		return -ENOMEM;
	}
	size_t n_own = 0;
	for (size_t k = 0; k < f->n_links; k++)
		if (f->links[k].has_mac)
			memcpy(own[n_own++], f->links[k].mac, 6);
	size_t n_arp = 0;
	r = arp_probe_run(t, n, (const uint8_t (*)[6])own, n_own, o->arp_wait > 0 ? o->arp_wait : 0.5,
			  &g->arp, &n_arp);
	free(own);
	free(t);
	if (r == -ENOMEM)
		return r;
	if (r) {
		snprintf(g->note, sizeof(g->note), "the ARP probe of DR VIPs did not run: %s%s",
			 strerror(-r), r == -EPERM ? " (it needs CAP_NET_RAW)" : "");
		return 0;
	}
	f->arp = g->arp;
	f->n_arp = n_arp;
	f->arp_probed = true;
	return 0;
}

int doctor_gather(const struct lvs_snapshot *s, bool ipvs_loaded,
		  const struct doctor_gather_opts *o, struct doctor_gathered *g, char *msg,
		  size_t msglen)
{
	static const struct doctor_gather_opts defaults;
	if (!o)
		o = &defaults;
	const char *root = o->root ? o->root : "";
	memset(g, 0, sizeof(*g));
	doctor_facts_init(&g->facts);
	g->facts.ipvs_loaded = ipvs_loaded;
	read_sysctls(&g->facts, root);
	g->facts.vrrp = keepalived_runs(root);
	int r = find_rules(g, o, root, msg, msglen);
	if (r)
		return r;
	r = read_rtnl(g, msg, msglen);
	if (r)
		return r;
	if (!o->no_arp)
		r = probe_arp(s, o, g);
	if (r == -ENOMEM)
		snprintf(msg, msglen, "out of memory");
	return r;
}

void doctor_gathered_done(struct doctor_gathered *g)
{
	free(g->links);
	free(g->addrs);
	free(g->neighs);
	free(g->arp);
	memset(g, 0, sizeof(*g));
}
