/*
 * benchtool: the few primitives bench/bench.sh cannot do well in bash. Measurement only.
 * Built statically by bench.sh (it is also copied into the bench rootfs for `selfrss`).
 *
 *   benchtool time CMD [ARG...]
 *       Runs CMD (stdin and stdout /dev/null, stderr inherited), prints
 *       "WALL_US MAXRSS_KIB CPU_US STATUS": wall time from fork to reap, ru_maxrss of CMD as
 *       wait4 reports it (CMD and the descendants it reaped), user+system CPU time of the
 *       same processes, and its exit status (128+sig).
 *   benchtool lifecycle BUNDLE ID PIDFILE RUNTIME [RTARG...]
 *       What a shim does, timed as one: `RUNTIME create --bundle BUNDLE --pid-file PIDFILE ID`,
 *       `RUNTIME start ID`, wait for the container's init to exit (benchtool is a child
 *       subreaper, so init is reparented to it and is reaped with waitpid, as a shim does),
 *       `RUNTIME delete ID`. Prints "WALL_US CREATE_US START_US WAIT_US DELETE_US STATUS".
 *   benchtool par K BUNDLES IDS RUNTIME [RTARG...]
 *       K concurrent `RUNTIME create --bundle BUNDLES-I IDS-I` (I = 1..K), prints
 *       "WALL_US FAILED" (wall time until the last one returned).
 *   benchtool hidecg CMD [ARG...]
 *       crun's way onto this hybrid host (shared/notes/managers.md): a private mount namespace
 *       with the cgroup2 mount at /sys/fs/cgroup/unified detached, then exec CMD.
 *   benchtool selfrss [FILE]
 *       Prints this process's ru_maxrss in KiB (to FILE if given). The kernel keeps a process's peak RSS across
 *       execve, so run as the container process it reports the peak of the runtime's process
 *       (init or exec helper) that became it.
 *   benchtool hwm PID
 *       Prints VmHWM and VmRSS (KiB) of PID from /proc/PID/status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int status_code(int st)
{
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
    return 255;
}

/* fork + exec argv with stdin/stdout on /dev/null (quiet != 0) */
static pid_t spawn(char **argv, int quiet)
{
    pid_t pid = fork();
    if (pid < 0) { perror("benchtool: fork"); exit(2); }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
            dup2(null, 0);
            if (quiet) dup2(null, 1);
        }
        execvp(argv[0], argv);
        fprintf(stderr, "benchtool: exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

/* Waits for pid, retrying on EINTR; returns the exit code (128+sig). */
static int reap(pid_t pid, struct rusage *ru)
{
    int st;
    while (wait4(pid, &st, 0, ru) < 0) {
        if (errno != EINTR) { perror("benchtool: wait4"); return 255; }
    }
    return status_code(st);
}

static int run_quiet(char **argv)
{
    return reap(spawn(argv, 1), NULL);
}

/* argv = RUNTIME [RTARG...] followed by the given words, NULL-terminated (static storage). */
static char **rt_argv(char **rt, int nrt, const char *a, const char *b, const char *c,
                      const char *d, const char *e, const char *f)
{
    static char *out[64];
    int n = 0;
    const char *extra[] = { a, b, c, d, e, f };
    if (nrt > 50) { fprintf(stderr, "benchtool: too many runtime args\n"); exit(2); }
    for (int i = 0; i < nrt; i++) out[n++] = rt[i];
    for (int i = 0; i < 6 && extra[i]; i++) out[n++] = (char *)extra[i];
    out[n] = NULL;
    return out;
}

static int cmd_time(char **argv)
{
    struct rusage ru;
    long long t0 = now_us();
    int code = reap(spawn(argv, 1), &ru);
    long long t1 = now_us();
    long long cpu = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
    printf("%lld %ld %lld %d\n", t1 - t0, ru.ru_maxrss, cpu, code);
    return 0;
}

static int cmd_lifecycle(char *bundle, char *id, char *pidfile, char **rt, int nrt)
{
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) { perror("benchtool: PR_SET_CHILD_SUBREAPER"); return 2; }
    unlink(pidfile);
    long long t0 = now_us();
    int code = run_quiet(rt_argv(rt, nrt, "create", "--bundle", bundle, "--pid-file", pidfile, id));
    long long t1 = now_us();
    if (code != 0) { fprintf(stderr, "benchtool: create failed (%d)\n", code); printf("0 0 0 0 0 %d\n", code); return 1; }
    char buf[32] = "";
    FILE *f = fopen(pidfile, "r");
    if (!f || !fgets(buf, sizeof buf, f)) { fprintf(stderr, "benchtool: no pid in %s\n", pidfile); return 1; }
    fclose(f);
    pid_t init = (pid_t)atoi(buf);
    code = run_quiet(rt_argv(rt, nrt, "start", id, NULL, NULL, NULL, NULL));
    long long t2 = now_us();
    if (code != 0) { fprintf(stderr, "benchtool: start failed (%d)\n", code); printf("0 0 0 0 0 %d\n", code); return 1; }
    /* init was reparented to us when create exited; a shim learns the exit the same way. */
    int st, icode = 255;
    while (waitpid(init, &st, 0) < 0) {
        if (errno == EINTR) continue;
        fprintf(stderr, "benchtool: waitpid %d: %s\n", init, strerror(errno));
        break;
    }
    icode = status_code(st);
    long long t3 = now_us();
    code = run_quiet(rt_argv(rt, nrt, "delete", id, NULL, NULL, NULL, NULL));
    long long t4 = now_us();
    /* Anything else reparented to us (e.g. runc's intermediate children) is reaped here. */
    while (waitpid(-1, &st, WNOHANG) > 0) {}
    printf("%lld %lld %lld %lld %lld %d\n", t4 - t0, t1 - t0, t2 - t1, t3 - t2, t4 - t3, code ? code : icode);
    return 0;
}

static int cmd_par(int k, char *bundles, char *ids, char **rt, int nrt)
{
    pid_t *pids = calloc((size_t)k, sizeof *pids);
    char id[256], bundle[4096];
    long long t0 = now_us();
    for (int i = 0; i < k; i++) {
        snprintf(id, sizeof id, "%s-%d", ids, i + 1);
        snprintf(bundle, sizeof bundle, "%s-%d", bundles, i + 1);
        pids[i] = spawn(rt_argv(rt, nrt, "create", "--bundle", bundle, id, NULL, NULL), 1);
    }
    int failed = 0;
    for (int i = 0; i < k; i++)
        if (reap(pids[i], NULL) != 0) failed++;
    long long t1 = now_us();
    printf("%lld %d\n", t1 - t0, failed);
    free(pids);
    return 0;
}

static int cmd_hidecg(char **argv)
{
    if (unshare(CLONE_NEWNS) < 0) { perror("benchtool hidecg: unshare(CLONE_NEWNS)"); return 125; }
    /* Private first: a detach in a namespace whose mounts are shared would reach the host. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) { perror("benchtool hidecg: make-rprivate /"); return 125; }
    if (umount2("/sys/fs/cgroup/unified", MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) {
        perror("benchtool hidecg: umount /sys/fs/cgroup/unified");
        return 125;
    }
    execvp(argv[0], argv);
    fprintf(stderr, "benchtool hidecg: exec %s: %s\n", argv[0], strerror(errno));
    return 127;
}

static int cmd_selfrss(const char *file)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    FILE *f = file ? fopen(file, "w") : stdout;
    if (!f) { perror(file); return 1; }
    fprintf(f, "%ld\n", ru.ru_maxrss);
    return fclose(f) ? 1 : 0;
}

static int cmd_hwm(const char *pid)
{
    char path[64], line[256];
    long hwm = -1, rss = -1;
    snprintf(path, sizeof path, "/proc/%s/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); return 1; }
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "VmHWM:", 6)) hwm = atol(line + 6);
        else if (!strncmp(line, "VmRSS:", 6)) rss = atol(line + 6);
    }
    fclose(f);
    printf("%ld %ld\n", hwm, rss);
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: benchtool time CMD... | lifecycle BUNDLE ID PIDFILE RT... | par K BUNDLE PREFIX RT... |\n"
                    "       hidecg CMD... | selfrss [FILE] | hwm PID\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2) usage();
    const char *c = argv[1];
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(c, "time") && argc >= 3) return cmd_time(argv + 2);
    if (!strcmp(c, "lifecycle") && argc >= 6) return cmd_lifecycle(argv[2], argv[3], argv[4], argv + 5, argc - 5);
    if (!strcmp(c, "par") && argc >= 6) return cmd_par(atoi(argv[2]), argv[3], argv[4], argv + 5, argc - 5);
    if (!strcmp(c, "hidecg") && argc >= 3) return cmd_hidecg(argv + 2);
    if (!strcmp(c, "selfrss")) return cmd_selfrss(argc > 2 ? argv[2] : NULL);
    if (!strcmp(c, "hwm") && argc == 3) return cmd_hwm(argv[2]);
    usage();
    return 2;
}
