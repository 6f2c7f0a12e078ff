/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "container.h"
#include "strv.h"

void container_done(Container *c) {
        container_spec_done(&c->spec);
        image_free(c->image);
        process_config_done(&c->process);
        free(c->run_dir);
        free(c->state_dir);
        free(c->root_mnt);
        free(c->lock_path);
        free(c->join_netns);
        free(c->join_ipcns);
        free(c->join_utsns);
        namespace_paths_done(&c->ns);
        volume_device_mounts_free(c->device_volumes);
        for (size_t i = 0; i < c->n_idmap_userns_fds; i++)
                safe_close(c->idmap_userns_fds[i]);
        free(c->idmap_userns_fds);
        for (size_t i = 0; i < c->n_shared_source_fds; i++)
                safe_close(c->shared_source_fds[i]);
        free(c->shared_source_fds);
        free(c->seccomp);
        seccomp_filter_done(&c->filter);
        free(c->device_rules);
        strv_free(c->cgroup_writes);
        if (c->userns_auto)
                userns_done(&c->userns);
        seccomp_filter_done(&c->init_filter);
        safe_close(c->init_program_fd);
        free(c->oci_id);
        free(c->oci_bundle);
        free(c->cgroup_path);
        free(c->hooks_json);
        for (size_t i = 0; i < c->n_oci_devices; i++)
                free(c->oci_devices[i].path);
        free(c->oci_devices);
        for (size_t i = 0; i < c->n_oci_mounts; i++) {
                free(c->oci_mounts[i].destination);
                free(c->oci_mounts[i].type);
                free(c->oci_mounts[i].source);
                strv_free(c->oci_mounts[i].data);
        }
        free(c->oci_mounts);
        free(c->apparmor_profile);
        free(c->selinux_label);
        strv_free(c->masked_paths);
        strv_free(c->readonly_paths);
        free(c->start_fifo);
        safe_close(c->created_fd);
        safe_close(c->console_socket);
        *c = (Container) {};
}
