/* `lvstop doctor [--json] [--rules FILE] [--no-arp] [SERVICE]`: gathers
 * the director's facts read-only (collector/doctor/), runs the rules and
 * prints the findings. Exit codes: 0 nothing found, 1 findings,
 * 2 doctor could not run (bad arguments, no permission, no such service). */
#ifndef LVSTOP_CONSOLE_DOCTOR_CMD_H
#define LVSTOP_CONSOLE_DOCTOR_CMD_H

#include <stdbool.h>

/* True for the command word "doctor". */
bool doctor_cmd_is_command(const char *word);

/* argv[0] is "doctor". Findings on stdout, errors on stderr as
 * "lvstop doctor: ...". Returns the exit code. */
int doctor_cmd_main(int argc, char **argv);

#endif
