/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The default seccomp filter: its table, and the compiled filter loaded into a child process, which
 * then makes the calls glibc makes (clone3 for threads and posix_spawn) and the ones it refuses. */
#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdlib.h>
#include <linux/netlink.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../runtime/caps.h"
#include "../../runtime/seccomp.h"
#include "tap.h"

static const uint64_t podman_caps = 0x800405fbULL;

static void test_verdicts(void) {
        CHECK(seccomp_default_verdict("read", podman_caps) == 0);
        CHECK(seccomp_default_verdict("openat2", podman_caps) == 0);
        CHECK(seccomp_default_verdict("faccessat2", podman_caps) == 0);
        CHECK(seccomp_default_verdict("close_range", podman_caps) == 0);
        CHECK(seccomp_default_verdict("rseq", podman_caps) == 0);
        CHECK(seccomp_default_verdict("mount", podman_caps) == -EPERM);
        CHECK(seccomp_default_verdict("mount", podman_caps | CAP_MASK(CAP_SYS_ADMIN)) == 0);
        CHECK(seccomp_default_verdict("kexec_load", ~0ULL) == -EPERM);
        CHECK(seccomp_default_verdict("syslog", podman_caps | CAP_MASK(CAP_SYSLOG)) == 0);
        CHECK(seccomp_default_verdict("clone3", podman_caps) == -ENOSYS);
        CHECK(seccomp_default_verdict("clone3", podman_caps | CAP_MASK(CAP_SYS_ADMIN)) == 0);
        CHECK(seccomp_default_verdict("lsm_list_modules", podman_caps) == -ENOSYS);
        CHECK(seccomp_default_verdict("io_uring_setup", ~0ULL) == -ENOSYS);
        CHECK(seccomp_default_verdict("io_uring_enter", podman_caps) == -ENOSYS);
        CHECK(seccomp_default_verdict("a_syscall_from_the_future", podman_caps) == -ENOSYS);
}

/* What the calls return inside the filter; each is 0 or an errno. */
typedef struct Outcome {
        bool has_sys_admin; /* input */
        int clone3;
        int io_uring_setup;
        int mount;
        int unshare_user;
        int clone_newuser;
        int socket_alg;
        int socket_inet;
        int socket_audit;
        int socket_netlink_route;
        int personality_linux32;
        int personality_query;
        int personality_no_randomize;
        int personality_read_implies_exec;
        int pthread_create;
        int posix_spawn;
} Outcome;

static void *thread_main(void *arg) {
        return arg;
}

static int raw_errno(long r) {
        return r < 0 ? errno : 0;
}

static void run_calls(Outcome *o) {
        extern char **environ;
        char *argv[] = { "true", NULL };
        pthread_t t;
        pid_t pid;
        int fd, status;

        /* clone3 with a NULL struct: EFAULT or EINVAL when the call is let through. */
        o->clone3 = raw_errno(syscall(SYS_clone3, NULL, 0));
        o->io_uring_setup = raw_errno(syscall(SYS_io_uring_setup, 1, NULL));
        o->mount = raw_errno(syscall(SYS_mount, "none", "/nonexistent", "tmpfs", 0, NULL));
        o->unshare_user = raw_errno(syscall(SYS_unshare, 0x10000000 /* CLONE_NEWUSER */));
        /* Only made where the filter refuses it: were it let through, it would fork. */
        if (!o->has_sys_admin) {
                long r = syscall(SYS_clone, 0x10000000 /* CLONE_NEWUSER */ | SIGCHLD, NULL, NULL, NULL, 0);
                if (r == 0)
                        _exit(0);
                if (r > 0)
                        (void) waitpid((pid_t) r, NULL, 0);
                o->clone_newuser = raw_errno(r);
        }
        fd = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        o->socket_alg = raw_errno(fd);
        if (fd >= 0)
                close(fd);
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        o->socket_inet = raw_errno(fd);
        if (fd >= 0)
                close(fd);
        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
        o->socket_audit = raw_errno(fd);
        if (fd >= 0)
                close(fd);
        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        o->socket_netlink_route = raw_errno(fd);
        if (fd >= 0)
                close(fd);
        o->personality_linux32 = raw_errno(syscall(SYS_personality, 0x8UL /* PER_LINUX32 */));
        (void) syscall(SYS_personality, 0x0UL);
        o->personality_query = raw_errno(syscall(SYS_personality, 0xffffffffUL));
        o->personality_no_randomize = raw_errno(syscall(SYS_personality, 0x0040000UL /* ADDR_NO_RANDOMIZE */));
        o->personality_read_implies_exec = raw_errno(syscall(SYS_personality, 0x0400000UL /* READ_IMPLIES_EXEC */));
        (void) syscall(SYS_personality, 0x0UL);
        o->pthread_create = pthread_create(&t, NULL, thread_main, NULL);
        if (o->pthread_create == 0)
                (void) pthread_join(t, NULL);
        o->posix_spawn = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ);
        if (o->posix_spawn == 0 && (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)))
                o->posix_spawn = ECHILD;
}

/* Loads the default filter for caps in a child, makes the calls there and returns what they gave. */
static int calls_under_filter(uint64_t caps, Outcome *ret) {
        SeccompFilter f = {};
        int p[2], status;
        pid_t pid;

        if (seccomp_filter_prepare(NULL, caps, &f) < 0 || f.size == 0 || pipe(p) < 0)
                return -1;
        pid = fork();
        if (pid == 0) {
                Outcome o = { .has_sys_admin = caps & CAP_MASK(CAP_SYS_ADMIN) };
                close(p[0]);
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_filter_apply(&f) < 0)
                        _exit(2);
                run_calls(&o);
                _exit(write(p[1], &o, sizeof o) == sizeof o ? 0 : 3);
        }
        seccomp_filter_done(&f);
        close(p[1]);
        if (pid < 0 || read(p[0], ret, sizeof *ret) != sizeof *ret) {
                close(p[0]);
                if (pid > 0)
                        (void) waitpid(pid, NULL, 0);
                return -1;
        }
        close(p[0]);
        return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void test_filter(void) {
        Outcome o = {};

        CHECK(calls_under_filter(podman_caps, &o) == 0);
        CHECK(o.clone3 == ENOSYS); /* glibc falls back to clone only on ENOSYS */
        CHECK(o.pthread_create == 0);
        CHECK(o.posix_spawn == 0);
        CHECK(o.io_uring_setup == ENOSYS);
        CHECK(o.mount == EPERM);
        CHECK(o.unshare_user == EPERM);
        CHECK(o.clone_newuser == EPERM); /* as the kernel answers without the capability */
        CHECK(o.socket_alg == EAFNOSUPPORT);
        CHECK(o.socket_inet == 0);
        CHECK(o.socket_audit == EINVAL); /* Podman's: PAM and sudo take audit as unavailable */
        CHECK(o.socket_netlink_route == 0);
        CHECK(o.personality_linux32 == 0);
        CHECK(o.personality_query == 0);
        CHECK(o.personality_no_randomize == EPERM); /* Docker's: refused, not missing */
        CHECK(o.personality_read_implies_exec == EPERM);

        /* The same filter again, now from the cache. */
        o = (Outcome) {};
        CHECK(calls_under_filter(podman_caps, &o) == 0);
        CHECK(o.clone3 == ENOSYS && o.io_uring_setup == ENOSYS && o.pthread_create == 0);

        /* With CAP_AUDIT_WRITE the audit socket reaches the kernel. */
        o = (Outcome) {};
        CHECK(calls_under_filter(podman_caps | CAP_MASK(CAP_AUDIT_WRITE), &o) == 0);
        CHECK(o.socket_audit != EINVAL);
        CHECK(o.socket_netlink_route == 0);

        /* With CAP_SYS_ADMIN clone3 reaches the kernel, which refuses the NULL argument itself. */
        o = (Outcome) {};
        CHECK(calls_under_filter(podman_caps | CAP_MASK(CAP_SYS_ADMIN), &o) == 0);
        CHECK(o.clone3 == EFAULT || o.clone3 == EINVAL);
        CHECK(o.io_uring_setup == ENOSYS);
        CHECK(o.pthread_create == 0);
}

int main(void) {
        char dir[] = "/tmp/berth-test-seccomp.XXXXXX", *cmd;

        if (!mkdtemp(dir))
                return 1;
        setenv("BERTH_RUN_DIR", dir, 1);
        test_verdicts();
        test_filter();
        if (asprintf(&cmd, "rm -rf '%s'", dir) >= 0) {
                (void) system(cmd);
                free(cmd);
        }
        return tap_done();
}
