/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The container side of the start: what runs between clone3() and execve() of the payload, as PID 1
 * of the new pid namespace, in the payload cgroup and the new mount, uts, ipc and network namespaces.
 *
 * Protocol on sync_fd (a SOCK_SEQPACKET pair, the child's end close-on-exec):
 *   parent -> child  one byte "go" once the child is in its cgroup (EOF: the parent died, give up)
 *   child -> parent  OCI with hooks: CHILD_SYNC_CREATE_HOOKS once the mounts are made; a byte back
 *                    once the prestart and createRuntime hooks ran (createContainer hooks follow)
 *   child -> parent  OCI create: CHILD_SYNC_CREATED once created; a byte back at `start`
 *                    (startContainer hooks follow)
 *   child -> parent  a ChildError when setup or execve failed; EOF without it means execve worked. */

#include <stdbool.h>
#include <stdint.h>

#include "container.h"
#include "seccomp.h"
#include "macro.h"

/* A ChildError with error 0 is no error but a step: CHILD_SYNC_CREATED once the container is created
 * (it then waits for a byte to run), CHILD_SYNC_CREATE_HOOKS once its mounts are made (the supervisor
 * runs the OCI prestart and createRuntime hooks and answers with a byte). */
#define CHILD_SYNC_CREATED      0
#define CHILD_SYNC_CREATE_HOOKS 1

typedef struct ChildError {
        int32_t error;       /* negative errno */
        int32_t exit_status; /* what the runtime should exit with: 125 setup, 126 cannot execute, 127 not
                                found */
} ChildError;

/* What a process started in the container needs; the container's own init and `berth-runtime exec`
 * both go through exec_process(). */
typedef struct ExecParams {
        char **argv;
        char **env;
        const char *workdir;
        const char *user; /* USER[:GROUP], resolved against the container's /etc/passwd */
        char **group_add;
        char **ulimits;
        mode_t umask;
        uint64_t caps;       /* bounding set */
        uint64_t caps_added; /* what a non-root user keeps */
        bool no_new_privileges;
        bool privileged;             /* no seccomp */
        const char *seccomp;         /* NULL: default filter; "unconfined"; or a JSON profile's text */
        bool tty;                    /* stdin is a pty slave that becomes the controlling terminal */
        const SeccompFilter *filter; /* compiled in advance; NULL: compile from seccomp/caps here */
        int userns_fd;               /* a user namespace to enter before dropping privileges, or -EBADF */
        unsigned preserve_fds;       /* OCI exec --preserve-fds: fds 3 .. 3+n-1 reach the process too */
        bool detach;                 /* OCI exec --detach: outlives the exec that started it (no PDEATHSIG) */
        const CapSets *cap_sets;     /* OCI process.capabilities: every set as given; NULL: caps and caps_added
                                      */
} ExecParams;

void exec_params_from_container(const Container *c, ExecParams *ret);

/* Runs inside every namespace of the container with its root as "/": user, limits, cwd, caps,
 * no_new_privs, seccomp, then execve(). Reports failure on sync_fd and exits. */
_noreturn_ void exec_process(const ExecParams *p, int sync_fd);

_noreturn_ void container_child(const Container *c, int sync_fd);
