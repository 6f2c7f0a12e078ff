/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Starting the writeback of extracted files on a thread of its own. Durability comes from the one
 * syncfs() before a layer is published; this only gets the disk going early, so that syncfs() finds
 * little left to wait for, without the extraction paying for the block allocation and I/O
 * submission that sync_file_range() does in the caller's time. */

#include "macro.h"

typedef struct Writeback Writeback;

/* Never NULL for lack of a thread: without one, writeback_file() just closes. NULL on OOM. */
Writeback *writeback_new(void);
/* Takes fd (a regular file just written): its writeback is started, then it is closed. */
void writeback_file(Writeback *w, int fd);
/* Waits until every file handed over was dealt with, and ends the thread. */
Writeback *writeback_free(Writeback *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(Writeback *, writeback_free);
