/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "device-spec.h"
#include "fs-util.h"
#include "macro.h"

void device_spec_done(DeviceSpec *d) {
        free(d->host);
        free(d->container);
        free(d->perms);
        *d = (DeviceSpec) {};
}

int device_spec_parse(const char *s, DeviceSpec *ret) {
        _cleanup_free_ char *copy = strdup(s);
        char *parts[3] = {}, *p;
        const char *container = NULL, *perms = "rwm";
        size_t n = 0;

        if (!copy)
                return -ENOMEM;
        /* HOST, HOST:PERMS, HOST:CONTAINER or HOST:CONTAINER:PERMS */
        for (p = copy; p; n++) {
                if (n == 3)
                        return -EINVAL;
                parts[n] = p;
                p = strchr(p, ':');
                if (p)
                        *p++ = 0;
        }
        if (n == 3) {
                container = parts[1];
                perms = parts[2];
        } else if (n == 2 && parts[1][0] == '/')
                container = parts[1];
        else if (n == 2)
                perms = parts[1];
        container = container ?: parts[0];
        if (!path_is_absolute(parts[0]) || !startswith(container, "/dev/") || strstr(container, "/../") ||
                        isempty(perms) || strspn(perms, "rwm") != strlen(perms))
                return -EINVAL;
        *ret = (DeviceSpec) {
                .host = strdup(parts[0]),
                .container = strdup(container),
                .perms = strdup(perms),
        };
        if (!ret->host || !ret->container || !ret->perms) {
                device_spec_done(ret);
                return -ENOMEM;
        }
        return 0;
}
