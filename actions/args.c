#include "actions/args.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ip_vs.h>

#include "collector/names.h"
#include "share/addr.h"

static const char *const schedulers[] = {
	"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh",
};
#define N_SCHED (sizeof(schedulers) / sizeof(schedulers[0]))

bool args_sched_known(const char *name)
{
	for (size_t i = 0; i < N_SCHED; i++)
		if (!strcmp(schedulers[i], name))
			return true;
	return false;
}

static const struct {
	const char *word;
	enum lvs_act act;
} act_words[] = {
	{ "quiesce", LVS_ACT_QUIESCE },
	{ "drain", LVS_ACT_DRAIN },
	{ "restore", LVS_ACT_RESTORE },
	{ "weight", LVS_ACT_WEIGHT },
	{ "add-service", LVS_ACT_ADD_SVC },
	{ "edit-service", LVS_ACT_EDIT_SVC },
	{ "del-service", LVS_ACT_DEL_SVC },
	{ "add-server", LVS_ACT_ADD_DEST },
	{ "edit-server", LVS_ACT_EDIT_DEST },
	{ "del-server", LVS_ACT_DEL_DEST },
	{ "zero", LVS_ACT_ZERO },
	{ "timeouts", LVS_ACT_TIMEOUTS },
	{ "flush", LVS_ACT_FLUSH },
	{ "save", LVS_ACT_SAVE },
	{ "load", LVS_ACT_LOAD },
	{ "start-daemon", LVS_ACT_START_DAEMON },
	{ "stop-daemon", LVS_ACT_STOP_DAEMON },
	/* The rule file's words, as ipvsadm -S writes them and -R reads them. */
	{ "-A", LVS_ACT_ADD_SVC },
	{ "-E", LVS_ACT_EDIT_SVC },
	{ "-D", LVS_ACT_DEL_SVC },
	{ "-a", LVS_ACT_ADD_DEST },
	{ "-e", LVS_ACT_EDIT_DEST },
	{ "-d", LVS_ACT_DEL_DEST },
};

const char *args_act_name(enum lvs_act act)
{
	for (size_t i = 0; i < sizeof(act_words) / sizeof(act_words[0]); i++)
		if (act_words[i].act == act)
			return act_words[i].word;
	return "?";
}

int args_act_from_word(const char *word, enum lvs_act *act)
{
	for (size_t i = 0; i < sizeof(act_words) / sizeof(act_words[0]); i++)
		if (!strcmp(act_words[i].word, word)) {
			*act = act_words[i].act;
			return 0;
		}
	return -EINVAL;
}

int args_split(char *line, char **argv, int max)
{
	int n = 0;
	char *save = NULL;
	for (char *w = strtok_r(line, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == max)
			return -E2BIG;
		argv[n++] = w;
	}
	return n;
}

/* ------------------------------------------------------------------------
 * Fields
 * ------------------------------------------------------------------------ */

/* Messages quote what was typed or read from a rule file: bytes outside
 * printable ASCII come back as '?', so the sentence is safe on a terminal
 * and stays one line. */
static void make_printable(char *s, size_t len)
{
	for (; len && *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

#define FAIL(...)                                    \
	do {                                         \
		snprintf(err, errlen, __VA_ARGS__); \
		make_printable(err, errlen);         \
		return -EINVAL;                      \
	} while (0)

/* Decimal digits only (no sign, no spaces, no 0x), at most max. */
static int parse_num(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return -EINVAL;
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*c - '0');
		if (v > max)
			return -ERANGE;
	}
	*out = v;
	return 0;
}

static int num_field(const char *field, const char *s, uint64_t min, uint64_t max,
		     const char *what, uint64_t *out, char *err, size_t errlen)
{
	int r = parse_num(s, max, out);
	uint64_t ignored;
	if (r == -EINVAL && s[0] == '-' && parse_num(s + 1, UINT64_MAX, &ignored) != -EINVAL)
		FAIL("%s: %s is negative: must be %llu or more (%s: %llu..%llu)", field, s,
		     (unsigned long long)min, what, (unsigned long long)min, (unsigned long long)max);
	if (r == -EINVAL)
		FAIL("%s: '%s' is not a number", field, s);
	if (r == -ERANGE || *out < min)
		FAIL("%s: %s is out of range (%s: %llu..%llu)", field, s, what,
		     (unsigned long long)min, (unsigned long long)max);
	return 0;
}

/* ADDR[:PORT] through share/addr (the port rule is the caller's). */
static int addr_field(const char *field, const char *s, unsigned rule, uint16_t *af,
		      union lvs_addr *addr, uint16_t *port, bool *has_port, char *err, size_t errlen)
{
	struct lvs_addr_port ap;
	if (addr_parse(field, s, rule, &ap, err, errlen) < 0)
		return -EINVAL;
	*af = ap.af;
	*addr = ap.addr;
	*port = ap.port;
	*has_port = ap.has_port;
	return 0;
}

/* Long options and the short ones they stand for. */
static const struct {
	const char *name;
	char short_opt;
	bool arg;
} long_opts[] = {
	{ "--tcp-service", 't', true },   { "--udp-service", 'u', true },
	{ "--sctp-service", 'S', true },  { "--fwmark-service", 'f', true },
	{ "--ipv6", '6', false },         { "--real-server", 'r', true },
	{ "--gatewaying", 'g', false },   { "--ipip", 'i', false },
	{ "--masquerading", 'm', false }, { "--weight", 'w', true },
	{ "--u-threshold", 'x', true },   { "--l-threshold", 'y', true },
	{ "--scheduler", 's', true },     { "--sched-flags", 'b', true },
	{ "--persistent", 'p', false },   { "--netmask", 'M', true },
	{ "--ops", 'o', false },          { "--pe", 'P', true },
	{ "--tun-type", 'T', true },      { "--tun-port", 'Q', true },
	{ "--tun-nocsum", 'N', false },   { "--tun-csum", 'C', false },
	{ "--tun-remcsum", 'R', false },  { "--wait", 'W', false },
	{ "--timeout", 'O', true },       { "--remove", 'X', false },
	{ "--yes", 'Y', false },          { "--full", 'F', false },
	{ "--flush", 'L', false },        { "--numeric", 'n', false },
	{ "--interval", 'I', true },        { "--ignore-inactive", 'Z', false },
	{ "--mcast-interface", 'J', true }, { "--syncid", 'K', true },
	{ "--sync-maxlen", 'U', true },     { "--mcast-group", 'G', true },
	{ "--mcast-port", 'H', true },      { "--mcast-ttl", 'V', true },
	/* edit-service changes only what is given; these turn settings off. */
	{ "--no-persistent", 'a', false },  { "--no-ops", 'c', false },
};
static const char short_with_arg[] = "tufrwxysbM";
static const char short_plain[] = "6gimonp";

/* Options each action takes. */
static const char *allowed_opts(enum lvs_act act)
{
	switch (act) {
	case LVS_ACT_ADD_SVC: return "tuSf6sbpMoP";
	case LVS_ACT_EDIT_SVC: return "tuSf6sbpMoPac";
	case LVS_ACT_DEL_SVC: return "tuSf6";
	case LVS_ACT_ADD_DEST:
	case LVS_ACT_EDIT_DEST: return "tuSf6rgimwxyTQNCR";
	case LVS_ACT_DEL_DEST: return "tuSf6r";
	case LVS_ACT_QUIESCE:
	case LVS_ACT_RESTORE: return "tuSf6r";
	case LVS_ACT_DRAIN: return "tuSf6rWOXIZ";
	case LVS_ACT_WEIGHT: return "tuSf6rw";
	case LVS_ACT_ZERO: return "tuSf6";
	case LVS_ACT_TIMEOUTS: return "";
	case LVS_ACT_FLUSH: return "Y";
	case LVS_ACT_SAVE: return "nF";
	case LVS_ACT_LOAD: return "L";
	case LVS_ACT_START_DAEMON: return "JKUGHV";
	case LVS_ACT_STOP_DAEMON: return "";
	}
	return "";
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int args_check_dest_fields(const struct lvs_service *svc, const struct lvs_dest *d, bool port_known,
				  char *err, size_t errlen);

int args_check_given(const struct lvs_args *g, char *err, size_t errlen)
{
	if (g->act == LVS_ACT_ADD_SVC) {
		struct lvs_service svc = g->svc;
		if (!(g->given & LVS_ARG_SCHED))
			snprintf(svc.sched, sizeof(svc.sched), "wlc");
		if (!(g->given & LVS_ARG_NETMASK))
			svc.netmask = svc.af == AF_INET6 ? 128 : 0xffffffffu;
		return args_check_service(&svc, err, errlen);
	}
	if (g->act == LVS_ACT_ADD_DEST) {
		struct lvs_dest d = g->dest;
		if (!(g->given & LVS_ARG_FWD))
			d.fwd = LVS_FWD_ROUTE;
		if (!(g->given & LVS_ARG_WEIGHT))
			d.weight = 1;
		if (!(g->given & LVS_ARG_DEST_PORT))
			d.port = g->svc.fwmark ? 0 : g->svc.port;
		return args_check_dest(&g->svc, &d, err, errlen);
	}
	if (g->act == LVS_ACT_EDIT_DEST && (g->given & LVS_ARG_FWD))
		return args_check_dest_fields(&g->svc, &g->dest, g->given & LVS_ARG_DEST_PORT, err, errlen);
	return 0;
}

int args_parse(int argc, char *const argv[], struct lvs_args *out, char *err, size_t errlen)
{
	const char *netmask = NULL, *flags_s = NULL, *tun_type = NULL;
	const char *positional[4];
	int n_pos = 0;
	char seen[128] = { 0 };
	bool svc_has_port = false;
	uint64_t v;

	memset(out, 0, sizeof(*out));
	out->interval = 1.0;
	if (argc < 1 || args_act_from_word(argv[0], &out->act) < 0)
		FAIL("unknown command '%s'", argc < 1 ? "" : argv[0]);
	const char *allowed = allowed_opts(out->act);
	const char *cmd = argv[0];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		char c = 0;
		bool takes_arg = false;

		/* weight -N is a relative weight, not an option (-6 included). */
		if ((out->act == LVS_ACT_WEIGHT || out->act == LVS_ACT_TIMEOUTS) && a[0] == '-' &&
		    all_digits(a + 1)) {
			if (n_pos == (int)(sizeof(positional) / sizeof(positional[0])))
				FAIL("%s: too many arguments ('%s')", cmd, a);
			positional[n_pos++] = a;
			continue;
		}
		if (a[0] == '-' && a[1] == '-') {
			for (size_t k = 0; k < sizeof(long_opts) / sizeof(long_opts[0]); k++)
				if (!strcmp(long_opts[k].name, a)) {
					c = long_opts[k].short_opt;
					takes_arg = long_opts[k].arg;
				}
			if (!c)
				FAIL("%s: unknown option '%s'", cmd, a);
		} else if (a[0] == '-' && a[1] && !a[2] && !(a[1] >= '0' && a[1] <= '9' && a[1] != '6')) {
			c = a[1];
			if (strchr(short_with_arg, c))
				takes_arg = true;
			else if (!strchr(short_plain, c))
				FAIL("%s: unknown option '%s'", cmd, a);
		} else {
			if (n_pos == (int)(sizeof(positional) / sizeof(positional[0])))
				FAIL("%s: too many arguments ('%s')", cmd, a);
			positional[n_pos++] = a;
			continue;
		}
		if (!strchr(allowed, c))
			FAIL("%s: option '%s' does not apply to this command", cmd, a);
		if (seen[(unsigned char)c]++)
			FAIL("%s: option '%s' given twice", cmd, a);
		if (takes_arg) {
			if (i + 1 >= argc)
				FAIL("%s: option '%s' needs a value", cmd, a);
			val = argv[++i];
		}
		/* -p takes an optional timeout: the next word when it is a number. */
		if (c == 'p' && i + 1 < argc && all_digits(argv[i + 1]))
			val = argv[++i];

		switch (c) {
		case 't':
		case 'u':
		case 'S':
			if (out->given & LVS_ARG_SVC)
				FAIL("%s: give one service (-t, -u, --sctp-service or -f)", cmd);
			out->given |= LVS_ARG_SVC;
			out->svc.protocol = c == 't' ? IPPROTO_TCP : c == 'u' ? IPPROTO_UDP : IPPROTO_SCTP;
			if (addr_field("service address", val, ADDR_PORT_OPTIONAL | ADDR_PORT_ZERO,
				       &out->svc.af, &out->svc.addr, &out->svc.port, &svc_has_port,
				       err, errlen))
				return -EINVAL;
			break;
		case 'f':
			if (out->given & LVS_ARG_SVC)
				FAIL("%s: give one service (-t, -u, --sctp-service or -f)", cmd);
			out->given |= LVS_ARG_SVC;
			/* ipvsadm -S prints a mark with %d, so marks from 2^31 up
			 * appear negative in rule files: take them back there. */
			if (cmd[0] == '-' && val[0] == '-' &&
			    parse_num(val + 1, 2147483648u, &v) == 0 && v > 0) {
				out->svc.fwmark = (uint32_t)(4294967296u - v);
				break;
			}
			if (num_field("firewall mark", val, 1, UINT32_MAX, "a mark", &v, err, errlen))
				return -EINVAL;
			out->svc.fwmark = (uint32_t)v;
			break;
		case '6':
			out->given |= LVS_ARG_IPV6;
			break;
		case 'r': {
			bool has_port;
			out->given |= LVS_ARG_DEST;
			if (addr_field("real server", val, ADDR_PORT_OPTIONAL | ADDR_PORT_ZERO,
				       &out->dest.af, &out->dest.addr, &out->dest.port, &has_port,
				       err, errlen))
				return -EINVAL;
			if (has_port)
				out->given |= LVS_ARG_DEST_PORT;
			break;
		}
		case 'g':
		case 'i':
		case 'm':
			if (out->given & LVS_ARG_FWD)
				FAIL("%s: forwarding method: -g, -i and -m exclude each other", cmd);
			out->given |= LVS_ARG_FWD;
			out->dest.fwd = c == 'g' ? LVS_FWD_ROUTE : c == 'i' ? LVS_FWD_TUNNEL : LVS_FWD_MASQ;
			break;
		case 'w':
			if (num_field("weight", val, 0, LVS_WEIGHT_MAX, "a weight", &v, err, errlen))
				return -EINVAL;
			out->given |= LVS_ARG_WEIGHT;
			out->dest.weight = (int32_t)v;
			break;
		case 'x':
			if (num_field("upper threshold (-x)", val, 0, UINT32_MAX, "connections", &v, err, errlen))
				return -EINVAL;
			out->given |= LVS_ARG_UTH;
			out->dest.u_thresh = (uint32_t)v;
			break;
		case 'y':
			if (num_field("lower threshold (-y)", val, 0, UINT32_MAX, "connections", &v, err, errlen))
				return -EINVAL;
			out->given |= LVS_ARG_LTH;
			out->dest.l_thresh = (uint32_t)v;
			break;
		case 's':
			if (!args_sched_known(val))
				FAIL("scheduler: '%s' is not an IPVS scheduler (one of rr wrr lc wlc "
				     "lblc lblcr dh sh sed nq fo ovf mh)", val);
			out->given |= LVS_ARG_SCHED;
			snprintf(out->svc.sched, sizeof(out->svc.sched), "%s", val);
			break;
		case 'b':
			flags_s = val;
			break;
		case 'p':
			out->given |= LVS_ARG_PERSIST;
			out->svc.flags |= IP_VS_SVC_F_PERSISTENT;
			out->svc.timeout = LVS_PERSIST_DEFAULT;
			if (val) {
				if (num_field("persistence timeout (-p)", val, 1, LVS_TIMEOUT_MAX,
					      "seconds", &v, err, errlen))
					return -EINVAL;
				out->svc.timeout = (uint32_t)v;
			}
			break;
		case 'M':
			netmask = val;
			break;
		case 'o':
			out->given |= LVS_ARG_ONEPACKET;
			out->svc.flags |= IP_VS_SVC_F_ONEPACKET;
			break;
		case 'a':
			out->given |= LVS_ARG_NO_PERSIST;
			break;
		case 'c':
			out->given |= LVS_ARG_NO_ONEPACKET;
			break;
		case 'P':
			if (strcmp(val, "sip"))
				FAIL("persistence engine (--pe): '%s' is not one the kernel has (sip)", val);
			out->given |= LVS_ARG_PE;
			snprintf(out->svc.pe_name, sizeof(out->svc.pe_name), "%s", val);
			break;
		case 'T':
			tun_type = val;
			break;
		case 'Q':
			if (num_field("tunnel port (--tun-port)", val, 1, 65535, "a port", &v, err, errlen))
				return -EINVAL;
			out->given |= LVS_ARG_TUN_PORT;
			out->dest.tun_port = (uint16_t)v;
			break;
		case 'N':
		case 'C':
		case 'R':
			if (out->given & LVS_ARG_TUN_FLAGS)
				FAIL("%s: --tun-nocsum, --tun-csum and --tun-remcsum exclude each other", cmd);
			out->given |= LVS_ARG_TUN_FLAGS;
			out->dest.tun_flags = c == 'N' ? IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM
				: c == 'C' ? IP_VS_TUNNEL_ENCAP_FLAG_CSUM : IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM;
			break;
		case 'W':
			out->wait = true;
			break;
		case 'O':
			if (num_field("drain timeout (--timeout)", val, 1, 86400 * 365, "seconds", &v, err, errlen))
				return -EINVAL;
			out->has_wait_timeout = true;
			out->wait_timeout = (double)v;
			break;
		case 'I':
			if (num_field("poll interval (--interval)", val, 1, 3600, "seconds", &v, err, errlen))
				return -EINVAL;
			out->interval = (double)v;
			break;
		case 'X':
			out->remove = true;
			break;
		case 'Y':
			out->yes = true;
			break;
		case 'Z':
			out->ignore_inactive = true;
			break;
		case 'F':
			out->full = true;
			break;
		case 'L':
			out->flush_first = true;
			break;
		case 'n':
			break; /* save is always numeric */
		case 'J':
			if (!*val || strlen(val) >= sizeof(out->dm.mcast_ifn) || strchr(val, '/') ||
			    strchr(val, ' '))
				FAIL("multicast interface (--mcast-interface): '%s' is not an interface "
				     "name (1..15 characters)", val);
			snprintf(out->dm.mcast_ifn, sizeof(out->dm.mcast_ifn), "%s", val);
			break;
		case 'K':
			if (num_field("sync id (--syncid)", val, 0, 255, "an id", &v, err, errlen))
				return -EINVAL;
			out->dm.syncid = (uint32_t)v;
			break;
		case 'U':
			if (num_field("sync message length (--sync-maxlen)", val, 1, 65535, "bytes", &v, err, errlen))
				return -EINVAL;
			out->dm.sync_maxlen = (uint16_t)v;
			break;
		case 'G': {
			struct lvs_addr_port g;
			if (addr_parse(NULL, val, ADDR_PORT_FORBIDDEN | ADDR_BARE_V6, &g, NULL, 0) < 0 ||
			    (g.af == AF_INET ? !IN_MULTICAST(ntohl(g.addr.v4.s_addr))
					     : !IN6_IS_ADDR_MULTICAST(&g.addr.v6)))
				FAIL("multicast group (--mcast-group): '%s' is not a multicast address", val);
			out->dm.mcast_af = g.af;
			out->dm.mcast_group = g.addr;
			break;
		}
		case 'H':
			if (num_field("multicast port (--mcast-port)", val, 1, 65535, "a port", &v, err, errlen))
				return -EINVAL;
			out->dm.mcast_port = (uint16_t)v;
			break;
		case 'V':
			if (num_field("multicast TTL (--mcast-ttl)", val, 1, 255, "hops", &v, err, errlen))
				return -EINVAL;
			out->dm.mcast_ttl = (uint8_t)v;
			break;
		}
	}

	/* Positional words: weight N|+N|-N, timeouts T F U, load FILE. */
	switch (out->act) {
	case LVS_ACT_WEIGHT:
		if (n_pos > 1 || (n_pos == 1 && (out->given & LVS_ARG_WEIGHT)))
			FAIL("weight: give the new weight once (N, +N or -N, or -w N)");
		if (n_pos == 1) {
			const char *w = positional[0];
			bool rel = w[0] == '+' || w[0] == '-';
			if (num_field("weight", rel ? w + 1 : w, 0, LVS_WEIGHT_MAX, "a weight", &v, err, errlen))
				return -EINVAL;
			if (rel) {
				out->weight_relative = true;
				out->weight_delta = w[0] == '-' ? -(int64_t)v : (int64_t)v;
			} else {
				out->dest.weight = (int32_t)v;
				out->given |= LVS_ARG_WEIGHT;
			}
		} else if (!(out->given & LVS_ARG_WEIGHT)) {
			FAIL("weight: missing (give N, +N or -N, or -w N)");
		}
		break;
	case LVS_ACT_TIMEOUTS:
		if (n_pos != 3)
			FAIL("timeouts: give three values, TCP TCPFIN UDP in seconds (0 keeps one as it is)");
		for (int k = 0; k < 3; k++) {
			static const char *const names[] = { "tcp timeout", "tcpfin timeout", "udp timeout" };
			if (num_field(names[k], positional[k], 0, LVS_TIMEOUT_MAX, "seconds", &v, err, errlen))
				return -EINVAL;
			out->timeouts[k] = (uint32_t)v;
		}
		break;
	case LVS_ACT_LOAD:
		if (n_pos != 1)
			FAIL("load: give one file (or - for standard input)");
		out->file = positional[0];
		break;
	case LVS_ACT_START_DAEMON:
	case LVS_ACT_STOP_DAEMON:
		if (n_pos != 1 || (strcmp(positional[0], "master") && strcmp(positional[0], "backup")))
			FAIL("%s: give the daemon's state, master or backup", cmd);
		out->dm.state = strcmp(positional[0], "master") ? IP_VS_STATE_BACKUP : IP_VS_STATE_MASTER;
		if (out->act == LVS_ACT_START_DAEMON && !out->dm.mcast_ifn[0])
			FAIL("start-daemon: missing the multicast interface (--mcast-interface IF)");
		break;
	default:
		if (n_pos)
			FAIL("%s: unexpected argument '%s'", cmd, positional[0]);
	}

	/* Service and real server presence. */
	bool needs_svc = out->act != LVS_ACT_TIMEOUTS && out->act != LVS_ACT_FLUSH &&
			 out->act != LVS_ACT_SAVE && out->act != LVS_ACT_LOAD && out->act != LVS_ACT_ZERO &&
			 out->act != LVS_ACT_START_DAEMON && out->act != LVS_ACT_STOP_DAEMON;
	bool needs_dest = out->act == LVS_ACT_ADD_DEST || out->act == LVS_ACT_EDIT_DEST ||
			  out->act == LVS_ACT_DEL_DEST || out->act == LVS_ACT_QUIESCE ||
			  out->act == LVS_ACT_DRAIN || out->act == LVS_ACT_RESTORE ||
			  out->act == LVS_ACT_WEIGHT;
	if (needs_svc && !(out->given & LVS_ARG_SVC))
		FAIL("%s: missing the virtual service (-t|-u|--sctp-service ADDR:PORT or -f MARK)", cmd);
	if (needs_dest && !(out->given & LVS_ARG_DEST))
		FAIL("%s: missing the real server (-r ADDR[:PORT])", cmd);

	/* Service family: from the address, or -6 for a mark. */
	if (out->given & LVS_ARG_SVC) {
		if (out->svc.fwmark) {
			out->svc.af = (out->given & LVS_ARG_IPV6) ? AF_INET6 : AF_INET;
		} else if (out->given & LVS_ARG_IPV6) {
			FAIL("%s: -6 applies to firewall-mark services only (an address says its family)", cmd);
		}
	} else if (out->given & LVS_ARG_IPV6) {
		FAIL("%s: -6 needs -f MARK", cmd);
	}

	if ((out->given & LVS_ARG_NO_PERSIST) && (out->given & LVS_ARG_PERSIST))
		FAIL("%s: -p and --no-persistent exclude each other", cmd);
	if ((out->given & LVS_ARG_NO_PERSIST) && netmask)
		FAIL("%s: -M goes with a persistent service, not with --no-persistent", cmd);
	if ((out->given & LVS_ARG_NO_ONEPACKET) && (out->given & LVS_ARG_ONEPACKET))
		FAIL("%s: -o and --no-ops exclude each other", cmd);

	/* Netmask, in the service's family. */
	if (netmask) {
		out->given |= LVS_ARG_NETMASK;
		if (out->svc.af == AF_INET6) {
			if (num_field("netmask (-M)", netmask, 1, 128, "an IPv6 prefix length", &v, err, errlen))
				return -EINVAL;
			out->svc.netmask = (uint32_t)v;
		} else {
			struct in_addr m;
			if (inet_pton(AF_INET, netmask, &m) != 1)
				FAIL("netmask (-M): '%s' is not an IPv4 netmask (like 255.255.255.0)", netmask);
			uint32_t h = ntohl(m.s_addr);
			if (h & (~h >> 1))
				FAIL("netmask (-M): '%s' is not a contiguous netmask", netmask);
			out->svc.netmask = m.s_addr;
		}
	}

	/* Scheduler flags, checked against the scheduler when one is given. */
	if (flags_s) {
		char buf[128];
		char *save = NULL;
		bool sh = false, mh = false;
		snprintf(buf, sizeof(buf), "%s", flags_s);
		out->given |= LVS_ARG_FLAGS;
		for (char *f = strtok_r(buf, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
			uint32_t bit = lvs_svc_flag_from_name(f);
			if (!bit || (bit & (IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_HASHED | IP_VS_SVC_F_ONEPACKET)))
				FAIL("scheduler flags (-b): '%s' is not a scheduler flag (sh-fallback, "
				     "sh-port, mh-fallback, mh-port, flag-1, flag-2, flag-3)", f);
			sh |= !strncmp(f, "sh-", 3);
			mh |= !strncmp(f, "mh-", 3);
			out->svc.flags |= bit;
		}
		const char *sched = (out->given & LVS_ARG_SCHED) ? out->svc.sched
			: out->act == LVS_ACT_ADD_SVC ? "wlc" : NULL;
		if (sched && ((sh && strcmp(sched, "sh")) || (mh && strcmp(sched, "mh"))))
			FAIL("scheduler flags (-b): '%s' belong to the %s scheduler, not %s", flags_s,
			     sh ? "sh" : "mh", sched);
		if (sh && mh)
			FAIL("scheduler flags (-b): '%s' mixes sh and mh flags", flags_s);
	}

	/* Tunnel type. */
	if (tun_type) {
		int t = lvs_tun_type_from_name(tun_type);
		if (t < 0)
			FAIL("tunnel type (--tun-type): '%s' is not one of ipip, gue, gre", tun_type);
		out->given |= LVS_ARG_TUN_TYPE;
		out->dest.tun_type = (uint8_t)t;
	}
	if ((out->given & (LVS_ARG_TUN_TYPE | LVS_ARG_TUN_PORT | LVS_ARG_TUN_FLAGS)) &&
	    (out->given & LVS_ARG_FWD) && out->dest.fwd != LVS_FWD_TUNNEL)
		FAIL("%s: tunnel options (--tun-*) need tunnelling (-i)", cmd);
	if ((out->given & LVS_ARG_LTH) && (out->given & LVS_ARG_UTH) &&
	    out->dest.l_thresh > out->dest.u_thresh && out->dest.u_thresh)
		FAIL("thresholds: the lower threshold (-y %u) is above the upper one (-x %u)",
		     out->dest.l_thresh, out->dest.u_thresh);
	if (out->act == LVS_ACT_FLUSH && !out->yes)
		FAIL("flush: removes every virtual service and real server; add --yes to confirm");
	if (out->act == LVS_ACT_DRAIN && (out->has_wait_timeout || out->remove) && !out->wait)
		FAIL("drain: --timeout and --remove need --wait");
	(void)svc_has_port;
	return 0;
}

int args_check_service(const struct lvs_service *svc, char *err, size_t errlen)
{
	if (!args_sched_known(svc->sched))
		FAIL("scheduler: '%s' is not an IPVS scheduler", svc->sched);
	if (!svc->fwmark && !svc->port && !(svc->flags & IP_VS_SVC_F_PERSISTENT))
		FAIL("service port: port 0 (any port) needs a persistent service (-p)");
	if (svc->af == AF_INET6 && (svc->netmask < 1 || svc->netmask > 128))
		FAIL("netmask (-M): IPv6 needs a prefix length 1..128, not %u", svc->netmask);
	if ((svc->flags & IP_VS_SVC_F_PERSISTENT) && (svc->timeout < 1 || svc->timeout > LVS_TIMEOUT_MAX))
		FAIL("persistence timeout (-p): %u is out of range (1..%u seconds)", svc->timeout,
		     LVS_TIMEOUT_MAX);
	return 0;
}

int args_check_dest(const struct lvs_service *svc, const struct lvs_dest *d, char *err, size_t errlen)
{
	if (d->weight < 0)
		FAIL("weight: %d is below 0", d->weight);
	if (d->u_thresh && d->l_thresh > d->u_thresh)
		FAIL("thresholds: the lower threshold (%u) is above the upper one (%u)", d->l_thresh,
		     d->u_thresh);
	if (!d->u_thresh && d->l_thresh)
		FAIL("thresholds: a lower threshold (%u) needs an upper one (-x) at least as high",
		     d->l_thresh);
	if (d->fwd != LVS_FWD_MASQ && d->fwd != LVS_FWD_ROUTE && d->fwd != LVS_FWD_TUNNEL &&
	    d->fwd != LVS_FWD_LOCAL)
		FAIL("forwarding method: %u is not masq, route or tunnel", d->fwd);
	if (d->fwd == LVS_FWD_TUNNEL) {
		if (d->tun_type > IP_VS_CONN_F_TUNNEL_TYPE_GRE)
			FAIL("tunnel type: %u is not ipip, gue or gre", d->tun_type);
		if (d->tun_type == IP_VS_CONN_F_TUNNEL_TYPE_GUE && !d->tun_port)
			FAIL("tunnel port (--tun-port): GUE needs a port");
		if (d->tun_type == IP_VS_CONN_F_TUNNEL_TYPE_IPIP && (d->tun_port || d->tun_flags))
			FAIL("tunnel options: ipip takes no port or checksum option (use --tun-type gue or gre)");
		if (d->tun_type == IP_VS_CONN_F_TUNNEL_TYPE_GRE && d->tun_port)
			FAIL("tunnel port (--tun-port): gre takes no port");
		/* Remote checksum offload is a GUE option (ipvsadm refuses it elsewhere). */
		if (d->tun_type != IP_VS_CONN_F_TUNNEL_TYPE_GUE &&
		    (d->tun_flags & IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM))
			FAIL("tunnel checksum: --tun-remcsum needs --tun-type gue");
	} else if (d->tun_type || d->tun_port || d->tun_flags) {
		FAIL("tunnel options (--tun-*) need tunnelling (-i)");
	}
	return args_check_dest_fields(svc, d, true, err, errlen);
}

/* What the forwarding method allows of the address and port (the port only
 * when port_known). */
static int args_check_dest_fields(const struct lvs_service *svc, const struct lvs_dest *d, bool port_known,
				  char *err, size_t errlen)
{
	if (d->af != svc->af && d->fwd != LVS_FWD_TUNNEL)
		FAIL("real server: a real server of another address family than the service "
		     "must use tunnelling (-i)");
	if (port_known && !svc->fwmark && (d->fwd == LVS_FWD_ROUTE || d->fwd == LVS_FWD_TUNNEL) &&
	    d->port != svc->port)
		FAIL("real server port: direct routing and tunnelling keep the service's port "
		     "(%u), not %u; omit the port or use -m", svc->port, d->port);
	return 0;
}
