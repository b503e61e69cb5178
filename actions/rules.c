#include "actions/rules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ip_vs.h>

#include "collector/names.h"
#include "share/vec.h"

/* ------------------------------------------------------------------------
 * Order. libipvs sorts with qsort and comparators that subtract unsigned
 * 32-bit values and read the difference as an int, so 10.0.0.1 sorts after
 * 203.0.113.10 (the difference wraps negative). That is not a total order,
 * so the result depends on the algorithm too: glibc's qsort is a top-down
 * merge sort (msort, halves n/2 and n - n/2, ties from the left). Both are
 * reproduced here so that the text matches byte for byte.
 * ------------------------------------------------------------------------ */

static int wrap_cmp(uint32_t a, uint32_t b)
{
	return (int)(a - b);
}

static uint32_t word(const union lvs_addr *a, int i)
{
	uint32_t w;
	memcpy(&w, a->raw + 4 * i, 4);
	return ntohl(w);
}

static int svc_cmp(const struct lvs_service *a, const struct lvs_service *b)
{
	int r = wrap_cmp(a->fwmark, b->fwmark);
	if (r)
		return r;
	r = (int)a->af - (int)b->af;
	if (r)
		return r;
	r = (int)a->protocol - (int)b->protocol;
	if (r)
		return r;
	if (a->af == AF_INET6) {
		for (int i = 0; !r && i < 4; i++)
			r = wrap_cmp(word(&a->addr, i), word(&b->addr, i));
	} else {
		r = wrap_cmp(word(&a->addr, 0), word(&b->addr, 0));
	}
	if (r)
		return r;
	return (int)a->port - (int)b->port;
}

static int dest_cmp(const struct lvs_dest *a, const struct lvs_dest *b)
{
	int r = 0;
	if (a->af == AF_INET6) {
		for (int i = 0; !r && i < 4; i++)
			r = wrap_cmp(word(&a->addr, i), word(&b->addr, i));
	} else {
		r = wrap_cmp(word(&a->addr, 0), word(&b->addr, 0));
	}
	if (r)
		return r;
	return (int)a->port - (int)b->port;
}

/* glibc's msort_with_tmp over an index array. */
#define MSORT(NAME, TYPE, CMP)                                                         \
	static void NAME(const TYPE *v, size_t *b, size_t n, size_t *tmp)              \
	{                                                                              \
		if (n <= 1)                                                            \
			return;                                                        \
		size_t n1 = n / 2, n2 = n - n1;                                        \
		size_t *b1 = b, *b2 = b + n1, *t = tmp;                                \
		NAME(v, b1, n1, tmp);                                                  \
		NAME(v, b2, n2, tmp);                                                  \
		while (n1 > 0 && n2 > 0) {                                             \
			if (CMP(&v[*b1], &v[*b2]) <= 0) {                              \
				*t++ = *b1++;                                          \
				n1--;                                                  \
			} else {                                                       \
				*t++ = *b2++;                                          \
				n2--;                                                  \
			}                                                              \
		}                                                                      \
		if (n1 > 0)                                                            \
			memcpy(t, b1, n1 * sizeof(*t));                                \
		memcpy(b, tmp, (n - n2) * sizeof(*b));                                 \
	}
MSORT(msort_svc, struct lvs_service, svc_cmp)
MSORT(msort_dest, struct lvs_dest, dest_cmp)

void rules_order_services(const struct lvs_service *v, size_t n, size_t *idx, size_t *tmp)
{
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	msort_svc(v, idx, n, tmp);
}

void rules_order_dests(const struct lvs_dest *v, size_t n, size_t *idx, size_t *tmp)
{
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	msort_dest(v, idx, n, tmp);
}

/* ------------------------------------------------------------------------
 * Lines
 * ------------------------------------------------------------------------ */

static void svc_name(const struct lvs_service *svc, char *buf, size_t len)
{
	char a[LVS_ADDR_STRLEN];
	if (svc->fwmark) {
		/* %d, as ipvsadm prints it: a mark from 2^31 up comes out negative. */
		snprintf(buf, len, "-f %d%s", (int32_t)svc->fwmark, svc->af == AF_INET6 ? " -6" : "");
		return;
	}
	const char *sw = svc->protocol == IPPROTO_TCP ? "-t"
		: svc->protocol == IPPROTO_UDP ? "-u" : "--sctp-service";
	lvs_addr_ntop(svc->af, &svc->addr, a, sizeof(a));
	if (svc->af == AF_INET6)
		snprintf(buf, len, "%s [%s]:%u", sw, a, svc->port);
	else
		snprintf(buf, len, "%s %s:%u", sw, a, svc->port);
}

/* Append to buf at *pos, never past len; *pos counts what was wanted. */
static void put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(*pos < len ? buf + *pos : NULL, *pos < len ? len - *pos : 0, fmt, ap);
	va_end(ap);
	if (r > 0)
		*pos += (size_t)r;
}

int rules_service_line(const struct lvs_service *svc, char *buf, size_t len)
{
	char name[LVS_ADDR_STRLEN + 32];
	size_t pos = 0;

	if (len)
		buf[0] = '\0';
	svc_name(svc, name, sizeof(name));
	put(buf, len, &pos, "-A %s -s %s", name, svc->sched);
	if (svc->flags & IP_VS_SVC_F_PERSISTENT) {
		put(buf, len, &pos, " -p %u", svc->timeout);
		if (svc->af == AF_INET && svc->netmask != 0xffffffffu) {
			struct in_addr m = { .s_addr = svc->netmask };
			char mb[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, &m, mb, sizeof(mb));
			put(buf, len, &pos, " -M %s", mb);
		}
		if (svc->af == AF_INET6 && svc->netmask != 128)
			put(buf, len, &pos, " -M %u", svc->netmask);
	}
	if (svc->pe_name[0])
		put(buf, len, &pos, " --pe %s", svc->pe_name);
	if (svc->flags & IP_VS_SVC_F_ONEPACKET)
		put(buf, len, &pos, " -o");
	uint32_t sched_bits = svc->flags & (IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2 | IP_VS_SVC_F_SCHED3);
	if (sched_bits) {
		const char *names[8];
		size_t n = lvs_svc_flag_names(sched_bits, svc->sched, names, 8);
		put(buf, len, &pos, " -b ");
		for (size_t i = 0; i < n; i++)
			put(buf, len, &pos, "%s%s", i ? "," : "", names[i]);
	}
	return (int)pos;
}

int rules_dest_line(const struct lvs_service *svc, const struct lvs_dest *d, bool full,
		    char *buf, size_t len)
{
	char name[LVS_ADDR_STRLEN + 32], a[LVS_ADDR_STRLEN];
	size_t pos = 0;

	if (len)
		buf[0] = '\0';
	svc_name(svc, name, sizeof(name));
	lvs_addr_ntop(d->af, &d->addr, a, sizeof(a));
	const char *sw = d->fwd == LVS_FWD_MASQ ? "-m" : d->fwd == LVS_FWD_TUNNEL ? "-i"
		: d->fwd == LVS_FWD_ROUTE || d->fwd == LVS_FWD_LOCAL ? "-g" : "-?";
	if (d->af == AF_INET6)
		put(buf, len, &pos, "-a %s -r [%s]:%u %s -w %d", name, a, d->port, sw, d->weight);
	else
		put(buf, len, &pos, "-a %s -r %s:%u %s -w %d", name, a, d->port, sw, d->weight);
	if (d->fwd == LVS_FWD_TUNNEL) {
		const char *csum = d->tun_flags & IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM ? "--tun-remcsum"
			: d->tun_flags & IP_VS_TUNNEL_ENCAP_FLAG_CSUM ? "--tun-csum" : "--tun-nocsum";
		switch (d->tun_type) {
		case IP_VS_CONN_F_TUNNEL_TYPE_GUE:
			put(buf, len, &pos, " --tun-type gue --tun-port %u %s", d->tun_port, csum);
			break;
		case IP_VS_CONN_F_TUNNEL_TYPE_GRE:
			put(buf, len, &pos, " --tun-type gre %s", csum);
			break;
		default:
			put(buf, len, &pos, " --tun-type ipip");
			break;
		}
	}
	if (full && (d->u_thresh || d->l_thresh))
		put(buf, len, &pos, " -x %u -y %u", d->u_thresh, d->l_thresh);
	return (int)pos;
}

/* Decimal digits of v ending at end; where they start. */
static char *digits(uint64_t v, char *end)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

static char *put_digits(char *p, uint64_t v)
{
	char t[24];
	char *d = digits(v, t + sizeof(t));
	size_t n = (size_t)(t + sizeof(t) - d);
	memcpy(p, d, n);
	return p + n;
}

/* rules_dest_line's text for the common real server (IPv4, not a
 * tunnel), made without printf: a large table has a hundred thousand.
 * name: svc_name's text. Returns the end of the line (no NUL), or NULL
 * when this real server needs rules_dest_line. buf holds 256 bytes. */
static char *fast_dest_line(const char *name, size_t name_len, const struct lvs_dest *d, bool full,
			    char *buf)
{
	if (d->af == AF_INET6 || d->fwd == LVS_FWD_TUNNEL || name_len > 100)
		return NULL;
	const char *sw = d->fwd == LVS_FWD_MASQ ? "-m"
		: d->fwd == LVS_FWD_ROUTE || d->fwd == LVS_FWD_LOCAL ? "-g" : "-?";
	char *p = buf;
	memcpy(p, "-a ", 3);
	p += 3;
	memcpy(p, name, name_len);
	p += name_len;
	memcpy(p, " -r ", 4);
	p += 4;
	const unsigned char *q = (const unsigned char *)&d->addr.v4;
	for (int i = 0; i < 4; i++) {
		p = put_digits(p, q[i]);
		*p++ = i < 3 ? '.' : ':';
	}
	p = put_digits(p, d->port);
	*p++ = ' ';
	memcpy(p, sw, 2);
	p += 2;
	memcpy(p, " -w ", 4);
	p += 4;
	if (d->weight < 0)
		*p++ = '-';
	p = put_digits(p, d->weight < 0 ? 0 - (uint64_t)(int64_t)d->weight : (uint64_t)d->weight);
	if (full && (d->u_thresh || d->l_thresh)) {
		memcpy(p, " -x ", 4);
		p = put_digits(p + 4, d->u_thresh);
		memcpy(p, " -y ", 4);
		p = put_digits(p + 4, d->l_thresh);
	}
	return p;
}

/* Lines gather here and go to the stream 64 KiB at a time. */
struct save_out {
	FILE *f;
	size_t len;
	int err;
	char b[65536];
};

static void save_line(struct save_out *o, const char *line, size_t n)
{
	if (n + 1 > sizeof(o->b) - o->len) {
		if (o->len && fwrite(o->b, 1, o->len, o->f) != o->len)
			o->err = -EIO;
		o->len = 0;
	}
	memcpy(o->b + o->len, line, n);
	o->b[o->len + n] = '\n';
	o->len += n + 1;
}

int rules_save(const struct lvs_snapshot *s, bool full, FILE *out)
{
	size_t n = s->n_services, most = 1;
	for (size_t i = 0; i < n; i++)
		if (s->services[i].n_dests > most)
			most = s->services[i].n_dests;
	if (n > most)
		most = n;
	size_t *idx = malloc(most * sizeof(*idx)), *didx = malloc(most * sizeof(*didx));
	size_t *tmp = malloc(most * sizeof(*tmp));
	struct save_out *o = malloc(sizeof(*o));
	char line[512];
	int err = 0;

	if (!idx || !didx || !tmp || !o) {
		err = -ENOMEM;
		goto out;
	}
	o->f = out;
	o->len = 0;
	o->err = 0;
	rules_order_services(s->services, n, idx, tmp);
	for (size_t i = 0; i < n; i++) {
		const struct lvs_service *svc = &s->services[idx[i]];
		char name[LVS_ADDR_STRLEN + 32];
		svc_name(svc, name, sizeof(name));
		size_t name_len = strlen(name);
		rules_service_line(svc, line, sizeof(line));
		save_line(o, line, strlen(line));
		rules_order_dests(svc->dests, svc->n_dests, didx, tmp);
		for (size_t k = 0; k < svc->n_dests; k++) {
			const struct lvs_dest *d = &svc->dests[didx[k]];
			char *end = fast_dest_line(name, name_len, d, full, line);
			if (end) {
				save_line(o, line, (size_t)(end - line));
				continue;
			}
			rules_dest_line(svc, d, full, line, sizeof(line));
			save_line(o, line, strlen(line));
		}
	}
	if (o->len && fwrite(o->b, 1, o->len, out) != o->len)
		o->err = -EIO;
	err = o->err;
	if (fflush(out) != 0)
		err = -EIO;
out:
	free(idx);
	free(didx);
	free(tmp);
	free(o);
	return err;
}

/* ------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------ */

int rules_parse(const char *text, struct rules_line **out, size_t *n_out, char *err, size_t errlen)
{
	struct rules_line *v = NULL;
	size_t n = 0, cap = 0;
	int lineno = 0;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[1024], *argv[64];
		char e[512];

		lineno++;
		if (len >= sizeof(line)) {
			snprintf(err, errlen, "line %d: longer than %zu characters", lineno, sizeof(line) - 1);
			goto inval;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (nl ? 1 : 0);
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		int argc = args_split(line, argv, 64);
		if (argc < 0) {
			snprintf(err, errlen, "line %d: too many words", lineno);
			goto inval;
		}
		if (argc == 0)
			continue;
		enum lvs_act act;
		if (args_act_from_word(argv[0], &act) < 0 ||
		    (act != LVS_ACT_ADD_SVC && act != LVS_ACT_EDIT_SVC && act != LVS_ACT_DEL_SVC &&
		     act != LVS_ACT_ADD_DEST && act != LVS_ACT_EDIT_DEST && act != LVS_ACT_DEL_DEST)) {
			snprintf(err, errlen, "line %d: '%s': a rule line starts with -A, -a, -E, -e, -D or -d",
				 lineno, argv[0]);
			goto inval;
		}
		if (vec_grow((void **)&v, &cap, n + 1, sizeof(*v), 16) < 0) {
			free(v);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		if (args_parse(argc, argv, &v[n].args, e, sizeof(e)) < 0) {
			snprintf(err, errlen, "line %d: %s", lineno, e);
			goto inval;
		}
		v[n].args.file = NULL; /* pointed into the line buffer */
		v[n].lineno = lineno;
		n++;
	}
	*out = v;
	*n_out = n;
	return 0;
inval:
	/* The line is quoted: printable only ('?' for the rest). */
	for (char *c = err; errlen && *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			*c = '?';
	free(v);
	return -EINVAL;
}
