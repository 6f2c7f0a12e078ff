/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "container-network.h"
#include "fs-util.h"
#include "network-store.h"
#include "publish-spec.h"
#include "strv.h"

int container_network_default(ContainerSpec *spec, bool rootless) {
        if (rootless || spec->pod || !isempty(spec->network))
                return 0;
        free(spec->network);
        spec->network = strdup(NETWORK_DEFAULT_NAME);
        return spec->network ? 0 : -ENOMEM;
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
