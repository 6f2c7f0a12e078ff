/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* .image → NAME-image.service, a oneshot running `berth pull [OPTIONS] IMAGE`. Containers that say
 * Image=NAME.image use the image's ImageTag= (or Image=) and start after the pull. */
#include "strv.h"
#include "unit-convert.h"

static const KeyFlag image_flags[] = {
        { "Arch", "--arch", KEY_FLAG_STRING, NULL },
        { "OS", "--os", KEY_FLAG_STRING, NULL },
        { "Variant", "--variant", KEY_FLAG_STRING, NULL },
        { "AuthFile", "--authfile", KEY_FLAG_STRING, NULL },
        { "Creds", "--creds", KEY_FLAG_STRING, NULL },
        { "TLSVerify", "--tls-verify", KEY_FLAG_BOOL, NULL },
        { "Retry", "--retry", KEY_FLAG_STRING, NULL },
        { "RetryDelay", "--retry-delay", KEY_FLAG_STRING, NULL },
};

static const char *const image_keys[] = { "Image", "ImageTag", NULL };
/* berth pull has no equivalent of these yet (see berth-pull(1)). */
static const char *const image_unsupported[] = { "AllTags", "CertDir", "DecryptionKey", "Policy", NULL };

int convert_image(ConvertContext *c) {
        _cleanup_strv_free_ char **argv = NULL, **tag_argv = NULL;
        _cleanup_free_ char *image = NULL, *tag = NULL;
        int r;

        r = convert_check_keys(c, image_flags, ELEMENTSOF(image_flags), image_keys, image_unsupported);
        if (r < 0)
                return r;
        image = convert_lookup(c, "Image", NULL);
        if (!image)
                return convert_error(c, NULL, "[Image] has no Image=; it names the image to pull.");

        r = convert_cli_argv(&argv, "pull", NULL);
        if (r >= 0)
                r = convert_key_flags(c, image_flags, ELEMENTSOF(image_flags), &argv);
        if (r >= 0)
                r = strv_extend(&argv, image);
        if (r >= 0)
                r = convert_oneshot_service(c);
        if (r >= 0)
                r = convert_add_exec(c, "ExecStart", argv);
        tag = convert_lookup(c, "ImageTag", NULL);
        if (r < 0 || !tag || streq(tag, image))
                return r;
        /* ImageTag= is the name containers use for the pulled image. */
        r = convert_cli_argv(&tag_argv, "image", "tag", image, tag, NULL);
        return r < 0 ? r : convert_add_exec(c, "ExecStartPost", tag_argv);
}
