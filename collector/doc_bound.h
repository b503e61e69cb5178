/* A size guard on a snapshot document as it streams in from a remote,
 * ahead of the reader: it bounds the text by the table the document
 * describes, not by what a compressed body inflates to.
 * The reader (snapjson) holds whole, one at a time, the document's root
 * without its "services", one service without its "real_servers", and one
 * real server. Each of those pieces of a real lvsd document is under 4 KiB
 * (every field is bounded: scheduler 16 bytes, health error 47, numbers 20
 * digits, at most 32 connection states); the guard refuses any piece over
 * DOC_BOUND_PIECE (64 KiB), and any run of separators between two
 * services or two real servers over the same. So a response is at most
 * 2 x 64 KiB per object it describes, and what the reader holds at once
 * stays under 64 KiB of text, whatever the compression ratio: a 64 KiB
 * gzip body that inflates to one 64 MiB value is refused after 64 KiB.
 * The guard lexes only strings and brackets; JSON errors are the
 * reader's. Threads: a guard is used by one thread. */
#ifndef LVSTOP_COLLECTOR_DOC_BOUND_H
#define LVSTOP_COLLECTOR_DOC_BOUND_H

#include <stdbool.h>
#include <stddef.h>

#define DOC_BOUND_PIECE (64u << 10)
#define DOC_BOUND_DEPTH 32 /* a snapshot document nests 5 deep */

struct doc_bound {
	size_t pos;           /* bytes seen */
	int depth;            /* open containers */
	struct {
		size_t start;     /* offset of its bracket */
		size_t excluded;  /* bytes of closed exempt arrays inside it */
		bool array, exempt;
	} st[DOC_BOUND_DEPTH];
	bool in_str, esc, bare;  /* inside a string (after a '\\'), a number or literal */
	size_t tok_start;        /* where the string or bare token began */
	char key[16];            /* the last string's start, to recognise keys */
	size_t key_len;
	bool after_colon;        /* the last structural byte was ':' */
	bool gap;                /* between elements of an exempt array */
	size_t gap_start;
	bool tokens_only;        /* doc_bound_init_tokens */
	int err;                 /* sticky */
};

void doc_bound_init(struct doc_bound *b);
/* For other documents read by a streaming reader that keeps values, not
 * text (lvsd's history rows): only strings and numbers are bounded (by
 * DOC_BOUND_PIECE: a parser buffers a token whole), and the nesting. */
void doc_bound_init_tokens(struct doc_bound *b);

/* The next len bytes. 0, or -EFBIG with err saying which piece grew past
 * the bound and where (the byte offset); later calls return the same. */
int doc_bound_feed(struct doc_bound *b, const char *buf, size_t len, char *err, size_t errlen);

/* A streaming reader behind its guard, as an http_get body sink: every
 * piece goes through the guard first, so the reader never holds one past
 * the bound. parse is the reader's feed (0 or -errno, its error text in
 * perr). On failure msg says what went wrong, naming url and what ("a
 * snapshot", "a history"); the reader's text, which quotes the document,
 * is made printable first. */
struct doc_feed {
	struct doc_bound bound;
	int (*parse)(void *parser, const char *buf, size_t len);
	void *parser;
	const char *url, *what, *perr;
	char *msg;
	size_t msglen;
};

/* A callback for http_get_fetch; arg is a struct doc_feed. */
int doc_feed_cb(void *arg, const char *buf, size_t len);
/* The message for a document the reader refused (also after its finish):
 * "URL: not WHAT document: REASON", or "out of memory" for -ENOMEM. */
void doc_feed_refused(const struct doc_feed *f, int r);

#endif
