/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs-util.h"
#include "image-ref.h"
#include "macro.h"

#define REFERENCE_MAX 255

static bool is_lower_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_hex(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

bool image_digest_is_valid(const char *s) {
        const char *hex = s ? startswith(s, "sha256:") : NULL;
        return hex && strlen(hex) == 64 && is_hex(hex, 64);
}

bool image_id_prefix_is_valid(const char *s) {
        size_t n = s ? strlen(s) : 0;
        return n > 0 && n <= 64 && is_hex(s, n);
}

/* One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
static bool path_component_is_valid(const char *s, size_t n) {
        size_t i = 0;

        if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
                return false;
        while (i < n) {
                if (is_lower_alnum(s[i])) {
                        i++;
                        continue;
                }
                /* a separator: ".", "_", "__" or a run of "-", always followed by an alphanumeric */
                if (s[i] == '.' || s[i] == '_') {
                        size_t run = s[i] == '_' && i + 1 < n && s[i + 1] == '_' ? 2 : 1;
                        i += run;
                } else if (s[i] == '-') {
                        while (i < n && s[i] == '-')
                                i++;
                } else
                        return false;
                if (i >= n || !is_lower_alnum(s[i]))
                        return false;
        }
        return true;
}

static bool path_is_valid(const char *p) {
        for (const char *c = p;;) {
                const char *slash = strchr(c, '/');
                size_t n = slash ? (size_t) (slash - c) : strlen(c);
                if (!path_component_is_valid(c, n))
                        return false;
                if (!slash)
                        return true;
                c = slash + 1;
        }
}

static bool tag_is_valid(const char *t) {
        size_t n = strlen(t);

        if (n == 0 || n > 128)
                return false;
        if (!(is_lower_alnum(t[0]) || (t[0] >= 'A' && t[0] <= 'Z') || t[0] == '_'))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!(is_lower_alnum(t[i]) || (t[i] >= 'A' && t[i] <= 'Z') || strchr("._-", t[i])))
                        return false;
        return true;
}

/* host[:port]: dot-separated labels of letters, digits and inner '-'. IPv6 literals are not accepted. */
static bool domain_is_valid(const char *d) {
        const char *colon = strrchr(d, ':');
        size_t n = colon ? (size_t) (colon - d) : strlen(d);

        for (size_t i = 0, label = 0; i <= n; i++) {
                char c = i < n ? d[i] : '.';
                bool alnum = is_lower_alnum(c) || (c >= 'A' && c <= 'Z');

                if (c == '.') {
                        if (label == 0 || d[i - 1] == '-')
                                return false;
                        label = 0;
                } else if (alnum || (c == '-' && label > 0))
                        label++;
                else
                        return false;
        }
        if (colon) {
                if (colon[1] == 0 || strlen(colon + 1) > 5)
                        return false;
                for (const char *p = colon + 1; *p; p++)
                        if (*p < '0' || *p > '9')
                                return false;
        }
        return true;
}

void image_reference_done(ImageReference *r) {
        free(r->domain);
        free(r->path);
        free(r->tag);
        free(r->digest);
        *r = (ImageReference) {};
}

int image_reference_parse(const char *s, const char *default_domain, ImageReference *ret, const char **ret_error) {
        _cleanup_free_ char *copy = NULL;
        ImageReference r = {};
        const char *error = NULL;
        char *at, *name, *slash, *colon;

        if (isempty(s)) {
                error = "empty reference";
                goto fail;
        }
        if (strlen(s) > REFERENCE_MAX) {
                error = "reference longer than 255 characters";
                goto fail;
        }
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;

        at = strchr(copy, '@');
        if (at) {
                *at = 0;
                if (!image_digest_is_valid(at + 1)) {
                        error = "digest is not sha256:<64 lowercase hex digits>";
                        goto fail;
                }
                r.digest = strdup(at + 1);
                if (!r.digest)
                        goto oom;
        }

        name = copy;
        slash = strchr(name, '/');
        if (slash && (memchr(name, '.', slash - name) || memchr(name, ':', slash - name) ||
                                     (slash - name == 9 && strncmp(name, "localhost", 9) == 0))) {
                *slash = 0;
                if (!domain_is_valid(name)) {
                        error = "invalid registry host";
                        goto fail;
                }
                r.domain = strdup(name);
                r.domain_given = true;
                name = slash + 1;
        } else
                r.domain = strdup(default_domain);
        if (!r.domain)
                goto oom;

        /* The tag follows the last ':' after the last '/'. */
        slash = strrchr(name, '/');
        colon = strrchr(slash ? slash : name, ':');
        if (colon) {
                *colon = 0;
                if (!tag_is_valid(colon + 1)) {
                        error = "invalid tag (letters, digits, '_', '.', '-'; at most 128)";
                        goto fail;
                }
                r.tag = strdup(colon + 1);
                if (!r.tag)
                        goto oom;
        } else if (!r.digest) {
                r.tag = strdup("latest");
                if (!r.tag)
                        goto oom;
        }

        if (!path_is_valid(name)) {
                error = "invalid repository name (lowercase letters, digits and separators '.', '_', '__', '-', '/')";
                goto fail;
        }
        if (streq(r.domain, IMAGE_DOMAIN_DOCKER) && !strchr(name, '/'))
                r.path = strjoin("library/", name);
        else
                r.path = strdup(name);
        if (!r.path)
                goto oom;

        *ret = r;
        if (ret_error)
                *ret_error = NULL;
        return 0;

oom:
        image_reference_done(&r);
        return -ENOMEM;
fail:
        image_reference_done(&r);
        if (ret_error)
                *ret_error = error;
        return -EINVAL;
}

char *image_reference_repository(const ImageReference *r) {
        return strjoin(r->domain, "/", r->path);
}

char *image_reference_to_string(const ImageReference *r) {
        return strjoin(r->domain, "/", r->path, r->tag ? ":" : "", r->tag ?: "", r->digest ? "@" : "", r->digest ?: "");
}

int image_reference_normalize(const char *s, const char *default_domain, char **ret, const char **ret_error) {
        ImageReference r;
        char *full;
        int k;

        k = image_reference_parse(s, default_domain, &r, ret_error);
        if (k < 0)
                return k;
        full = image_reference_to_string(&r);
        image_reference_done(&r);
        if (!full)
                return -ENOMEM;
        *ret = full;
        return 0;
}

static int domain_preference(const char *domain) {
        if (streq(domain, IMAGE_DOMAIN_LOCAL))
                return 1;
        if (streq(domain, IMAGE_DOMAIN_DOCKER))
                return 2;
        return 3;
}

int image_reference_match(const char *reference, const char *full_name) {
        ImageReference want, have;
        int preference = 0;

        if (image_reference_parse(reference, IMAGE_DOMAIN_LOCAL, &want, NULL) < 0)
                return 0;
        if (image_reference_parse(full_name, IMAGE_DOMAIN_LOCAL, &have, NULL) < 0) {
                image_reference_done(&want);
                return 0;
        }

        if (!streq_ptr(want.tag, have.tag) || (want.digest && !streq_ptr(want.digest, have.digest)))
                goto finish;

        if (want.domain_given) {
                if (streq(want.domain, have.domain) && streq(want.path, have.path))
                        preference = 1;
        } else if (streq(want.path, have.path) ||
                        (streq(have.domain, IMAGE_DOMAIN_DOCKER) && startswith(have.path, "library/") &&
                                        streq(have.path + strlen("library/"), want.path)))
                /* A short name may stand for any registry's image of that name. */
                preference = domain_preference(have.domain);
finish:
        image_reference_done(&want);
        image_reference_done(&have);
        return preference;
}
