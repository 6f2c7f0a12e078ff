/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <linux/bpf.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "device-filter.h"
#include "log.h"

static const DeviceRule default_rules[] = {
        { 'c', -1, -1, BPF_DEVCG_ACC_MKNOD, false }, { 'b', -1, -1, BPF_DEVCG_ACC_MKNOD, false },
        { 'c', 1, 3, 7, false },    /* null */
        { 'c', 1, 5, 7, false },    /* zero */
        { 'c', 1, 7, 7, false },    /* full */
        { 'c', 1, 8, 7, false },    /* random */
        { 'c', 1, 9, 7, false },    /* urandom */
        { 'c', 5, 0, 7, false },    /* tty */
        { 'c', 5, 1, 7, false },    /* console */
        { 'c', 5, 2, 7, false },    /* ptmx */
        { 'c', 136, -1, 7, false }, /* pts slaves */
        { 'c', 10, 200, 7, false }, /* net/tun */
};

int device_access_from_string(const char *s, unsigned *ret) {
        unsigned a = 0;

        if (isempty(s))
                return -EINVAL;
        for (; *s; s++)
                switch (*s) {
                case 'r':
                        a |= BPF_DEVCG_ACC_READ;
                        break;
                case 'w':
                        a |= BPF_DEVCG_ACC_WRITE;
                        break;
                case 'm':
                        a |= BPF_DEVCG_ACC_MKNOD;
                        break;
                default:
                        return -EINVAL;
                }
        *ret = a;
        return 0;
}

/* The few instruction shapes the program needs. */
static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
        return (struct bpf_insn) { .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}
#define LDX_W(dst, src, off) insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define MOV_REG(dst, src)    insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV_IMM(dst, imm)    insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define AND_IMM(dst, imm)    insn(BPF_ALU64 | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH_IMM(dst, imm)    insn(BPF_ALU64 | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define JNE_IMM(dst, imm, o) insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, o, imm)
#define JEQ_IMM(dst, imm, o) insn(BPF_JMP | BPF_JEQ | BPF_K, dst, 0, o, imm)
#define EXIT()               insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Appends one rule: a block that returns 1 (allow) or 0 (deny) when it matches and otherwise jumps
 * past itself. *ret_final is set when it matches everything: nothing after it can be reached (and the
 * verifier refuses unreachable instructions). */
static size_t emit_rule(struct bpf_insn *p, const DeviceRule *r, bool *ret_final) {
        struct bpf_insn block[16];
        size_t n = 0;

        if (r->type != 'a')
                block[n++] = JNE_IMM(BPF_REG_3, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0);
        if ((r->access & 7) != 7 && !r->deny) {
                /* Every requested access must be in the rule's: (access & ~allowed) == 0. */
                block[n++] = MOV_REG(BPF_REG_1, BPF_REG_4);
                block[n++] = AND_IMM(BPF_REG_1, (int32_t) (~r->access & 7));
                block[n++] = JNE_IMM(BPF_REG_1, 0, 0);
        } else if ((r->access & 7) != 7) {
                /* Any requested access the rule names: (access & denied) != 0. */
                block[n++] = MOV_REG(BPF_REG_1, BPF_REG_4);
                block[n++] = AND_IMM(BPF_REG_1, (int32_t) (r->access & 7));
                block[n++] = JEQ_IMM(BPF_REG_1, 0, 0);
        }
        if (r->major >= 0)
                block[n++] = JNE_IMM(BPF_REG_5, (int32_t) r->major, 0);
        if (r->minor >= 0)
                block[n++] = JNE_IMM(BPF_REG_6, (int32_t) r->minor, 0);
        *ret_final = n == 0;
        block[n++] = MOV_IMM(BPF_REG_0, r->deny ? 0 : 1);
        block[n++] = EXIT();
        /* Each conditional jump goes to the end of this block. */
        for (size_t i = 0; i < n; i++)
                if (BPF_CLASS(block[i].code) == BPF_JMP && BPF_OP(block[i].code) != BPF_EXIT)
                        block[i].off = (int16_t) (n - i - 1);
        memcpy(p, block, n * sizeof *block);
        return n;
}

int device_filter_attach(int cgroup_fd, const DeviceRule *extra, size_t n_extra) {
        size_t n_rules = ELEMENTSOF(default_rules) + n_extra, n = 0;
        _cleanup_free_ struct bpf_insn *prog = calloc(8 + 16 * n_rules, sizeof(struct bpf_insn));
        _cleanup_close_ int prog_fd = -EBADF;
        char log_buf[4096] = "";
        union bpf_attr attr;
        bool final = false;

        if (!prog)
                return log_oom();
        /* r3 = type, r4 = access, r5 = major, r6 = minor (struct bpf_cgroup_dev_ctx in r1). */
        prog[n++] = LDX_W(BPF_REG_2, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
        prog[n++] = MOV_REG(BPF_REG_3, BPF_REG_2);
        prog[n++] = AND_IMM(BPF_REG_3, 0xffff);
        prog[n++] = MOV_REG(BPF_REG_4, BPF_REG_2);
        prog[n++] = RSH_IMM(BPF_REG_4, 16);
        prog[n++] = LDX_W(BPF_REG_5, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major));
        prog[n++] = LDX_W(BPF_REG_6, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor));
        /* The defaults first: every container keeps them, whatever its rules say (as with crun and runc,
         * whose callers rely on it: podman's rules start with a deny of everything). Then the extra
         * rules from the last to the first, so that the last one that matches decides. */
        for (size_t i = 0; i < ELEMENTSOF(default_rules) && !final; i++)
                n += emit_rule(prog + n, &default_rules[i], &final);
        for (size_t i = n_extra; i > 0 && !final; i--)
                n += emit_rule(prog + n, &extra[i - 1], &final);
        if (!final) {
                prog[n++] = MOV_IMM(BPF_REG_0, 0);
                prog[n++] = EXIT();
        }

        memset(&attr, 0, sizeof attr);
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = (uint64_t) (uintptr_t) prog;
        attr.insn_cnt = (uint32_t) n;
        attr.license = (uint64_t) (uintptr_t) "GPL";
        prog_fd = (int) syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
        if (prog_fd < 0) {
                int r = negative_errno();
                /* Once more with the verifier's log, to say why (only errors, so it fits). */
                attr.log_buf = (uint64_t) (uintptr_t) log_buf;
                attr.log_size = sizeof log_buf;
                attr.log_level = 1;
                (void) syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
                if (r == -EPERM || r == -ENOSYS)
                        return r; /* no BPF here (e.g. inside nspawn): the caller decides */
                return log_error_errno(r, "Failed to load the device filter: %m (%.200s)", log_buf);
        }

        memset(&attr, 0, sizeof attr);
        attr.target_fd = (uint32_t) cgroup_fd;
        attr.attach_bpf_fd = (uint32_t) prog_fd;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = BPF_F_ALLOW_MULTI;
        if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof attr) < 0)
                return log_error_errno(negative_errno(), "Failed to attach the device filter: %m");
        /* The cgroup holds the program now; it goes away with the cgroup. */
        return 0;
}
