/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Golden cases for image reference parsing and normalization (docker's and Podman's rules). */
#include <errno.h>

#include "image-config.h"
#include "image-digest.h"
#include "image-ref.h"
#include "tap.h"

#define DIGEST "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void check_normalize(const char *in, const char *domain, const char *want) {
        _cleanup_free_ char *out = NULL;
        const char *why = NULL;
        int r = image_reference_normalize(in, domain, &out, &why);

        if (want)
                CHECK_STREQ(r == 0 ? out : why, want);
        else {
                printf("# %s -> %s\n", in, r < 0 ? why : out);
                CHECK(r == -EINVAL);
        }
}

static void test_normalize(void) {
        /* import names: short names go to localhost, as in Podman */
        check_normalize("busybox", IMAGE_DOMAIN_LOCAL, "localhost/busybox:latest");
        check_normalize("busybox:1.36", IMAGE_DOMAIN_LOCAL, "localhost/busybox:1.36");
        check_normalize("localhost/busybox", IMAGE_DOMAIN_LOCAL, "localhost/busybox:latest");
        check_normalize("my/app", IMAGE_DOMAIN_LOCAL, "localhost/my/app:latest");
        check_normalize("docker.io/library/alpine", IMAGE_DOMAIN_LOCAL, "docker.io/library/alpine:latest");
        check_normalize("docker.io/alpine:3", IMAGE_DOMAIN_LOCAL, "docker.io/library/alpine:3");
        check_normalize("127.0.0.1:5000/probe/busybox", IMAGE_DOMAIN_LOCAL, "127.0.0.1:5000/probe/busybox:latest");
        check_normalize("localhost:5000/a:b", IMAGE_DOMAIN_LOCAL, "localhost:5000/a:b");
        check_normalize("quay.io/podman/hello@" DIGEST, IMAGE_DOMAIN_LOCAL, "quay.io/podman/hello@" DIGEST);
        check_normalize("quay.io/podman/hello:v1@" DIGEST, IMAGE_DOMAIN_LOCAL, "quay.io/podman/hello:v1@" DIGEST);
        check_normalize("a.b-c__d---e", IMAGE_DOMAIN_LOCAL, "localhost/a.b-c__d---e:latest");
        check_normalize("x:V1_2.3-rc", IMAGE_DOMAIN_LOCAL, "localhost/x:V1_2.3-rc");
        /* pull names: short names go to docker.io/library */
        check_normalize("busybox", IMAGE_DOMAIN_DOCKER, "docker.io/library/busybox:latest");
        check_normalize("me/app:2", IMAGE_DOMAIN_DOCKER, "docker.io/me/app:2");

        /* malformed */
        check_normalize("", IMAGE_DOMAIN_LOCAL, NULL);
        check_normalize("BusyBox", IMAGE_DOMAIN_LOCAL, NULL);
        check_normalize("busybox:", IMAGE_DOMAIN_LOCAL, NULL);
        check_normalize("busybox:-x", IMAGE_DOMAIN_LOCAL, NULL);
        check_normalize("a//b", IMAGE_DOMAIN_LOCAL, NULL);
        check_normalize("a/", IMAGE_DOMAIN_LOCAL, NULL);
        check_normalize("-a", IMAGE_DOMAIN_LOCAL, NULL);
        check_normalize("a..b", IMAGE_DOMAIN_LOCAL, NULL);
        check_normalize("a___b", IMAGE_DOMAIN_LOCAL, NULL);
        check_normalize("../x", IMAGE_DOMAIN_LOCAL, NULL);
        check_normalize("x@sha256:abc", IMAGE_DOMAIN_LOCAL, NULL);
        check_normalize("x@md5:0123456789abcdef0123456789abcdef", IMAGE_DOMAIN_LOCAL, NULL);
        check_normalize("host:99999999/x", IMAGE_DOMAIN_LOCAL, NULL);
        check_normalize("a b", IMAGE_DOMAIN_LOCAL, NULL);
}

static void test_parse_parts(void) {
        ImageReference r;

        CHECK(image_reference_parse("127.0.0.1:5000/probe/busybox:1", IMAGE_DOMAIN_DOCKER, &r, NULL) == 0);
        CHECK_STREQ(r.domain, "127.0.0.1:5000");
        CHECK_STREQ(r.path, "probe/busybox");
        CHECK_STREQ(r.tag, "1");
        CHECK(r.digest == NULL && r.domain_given);
        image_reference_done(&r);

        CHECK(image_reference_parse("alpine@" DIGEST, IMAGE_DOMAIN_DOCKER, &r, NULL) == 0);
        CHECK_STREQ(r.path, "library/alpine");
        CHECK(r.tag == NULL && !r.domain_given);
        CHECK_STREQ(r.digest, DIGEST);
        image_reference_done(&r);
}

static void test_match(void) {
        /* short names find localhost first, then docker.io's library, then any registry */
        CHECK(image_reference_match("busybox", "localhost/busybox:latest") == 1);
        CHECK(image_reference_match("busybox", "docker.io/library/busybox:latest") == 2);
        CHECK(image_reference_match("probe/busybox", "127.0.0.1:5000/probe/busybox:latest") == 3);
        CHECK(image_reference_match("busybox:latest", "localhost/busybox:latest") == 1);
        CHECK(image_reference_match("busybox:1", "localhost/busybox:latest") == 0);
        CHECK(image_reference_match("busybox", "localhost/busybox:1") == 0);
        CHECK(image_reference_match("localhost/busybox", "localhost/busybox:latest") == 1);
        CHECK(image_reference_match("localhost/busybox", "docker.io/library/busybox:latest") == 0);
        CHECK(image_reference_match("docker.io/busybox", "docker.io/library/busybox:latest") == 1);
        CHECK(image_reference_match("busy", "localhost/busybox:latest") == 0);
        CHECK(image_reference_match("Busybox", "localhost/busybox:latest") == 0);
}

static void test_helpers(void) {
        char d[SHA256_DIGEST_STRING_MAX];

        CHECK(image_digest_is_valid(DIGEST));
        CHECK(!image_digest_is_valid("sha256:0123"));
        CHECK(!image_digest_is_valid("sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
        CHECK(image_id_prefix_is_valid("abc123"));
        CHECK(!image_id_prefix_is_valid("xyz"));
        CHECK(sha256_digest("", 0, d) == 0);
        CHECK_STREQ(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

int main(void) {
        test_normalize();
        test_parse_parts();
        test_match();
        test_helpers();
        return tap_done();
}
