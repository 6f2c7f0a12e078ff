/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth info: what docker info says that berth knows: the containers (running and not), images,
 * volumes, networks, where berth keeps them, and the host (kernel, cgroup version, CPUs, memory). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "commands.h"
#include "fs-util.h"
#include "image-store.h"
#include "log.h"
#include "container-lookup.h"
#include "network-store.h"
#include "paths.h"
#include "running-containers.h"
#include "strv.h"
#include "systemd-unit.h"
#include "volume-store.h"

/* Docker's stopped containers: berth run's exited ones and ended berth-*.service units. */
static size_t count_stopped_containers(void) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **names = NULL;

        (void) sd_bus_open_system(&bus);
        if (stopped_containers(bus, &names) < 0)
                return 0;
        return strv_length(names);
}

static const char *cgroup_version(void) {
        if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
                return "2";
        if (access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0)
                return "1 (hybrid, with a cgroup2 tree at /sys/fs/cgroup/unified)";
        return "1";
}

static char *os_name(void) {
        _cleanup_free_ char *text = NULL;
        const char *p;

        if (read_full_file("/etc/os-release", &text, NULL) < 0 || !(p = strstr(text, "PRETTY_NAME=")))
                return strdup("unknown");
        p += strlen("PRETTY_NAME=");
        if (*p == '"')
                p++;
        return strndup(p, strcspn(p, "\"\n"));
}

int verb_info(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "format", required_argument, NULL, 'f' },
                {},
        };
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        _cleanup_strv_free_ char **running = NULL, **volumes = NULL, **networks = NULL;
        _cleanup_free_ char *os = NULL;
        Image **images = NULL;
        size_t n_images = 0, stopped;
        struct utsname u;
        bool json = false;
        json_t *info;
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+hf:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: berth info [--format json]\n\nShows what berth manages and on which host.\n");
                        return 0;
                case 'f':
                        if (!streq(optarg, "json") && !streq(optarg, "{{json .}}"))
                                return log_error_errno(-EINVAL, "Invalid --format '%s': expected json.", optarg);
                        json = true;
                        break;
                default:
                        return log_error_errno(-EINVAL, "Usage: berth info [--format json]");
                }
        (void) running_containers(&running);
        stopped = count_stopped_containers();
        if (image_store_open(berth_path(BERTH_PATH_STORAGE), &store) >= 0)
                (void) image_store_list(store, &images, &n_images);
        for (size_t i = 0; i < n_images; i++)
                image_free(images[i]);
        free(images);
        (void) volume_list(&volumes);
        (void) network_list(&networks);
        (void) uname(&u);
        os = os_name();

        info = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s, s:i, s:I, "
                         "s:s, s:s, s:s}",
                        "Containers", (int) (strv_length(running) + stopped), "ContainersRunning",
                        (int) strv_length(running), "ContainersStopped", (int) stopped, "Images", (int) n_images,
                        "Volumes", (int) strv_length(volumes), "Networks", (int) strv_length(networks), "ServerVersion",
                        BERTH_VERSION, "Driver", "overlay", "CgroupDriver", "systemd", "CgroupVersion",
                        cgroup_version(), "KernelVersion", u.release, "OperatingSystem", os ?: "unknown",
                        "Architecture", u.machine, "OSType", "linux", "NCPU", (int) sysconf(_SC_NPROCESSORS_ONLN),
                        "MemTotal", (json_int_t) sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE), "DockerRootDir",
                        berth_path(BERTH_PATH_STORAGE), "StateDir", berth_path(BERTH_PATH_STATE), "ConfigDir",
                        berth_path(BERTH_PATH_CONFIG));
        if (!info)
                return log_oom();
        if (json) {
                char *text = json_dumps(info, JSON_INDENT(2));
                if (text)
                        printf("%s\n", text);
                free(text);
        } else {
                printf("Containers: %zu\n Running: %zu\n Stopped: %zu\n", strv_length(running) + stopped,
                                strv_length(running), stopped);
                printf("Images: %zu\nVolumes: %zu\nNetworks: %zu\n", n_images, strv_length(volumes),
                                strv_length(networks));
                printf("Server Version: berth %s\nStorage Driver: overlay\nCgroup Driver: systemd\n"
                       "Cgroup Version: %s\nLogging Driver: journald\n",
                                BERTH_VERSION, cgroup_version());
                printf("Kernel Version: %s\nOperating System: %s\nArchitecture: %s\nCPUs: %ld\n"
                       "Total Memory: %.1fGiB\n",
                                u.release, os ?: "unknown", u.machine, sysconf(_SC_NPROCESSORS_ONLN),
                                (double) sysconf(_SC_PHYS_PAGES) * (double) sysconf(_SC_PAGESIZE) / (1 << 30));
                printf("Storage Dir: %s\nState Dir: %s\nConfig Dir: %s\n", berth_path(BERTH_PATH_STORAGE),
                                berth_path(BERTH_PATH_STATE), berth_path(BERTH_PATH_CONFIG));
        }
        json_decref(info);
        return 0;
}
