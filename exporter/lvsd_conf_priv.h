/* Shared by the files of the config parser (lvsd_conf.c and
 * lvsd_conf_check.c) only: the parse context and the typed getters.
 * Every getter returns 0, -EINVAL with "FILE:LINE: message" written into
 * the context's err, or -ENOMEM. A getter whose key is absent leaves *out
 * as it was and returns 0. */
#ifndef LVSTOP_EXPORTER_LVSD_CONF_PRIV_H
#define LVSTOP_EXPORTER_LVSD_CONF_PRIV_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "lvsd_conf.h"

struct conf_ctx {
	const char *path;
	const char *dir; /* the config's folder: @include paths are relative to it */
	char *err;
	size_t errlen;
};

/* Write "FILE:LINE: message" for setting s (NULL: the main file, line 0);
 * always -EINVAL. */
int conf_fail(struct conf_ctx *x, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A setting's name for messages ("(list element)" for unnamed ones). */
const char *conf_sname(const config_setting_t *s);
/* g must be a group whose keys are all in allowed (NULL-terminated); what
 * names the group in the message. */
int conf_keys(struct conf_ctx *x, const config_setting_t *g, const char *const *allowed,
	      const char *what);
int conf_num(struct conf_ctx *x, const config_setting_t *s, double *out);
/* Seconds: > 0, or >= 0 when zero_ok, at most a year. */
int conf_secs(struct conf_ctx *x, const config_setting_t *g, const char *name, bool zero_ok,
	      double *out);
int conf_uint(struct conf_ctx *x, const config_setting_t *g, const char *name, long long min,
	      long long max, unsigned *out);
int conf_bool(struct conf_ctx *x, const config_setting_t *g, const char *name, bool *out);
/* strdup'd into *out, replacing (and freeing) what was there. */
int conf_str(struct conf_ctx *x, const config_setting_t *g, const char *name, bool empty_ok,
	     char **out);
/* A file the daemon opens later must be readable now. */
int conf_need_file(struct conf_ctx *x, const config_setting_t *g, const char *name);

/* lvsd_conf_check.c: parse check group g over a copy of base's type and
 * timing (base NULL: none) into c (cleared first; on failure c may hold
 * strings: lvsd_check_clear it). */
int lvsd_check_parse(struct conf_ctx *x, const config_setting_t *g, const struct lvsd_check *base,
		     struct lvsd_check *c);
/* The check in g's member name, if present, into a new *out. */
int lvsd_check_parse_member(struct conf_ctx *x, const config_setting_t *g, const char *name,
			    const struct lvsd_check *base, struct lvsd_check **out);
/* lvsd_conf_include.c: every @include in file (and in what it includes,
 * depth levels down) names a regular, readable file. 0; -EINVAL with
 * "FILE:LINE: message" in x->err (an empty path, a directory, a missing
 * or unreadable file, nesting past libconfig's limit); -ENOMEM. */
int conf_check_includes(struct conf_ctx *x, const char *file, int depth);

/* (Re)build c's lookup index over c->svcs. 0 or -ENOMEM. */
int lvsd_conf_build_index(struct lvsd_config *c);

void lvsd_check_clear(struct lvsd_check *c);
/* Clear and free; NULL is ignored. */
void lvsd_check_free(struct lvsd_check *c);

#endif
