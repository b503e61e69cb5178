/* Inside the snapshot JSON reader: the fields of each piece of a document
 * (a real server, a service without its real servers, the root without its
 * services) read from its tree (json_tree.h) into the model. Only
 * snapjson_read.c and snapjson_read_fields.c include this.
 * Every function: 0, -EINVAL with c->err naming the field, or -ENOMEM. */
#ifndef LVSTOP_COLLECTOR_SNAPJSON_READ_INT_H
#define LVSTOP_COLLECTOR_SNAPJSON_READ_INT_H

#include "json_tree.h"
#include "model.h"

/* Where an error is: the object being read (a format taking i and j, e.g.
 * "services[%zu].real_servers[%zu]"), and the sub-object in it. */
struct snapjson_ctx {
	char *err;
	size_t errlen;
	const char *where;
	size_t i, j;
	const char *sub;
};

/* Set where later errors are. */
void snapjson_where(struct snapjson_ctx *c, const char *where, size_t i, size_t j);
/* Write "WHERE.SUB.KEY: WHY" to c->err; -EINVAL. */
int snapjson_fail(struct snapjson_ctx *c, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The field key of o with type t (a double may be written as an int): 0
 * and *out; *out NULL when nullable and null; -EINVAL when missing or of
 * another type. */
int snapjson_field(struct snapjson_ctx *c, struct jnode *o, const char *key, enum jnode_type t,
		   bool nullable, struct jnode **out);

/* One real server (its health error goes into s's text); its kernel
 * rates to *kr and *has_kr true when the document has them. */
int snapjson_read_dest(struct snapjson_ctx *c, struct jnode *o, struct lvs_snapshot *s,
		       struct lvs_dest *d, struct lvs_kern_rates *kr, bool *has_kr);
/* One service without its real servers. */
int snapjson_read_service(struct snapjson_ctx *c, struct jnode *o, struct lvs_service *s);
/* The root, once its services were added: finishes s (snapshot_finish)
 * and reads the connection summary. */
int snapjson_read_root(struct snapjson_ctx *c, struct jnode *root, struct lvs_snapshot *s);

#endif
