/* Internal to collector/declared/: building a declared table while a file
 * is interpreted. Not for use outside this folder. */
#ifndef LVSTOP_COLLECTOR_DECLARED_DECLARED_INT_H
#define LVSTOP_COLLECTOR_DECLARED_DECLARED_INT_H

#include "collector/declared/conf_tree.h"
#include "collector/declared/declared.h"

/* Add a message (printf-style; made printable). -ENOMEM on failure. */
int decl_msg(struct lvs_declared *d, enum lvs_decl_severity sev, const char *file, int line,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The conf_tree report hook: ctx is the struct lvs_declared. */
void decl_report(void *ctx, bool error, const char *file, int line, const char *text);

/* Append a service (copied; its dests array is taken over). Returns the
 * new service or NULL on out of memory. */
struct lvs_decl_service *decl_add_service(struct lvs_declared *d,
					   const struct lvs_decl_service *svc);
/* Append a real server to svc. NULL on out of memory. */
struct lvs_decl_dest *decl_add_dest(struct lvs_decl_service *svc, size_t *cap);

/* The warnings every format shares, run once the table is complete: the
 * same real server twice in one service; DR or TUN with a real-server
 * port different from the service's; the same service declared twice. */
int decl_check_table(struct lvs_declared *d);

/* Identity orders (af, protocol, mark, port, address; for a real server
 * af, port, address): <0, 0, >0. */
int decl_svc_cmp(const struct lvs_service *a, const struct lvs_service *b);
int decl_dest_cmp(const struct lvs_dest *a, const struct lvs_dest *b);

/* Whole non-negative number in [min, max]; false otherwise. */
bool decl_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/* Run a tree's interpretation: reads path (or text, or path among the
 * n_mem files of mem when mem is set), hands the tree to interpret, takes
 * the file list over, runs the shared checks. lvscf: lvs.cf's lexical
 * rules ("=" a word, no includes); else keepalived's. */
typedef int (*decl_interpret_fn)(struct lvs_declared *d, const struct conf_node *nodes, size_t n);
int decl_build(enum lvs_decl_kind kind, const char *path, const char *text, size_t len,
	       const struct conf_file *mem, size_t n_mem, bool lvscf,
	       decl_interpret_fn interpret, struct lvs_declared **out, char *msg, size_t msglen);

#endif
