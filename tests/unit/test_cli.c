/* cli: the command list and help agree with the commands the parser knows;
 * the nearest command to a mistyped word. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/args.h"
#include "actions/cli.h"

static void test_list_matches_parser(void)
{
	const char *names[64];
	size_t n = actions_cli_names(names, 64);
	CU_ASSERT_FATAL(n > 0 && n <= 64);
	bool seen_help = false;
	for (size_t i = 0; i < n; i++) {
		enum lvs_act act;
		if (actions_cli_changes_nothing(names[i])) {
			seen_help |= !strcmp(names[i], "help");
			CU_ASSERT_FALSE(actions_cli_is_command(names[i]));
			continue;
		}
		CU_ASSERT_EQUAL(args_act_from_word(names[i], &act), 0);
		CU_ASSERT_TRUE(actions_cli_is_command(names[i]));
	}
	CU_ASSERT_TRUE(seen_help);
	/* Every action the parser has is listed. */
	for (int act = LVS_ACT_QUIESCE; act <= LVS_ACT_STOP_DAEMON; act++) {
		const char *w = args_act_name((enum lvs_act)act);
		bool listed = false;
		for (size_t i = 0; i < n; i++)
			listed |= !strcmp(names[i], w);
		if (!listed)
			fprintf(stderr, "\n  %s is not listed\n", w);
		CU_ASSERT_TRUE(listed);
	}
	/* One line each in the list. */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	actions_cli_list(f);
	fclose(f);
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	CU_ASSERT_EQUAL(lines, n);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\n  drain "));
	free(text);
}

static void test_help(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	CU_ASSERT_EQUAL(actions_cli_help(f, "drain"), 0);
	CU_ASSERT_EQUAL(actions_cli_help(f, "frobnicate"), -ENOENT);
	CU_ASSERT_EQUAL(actions_cli_help(f, "-A"), -ENOENT); /* rule-file words are not commands */
	fclose(f);
	CU_ASSERT(!strncmp(text, "usage: lvstop drain SERVICE -r ADDR[:PORT] [--wait", 50));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "exit: 0 done"));
	free(text);
}

static void test_suggest(void)
{
	static const struct {
		const char *word, *want;
		bool close;
	} cases[] = {
		{ "quiesec", "quiesce", true },
		{ "drian", "drain", true },
		{ "add-srever", "add-server", true },
		{ "restor", "restore", true },
		{ "timeout", "timeouts", true },
		{ "weights", "weight", true },
		{ "stop", "stop-daemon", true },
		{ "hlep", "help", true },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool close = false;
		const char *s = actions_cli_suggest(cases[i].word, &close);
		if (strcmp(s, cases[i].want) || close != cases[i].close)
			fprintf(stderr, "\n  %s: %s (%s)\n", cases[i].word, s, close ? "close" : "far");
		CU_ASSERT_STRING_EQUAL(s, cases[i].want);
		CU_ASSERT_EQUAL(close, cases[i].close);
	}
	bool close = true;
	CU_ASSERT_PTR_NOT_NULL(actions_cli_suggest("frobnicate", &close));
	CU_ASSERT_FALSE(close);
	CU_ASSERT_PTR_NOT_NULL(actions_cli_suggest("", NULL));
	char longword[300];
	memset(longword, 'x', sizeof(longword) - 1);
	longword[sizeof(longword) - 1] = '\0';
	CU_ASSERT_PTR_NOT_NULL(actions_cli_suggest(longword, &close));
	CU_ASSERT_FALSE(close);
}

int register_cli(void)
{
	CU_pSuite s = CU_add_suite("cli", NULL, NULL);
	if (!s || !CU_add_test(s, "the list is the parser's commands", test_list_matches_parser) ||
	    !CU_add_test(s, "help for one command", test_help) ||
	    !CU_add_test(s, "the nearest command", test_suggest))
		return -1;
	return 0;
}
