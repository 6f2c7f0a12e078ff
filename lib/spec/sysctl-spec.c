/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "sysctl-spec.h"

bool sysctl_is_namespaced(const char *name, bool private_network) {
        static const char *const ipc_prefixes[] = { "kernel.shm", "kernel.msg", "kernel.sem", "fs.mqueue." };

        if (startswith(name, "net."))
                return private_network;
        if (streq(name, "kernel.domainname"))
                return true;
        for (size_t i = 0; i < ELEMENTSOF(ipc_prefixes); i++)
                if (startswith(name, ipc_prefixes[i]))
                        return true;
        return false;
}

bool sysctl_name_is_valid(const char *name) {
        if (isempty(name) || strchr(name, '/') || strstr(name, "..") || name[0] == '.' || name[strlen(name) - 1] == '.')
                return false;
        for (const char *p = name; *p; p++)
                if ((unsigned char) *p <= ' ' || *p == 0x7f)
                        return false;
        return true;
}

int sysctl_assignment_split(const char *s, char **ret_name, const char **ret_value) {
        const char *eq = strchr(s, '=');
        char *name;

        if (!eq || eq == s)
                return -EINVAL;
        name = strndup(s, (size_t) (eq - s));
        if (!name)
                return -ENOMEM;
        if (!sysctl_name_is_valid(name)) {
                free(name);
                return -EINVAL;
        }
        *ret_name = name;
        *ret_value = eq + 1;
        return 0;
}

int sysctl_option_check(const char *s) {
        _cleanup_free_ char *name = NULL;
        const char *value;
        int r;

        r = sysctl_assignment_split(s, &name, &value);
        if (r < 0)
                return r;
        return sysctl_is_namespaced(name, true) ? 0 : -EINVAL;
}
