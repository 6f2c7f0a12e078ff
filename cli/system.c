/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth system info|df|prune, and `berth container prune`: what berth keeps, and removing what no
 * container uses. Images, networks and volumes are pruned by their own verbs; stopped containers
 * (stopped_containers()) are removed as `berth rm` removes them. */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "commands.h"
#include "container-lookup.h"
#include "image-in-use.h"
#include "image-store.h"
#include "log.h"
#include "paths.h"
#include "running-containers.h"
#include "strv.h"
#include "systemd-unit.h"
#include "volume-store.h"

static int prune_containers(void) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **names = NULL;
        bool header = false;
        int r, ret = 0;

        r = systemd_bus_open(&bus);
        if (r < 0)
                return r;
        r = stopped_containers(bus, &names);
        if (r < 0)
                return log_error_errno(r, "Failed to list the stopped containers: %m");
        STRV_FOREACH(n, names) {
                _cleanup_(container_ref_done) ContainerRef ref = {};

                if (container_lookup(bus, *n, &ref) < 0 || ref.running)
                        continue; /* gone or started again meanwhile */
                r = container_remove(bus, &ref, false);
                if (r < 0) {
                        ret = r;
                        continue;
                }
                if (!header)
                        printf("Deleted Containers:\n");
                header = true;
                printf("%s\n", *n);
        }
        return ret;
}

int verb_container_prune(int argc, char *argv[]) {
        /* docker asks for confirmation without -f; berth never prompts (as volume prune). */
        for (int i = 1; i < argc; i++)
                if (streq(argv[i], "--help") || streq(argv[i], "-h")) {
                        printf("Usage: berth container prune [-f]\n\nRemoves every stopped container.\n");
                        return 0;
                } else if (!streq(argv[i], "-f") && !streq(argv[i], "--force"))
                        return log_error_errno(-EINVAL, "Usage: berth container prune [-f]");
        return prune_containers();
}

static void format_size(uint64_t v, char *buf, size_t size) {
        if (v >= 1000000000)
                (void) snprintf(buf, size, "%.2fGB", (double) v / 1e9);
        else if (v >= 1000000)
                (void) snprintf(buf, size, "%.2fMB", (double) v / 1e6);
        else
                (void) snprintf(buf, size, "%.2fkB", (double) v / 1e3);
}

static int system_df(void) {
        _cleanup_(image_store_freep) ImageStore *store = NULL;
        _cleanup_(image_users_done) ImageUsers users = {};
        _cleanup_strv_free_ char **running = NULL, **volumes = NULL, **stopped_names = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        Image **images = NULL;
        size_t n_images = 0, active_images = 0, stopped = 0, used_volumes = 0;
        uint64_t size = 0, reclaimable = 0;
        char s1[32], s2[32];
        int r;

        r = image_store_open(berth_path(BERTH_PATH_STORAGE), &store);
        if (r < 0)
                return log_error_errno(r, "Failed to open the image store %s: %m", berth_path(BERTH_PATH_STORAGE));
        r = image_store_list(store, &images, &n_images);
        if (r < 0)
                return log_error_errno(r, "Failed to list images: %m");
        (void) image_users_load(store, &users);
        for (size_t i = 0; i < n_images; i++) {
                size += images[i]->size;
                if (image_users_find(&users, images[i]->id))
                        active_images++;
                else
                        reclaimable += images[i]->size;
                image_free(images[i]);
        }
        free(images);
        (void) running_containers(&running);
        if (sd_bus_open_system(&bus) >= 0 && stopped_containers(bus, &stopped_names) >= 0)
                stopped = strv_length(stopped_names);
        (void) volume_list(&volumes);
        STRV_FOREACH(v, volumes) {
                _cleanup_strv_free_ char **users_of = NULL;
                if (volume_users(*v, &users_of) >= 0 && users_of)
                        used_volumes++;
        }

        printf("%-16s %-8s %-8s %-12s %s\n", "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
        format_size(size, s1, sizeof s1);
        format_size(reclaimable, s2, sizeof s2);
        printf("%-16s %-8zu %-8zu %-12s %s\n", "Images", n_images, active_images, s1, s2);
        printf("%-16s %-8zu %-8zu %-12s %s\n", "Containers", strv_length(running) + stopped, strv_length(running), "-",
                        "-");
        printf("%-16s %-8zu %-8zu %-12s %s\n", "Local Volumes", strv_length(volumes), used_volumes, "-", "-");
        return 0;
}

static int system_prune(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "force", no_argument, NULL, 'f' },
                { "volumes", no_argument, NULL, 'v' },
                {},
        };
        static const char usage[] = "Usage: berth system prune [-f] [--volumes]";
        bool volumes = false;
        int c, r, ret = 0;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+hf", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("%s\n\nRemoves stopped containers, networks no container uses, images without a name "
                               "that no container uses and, with --volumes, unused volumes.\n",
                                        usage);
                        return 0;
                case 'f':
                        break; /* docker asks for confirmation without -f; berth never prompts */
                case 'v':
                        volumes = true;
                        break;
                default:
                        return log_error_errno(-EINVAL, "%s", usage);
                }
        if (optind < argc)
                return log_error_errno(-EINVAL, "%s", usage);
        r = prune_containers();
        if (r < 0)
                ret = r;
        {
                char *network_argv[] = { (char *) "network", (char *) "prune", (char *) "-f", NULL };
                r = verb_network(3, network_argv);
                if (r < 0)
                        ret = r;
        }
        if (volumes) {
                char *volume_argv[] = { (char *) "volume", (char *) "prune", (char *) "-f", NULL };
                r = verb_volume(3, volume_argv);
                if (r < 0)
                        ret = r;
        }
        {
                char *image_argv[] = { (char *) "image", (char *) "prune", (char *) "-f", NULL };
                r = verb_image(3, image_argv);
                if (r < 0)
                        ret = r;
        }
        return ret;
}

int verb_system(int argc, char *argv[]) {
        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                printf("Usage: berth system info|df|prune|events\n\n"
                       "  info                 what berth manages and on which host (berth info)\n"
                       "  df                   images, containers and volumes and the space they take\n"
                       "  prune [-f] [--volumes]  remove what no container uses\n"
                       "  events [OPTIONS]     stream events (berth events)\n");
                return argc < 2 ? -EINVAL : 0;
        }
        if (streq(argv[1], "info"))
                return verb_info(argc - 1, argv + 1);
        if (streq(argv[1], "df"))
                return system_df();
        if (streq(argv[1], "prune"))
                return system_prune(argc - 1, argv + 1);
        if (streq(argv[1], "events"))
                return verb_events(argc - 1, argv + 1);
        return log_error_errno(-EINVAL, "Unknown command 'system %s'. See 'berth system --help'.", argv[1]);
}
