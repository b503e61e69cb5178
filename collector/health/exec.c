/* Exec check: the configured command, run without a shell, with the target
 * address and port appended; exit 0 is up. It runs in its own process
 * group, so that a timeout kills it and whatever it started; its exit is
 * seen through a pidfd in the same epoll loop (polled on kernels without
 * pidfds). */
#include "health_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define HC_ARGV_MAX 64
/* Without pidfds (kernels before 5.3) a running command is polled. */
#define HC_REAP_POLL_NS 10000000
/* posix_spawnp's search path when PATH is unset (glibc's _CS_PATH). */
#define HC_DEFAULT_PATH "/bin:/usr/bin"

static int exec_check(const struct lvs_check_spec *s, char *msg, size_t len)
{
	const char *why = NULL;
	if (!s->exec_argv || !s->exec_argv[0] || !*s->exec_argv[0]) {
		why = "an exec check needs a command";
	} else {
		size_t n = 0;
		while (s->exec_argv[n])
			n++;
		if (n > HC_ARGV_MAX)
			why = "an exec command takes at most 64 arguments";
	}
	return hc_refuse(why, msg, len);
}

/* Whether the kernel can execute the file as it is: ELF, or "#!". */
static int exec_format(const char *path, char *msg, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		/* executable but unreadable (mode 0111): the kernel may still
		 * run an ELF; only a script needs reading */
		return 0;
	}
	unsigned char b[4] = {0};
	ssize_t n = read(fd, b, sizeof(b));
	close(fd);
	if (n >= 4 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F')
		return 0;
	if (n >= 2 && b[0] == '#' && b[1] == '!')
		return 0;
	if (msg && len)
		snprintf(msg, len,
		         "'%s' is neither a program nor a script starting with #! (exec would fail "
		         "with \"Exec format error\"; checks run without a shell)",
		         path);
	return -ENOEXEC;
}

static bool runnable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int health_exec_check(const char *argv0, char *msg, size_t len)
{
	if (!argv0 || !*argv0) {
		if (msg && len)
			snprintf(msg, len, "the command is empty");
		return -ENOENT;
	}
	if (strchr(argv0, '/')) {
		if (!runnable(argv0)) {
			if (msg && len)
				snprintf(msg, len, "'%s' is not an executable file", argv0);
			return access(argv0, F_OK) == 0 ? -EACCES : -ENOENT;
		}
		return exec_format(argv0, msg, len);
	}
	/* As posix_spawnp searches: PATH in order, an empty entry meaning
	 * the current directory (of the daemon, when it runs the check). */
	const char *path = getenv("PATH");
	if (!path)
		path = HC_DEFAULT_PATH;
	char buf[4096];
	for (const char *at = path;;) {
		const char *e = strchr(at, ':');
		size_t l = e ? (size_t)(e - at) : strlen(at);
		int n = l ? snprintf(buf, sizeof(buf), "%.*s/%s", (int)l, at, argv0)
		          : snprintf(buf, sizeof(buf), "./%s", argv0);
		if (n > 0 && (size_t)n < sizeof(buf) && runnable(buf))
			return exec_format(buf, msg, len);
		if (!e)
			break;
		at = e + 1;
	}
	if (msg && len)
		snprintf(msg, len, "'%s' is not an executable file in PATH (%s)", argv0, path);
	return -ENOENT;
}

static int exec_prepare(struct hc_probe *p)
{
	const struct lvs_check_spec *s = &p->io->spec;
	size_t argc = 0;
	while (s->exec_argv[argc])
		argc++;
	p->io->argv = malloc((argc + 3) * sizeof(*p->io->argv));
	if (!p->io->argv)
		return -ENOMEM;
	for (size_t i = 0; i < argc; i++)
		p->io->argv[i] = (char *)s->exec_argv[i];
	p->io->argv[argc] = p->io->arg_addr;
	p->io->argv[argc + 1] = p->io->arg_port;
	p->io->argv[argc + 2] = NULL;
	return 0;
}

static void exec_release(struct hc_probe *p)
{
	free(p->io->argv);
	p->io->argv = NULL;
}

static void exec_start(struct lvs_health_engine *h, struct hc_probe *p)
{
	posix_spawnattr_t at;
	posix_spawn_file_actions_t fa;
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_init(&fa);
	/* own process group: a timeout kills the command and its children */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
	                                      POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	/* the daemon's other fds (sockets, logs) are none of the command's
	 * business, whether or not their owner set CLOEXEC */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	pid_t pid;
	int err = posix_spawnp(&pid, p->io->argv[0], &fa, &at, p->io->argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (err) {
		if (err == EAGAIN || err == ENOMEM || err == EMFILE || err == ENFILE)
			hc_defer(h, p); /* process or descriptor limits: ours */
		else if (err == ENOEXEC) /* the cause first: a long path may be cut */
			hc_finish(h, p, false, LVS_HR_EXEC_FAILED, 0,
			          "exec format error (no #! line?): %s", p->io->argv[0]);
		else
			hc_finish(h, p, false, LVS_HR_EXEC_FAILED, 0, "exec %s: %s", p->io->argv[0],
			          strerror(err));
		return;
	}
	p->io->pid = pid;
	p->io->fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p->io->fd >= 0 && hc_ep_want(h, p, EPOLLIN) < 0) {
		close(p->io->fd);
		p->io->fd = -1;
	}
	if (p->io->fd < 0) {
		/* no pidfd: poll for the exit */
		int64_t poll = p->io->started + HC_REAP_POLL_NS, to = p->io->started + p->t->timeout_ns;
		hc_heap_set(h, p, poll < to ? poll : to);
		return;
	}
	hc_arm_timeout(h, p);
}

static const char *signal_name(int sig)
{
	const char *n = sigabbrev_np(sig);
	return n ? n : "?";
}

/* 1 when the command was reaped (and the verdict given), else 0. */
static int exec_reap(struct lvs_health_engine *h, struct hc_probe *p)
{
	int st;
	pid_t r = waitpid(p->io->pid, &st, WNOHANG);
	if (r == 0 || (r < 0 && errno == EINTR))
		return 0;
	int err = errno;
	p->io->pid = 0; /* reaped: nothing left to kill when the attempt ends */
	if (r < 0)
		hc_finish(h, p, false, LVS_HR_LOCAL, 0, "waitpid: %s", strerror(err));
	else if (p->phase == HC_KILLING)
		hc_timeout(h, p, LVS_HR_TIMEOUT_EXEC);
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		hc_finish(h, p, true, LVS_HR_NONE, 0, NULL);
	else if (WIFEXITED(st))
		hc_finish(h, p, false, LVS_HR_EXIT, (unsigned)WEXITSTATUS(st), "exit %d",
		          WEXITSTATUS(st));
	else
		hc_finish(h, p, false, LVS_HR_SIGNAL, (unsigned)WTERMSIG(st),
		          "killed by signal %d (SIG%s)", WTERMSIG(st), signal_name(WTERMSIG(st)));
	return 1;
}

static void exec_io(struct lvs_health_engine *h, struct hc_probe *p, uint32_t events)
{
	(void)events;
	exec_reap(h, p);
}

static void exec_expire(struct lvs_health_engine *h, struct hc_probe *p, int64_t now)
{
	if (p->phase == HC_KILLING) {
		if (!exec_reap(h, p))
			hc_heap_set(h, p, now + HC_REAP_POLL_NS);
		return;
	}
	if (p->io->fd < 0 && exec_reap(h, p))
		return;
	if (now < p->io->started + p->t->timeout_ns) { /* polling without a pidfd */
		int64_t poll = now + HC_REAP_POLL_NS, to = p->io->started + p->t->timeout_ns;
		hc_heap_set(h, p, poll < to ? poll : to);
		return;
	}
	kill(-p->io->pid, SIGKILL);
	p->phase = HC_KILLING;
	if (p->io->fd >= 0)
		hc_heap_remove(h, p); /* the pidfd tells when it is gone */
	else
		hc_heap_set(h, p, now + HC_REAP_POLL_NS);
}

/* An attempt abandoned while its command runs: kill and reap it. */
static void exec_cancel(struct hc_probe *p)
{
	if (p->io->pid <= 0)
		return;
	kill(-p->io->pid, SIGKILL);
	/* SIGKILL makes this short; the child is ours, so it is reapable */
	while (waitpid(p->io->pid, NULL, 0) < 0 && errno == EINTR)
		;
	p->io->pid = 0;
}

const struct hc_kind hc_kind_exec = {
	.name = "exec",
	.check = exec_check,
	.prepare = exec_prepare,
	.release = exec_release,
	.start = exec_start,
	.io = exec_io,
	.expire = exec_expire,
	.cancel = exec_cancel,
};
