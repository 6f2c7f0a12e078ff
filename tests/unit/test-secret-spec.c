/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* podman's --secret syntax: NAME[,type=mount|env][,target=...][,uid=][,gid=][,mode=]. */
#include <stdlib.h>
#include <string.h>

#include "secret-spec.h"
#include "tap.h"

static bool parses(const char *s, SecretSpec *ret) {
        SecretSpec spec = {};
        bool ok = secret_spec_parse(s, &spec) == 0;

        if (ret)
                *ret = spec;
        else
                secret_spec_done(&spec);
        return ok;
}

int main(void) {
        SecretSpec s = {};

        CHECK(parses("tok", &s));
        CHECK(!s.env && strcmp(s.target, "/run/secrets/tok") == 0);
        CHECK(s.uid == 0 && s.gid == 0 && s.mode == 0444); /* podman's defaults */
        secret_spec_done(&s);

        CHECK(parses("tok,uid=1000,gid=1001,mode=0400,target=/s/t", &s));
        CHECK(s.uid == 1000 && s.gid == 1001 && s.mode == 0400 && strcmp(s.target, "/s/t") == 0);
        secret_spec_done(&s);
        CHECK(parses("tok,mode=640", &s));
        CHECK(s.mode == 0640);
        secret_spec_done(&s);
        CHECK(parses("tok,type=mount,uid=4294967294", NULL));

        CHECK(parses("tok,type=env,target=TOKEN", &s));
        CHECK(s.env && strcmp(s.target, "TOKEN") == 0);
        secret_spec_done(&s);

        /* A variable has no owner or mode. */
        CHECK(!parses("tok,type=env,mode=0400", NULL));
        CHECK(!parses("tok,uid=0,type=env", NULL));
        CHECK(!parses("tok,mode=0999", NULL));
        CHECK(!parses("tok,mode=01777", NULL));
        CHECK(!parses("tok,mode=", NULL));
        CHECK(!parses("tok,uid=-1", NULL));
        CHECK(!parses("tok,uid=4294967295", NULL));
        CHECK(!parses("tok,uid=12a", NULL));
        CHECK(!parses("tok,gid=", NULL));
        CHECK(!parses("tok,owner=1", NULL));
        CHECK(!parses("tok,target=../x", NULL)); /* relative: below /run/secrets, not out of it */
        CHECK(!parses("tok,target=/a/../b", NULL));
        return tap_done();
}
