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
#include "seccomp-rules.h"
#include "seccomp.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release);

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

        for (size_t i = 0; i < seccomp_n_allowed_syscalls; i++) {
                r = add_rule(ctx, SCMP_ACT_ALLOW, seccomp_allowed_syscalls[i], 0, NULL);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < seccomp_n_gated_syscalls; i++) {
                const char *name = seccomp_gated_syscalls[i].name;
                /* Handle each name once, at its first entry. */
                bool first = true;
                for (size_t j = 0; j < i; j++)
                        if (streq(seccomp_gated_syscalls[j].name, name))
                                first = false;
                if (!first)
                        continue;
                int verdict = seccomp_gated_verdict(name, caps);
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
        for (size_t i = 0; i < seccomp_n_allowed_personalities; i++) {
                const struct scmp_arg_cmp a = SCMP_A0(SCMP_CMP_EQ, seccomp_allowed_personalities[i]);
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
        for (size_t i = 0; !profile && i < seccomp_n_allowed_syscalls; i++)
                h = fnv1a(h, seccomp_allowed_syscalls[i], strlen(seccomp_allowed_syscalls[i]) + 1);
        for (size_t i = 0; !profile && i < seccomp_n_gated_syscalls; i++) {
                h = fnv1a(h, seccomp_gated_syscalls[i].name, strlen(seccomp_gated_syscalls[i].name) + 1);
                h = fnv1a(h, &seccomp_gated_syscalls[i].cap, sizeof seccomp_gated_syscalls[i].cap);
                h = fnv1a(h, &seccomp_gated_syscalls[i].errno_refused, sizeof seccomp_gated_syscalls[i].errno_refused);
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
