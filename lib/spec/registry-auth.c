/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"
#include "registry-auth.h"
#include "strv.h"

/* A key as written by `docker login` may be a URL: "https://index.docker.io/v1/" is "index.docker.io". */
static char *normalize_key(const char *key) {
        const char *k = startswith(key, "https://") ?: startswith(key, "http://") ?: key;
        size_t n = strlen(k);

        while (n > 0 && k[n - 1] == '/')
                n--;
        if (n >= 3 && strncmp(k + n - 3, "/v1", 3) == 0 && !memchr(k, '/', n - 3))
                n -= 3;
        return strndup(k, n);
}

static bool is_docker_hub(const char *host) {
        return streq(host, "docker.io") || streq(host, "index.docker.io") || streq(host, "registry-1.docker.io");
}

/* How well a normalized key names domain/repository: 0 no match, else the matched length + 1. */
static size_t key_match(const char *key, const char *domain, const char *repository) {
        const char *slash = strchr(key, '/');
        _cleanup_free_ char *host = slash ? strndup(key, slash - key) : strdup(key);
        const char *path = slash ? slash + 1 : NULL;
        size_t l;

        if (!host)
                return 0;
        if (!streq(host, domain) && !(is_docker_hub(host) && is_docker_hub(domain)))
                return 0;
        if (!path)
                return 1;
        l = strlen(path);
        if (strncmp(repository, path, l) == 0 && (repository[l] == 0 || repository[l] == '/'))
                return l + 2;
        return 0;
}

static int decode_auth(const char *file, const char *key, const char *b64, char **ret_user, char **ret_pass,
                char **ret_error) {
        size_t n = strlen(b64);
        _cleanup_free_ unsigned char *out = malloc(n / 4 * 3 + 4);
        char *colon;
        int len;

        if (!out)
                return -ENOMEM;
        len = EVP_DecodeBlock(out, (const unsigned char *) b64, (int) n);
        if (len < 0 || n % 4 != 0)
                return log_detail_errno(ret_error, -EINVAL, "%s: \"auths\" entry \"%s\": \"auth\" is not base64.", file,
                                key);
        /* EVP_DecodeBlock counts the padding as zero bytes */
        while (n > 0 && b64[--n] == '=')
                len--;
        out[len] = 0;
        colon = strchr((char *) out, ':');
        if (!colon)
                return log_detail_errno(ret_error, -EINVAL,
                                "%s: \"auths\" entry \"%s\": \"auth\" is not user:password.", file, key);
        *ret_user = strndup((char *) out, colon - (char *) out);
        *ret_pass = strdup(colon + 1);
        explicit_bzero(out, (size_t) len);
        if (!*ret_user || !*ret_pass) {
                free(*ret_user);
                free(*ret_pass);
                return -ENOMEM;
        }
        return 1;
}

static int find_in_file(const char *file, const char *domain, const char *repository, char **ret_user, char **ret_pass,
                char **ret_error) {
        json_error_t err;
        json_t *root, *auths, *entry, *best = NULL;
        const char *key, *best_key = NULL;
        size_t best_score = 0;
        int r = 0;

        if (access(file, F_OK) < 0)
                return 0;
        root = json_load_file(file, 0, &err);
        if (!root)
                return log_warning_errno(0, "%s:%d: %s; ignoring the file.", file, err.line, err.text);
        auths = json_object_get(root, "auths");
        json_object_foreach(auths, key, entry) {
                _cleanup_free_ char *k = normalize_key(key);
                size_t score = k ? key_match(k, domain, repository) : 0;
                if (score > best_score && json_is_string(json_object_get(entry, "auth"))) {
                        best = entry;
                        best_key = key;
                        best_score = score;
                }
        }
        if (best)
                r = decode_auth(file, best_key, json_string_value(json_object_get(best, "auth")), ret_user, ret_pass,
                                ret_error);
        json_decref(root);
        return r;
}

int registry_auth_find(const char *domain, const char *repository, char **ret_username, char **ret_password,
                char **ret_error) {
        _cleanup_strv_free_ char **files = NULL;
        const char *e, *home = getenv("HOME");
        char *p;

        if ((e = getenv("REGISTRY_AUTH_FILE")) && *e && strv_extend(&files, e) < 0)
                return -ENOMEM;
        if ((e = getenv("XDG_RUNTIME_DIR")) && *e && strv_consume(&files, strjoin(e, "/containers/auth.json")) < 0)
                return -ENOMEM;
        if (asprintf(&p, "/run/containers/%u/auth.json", (unsigned) getuid()) < 0 || strv_consume(&files, p) < 0)
                return -ENOMEM;
        if ((e = getenv("XDG_CONFIG_HOME")) && *e) {
                if (strv_consume(&files, strjoin(e, "/containers/auth.json")) < 0)
                        return -ENOMEM;
        } else if (home && strv_consume(&files, strjoin(home, "/.config/containers/auth.json")) < 0)
                return -ENOMEM;
        if (home && strv_consume(&files, strjoin(home, "/.docker/config.json")) < 0)
                return -ENOMEM;

        STRV_FOREACH(f, files) {
                int r = find_in_file(*f, domain, repository, ret_username, ret_password, ret_error);
                if (r != 0) {
                        if (r > 0)
                                log_debug("Using credentials for %s/%s from %s.", domain, repository, *f);
                        return r;
                }
        }
        return 0;
}
