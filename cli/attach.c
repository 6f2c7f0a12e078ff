/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "commands.h"
#include "log.h"
int verb_attach(int argc, char *argv[]) {
        return log_error_errno(-EOPNOTSUPP, "Not implemented yet.");
}
