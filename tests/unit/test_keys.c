/* Tests for the console's key table and the handlers that need no
 * terminal: bindings are unambiguous and documented, the filter prompt
 * edits as it should, sorting and view keys change the state. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <curses.h>
#include <string.h>

#include "collector/snapshot.h"
#include "console/app.h"
#include "console/keys.h"
#include "console/panel.h"

static void test_table_consistent(void)
{
	CU_ASSERT(key_table_len > 10);
	for (size_t i = 0; i < key_table_len; i++) {
		const struct key_binding *b = &key_table[i];
		CU_ASSERT_PTR_NOT_NULL(b->fn);
		CU_ASSERT(b->names && *b->names);
		CU_ASSERT(b->help && *b->help);
		CU_ASSERT(b->views != 0);
		CU_ASSERT(b->keys[0] != 0);
		/* No key means two things in one view. */
		for (size_t j = i + 1; j < key_table_len; j++) {
			const struct key_binding *c = &key_table[j];
			if (!(b->views & c->views))
				continue;
			for (int x = 0; x < KEYS_PER_BINDING && b->keys[x]; x++)
				for (int y = 0; y < KEYS_PER_BINDING && c->keys[y]; y++)
					if (b->keys[x] == c->keys[y]) {
						CU_FAIL("a key is bound twice in one view");
						fprintf(stderr, "\n  key %d: \"%s\" and \"%s\"\n", b->keys[x], b->names,
							c->names);
					}
		}
		/* Each binding is found by each of its keys where it applies. */
		for (enum view v = 0; v < VIEW_COUNT; v++)
			if (b->views & (1u << v))
				for (int x = 0; x < KEYS_PER_BINDING && b->keys[x]; x++)
					CU_ASSERT_PTR_EQUAL(keys_lookup(b->keys[x], v), b);
	}
	CU_ASSERT_PTR_NULL(keys_lookup('V', VIEW_SERVICES)); /* unbound */
	const struct key_binding *h = keys_lookup(KEY_F(1), VIEW_DETAIL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_PTR_EQUAL(keys_lookup('?', VIEW_EVENTS), h);
	char buf[16];
	CU_ASSERT_STRING_EQUAL(keys_first_name(h, buf, sizeof(buf)), "F1");
	CU_ASSERT_STRING_EQUAL(h->bar, "Help");
	/* Quit works everywhere. */
	for (enum view v = 0; v < VIEW_COUNT; v++)
		CU_ASSERT_PTR_NOT_NULL(keys_lookup('q', v));
}

static void app_init(struct app *a)
{
	memset(a, 0, sizeof(*a));
	a->rows = 24;
	a->cols = 200;
	a->tree = true;
	a->sort_col = COL_NAME;
	a->view = a->back = VIEW_SERVICES;
	layout_compute(a->cols, false, 0, LAYOUT_HIDE_DEFAULT, &a->lay);
}

static int type(struct app *a, const char *s)
{
	int redo = 0;
	for (; *s; s++)
		redo |= keys_dispatch(a, (unsigned char)*s);
	return redo;
}

static void test_filter_prompt(void)
{
	struct app a;
	app_init(&a);
	CU_ASSERT_EQUAL(keys_dispatch(&a, '/'), REDO_DRAW);
	CU_ASSERT(a.filter_editing);
	CU_ASSERT(type(&a, "10.0.x") & REDO_ROWS);
	CU_ASSERT_STRING_EQUAL(a.filter, "10.0.x");
	/* While the prompt is open, command keys are text. */
	CU_ASSERT(type(&a, "q") & REDO_ROWS);
	CU_ASSERT_FALSE(a.quit);
	CU_ASSERT_STRING_EQUAL(a.filter, "10.0.xq");
	CU_ASSERT_EQUAL(keys_dispatch(&a, KEY_BACKSPACE), REDO_ROWS | REDO_DRAW);
	CU_ASSERT_EQUAL(keys_dispatch(&a, 127), REDO_ROWS | REDO_DRAW);
	CU_ASSERT_STRING_EQUAL(a.filter, "10.0.");
	CU_ASSERT_EQUAL(keys_dispatch(&a, '\r'), REDO_DRAW); /* keep it */
	CU_ASSERT_FALSE(a.filter_editing);
	CU_ASSERT_STRING_EQUAL(a.filter, "10.0.");
	/* Esc on the table clears a kept filter. */
	CU_ASSERT(keys_dispatch(&a, 27) & REDO_ROWS);
	CU_ASSERT_STRING_EQUAL(a.filter, "");
	/* Esc in the prompt drops what was typed. */
	keys_dispatch(&a, '/');
	type(&a, "abc");
	keys_dispatch(&a, 27);
	CU_ASSERT_FALSE(a.filter_editing);
	CU_ASSERT_STRING_EQUAL(a.filter, "");
	/* The filter is bounded. */
	keys_dispatch(&a, '/');
	for (int i = 0; i < 200; i++)
		keys_dispatch(&a, 'z');
	CU_ASSERT_EQUAL(strlen(a.filter), FILTER_MAX - 1);
	CU_ASSERT_EQUAL(keys_dispatch(&a, 1), 0); /* a control key: ignored */
}

static void test_sort_keys(void)
{
	struct app a;
	app_init(&a);
	CU_ASSERT(keys_dispatch(&a, '>') & REDO_ROWS);
	CU_ASSERT_EQUAL(a.sort_col, COL_SCHED);
	CU_ASSERT_FALSE(a.sort_desc); /* names ascend */
	keys_dispatch(&a, '>'); /* weight */
	CU_ASSERT_EQUAL(a.sort_col, COL_WEIGHT);
	CU_ASSERT(a.sort_desc); /* numbers descend */
	keys_dispatch(&a, '<');
	keys_dispatch(&a, '<');
	CU_ASSERT_EQUAL(a.sort_col, COL_NAME);
	keys_dispatch(&a, '<');
	CU_ASSERT_EQUAL(a.sort_col, COL_PROTO);
	keys_dispatch(&a, '<'); /* wraps to the flags, the last column */
	CU_ASSERT_EQUAL(a.sort_col, COL_FLAGS);
	keys_dispatch(&a, '<'); /* past the sparkline, to health */
	CU_ASSERT_EQUAL(a.sort_col, COL_HEALTH);
	CU_ASSERT(a.sort_desc);
	CU_ASSERT(keys_dispatch(&a, 'I') & REDO_ROWS);
	CU_ASSERT_FALSE(a.sort_desc);
	/* At 80 columns only the columns on screen take part. */
	layout_compute(80, false, 0, LAYOUT_HIDE_DEFAULT, &a.lay);
	a.sort_col = COL_OUTBPS;
	keys_dispatch(&a, '>');
	CU_ASSERT_EQUAL(a.sort_col, COL_PROTO);
	/* Sort keys belong to the table. */
	a.view = VIEW_HELP;
	CU_ASSERT_EQUAL(keys_dispatch(&a, '>'), 0);
}

static void test_columns_key(void)
{
	struct app a;
	app_init(&a);
	a.hide_chosen = a.hide_cols = LAYOUT_HIDE_DEFAULT;
	/* C: every column; the sort keys then reach the ones left out. */
	CU_ASSERT(keys_dispatch(&a, 'C') & REDO_DRAW);
	CU_ASSERT_EQUAL(a.hide_cols, 0u);
	CU_ASSERT_PTR_NOT_NULL(strstr(a.message, "every column"));
	layout_compute(a.cols, false, 0, a.hide_cols, &a.lay);
	a.sort_col = COL_CPS;
	keys_dispatch(&a, '>');
	CU_ASSERT_EQUAL(a.sort_col, COL_INPPS);
	/* C again: as chosen, and a sort by a column left out goes back
	 * to the name. */
	CU_ASSERT(keys_dispatch(&a, 'C') & REDO_ROWS);
	CU_ASSERT_EQUAL(a.hide_cols, LAYOUT_HIDE_DEFAULT);
	CU_ASSERT_EQUAL(a.sort_col, COL_NAME);
	CU_ASSERT_PTR_NOT_NULL(strstr(a.message, "sorted by name"));
	/* A sort by a column still shown stays. */
	keys_dispatch(&a, 'C');
	a.sort_col = COL_OUTBPS;
	CU_ASSERT_FALSE(keys_dispatch(&a, 'C') & REDO_ROWS);
	CU_ASSERT_EQUAL(a.sort_col, COL_OUTBPS);
	/* --columns all: nothing to toggle, and C says so. */
	a.hide_chosen = a.hide_cols = 0;
	keys_dispatch(&a, 'C');
	CU_ASSERT_EQUAL(a.hide_cols, 0u);
	CU_ASSERT_PTR_NOT_NULL(strstr(a.message, "already"));
	/* The table's key. */
	a.view = VIEW_EVENTS;
	CU_ASSERT_EQUAL(keys_dispatch(&a, 'C'), 0);
}

static void test_views_and_toggles(void)
{
	struct app a;
	app_init(&a);
	CU_ASSERT(keys_dispatch(&a, 'c') & REDO_DRAW);
	CU_ASSERT_EQUAL(a.view, VIEW_CONNS);
	keys_dispatch(&a, KEY_F(1));
	CU_ASSERT_EQUAL(a.view, VIEW_HELP);
	keys_dispatch(&a, 27); /* back where help was opened */
	CU_ASSERT_EQUAL(a.view, VIEW_CONNS);
	keys_dispatch(&a, 'c');
	CU_ASSERT_EQUAL(a.view, VIEW_SERVICES);
	keys_dispatch(&a, '\t');
	CU_ASSERT_EQUAL(a.view, VIEW_CONNS);
	keys_dispatch(&a, '\t');
	CU_ASSERT_EQUAL(a.view, VIEW_EVENTS);
	keys_dispatch(&a, '1');
	CU_ASSERT_EQUAL(a.view, VIEW_SERVICES);
	/* Enter with nothing selected stays. */
	CU_ASSERT_EQUAL(keys_dispatch(&a, '\r'), 0);
	CU_ASSERT_EQUAL(a.view, VIEW_SERVICES);

	CU_ASSERT(keys_dispatch(&a, 't') & REDO_ROWS);
	CU_ASSERT_FALSE(a.tree);
	keys_dispatch(&a, 'p');
	CU_ASSERT(a.paused);
	keys_dispatch(&a, 'Z');
	CU_ASSERT_FALSE(a.paused);
	keys_dispatch(&a, 'x');
	CU_ASSERT(a.exact);
	for (int i = 0; i < SPARK_METRIC_COUNT; i++)
		keys_dispatch(&a, 'm');
	CU_ASSERT_EQUAL(a.metric, SPARK_CPS); /* a full cycle */
	keys_dispatch(&a, 'm');
	CU_ASSERT_EQUAL(a.metric, SPARK_INPPS);
	CU_ASSERT_STRING_EQUAL(a.message, "history shows pkt/s in");
	CU_ASSERT_EQUAL(keys_dispatch(&a, 'q'), REDO_QUIT);
	CU_ASSERT(a.quit);
}

/* The help screen's lines, collected. */
struct help_capture {
	char lines[200][512];
	enum crt_role role[200];
	int n;
};

static bool capture(void *arg, enum crt_role r1, int split, enum crt_role r2, const char *line)
{
	struct help_capture *c = arg;
	(void)r1;
	(void)split;
	if (c->n < 200) {
		snprintf(c->lines[c->n], sizeof(c->lines[0]), "%s", line);
		c->role[c->n] = r2;
		c->n++;
	}
	return true;
}

static int find_line(const struct help_capture *c, const char *needle)
{
	for (int i = 0; i < c->n; i++)
		if (strstr(c->lines[i], needle))
			return i;
	return -1;
}

static void test_help_columns(void)
{
	static struct help_capture c;
	memset(&c, 0, sizeof(c));
	help_lines(NULL, capture, &c);
	/* Every column's title stands apart from its text, and the help
	 * lines fit an 80-column terminal. */
	int i = find_line(&c, "VIRTUAL / REAL SERVER");
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_PTR_NULL(strstr(c.lines[i], "SERVERVIP"));
	CU_ASSERT_PTR_NOT_NULL(strstr(c.lines[i], "VIRTUAL / REAL SERVER VIP:port or FWM mark"));
	for (int col = 0; col < COL_COUNT; col++) {
		char want[128];
		snprintf(want, sizeof(want), "%s ", col_defs[col].title);
		int k = find_line(&c, want);
		CU_ASSERT(k >= 0);
		if (k >= 0) {
			CU_ASSERT_PTR_NOT_NULL(strstr(c.lines[k], col_defs[col].help));
			CU_ASSERT(strlen(c.lines[k]) <= 80);
		}
	}
	/* Editing works: the edit keys are offered as such. */
	CU_ASSERT(find_line(&c, "Edit keys (they change the kernel):") >= 0);
	CU_ASSERT(find_line(&c, "unavailable") < 0);
	int q = find_line(&c, "quiesce the real server");
	CU_ASSERT_FATAL(q >= 0);
	CU_ASSERT_EQUAL(c.role[q], CR_DEFAULT);
}

static void test_help_edit_off(void)
{
	static struct help_capture c;
	memset(&c, 0, sizeof(c));
	help_lines("replaying a recording", capture, &c);
	/* Listed, dimmed, under a title that says why they do nothing. */
	int t = find_line(&c, "Edit keys: unavailable (replaying a recording):");
	CU_ASSERT_FATAL(t >= 0);
	int q = find_line(&c, "quiesce the real server");
	CU_ASSERT_FATAL(q > t);
	CU_ASSERT_EQUAL(c.role[q], CR_DIM);
	CU_ASSERT(find_line(&c, "Mode: no key changes the kernel (replaying a recording).") >= 0);
	CU_ASSERT(find_line(&c, "u undoes the last change") < 0);
}

static void test_edit_off_reason(void)
{
	struct app a;
	app_init(&a);
	a.opts.source = "kernel";
	CU_ASSERT_PTR_NULL(keys_edit_off(&a));
	a.opts.read_only = true;
	CU_ASSERT_STRING_EQUAL(keys_edit_off(&a), "--read-only");
	/* Q answers with the reason, and changes nothing. */
	CU_ASSERT_EQUAL(keys_dispatch(&a, 'Q'), REDO_DRAW);
	CU_ASSERT_STRING_EQUAL(a.message, "editing is off: --read-only");
	a.opts.read_only = false;
	a.opts.source = "/tmp/rec.jsonl";
	CU_ASSERT_STRING_EQUAL(keys_edit_off(&a), "replaying a recording");
	a.message[0] = 0;
	CU_ASSERT_EQUAL(keys_dispatch(&a, 'Q'), REDO_DRAW);
	CU_ASSERT_STRING_EQUAL(a.message, "editing is off: replaying a recording");
	CU_ASSERT_EQUAL(keys_dispatch(&a, 'u'), REDO_DRAW);
	CU_ASSERT_STRING_EQUAL(a.message, "editing is off: replaying a recording");
	a.opts.source = "remote";
	a.opts.read_only = true;
	CU_ASSERT_PTR_NOT_NULL(strstr(keys_edit_off(&a), "--remote"));
}

/* A key typed into the filter before the snapshot's filter texts exist
 * formats none of them: the prompt takes it at once, the rows wait, and
 * the main loop's turns make the texts a slice at a time and filter. */
static void test_filter_waits_for_texts(void)
{
	struct lvs_snapshot *s = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	for (uint32_t i = 0; i < 20000; i++) { /* more than one slice */
		struct lvs_service v = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = 80 };
		v.addr.v4.s_addr = htonl(0xc6120000u + i); /* 198.18.0.0 + i */
		strcpy(v.sched, "rr");
		CU_ASSERT_EQUAL_FATAL(snapshot_add_service(s, &v), 0);
	}
	snapshot_finish(s);
	struct app a;
	app_init(&a);
	a.snap = s;
	a.snap_gen = 1;
	CU_ASSERT_EQUAL_FATAL(app_rebuild(&a), 0);
	CU_ASSERT_EQUAL(a.tbl.n, 20000);
	CU_ASSERT(keys_dispatch(&a, '/') & REDO_DRAW);
	CU_ASSERT(app_key(&a, '1') & REDO_DRAW);
	CU_ASSERT(a.rows_pending);
	CU_ASSERT_PTR_NULL(a.tbl.text_of); /* none made for the key */
	CU_ASSERT_PTR_NULL(a.tbl.text_part);
	CU_ASSERT_EQUAL(a.tbl.n, 20000); /* the rows as they were */
	app_key(&a, '9'); /* another key: still waiting */
	CU_ASSERT(a.rows_pending);
	int turns = 0;
	while (!app_text_turn(&a) && turns < 100) {
		CU_ASSERT(a.rows_pending);
		CU_ASSERT(a.text_pending);
		turns++;
	}
	CU_ASSERT(turns >= 1); /* the texts took more than one slice */
	CU_ASSERT_FALSE(a.rows_pending);
	CU_ASSERT_PTR_EQUAL(a.tbl.text_of, s);
	/* "19": 198.18.0.19, .0.190-.0.199, .1.9 and every other ".19" */
	size_t want = 0;
	for (uint32_t i = 0; i < 20000; i++) {
		char t[40];
		snprintf(t, sizeof(t), "tcp 198.18.%u.%u:80 rr", i >> 8, i & 0xff);
		want += strstr(t, "19") != NULL;
	}
	CU_ASSERT_EQUAL(a.tbl.n, want);
	/* With the texts made, a key filters at once. */
	CU_ASSERT(app_key(&a, '0') & REDO_DRAW); /* "190" */
	CU_ASSERT_FALSE(a.rows_pending);
	CU_ASSERT(a.tbl.n < want);
	/* Backspace to an empty filter needs no texts either. */
	app_key(&a, 127);
	app_key(&a, 127);
	app_key(&a, 127);
	CU_ASSERT_FALSE(a.rows_pending);
	CU_ASSERT_EQUAL(a.tbl.n, 20000);
	table_done(&a.tbl);
	snapshot_unref(s);
}

int register_keys(void)
{
	CU_pSuite s = CU_add_suite("console keys", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "key table", test_table_consistent) ||
	    !CU_add_test(s, "filter prompt", test_filter_prompt) ||
	    !CU_add_test(s, "sort keys", test_sort_keys) ||
	    !CU_add_test(s, "C: every column or the chosen ones", test_columns_key) ||
	    !CU_add_test(s, "views and toggles", test_views_and_toggles) ||
	    !CU_add_test(s, "help: column titles apart from their text", test_help_columns) ||
	    !CU_add_test(s, "help: edit keys unavailable, with the reason", test_help_edit_off) ||
	    !CU_add_test(s, "edit keys refused with the reason", test_edit_off_reason) ||
	    !CU_add_test(s, "a filter key waits for the texts, not the frame", test_filter_waits_for_texts))
		return -1;
	return 0;
}
