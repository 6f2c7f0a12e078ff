/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pulls at container start, by the Pull= policy (berth-runtime --pull). The pull itself runs as a
 * child, `berth pull`: the runtime starts every container and must stay small and quick to load,
 * and libcurl with what it links (TLS, Kerberos, LDAP, ...) would cost each start several
 * milliseconds. The child inherits NOTIFY_SOCKET and sends systemd the EXTEND_TIMEOUT_USEC= messages
 * itself (the container units have NotifyAccess=all); its progress lines go to the unit's journal. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>
#include <sys/wait.h>

#include "image-pull.h"
#include "log.h"
#include "paths.h"

extern char **environ;

/* Runs `berth pull --progress=plain --extend-timeout -q REFERENCE`; 0 when it succeeded. */
static int run_pull(const char *reference, char **ret_error) {
        const char *cli = berth_path(BERTH_PATH_CLI_BINARY);
        char *argv[] = { (char *) cli, (char *) "pull", (char *) "--progress=plain", (char *) "--extend-timeout",
                (char *) "--", (char *) reference, NULL };
        posix_spawn_file_actions_t actions;
        int r, status;
        pid_t pid;

        /* Its stdout (the image id) is of no use here; stderr, with the progress, stays. */
        if (posix_spawn_file_actions_init(&actions) != 0)
                return -ENOMEM;
        (void) posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        r = -posix_spawn(&pid, cli, &actions, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        if (r < 0)
                return log_detail_errno(ret_error, r, "Cannot run %s to pull %s: %m", cli, reference);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_detail_errno(ret_error, negative_errno(), "Failed to wait for %s: %m", cli);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        return -EIO; /* the child said why */
}

int image_store_ensure(ImageStore *store, const char *reference, const char *policy, Image **ret, char **ret_error) {
        _cleanup_free_ char *pull_error = NULL;
        int r;

        if (!image_pull_policy_is_valid(policy))
                return log_detail_errno(ret_error, -EINVAL,
                                "Invalid pull policy '%s': use missing, always, never or newer.", policy);
        policy = policy ?: "missing";

        if (streq(policy, "missing") || streq(policy, "never")) {
                r = image_store_lookup(store, reference, ret);
                if (r != -ENOENT)
                        return r < 0 ? log_detail_errno(ret_error, r, "Failed to look up image '%s': %m", reference) : r;
                if (streq(policy, "never"))
                        return log_detail_errno(ret_error, r,
                                        "Image '%s' is not in the store (%s) and the pull policy is "
                                        "'never': pull or import it first.",
                                        reference, image_store_root(store));
        }

        log_info("Pulling image %s (pull policy %s).", reference, policy);
        r = run_pull(reference, &pull_error);
        if (r < 0 && streq(policy, "newer") && image_store_lookup(store, reference, ret) >= 0) {
                log_warning("Could not check %s for a newer image; using the stored one.", reference);
                return 0;
        }
        /* what the policy meant, with why the pull did not happen (the child's own reason is in the log) */
        if (r < 0 && streq(policy, "missing"))
                return log_detail_errno(ret_error, r,
                                "Image '%s' is not in the store (%s) and could not be pulled%s%s%s: import it "
                                "with 'berth image import' or make its registry reachable.",
                                reference, image_store_root(store), pull_error ? " (" : "",
                                pull_error ? pull_error : "", pull_error ? ")" : "");
        if (r < 0) {
                error_pass(ret_error, &pull_error);
                return log_detail_errno(ret_error, r, "Failed to pull image '%s' (pull policy %s).", reference, policy);
        }
        r = image_store_lookup(store, reference, ret);
        if (r == -ENOENT)
                return log_detail_errno(ret_error, r, "Image '%s' was pulled but is not found under that name in %s.",
                                reference, image_store_root(store));
        return r < 0 ? log_detail_errno(ret_error, r, "Failed to look up image '%s': %m", reference) : 0;
}
