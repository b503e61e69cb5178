/* Basic auth for lvsd's listener: the users file ("user:crypt-hash"
 * lines), the Authorization header, and verification whose cost anyone on
 * the network can trigger, so it is bounded:
 *   - the last pairs that verified are kept (a scraper sends the same pair
 *     every time and costs one compare, no crypt);
 *   - recent failed pairs are kept too: the same wrong pair again is
 *     denied without crypt;
 *   - each client address may start AUTH_BURST crypt runs at once and
 *     AUTH_RATE per second after that; past it the answer is "limited"
 *     (HTTP 429) without crypt;
 *   - one crypt runs at a time in the whole server: the other worker
 *     threads stay free for scrapes that verify from the cache;
 *   - an unknown user name runs crypt against a real user's hash, so the
 *     time taken does not tell which names exist.
 * Threads: auth_check from any thread (one internal lock, crypt outside
 * it); load/free from the owner. */
#ifndef LVSTOP_EXPORTER_HTTP_AUTH_H
#define LVSTOP_EXPORTER_HTTP_AUTH_H

#include <stddef.h>

struct http_auth; /* opaque */

#define AUTH_BURST 5    /* crypt runs a client may start at once */
#define AUTH_RATE 1.0   /* ... and per second after that */

/* Read a users file: lines "user:hash" (crypt(3) hashes: yescrypt "$y$",
 * SHA-512 "$6$", bcrypt "$2b$"...), '#' comments and blank lines ignored.
 * 0 and *out; -ENOENT/-EACCES... (the file, err says), -EINVAL (err names
 * the line), -ENOMEM. */
int auth_load(const char *path, struct http_auth **out, char *err, size_t errlen);
size_t auth_users(const struct http_auth *a);
/* NULL is ignored. */
void auth_free(struct http_auth *a);

/* Decode an Authorization header "Basic BASE64(user:pass)" into two new
 * strings (free() them). 0; -EINVAL when it is not Basic, not base64, has
 * no ':' or holds a NUL byte (a password with a trailing NUL must not
 * pass as the password without it); -ENOMEM. */
int auth_parse_basic(const char *header, char **user, char **pass);

enum auth_result {
	AUTH_OK,
	AUTH_DENIED,  /* wrong user or password */
	AUTH_LIMITED, /* not checked: this client (or the server) is over its crypt budget */
};

/* Check user/pass for the client at address key (key_len bytes: its IP),
 * now in monotonic seconds. */
enum auth_result auth_check(struct http_auth *a, const void *key, size_t key_len, const char *user,
			    const char *pass, double now);

/* crypt(3) runs since auth_load (for tests and the log). */
unsigned long auth_crypt_runs(struct http_auth *a);

#endif
