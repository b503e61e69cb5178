/* lab-time: runs a command and writes its wall time and peak memory, for
 * the kernel benchmark. busybox's time prints ru_maxrss (KiB) as if it
 * counted pages, four times too large; this reads it from wait4 as is.
 *   usage: lab-time OUT CMD [ARG...]
 * OUT gets one line "SECONDS MAXRSS_KIB" (CLOCK_MONOTONIC from fork to
 * reaping; the child's VmHWM at exit). Exits with the command's status
 * (128 + signal when killed), 127 when it cannot be run. Lab use only. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "share/clock.h"

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: lab-time OUT CMD [ARG...]\n");
		return 2;
	}
	double t0 = clock_mono_s();
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "lab-time: fork: %s\n", strerror(errno));
		return 127;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "lab-time: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	int st;
	struct rusage ru;
	pid_t w;
	while ((w = wait4(pid, &st, 0, &ru)) < 0 && errno == EINTR)
		;
	if (w < 0) {
		fprintf(stderr, "lab-time: wait4: %s\n", strerror(errno));
		return 127;
	}
	double t = clock_mono_s() - t0;
	FILE *f = fopen(argv[1], "w");
	if (!f || fprintf(f, "%.3f %ld\n", t, ru.ru_maxrss) < 0 || fclose(f) != 0) {
		fprintf(stderr, "lab-time: %s: %s\n", argv[1], strerror(errno));
		return 127;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
