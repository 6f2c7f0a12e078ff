/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>

#include "container-network.h"
#include "fs-util.h"
#include "network-address.h"
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

/* The values of --OPTION as KEY=VALUE options of the primary network, which must be a bridge. */
static int move_to_network(ContainerSpec *spec, const char *option, const char *key, char *const *values,
                char **ret_message) {
        int r = 0;

        if (!values || !values[0])
                return 0;
        if (!container_network_is_bridge(spec))
                return asprintf(ret_message, "--%s cannot take effect with --network=%s: it needs a bridge network.",
                                       option, spec->pod ? "(the pod's)" : container_network_primary(spec) ?: "none") < 0
                               ? -ENOMEM
                               : -EINVAL;
        STRV_FOREACH(v, values)
                if (r >= 0)
                        r = add_option(&spec->network[0], key, *v);
        return r;
}

int container_network_default(ContainerSpec *spec, bool no_default, char **ret_message) {
        const struct {
                const char *option, *key;
                char **value;
        } singles[] = {
                { "ip", "ip", &spec->ip },
                { "ip6", "ip6", &spec->ip6 },
                { "mac-address", "mac", &spec->mac_address },
        };
        int r;

        if (!no_default && !spec->pod && isempty(container_network_primary(spec))) {
                spec->network = strv_free(spec->network);
                if (strv_extend(&spec->network, NETWORK_DEFAULT_NAME) < 0)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < ELEMENTSOF(singles); i++) {
                r = move_to_network(spec, singles[i].option, singles[i].key, (char *[]) { *singles[i].value, NULL },
                                ret_message);
                if (r < 0)
                        return r;
                free(*singles[i].value);
                *singles[i].value = NULL;
        }
        r = move_to_network(spec, "network-alias", "alias", spec->network_aliases, ret_message);
        if (r < 0)
                return r;
        spec->network_aliases = strv_free(spec->network_aliases);
        return 0;
}

const char *container_network_primary(const ContainerSpec *spec) {
        return spec->network ? spec->network[0] : NULL;
}

bool container_network_is_bridge(const ContainerSpec *spec) {
        return !spec->pod && !network_name_is_mode(container_network_primary(spec));
}

int container_network_check(const ContainerSpec *spec, const char **ret_option, char **ret_message) {
        const char *option = NULL;
        char *message = NULL;

        STRV_FOREACH(p, spec->publish) {
                PublishSpec ps;
                if (publish_spec_parse(*p, &ps) < 0) {
                        if (asprintf(&message, "Invalid --publish '%s': expected " PUBLISH_SPEC_SYNTAX ".", *p) < 0)
                                return -ENOMEM;
                        option = "publish";
                        break;
                }
        }
        STRV_FOREACH(n, spec->network)
                if (!message && spec->network[1] && network_name_is_mode(*n)) {
                        if (asprintf(&message,
                                            "--network=%s cannot be combined with other networks: a container joins "
                                            "bridge networks, or one namespace mode.",
                                            *n) < 0)
                                return -ENOMEM;
                        option = "network";
                }
        if (!message && !container_network_is_bridge(spec) && (spec->publish || spec->publish_all)) {
                const char *primary = container_network_primary(spec);
                _cleanup_free_ char *where = NULL;
                option = spec->publish ? "publish" : "publish-all";
                if (spec->pod)
                        where = strdup("in a pod (publish the pod's ports: berth pod create --publish)");
                else if (isempty(primary))
                        where = strdup("without a bridge network"); /* a user's (rootless) container */
                else
                        where = strjoin("with --network=", streq(primary, "private") ? "none" : primary);
                if (!where || asprintf(&message, "--%s cannot take effect %s; ports are published on a bridge network.",
                                              option, where) < 0)
                        return -ENOMEM;
        }
        if (!message)
                return 0;
        *ret_option = option;
        *ret_message = message;
        return -EINVAL;
}
