/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `berth-runtime exec [OPTIONS] NAME COMMAND [ARG...]`: starts another process in a running
 * container, in all of its namespaces and its payload cgroup, with the same capabilities, seccomp
 * filter and no_new_privs as the container's own process. Returns the process's exit status.
 * The same verb is runc's `exec` for an OCI container (see berth-runtime(8) for which is which):
 * --process FILE, --pid-file, --detach, --console-socket, --cap, --no-new-privs, --preserve-fds. */
int exec_main(int argc, char *argv[]);
