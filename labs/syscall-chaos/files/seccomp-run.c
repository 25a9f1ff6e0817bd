/*
 * seccomp-run: run a command in which some system calls always fail.
 *
 *     seccomp-run [-e ERRNO] SYSCALL[,SYSCALL...] COMMAND [ARGUMENT...]
 *
 * It forks; the child installs a seccomp filter with libseccomp ("allow everything, except
 * make these calls fail with ERRNO", EPERM unless -e says otherwise) and then execs COMMAND.
 * The filter stays on across exec and is inherited by every process COMMAND starts: from its
 * first instruction on (the dynamic loader included), COMMAND cannot make those calls. The
 * parent waits and reports how the command ended, even when the blocked call is write(2) and
 * the command itself cannot tell you anything. Its exit status is the command's (128 + N when
 * signal N killed it).
 *
 * Four libseccomp calls do the work: seccomp_init, seccomp_rule_add, seccomp_load and
 * seccomp_release (man 3 seccomp_init). No root needed: libseccomp sets no_new_privs first.
 * Chaos Lab, "Syscall chaos" lab.
 *
 * Build: gcc -O2 -Wall -Wextra -o seccomp-run seccomp-run.c -lseccomp
 */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct {
    const char *name;
    int value;
} ERRNOS[] = {
    {"EPERM", EPERM},   {"ENOENT", ENOENT}, {"EINTR", EINTR},   {"EIO", EIO},
    {"EBADF", EBADF},   {"EAGAIN", EAGAIN}, {"ENOMEM", ENOMEM}, {"EACCES", EACCES},
    {"EINVAL", EINVAL}, {"ENOSPC", ENOSPC}, {"EPIPE", EPIPE},   {"ENOSYS", ENOSYS},
};

static pid_t child = -1;

static void usage(void)
{
    fprintf(stderr,
            "usage: seccomp-run [-e ERRNO] SYSCALL[,SYSCALL...] COMMAND [ARGUMENT...]\n"
            "  e.g. seccomp-run getpid sh -c 'echo my pid is $$'\n"
            "       seccomp-run -e EIO close ./systemx-static -p 8071\n"
            "ERRNO: a number, or one of");
    for (size_t i = 0; i < sizeof ERRNOS / sizeof ERRNOS[0]; i++)
        fprintf(stderr, " %s", ERRNOS[i].name);
    fprintf(stderr, " (default EPERM)\n");
    exit(2);
}

static int parse_errno(const char *text)
{
    char *end;
    long number = strtol(text, &end, 10);

    if (*text != '\0' && *end == '\0' && number > 0 && number < 4096)
        return (int)number;
    for (size_t i = 0; i < sizeof ERRNOS / sizeof ERRNOS[0]; i++)
        if (strcasecmp(text, ERRNOS[i].name) == 0)
            return ERRNOS[i].value;
    fprintf(stderr, "seccomp-run: unknown errno \"%s\"\n", text);
    usage();
    return 0;
}

static const char *errno_name(int value)
{
    for (size_t i = 0; i < sizeof ERRNOS / sizeof ERRNOS[0]; i++)
        if (ERRNOS[i].value == value)
            return ERRNOS[i].name;
    return "that errno";
}

/* Signals meant for us (kill PID, Ctrl-C) go to the command. */
static void pass_on(int sig)
{
    if (child > 0)
        kill(child, sig);
}

int main(int argc, char **argv)
{
    int error = EPERM, opt, status;
    scmp_filter_ctx ctx;
    char *names, *name, *save = NULL;
    const char *command;

    while ((opt = getopt(argc, argv, "+e:h")) != -1) {
        if (opt == 'e')
            error = parse_errno(optarg);
        else
            usage();
    }
    if (argc - optind < 2)
        usage();
    command = argv[optind + 1];

    /* Everything is allowed by default; each named call gets a rule "fail with ERRNO". */
    ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (ctx == NULL) {
        fprintf(stderr, "seccomp-run: seccomp_init failed\n");
        return 126;
    }
    names = strdup(argv[optind]);
    for (name = strtok_r(names, ",", &save); name != NULL; name = strtok_r(NULL, ",", &save)) {
        int nr = seccomp_syscall_resolve_name(name);
        int rc;

        if (nr == __NR_SCMP_ERROR) {
            fprintf(stderr, "seccomp-run: no system call is called \"%s\" here (try: scmp_sys_resolver %s)\n", name, name);
            return 126;
        }
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(error), nr, 0);
        if (rc < 0) {
            fprintf(stderr, "seccomp-run: cannot add a rule for %s: %s\n", name, strerror(-rc));
            return 126;
        }
    }

    fprintf(stderr, "seccomp-run: in %s and everything it starts, %s fails with %s (%s)\n",
            command, argv[optind], errno_name(error), strerror(error));
    fflush(NULL);

    child = fork();
    if (child < 0) {
        perror("seccomp-run: fork");
        return 126;
    }
    if (child == 0) {
        int rc = seccomp_load(ctx);
        if (rc < 0) {
            fprintf(stderr, "seccomp-run: seccomp_load failed: %s\n", strerror(-rc));
            _exit(126);
        }
        seccomp_release(ctx);
        execvp(command, argv + optind + 1);
        /* Only reached if exec failed (perhaps execve is one of the blocked calls). */
        fprintf(stderr, "seccomp-run: cannot run %s: %s\n", command, strerror(errno));
        _exit(127);
    }
    seccomp_release(ctx);
    free(names);

    signal(SIGINT, pass_on);
    signal(SIGTERM, pass_on);
    signal(SIGHUP, pass_on);
    signal(SIGQUIT, pass_on);

    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            perror("seccomp-run: waitpid");
            return 126;
        }
    }
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "seccomp-run: %s (pid %d) was killed by signal %d (%s)\n", command, (int)child,
                WTERMSIG(status), strsignal(WTERMSIG(status)));
        return 128 + WTERMSIG(status);
    }
    fprintf(stderr, "seccomp-run: %s (pid %d) exited with status %d\n", command, (int)child, WEXITSTATUS(status));
    return WEXITSTATUS(status);
}
