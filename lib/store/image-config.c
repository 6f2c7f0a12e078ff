/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "fs-util.h"
#include "image-config.h"
#include "log.h"
#include "time-util.h"
#include "json-util.h"

const char *image_host_architecture(void) {
        static const struct {
                const char *machine, *goarch;
        } table[] = {
                { "x86_64", "amd64" },
                { "aarch64", "arm64" },
                { "armv7l", "arm" },
                { "armv6l", "arm" },
                { "i686", "386" },
                { "i386", "386" },
                { "ppc64le", "ppc64le" },
                { "s390x", "s390x" },
                { "riscv64", "riscv64" },
        };
        struct utsname u;

        if (uname(&u) < 0)
                return "amd64";
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(u.machine, table[i].machine))
                        return table[i].goarch;
        return "amd64";
}

void image_config_info_done(ImageConfigInfo *info) {
        image_config_done(&info->config);
        free(info->os);
        free(info->architecture);
        strv_free(info->diff_ids);
        *info = (ImageConfigInfo) {};
}

static int string_array(json_t *v, const char *what, char ***ret, char **ret_error) {
        int r = json_array_to_strv(v, ret);
        if (r == -EBADMSG)
                return log_detail_errno(ret_error, r, "Image config: '%s' is not an array of strings.", what);
        if (r < 0)
                return -ENOMEM;
        /* an empty array stays an empty (not absent) list: "Cmd": [] clears the base image's */
        if (!*ret && json_is_array(v) && !(*ret = calloc(1, sizeof(char *))))
                return -ENOMEM;
        return 0;
}

static int object_keys(json_t *v, const char *what, char ***ret, char **ret_error) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        const char *key;
        json_t *value;

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_object(v))
                return log_detail_errno(ret_error, -EBADMSG, "Image config: '%s' is not an object.", what);
        json_object_foreach(v, key, value) if (strv_extend_with_size(&l, &n, key) < 0) return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

static int labels(json_t *v, char ***ret, char **ret_error) {
        int r = json_object_to_strv_pairs(v, ret);
        if (r == -EBADMSG)
                return log_detail_errno(ret_error, r, "Image config: 'Labels' is not an object of strings.");
        return r < 0 ? -ENOMEM : 0;
}

static int optional_string(json_t *parent, const char *key, char **ret, char **ret_error) {
        int r = json_object_get_optional_string(parent, key, ret);

        if (r == -EBADMSG)
                return log_detail_errno(ret_error, r, "Image config: '%s' is not a string.", key);
        if (r >= 0 && *ret && isempty(*ret)) { /* "" is as good as absent */
                free(*ret);
                *ret = NULL;
        }
        return r;
}

int image_config_parse(const char *json, size_t size, ImageConfigInfo *ret, char **ret_error) {
        _cleanup_(image_config_info_done) ImageConfigInfo info = {};
        json_t *root, *c, *rootfs;
        json_error_t err;
        int r;

        if (size > IMAGE_CONFIG_MAX)
                return log_detail_errno(ret_error, -EFBIG, "Image config: %zu bytes, more than the limit of %u MiB.",
                                size, IMAGE_CONFIG_MAX >> 20);
        root = json_loadb(json, size, 0, &err);
        if (!root)
                return log_detail_errno(ret_error, -EBADMSG, "Image config: invalid JSON at line %d: %s", err.line,
                                err.text);
        if (!json_is_object(root)) {
                r = log_detail_errno(ret_error, -EBADMSG, "Image config: not a JSON object.");
                goto finish;
        }

        if ((r = optional_string(root, "os", &info.os, ret_error)) < 0 ||
                        (r = optional_string(root, "architecture", &info.architecture, ret_error)) < 0)
                goto finish;
        if (parse_rfc3339(json_string_value(json_object_get(root, "created")), &info.created) < 0)
                info.created = 0; /* unknown, as docker shows a config without one */

        rootfs = json_object_get(root, "rootfs");
        r = string_array(rootfs ? json_object_get(rootfs, "diff_ids") : NULL, "rootfs.diff_ids", &info.diff_ids,
                        ret_error);
        if (r < 0)
                goto finish;
        if (strv_length(info.diff_ids) > IMAGE_LAYERS_MAX) {
                r = log_detail_errno(ret_error, -EFBIG,
                                "Image config: rootfs.diff_ids lists %zu layers, more than the limit of %u.",
                                strv_length(info.diff_ids), IMAGE_LAYERS_MAX);
                goto finish;
        }

        c = json_object_get(root, "config");
        if (c && json_is_object(c)) {
                if ((r = string_array(json_object_get(c, "Env"), "Env", &info.config.env, ret_error)) < 0 ||
                                (r = string_array(json_object_get(c, "Entrypoint"), "Entrypoint",
                                                 &info.config.entrypoint, ret_error)) < 0 ||
                                (r = string_array(json_object_get(c, "Cmd"), "Cmd", &info.config.cmd, ret_error)) < 0 ||
                                (r = optional_string(c, "WorkingDir", &info.config.working_dir, ret_error)) < 0 ||
                                (r = optional_string(c, "User", &info.config.user, ret_error)) < 0 ||
                                (r = optional_string(c, "StopSignal", &info.config.stop_signal, ret_error)) < 0 ||
                                (r = object_keys(json_object_get(c, "ExposedPorts"), "ExposedPorts",
                                                 &info.config.exposed_ports, ret_error)) < 0 ||
                                (r = object_keys(json_object_get(c, "Volumes"), "Volumes", &info.config.volumes,
                                                 ret_error)) < 0 ||
                                (r = labels(json_object_get(c, "Labels"), &info.config.labels, ret_error)) < 0)
                        goto finish;
        }
        *ret = TAKE_GENERIC(info, ImageConfigInfo, (ImageConfigInfo) {});
        r = 0;
finish:
        json_decref(root);
        return r;
}

int image_config_new_for_rootfs(const char *diff_id, const struct timespec *created, char **ret) {
        char when[RFC3339_MAX];
        json_t *root;
        char *s;

        /* Nanoseconds, as docker writes them: two imports of one tarball are two images. */
        if (format_rfc3339_nsec(when, created) < 0)
                return -EINVAL;
        root = json_pack("{s:s, s:s, s:s, s:{}, s:{s:s, s:[s]}, s:[{s:s, s:s, s:s}]}", "created", when, "architecture",
                        image_host_architecture(), "os", "linux", "config", "rootfs", "type", "layers", "diff_ids",
                        diff_id, "history", "created", when, "created_by", "berth image import", "comment",
                        "imported rootfs");
        if (!root)
                return -ENOMEM;
        s = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(root);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}
