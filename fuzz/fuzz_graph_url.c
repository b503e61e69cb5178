/* Graph and history URLs (exporter/history/graph_url.h): what anyone who
 * reaches lvsd's listener controls. The input is a request: its first line
 * the path after /graph/, each further line one query argument "key=value"
 * (or "key" alone: no value). Both parsers see it. An accepted request
 * names its objects by canonical ids that are plain file names (no '/',
 * no "..", printable), which parse back to the same identity; its window
 * and sizes are within the documented bounds. A refusal has a reason. */
#include <errno.h>

#include "exporter/history/graph_url.h"
#include "exporter/history/rrd_spec.h"
#include "fuzz.h"

#define NEWEST ((time_t)1763700000)
#define MAX_ARGS 8

static void check_id(const char *id, size_t cap)
{
	FUZZ_CHECK(memchr(id, '\0', cap), "id unterminated");
	FUZZ_CHECK(id[0] && fuzz_printable(id), "id \"%s\"", id);
	FUZZ_CHECK(!strchr(id, '/') && !strstr(id, "..") && strcmp(id, "."), "id \"%s\"", id);
}

static void check_req(const struct graph_req *r, bool graph)
{
	char err[256], id[RRD_SPEC_ID_MAX];
	struct lvs_service svc;
	struct lvs_dest d;

	check_id(r->svc_id, sizeof(r->svc_id));
	FUZZ_CHECK(rrd_spec_parse_service_id(r->svc_id, &svc, err, sizeof(err)) == 0,
		   "canonical id %s does not parse: %s", r->svc_id, err);
	FUZZ_CHECK(rrd_spec_service_id(&r->svc, id, sizeof(id)) == 0 && !strcmp(id, r->svc_id),
		   "service id %s is not canonical (%s)", r->svc_id, id);
	if (r->rs) {
		check_id(r->rs_id, sizeof(r->rs_id));
		FUZZ_CHECK(rrd_spec_parse_dest_id(r->rs_id, &d, err, sizeof(err)) == 0,
			   "canonical id %s does not parse: %s", r->rs_id, err);
		FUZZ_CHECK(rrd_spec_dest_id(&r->dest, id, sizeof(id)) == 0 &&
				   !strcmp(id, r->rs_id),
			   "real server id %s is not canonical (%s)", r->rs_id, id);
	} else {
		FUZZ_CHECK(r->rs_id[0] == '\0', "rs_id without a real server");
	}
	FUZZ_CHECK(r->start < r->end, "window %lld..%lld", (long long)r->start,
		   (long long)r->end);
	FUZZ_CHECK(r->end - r->start >= 10 && r->end - r->start <= 20LL * 366 * 86400,
		   "window of %lld s", (long long)(r->end - r->start));
	if (graph) {
		FUZZ_CHECK(r->metric < GRAPH_N_METRICS, "metric %d", r->metric);
		FUZZ_CHECK(r->width >= 200 && r->width <= 2000, "width %u", r->width);
		FUZZ_CHECK(r->height >= 80 && r->height <= 1000, "height %u", r->height);
	} else {
		FUZZ_CHECK(r->cf && !(r->cf & (r->cf - 1)), "cf 0x%x", r->cf);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	struct graph_arg args[MAX_ARGS];
	size_t n = 0;
	char *path = text, *line = strchr(text, '\n');
	char err[256];
	struct graph_req r;

	if (line)
		*line++ = '\0';
	while (line && n < MAX_ARGS) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *eq = strchr(line, '=');
		if (eq)
			*eq++ = '\0';
		args[n].key = line;
		args[n].value = eq;
		n++;
		line = next;
	}

	err[0] = '\0';
	int rc = graph_url_parse(path, args, n, NEWEST, &r, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "graph: %d", rc);
	if (rc)
		fuzz_check_message("graph", err, sizeof(err));
	else
		check_req(&r, true);

	err[0] = '\0';
	rc = graph_url_parse_history(args, n, NEWEST, &r, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "history: %d", rc);
	if (rc)
		fuzz_check_message("history", err, sizeof(err));
	else
		check_req(&r, false);

	free(text);
	return 0;
}
