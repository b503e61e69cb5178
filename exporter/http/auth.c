#include "auth.h"

#include <crypt.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OK_SLOTS 4      /* pairs that verified, kept */
#define FAIL_SLOTS 64   /* pairs that failed, kept */
#define PAIR_MAX 256    /* longer pairs are never kept */
#define CLIENT_SLOTS 256
#define KEY_MAX 16      /* an IPv6 address */

struct user {
	char *name, *hash; /* owned */
};

struct pair {
	char *user, *pass; /* owned; NULL: empty slot */
};

struct client {
	unsigned char key[KEY_MAX];
	size_t key_len; /* 0: empty slot */
	double tokens, at;
};

struct http_auth {
	struct user *users; /* owned */
	size_t n_users;

	pthread_mutex_t lock; /* the caches and the client table */
	struct pair ok[OK_SLOTS], fail[FAIL_SLOTS];
	unsigned ok_next, fail_next;
	struct client clients[CLIENT_SLOTS];
	bool crypt_busy; /* one crypt at a time */
	unsigned long crypt_runs;
};

static void users_free(struct user *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(u[i].name);
		free(u[i].hash);
	}
	free(u);
}

static int read_users(const char *path, struct user **out, size_t *n_out, char *err,
		      size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		int e = errno;
		snprintf(err, errlen, "cannot open auth file %s: %s", path, strerror(e));
		return -e;
	}
	struct user *u = NULL;
	size_t n = 0;
	char *line = NULL;
	size_t cap = 0;
	unsigned long ln = 0;
	int rc = 0;
	ssize_t got;
	while ((got = getline(&line, &cap, f)) >= 0) {
		ln++;
		while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			line[--got] = 0;
		if (!got || line[0] == '#')
			continue;
		char *colon = strchr(line, ':');
		if (!colon || colon == line || colon[1] != '$' || strlen(line) != (size_t)got) {
			snprintf(err, errlen,
				 "%s:%lu: expected user:hash with a crypt(3) hash (e.g. from "
				 "mkpasswd -m yescrypt)",
				 path, ln);
			rc = -EINVAL;
			goto out;
		}
		*colon = 0;
		struct user *g = realloc(u, (n + 1) * sizeof(*u));
		if (!g) {
			rc = -ENOMEM;
			goto out;
		}
		u = g;
		u[n].name = strdup(line);
		u[n].hash = strdup(colon + 1);
		n++;
		if (!u[n - 1].name || !u[n - 1].hash) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (!feof(f)) {
		rc = errno == ENOMEM ? -ENOMEM : -EIO;
		snprintf(err, errlen, "cannot read auth file %s: %s", path, strerror(-rc));
		goto out;
	}
	if (!n) {
		snprintf(err, errlen, "auth file %s has no user:hash line", path);
		rc = -EINVAL;
	}
out:
	free(line);
	fclose(f);
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory reading %s", path);
		users_free(u, n);
		return rc;
	}
	*out = u;
	*n_out = n;
	return 0;
}

int auth_load(const char *path, struct http_auth **out, char *err, size_t errlen)
{
	struct http_auth *a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory reading %s", path);
		return -ENOMEM;
	}
	int r = read_users(path, &a->users, &a->n_users, err, errlen);
	if (r) {
		free(a);
		return r;
	}
	pthread_mutex_init(&a->lock, NULL);
	*out = a;
	return 0;
}

size_t auth_users(const struct http_auth *a)
{
	return a->n_users;
}

static void pair_clear(struct pair *p)
{
	free(p->user);
	free(p->pass);
	p->user = p->pass = NULL;
}

void auth_free(struct http_auth *a)
{
	if (!a)
		return;
	users_free(a->users, a->n_users);
	for (size_t i = 0; i < OK_SLOTS; i++)
		pair_clear(&a->ok[i]);
	for (size_t i = 0; i < FAIL_SLOTS; i++)
		pair_clear(&a->fail[i]);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/* --- the header -------------------------------------------------------------- */

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int auth_parse_basic(const char *h, char **user, char **pass)
{
	*user = *pass = NULL;
	if (!h || strncasecmp(h, "Basic ", 6))
		return -EINVAL;
	h += 6;
	while (*h == ' ')
		h++;
	size_t n = strlen(h);
	while (n && h[n - 1] == ' ')
		n--;
	if (!n || n % 4 || n > 4096)
		return -EINVAL;
	char *out = malloc(n / 4 * 3 + 1);
	if (!out)
		return -ENOMEM;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		for (int k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)h[i + (size_t)k];
			/* '=' pads the last group only, in its last one or two places. */
			v[k] = c == '=' && i + 4 == n && k >= 2 ? -2 : b64_value(c);
			if (v[k] == -1 || (k == 3 && v[2] == -2 && v[3] != -2)) {
				free(out);
				return -EINVAL;
			}
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
			     (uint32_t)(v[2] < 0 ? 0 : v[2]) << 6 | (uint32_t)(v[3] < 0 ? 0 : v[3]);
		out[o++] = (char)(w >> 16);
		if (v[2] >= 0)
			out[o++] = (char)(w >> 8 & 0xff);
		if (v[3] >= 0)
			out[o++] = (char)(w & 0xff);
	}
	char *colon = memchr(out, ':', o);
	if (!colon || memchr(out, 0, o)) {
		free(out);
		return -EINVAL;
	}
	out[o] = 0;
	*colon = 0;
	*pass = strdup(colon + 1);
	*user = out;
	if (!*pass) {
		free(out);
		*user = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* --- checking -------------------------------------------------------------- */

/* Constant time over the length of b: how long a compare takes must not
 * tell how much of a guessed secret was right. */
static bool same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;
	for (size_t i = 0; i < lb; i++)
		d |= (unsigned char)(i < la ? a[i] : 0) ^ (unsigned char)b[i];
	return d == 0;
}

static bool pair_in(const struct pair *slots, size_t n, const char *user, const char *pass)
{
	bool hit = false;
	for (size_t i = 0; i < n; i++)
		if (slots[i].user && !strcmp(slots[i].user, user) && same_secret(pass, slots[i].pass))
			hit = true;
	return hit;
}

/* Keep a copy of the pair in the ring (under the lock). */
static void pair_keep(struct pair *slots, size_t n, unsigned *next, const char *user,
		      const char *pass)
{
	if (strlen(user) + strlen(pass) > PAIR_MAX)
		return;
	char *u = strdup(user), *p = strdup(pass);
	if (!u || !p) {
		free(u);
		free(p);
		return; /* a cache, not a promise */
	}
	struct pair *s = &slots[*next % n];
	pair_clear(s);
	s->user = u;
	s->pass = p;
	*next = (*next + 1) % (unsigned)n;
}

static uint32_t key_hash(const unsigned char *k, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

/* Take one crypt token for the client (under the lock). A table slot
 * taken by another address starts over with a full bucket: the global
 * one-crypt-at-a-time bound holds regardless. */
static bool take_token(struct http_auth *a, const void *key, size_t key_len, double now)
{
	if (key_len > KEY_MAX)
		key_len = KEY_MAX;
	struct client *c = &a->clients[key_hash(key, key_len) % CLIENT_SLOTS];
	if (c->key_len != key_len || memcmp(c->key, key, key_len)) {
		memcpy(c->key, key, key_len);
		c->key_len = key_len;
		c->tokens = AUTH_BURST;
		c->at = now;
	}
	c->tokens += (now - c->at) * AUTH_RATE;
	if (c->tokens > AUTH_BURST)
		c->tokens = AUTH_BURST;
	c->at = now;
	if (c->tokens < 1)
		return false;
	c->tokens -= 1;
	return true;
}

enum auth_result auth_check(struct http_auth *a, const void *key, size_t key_len, const char *user,
			    const char *pass, double now)
{
	const struct user *u = NULL;
	for (size_t i = 0; i < a->n_users; i++)
		if (!strcmp(a->users[i].name, user))
			u = &a->users[i];
	pthread_mutex_lock(&a->lock);
	if (u && pair_in(a->ok, OK_SLOTS, user, pass)) {
		pthread_mutex_unlock(&a->lock);
		return AUTH_OK;
	}
	if (pair_in(a->fail, FAIL_SLOTS, user, pass)) {
		pthread_mutex_unlock(&a->lock);
		return AUTH_DENIED;
	}
	if (a->crypt_busy || !take_token(a, key, key_len, now)) {
		pthread_mutex_unlock(&a->lock);
		return AUTH_LIMITED;
	}
	a->crypt_busy = true;
	a->crypt_runs++;
	pthread_mutex_unlock(&a->lock);

	/* An unknown name costs what a known one does: the same kind of hash,
	 * and a result thrown away. */
	const char *hash = u ? u->hash : a->users[0].hash;
	bool ok = false, ran = false;
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	if (cd) {
		const char *r = crypt_rn(pass, hash, cd, (int)sizeof(*cd));
		ok = u && r && r[0] != '*' && same_secret(r, hash);
		ran = true;
		free(cd);
	}

	pthread_mutex_lock(&a->lock);
	a->crypt_busy = false;
	if (ok)
		pair_keep(a->ok, OK_SLOTS, &a->ok_next, user, pass);
	else if (ran)
		pair_keep(a->fail, FAIL_SLOTS, &a->fail_next, user, pass);
	pthread_mutex_unlock(&a->lock);
	return ok ? AUTH_OK : AUTH_DENIED;
}

unsigned long auth_crypt_runs(struct http_auth *a)
{
	pthread_mutex_lock(&a->lock);
	unsigned long n = a->crypt_runs;
	pthread_mutex_unlock(&a->lock);
	return n;
}
