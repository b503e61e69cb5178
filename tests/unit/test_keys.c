/* Tests for the console's key table and the handlers that need no
 * terminal: bindings are unambiguous and documented, the filter prompt
 * edits as it should, sorting and view keys change the state. */
#include <CUnit/CUnit.h>
#include <curses.h>
#include <string.h>

#include "console/app.h"
#include "console/keys.h"

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
	layout_compute(a->cols, false, &a->lay);
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
	keys_dispatch(&a, '>'); /* flags */
	keys_dispatch(&a, '>'); /* weight */
	CU_ASSERT_EQUAL(a.sort_col, COL_WEIGHT);
	CU_ASSERT(a.sort_desc); /* numbers descend */
	keys_dispatch(&a, '<');
	keys_dispatch(&a, '<');
	keys_dispatch(&a, '<');
	CU_ASSERT_EQUAL(a.sort_col, COL_NAME);
	keys_dispatch(&a, '<');
	CU_ASSERT_EQUAL(a.sort_col, COL_PROTO);
	keys_dispatch(&a, '<'); /* wraps, past the sparkline, to health */
	CU_ASSERT_EQUAL(a.sort_col, COL_HEALTH);
	CU_ASSERT(a.sort_desc);
	CU_ASSERT(keys_dispatch(&a, 'I') & REDO_ROWS);
	CU_ASSERT_FALSE(a.sort_desc);
	/* At 80 columns only the columns on screen take part. */
	layout_compute(80, false, &a.lay);
	a.sort_col = COL_OUTBPS;
	keys_dispatch(&a, '>');
	CU_ASSERT_EQUAL(a.sort_col, COL_PROTO);
	/* Sort keys belong to the table. */
	a.view = VIEW_HELP;
	CU_ASSERT_EQUAL(keys_dispatch(&a, '>'), 0);
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

int register_keys(void)
{
	CU_pSuite s = CU_add_suite("console keys", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "key table", test_table_consistent) ||
	    !CU_add_test(s, "filter prompt", test_filter_prompt) ||
	    !CU_add_test(s, "sort keys", test_sort_keys) ||
	    !CU_add_test(s, "views and toggles", test_views_and_toggles))
		return -1;
	return 0;
}
