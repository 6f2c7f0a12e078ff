/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "macro.h"
#include "fs-util.h"
#include "unit-container-exec.h"

int unit_append_exec_literal(sd_bus_message *m, const char *name, char *const *argv, bool ignore_failure) {
        _cleanup_free_ char *property = strjoin(name, "Ex");
        int r;

        if (!property)
                return -ENOMEM;
        r = sd_bus_message_open_container(m, 'r', "sv");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", property);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'v', "a(sasas)");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(sasas)");
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'r', "sasas");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", argv[0]);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, (char **) argv);
        if (r >= 0)
                r = ignore_failure ? sd_bus_message_append(m, "as", 2, "no-env-expand", "ignore-failure")
                                   : sd_bus_message_append(m, "as", 1, "no-env-expand");
        for (int i = 0; i < 4 && r >= 0; i++)
                r = sd_bus_message_close_container(m);
        return r;
}
