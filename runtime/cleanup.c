/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "fs-util.h"
#include "log.h"
#include "network-attach.h"
#include "paths.h"
#include "run-options.h"
#include "running-containers.h"
#include "state.h"

#define EXIT_CLEANUP_FAILED 1

int cleanup_main(int argc, char *argv[]) {
        _cleanup_(container_spec_done) ContainerSpec spec;
        _cleanup_free_ char *containers = NULL, *lock_path = NULL, *run_dir = NULL, *state_dir = NULL;
        int index, lock_fd, r, ret = EXIT_SUCCESS;

        container_spec_init(&spec);
        r = run_options_parse_argv(&spec, argc, argv, &index);
        if (r < 0)
                return EXIT_CLEANUP_FAILED;
        if (!container_name_is_valid(spec.name))
                return log_error_errno(-EINVAL, "cleanup needs --name=NAME of a container."),
                       EXIT_CLEANUP_FAILED;

        containers = strjoin(berth_path(BERTH_PATH_RUN), "/containers");
        lock_path = container_lock_path(spec.name);
        run_dir = container_run_dir(spec.name);
        state_dir = strjoin(berth_path(BERTH_PATH_STATE), "/containers/", spec.name);
        if (!containers || !lock_path || !run_dir || !state_dir)
                return log_oom(), EXIT_CLEANUP_FAILED;
        if (access(containers, F_OK) < 0)
                return EXIT_SUCCESS; /* no container ever ran here */

        /* Held: a supervisor of that name runs (a restarted unit, or the same name started by hand), and
         * everything here is its own. */
        lock_fd = state_lock(lock_path);
        if (lock_fd == -EBUSY) {
                log_debug("Container %s runs; nothing to clean up.", spec.name);
                return EXIT_SUCCESS;
        }
        if (lock_fd < 0)
                return EXIT_CLEANUP_FAILED;

        /* A pod's member has no lease of its own: the pod holds the address. */
        if (!spec.pod && (r = network_detach_container(NULL, spec.name)) < 0) {
                log_warning_errno(r, "Failed to detach container %s from its networks: %m", spec.name);
                ret = EXIT_CLEANUP_FAILED;
        }
        if ((r = rm_rf(run_dir)) < 0) {
                log_warning_errno(r, "Failed to remove %s: %m", run_dir);
                ret = EXIT_CLEANUP_FAILED;
        }
        if ((r = rm_rf(state_dir)) < 0) {
                log_warning_errno(r, "Failed to remove %s: %m", state_dir);
                ret = EXIT_CLEANUP_FAILED;
        }
        state_unlock(lock_path, lock_fd);
        return ret;
}
