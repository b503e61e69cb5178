#include "snapjson_read.h"

#include "json_tree.h"
#include "snapjson_read_int.h"
#include "snapshot.h"

#include <errno.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

/* The streaming half of the reader: yajl's callbacks build each piece of
 * the document as a tree (json_tree.h), hand it to snapjson_read_fields.c
 * when it closes, and drop it. Field errors wait while the rest of the
 * text is checked for syntax, which is reported first. */

#define MAX_DEPTH 64 /* a document is 6 deep; json-c stopped at 32 */
#define MAX_KEYS 256 /* an object has 30 at most: bounds the duplicate search */

enum frame_kind {
	F_TREE,     /* an object or array of a piece: values become its children */
	F_SERVICES, /* the root's "services": each element is a service piece */
	F_RS,       /* a service's "real_servers": each element is a real-server piece */
	F_NONE,     /* nothing is built (after a field error) */
};

struct frame {
	struct jnode *node;
	enum frame_kind kind;
};

/* yajl's allocations, linked so that all of them can be freed whatever
 * state yajl was left in: yajl does not check for out of memory, so a
 * failed allocation jumps back out of it (oom) and the handle is never
 * used again. */
/* Every block yajl holds is on a list, so that all of them can be freed
 * after a jump out of yajl. The links stand apart from the block, so the
 * list head is a link alone. */
struct ylink {
	struct ylink *prev, *next;
};
struct yblock {
	struct ylink l;
	max_align_t data[];
};

struct snapjson_parser {
	yajl_handle y;
	struct json_arena a;
	struct snapjson_ctx c;
	struct lvs_snapshot *s;     /* being built */
	struct frame st[MAX_DEPTH];
	unsigned depth;             /* containers open */
	struct jnode *root, *svc;   /* the pieces open; root stays until finish */
	struct json_arena_mark svc_mark, dest_mark;
	const char *key;            /* the key whose value comes next */
	size_t key_len;
	size_t n_svc, n_dest;
	bool seen_value;            /* a top-level value started */
	int serr;                   /* first field error (reported at finish) */
	int jerr;                   /* syntax error, or out of memory in yajl: nothing more is fed */
	struct ylink yblocks;       /* list head */
	bool in_yajl;               /* oom is armed */
	bool yajl_lost;             /* jumped out of yajl: its handle is not used again */
	jmp_buf oom;
};

static void *y_malloc(void *ctx, size_t n)
{
	struct snapjson_parser *p = ctx;
	struct yblock *b = malloc(sizeof(*b) + n);
	if (!b) {
		if (p->in_yajl)
			longjmp(p->oom, 1);
		return NULL;
	}
	b->l.prev = &p->yblocks;
	b->l.next = p->yblocks.next;
	b->l.next->prev = &b->l;
	p->yblocks.next = &b->l;
	return b->data;
}

static void y_free(void *ctx, void *ptr)
{
	(void)ctx;
	if (!ptr)
		return;
	struct yblock *b = (struct yblock *)((char *)ptr - offsetof(struct yblock, data));
	b->l.prev->next = b->l.next;
	b->l.next->prev = b->l.prev;
	free(b);
}

static void *y_realloc(void *ctx, void *ptr, size_t n)
{
	struct snapjson_parser *p = ctx;
	if (!ptr)
		return y_malloc(ctx, n);
	struct yblock *b = (struct yblock *)((char *)ptr - offsetof(struct yblock, data));
	struct yblock *nb = realloc(b, sizeof(*b) + n);
	if (!nb) {
		if (p->in_yajl)
			longjmp(p->oom, 1);
		return NULL;
	}
	nb->l.prev->next = &nb->l;
	nb->l.next->prev = &nb->l;
	return nb->data;
}

static void out_of_memory(struct snapjson_parser *p)
{
	snprintf(p->c.err, p->c.errlen, "out of memory");
}

/* Record a field error (the first one wins) and stop building; the rest
 * of the document is still checked for syntax, which takes precedence. */
static void semantic(struct snapjson_parser *p, int r)
{
	if (!p->serr) {
		p->serr = r;
		if (r == -ENOMEM)
			out_of_memory(p);
	}
}

static struct jnode *new_node(struct snapjson_parser *p, enum jnode_type t)
{
	struct jnode *n = json_arena_alloc(&p->a, sizeof(*n));
	if (!n) {
		semantic(p, -ENOMEM);
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->type = (unsigned char)t;
	return n;
}

/* A value starts: where it goes depends on the container it is in. A new
 * node to fill in, or NULL when nothing is built for it. */
static struct jnode *value_start(struct snapjson_parser *p, enum jnode_type t)
{
	if (p->serr)
		return NULL;
	if (p->depth == 0) {
		p->seen_value = true;
		if (t != JN_OBJECT) {
			snapjson_where(&p->c, NULL, 0, 0);
			semantic(p, snapjson_fail(&p->c, "(document)", "expected an object"));
			return NULL;
		}
		return p->root = new_node(p, t);
	}
	struct frame *f = &p->st[p->depth - 1];
	switch (f->kind) {
	case F_SERVICES: {
		p->n_svc++;
		p->n_dest = 0;
		snapjson_where(&p->c, "services[%zu]", p->n_svc - 1, 0);
		if (t != JN_OBJECT) {
			semantic(p, snapjson_fail(&p->c, "", "expected an object"));
			return NULL;
		}
		struct lvs_service blank;
		memset(&blank, 0, sizeof(blank));
		int r = snapshot_add_service(p->s, &blank);
		if (r) {
			semantic(p, r);
			return NULL;
		}
		p->svc_mark = json_arena_mark(&p->a);
		return p->svc = new_node(p, t);
	}
	case F_RS:
		p->n_dest++;
		snapjson_where(&p->c, "services[%zu].real_servers[%zu]", p->n_svc - 1, p->n_dest - 1);
		if (t != JN_OBJECT) {
			semantic(p, snapjson_fail(&p->c, "", "expected an object"));
			return NULL;
		}
		p->dest_mark = json_arena_mark(&p->a);
		return new_node(p, t);
	case F_TREE: {
		struct jnode *parent = f->node, *n = new_node(p, t);
		if (!n)
			return NULL;
		if (parent->type == JN_OBJECT) {
			n->key = p->key;
			n->key_len = p->key_len;
		}
		if (parent->last)
			parent->last->next = n;
		else
			parent->first = n;
		parent->last = n;
		parent->n++;
		return n;
	}
	case F_NONE:
		break;
	}
	return NULL;
}

static int scalar(struct snapjson_parser *p, enum jnode_type t, const void *text, size_t len,
		  bool b)
{
	struct jnode *n = value_start(p, t);
	if (!n)
		return 1;
	n->b = b;
	if (text) {
		if (!(n->text = json_arena_text(&p->a, text, len)))
			semantic(p, -ENOMEM);
		n->len = len;
	}
	return 1;
}

static int y_null(void *ctx)
{
	return scalar(ctx, JN_NULL, NULL, 0, false);
}

static int y_bool(void *ctx, int v)
{
	return scalar(ctx, JN_BOOL, NULL, 0, v);
}

/* Raw text: counters up to 2^64 - 1 stay exact. */
static int y_number(void *ctx, const char *v, size_t n)
{
	bool dbl = memchr(v, '.', n) || memchr(v, 'e', n) || memchr(v, 'E', n);
	return scalar(ctx, dbl ? JN_DOUBLE : JN_INT, v, n, false);
}

static int y_string(void *ctx, const unsigned char *v, size_t n)
{
	return scalar(ctx, JN_STRING, v, n, false);
}

/* Where the piece at the top of the stack is, for an error in it. */
static void piece_where(struct snapjson_parser *p)
{
	if (p->depth >= 5 && p->st[3].kind == F_RS)
		snapjson_where(&p->c, "services[%zu].real_servers[%zu]", p->n_svc - 1, p->n_dest - 1);
	else if (p->depth >= 3 && p->st[1].kind == F_SERVICES)
		snapjson_where(&p->c, "services[%zu]", p->n_svc - 1, 0);
	else
		snapjson_where(&p->c, NULL, 0, 0);
	/* The object's own key, when it is a field of the piece (stats, ...). */
	struct jnode *o = p->st[p->depth - 1].node;
	if (p->depth >= 2 && p->st[p->depth - 2].kind == F_TREE && o->key)
		p->c.sub = o->key;
}

static int y_key(void *ctx, const unsigned char *k, size_t n)
{
	struct snapjson_parser *p = ctx;
	if (p->serr)
		return 1;
	struct frame *f = &p->st[p->depth - 1];
	if (f->kind != F_TREE)
		return 1;
	if (f->node->n == MAX_KEYS) {
		piece_where(p);
		semantic(p, snapjson_fail(&p->c, "", "more than %d keys", MAX_KEYS));
		return 1;
	}
	char *key = json_arena_text(&p->a, k, n);
	if (!key) {
		semantic(p, -ENOMEM);
		return 1;
	}
	/* A key given twice is refused: which one a reader takes is a guess,
	 * and a second "services" once made a service of nothing. */
	for (struct jnode *c = f->node->first; c; c = c->next) {
		if (c->key_len == n && !memcmp(c->key, key, n)) {
			piece_where(p);
			semantic(p, snapjson_fail(&p->c, key, "given twice"));
			return 1;
		}
	}
	p->key = key;
	p->key_len = n;
	return 1;
}

static bool key_is(const struct snapjson_parser *p, const char *want)
{
	return p->key_len == strlen(want) && !memcmp(p->key, want, p->key_len);
}

static int push(struct snapjson_parser *p, struct jnode *n, enum frame_kind kind)
{
	if (p->depth == MAX_DEPTH) {
		snprintf(p->c.err, p->c.errlen, "not valid JSON: nested deeper than %d", MAX_DEPTH);
		p->jerr = -EINVAL;
		return 0; /* stops yajl */
	}
	p->st[p->depth].node = n;
	p->st[p->depth].kind = n ? kind : F_NONE;
	p->depth++;
	return 1;
}

static int y_start_map(void *ctx)
{
	struct snapjson_parser *p = ctx;
	return push(p, value_start(p, JN_OBJECT), F_TREE);
}

static int y_start_array(void *ctx)
{
	struct snapjson_parser *p = ctx;
	enum frame_kind kind = F_TREE;
	/* The two arrays whose elements are read one at a time. */
	if (!p->serr && p->depth == 1 && key_is(p, "services"))
		kind = F_SERVICES;
	else if (!p->serr && p->depth == 3 && p->svc && p->st[2].node == p->svc &&
		 key_is(p, "real_servers"))
		kind = F_RS;
	return push(p, value_start(p, JN_ARRAY), kind);
}

static void dest_done(struct snapjson_parser *p, struct jnode *o)
{
	struct lvs_dest d;
	struct lvs_kern_rates kr = { 0 };
	bool has_kr = false;
	memset(&d, 0, sizeof(d));
	snapjson_where(&p->c, "services[%zu].real_servers[%zu]", p->n_svc - 1, p->n_dest - 1);
	int r = snapjson_read_dest(&p->c, o, p->s, &d, &kr, &has_kr);
	/* Kept from the first real server that has them (the ones before
	 * get zeros; keeping again changes nothing): a document of lvsd's
	 * has none. */
	if (!r && has_kr)
		r = snapshot_keep_dest_rates(p->s);
	if (!r && (r = snapshot_add_dest_rates(p->s, p->s->n_services - 1, &d, &kr)) &&
	    r != -ENOMEM)
		r = snapjson_fail(&p->c, "", "cannot be added: %s", strerror(-r));
	if (r)
		semantic(p, r);
	json_arena_release(&p->a, p->dest_mark);
}

static void svc_done(struct snapjson_parser *p, struct jnode *o)
{
	struct lvs_service svc;
	memset(&svc, 0, sizeof(svc));
	snapjson_where(&p->c, "services[%zu]", p->n_svc - 1, 0);
	struct jnode *rs;
	int r = snapjson_read_service(&p->c, o, &svc)
		?: snapjson_field(&p->c, o, "real_servers", JN_ARRAY, false, &rs);
	p->svc = NULL;
	json_arena_release(&p->a, p->svc_mark);
	if (r) {
		semantic(p, r);
		return;
	}
	/* Added empty when it opened (its real servers came first); keep what
	 * snapshot_add_dest filled in. */
	struct lvs_service *dst = &p->s->services[p->s->n_services - 1];
	svc.n_dests = dst->n_dests;
	svc.first_dest = dst->first_dest;
	svc.dests = NULL;
	*dst = svc;
}

static int y_end_container(void *ctx)
{
	struct snapjson_parser *p = ctx;
	struct frame f = p->st[--p->depth];
	if (p->serr || f.kind != F_TREE || p->depth == 0)
		return 1; /* the root is read at finish, once all of the text checked out */
	enum frame_kind up = p->st[p->depth - 1].kind;
	if (up == F_RS)
		dest_done(p, f.node);
	else if (up == F_SERVICES)
		svc_done(p, f.node);
	return 1;
}

static const yajl_callbacks callbacks = {
	.yajl_null = y_null,
	.yajl_boolean = y_bool,
	.yajl_number = y_number,
	.yajl_string = y_string,
	.yajl_start_map = y_start_map,
	.yajl_map_key = y_key,
	.yajl_end_map = y_end_container,
	.yajl_start_array = y_start_array,
	.yajl_end_array = y_end_container,
};

/* NULL on out of memory; what yajl_alloc had taken is in p->yblocks. */
static yajl_handle alloc_yajl(struct snapjson_parser *p)
{
	yajl_alloc_funcs af = { .malloc = y_malloc, .realloc = y_realloc, .free = y_free, .ctx = p };
	p->in_yajl = true;
	if (setjmp(p->oom)) {
		p->in_yajl = false;
		p->yajl_lost = true;
		return NULL;
	}
	yajl_handle y = yajl_alloc(&callbacks, &af, p);
	p->in_yajl = false;
	return y;
}

snapjson_parser *snapjson_parser_new(char *err, size_t errlen)
{
	struct snapjson_parser *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->c.err = err;
	p->c.errlen = errlen;
	if (errlen)
		err[0] = 0;
	p->yblocks.prev = p->yblocks.next = &p->yblocks;
	p->s = snapshot_new();
	if (!p->s)
		goto err;
	if (!(p->y = alloc_yajl(p)))
		goto err;
	/* As before: what follows the document is not looked at. */
	yajl_config(p->y, yajl_allow_trailing_garbage, 1);
	return p;
err:
	snapjson_parser_free(p);
	return NULL;
}

void snapjson_parser_free(snapjson_parser *p)
{
	if (!p)
		return;
	if (p->y && !p->yajl_lost)
		yajl_free(p->y);
	/* Whatever yajl still holds (all of it after a jump out). */
	while (p->yblocks.next != &p->yblocks)
		y_free(p, ((struct yblock *)p->yblocks.next)->data);
	snapshot_unref(p->s);
	json_arena_free(&p->a);
	free(p);
}

static void syntax_error(struct snapjson_parser *p, const unsigned char *txt, size_t len)
{
	char why[96] = "";
	p->in_yajl = true;
	if (setjmp(p->oom)) {
		p->in_yajl = false;
		p->yajl_lost = true;
		out_of_memory(p);
		p->jerr = -ENOMEM;
		return;
	}
	unsigned char *e = yajl_get_error(p->y, 0, txt, len);
	p->in_yajl = false;
	if (e) {
		/* yajl says "parse error: premature EOF\n": keep the reason. */
		const char *w = strstr((const char *)e, "error: ");
		snprintf(why, sizeof(why), "%s", w ? w + 7 : (const char *)e);
		why[strcspn(why, "\n")] = 0;
		yajl_free_error(p->y, e);
	}
	snprintf(p->c.err, p->c.errlen, "not valid JSON: %s", why[0] ? why : "syntax error");
	p->jerr = -EINVAL;
}

static void feed_chunk(struct snapjson_parser *p, const unsigned char *buf, size_t len, bool last)
{
	yajl_status st;
	p->in_yajl = true;
	if (setjmp(p->oom)) {
		/* yajl's state is unknown: it is only freed from here on. */
		p->in_yajl = false;
		p->yajl_lost = true;
		out_of_memory(p);
		p->jerr = -ENOMEM;
		return;
	}
	st = last ? yajl_complete_parse(p->y) : yajl_parse(p->y, buf, len);
	p->in_yajl = false;
	if (st == yajl_status_ok || p->jerr)
		return; /* p->jerr: a callback stopped it and said why */
	if (last && (p->depth > 0 || !p->seen_value)) {
		snprintf(p->c.err, p->c.errlen, "not valid JSON: truncated document");
		p->jerr = -EINVAL;
	} else {
		syntax_error(p, buf, len);
	}
}

/* Every error leaves text: the callers print it after "FILE:LINE: ". */
static int said(struct snapjson_parser *p, int r)
{
	if (r && p->c.errlen) {
		if (!p->c.err[0])
			snprintf(p->c.err, p->c.errlen, "%s", r == -ENOMEM ? "out of memory"
								     : "not a snapshot document");
		json_printable(p->c.err, strlen(p->c.err));
	}
	return r;
}

int snapjson_parser_feed(snapjson_parser *p, const char *buf, size_t len)
{
	if (!p->jerr && len)
		feed_chunk(p, (const unsigned char *)buf, len, false);
	return said(p, p->jerr ? p->jerr : p->serr == -ENOMEM ? -ENOMEM : 0);
}

int snapjson_parser_finish(snapjson_parser *p, struct lvs_snapshot **out)
{
	if (!p->jerr)
		feed_chunk(p, (const unsigned char *)" ", 1, true);
	if (p->jerr)
		return said(p, p->jerr);
	int r = p->serr;
	if (!r)
		r = snapjson_read_root(&p->c, p->root, p->s);
	if (r) {
		if (r == -ENOMEM)
			out_of_memory(p);
		return said(p, r);
	}
	*out = p->s;
	p->s = NULL;
	return 0;
}

int snapjson_parse(const char *text, size_t len, struct lvs_snapshot **out, char *err,
		   size_t errlen)
{
	snapjson_parser *p = snapjson_parser_new(err, errlen);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int r = snapjson_parser_feed(p, text, len) ?: snapjson_parser_finish(p, out);
	snapjson_parser_free(p);
	return r;
}
