/* Over 800 lines on purpose: the fixed-layout fast path and the general
 * path of the /proc/net/ip_vs_conn parser live together so that the tests
 * (and the code) can keep them agreeing field by field; the aggregation
 * they feed is what the rest of the file is.
 */
#include "conn_parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "share/clock.h"
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
#define STATE_INVALID UINT32_MAX
/* Counters are 32-bit to halve the hot entries; a round never gets there. */
#define ENTRIES_CAP UINT32_MAX

/* One real server's counters while parsing. The key and the first states'
 * counters (the common ones: indexes go by first sight) share a line. */
struct dest_ent {
	union lvs_addr addr;
	uint16_t af, port;
	uint32_t counts[LVS_CONN_STATES_MAX];
};

/* One Misra-Gries counter: exact while every client has a slot; after
 * `rounds` decrements of all counters, a lower bound at most `rounds` below
 * the truth. Chosen over Space-Saving for the hot path: a table miss costs
 * one insert, not the upkeep of an order by count; the decrements cost
 * O(slots) each but at most one per client_slots entries on average. */
struct client_ent {
	union lvs_addr addr;
	uint32_t hash;
	uint16_t af;
	uint32_t count;
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
	int64_t t0_ns;

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

	/* real servers: open addressing over slot_make() values */
	uint64_t *dest_slots;
	size_t dest_mask;
	struct dest_ent *dests;
	size_t n_dests, cap_dests;

	/* clients: dense counters, open-addressing index over them */
	size_t client_cap; /* client_slots */
	size_t n_clients;
	uint64_t client_rounds; /* decrement rounds: the error bound */
	uint64_t *client_slots_tab;
	size_t client_mask;
	struct client_ent *clients;
};

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

/* Hash-table slots hold hash << 32 | (index + 1), 0 when empty: probes
 * compare hashes without touching the entries, which live elsewhere. */
static inline uint64_t slot_make(uint32_t hash, uint32_t idx)
{
	return (uint64_t)hash << 32 | (idx + 1);
}

static inline uint32_t slot_idx(uint64_t s)
{
	return (uint32_t)s - 1;
}

static inline uint32_t slot_hash(uint64_t s)
{
	return (uint32_t)(s >> 32);
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
 * word-wide loads check the remaining length first. Fields are decoded
 * eight bytes at a time (SWAR): fewer instructions, and no data-dependent
 * branches to mispredict on the per-line hot path. */

/* Forced inline: these run several times per line, and calls to them
 * were a tenth of the parse when the compiler left them out of line. */
#define HOT inline __attribute__((always_inline))
#define ONES 0x0101010101010101ULL
#define HIGH 0x8080808080808080ULL

static inline uint64_t load64(const char *s)
{
	uint64_t x;
	memcpy(&x, s, 8);
	return x;
}

static inline uint32_t load32(const char *s)
{
	uint32_t x;
	memcpy(&x, s, 4);
	return x;
}

/* 0x80 in each byte of x equal to c, 0 elsewhere (exact per byte). */
static inline uint64_t bytes_eq(uint64_t x, unsigned char c)
{
	uint64_t y = x ^ (ONES * c);
	return ~(((y & ~HIGH) + ~HIGH) | y) & HIGH;
}

/* 0x80 in each byte of x that is in [lo, hi] (lo > 0, hi < 0x80). */
static inline uint64_t bytes_in(uint64_t x, unsigned char lo, unsigned char hi)
{
	uint64_t x7 = x & ~HIGH; /* no carries between bytes */
	return (x7 + ONES * (0x80 - lo)) & ~(x7 + ONES * (0x7f - hi)) & ~x & HIGH;
}

/* Eight hex digits in text order (little-endian load) to four bytes in
 * text order, i.e. network order for "%08X" of ntohl(addr). */
static HOT bool hex8(uint64_t x, uint32_t *out)
{
	/* bytes_in() twice, sharing the masking: digits, then letters folded
	 * to lower case; a byte with its top bit set fails both */
	uint64_t x7 = x & ~HIGH, l7 = x7 | ONES * 0x20;
	uint64_t digit = (x7 + ONES * (0x80 - '0')) & ~(x7 + ONES * (0x7f - '9'));
	uint64_t alpha = (l7 + ONES * (0x80 - 'a')) & ~(l7 + ONES * (0x7f - 'f'));
	uint64_t ok = (digit | alpha) & ~x & HIGH;
	uint64_t v = (x & ONES * 0x0f) + ((x >> 6) & ONES) * 9;
	v = ((v << 4) | (v >> 8)) & 0x00ff00ff00ff00ffULL;
	v = (v | (v >> 8)) & 0x0000ffff0000ffffULL;
	*out = (uint32_t)(v | (v >> 16));
	return ok == HIGH;
}

static inline uint64_t pair32(uint32_t a, uint32_t b)
{
	return (uint64_t)a | (uint64_t)b << 32;
}

/* An address followed by a space: "%08X" or "%pI6" (eight groups of four
 * digits, colons between). Either family may appear in any address column
 * (mixed-af real servers). Stores whole words so later word loads of the
 * address are forwarded, not stalled. Returns the space, or NULL. */
static HOT const char *scan_addr(const char *s, const char *e, uint16_t *af, union lvs_addr *a)
{
	uint32_t q0, q1, q2, q3;
	if (e - s > 8 && s[8] == ' ') {
		if (!hex8(load64(s), &q0))
			return NULL;
		uint64_t w0 = q0, w1 = 0;
		memcpy(a->raw, &w0, 8);
		memcpy(a->raw + 8, &w1, 8);
		*af = AF_INET;
		return s + 8;
	}
	if (e - s > 39 && s[39] == ' ') {
		bool ok = hex8(pair32(load32(s), load32(s + 5)), &q0) &
		          hex8(pair32(load32(s + 10), load32(s + 15)), &q1) &
		          hex8(pair32(load32(s + 20), load32(s + 25)), &q2) &
		          hex8(pair32(load32(s + 30), load32(s + 35)), &q3);
		unsigned colons = (s[4] ^ ':') | (s[9] ^ ':') | (s[14] ^ ':') | (s[19] ^ ':') |
		                  (s[24] ^ ':') | (s[29] ^ ':') | (s[34] ^ ':');
		if (!ok || colons)
			return NULL;
		uint64_t w0 = pair32(q0, q1), w1 = pair32(q2, q3);
		memcpy(a->raw, &w0, 8);
		memcpy(a->raw + 8, &w1, 8);
		*af = AF_INET6;
		return s + 39;
	}
	return NULL;
}

/* "%04X" followed by a space. */
static HOT const char *scan_port(const char *s, const char *e, uint16_t *port)
{
	uint32_t q;
	if (e - s < 5 || s[4] != ' ')
		return NULL;
	/* pad with '0's to eight digits: the value lands in the first bytes */
	if (!hex8(load32(s) | 0x3030303000000000ULL, &q))
		return NULL;
	*port = (uint16_t)((q & 0xff) << 8 | (q >> 8 & 0xff));
	return s + 4;
}

static inline const char *skip_spaces(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

/* Index of the lowest marked byte of a bytes_eq/bytes_in mask. */
static inline unsigned first_byte(uint64_t m)
{
	return (unsigned)__builtin_ctzll(m) >> 3;
}

/* The kernel's tail "%-11s %7u\n": a state of at most 11 characters padded
 * with spaces, a space, the expiry right-aligned in 7. Most lines are
 * exactly this, checked with three loads; *len gets the state's length.
 * false: not this layout (the caller tries the general scan). */
static HOT bool scan_fixed_tail(const char *s, const char *e, size_t *len)
{
	const uint64_t low4 = 0x0000000080808080ULL, from1 = HIGH & ~0xffULL;
	if (e - s != 19)
		return false;
	uint64_t a = load64(s), b = load64(s + 8), c = load64(s + 11);
	/* state: bytes 0..11 are a name, then spaces only */
	uint64_t sa = bytes_eq(a, ' '), sb = bytes_eq(b, ' ') & low4;
	size_t n;
	if (bytes_eq(a, '\n') | bytes_eq(b, '\n')) /* the fast path has no e yet */
		return false;
	if (sa) {
		n = first_byte(sa);
		if (n == 0 || sa != HIGH << (8 * n) || sb != low4)
			return false;
	} else {
		if (!sb)
			return false;
		n = 8 + first_byte(sb);
		if (sb != ((HIGH << (8 * (n - 8))) & low4))
			return false;
	}
	/* expiry: bytes 12..18 (1..7 of c) are spaces then at least one digit */
	uint64_t d = bytes_in(c, '0', '9') & from1, sp = bytes_eq(c, ' ') & from1;
	if (!(d >> 56) || d != HIGH << (8 * first_byte(d)) || (d | sp) != from1)
		return false;
	*len = n;
	return true;
}

struct conn_line {
	uint32_t chash, dhash;
	uint16_t caf, daf, dport;
	union lvs_addr caddr, daddr;
	const char *state;
	size_t state_len;
};

enum line_kind { LINE_ENTRY, LINE_BAD, LINE_SKIP };

static inline uint32_t addr_hash(uint16_t af, const union lvs_addr *a, uint16_t port);

/* From the client address through the real server's port (s at the
 * client address): decodes the client and the real server, checks the
 * virtual service, and starts fetching their table slots. strict: single
 * spaces only, the kernel's layout, which needs no '\n' sentinel; else runs
 * of spaces. Returns the space after the real server's port, or NULL. */
static HOT const char *scan_columns(const struct lvs_conn_parser *p, const char *s,
                                    const char *e, bool strict, struct conn_line *l)
{
#define NEXT(t) (strict ? (t) + 1 : skip_spaces(t))
	const char *t;
	uint16_t af, port;
	union lvs_addr scratch;

	if (!(t = scan_addr(s, e, &l->caf, &l->caddr)))
		return NULL;
	if (!(t = scan_port(NEXT(t), e, &port)))
		return NULL;
	/* The tables are too big for L1 and the file streams through the
	 * caches: start fetching the slots now, use them after the parse. */
	l->chash = addr_hash(l->caf, &l->caddr, 0);
	if (p->client_cap)
		__builtin_prefetch(&p->client_slots_tab[l->chash & p->client_mask]);
	/* virtual service: same family as the client, only checked */
	if (!(t = scan_addr(NEXT(t), e, &af, &scratch)) || af != l->caf)
		return NULL;
	if (!(t = scan_port(NEXT(t), e, &port)))
		return NULL;
	/* real server */
	if (!(t = scan_addr(NEXT(t), e, &l->daf, &l->daddr)))
		return NULL;
	if (!(t = scan_port(NEXT(t), e, &l->dport)))
		return NULL;
	l->dhash = addr_hash(l->daf, &l->daddr, l->dport);
	if (p->dest_slots)
		__builtin_prefetch(&p->dest_slots[l->dhash & p->dest_mask]);
	return t;
#undef NEXT
}

/* Longest kernel line without persistence-engine fields: "SCTP" and three
 * IPv6 columns come to 160 bytes. */
#define FAST_MIN 192

/* The kernel's exact layout, decoded straight from the read buffer without
 * looking for the newline first (FAST_MIN bytes at s must be readable).
 * Returns the line's '\n', or NULL for anything else (the header, PE
 * fields, a state over 11 characters, other spacing, garbage): the general
 * path then decides. */
static inline const char *parse_fast(const struct lvs_conn_parser *p, const char *s,
                                     struct conn_line *l)
{
	const char *t;
	/* "%-3s ": "TCP", "UDP", "IP ", or four letters ("SCTP") */
	if ((unsigned char)s[0] <= ' ' || (unsigned char)s[1] <= ' ' || s[2] == '\n')
		return NULL;
	/* "Pro" is the header's, whatever follows: parse_line skips it. */
	if (s[0] == 'P' && s[1] == 'r' && s[2] == 'o' && s[3] == ' ')
		return NULL;
	if (s[3] == ' ')
		t = s + 4;
	else if ((unsigned char)s[2] > ' ' && (unsigned char)s[3] > ' ' && s[4] == ' ')
		t = s + 5;
	else
		return NULL;
	if (!(t = scan_columns(p, t, s + FAST_MIN, true, l)))
		return NULL;
	const char *st = t + 1, *e = st + 19;
	if (*e != '\n' || !scan_fixed_tail(st, e, &l->state_len))
		return NULL;
	l->state = st;
	return e;
}

/* Classify and decode one line [s, e), *e == '\n': any spacing, optional
 * persistence-engine fields. */
static enum line_kind parse_line(const struct lvs_conn_parser *p, const char *s, const char *e,
                                 struct conn_line *l)
{
	const char *t;

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
	if (!(t = scan_columns(p, skip_spaces(t), e, false, l)))
		return LINE_BAD;

	s = skip_spaces(t);
	l->state = s;
	if (scan_fixed_tail(s, e, &l->state_len))
		return LINE_ENTRY;

	/* state, any width */
	for (t = s; *t != ' ' && *t != '\n'; t++)
		;
	if (t == s || t - s >= LVS_STATE_NAME_MAX || *t != ' ')
		return LINE_BAD;
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

/* a[0..len) == b[0..len) for len < LVS_STATE_NAME_MAX, with overlapping
 * word loads instead of a memcmp call: this runs on every line. */
static inline bool name_eq(const char *a, const char *b, size_t len)
{
	uint64_t x, y, u, v;
	if (len >= 8) {
		memcpy(&x, a, 8), memcpy(&y, b, 8);
		memcpy(&u, a + len - 8, 8), memcpy(&v, b + len - 8, 8);
		if (((x ^ y) | (u ^ v)) != 0)
			return false;
		if (len <= 16)
			return true;
		memcpy(&x, a + 8, 8), memcpy(&y, b + 8, 8);
		return x == y;
	}
	if (len >= 4) {
		uint32_t x4, y4, u4, v4;
		memcpy(&x4, a, 4), memcpy(&y4, b, 4);
		memcpy(&u4, a + len - 4, 4), memcpy(&v4, b + len - 4, 4);
		return ((x4 ^ y4) | (u4 ^ v4)) == 0;
	}
	for (size_t i = 0; i < len; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static inline unsigned state_index(struct lvs_conn_parser *p, const char *s, size_t len)
{
	unsigned h = state_hash(s, len);
	unsigned c = p->state_cache[h];
	if (c && p->state_len[c - 1] == len && name_eq(p->states[c - 1].name, s, len))
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
	uint64_t *slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	size_t mask = nslots - 1;
	for (size_t i = 0; i < p->n_dests; i++) {
		uint32_t hv = addr_hash(d[i].af, &d[i].addr, d[i].port);
		size_t h = hv & mask;
		while (slots[h])
			h = (h + 1) & mask;
		slots[h] = slot_make(hv, (uint32_t)i);
	}
	free(p->dest_slots);
	p->dest_slots = slots;
	p->dest_mask = mask;
	p->cap_dests = cap;
	return 0;
}

/* The real server's counters, created on first sight; NULL when the table
 * is at max_dests or cannot grow. */
static inline struct dest_ent *dest_get(struct lvs_conn_parser *p, uint32_t hv, uint16_t af,
                                        const union lvs_addr *a, uint16_t port)
{
	if (p->dest_slots) {
		size_t h = hv & p->dest_mask;
		for (uint64_t sl; (sl = p->dest_slots[h]) != 0; h = (h + 1) & p->dest_mask) {
			if (slot_hash(sl) != hv)
				continue;
			struct dest_ent *d = &p->dests[slot_idx(sl)];
			if (d->port == port && d->af == af && addr_eq(&d->addr, a))
				return d;
		}
	}
	if (p->n_dests == p->cap_dests && dest_grow(p) < 0)
		return NULL;
	size_t h = hv & p->dest_mask;
	while (p->dest_slots[h])
		h = (h + 1) & p->dest_mask;
	size_t i = p->n_dests++;
	p->dest_slots[h] = slot_make(hv, (uint32_t)i);
	struct dest_ent *d = &p->dests[i];
	memset(d, 0, sizeof(*d));
	d->addr = *a;
	d->af = af;
	d->port = port;
	return d;
}

/* Misra-Gries' step for a newcomer when every counter is taken: all
 * counters, the newcomer's 1 included, go down by one; emptied ones go. */
static void client_decrement(struct lvs_conn_parser *p)
{
	size_t w = 0, n = p->n_clients;
	p->client_rounds++;
	for (size_t i = 0; i < n; i++) {
		if (--p->clients[i].count == 0)
			continue;
		if (w != i)
			p->clients[w] = p->clients[i];
		w++;
	}
	if (w == n)
		return;
	p->n_clients = w;
	size_t mask = p->client_mask;
	memset(p->client_slots_tab, 0, (mask + 1) * sizeof(*p->client_slots_tab));
	for (size_t i = 0; i < w; i++) {
		size_t h = p->clients[i].hash & mask;
		while (p->client_slots_tab[h])
			h = (h + 1) & mask;
		p->client_slots_tab[h] = slot_make(p->clients[i].hash, (uint32_t)i);
	}
}

static inline void client_count(struct lvs_conn_parser *p, uint32_t hv, uint16_t af,
                                const union lvs_addr *a)
{
	if (!p->client_cap)
		return;
	size_t mask = p->client_mask;
	size_t h = hv & mask;
	for (uint64_t sl; (sl = p->client_slots_tab[h]) != 0; h = (h + 1) & mask) {
		if (slot_hash(sl) != hv)
			continue;
		struct client_ent *c = &p->clients[slot_idx(sl)];
		if (c->af == af && addr_eq(&c->addr, a)) {
			c->count++;
			return;
		}
	}
	if (p->n_clients == p->client_cap) {
		client_decrement(p);
		return;
	}
	uint32_t e = (uint32_t)p->n_clients++;
	struct client_ent *c = &p->clients[e];
	c->addr = *a;
	c->af = af;
	c->hash = hv;
	c->count = 1;
	p->client_slots_tab[h] = slot_make(hv, e);
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
		memset(p->dest_slots, 0, (p->dest_mask + 1) * sizeof(*p->dest_slots));
	p->n_dests = 0;
	if (p->client_cap)
		memset(p->client_slots_tab, 0, (p->client_mask + 1) * sizeof(uint64_t));
	p->n_clients = 0;
	p->client_rounds = 0;
}

static double elapsed_since(const struct lvs_conn_parser *p)
{
	return (double)(lvs_clock_ns(p->opts.clock) - p->t0_ns) * 1e-9;
}

/* Before each entry: 1 when a bound says stop. The line that trips it is
 * not consumed, so a table of exactly max_lines entries is complete. */
static inline int entry_admit(struct lvs_conn_parser *p)
{
	if ((p->opts.max_lines && p->lines >= p->opts.max_lines) || p->lines >= ENTRIES_CAP)
		goto stop;
	if (p->opts.max_seconds > 0 && p->lines && p->lines % CLOCK_EVERY == 0 &&
	    elapsed_since(p) > p->opts.max_seconds)
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

/* Count one decoded line; 1 when a bound stopped the round. */
static inline int do_entry(struct lvs_conn_parser *p, enum line_kind k, const struct conn_line *l)
{
	if (entry_admit(p))
		return 1;
	unsigned st = k == LINE_ENTRY ? state_index(p, l->state, l->state_len) : STATE_INVALID;
	if (st == STATE_INVALID) {
		p->bad++;
		return 0;
	}
	p->good++;
	p->states[st].count++;
	struct dest_ent *d = dest_get(p, l->dhash, l->daf, &l->daddr, l->dport);
	if (d) {
		d->counts[st]++;
	} else {
		p->dest_dropped = true;
	}
	client_count(p, l->chash, l->caf, &l->caddr);
	return 0;
}

/* One complete line, *e == '\n'. 1 when a bound stopped the round. */
static inline int do_line(struct lvs_conn_parser *p, const char *s, const char *e)
{
	struct conn_line l = { 0 }; /* only read for LINE_ENTRY; quiets -Wmaybe-uninitialized */
	enum line_kind k = parse_line(p, s, e, &l);
	if (k == LINE_SKIP)
		return 0;
	return do_entry(p, k, &l);
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
		p->client_slots_tab = malloc(nslots * sizeof(uint64_t));
		p->clients = malloc(p->client_cap * sizeof(*p->clients));
		if (!p->client_slots_tab || !p->clients)
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
		p->t0_ns = lvs_clock_ns(p->opts.clock);
	} else if (!p->stopped && p->opts.max_seconds > 0 &&
		   elapsed_since(p) > p->opts.max_seconds) {
		/* Time spent between feeds (in the reader's read()) counts. */
		p->stopped = true;
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
		const char *nl;
		if (end - s >= FAST_MIN) {
			struct conn_line l = { 0 };
			if ((nl = parse_fast(p, s, &l))) {
				if (do_entry(p, LINE_ENTRY, &l))
					return 1;
				s = nl + 1;
				continue;
			}
		}
		nl = memchr(s, '\n', (size_t)(end - s));
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
	int c = addr_cmp(x->af, &x->addr, y->af, &y->addr);
	if (c)
		return c;
	return (x->port > y->port) - (x->port < y->port);
}

static int cmp_client(const void *a, const void *b)
{
	const struct client_ent *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
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
			for (size_t s = 0; s < ns; s++) {
				by_rank[remap[s]] = d->counts[s];
				o->total += d->counts[s];
			}
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
		/* in place: the round is over, the table is reset below */
		qsort(p->clients, p->n_clients, sizeof(*p->clients), cmp_client);
		for (size_t i = 0; i < nt; i++) {
			const struct client_ent *c = &p->clients[i];
			out->top_clients[i].af = c->af;
			out->top_clients[i].addr = c->addr;
			out->top_clients[i].conns = c->count;
		}
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
