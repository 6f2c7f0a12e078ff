/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `berth-runtime cleanup [OPTIONS] [IMAGE...]`: a container unit's ExecStopPost=. Removes what a
 * supervisor that was killed (kill -9, OOM) could not: the network lease, veth and nftables rules, the
 * run and state directories, the lock. Idempotent, and a no-op while the container's lock is held
 * (it runs again elsewhere). Takes the supervise options; uses --name, --network, --pod and
 * --env-private-file: `berth run`'s file in $BERTH_RUN_DIR/private/ goes once systemd cannot start the
 * unit again (no restart job, no Restart=, and the unit is collected: stopped cleanly, or --rm). */
int cleanup_main(int argc, char *argv[]);
