/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>

#include "container-network.h"
#include "fs-util.h"
#include "network-store.h"
#include "publish-spec.h"
#include "strv.h"

static int add_option(char **network, const char *key, const char *value) {
        char *n = strjoin(*network, strchr(*network, ':') ? "," : ":", key, "=", value);

        if (!n)
                return -ENOMEM;
        free(*network);
        *network = n;
        return 0;
}

int container_network_default(ContainerSpec *spec, bool no_default, char **ret_message) {
        static const struct {
                const char *option, *key;
                size_t offset;
        } singles[] = {
                { "ip", "ip", offsetof(ContainerSpec, ip) },
                { "ip6", "ip6", offsetof(ContainerSpec, ip6) },
                { "mac-address", "mac", offsetof(ContainerSpec, mac_address) },
        };
        int r;

        if (!no_default && !spec->pod && isempty(spec->network)) {
                free(spec->network);
                spec->network = strdup(NETWORK_DEFAULT_NAME);
                if (!spec->network)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < ELEMENTSOF(singles) + 1; i++) {
                char **single = i < ELEMENTSOF(singles) ? (char **) ((char *) spec + singles[i].offset) : NULL;
                const char *option = single ? singles[i].option : "network-alias";
                if (single ? !*single : !spec->network_aliases)
                        continue;
                if (!container_network_is_bridge(spec))
                        return asprintf(ret_message, "--%s cannot take effect with --network=%s: it needs a bridge "
                                        "network.", option, spec->pod ? "(the pod's)" : spec->network ?: "none") < 0
                                ? -ENOMEM : -EINVAL;
                if (single) {
                        r = add_option(&spec->network, singles[i].key, *single);
                        free(*single);
                        *single = NULL;
                } else {
                        r = 0;
                        STRV_FOREACH(a, spec->network_aliases)
                                if (r >= 0)
                                        r = add_option(&spec->network, "alias", *a);
                        spec->network_aliases = strv_free(spec->network_aliases);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

bool container_network_is_bridge(const ContainerSpec *spec) {
        return !spec->pod && !network_name_is_mode(spec->network);
}

int container_network_check(const ContainerSpec *spec, const char **ret_option, char **ret_message) {
        const char *option = NULL, *where;
        char *message = NULL;

        STRV_FOREACH(p, spec->publish) {
                PublishSpec ps;
                if (publish_spec_parse(*p, &ps) < 0) {
                        if (asprintf(&message, "Invalid --publish '%s': expected " PUBLISH_SPEC_SYNTAX ".",
                                            *p) < 0)
                                return -ENOMEM;
                        option = "publish";
                        break;
                }
        }
        if (!message && !container_network_is_bridge(spec) && (spec->publish || spec->publish_all)) {
                option = spec->publish ? "publish" : "publish-all";
                where = spec->pod ? "in a pod (publish the pod's ports: berth pod create --publish)"
                        : isempty(spec->network) || streq(spec->network, "private") ? "with --network=none"
                                                                                    : NULL;
                if (where ? asprintf(&message,
                                            "--%s cannot take effect %s; ports are published on a bridge "
                                            "network.",
                                            option, where) < 0
                          : asprintf(&message,
                                            "--%s cannot take effect with --network=%s; ports are published "
                                            "on a "
                                            "bridge network.",
                                            option, spec->network) < 0)
                        return -ENOMEM;
        }
        if (!message)
                return 0;
        *ret_option = option;
        *ret_message = message;
        return -EINVAL;
}
