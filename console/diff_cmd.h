/* `lvstop diff [--keepalived FILE | --lvs-cf FILE] [--replay FILE] [--json]`:
 * the kernel's IPVS table against the declared one (keepalived.conf or
 * piranha's lvs.cf; by default whichever of /etc/keepalived/keepalived.conf
 * and /etc/sysconfig/ha/lvs.cf exists), printed as text or JSON.
 * Exit codes: 0 the kernel matches, 1 it drifts, 2 a bad file or bad
 * arguments (warnings alone do not change the code). */
#ifndef LVSTOP_CONSOLE_DIFF_CMD_H
#define LVSTOP_CONSOLE_DIFF_CMD_H

/* argv[0] is "diff". Returns the exit code. */
int diff_cmd_main(int argc, char **argv);

#endif
