/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* registries.conf: the TOML subset, prefix matching, and short-name candidates. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"
#include "registry-conf.h"
#include "strv.h"
#include "tap.h"

static const char conf_text[] = "# comment\n"
                                "unqualified-search-registries = [ \"quay.io\",  # inline comment\n"
                                "   'docker.io' ]\n"
                                "short-name-mode = \"enforcing\"   # ignored\n"
                                "\n"
                                "[[registry]]\n"
                                "prefix = \"example.com/foo\"\n"
                                "location = \"mirror.internal/bar\"\n"
                                "insecure = true\n"
                                "[[registry]]\n"
                                "location = \"example.com\"\n"
                                "blocked = true\n"
                                "[[registry]]\n"
                                "prefix = \"*.corp.test\"\n"
                                "location = \"corp-mirror.test\"\n"
                                "[[registry.mirror]]\n"
                                "location = \"ignored.test\"\n"
                                "[[registry]]\n"
                                "prefix = \"docker.io/library\"\n"
                                "location = \"hub.internal/lib\"\n"
                                "[[registry.mirror]]\n"
                                "location = \"m1.internal/dockerhub\"\n"
                                "insecure = true\n"
                                "[[registry.mirror]]\n"
                                "location = \"m2.internal/byhash\"\n"
                                "pull-from-mirror = \"digest-only\"\n"
                                "[aliases]\n"
                                "\"fedora\" = \"registry.fedoraproject.org/fedora\"\n"
                                "\"with#hash\" = \"a.test/x\\\"y\"\n";

/* Loads text from a file; a failure's reason must name that file and the line given (0: any). */
static int load_text_at(const char *text, RegistriesConf *c, unsigned line) {
        _cleanup_free_ char *error = NULL, *where = NULL;
        char path[] = "/tmp/berth-test-registries-XXXXXX";
        int fd = mkstemp(path), r;

        if (fd < 0)
                return -errno;
        r = write(fd, text, strlen(text)) == (ssize_t) strlen(text) ? 0 : -EIO;
        close(fd);
        if (r >= 0)
                r = registries_conf_load_file(c, path, &error);
        if (r < 0 && r != -ENOMEM) {
                CHECK(error && startswith(error, path));
                if (line > 0 && asprintf(&where, "%s:%u: ", path, line) >= 0)
                        CHECK(error && startswith(error, where));
        }
        unlink(path);
        return r;
}

static int load_text(const char *text, RegistriesConf *c) {
        return load_text_at(text, c, 0);
}

int main(void) {
        _cleanup_(registries_conf_done) RegistriesConf c = {};
        _cleanup_strv_free_ char **cand = NULL, **cand2 = NULL, **cand3 = NULL;
        const RegistryEntry *e;

        log_set_max_level(LOG_CRIT);
        CHECK(load_text(conf_text, &c) == 0);
        CHECK(strv_length(c.search) == 2);
        CHECK_STREQ(c.search ? c.search[0] : NULL, "quay.io");
        CHECK_STREQ(c.search ? c.search[1] : NULL, "docker.io");
        CHECK(c.n_registries == 4);

        e = registries_conf_find(&c, "example.com/foo/app");
        CHECK(e && e->insecure && streq(e->location, "mirror.internal/bar"));
        e = registries_conf_find(&c, "example.com/foox");
        CHECK(e && e->blocked); /* only the host-wide entry covers it */
        e = registries_conf_find(&c, "git.corp.test/x");
        CHECK(e && streq(e->location, "corp-mirror.test"));
        CHECK(registries_conf_find(&c, "corp.test/x") == NULL);
        CHECK(registries_conf_find(&c, "other.test/x") == NULL);

        CHECK(registries_conf_candidates(&c, "fedora:39", &cand, NULL) == 0);
        CHECK(strv_length(cand) == 1);
        CHECK_STREQ(cand[0], "registry.fedoraproject.org/fedora:39");
        CHECK(registries_conf_candidates(&c, "alpine", &cand2, NULL) == 0);
        CHECK(strv_length(cand2) == 2);
        CHECK_STREQ(cand2[0], "quay.io/alpine:latest");
        CHECK_STREQ(cand2[1], "docker.io/library/alpine:latest");
        CHECK(registries_conf_candidates(&c, "ghcr.io/me/app:1", &cand3, NULL) == 0);
        CHECK(strv_length(cand3) == 1 && streq(cand3[0], "ghcr.io/me/app:1"));
        CHECK(c.aliases && strv_contains(c.aliases, "with#hash") && strv_contains(c.aliases, "a.test/x\"y"));

        /* mirrors come first, in order; digest-only ones only for digests */
        {
                _cleanup_strv_free_ char **src = NULL, **src2 = NULL, **src3 = NULL;
                _cleanup_free_ bool *ins = NULL, *ins2 = NULL, *ins3 = NULL;

                CHECK(registries_conf_sources(&c, "docker.io/library/alpine", false, &src, &ins, NULL) == 0);
                CHECK(strv_length(src) == 2);
                CHECK_STREQ(src ? src[0] : NULL, "m1.internal/dockerhub/alpine");
                CHECK_STREQ(src ? src[1] : NULL, "hub.internal/lib/alpine");
                CHECK(ins && ins[0] && !ins[1]);
                CHECK(registries_conf_sources(&c, "docker.io/library/alpine", true, &src2, &ins2, NULL) == 0);
                CHECK(strv_length(src2) == 3);
                CHECK_STREQ(src2 ? src2[1] : NULL, "m2.internal/byhash/alpine");
                CHECK(registries_conf_sources(&c, "quay.io/x/y", false, &src3, &ins3, NULL) == 0);
                CHECK(strv_length(src3) == 1 && streq(src3[0], "quay.io/x/y"));
                _cleanup_free_ char *error = NULL;
                CHECK(registries_conf_sources(&c, "example.com/z", false, &src3, &ins3, &error) == -EPERM);
                CHECK(error && strstr(error, "example.com/z is blocked by registries.conf"));
        }

        /* malformed files name the line */
        {
                RegistriesConf bad = {};
                CHECK(load_text_at("a = [\"x\"\n", &bad, 1) == -EINVAL);
                registries_conf_done(&bad);
                CHECK(load_text_at("[[registry]]\ninsecure = \"yes\"\n", &bad, 2) == -EINVAL);
                registries_conf_done(&bad);
                CHECK(load_text_at("no equals sign\n", &bad, 1) == -EINVAL);
                registries_conf_done(&bad);
                CHECK(load_text("x = \"unterminated\n", &bad) == -EINVAL);
                registries_conf_done(&bad);
                CHECK(load_text("[[registry.mirror]]\nlocation = \"a.test\"\n", &bad) == -EINVAL);
                registries_conf_done(&bad);
                CHECK(load_text("[[registry]]\nlocation = \"a.test\"\n[[registry.mirror]]\ninsecure = true\n", &bad) ==
                                -EINVAL);
                registries_conf_done(&bad);
                CHECK(load_text("[[registry]]\nlocation = \"a.test\"\n[[registry.mirror]]\nlocation = \"b\"\n"
                                "pull-from-mirror = \"sometimes\"\n",
                                      &bad) == -EINVAL);
                registries_conf_done(&bad);
        }
        /* what Debian's podman ships parses */
        if (access("/etc/containers/registries.conf.d/shortnames.conf", F_OK) == 0) {
                RegistriesConf sys = {};
                CHECK(registries_conf_load_file(&sys, "/etc/containers/registries.conf.d/shortnames.conf", NULL) == 0);
                CHECK(strv_length(sys.aliases) > 10);
                registries_conf_done(&sys);
        }
        return tap_done();
}
