#include "conn_parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "snapshot.h"

/* A kernel line is at most ~170 bytes plus the persistence engine's name
 * and data (IP_VS_PENAME_MAXLEN + IP_VS_PEDATA_MAXLEN): 1 KiB is ample,
 * and anything longer is garbage we refuse rather than buffer. */
#define LINE_MAX_LEN 1024
#define READ_CHUNK (64 * 1024)
/* clock_gettime costs about as much as parsing a line: look rarely. */
#define CLOCK_EVERY 4096
#define PROTO_MAX 8
#define PE_FIELDS_MAX 2
#define OTHER_STATE (LVS_CONN_STATES_MAX - 1)
#define STATE_CACHE 256
#define SLOTS_CAP ((size_t)1 << 24)
#define EMPTY UINT32_MAX
#define STATE_INVALID UINT32_MAX

/* One real server's counters while parsing. */
struct dest_ent {
	union lvs_addr addr;
	uint16_t af, port;
	uint64_t total;
	uint64_t counts[LVS_CONN_STATES_MAX];
};

/* One Space-Saving counter. Positions in `order` are kept sorted by count,
 * descending; entries with equal counts form a group [first, last], so an
 * increment is one swap to the front of its group: O(1), whatever the
 * distribution. */
struct client_ent {
	union lvs_addr addr;
	uint16_t af;
	uint32_t hash;  /* of addr/af, kept for backward-shift deletion */
	uint32_t pos;   /* index in order[] */
	uint32_t group; /* index in groups[] */
	uint64_t count; /* estimate: true count + at most err */
	uint64_t err;   /* count of the client this slot replaced */
};

struct group {
	uint32_t first, last;
};

struct lvs_conn_parser {
	struct lvs_conn_opts opts;

	/* round state */
	bool started;  /* first feed of this round seen (clock running) */
	bool finished; /* finish ran: reset bad_lines on the next feed */
	bool stopped;  /* a bound was hit */
	bool dest_dropped;
	uint64_t lines; /* entries seen, good and bad */
	uint64_t good;
	uint64_t bad;
	struct timespec t0;

	/* a line split across feeds */
	size_t carry_len;
	bool carry_skip; /* inside an overlong line: drop until newline */
	char carry[LINE_MAX_LEN + 1];

	/* states: index = slot in states[]; cache maps a cheap hash of the
	 * name to index + 1 so the common case is one compare. */
	size_t n_states;
	struct lvs_state_count states[LVS_CONN_STATES_MAX];
	uint8_t state_len[LVS_CONN_STATES_MAX];
	uint8_t state_cache[STATE_CACHE];

	/* real servers: open addressing, slots hold entry index or EMPTY */
	uint32_t *dest_slots;
	size_t dest_mask;
	struct dest_ent *dests;
	size_t n_dests, cap_dests;

	/* clients */
	size_t client_cap; /* client_slots */
	size_t n_clients;
	uint32_t *client_slots_tab;
	size_t client_mask;
	struct client_ent *clients;
	uint32_t *order;
	struct group *groups;
	uint32_t *free_groups;
	size_t n_free_groups;
};

/* 0x10 | value for hex digits, 0 otherwise: AND-ing several lookups keeps
 * 0x10 only when every character was a digit, so one test per field. */
#define HX(c, v) [c] = 0x10 | (v)
static const uint8_t hexv[256] = {
	HX('0', 0), HX('1', 1), HX('2', 2), HX('3', 3), HX('4', 4),
	HX('5', 5), HX('6', 6), HX('7', 7), HX('8', 8), HX('9', 9),
	HX('A', 10), HX('B', 11), HX('C', 12), HX('D', 13), HX('E', 14), HX('F', 15),
	HX('a', 10), HX('b', 11), HX('c', 12), HX('d', 13), HX('e', 14), HX('f', 15),
};
#undef HX

static inline uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static inline uint32_t addr_hash(uint16_t af, const union lvs_addr *a, uint16_t port)
{
	uint64_t x, y;
	memcpy(&x, a->raw, 8);
	memcpy(&y, a->raw + 8, 8);
	uint64_t h = x * 0x9e3779b97f4a7c15ULL ^ y * 0xc2b2ae3d27d4eb4fULL ^
	             ((uint64_t)af << 16 | port);
	return (uint32_t)mix64(h);
}

static inline bool addr_eq(const union lvs_addr *a, const union lvs_addr *b)
{
	uint64_t a0, a1, b0, b1;
	memcpy(&a0, a->raw, 8);
	memcpy(&a1, a->raw + 8, 8);
	memcpy(&b0, b->raw, 8);
	memcpy(&b1, b->raw + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

static size_t pow2_at_least(size_t n)
{
	size_t p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

/* --- field scanning --------------------------------------------------------
 * Every line handed to parse_line ends with '\n' at e, which no scan below
 * accepts as part of a token: loops stop there without a bound check, and
 * fixed-width fields check the remaining length first. */

static inline const char *skip_spaces(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

/* "%08X" of ntohl(addr): the digits already are the bytes in network
 * order. */
static inline bool hex_v4(const unsigned char *s, uint8_t *out)
{
	unsigned ok = 0x10;
	for (int i = 0; i < 4; i++) {
		unsigned hi = hexv[s[2 * i]], lo = hexv[s[2 * i + 1]];
		ok &= hi & lo;
		out[i] = (uint8_t)((hi & 15) << 4 | (lo & 15));
	}
	return ok & 0x10;
}

/* "%pI6": eight groups of four digits, colons between. */
static inline bool hex_v6(const unsigned char *s, uint8_t *out)
{
	unsigned ok = 0x10, colons = 0;
	for (int g = 0; g < 8; g++, s += 5) {
		unsigned a = hexv[s[0]], b = hexv[s[1]], c = hexv[s[2]], d = hexv[s[3]];
		ok &= a & b & c & d;
		out[2 * g] = (uint8_t)((a & 15) << 4 | (b & 15));
		out[2 * g + 1] = (uint8_t)((c & 15) << 4 | (d & 15));
		if (g < 7)
			colons |= s[4] ^ ':';
	}
	return (ok & 0x10) && colons == 0;
}

/* An address followed by a space; returns the position of that space or
 * NULL. Either family may appear in any address column (mixed-af dests). */
static inline const char *scan_addr(const char *s, const char *e, uint16_t *af,
                                    union lvs_addr *a)
{
	if (e - s > 8 && s[8] == ' ') {
		memset(a, 0, sizeof(*a));
		if (!hex_v4((const unsigned char *)s, a->raw))
			return NULL;
		*af = AF_INET;
		return s + 8;
	}
	if (e - s > 39 && s[39] == ' ') {
		if (!hex_v6((const unsigned char *)s, a->raw))
			return NULL;
		*af = AF_INET6;
		return s + 39;
	}
	return NULL;
}

/* "%04X" followed by a space. */
static inline const char *scan_port(const char *s, const char *e, uint16_t *port)
{
	if (e - s < 5 || s[4] != ' ')
		return NULL;
	const unsigned char *u = (const unsigned char *)s;
	unsigned a = hexv[u[0]], b = hexv[u[1]], c = hexv[u[2]], d = hexv[u[3]];
	if (!(a & b & c & d & 0x10))
		return NULL;
	*port = (uint16_t)((a & 15) << 12 | (b & 15) << 8 | (c & 15) << 4 | (d & 15));
	return s + 4;
}

struct conn_line {
	uint16_t caf, daf, dport;
	union lvs_addr caddr, daddr;
	const char *state;
	size_t state_len;
};

enum line_kind { LINE_ENTRY, LINE_BAD, LINE_SKIP };

/* Classify and decode one line [s, e), *e == '\n'. */
static enum line_kind parse_line(const char *s, const char *e, struct conn_line *l)
{
	const char *t;
	uint16_t af, port;
	union lvs_addr scratch;

	s = skip_spaces(s);
	if (s == e)
		return LINE_SKIP;
	if (e - s > LINE_MAX_LEN)
		return LINE_BAD;
	/* protocol name: "TCP", "UDP", "SCTP", "IP", ...; the header's "Pro" */
	for (t = s; *t != ' ' && *t != '\n'; t++)
		;
	if (t - s == 3 && s[0] == 'P' && s[1] == 'r' && s[2] == 'o')
		return LINE_SKIP;
	if (t - s > PROTO_MAX || *t != ' ')
		return LINE_BAD;
	s = skip_spaces(t);

	/* client */
	if (!(t = scan_addr(s, e, &l->caf, &l->caddr)))
		return LINE_BAD;
	if (!(t = scan_port(skip_spaces(t), e, &port)))
		return LINE_BAD;
	/* virtual service: same family as the client, only checked */
	if (!(t = scan_addr(skip_spaces(t), e, &af, &scratch)) || af != l->caf)
		return LINE_BAD;
	if (!(t = scan_port(skip_spaces(t), e, &port)))
		return LINE_BAD;
	/* real server */
	if (!(t = scan_addr(skip_spaces(t), e, &l->daf, &l->daddr)))
		return LINE_BAD;
	if (!(t = scan_port(skip_spaces(t), e, &l->dport)))
		return LINE_BAD;

	/* state */
	s = skip_spaces(t);
	for (t = s; *t != ' ' && *t != '\n'; t++)
		;
	if (t == s || t - s >= LVS_STATE_NAME_MAX || *t != ' ')
		return LINE_BAD;
	l->state = s;
	l->state_len = (size_t)(t - s);

	/* expires: decimal seconds */
	s = skip_spaces(t);
	for (t = s; (unsigned)(*t - '0') < 10; t++)
		;
	if (t == s || (*t != ' ' && *t != '\n'))
		return LINE_BAD;

	/* optional persistence engine name and data; nothing else */
	for (int n = 0;; n++) {
		s = skip_spaces(t);
		if (s == e)
			break;
		if (n == PE_FIELDS_MAX)
			return LINE_BAD;
		for (t = s; *t != ' ' && *t != '\n'; t++)
			;
	}
	return LINE_ENTRY;
}

/* --- aggregation ----------------------------------------------------------- */

static inline unsigned state_hash(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	return (unsigned)(len * 37 + u[0] * 3 + u[len - 1] * 11 + u[len >> 1] * 5 +
	                  u[(len * 3) >> 2]) & (STATE_CACHE - 1);
}

static unsigned state_index_slow(struct lvs_conn_parser *p, const char *s, size_t len,
                                 unsigned h)
{
	for (size_t i = 0; i < p->n_states; i++) {
		if (p->state_len[i] == len && memcmp(p->states[i].name, s, len) == 0) {
			if (i != OTHER_STATE || p->n_states < LVS_CONN_STATES_MAX)
				p->state_cache[h] = (uint8_t)(i + 1);
			return (unsigned)i;
		}
	}
	/* Names are shown and exported as they are: only printable ASCII. */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] > '~')
			return STATE_INVALID;
	if (p->n_states < OTHER_STATE) {
		size_t i = p->n_states++;
		memcpy(p->states[i].name, s, len);
		p->states[i].name[len] = '\0';
		p->states[i].count = 0;
		p->state_len[i] = (uint8_t)len;
		p->state_cache[h] = (uint8_t)(i + 1);
		return (unsigned)i;
	}
	/* Table full: lump the rest. Not cached, so each distinct overflow
	 * name keeps costing a scan; such names are not the kernel's. */
	if (p->n_states == OTHER_STATE) {
		strcpy(p->states[OTHER_STATE].name, "OTHER");
		p->state_len[OTHER_STATE] = 5;
		p->states[OTHER_STATE].count = 0;
		p->n_states = LVS_CONN_STATES_MAX;
	}
	return OTHER_STATE;
}

static inline unsigned state_index(struct lvs_conn_parser *p, const char *s, size_t len)
{
	unsigned h = state_hash(s, len);
	unsigned c = p->state_cache[h];
	if (c && p->state_len[c - 1] == len && memcmp(p->states[c - 1].name, s, len) == 0)
		return c - 1;
	return state_index_slow(p, s, len, h);
}

static int dest_grow(struct lvs_conn_parser *p)
{
	size_t cap = p->cap_dests ? p->cap_dests * 2 : 64;
	if (cap > p->opts.max_dests)
		cap = p->opts.max_dests;
	if (cap <= p->cap_dests)
		return -ENOSPC;
	size_t nslots = pow2_at_least(cap * 2);
	struct dest_ent *d = realloc(p->dests, cap * sizeof(*d));
	if (!d)
		return -ENOMEM;
	p->dests = d;
	uint32_t *slots = malloc(nslots * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	memset(slots, 0xff, nslots * sizeof(*slots));
	size_t mask = nslots - 1;
	for (size_t i = 0; i < p->n_dests; i++) {
		size_t h = addr_hash(d[i].af, &d[i].addr, d[i].port) & mask;
		while (slots[h] != EMPTY)
			h = (h + 1) & mask;
		slots[h] = (uint32_t)i;
	}
	free(p->dest_slots);
	p->dest_slots = slots;
	p->dest_mask = mask;
	p->cap_dests = cap;
	return 0;
}

/* The real server's counters, created on first sight; NULL when the table
 * is at max_dests or cannot grow. */
static inline struct dest_ent *dest_get(struct lvs_conn_parser *p, uint16_t af,
                                        const union lvs_addr *a, uint16_t port)
{
	uint32_t hv = addr_hash(af, a, port);
	if (p->dest_slots) {
		size_t h = hv & p->dest_mask;
		for (uint32_t i; (i = p->dest_slots[h]) != EMPTY; h = (h + 1) & p->dest_mask) {
			struct dest_ent *d = &p->dests[i];
			if (d->port == port && d->af == af && addr_eq(&d->addr, a))
				return d;
		}
	}
	if (p->n_dests == p->cap_dests && dest_grow(p) < 0)
		return NULL;
	size_t h = hv & p->dest_mask;
	while (p->dest_slots[h] != EMPTY)
		h = (h + 1) & p->dest_mask;
	size_t i = p->n_dests++;
	p->dest_slots[h] = (uint32_t)i;
	struct dest_ent *d = &p->dests[i];
	memset(d, 0, sizeof(*d));
	d->addr = *a;
	d->af = af;
	d->port = port;
	return d;
}

static inline uint32_t group_new(struct lvs_conn_parser *p, uint32_t pos)
{
	uint32_t g = p->free_groups[--p->n_free_groups];
	p->groups[g].first = pos;
	p->groups[g].last = pos;
	return g;
}

/* count + 1, keeping order[] sorted: swap to the front of the group, then
 * join the group in front (count + 1) or start one. */
static inline void client_bump(struct lvs_conn_parser *p, uint32_t e)
{
	struct client_ent *c = &p->clients[e];
	uint32_t g = c->group;
	uint32_t f = p->groups[g].first;
	bool alone = p->groups[g].last == f;
	if (c->pos != f) {
		uint32_t o = p->order[f];
		p->order[f] = e;
		p->order[c->pos] = o;
		p->clients[o].pos = c->pos;
		c->pos = f;
	}
	c->count++;
	if (f > 0) {
		struct client_ent *prev = &p->clients[p->order[f - 1]];
		if (prev->count == c->count) {
			p->groups[prev->group].last = f;
			c->group = prev->group;
			if (alone)
				p->free_groups[p->n_free_groups++] = g;
			else
				p->groups[g].first = f + 1;
			return;
		}
	}
	if (!alone) {
		p->groups[g].first = f + 1;
		c->group = group_new(p, f);
	}
}

static void client_unlink(struct lvs_conn_parser *p, uint32_t e)
{
	size_t mask = p->client_mask;
	size_t i = p->clients[e].hash & mask;
	while (p->client_slots_tab[i] != e)
		i = (i + 1) & mask;
	/* backward-shift deletion keeps probe chains intact without tombstones */
	for (size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
		uint32_t x = p->client_slots_tab[j];
		if (x == EMPTY)
			break;
		size_t k = p->clients[x].hash & mask;
		bool movable = i <= j ? (k <= i || k > j) : (k <= i && k > j);
		if (movable) {
			p->client_slots_tab[i] = x;
			i = j;
		}
	}
	p->client_slots_tab[i] = EMPTY;
}

static inline void client_count(struct lvs_conn_parser *p, uint16_t af, const union lvs_addr *a)
{
	if (!p->client_cap)
		return;
	uint32_t hv = addr_hash(af, a, 0);
	size_t mask = p->client_mask;
	size_t h = hv & mask;
	for (uint32_t i; (i = p->client_slots_tab[h]) != EMPTY; h = (h + 1) & mask) {
		struct client_ent *c = &p->clients[i];
		if (c->hash == hv && c->af == af && addr_eq(&c->addr, a)) {
			client_bump(p, i);
			return;
		}
	}
	uint32_t e;
	if (p->n_clients < p->client_cap) {
		/* a new counter at the end (count 0), then bumped to 1 */
		e = (uint32_t)p->n_clients++;
		struct client_ent *c = &p->clients[e];
		c->pos = e;
		c->count = 0;
		c->err = 0;
		p->order[e] = e;
		c->group = group_new(p, e);
	} else {
		/* Space-Saving: the smallest counter (last position) takes the
		 * new client and keeps its count as the error bound */
		e = p->order[p->n_clients - 1];
		client_unlink(p, e);
		p->clients[e].err = p->clients[e].count;
		h = hv & mask;
		while (p->client_slots_tab[h] != EMPTY)
			h = (h + 1) & mask;
	}
	struct client_ent *c = &p->clients[e];
	c->addr = *a;
	c->af = af;
	c->hash = hv;
	p->client_slots_tab[h] = e;
	client_bump(p, e);
}

/* --- lines and rounds ------------------------------------------------------ */

static void round_reset(struct lvs_conn_parser *p)
{
	p->started = false;
	p->stopped = false;
	p->dest_dropped = false;
	p->lines = 0;
	p->good = 0;
	p->carry_len = 0;
	p->carry_skip = false;
	p->n_states = 0;
	memset(p->state_cache, 0, sizeof(p->state_cache));
	if (p->dest_slots)
		memset(p->dest_slots, 0xff, (p->dest_mask + 1) * sizeof(*p->dest_slots));
	p->n_dests = 0;
	if (p->client_cap) {
		memset(p->client_slots_tab, 0xff, (p->client_mask + 1) * sizeof(uint32_t));
		p->n_clients = 0;
		for (size_t i = 0; i < p->client_cap; i++)
			p->free_groups[i] = (uint32_t)i;
		p->n_free_groups = p->client_cap;
	}
}

static double elapsed_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) * 1e-9;
}

/* Before each entry: 1 when a bound says stop. The line that trips it is
 * not consumed, so a table of exactly max_lines entries is complete. */
static inline int entry_admit(struct lvs_conn_parser *p)
{
	if (p->opts.max_lines && p->lines >= p->opts.max_lines)
		goto stop;
	if (p->opts.max_seconds > 0 && p->lines && p->lines % CLOCK_EVERY == 0 &&
	    elapsed_since(&p->t0) > p->opts.max_seconds)
		goto stop;
	p->lines++;
	return 0;
stop:
	p->stopped = true;
	return 1;
}

static int count_bad(struct lvs_conn_parser *p)
{
	if (entry_admit(p))
		return 1;
	p->bad++;
	return 0;
}

/* One complete line, *e == '\n'. 1 when a bound stopped the round. */
static inline int do_line(struct lvs_conn_parser *p, const char *s, const char *e)
{
	struct conn_line l;
	enum line_kind k = parse_line(s, e, &l);
	if (k == LINE_SKIP)
		return 0;
	if (entry_admit(p))
		return 1;
	unsigned st = k == LINE_ENTRY ? state_index(p, l.state, l.state_len) : STATE_INVALID;
	if (st == STATE_INVALID) {
		p->bad++;
		return 0;
	}
	p->good++;
	p->states[st].count++;
	struct dest_ent *d = dest_get(p, l.daf, &l.daddr, l.dport);
	if (d) {
		d->total++;
		d->counts[st]++;
	} else {
		p->dest_dropped = true;
	}
	client_count(p, l.caf, &l.caddr);
	return 0;
}

lvs_conn_parser *conn_parser_new(const struct lvs_conn_opts *opts)
{
	static const struct lvs_conn_opts defaults = LVS_CONN_OPTS_DEFAULT;
	struct lvs_conn_parser *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->opts = opts ? *opts : defaults;
	if (!p->opts.max_dests)
		p->opts.max_dests = defaults.max_dests;
	if (p->opts.max_dests > SLOTS_CAP)
		p->opts.max_dests = SLOTS_CAP;
	if (!(p->opts.max_seconds > 0)) /* also NaN */
		p->opts.max_seconds = 0;
	size_t slots = p->opts.client_slots ? p->opts.client_slots : defaults.client_slots;
	if (slots < p->opts.top_clients)
		slots = p->opts.top_clients;
	if (slots > SLOTS_CAP)
		slots = SLOTS_CAP;
	if (p->opts.top_clients > slots)
		p->opts.top_clients = slots;
	p->client_cap = p->opts.top_clients ? slots : 0;

	if (p->client_cap) {
		size_t nslots = pow2_at_least(p->client_cap * 2);
		p->client_mask = nslots - 1;
		p->client_slots_tab = malloc(nslots * sizeof(uint32_t));
		p->clients = malloc(p->client_cap * sizeof(*p->clients));
		p->order = malloc(p->client_cap * sizeof(*p->order));
		p->groups = malloc(p->client_cap * sizeof(*p->groups));
		p->free_groups = malloc(p->client_cap * sizeof(*p->free_groups));
		if (!p->client_slots_tab || !p->clients || !p->order || !p->groups ||
		    !p->free_groups)
			goto err;
	}
	round_reset(p);
	return p;
err:
	conn_parser_free(p);
	return NULL;
}

void conn_parser_free(lvs_conn_parser *p)
{
	if (!p)
		return;
	free(p->dest_slots);
	free(p->dests);
	free(p->client_slots_tab);
	free(p->clients);
	free(p->order);
	free(p->groups);
	free(p->free_groups);
	free(p);
}

uint64_t conn_parser_bad_lines(const lvs_conn_parser *p)
{
	return p->bad;
}

int conn_parser_feed(lvs_conn_parser *p, const char *buf, size_t len)
{
	if (p->finished) {
		p->finished = false;
		p->bad = 0;
	}
	if (!p->started) {
		p->started = true;
		clock_gettime(CLOCK_MONOTONIC, &p->t0);
	}
	if (p->stopped)
		return 1;
	const char *s = buf, *end = buf + len;

	/* finish the line the previous feed ended in */
	if (p->carry_len || p->carry_skip) {
		const char *nl = memchr(s, '\n', len);
		size_t take = nl ? (size_t)(nl - s) : len;
		if (p->carry_skip) {
			if (!nl)
				return 0;
			p->carry_skip = false;
		} else if (p->carry_len + take > LINE_MAX_LEN) {
			p->carry_len = 0;
			if (count_bad(p))
				return 1;
			if (!nl) {
				p->carry_skip = true;
				return 0;
			}
		} else {
			memcpy(p->carry + p->carry_len, s, take);
			p->carry_len += take;
			if (!nl)
				return 0;
			size_t n = p->carry_len;
			p->carry[n] = '\n';
			p->carry_len = 0;
			if (do_line(p, p->carry, p->carry + n))
				return 1;
		}
		s = nl + 1;
	}

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl) {
			size_t rest = (size_t)(end - s);
			if (rest > LINE_MAX_LEN) {
				if (count_bad(p))
					return 1;
				p->carry_skip = true;
			} else {
				memcpy(p->carry, s, rest);
				p->carry_len = rest;
			}
			break;
		}
		if (do_line(p, s, nl))
			return 1;
		s = nl + 1;
	}
	return 0;
}

/* Output order of states: by count, descending, then by name. */
static bool state_before(const struct lvs_conn_parser *p, uint8_t a, uint8_t b)
{
	const struct lvs_state_count *x = &p->states[a], *y = &p->states[b];
	if (x->count != y->count)
		return x->count > y->count;
	return strcmp(x->name, y->name) < 0;
}

static int cmp_dest(const void *a, const void *b)
{
	const struct lvs_conn_dest *x = a, *y = b;
	if (x->af != y->af)
		return x->af < y->af ? -1 : 1;
	int c = memcmp(x->addr.raw, y->addr.raw, sizeof(x->addr.raw));
	if (c)
		return c;
	return (x->port > y->port) - (x->port < y->port);
}

static int cmp_client(const void *a, const void *b)
{
	const struct lvs_conn_client *x = a, *y = b;
	if (x->conns != y->conns)
		return x->conns > y->conns ? -1 : 1;
	if (x->af != y->af)
		return x->af < y->af ? -1 : 1;
	return memcmp(x->addr.raw, y->addr.raw, sizeof(x->addr.raw));
}

int conn_parser_finish(lvs_conn_parser *p, struct lvs_conn_summary *out)
{
	int rc = 0;
	memset(out, 0, sizeof(*out));
	/* A tail without its newline was cut short: the kernel ends every
	 * line. After a stop, the tail is simply unread. */
	if (!p->stopped && (p->carry_len || p->carry_skip)) {
		for (size_t i = 0; i < p->carry_len && !p->carry_skip; i++) {
			if (p->carry[i] != ' ') {
				count_bad(p);
				break;
			}
		}
		if (p->carry_skip) /* already counted when it overflowed */
			p->carry_skip = false;
	}

	/* states by count (ties by name); remap[] turns a slot into its rank */
	uint8_t rank_of[LVS_CONN_STATES_MAX], remap[LVS_CONN_STATES_MAX];
	size_t ns = p->n_states;
	for (size_t i = 0; i < ns; i++) {
		size_t j = i;
		for (; j > 0 && state_before(p, (uint8_t)i, rank_of[j - 1]); j--)
			rank_of[j] = rank_of[j - 1];
		rank_of[j] = (uint8_t)i;
	}
	for (size_t r = 0; r < ns; r++) {
		remap[rank_of[r]] = (uint8_t)r;
		out->states[r] = p->states[rank_of[r]];
	}
	out->n_states = ns;

	if (p->n_dests) {
		out->dests = calloc(p->n_dests, sizeof(*out->dests));
		if (!out->dests)
			goto nomem;
		out->n_dests = p->n_dests;
		for (size_t i = 0; i < p->n_dests; i++) {
			const struct dest_ent *d = &p->dests[i];
			struct lvs_conn_dest *o = &out->dests[i];
			uint64_t by_rank[LVS_CONN_STATES_MAX] = { 0 };
			o->af = d->af;
			o->port = d->port;
			o->addr = d->addr;
			o->total = d->total;
			for (size_t s = 0; s < ns; s++)
				by_rank[remap[s]] = d->counts[s];
			for (size_t r = 0; r < ns; r++) {
				if (!by_rank[r])
					continue;
				struct lvs_state_count *sc = &o->states[o->n_states++];
				memcpy(sc->name, out->states[r].name, sizeof(sc->name));
				sc->count = by_rank[r];
			}
		}
		qsort(out->dests, out->n_dests, sizeof(*out->dests), cmp_dest);
	}

	size_t nt = p->n_clients < p->opts.top_clients ? p->n_clients : p->opts.top_clients;
	if (nt) {
		out->top_clients = calloc(nt, sizeof(*out->top_clients));
		if (!out->top_clients)
			goto nomem;
		out->n_top_clients = nt;
		for (size_t i = 0; i < nt; i++) {
			const struct client_ent *c = &p->clients[p->order[i]];
			out->top_clients[i].af = c->af;
			out->top_clients[i].addr = c->addr;
			out->top_clients[i].conns = c->count;
		}
		/* already by count; this only makes ties deterministic */
		qsort(out->top_clients, nt, sizeof(*out->top_clients), cmp_client);
	}

	out->total = p->good;
	out->partial = p->stopped || p->dest_dropped;
	out->available = true;
	goto done;
nomem:
	lvs_conn_summary_clear(out);
	rc = -ENOMEM;
done:
	round_reset(p);
	p->finished = true;
	return rc;
}

int conn_parse_file(const char *path, const struct lvs_conn_opts *opts,
                    struct lvs_conn_summary *out)
{
	int rc;
	memset(out, 0, sizeof(*out));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char *buf = malloc(READ_CHUNK);
	lvs_conn_parser *p = conn_parser_new(opts);
	if (!buf || !p) {
		rc = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf, READ_CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		if (n == 0 || conn_parser_feed(p, buf, (size_t)n))
			break;
	}
	rc = conn_parser_finish(p, out);
out:
	conn_parser_free(p);
	free(buf);
	close(fd);
	return rc;
}
