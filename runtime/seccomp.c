/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <jansson.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "fs-util.h"
#include "log.h"
#include "paths.h"
#include "seccomp.h"

/* Allowed for everybody: what ordinary programs use. Names libseccomp does not know are skipped, so
 * the list may name syscalls newer than the installed library. */
static const char *const allowed_syscalls[] = {
        "_llseek",
        "_newselect",
        "accept",
        "accept4",
        "access",
        "adjtimex",
        "alarm",
        "arch_prctl",
        "bind",
        "brk",
        "cacheflush",
        "capget",
        "capset",
        "chdir",
        "chmod",
        "chown",
        "chown32",
        "chroot",
        "clock_adjtime",
        "clock_adjtime64",
        "clock_getres",
        "clock_getres_time64",
        "clock_gettime",
        "clock_gettime64",
        "clock_nanosleep",
        "clock_nanosleep_time64",
        "close",
        "close_range",
        "connect",
        "copy_file_range",
        "creat",
        "dup",
        "dup2",
        "dup3",
        "epoll_create",
        "epoll_create1",
        "epoll_ctl",
        "epoll_ctl_old",
        "epoll_pwait",
        "epoll_pwait2",
        "epoll_wait",
        "epoll_wait_old",
        "eventfd",
        "eventfd2",
        "execve",
        "execveat",
        "exit",
        "exit_group",
        "faccessat",
        "faccessat2",
        "fadvise64",
        "fadvise64_64",
        "fallocate",
        "fanotify_mark",
        "fchdir",
        "fchmod",
        "fchmodat",
        "fchmodat2",
        "fchown",
        "fchown32",
        "fchownat",
        "fcntl",
        "fcntl64",
        "fdatasync",
        "fgetxattr",
        "flistxattr",
        "flock",
        "fork",
        "fremovexattr",
        "fsetxattr",
        "fstat",
        "fstat64",
        "fstatat64",
        "fstatfs",
        "fstatfs64",
        "fsync",
        "ftruncate",
        "ftruncate64",
        "futex",
        "futex_requeue",
        "futex_time64",
        "futex_wait",
        "futex_waitv",
        "futex_wake",
        "futimesat",
        "get_robust_list",
        "get_thread_area",
        "getcpu",
        "getcwd",
        "getdents",
        "getdents64",
        "getegid",
        "getegid32",
        "geteuid",
        "geteuid32",
        "getgid",
        "getgid32",
        "getgroups",
        "getgroups32",
        "getitimer",
        "getpeername",
        "getpgid",
        "getpgrp",
        "getpid",
        "getppid",
        "getpriority",
        "getrandom",
        "getresgid",
        "getresgid32",
        "getresuid",
        "getresuid32",
        "getrlimit",
        "getrusage",
        "getsid",
        "getsockname",
        "getsockopt",
        "gettid",
        "gettimeofday",
        "getuid",
        "getuid32",
        "getxattr",
        "inotify_add_watch",
        "inotify_init",
        "inotify_init1",
        "inotify_rm_watch",
        "io_cancel",
        "io_destroy",
        "io_getevents",
        "io_setup",
        "io_submit",
        "ioctl",
        "ioprio_get",
        "ioprio_set",
        "ipc",
        "kill",
        "landlock_add_rule",
        "landlock_create_ruleset",
        "landlock_restrict_self",
        "lchown",
        "lchown32",
        "lgetxattr",
        "link",
        "linkat",
        "listen",
        "listxattr",
        "llistxattr",
        "lremovexattr",
        "lseek",
        "lsetxattr",
        "lstat",
        "lstat64",
        "madvise",
        "membarrier",
        "memfd_create",
        "memfd_secret",
        "mincore",
        "mkdir",
        "mkdirat",
        "mknod",
        "mknodat",
        "mlock",
        "mlock2",
        "mlockall",
        "mmap",
        "mmap2",
        "modify_ldt",
        "mprotect",
        "mq_getsetattr",
        "mq_notify",
        "mq_open",
        "mq_timedreceive",
        "mq_timedreceive_time64",
        "mq_timedsend",
        "mq_timedsend_time64",
        "mq_unlink",
        "mremap",
        "mseal",
        "msgctl",
        "msgget",
        "msgrcv",
        "msgsnd",
        "msync",
        "munlock",
        "munlockall",
        "munmap",
        "name_to_handle_at",
        "nanosleep",
        "newfstatat",
        "open",
        "openat",
        "openat2",
        "pause",
        "pidfd_open",
        "pidfd_send_signal",
        "pipe",
        "pipe2",
        "pkey_alloc",
        "pkey_free",
        "pkey_mprotect",
        "poll",
        "ppoll",
        "ppoll_time64",
        "prctl",
        "pread64",
        "preadv",
        "preadv2",
        "prlimit64",
        "process_mrelease",
        "pselect6",
        "pselect6_time64",
        "ptrace",
        "pwrite64",
        "pwritev",
        "pwritev2",
        "read",
        "readahead",
        "readlink",
        "readlinkat",
        "readv",
        "recv",
        "recvfrom",
        "recvmmsg",
        "recvmmsg_time64",
        "recvmsg",
        "remap_file_pages",
        "removexattr",
        "rename",
        "renameat",
        "renameat2",
        "restart_syscall",
        "riscv_flush_icache",
        "rmdir",
        "rseq",
        "rt_sigaction",
        "rt_sigpending",
        "rt_sigprocmask",
        "rt_sigqueueinfo",
        "rt_sigreturn",
        "rt_sigsuspend",
        "rt_sigtimedwait",
        "rt_sigtimedwait_time64",
        "rt_tgsigqueueinfo",
        "sched_get_priority_max",
        "sched_get_priority_min",
        "sched_getaffinity",
        "sched_getattr",
        "sched_getparam",
        "sched_getscheduler",
        "sched_rr_get_interval",
        "sched_rr_get_interval_time64",
        "sched_setaffinity",
        "sched_setattr",
        "sched_setparam",
        "sched_setscheduler",
        "sched_yield",
        "seccomp",
        "select",
        "semctl",
        "semget",
        "semop",
        "semtimedop",
        "semtimedop_time64",
        "send",
        "sendfile",
        "sendfile64",
        "sendmmsg",
        "sendmsg",
        "sendto",
        "set_robust_list",
        "set_thread_area",
        "set_tid_address",
        "setfsgid",
        "setfsgid32",
        "setfsuid",
        "setfsuid32",
        "setgid",
        "setgid32",
        "setgroups",
        "setgroups32",
        "setitimer",
        "setpgid",
        "setpriority",
        "setregid",
        "setregid32",
        "setresgid",
        "setresgid32",
        "setresuid",
        "setresuid32",
        "setreuid",
        "setreuid32",
        "setrlimit",
        "setsid",
        "setsockopt",
        "setuid",
        "setuid32",
        "setxattr",
        "shmat",
        "shmctl",
        "shmdt",
        "shmget",
        "shutdown",
        "sigaltstack",
        "signalfd",
        "signalfd4",
        "sigprocmask",
        "sigreturn",
        "socketcall",
        "socketpair",
        "splice",
        "stat",
        "stat64",
        "statfs",
        "statfs64",
        "statx",
        "symlink",
        "symlinkat",
        "sync",
        "sync_file_range",
        "syncfs",
        "sysinfo",
        "tee",
        "tgkill",
        "time",
        "timer_create",
        "timer_delete",
        "timer_getoverrun",
        "timer_gettime",
        "timer_gettime64",
        "timer_settime",
        "timer_settime64",
        "timerfd_create",
        "timerfd_gettime",
        "timerfd_gettime64",
        "timerfd_settime",
        "timerfd_settime64",
        "times",
        "tkill",
        "truncate",
        "truncate64",
        "ugetrlimit",
        "umask",
        "uname",
        "unlink",
        "unlinkat",
        "uretprobe",
        "utime",
        "utimensat",
        "utimensat_time64",
        "utimes",
        "vfork",
        "wait4",
        "waitid",
        "waitpid",
        "write",
        "writev",
        "process_vm_readv",
        "process_vm_writev",
        "pidfd_getfd",
        "kcmp",
        "get_mempolicy",
};

/* Refused unless the container holds cap (-1: always refused), with EPERM (what the kernel answers a
 * caller without the capability, so programs expect it) or, where a C library or runtime probes the
 * call and falls back to an older one only on ENOSYS, with ENOSYS (errno). A name may appear more
 * than once; holding any of its caps allows it. berth-runtime(8) gives the reason for each ENOSYS. */
#define REFUSED(n)                                                                                                     \
        { n, -1, EPERM }
#define NEEDS(n, c)                                                                                                    \
        { n, c, EPERM }
#define NEEDS_ELSE_ENOSYS(n, c)                                                                                        \
        { n, c, ENOSYS }
static const struct {
        const char *name;
        int cap;
        int errno_refused;
} gated_syscalls[] = {
        REFUSED("bdflush"),
        REFUSED("kexec_load"),
        REFUSED("kexec_file_load"),
        REFUSED("nfsservctl"),
        REFUSED("uselib"),
        REFUSED("ustat"),
        REFUSED("sysfs"),
        REFUSED("vm86"),
        REFUSED("vm86old"),
        REFUSED("userfaultfd"),
        REFUSED("vmsplice"),
        REFUSED("add_key"),
        REFUSED("keyctl"),
        REFUSED("request_key"),
        REFUSED("lookup_dcookie"),
        REFUSED("create_module"),
        REFUSED("get_kernel_syms"),
        REFUSED("query_module"),
        REFUSED("move_pages"),
        REFUSED("migrate_pages"),
        REFUSED("swapon"),
        REFUSED("swapoff"),
        REFUSED("_sysctl"),
        REFUSED("afs_syscall"),
        NEEDS("mount", CAP_SYS_ADMIN),
        NEEDS("umount", CAP_SYS_ADMIN),
        NEEDS("umount2", CAP_SYS_ADMIN),
        NEEDS("pivot_root", CAP_SYS_ADMIN),
        NEEDS("unshare", CAP_SYS_ADMIN),
        NEEDS("setns", CAP_SYS_ADMIN),
        NEEDS("fsopen", CAP_SYS_ADMIN),
        NEEDS("fsconfig", CAP_SYS_ADMIN),
        NEEDS("fsmount", CAP_SYS_ADMIN),
        NEEDS("fspick", CAP_SYS_ADMIN),
        NEEDS("open_tree", CAP_SYS_ADMIN),
        NEEDS("open_tree_attr", CAP_SYS_ADMIN),
        NEEDS("move_mount", CAP_SYS_ADMIN),
        NEEDS("mount_setattr", CAP_SYS_ADMIN),
        NEEDS("quotactl", CAP_SYS_ADMIN),
        NEEDS("quotactl_fd", CAP_SYS_ADMIN),
        NEEDS("sethostname", CAP_SYS_ADMIN),
        NEEDS("setdomainname", CAP_SYS_ADMIN),
        NEEDS("fanotify_init", CAP_SYS_ADMIN),
        NEEDS("syslog", CAP_SYS_ADMIN),
        NEEDS("syslog", CAP_SYSLOG),
        NEEDS("bpf", CAP_SYS_ADMIN),
        NEEDS("bpf", CAP_BPF),
        NEEDS("perf_event_open", CAP_SYS_ADMIN),
        NEEDS("perf_event_open", CAP_PERFMON),
        NEEDS("reboot", CAP_SYS_BOOT),
        NEEDS("init_module", CAP_SYS_MODULE),
        NEEDS("finit_module", CAP_SYS_MODULE),
        NEEDS("delete_module", CAP_SYS_MODULE),
        NEEDS("acct", CAP_SYS_PACCT),
        NEEDS("iopl", CAP_SYS_RAWIO),
        NEEDS("ioperm", CAP_SYS_RAWIO),
        NEEDS("settimeofday", CAP_SYS_TIME),
        NEEDS("stime", CAP_SYS_TIME),
        NEEDS("clock_settime", CAP_SYS_TIME),
        NEEDS("clock_settime64", CAP_SYS_TIME),
        NEEDS("vhangup", CAP_SYS_TTY_CONFIG),
        NEEDS("mbind", CAP_SYS_NICE),
        NEEDS("set_mempolicy", CAP_SYS_NICE),
        NEEDS("set_mempolicy_home_node", CAP_SYS_NICE),
        NEEDS("open_by_handle_at", CAP_DAC_READ_SEARCH),
        /* clone3 takes its flags in memory, which seccomp cannot read, so only clone (whose flags
         * are checked below) may be used without CAP_SYS_ADMIN; glibc 2.34+ falls back from clone3
         * to clone for pthread_create, posix_spawn, popen and system() only on ENOSYS. */
        NEEDS_ELSE_ENOSYS("clone3", CAP_SYS_ADMIN),
        /* Reading one's own LSM attributes is also possible through /proc/self/attr, where libraries
         * fall back when these calls are not there. */
        NEEDS_ELSE_ENOSYS("lsm_get_self_attr", CAP_SYS_ADMIN),
        NEEDS_ELSE_ENOSYS("lsm_set_self_attr", CAP_SYS_ADMIN),
        NEEDS_ELSE_ENOSYS("lsm_list_modules", CAP_SYS_ADMIN),
};
#undef REFUSED
#undef NEEDS
#undef NEEDS_ELSE_ENOSYS

/* Not allowed, refused with ENOSYS like any call the profile does not know: io_uring bypasses seccomp
 * (its operations are not system calls) and has been a steady source of kernel bugs; programs and
 * libraries (liburing users, libuv, postgres 18) probe io_uring_setup and fall back to read/write and
 * epoll on ENOSYS. Listed so the verdict and the man page can say so; the filter needs no rule. */
static const char *const not_there_syscalls[] = {
        "io_uring_setup",
        "io_uring_enter",
        "io_uring_register",
};

/* personality(2) values Docker allows: PER_LINUX, PER_LINUX32, UNAME26 variants and the query. */
static const unsigned long allowed_personalities[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };
/* One of the allowed values: the refused ones are those below it and those above it. */
#define PERSONALITY_RANGE_SPLIT 0x20008

/* Namespace flags of clone(2); without CAP_SYS_ADMIN clone may create no namespace. */
#define CLONE_NAMESPACE_FLAGS                                                                                          \
        (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

DEFINE_TRIVIAL_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release);

static bool in_allow_list(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(allowed_syscalls); i++)
                if (streq(allowed_syscalls[i], name))
                        return true;
        return false;
}

/* 0: the container's caps unlock name; -errno: name is gated and refused with errno; 1: not gated. */
static int gated_verdict(const char *name, uint64_t caps) {
        int refused = 1;

        for (size_t i = 0; i < ELEMENTSOF(gated_syscalls); i++) {
                if (!streq(gated_syscalls[i].name, name))
                        continue;
                refused = -gated_syscalls[i].errno_refused;
                if (gated_syscalls[i].cap >= 0 && (caps & CAP_MASK(gated_syscalls[i].cap)))
                        return 0;
        }
        return refused;
}

int seccomp_default_verdict(const char *name, uint64_t caps) {
        int r = gated_verdict(name, caps);

        if (r <= 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(not_there_syscalls); i++)
                if (streq(not_there_syscalls[i], name))
                        return -ENOSYS;
        /* personality, clone and socket: allowed with some arguments (see build_default). */
        if (in_allow_list(name) || streq(name, "personality") || streq(name, "clone") || streq(name, "socket"))
                return 0;
        return -ENOSYS;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n_args,
                const struct scmp_arg_cmp *args) {
        int nr = seccomp_syscall_resolve_name(name), r;

        if (nr == __NR_SCMP_ERROR) /* newer than libseccomp: falls to the default, ENOSYS */
                return 0;
        r = seccomp_rule_add_array(ctx, action, nr, n_args, args);
        /* -EDOM: not a syscall on this architecture (e.g. socketcall on x86_64 only exists for x86). */
        /* -EACCES: the rule's action is the default action anyway. */
        if (r < 0 && r != -EDOM && r != -EEXIST && r != -EACCES)
                return log_error_errno(r, "Failed to add the seccomp rule for %s: %m", name);
        return 0;
}

static int add_native_subarches(scmp_filter_ctx ctx) {
        uint32_t native = seccomp_arch_native();
        const uint32_t *extra = NULL;
        static const uint32_t x86_64_extra[] = { SCMP_ARCH_X86, SCMP_ARCH_X32, 0 };
        static const uint32_t aarch64_extra[] = { SCMP_ARCH_ARM, 0 };

        if (native == SCMP_ARCH_X86_64)
                extra = x86_64_extra;
        else if (native == SCMP_ARCH_AARCH64)
                extra = aarch64_extra;
        for (; extra && *extra; extra++) {
                int r = seccomp_arch_add(ctx, *extra);
                if (r < 0 && r != -EEXIST)
                        return log_error_errno(r, "Failed to add a seccomp architecture: %m");
        }
        return 0;
}

static int build_default(uint64_t caps, scmp_filter_ctx *ret) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(ENOSYS));
        int r;

        if (!ctx)
                return log_oom();
        /* no_new_privs is the caller's decision (--no-new-privileges), not libseccomp's. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r >= 0)
                r = add_native_subarches(ctx);
        if (r < 0)
                return r;

        for (size_t i = 0; i < ELEMENTSOF(allowed_syscalls); i++) {
                r = add_rule(ctx, SCMP_ACT_ALLOW, allowed_syscalls[i], 0, NULL);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(gated_syscalls); i++) {
                const char *name = gated_syscalls[i].name;
                /* Handle each name once, at its first entry. */
                bool first = true;
                for (size_t j = 0; j < i; j++)
                        if (streq(gated_syscalls[j].name, name))
                                first = false;
                if (!first)
                        continue;
                int verdict = gated_verdict(name, caps);
                r = add_rule(ctx, verdict == 0 ? SCMP_ACT_ALLOW : SCMP_ACT_ERRNO((uint32_t) -verdict), name, 0, NULL);
                if (r < 0)
                        return r;
        }

        /* socket: everything but AF_VSOCK and AF_ALG, which reach host or kernel crypto surfaces. They
         * answer EAFNOSUPPORT, as a kernel built without them would, so that probing programs (OpenSSL's
         * afalg engine, cryptsetup, systemd) use their userspace fallbacks. */
        {
                const struct scmp_arg_cmp vsock = SCMP_A0(SCMP_CMP_EQ, AF_VSOCK);
                const struct scmp_arg_cmp alg = SCMP_A0(SCMP_CMP_EQ, AF_ALG);
                const struct scmp_arg_cmp below = SCMP_A0(SCMP_CMP_LT, AF_ALG);
                const struct scmp_arg_cmp between = SCMP_A0(SCMP_CMP_EQ, AF_ALG + 1);
                const struct scmp_arg_cmp above = SCMP_A0(SCMP_CMP_GT, AF_VSOCK);
                /* Podman's rule: the audit netlink socket answers EINVAL without CAP_AUDIT_WRITE, so
                 * PAM, sudo and login treat audit as unavailable instead of failing when they cannot
                 * write their record (with EPERM they refuse the login). Two arguments: it takes
                 * precedence over the range allowing AF_NETLINK. */
                const struct scmp_arg_cmp audit[] = { SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
                        SCMP_A2(SCMP_CMP_EQ, NETLINK_AUDIT) };
                if (!(caps & CAP_MASK(CAP_AUDIT_WRITE)) &&
                                (r = add_rule(ctx, SCMP_ACT_ERRNO(EINVAL), "socket", 2, audit)) < 0)
                        return r;
                if ((r = add_rule(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &vsock)) < 0 ||
                                (r = add_rule(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &alg)) < 0 ||
                                (r = add_rule(ctx, SCMP_ACT_ALLOW, "socket", 1, &below)) < 0 ||
                                (r = add_rule(ctx, SCMP_ACT_ALLOW, "socket", 1, &between)) < 0 ||
                                (r = add_rule(ctx, SCMP_ACT_ALLOW, "socket", 1, &above)) < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(allowed_personalities); i++) {
                const struct scmp_arg_cmp a = SCMP_A0(SCMP_CMP_EQ, allowed_personalities[i]);
                r = add_rule(ctx, SCMP_ACT_ALLOW, "personality", 1, &a);
                if (r < 0)
                        return r;
        }
        /* Every other value (READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE, ...) is refused with EPERM, as
         * Docker's default does: personality exists, the change is not allowed. libseccomp tests the
         * equalities above before these ranges, so together they are "everything else". */
        {
                const struct scmp_arg_cmp below = SCMP_A0(SCMP_CMP_LT, PERSONALITY_RANGE_SPLIT);
                const struct scmp_arg_cmp above = SCMP_A0(SCMP_CMP_GT, PERSONALITY_RANGE_SPLIT);
                if ((r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "personality", 1, &below)) < 0 ||
                                (r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "personality", 1, &above)) < 0)
                        return r;
        }
        if (caps & CAP_MASK(CAP_SYS_ADMIN))
                r = add_rule(ctx, SCMP_ACT_ALLOW, "clone", 0, NULL);
        else {
                /* clone3 cannot be filtered by flags (they are in memory), so it gets ENOSYS above and
                 * libc falls back to clone, whose flags can be checked here. */
                static const unsigned long namespace_flags[] = { CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS,
                        CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET };
                const struct scmp_arg_cmp a = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NAMESPACE_FLAGS, 0);
                r = add_rule(ctx, SCMP_ACT_ALLOW, "clone", 1, &a);
                /* A clone that would create a namespace is refused the way the kernel refuses it
                 * without the capability, not as if clone were not there. */
                for (size_t i = 0; r >= 0 && i < ELEMENTSOF(namespace_flags); i++) {
                        const struct scmp_arg_cmp f = SCMP_A0(SCMP_CMP_MASKED_EQ, namespace_flags[i], namespace_flags[i]);
                        r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, &f);
                }
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(ctx);
        return 0;
}

int seccomp_load_default(uint64_t caps) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        int r = build_default(caps, &ctx);

        if (r < 0)
                return r;
        r = seccomp_load(ctx);
        if (r < 0)
                return log_error_errno(r, "Failed to load the seccomp filter: %m");
        return 0;
}

static int action_from_json(const char *name, json_t *errno_ret, uint32_t *ret) {
        int e = json_is_integer(errno_ret) ? (int) json_integer_value(errno_ret) : EPERM;

        if (streq(name, "SCMP_ACT_ALLOW"))
                *ret = SCMP_ACT_ALLOW;
        else if (streq(name, "SCMP_ACT_ERRNO"))
                *ret = SCMP_ACT_ERRNO(e);
        else if (streq(name, "SCMP_ACT_KILL") || streq(name, "SCMP_ACT_KILL_THREAD"))
                *ret = SCMP_ACT_KILL;
        else if (streq(name, "SCMP_ACT_KILL_PROCESS"))
                *ret = SCMP_ACT_KILL_PROCESS;
        else if (streq(name, "SCMP_ACT_LOG"))
                *ret = SCMP_ACT_LOG;
        else if (streq(name, "SCMP_ACT_TRAP"))
                *ret = SCMP_ACT_TRAP;
        else
                return -EINVAL;
        return 0;
}

static int arg_from_json(json_t *a, struct scmp_arg_cmp *ret) {
        static const struct {
                const char *name;
                enum scmp_compare op;
        } ops[] = {
                { "SCMP_CMP_NE", SCMP_CMP_NE },
                { "SCMP_CMP_LT", SCMP_CMP_LT },
                { "SCMP_CMP_LE", SCMP_CMP_LE },
                { "SCMP_CMP_EQ", SCMP_CMP_EQ },
                { "SCMP_CMP_GE", SCMP_CMP_GE },
                { "SCMP_CMP_GT", SCMP_CMP_GT },
                { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
        };
        json_t *index = json_object_get(a, "index"), *value = json_object_get(a, "value");
        const char *op = json_string_value(json_object_get(a, "op"));

        if (!json_is_integer(index) || !json_is_integer(value) || !op)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(ops); i++)
                if (streq(ops[i].name, op)) {
                        *ret = (struct scmp_arg_cmp) {
                                .arg = (unsigned) json_integer_value(index),
                                .op = ops[i].op,
                                .datum_a = (scmp_datum_t) json_integer_value(value),
                                .datum_b = (scmp_datum_t) json_integer_value(json_object_get(a, "valueTwo")),
                        };
                        return 0;
                }
        return -EINVAL;
}

static int build_profile(const char *json_text, const char *path, scmp_filter_ctx *ret) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        json_error_t err;
        json_t *root = json_loads(json_text, 0, &err), *syscalls, *rule;
        uint32_t def;
        size_t i;
        int r;

        if (!root)
                return log_error_errno(-EINVAL, "%s:%d: %s", path, err.line, err.text);
        r = action_from_json(json_string_value(json_object_get(root, "defaultAction")) ?: "",
                        json_object_get(root, "defaultErrnoRet"), &def);
        if (r < 0) {
                json_decref(root);
                return log_error_errno(r, "%s: defaultAction is missing or not a known action.", path);
        }
        ctx = seccomp_init(def);
        if (!ctx) {
                json_decref(root);
                return log_oom();
        }
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r >= 0)
                r = add_native_subarches(ctx);
        syscalls = json_object_get(root, "syscalls");
        json_array_foreach(syscalls, i, rule) {
                json_t *names = json_object_get(rule, "names"), *n, *args = json_object_get(rule, "args"), *a;
                struct scmp_arg_cmp cmp[6];
                unsigned n_args = 0;
                uint32_t action;
                size_t j;

                if (r < 0)
                        break;
                r = action_from_json(json_string_value(json_object_get(rule, "action")) ?: "",
                                json_object_get(rule, "errnoRet"), &action);
                if (r < 0) {
                        log_error_errno(r, "%s: syscalls[%zu]: unknown action.", path, i);
                        break;
                }
                json_array_foreach(args, j, a) {
                        if (n_args >= ELEMENTSOF(cmp) || arg_from_json(a, &cmp[n_args]) < 0) {
                                r = log_error_errno(-EINVAL, "%s: syscalls[%zu].args[%zu] is invalid.", path, i, j);
                                break;
                        }
                        n_args++;
                }
                if (r < 0)
                        break;
                if (json_is_string(json_object_get(rule, "name")))
                        r = add_rule(ctx, action, json_string_value(json_object_get(rule, "name")), n_args, cmp);
                json_array_foreach(names, j, n) if (r >= 0 && json_is_string(n)) r =
                                add_rule(ctx, action, json_string_value(n), n_args, cmp);
        }
        json_decref(root);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(ctx);
        return 0;
}

int seccomp_load_profile(const char *json_text, const char *path) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        int r = build_profile(json_text, path, &ctx);

        if (r < 0)
                return r;
        r = seccomp_load(ctx);
        if (r < 0)
                return log_error_errno(r, "Failed to load the seccomp profile %s: %m", path);
        return 0;
}

void seccomp_filter_done(SeccompFilter *f) {
        free(f->bpf);
        *f = (SeccompFilter) {};
}

/* FNV-1a: only to name cache files; a collision needs a profile crafted by root. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t n) {
        const unsigned char *p = data;
        for (size_t i = 0; i < n; i++) {
                h ^= p[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

static char *cache_path(const char *profile, uint64_t caps) {
        const struct scmp_version *v = seccomp_version();
        uint32_t arch = seccomp_arch_native();
        uint64_t h = 0xcbf29ce484222325ULL;
        char name[64];

        /* The version names the default's rules outside the tables (socket, personality, clone). */
        h = fnv1a(h, profile ?: "default-v3", strlen(profile ?: "default-v3"));
        h = fnv1a(h, &caps, sizeof caps);
        h = fnv1a(h, v, sizeof *v);
        h = fnv1a(h, &arch, sizeof arch);
        /* Also the table itself: a rebuilt runtime with a changed default must not reuse old filters. */
        for (size_t i = 0; !profile && i < ELEMENTSOF(allowed_syscalls); i++)
                h = fnv1a(h, allowed_syscalls[i], strlen(allowed_syscalls[i]) + 1);
        for (size_t i = 0; !profile && i < ELEMENTSOF(gated_syscalls); i++) {
                h = fnv1a(h, gated_syscalls[i].name, strlen(gated_syscalls[i].name) + 1);
                h = fnv1a(h, &gated_syscalls[i].cap, sizeof gated_syscalls[i].cap);
                h = fnv1a(h, &gated_syscalls[i].errno_refused, sizeof gated_syscalls[i].errno_refused);
        }
        (void) snprintf(name, sizeof name, "%016llx.bpf", (unsigned long long) h);
        return strjoin(berth_path(BERTH_PATH_RUN), "/seccomp-cache/", name);
}

static int export_bpf(scmp_filter_ctx ctx, SeccompFilter *ret) {
        _cleanup_close_ int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
        int r;

        if (fd < 0)
                return negative_errno();
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return r;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return negative_errno();
        return read_full_fd(fd, (char **) &ret->bpf, &ret->size);
}

int seccomp_filter_prepare(const char *profile, uint64_t caps, SeccompFilter *ret) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        _cleanup_free_ char *path = NULL;
        SeccompFilter f = {};
        int r;

        *ret = (SeccompFilter) {};
        if (streq_ptr(profile, "unconfined"))
                return 0;
        path = cache_path(profile, profile ? 0 : caps);
        if (!path)
                return log_oom();
        if (read_full_file(path, (char **) &f.bpf, &f.size) >= 0 && f.size > 0 &&
                        f.size % sizeof(struct sock_filter) == 0) {
                *ret = f;
                return 0;
        }
        seccomp_filter_done(&f);

        r = profile ? build_profile(profile, "the seccomp profile", &ctx) : build_default(caps, &ctx);
        if (r < 0)
                return r;
        r = export_bpf(ctx, &f);
        if (r < 0)
                return log_error_errno(r, "Failed to compile the seccomp filter: %m");
        /* A cache that cannot be written only costs time. */
        {
                _cleanup_free_ char *dir = strjoin(berth_path(BERTH_PATH_RUN), "/seccomp-cache");
                if (dir && mkdir_p(dir, 0700) >= 0)
                        (void) write_file_atomic(path, f.bpf, f.size, 0600, 0);
        }
        *ret = f;
        return 0;
}

int seccomp_filter_apply(const SeccompFilter *f) {
        struct sock_fprog prog = {
                .len = (unsigned short) (f->size / sizeof(struct sock_filter)),
                .filter = f->bpf,
        };

        if (f->size == 0)
                return 0;
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
                return log_error_errno(negative_errno(), "Failed to install the seccomp filter: %m");
        return 0;
}
