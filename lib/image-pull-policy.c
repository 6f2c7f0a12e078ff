/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pulls at container start, by the Pull= policy (berth-runtime --pull). */
#include <errno.h>

#include "image-pull.h"
#include "log.h"

bool image_pull_policy_is_valid(const char *policy) {
        return !policy || streq(policy, "missing") || streq(policy, "always") || streq(policy, "never") ||
               streq(policy, "newer");
}

int image_store_ensure(ImageStore *store, const char *reference, const char *policy, Image **ret) {
        _cleanup_(image_freep) Image *pulled = NULL;
        const ImagePullOptions o = {
                .progress = PULL_PROGRESS_PLAIN,
                .extend_timeout = true,
        };
        int r;

        if (!image_pull_policy_is_valid(policy))
                return log_error_errno(-EINVAL, "Invalid pull policy '%s': use missing, always, never or newer.", policy);
        policy = policy ?: "missing";

        if (streq(policy, "missing") || streq(policy, "never")) {
                r = image_store_lookup(store, reference, ret);
                if (r != -ENOENT)
                        return r < 0 ? log_error_errno(r, "Failed to look up image '%s': %m", reference) : r;
                if (streq(policy, "never"))
                        return log_error_errno(r, "Image '%s' is not in the store (%s) and the pull policy is "
                                        "'never': pull or import it first.", reference, image_store_root(store));
        }

        log_info("Pulling image %s (pull policy %s).", reference, policy);
        r = image_store_pull(store, reference, &o, &pulled);
        if (r < 0 && streq(policy, "newer") && image_store_lookup(store, reference, ret) >= 0) {
                log_warning("Could not check %s for a newer image; using the stored one.", reference);
                return 0;
        }
        if (r < 0 && streq(policy, "missing"))
                return log_error_errno(r, "Image '%s' is not in the store (%s) and could not be pulled: import it "
                                "with 'berth image import' or make its registry reachable.", reference,
                                image_store_root(store));
        if (r < 0)
                return log_error_errno(r, "Failed to pull image '%s' (pull policy %s).", reference, policy);
        /* The container runs what the name means now, as a lookup after an import would. */
        r = image_store_lookup(store, reference, ret);
        if (r == -ENOENT) {
                *ret = TAKE_PTR(pulled);
                return 0;
        }
        return r < 0 ? log_error_errno(r, "Failed to look up image '%s': %m", reference) : 0;
}
