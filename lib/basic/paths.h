/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Where berth keeps things. Every location can be moved with an environment variable, so tests and
 * unprivileged experiments never touch the real system:
 *
 *   BERTH_CONFIG_DIR   /etc/berth              definitions, registries.conf
 *   BERTH_STATE_DIR    /var/lib/berth          persistent state (volumes, container upper dirs)
 *   BERTH_STORAGE_DIR  /var/lib/berth/storage  the image store (set on its own, not derived)
 *   BERTH_RUN_DIR      /run/berth              runtime state (mount points, per-container state)
 *   BERTH_RUNTIME      $libexecdir/berth/berth-runtime   the runtime binary written into units
 *   BERTH_CLI          $bindir/berth           the CLI binary written into units (volume/network/pull)
 */

typedef enum BerthPath {
        BERTH_PATH_CONFIG,
        BERTH_PATH_STATE,
        BERTH_PATH_STORAGE,
        BERTH_PATH_RUN,
        BERTH_PATH_RUNTIME_BINARY,
        BERTH_PATH_CLI_BINARY,
        _BERTH_PATH_MAX,
} BerthPath;

/* Returns the configured location; never NULL. The string is static or from the environment. */
const char *berth_path(BerthPath which);
