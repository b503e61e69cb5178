/* `lvstop ACTION ...`: the command-line face of the actions library
 * (quiesce, drain, restore, weight, add/edit/del-service, add/edit/del-server,
 * zero, timeouts, flush, save, load). Arguments as ipvsadm takes them.
 * Exit codes: 0 done; 1 the change failed (the kernel or the table said no;
 * nothing was left half done); 2 bad arguments (nothing was sent);
 * 3 drain --wait timed out (the real server stays quiesced). */
#ifndef LVSTOP_ACTIONS_CLI_H
#define LVSTOP_ACTIONS_CLI_H

#include <stdbool.h>

#define LVS_EXIT_OK 0
#define LVS_EXIT_FAILED 1
#define LVS_EXIT_USAGE 2
#define LVS_EXIT_TIMEOUT 3

/* True when word is one of the action commands above. */
bool actions_cli_is_command(const char *word);

/* Run one command: argv[0] is the command word. Global options, anywhere:
 * --state-file PATH, --audit-log PATH, --no-syslog, -h/--help. Messages go
 * to stdout, errors to stderr as "lvstop: ...". Returns the exit code. */
int actions_cli_main(int argc, char **argv);

#endif
