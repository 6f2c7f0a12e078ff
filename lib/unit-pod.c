/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* .pod → NAME-pod.service, a oneshot that keeps a pod (shared network, hosts and DNS settings) for
 * the containers that say Pod=NAME.pod: `berth pod create --ignore [OPTIONS] NAME` when it starts,
 * `berth pod rm --ignore NAME` after it stops. Those containers are bound to the pod unit (BindsTo=),
 * and the pod unit pulls them in (Wants=, Before=) unless they say StartWithPod=no. */
#include "fs-util.h"
#include "run-options.h"
#include "strv.h"
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

static const char *const pod_keys[] = { "PodName", "Network", NULL };
static const char *const pod_unsupported[] = {
        "ExitPolicy", "GIDMap", "IP", "IP6", "NetworkAlias", "RemapGid", "RemapUid", "RemapUidSize", "RemapUsers",
        "ShmSize", "StopTimeout", "SubGIDMap", "SubUIDMap", "UIDMap", "UserNS", "Volume", NULL,
};

/* A pod has a network namespace of its own with only lo: `berth pod create` takes none or private, and
 * refuses berth networks (see berth-pod(1)), so the generator says so rather than write a unit that fails. */
static int pod_network(ConvertContext *c, char ***argv) {
        _cleanup_free_ char *v = NULL;
        const UnitEntry *e;

        v = convert_lookup(c, "Network", &e);
        if (!v)
                return 0;
        if (!streq(v, "none") && !streq(v, "private"))
                return convert_error(c, e, "'%s': pods cannot join networks yet; use none or private (the pod's "
                                "containers share a network namespace with only lo).", v);
        return strv_consume(argv, strjoin("--network=", v));
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
