/* The replay source: one snapshot per line of a recording. */
#include "source.h"

#include "snapjson.h"
#include "snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct replay_source {
	struct lvs_source base;
	FILE *f;      /* owned */
	char *path;   /* owned */
	bool loop;
	char *line;   /* owned getline buffer */
	size_t cap;
	unsigned long lineno;
	double first_time, last_time; /* of the current pass, unshifted */
	double shift; /* added to every time, grows at each wrap */
	unsigned passes;
};

static int replay_poll(struct lvs_source *src, struct lvs_snapshot **out, char *msg, size_t msglen)
{
	struct replay_source *r = (struct replay_source *)src;
	for (;;) {
		errno = 0;
		ssize_t n = getline(&r->line, &r->cap, r->f);
		if (n < 0) {
			if (errno) {
				snprintf(msg, msglen, "%s: %s", r->path, strerror(errno));
				return -errno;
			}
			if (!r->loop || r->lineno == 0 || r->passes == 0) {
				snprintf(msg, msglen, "%s: end of recording", r->path);
				return -ENODATA;
			}
			/* Start over one average interval after the last one. */
			double span = r->last_time - r->first_time;
			double step = r->lineno > 1 ? span / (double)(r->lineno - 1) : 2.0;
			r->shift += span + (step > 0 ? step : 2.0);
			rewind(r->f);
			r->lineno = 0;
			r->passes = 0;
			continue;
		}
		r->lineno++;
		if (n <= 1 && (n == 0 || r->line[0] == '\n'))
			continue; /* blank line */
		char err[200];
		struct lvs_snapshot *s;
		int e = snapjson_parse(r->line, (size_t)n, &s, err, sizeof(err));
		if (e) {
			snprintf(msg, msglen, "%s:%lu: %s", r->path, r->lineno, err);
			return e;
		}
		if (r->passes == 0)
			r->first_time = s->time;
		r->last_time = s->time;
		r->passes++;
		s->time += r->shift;
		s->mono = 0;
		*out = s;
		return 0;
	}
}

static void replay_destroy(struct lvs_source *src)
{
	struct replay_source *r = (struct replay_source *)src;
	fclose(r->f);
	free(r->line);
	free(r->path);
	free(r);
}

static const struct lvs_source_ops replay_ops = {
	.name = "replay",
	.poll = replay_poll,
	.destroy = replay_destroy,
};

struct lvs_source *source_replay_new(const char *path, bool loop, char *msg, size_t msglen)
{
	struct replay_source *r = calloc(1, sizeof(*r));
	if (!r || !(r->path = strdup(path))) {
		free(r);
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	r->f = fopen(path, "r");
	if (!r->f) {
		snprintf(msg, msglen, "cannot open recording %s: %s", path, strerror(errno));
		free(r->path);
		free(r);
		return NULL;
	}
	r->base.ops = &replay_ops;
	r->loop = loop;
	return &r->base;
}
