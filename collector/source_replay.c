/* The replay source: one snapshot per line of a recording. A line of a
 * large table is tens of megabytes: it is fed to the streaming parser in
 * pieces as it is read, never held whole. */
#include "source.h"

#include "snapjson.h"
#include "snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLAY_CHUNK (64u << 10)

struct replay_source {
	struct lvs_source base;
	FILE *f;      /* owned */
	char *path;   /* owned */
	bool loop;
	char *buf;    /* owned; REPLAY_CHUNK bytes read ahead */
	size_t pos, len;
	unsigned long lineno;
	double first_time, last_time; /* of the current pass, unshifted */
	double shift; /* added to every time, grows at each wrap */
	unsigned passes;
};

/* Refill the read-ahead buffer. 0 (len 0 at the end of the file) or -errno. */
static int refill(struct replay_source *r)
{
	r->pos = 0;
	r->len = fread(r->buf, 1, REPLAY_CHUNK, r->f);
	if (!r->len && ferror(r->f))
		return errno ? -errno : -EIO;
	return 0;
}

/* Feed the next line to a new parser. 0 with *got set (bytes in the line,
 * newline excluded; *eof when the file ended before any byte of it), or
 * -errno from reading. A parse error does not stop the reading: the line
 * is consumed to its end either way, so the next poll starts on the next
 * line. */
static int read_line(struct replay_source *r, snapjson_parser *p, size_t *got, bool *eof,
		     int *perr)
{
	*got = 0;
	*eof = false;
	for (;;) {
		if (r->pos == r->len) {
			int e = refill(r);
			if (e)
				return e;
			if (!r->len) {
				*eof = *got == 0;
				return 0;
			}
		}
		char *start = r->buf + r->pos;
		char *nl = memchr(start, '\n', r->len - r->pos);
		size_t n = nl ? (size_t)(nl - start) : r->len - r->pos;
		if (n && !*perr)
			*perr = snapjson_parser_feed(p, start, n);
		*got += n;
		r->pos += n + (nl ? 1 : 0);
		if (nl)
			return 0;
	}
}

static int replay_poll(struct lvs_source *src, struct lvs_snapshot **out, char *msg, size_t msglen)
{
	struct replay_source *r = (struct replay_source *)src;
	char err[200];
	for (;;) {
		snapjson_parser *p = snapjson_parser_new(err, sizeof(err));
		if (!p) {
			snprintf(msg, msglen, "%s: out of memory", r->path);
			return -ENOMEM;
		}
		size_t n;
		bool eof;
		int perr = 0;
		errno = 0;
		int e = read_line(r, p, &n, &eof, &perr);
		if (e) {
			snapjson_parser_free(p);
			snprintf(msg, msglen, "%s: %s", r->path, strerror(-e));
			return e;
		}
		if (eof) {
			snapjson_parser_free(p);
			if (!r->loop || r->lineno == 0 || r->passes == 0) {
				snprintf(msg, msglen, "%s: end of recording", r->path);
				return -ENODATA;
			}
			/* Start over one average interval after the last one. */
			double span = r->last_time - r->first_time;
			double step = r->lineno > 1 ? span / (double)(r->lineno - 1) : 2.0;
			r->shift += span + (step > 0 ? step : 2.0);
			rewind(r->f);
			r->pos = r->len = 0;
			r->lineno = 0;
			r->passes = 0;
			continue;
		}
		r->lineno++;
		if (n == 0) {
			snapjson_parser_free(p);
			continue; /* blank line */
		}
		struct lvs_snapshot *s = NULL;
		e = perr ? perr : snapjson_parser_finish(p, &s);
		snapjson_parser_free(p);
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
	free(r->buf);
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
	if (!r || !(r->path = strdup(path)) || !(r->buf = malloc(REPLAY_CHUNK))) {
		if (r)
			free(r->path);
		free(r);
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	r->f = fopen(path, "r");
	if (!r->f) {
		snprintf(msg, msglen, "cannot open recording %s: %s", path, strerror(errno));
		free(r->buf);
		free(r->path);
		free(r);
		return NULL;
	}
	r->base.ops = &replay_ops;
	r->loop = loop;
	return &r->base;
}
