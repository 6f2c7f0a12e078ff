/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* .pod → NAME-pod.service, a oneshot that keeps a pod (shared network, hosts and DNS settings) for
 * the containers that say Pod=NAME.pod: `berth pod create --ignore [OPTIONS] NAME` when it starts,
 * `berth pod rm --ignore NAME` after it stops. Those containers are bound to the pod unit (BindsTo=),
 * and the pod unit pulls them in (Wants=, Before=) unless they say StartWithPod=no. With
 * Network=x.network the pod unit requires the network's unit and holds an address on it. */
#include "fs-util.h"
#include "run-options.h"
#include "strv.h"
#include "unit-container-extra.h"
#include "unit-convert.h"

static const KeyFlag pod_flags[] = {
        { "HostName", "--hostname", KEY_FLAG_STRING, NULL },
        { "PublishPort", "--publish", KEY_FLAG_LIST, NULL },
        { "DNS", "--dns", KEY_FLAG_LIST, NULL },
        { "DNSSearch", "--dns-search", KEY_FLAG_LIST, NULL },
        { "DNSOption", "--dns-option", KEY_FLAG_LIST, NULL },
        { "AddHost", "--add-host", KEY_FLAG_LIST, NULL },
        { "Label", "--label", KEY_FLAG_WORDS, NULL },
};

static const char *const pod_keys[] = { "PodName", "Network", "IP", "IP6", "NetworkAlias", NULL };
static const char *const pod_unsupported[] = {
        "ExitPolicy",
        "GIDMap",
        "RemapGid",
        "RemapUid",
        "RemapUidSize",
        "RemapUsers",
        "ShmSize",
        "StopTimeout",
        "SubGIDMap",
        "SubUIDMap",
        "UIDMap",
        "UserNS",
        "Volume",
        NULL,
};

/* Network=: none or private (a namespace with only lo), or a berth network, by name or as x.network
 * (whose unit creates it first), with podman's :OPTIONS. The pod holds the address on it. */
static int pod_network(ConvertContext *c, char ***argv) {
        _cleanup_free_ char *v = NULL, *base = NULL, *svc = NULL, *res = NULL, *net = NULL;
        const UnitEntry *e;
        const char *opts;
        int r;

        v = convert_lookup(c, "Network", &e);
        if (isempty(v) || streq(v, "none") || streq(v, "private")) {
                /* As `berth pod create` says: there is no address to forward ports to. */
                const UnitEntry *p = unit_file_lookup_last(c->def->file, "Pod", "PublishPort");
                if (p)
                        return convert_error(c, p,
                                        "Needs Network= naming a berth network (x.network or a network "
                                        "name): a pod with a private network has only lo, nothing to forward to.");
                /* IP=, IP6=, NetworkAlias= without a network are refused there. */
                r = convert_network_options(c, "Pod", &v);
                if (r < 0)
                        return r;
                return v ? strv_consume(argv, strjoin("--network=", v)) : 0;
        }
        if (streq(v, "host") || startswith(v, "container:") || startswith(v, "ns:") || endswith(v, ".container"))
                return convert_error(c, e,
                                "'%s': a pod has a network namespace of its own; use none, private, or a "
                                "berth network (x.network or a network name).",
                                v);
        base = strndup(v, strcspn(v, ":"));
        if (!base)
                return -ENOMEM;
        opts = v + strlen(base);
        if (endswith(base, ".network")) {
                r = convert_resolve(c, e, base, "network", NULL, &svc, &res);
                if (r >= 0)
                        r = convert_add_dependency(c, "Requires", svc);
                if (r < 0)
                        return r;
                net = strjoin(res, opts);
        } else
                net = strdup(v);
        if (!net)
                return -ENOMEM;
        r = convert_network_options(c, "Pod", &net);
        if (r < 0)
                return r;
        return strv_consume(argv, strjoin("--network=", net));
}

/* The containers that join this pod and start with it. */
static int pod_members(ConvertContext *c) {
        for (size_t i = 0; i < c->set->n_defs; i++) {
                const Definition *d = &c->set->defs[i];
                const UnitEntry *pod, *start;
                int r;

                if (!d->file || d->error || !streq(d->type->extension, "container") || strstr(d->name, "@."))
                        continue;
                pod = unit_file_lookup_last(d->file, "Container", "Pod");
                if (!pod || !streq(pod->value, c->def->name))
                        continue;
                start = unit_file_lookup_last(d->file, "Container", "StartWithPod");
                if (start && parse_boolean(start->value) == 0)
                        continue;
                r = unit_file_append(c->out, "Unit", "Wants", d->service_name);
                if (r >= 0)
                        r = unit_file_append(c->out, "Unit", "Before", d->service_name);
                if (r < 0)
                        return r;
        }
        return 0;
}

int convert_pod(ConvertContext *c) {
        _cleanup_strv_free_ char **argv = NULL, **rm = NULL;
        int r;

        r = convert_check_keys(c, pod_flags, ELEMENTSOF(pod_flags), pod_keys, pod_unsupported);
        if (r < 0)
                return r;
        r = convert_cli_argv(&argv, "pod", "create", "--ignore", NULL);
        if (r >= 0)
                r = pod_network(c, &argv);
        if (r >= 0)
                r = convert_key_flags(c, pod_flags, ELEMENTSOF(pod_flags), &argv);
        if (r >= 0)
                r = strv_extend(&argv, c->def->resource_name);
        if (r >= 0)
                r = pod_members(c);
        if (r >= 0)
                r = convert_oneshot_service(c);
        if (r >= 0)
                r = convert_add_exec(c, "ExecStart", argv);
        if (r >= 0)
                r = convert_cli_argv(&rm, "pod", "rm", "--ignore", c->def->resource_name, NULL);
        return r < 0 ? r : convert_add_exec(c, "ExecStopPost", rm);
}
