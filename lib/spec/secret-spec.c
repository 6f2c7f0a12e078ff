/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "object-name.h"
#include "secret-spec.h"
#include "strv.h"

void secret_spec_done(SecretSpec *s) {
        free(s->name);
        free(s->target);
        *s = (SecretSpec){};
}

bool secret_name_is_valid(const char *name) {
        return object_name_is_valid(name, 253);
}

int secret_spec_parse(const char *s, SecretSpec *ret) {
        _cleanup_(secret_spec_done) SecretSpec spec = {};
        _cleanup_free_ char *copy = strdup(s);
        char *saveptr = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *t = strtok_r(copy, ",", &saveptr); t; t = strtok_r(NULL, ",", &saveptr)) {
                const char *v;
                if (!spec.name) {
                        if (!secret_name_is_valid(t))
                                return -EINVAL;
                        spec.name = strdup(t);
                        if (!spec.name)
                                return -ENOMEM;
                } else if ((v = startswith(t, "type="))) {
                        if (!streq(v, "mount") && !streq(v, "env"))
                                return -EINVAL;
                        spec.env = streq(v, "env");
                } else if ((v = startswith(t, "target="))) {
                        if (isempty(v))
                                return -EINVAL;
                        free(spec.target);
                        spec.target = strdup(v);
                        if (!spec.target)
                                return -ENOMEM;
                } else
                        return -EINVAL;
        }
        if (!spec.name)
                return -EINVAL;
        if (spec.env) {
                if (!spec.target && !(spec.target = strdup(spec.name)))
                        return -ENOMEM;
                if (strchr(spec.target, '=') || spec.target[0] == '/')
                        return -EINVAL;
        } else {
                const char *t = spec.target ?: spec.name;
                char *abs = t[0] == '/' ? strdup(t) : strjoin("/run/secrets/", t);
                if (!abs)
                        return -ENOMEM;
                free(spec.target);
                spec.target = abs;
                if (strstr(abs, "/../") || endswith(abs, "/.."))
                        return -EINVAL;
        }
        *ret = spec;
        spec = (SecretSpec){};
        return 0;
}

