/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "parse-util.h"
#include "ulimit-spec.h"

int rlimit_from_name(const char *name) {
        static const struct {
                const char *name;
                int resource;
        } table[] = {
                { "core", RLIMIT_CORE },
                { "cpu", RLIMIT_CPU },
                { "data", RLIMIT_DATA },
                { "fsize", RLIMIT_FSIZE },
                { "locks", RLIMIT_LOCKS },
                { "memlock", RLIMIT_MEMLOCK },
                { "msgqueue", RLIMIT_MSGQUEUE },
                { "nice", RLIMIT_NICE },
                { "nofile", RLIMIT_NOFILE },
                { "nproc", RLIMIT_NPROC },
                { "rss", RLIMIT_RSS },
                { "rtprio", RLIMIT_RTPRIO },
                { "rttime", RLIMIT_RTTIME },
                { "sigpending", RLIMIT_SIGPENDING },
                { "stack", RLIMIT_STACK },
                { "as", RLIMIT_AS },
        };
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (strcasecmp(name, table[i].name) == 0)
                        return table[i].resource;
        return -EINVAL;
}

static int parse_rlim(const char *s, size_t n, rlim_t *ret) {
        _cleanup_free_ char *v = strndup(s, n);
        uint64_t l;

        if (!v)
                return -ENOMEM;
        if (streq(v, "unlimited") || streq(v, "-1")) {
                *ret = RLIM_INFINITY;
                return 0;
        }
        if (parse_uint_range(v, 0, UINT64_MAX, &l) < 0)
                return -EINVAL;
        *ret = (rlim_t) l;
        return 0;
}

int ulimit_parse(const char *s, struct rlimit *ret) {
        const char *eq = strchr(s, '='), *colon;
        _cleanup_free_ char *name = NULL;
        struct rlimit rl;
        int resource, r;

        if (!eq)
                return -EINVAL;
        name = strndup(s, (size_t) (eq - s));
        if (!name)
                return -ENOMEM;
        resource = rlimit_from_name(name);
        if (resource < 0)
                return resource;
        eq++;
        colon = strchr(eq, ':');
        r = parse_rlim(eq, colon ? (size_t) (colon - eq) : strlen(eq), &rl.rlim_cur);
        if (r >= 0)
                r = colon ? parse_rlim(colon + 1, strlen(colon + 1), &rl.rlim_max) : 0;
        if (r < 0)
                return r;
        if (!colon)
                rl.rlim_max = rl.rlim_cur;
        /* setrlimit() refuses a soft limit above the hard one: say so now, not when the container starts. */
        if (rl.rlim_cur > rl.rlim_max)
                return -EINVAL;
        *ret = rl;
        return resource;
}
