/* Snapshot JSON reader (collector/snapjson.h): a recording line, a remote
 * lvsd's /api/v1/snapshot. The document is read twice, whole
 * (snapjson_parse) and streaming in pieces cut where the input chooses
 * (snapjson_parser_*); both must agree on the verdict, the error text and
 * the snapshot. A snapshot read must be consistent (the real servers of
 * each service lie in the snapshot's array, in order) and must survive a
 * round trip: rendering it, reading that back and rendering again gives the
 * same text. Errors are one printable line. */
#include <errno.h>

#include "collector/snapjson.h"
#include "collector/snapshot.h"
#include "fuzz.h"

/* The reader's entry points, kept apart so the harness follows the API. */
static int read_whole(const char *text, size_t len, struct lvs_snapshot **out, char *err,
		      size_t errlen)
{
	return snapjson_parse(text, len, out, err, errlen);
}

static int read_pieces(const uint8_t *data, size_t size, struct lvs_snapshot **out, char *err,
		       size_t errlen)
{
	snapjson_parser *p = snapjson_parser_new(err, errlen);
	FUZZ_CHECK(p, "out of memory");
	int r = 0;
	size_t off = 0, k = 0;
	while (off < size && !r) {
		size_t n = (data[k++ % size] & 31u) + 1;
		if (n > size - off)
			n = size - off;
		r = snapjson_parser_feed(p, (const char *)data + off, n);
		off += n;
	}
	if (!r)
		r = snapjson_parser_finish(p, out);
	snapjson_parser_free(p);
	return r;
}

static void check_snapshot(const struct lvs_snapshot *s)
{
	size_t n = 0;
	FUZZ_CHECK(s->n_daemons <= 2, "%zu daemons", s->n_daemons);
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *v = &s->services[i];
		FUZZ_CHECK(v->af == AF_INET || v->af == AF_INET6, "service af %u", v->af);
		FUZZ_CHECK(memchr(v->sched, '\0', sizeof(v->sched)), "sched unterminated");
		FUZZ_CHECK(memchr(v->pe_name, '\0', sizeof(v->pe_name)), "pe unterminated");
		FUZZ_CHECK(v->first_dest == n && (v->n_dests == 0 || v->dests == s->dests + n),
			   "service %zu's real servers out of place", i);
		n += v->n_dests;
	}
	FUZZ_CHECK(n == s->n_dests, "services hold %zu real servers, the snapshot %zu", n,
		   s->n_dests);
	for (size_t i = 0; i < s->n_dests; i++) {
		const struct lvs_dest *d = &s->dests[i];
		FUZZ_CHECK(d->af == AF_INET || d->af == AF_INET6, "dest af %u", d->af);
		FUZZ_CHECK(d->health_error == 0 || d->health_error < s->text_len,
			   "health error outside the text");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err1[256], err2[256];
	struct lvs_snapshot *a = NULL, *b = NULL;

	if (size == 0)
		return 0;
	err1[0] = err2[0] = '\0';
	int r1 = read_whole((const char *)data, size, &a, err1, sizeof(err1));
	int r2 = read_pieces(data, size, &b, err2, sizeof(err2));
	FUZZ_CHECK(r1 == 0 || r1 == -EINVAL, "whole: %d", r1);
	FUZZ_CHECK(r1 == r2, "whole %d, streaming %d (%s | %s)", r1, r2, err1, err2);
	if (r1) {
		fuzz_check_message("whole", err1, sizeof(err1));
		fuzz_check_message("streaming", err2, sizeof(err2));
		FUZZ_CHECK(!strcmp(err1, err2), "errors differ: \"%s\" / \"%s\"", err1, err2);
		return 0;
	}
	check_snapshot(a);
	check_snapshot(b);

	char *ta = snapjson_render(a, 0), *tb = snapjson_render(b, 0);
	FUZZ_CHECK(ta && tb, "out of memory");
	FUZZ_CHECK(!strcmp(ta, tb), "whole and streaming read different snapshots");

	struct lvs_snapshot *c = NULL;
	int r3 = read_whole(ta, strlen(ta), &c, err1, sizeof(err1));
	FUZZ_CHECK(r3 == 0, "our own rendering does not read back: %s\n%s", err1, ta);
	char *tc = snapjson_render(c, 0);
	FUZZ_CHECK(tc, "out of memory");
	FUZZ_CHECK(!strcmp(ta, tc), "round trip changed the snapshot:\n%s\n%s", ta, tc);

	free(ta);
	free(tb);
	free(tc);
	snapshot_unref(a);
	snapshot_unref(b);
	snapshot_unref(c);
	return 0;
}
