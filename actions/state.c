#include "actions/state.h"

#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actions/dirs.h"
#include "share/buf.h"
#include "share/file.h"
#include "share/vec.h"

#define LVS_STATE_FILE_MAX (64u << 20) /* a state file of 64 MiB is not ours */
#define LVS_STATE_FILE_MAX_TEXT "64 MiB"

const char *state_default_path(void)
{
	const char *p = getenv(LVS_STATE_ENV);
	return p && *p ? p : LVS_STATE_PATH;
}

void state_done(struct lvs_state *st)
{
	free(st->v);
	memset(st, 0, sizeof(*st));
}

struct lvs_state_entry *state_find(struct lvs_state *st, const char *service, const char *server)
{
	for (size_t i = 0; i < st->n; i++)
		if (!strcmp(st->v[i].service, service) && !strcmp(st->v[i].server, server))
			return &st->v[i];
	return NULL;
}

int state_put(struct lvs_state *st, const struct lvs_state_entry *e)
{
	struct lvs_state_entry *old = state_find(st, e->service, e->server);
	if (old) {
		*old = *e;
		return 0;
	}
	if (vec_grow((void **)&st->v, &st->cap, st->n + 1, sizeof(*st->v), 8) < 0)
		return -ENOMEM;
	st->v[st->n++] = *e;
	return 0;
}

bool state_remove(struct lvs_state *st, const char *service, const char *server)
{
	struct lvs_state_entry *e = state_find(st, service, server);
	if (!e)
		return false;
	size_t i = (size_t)(e - st->v);
	memmove(&st->v[i], &st->v[i + 1], (st->n - i - 1) * sizeof(*e));
	st->n--;
	return true;
}

int state_load(struct lvs_state *st, const char *path, char *err, size_t errlen)
{
	struct lvs_buf text = LVS_BUF_INIT;
	int r;

	st->n = 0;
	r = file_read(path, LVS_STATE_FILE_MAX, &text);
	if (r == -ENOENT)
		return 0;
	if (r) {
		snprintf(err, errlen, "state file %s: %s", path,
			 r == -EFBIG ? "larger than " LVS_STATE_FILE_MAX_TEXT " (not a state file)" : strerror(-r));
		return r;
	}
	json_tokener *tok = json_tokener_new();
	json_object *root = tok ? json_tokener_parse_ex(tok, text.p, (int)text.len) : NULL;
	bool complete = tok && json_tokener_get_error(tok) == json_tokener_success;
	json_tokener_free(tok);
	buf_free(&text);
	json_object *servers;
	r = -EINVAL;
	if (!root || !complete) {
		snprintf(err, errlen, "state file %s: not valid JSON", path);
		goto out;
	}
	if (!json_object_object_get_ex(root, "servers", &servers) ||
	    !json_object_is_type(servers, json_type_array)) {
		snprintf(err, errlen, "state file %s: servers: expected an array", path);
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(servers); i++) {
		json_object *o = json_object_array_get_idx(servers, i), *f;
		struct lvs_state_entry e;
		memset(&e, 0, sizeof(e));
		if (!json_object_object_get_ex(o, "service", &f) || !json_object_is_type(f, json_type_string) ||
		    json_object_get_string_len(f) >= (int)sizeof(e.service)) {
			snprintf(err, errlen, "state file %s: servers[%zu].service: expected a string", path, i);
			goto out;
		}
		snprintf(e.service, sizeof(e.service), "%s", json_object_get_string(f));
		if (!json_object_object_get_ex(o, "server", &f) || !json_object_is_type(f, json_type_string) ||
		    json_object_get_string_len(f) >= (int)sizeof(e.server)) {
			snprintf(err, errlen, "state file %s: servers[%zu].server: expected a string", path, i);
			goto out;
		}
		snprintf(e.server, sizeof(e.server), "%s", json_object_get_string(f));
		if (!json_object_object_get_ex(o, "weight", &f) || !json_object_is_type(f, json_type_int) ||
		    json_object_get_int64(f) < 0 || json_object_get_int64(f) > 2147483647) {
			snprintf(err, errlen, "state file %s: servers[%zu].weight: expected an int 0..2147483647",
				 path, i);
			goto out;
		}
		e.weight = (int32_t)json_object_get_int64(f);
		if (json_object_object_get_ex(o, "draining", &f))
			e.draining = json_object_get_boolean(f);
		if (json_object_object_get_ex(o, "remove_at_zero", &f))
			e.remove_at_zero = json_object_get_boolean(f);
		if (json_object_object_get_ex(o, "ignore_inactive", &f))
			e.ignore_inactive = json_object_get_boolean(f);
		if (json_object_object_get_ex(o, "since", &f))
			e.since = json_object_get_double(f);
		if (state_put(st, &e) < 0) {
			r = -ENOMEM;
			snprintf(err, errlen, "state file %s: out of memory", path);
			goto out;
		}
	}
	r = 0;
out:
	json_object_put(root);
	if (r)
		st->n = 0;
	return r;
}

static char *render(const struct lvs_state *st)
{
	json_object *root = json_object_new_object(), *arr = json_object_new_array();
	char *out = NULL;

	if (!root || !arr)
		goto done;
	json_object_object_add(root, "version", json_object_new_int(1));
	for (size_t i = 0; i < st->n; i++) {
		const struct lvs_state_entry *e = &st->v[i];
		json_object *o = json_object_new_object();
		if (!o)
			goto done;
		json_object_object_add(o, "service", json_object_new_string(e->service));
		json_object_object_add(o, "server", json_object_new_string(e->server));
		json_object_object_add(o, "weight", json_object_new_int64(e->weight));
		json_object_object_add(o, "draining", json_object_new_boolean(e->draining));
		json_object_object_add(o, "remove_at_zero", json_object_new_boolean(e->remove_at_zero));
		json_object_object_add(o, "ignore_inactive", json_object_new_boolean(e->ignore_inactive));
		json_object_object_add(o, "since", json_object_new_double(e->since));
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "servers", arr);
	arr = NULL;
	const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	out = s ? strdup(s) : NULL;
done:
	json_object_put(arr);
	json_object_put(root);
	return out;
}

int state_save(const struct lvs_state *st, const char *path, char *err, size_t errlen)
{
	char tmp[4096];
	char *text = render(st);
	int fd = -1, r = 0;

	if (!text) {
		snprintf(err, errlen, "state file %s: out of memory", path);
		return -ENOMEM;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
		free(text);
		snprintf(err, errlen, "state file %s: path too long", path);
		return -ENAMETOOLONG;
	}
	if ((r = dirs_make_for(path, 0755, 0755, NULL, 0)) < 0)
		goto fail;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		goto fail;
	}
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto fail;
		}
		off += (size_t)w;
	}
	if (write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
		r = errno ? -errno : -EIO;
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		r = -errno;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto fail;
	}
	free(text);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(text);
	snprintf(err, errlen, "state file %s: cannot write: %s", path, strerror(-r));
	return r;
}
