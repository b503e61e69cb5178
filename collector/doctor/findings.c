#include "collector/doctor/findings.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "share/vec.h"

/* Texts go in blocks of TEXT_BLOCK bytes (one text never spans two), so a
 * finding's pointers stay valid while the list grows. */
#define TEXT_BLOCK 16384

struct doctor_text {
	struct doctor_text *next;
	size_t used;
	char s[TEXT_BLOCK];
};

_Static_assert(DOCTOR_TEXT_MAX <= TEXT_BLOCK, "a text fits one block");

void doctor_findings_init(struct doctor_findings *f)
{
	memset(f, 0, sizeof(*f));
}

void doctor_findings_done(struct doctor_findings *f)
{
	free(f->v);
	for (struct doctor_text *t = f->text, *next; t; t = next) {
		next = t->next;
		free(t);
	}
	memset(f, 0, sizeof(*f));
}

/* src's first max - 1 bytes, kept in f's blocks; "" for NULL or "" (not
 * stored); NULL when out of memory. */
static const char *keep(struct doctor_findings *f, const char *src, size_t max)
{
	if (!src || !*src)
		return "";
	size_t len = strnlen(src, max - 1);
	struct doctor_text *t = f->text;
	if (!t || TEXT_BLOCK - t->used < len + 1) {
		if (!(t = malloc(sizeof(*t))))
			return NULL;
		t->used = 0;
		t->next = f->text;
		f->text = t;
	}
	char *d = t->s + t->used;
	memcpy(d, src, len);
	d[len] = 0;
	t->used += len + 1;
	return d;
}

struct doctor_finding *doctor_findings_add(struct doctor_findings *f, const char *id,
					   enum doctor_severity sev, const char *service,
					   const char *real_server, const char *summary,
					   const char *evidence, const char *fix)
{
	if (vec_grow((void **)&f->v, &f->cap, f->n + 1, sizeof(*f->v), 8))
		return NULL;
	if (f->labels_only)
		summary = evidence = fix = NULL;
	struct doctor_finding x = {
		.severity = sev,
		.id = keep(f, id, DOCTOR_ID_MAX),
		.service = keep(f, service, DOCTOR_SERVICE_MAX),
		.real_server = keep(f, real_server, DOCTOR_RS_MAX),
		.summary = keep(f, summary, DOCTOR_SUMMARY_MAX),
		.evidence = keep(f, evidence, DOCTOR_TEXT_MAX),
		.fix = keep(f, fix, DOCTOR_TEXT_MAX),
	};
	/* A text that could not be kept leaves the findings as they were
	 * (its block space is lost until the list is done). */
	if (!x.id || !x.service || !x.real_server || !x.summary || !x.evidence || !x.fix)
		return NULL;
	f->v[f->n] = x;
	return &f->v[f->n++];
}

int doctor_findings_copy(struct doctor_findings *dst, const struct doctor_findings *src)
{
	doctor_findings_init(dst);
	dst->labels_only = src->labels_only;
	if (src->n && vec_grow((void **)&dst->v, &dst->cap, src->n, sizeof(*dst->v), 8))
		return -ENOMEM;
	for (size_t i = 0; i < src->n; i++) {
		const struct doctor_finding *x = &src->v[i];
		if (!doctor_findings_add(dst, x->id, x->severity, x->service, x->real_server,
					 x->summary, x->evidence, x->fix)) {
			doctor_findings_done(dst);
			return -ENOMEM;
		}
	}
	return 0;
}

static int cmp_finding(const void *pa, const void *pb)
{
	const struct doctor_finding *a = pa, *b = pb;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	int c = strcmp(a->service, b->service);
	if (!c)
		c = strcmp(a->real_server, b->real_server);
	if (!c)
		c = strcmp(a->id, b->id);
	return c;
}

void doctor_findings_sort(struct doctor_findings *f)
{
	if (f->n > 1)
		qsort(f->v, f->n, sizeof(*f->v), cmp_finding);
}

const char *doctor_severity_name(enum doctor_severity sev)
{
	switch (sev) {
	case DOCTOR_ERROR:
		return "error";
	case DOCTOR_WARNING:
		return "warning";
	case DOCTOR_INFO:
		return "info";
	}
	return "unknown";
}

size_t doctor_findings_count(const struct doctor_findings *f, enum doctor_severity sev)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += f->v[i].severity == sev;
	return n;
}

/* Printable ASCII only: evidence can carry text that did not come from
 * the local kernel (a health check's error, a rules file's name). */
static void put_safe(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		fputc(c >= 0x20 && c < 0x7f ? c : '?', out);
	}
}

/* Multi-line texts (evidence and fix may hold one item per line) are
 * indented under their label. */
static void put_block(FILE *out, const char *label, const char *text)
{
	if (!*text)
		return;
	fprintf(out, "  %s", label);
	size_t pad = strlen(label);
	const char *p = text;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[DOCTOR_TEXT_MAX];
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		put_safe(out, line);
		fputc('\n', out);
		if (!nl || !nl[1])
			break;
		p = nl + 1;
		fprintf(out, "  %*s", (int)pad, "");
	}
}

int doctor_render_text(const struct doctor_findings *f, FILE *out)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct doctor_finding *x = &f->v[i];
		fprintf(out, "%-7s %s", doctor_severity_name(x->severity), x->id);
		if (x->service[0]) {
			fputc(' ', out);
			put_safe(out, x->service);
		}
		if (x->real_server[0]) {
			fputs(" -r ", out);
			put_safe(out, x->real_server);
		}
		fputc('\n', out);
		put_block(out, "", x->summary);
		put_block(out, "evidence: ", x->evidence);
		put_block(out, "fix:      ", x->fix);
		fputc('\n', out);
	}
	if (!f->n)
		fprintf(out, "no findings\n");
	else
		fprintf(out, "%zu finding%s: %zu error%s, %zu warning%s, %zu info\n", f->n,
			f->n == 1 ? "" : "s", doctor_findings_count(f, DOCTOR_ERROR),
			doctor_findings_count(f, DOCTOR_ERROR) == 1 ? "" : "s",
			doctor_findings_count(f, DOCTOR_WARNING),
			doctor_findings_count(f, DOCTOR_WARNING) == 1 ? "" : "s",
			doctor_findings_count(f, DOCTOR_INFO));
	fflush(out);
	return ferror(out) ? -EIO : 0;
}

static int add_str(json_object *o, const char *key, const char *val, bool null_if_empty)
{
	json_object *v = (null_if_empty && !*val) ? NULL : json_object_new_string(val);
	if (!v && !(null_if_empty && !*val))
		return -ENOMEM;
	return json_object_object_add(o, key, v) ? -ENOMEM : 0;
}

char *doctor_render_json(const struct doctor_findings *f)
{
	char *out = NULL;
	json_object *root = json_object_new_object();
	json_object *arr = json_object_new_array();
	if (!root || !arr) {
		json_object_put(arr);
		goto done;
	}
	if (json_object_object_add(root, "findings", arr)) {
		json_object_put(arr);
		goto done;
	}
	for (size_t i = 0; i < f->n; i++) {
		const struct doctor_finding *x = &f->v[i];
		json_object *o = json_object_new_object();
		if (!o || json_object_array_add(arr, o)) {
			json_object_put(o);
			goto done;
		}
		if (add_str(o, "id", x->id, false) ||
		    add_str(o, "severity", doctor_severity_name(x->severity), false) ||
		    add_str(o, "service", x->service, true) ||
		    add_str(o, "real_server", x->real_server, true) ||
		    add_str(o, "summary", x->summary, false) ||
		    add_str(o, "evidence", x->evidence, false) || add_str(o, "fix", x->fix, false))
			goto done;
	}
	const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s && (out = malloc(strlen(s) + 2))) {
		strcpy(out, s);
		strcat(out, "\n");
	}
done:
	json_object_put(root);
	return out;
}
