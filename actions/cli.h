/* `lvstop ACTION ...`: the command-line face of the actions library
 * (quiesce, drain, restore, weight, add/edit/del-service, add/edit/del-server,
 * zero, timeouts, flush, save, load, start-daemon, stop-daemon), and the
 * help that lists and describes them. Arguments as ipvsadm takes them.
 * Exit codes: 0 done; 1 the change failed (the kernel or the table said no;
 * nothing was left half done); 2 bad arguments (nothing was sent);
 * 3 drain --wait timed out (the real server stays quiesced). */
#ifndef LVSTOP_ACTIONS_CLI_H
#define LVSTOP_ACTIONS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define LVS_EXIT_OK 0
#define LVS_EXIT_FAILED 1
#define LVS_EXIT_USAGE 2
#define LVS_EXIT_TIMEOUT 3

/* The commands, one line each ("  quiesce        weight 0 for ..."), for
 * `lvstop --help`. */
void actions_cli_list(FILE *f);
/* `lvstop help COMMAND`: the command's arguments and what it does, then the
 * forms common to all. 0, or -ENOENT when command is not one ("help" is). */
int actions_cli_help(FILE *f, const char *command);
/* The command names in the order of the list (help included): up to max
 * into names; returns how many there are. */
size_t actions_cli_names(const char **names, size_t max);
/* The command nearest to an unknown word (edit distance; a prefix either
 * way counts as near); *close (may be NULL) says whether it is near enough
 * to be what was meant. Never NULL. */
const char *actions_cli_suggest(const char *word, bool *close);

/* True for the listed commands that change nothing and are run by lvstop
 * itself ("diff", "doctor", "help"): they have forms and exit codes of
 * their own. */
bool actions_cli_changes_nothing(const char *word);

/* True when word is one of the action commands above (not "help"). */
bool actions_cli_is_command(const char *word);

/* Run one command: argv[0] is the command word. Global options, anywhere:
 * --state-file PATH, --audit-log PATH, --no-syslog, -h/--help. Messages go
 * to stdout, errors to stderr as "lvstop: ...". Returns the exit code. */
int actions_cli_main(int argc, char **argv);

#endif
