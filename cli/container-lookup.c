/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "container-lookup.h"
#include "log.h"

int container_lookup(sd_bus *bus, const char *name, ContainerRef *ret) {
        _cleanup_free_ char *message = NULL;
        int r;

        r = container_ref_lookup(bus, name, CONTAINER_LOOKUP_LOAD | CONTAINER_LOOKUP_ID, ret);
        if (r >= 0)
                return 0;
        if (r == -ENOMEM)
                return log_oom();
        message = container_ref_lookup_message(r, name);
        if (!message)
                return log_oom();
        return log_error_errno(r, "%s", message);
}

int log_unit_error(int r, const sd_bus_error *error, const char *action, const char *name) {
        if (sd_bus_error_is_set(error))
                return log_error_errno(r, "Failed to %s container '%s': %s", action, name, error->message);
        return log_error_errno(r, "Failed to %s container '%s': %m", action, name);
}
