/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* .build → NAME-build.service, a oneshot running `berth build [OPTIONS] CONTEXT` (berth.build(5)).
 * Containers that say Image=NAME.build use its first ImageTag= and start after the build. As with
 * Quadlet, the unit does not remain active, so each start of a container that requires it builds again;
 * the build cache makes an unchanged build quick. A oneshot has no start timeout by default, which a
 * long build needs. */
#include <string.h>
#include <strings.h>

#include "fs-util.h"
#include "strv.h"
#include "unit-convert.h"
#include "words.h"

static const KeyFlag build_flags[] = {
        { "ImageTag", "--tag", KEY_FLAG_LIST, NULL },
        { "Target", "--target", KEY_FLAG_STRING, NULL },
        { "Pull", "--pull", KEY_FLAG_STRING, NULL },
        { "BuildArg", "--build-arg", KEY_FLAG_WORDS, NULL },
        { "Label", "--label", KEY_FLAG_WORDS, NULL },
        { "Environment", "--env", KEY_FLAG_WORDS, NULL },
};

static const char *const build_keys[] = { "File", "SetWorkingDirectory", NULL };
/* berth build has no equivalent of these yet (see berth-build(1)). */
static const char *const build_unsupported[] = { "Annotation", "Arch", "AuthFile", "DNS", "DNSOption", "DNSSearch",
        "ForceRM", "GroupAdd", "IgnoreFile", "Network", "Retry", "RetryDelay", "Secret", "TLSVerify", "Variant",
        "Volume", NULL };

static bool is_url(const char *s) {
        return startswith(s, "http://") || startswith(s, "https://") || startswith(s, "git://") ||
               startswith(s, "github.com/");
}

static char *dir_of(const char *path) {
        const char *slash = strrchr(path, '/');
        return slash == path ? strdup("/") : strndup(path, (size_t) (slash - path));
}

int convert_build(ConvertContext *c) {
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *file = NULL, *swd = NULL, *file_abs = NULL, *context = NULL, *tag = NULL;
        const UnitEntry *file_e, *swd_e, *tag_e;
        bool set_wd = false;
        int r;

        r = convert_check_keys(c, build_flags, ELEMENTSOF(build_flags), build_keys, build_unsupported);
        if (r < 0)
                return r;
        tag = convert_lookup(c, "ImageTag", &tag_e);
        if (!tag)
                return convert_error(c, tag_e, "[Build] has no ImageTag=; it names the image that is built.");
        file = convert_lookup(c, "File", &file_e);
        swd = convert_lookup(c, "SetWorkingDirectory", &swd_e);
        if (!file && !swd)
                return convert_error(c, NULL,
                                "[Build] has neither File= nor SetWorkingDirectory=; one of them gives the build context.");
        if (file && is_url(file))
                return convert_error(c, file_e, "A Dockerfile from a URL is not supported by berth yet.");
        if (swd && is_url(swd))
                return convert_error(c, swd_e, "A build context from a URL is not supported by berth yet.");
        /* a relative File= is relative to the .build file, like every path of a definition */
        if (file && (r = convert_absolute_path(c, file, &file_abs)) < 0)
                return r;

        if (!swd || strcasecmp(swd, "file") == 0) {
                /* the Dockerfile's directory, as buildah takes it when only a file is given */
                if (!file_abs)
                        return convert_error(c, swd_e, "SetWorkingDirectory=file needs File=.");
                context = dir_of(file_abs);
                set_wd = swd != NULL;
        } else if (strcasecmp(swd, "unit") == 0) {
                context = strdup(c->def->dir);
                set_wd = true;
        } else if (strcasecmp(swd, "yaml") == 0)
                return convert_error(c, swd_e, "SetWorkingDirectory=yaml is for .kube files; use unit, file or a path.");
        else if ((r = convert_absolute_path(c, swd, &context)) < 0)
                return r;
        if (!context)
                return -ENOMEM;

        r = convert_cli_argv(&argv, "build", NULL);
        if (r >= 0 && file_abs)
                r = strv_consume(&argv, strjoin("--file=", file_abs));
        if (r >= 0)
                r = convert_key_flags(c, build_flags, ELEMENTSOF(build_flags), &argv);
        if (r >= 0)
                r = strv_extend(&argv, context);
        if (r >= 0)
                r = unit_file_append_default(c->out, "Service", "Type", "oneshot");
        if (r >= 0)
                r = unit_file_append_default(c->out, "Service", "SyslogIdentifier", "%N");
        if (r >= 0 && set_wd) {
                _cleanup_free_ char *q = quote_word(context);
                r = q ? unit_file_append(c->out, "Service", "WorkingDirectory", q) : -ENOMEM;
        }
        if (r >= 0)
                r = convert_add_mounts_for(c, context);
        if (r >= 0)
                r = convert_add_exec(c, "ExecStart", argv);
        return r;
}
