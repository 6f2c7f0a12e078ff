/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
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
        *s = (SecretSpec) {};
}

bool secret_name_is_valid(const char *name) {
        return object_name_is_valid(name, 253);
}

/* A decimal id below (uid_t) -1, which the kernel reserves. */
static int parse_id(const char *s, uint32_t *ret) {
        char *end;
        unsigned long long v;

        if (!isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || *end || v >= UINT32_MAX)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

static int parse_mode(const char *s, mode_t *ret) {
        char *end;
        unsigned long v;

        if (!isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 8);
        if (errno || *end || v > 0777)
                return -EINVAL;
        *ret = (mode_t) v;
        return 0;
}

int secret_spec_parse(const char *s, SecretSpec *ret) {
        _cleanup_(secret_spec_done) SecretSpec spec = { .mode = SECRET_DEFAULT_MODE };
        _cleanup_free_ char *copy = strdup(s);
        bool file_options = false;
        char *saveptr = NULL;
        uint32_t id;

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
                } else if ((v = startswith(t, "uid="))) {
                        if (parse_id(v, &id) < 0)
                                return -EINVAL;
                        spec.uid = (uid_t) id;
                        file_options = true;
                } else if ((v = startswith(t, "gid="))) {
                        if (parse_id(v, &id) < 0)
                                return -EINVAL;
                        spec.gid = (gid_t) id;
                        file_options = true;
                } else if ((v = startswith(t, "mode="))) {
                        if (parse_mode(v, &spec.mode) < 0)
                                return -EINVAL;
                        file_options = true;
                } else
                        return -EINVAL;
        }
        if (!spec.name)
                return -EINVAL;
        /* A variable has no owner or mode (podman refuses them there too). */
        if (spec.env && file_options)
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
        *ret = TAKE_STRUCT(spec);
        return 0;
}
