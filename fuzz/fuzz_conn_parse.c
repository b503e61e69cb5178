/* /proc/net/ip_vs_conn parser (collector/conn_parse.h). The input is fed
 * twice: whole, and in pieces cut at byte positions the input itself
 * chooses; both must give the same summary. Each summary must hold what the
 * header promises: state counts add up to the total, each real server's
 * states to its total, real servers sorted and distinct, top clients by
 * count, state names printable. Small tables (8 real servers, 4 client
 * slots) so the overflow paths are reached. */
#include <arpa/inet.h>
#include <string.h>

#include "collector/conn_parse.h"
#include "collector/snapshot.h"
#include "share/addr.h"
#include "fuzz.h"

static const struct lvs_conn_opts opts = {
	.max_lines = 0, .max_seconds = 0, .top_clients = 3, .client_slots = 4, .max_dests = 8,
};

static void check_summary(const struct lvs_conn_summary *s)
{
	uint64_t sum = 0;

	FUZZ_CHECK(s->available, "a parse from memory is available");
	FUZZ_CHECK(!s->partial || s->n_dests == opts.max_dests, "partial without a bound");
	FUZZ_CHECK(s->n_states <= LVS_CONN_STATES_MAX, "%zu states", s->n_states);
	for (size_t i = 0; i < s->n_states; i++) {
		const struct lvs_state_count *st = &s->states[i];
		FUZZ_CHECK(memchr(st->name, '\0', sizeof(st->name)), "state name unterminated");
		FUZZ_CHECK(st->name[0] && fuzz_printable(st->name), "state name \"%s\"", st->name);
		FUZZ_CHECK(!strchr(st->name, ' '), "state name with a blank");
		FUZZ_CHECK(st->count > 0, "state %s counted 0", st->name);
		FUZZ_CHECK(i == 0 || s->states[i - 1].count >= st->count, "states not by count");
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(s->states[j].name, st->name), "state %s twice", st->name);
		sum += st->count;
	}
	FUZZ_CHECK(sum == s->total, "states add up to %llu, total %llu",
		   (unsigned long long)sum, (unsigned long long)s->total);

	uint64_t in_dests = 0;
	FUZZ_CHECK(s->n_dests <= opts.max_dests, "%zu real servers", s->n_dests);
	for (size_t i = 0; i < s->n_dests; i++) {
		const struct lvs_conn_dest *d = &s->dests[i];
		uint64_t dsum = 0;
		FUZZ_CHECK(d->af == AF_INET || d->af == AF_INET6, "af %u", d->af);
		if (i) {
			const struct lvs_conn_dest *p = &s->dests[i - 1];
			int c = addr_cmp(p->af, &p->addr, d->af, &d->addr);
			FUZZ_CHECK(c < 0 || (c == 0 && p->port < d->port),
				   "real servers not sorted or repeated");
		}
		FUZZ_CHECK(d->n_states <= s->n_states, "a real server with more states than all");
		for (size_t j = 0; j < d->n_states; j++) {
			FUZZ_CHECK(d->states[j].count > 0, "a zero state in a real server");
			bool known = false;
			for (size_t k = 0; k < s->n_states; k++)
				known |= !strcmp(s->states[k].name, d->states[j].name);
			FUZZ_CHECK(known, "real server state %s not in the states", d->states[j].name);
			dsum += d->states[j].count;
		}
		FUZZ_CHECK(dsum == d->total, "a real server's states do not add up");
		in_dests += d->total;
	}
	FUZZ_CHECK(in_dests <= s->total, "real servers hold more than the total");
	FUZZ_CHECK(s->partial || in_dests == s->total, "entries lost without partial");

	uint64_t clients = 0;
	FUZZ_CHECK(s->n_top_clients <= opts.top_clients, "%zu top clients", s->n_top_clients);
	for (size_t i = 0; i < s->n_top_clients; i++) {
		const struct lvs_conn_client *c = &s->top_clients[i];
		FUZZ_CHECK(c->af == AF_INET || c->af == AF_INET6, "client af %u", c->af);
		FUZZ_CHECK(c->conns > 0, "a client with no entries");
		FUZZ_CHECK(i == 0 || s->top_clients[i - 1].conns >= c->conns, "clients not by count");
		clients += c->conns;
	}
	FUZZ_CHECK(clients <= s->total, "clients hold more than the total");
}

static void same_summary(const struct lvs_conn_summary *a, const struct lvs_conn_summary *b)
{
	FUZZ_CHECK(a->total == b->total && a->partial == b->partial, "total/partial differ");
	FUZZ_CHECK(a->n_states == b->n_states &&
			   !memcmp(a->states, b->states, a->n_states * sizeof(a->states[0])),
		   "states differ");
	FUZZ_CHECK(a->n_dests == b->n_dests, "real servers differ");
	for (size_t i = 0; i < a->n_dests; i++) {
		const struct lvs_conn_dest *x = &a->dests[i], *y = &b->dests[i];
		FUZZ_CHECK(x->af == y->af && x->port == y->port && x->total == y->total &&
				   !memcmp(&x->addr, &y->addr, sizeof(x->addr)) &&
				   x->n_states == y->n_states &&
				   !memcmp(x->states, y->states, x->n_states * sizeof(x->states[0])),
			   "real server %zu differs", i);
	}
	FUZZ_CHECK(a->n_top_clients == b->n_top_clients, "client counts differ");
	for (size_t i = 0; i < a->n_top_clients; i++)
		FUZZ_CHECK(a->top_clients[i].af == b->top_clients[i].af &&
				   a->top_clients[i].conns == b->top_clients[i].conns &&
				   !memcmp(&a->top_clients[i].addr, &b->top_clients[i].addr,
					   sizeof(union lvs_addr)),
			   "client %zu differs", i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lvs_conn_summary whole, pieces;
	uint64_t bad_whole, bad_pieces;
	lvs_conn_parser *p = conn_parser_new(&opts);
	FUZZ_CHECK(p, "out of memory");

	FUZZ_CHECK(conn_parser_feed(p, (const char *)data, size) == 0, "bound without one set");
	FUZZ_CHECK(conn_parser_finish(p, &whole) == 0, "finish failed");
	bad_whole = conn_parser_bad_lines(p);

	/* The same bytes in pieces, the reused parser: piece lengths come from
	 * the input's own bytes (1..16), so splits fall everywhere. */
	size_t off = 0, k = 0;
	while (off < size) {
		size_t n = size ? (data[k++ % size] & 15u) + 1 : 1;
		if (n > size - off)
			n = size - off;
		FUZZ_CHECK(conn_parser_feed(p, (const char *)data + off, n) == 0, "bound in pieces");
		off += n;
	}
	FUZZ_CHECK(conn_parser_finish(p, &pieces) == 0, "finish failed");
	bad_pieces = conn_parser_bad_lines(p);

	check_summary(&whole);
	check_summary(&pieces);
	same_summary(&whole, &pieces);
	FUZZ_CHECK(bad_whole == bad_pieces, "bad lines %llu whole, %llu in pieces",
		   (unsigned long long)bad_whole, (unsigned long long)bad_pieces);

	lvs_conn_summary_clear(&whole);
	lvs_conn_summary_clear(&pieces);
	conn_parser_free(p);
	return 0;
}
