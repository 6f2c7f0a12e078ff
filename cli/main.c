/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth: the command line. Speaks docker's verbs; containers themselves run as systemd units. */
#include <stdio.h>

#include "commands.h"
#include "log.h"

typedef struct Verb {
        const char *name;
        int (*run)(int argc, char *argv[]);
        const char *help;
} Verb;

/* Verbs whose positive return value is the exit status to pass on (the container's). */
static const char *const status_verbs[] = { "run", "exec", "create", "attach" };

/* docker's exit status when the failure is berth's own rather than the container's */
#define EXIT_BERTH_FAILED 125

static const Verb verbs[] = {
        { "run", verb_run, "run a command in a new container (a transient systemd unit)" },
        { "create", verb_create, "create a container without starting it (berth start runs it)" },
        { "ps", verb_ps, "list containers" },
        { "stop", verb_stop, "stop running containers" },
        { "start", verb_start, "start stopped containers" },
        { "restart", verb_restart, "restart containers" },
        { "kill", verb_kill, "send a signal to a container" },
        { "rm", verb_rm, "remove stopped or failed containers (-f: stop them first)" },
        { "logs", verb_logs, "show a container's output (from the journal)" },
        { "exec", verb_exec, "run a command in a running container" },
        { "inspect", verb_inspect, "show a container's state and unit properties as JSON" },
        { "port", verb_port, "list a container's published ports and their host ports" },
        { "wait", verb_wait, "wait for containers to stop and print their exit codes" },
        { "top", verb_top, "list a container's processes" },
        { "stats", verb_stats, "show containers' CPU, memory and process counts" },
        { "update", verb_update, "change the resource limits of running containers" },
        { "rename", verb_rename, "give a stopped container another name" },
        { "cp", verb_cp, "copy files between a container and the host (or a tar stream)" },
        { "attach", verb_attach, "show a running container's output live and pass it signals" },
        { "container", verb_container, "manage containers: ls, run, start, stop, rm, inspect, logs, exec, ..." },
        { "image", verb_image, "manage images: import, ls, inspect, rm, tag" },
        { "images", verb_image, "list images (same as image ls)" },
        { "rmi", verb_image, "remove images (same as image rm)" },
        { "pull", verb_pull, "download an image from a registry" },
        { "load", verb_load, "load images from a docker save archive" },
        { "save", verb_save, "write images as a docker save archive" },
        { "build", verb_build, "build an image from a Dockerfile" },
        { "check", verb_check, "validate .container, .volume, .network, .image and .pod files" },
        { "volume", verb_volume, "manage named volumes: create, ls, inspect, rm, prune" },
        { "pod", verb_pod, "manage pods (shared network, IPC and UTS namespaces): create, ls, inspect, rm" },
        { "network", verb_network, "manage bridge networks: create, ls, inspect, rm, prune, connect, disconnect" },
        { "secret", verb_secret, "manage secrets for Secret= and --secret: create, ls, inspect, rm" },
        { "compose", verb_compose, "run a compose project as systemd units: up, down, ps, logs, config, ..." },
        { "info", verb_info, "show what berth manages and on which host" },
        { "system", verb_system, "system info, df (space used) and prune (remove unused data)" },
        { "version", verb_version, "show the version" },
};

/* `berth container VERB`: docker's management command for the container verbs, the same functions. */
static const Verb container_verbs[] = {
        { "ls", verb_ps, NULL },
        { "list", verb_ps, NULL },
        { "ps", verb_ps, NULL },
        { "run", verb_run, NULL },
        { "create", verb_create, NULL },
        { "start", verb_start, NULL },
        { "stop", verb_stop, NULL },
        { "restart", verb_restart, NULL },
        { "kill", verb_kill, NULL },
        { "rm", verb_rm, NULL },
        { "remove", verb_rm, NULL },
        { "logs", verb_logs, NULL },
        { "exec", verb_exec, NULL },
        { "inspect", verb_inspect, NULL },
        { "port", verb_port, NULL },
        { "wait", verb_wait, NULL },
        { "top", verb_top, NULL },
        { "stats", verb_stats, NULL },
        { "update", verb_update, NULL },
        { "rename", verb_rename, NULL },
        { "cp", verb_cp, NULL },
        { "attach", verb_attach, NULL },
        { "prune", verb_container_prune, NULL },
};

int verb_container(int argc, char *argv[]) {
        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                printf("Usage: berth container COMMAND [OPTIONS] [ARGS...]\n\nCommands:\n");
                for (size_t i = 0; i < ELEMENTSOF(container_verbs); i++)
                        printf("  %s\n", container_verbs[i].name);
                printf("\nEach is the berth verb of that name (ls and list: ps; remove: rm; prune: remove every "
                       "stopped container). See berth-container(1).\n");
                return argc < 2 ? -EINVAL : 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(container_verbs); i++)
                if (streq(container_verbs[i].name, argv[1]))
                        return container_verbs[i].run(argc - 1, argv + 1);
        return log_error_errno(-EINVAL, "Unknown command 'container %s'. See 'berth container --help'.", argv[1]);
}

static void help(void) {
        printf("Usage: berth COMMAND [OPTIONS] [ARGS...]\n\nContainers as systemd units.\n\nCommands:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                printf("  %-10s %s\n", verbs[i].name, verbs[i].help);
        printf("\nSee berth(1) for details.\n");
}

int verb_version(int argc, char *argv[]) {
        printf("berth %s\n", BERTH_VERSION);
        return 0;
}

int main(int argc, char *argv[]) {
        log_setup(argv[0], LOG_TARGET_STDERR);

        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help")) {
                help();
                return argc < 2 ? EXIT_FAILURE : EXIT_SUCCESS;
        }
        if (streq(argv[1], "--version"))
                return verb_version(argc - 1, argv + 1) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, argv[1])) {
                        /* "berth container run" is "berth run": the verb that decides the exit status */
                        const char *verb = streq(argv[1], "container") && argc > 2 ? argv[2] : argv[1];
                        int r = verbs[i].run(argc - 1, argv + 1);
                        for (size_t j = 0; j < ELEMENTSOF(status_verbs); j++)
                                if (streq(status_verbs[j], verb))
                                        return r < 0 ? EXIT_BERTH_FAILED : r;
                        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
                }

        log_error("Unknown command '%s'. See 'berth --help'.", argv[1]);
        return EXIT_FAILURE;
}
