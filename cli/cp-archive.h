/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The two halves of `berth cp`: a path written as a tar stream, and a tar stream extracted at a
 * destination with Docker's rules. Each half resolves its paths in the root of the process that runs
 * it: the host's, or a container's that the process chrooted into (cli/cp.c), so a symlink in a
 * container never leads out of it. Both log their errors; `where` names the side ("container 'web'",
 * "the host") in them.
 *
 * The stream is self-describing: its first entry is the source's last component ("file", "dir",
 * "dir/...") or "." when the source ended in "/." (a directory's contents). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A container's user namespace, from /proc/PID/uid_map and gid_map: which host ids its ids are. */
typedef struct CpIdRange {
        uint32_t inside, outside, count;
} CpIdRange;

#define CP_ID_RANGES_MAX 16

typedef struct CpIdMap {
        CpIdRange uid[CP_ID_RANGES_MAX], gid[CP_ID_RANGES_MAX];
        size_t n_uid, n_gid;
} CpIdMap;

/* Parses a uid_map or gid_map text into ranges. */
int cp_id_map_parse(const char *text, CpIdRange ranges[static CP_ID_RANGES_MAX], size_t *ret_n);

/* Writes path (its last component, and everything under a directory) to fd as a tar stream. With
 * follow_link a symlink named by path itself is followed (docker cp -L); links below it never are. */
int cp_archive_write(int fd, const char *path, bool follow_link, const CpIdMap *map, const char *where);

typedef enum CpDestination {
        CP_DEST_PATH,    /* dest is what the source becomes, or the existing directory it goes into */
        CP_DEST_DIR_ONLY /* dest is an existing directory the stream is extracted into as it is */
} CpDestination;

/* Extracts the stream on fd at dest. Without keep_owner every entry belongs to the caller (root),
 * as Docker's cp without -a. With a map (a container's side), the stream's ids are the container's:
 * written as the host ids they are, and read from disk as the container sees them in
 * cp_archive_write() (ids outside the map: 65534, the kernel's overflow id). A stream that ends early or is not a tar
 * archive returns -EPIPE without logging (the writer, which logs why, has usually failed). */
int cp_archive_extract(int fd, const char *dest, CpDestination kind, bool keep_owner, const CpIdMap *map,
                const char *where);
