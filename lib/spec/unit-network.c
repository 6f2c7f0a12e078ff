/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* .network → NAME-network.service, a oneshot running `berth network create --ignore [OPTIONS] NAME`. */
#include "run-options.h"
#include "strv.h"
#include "unit-convert.h"

static const KeyFlag network_flags[] = {
        { "Driver", "--driver", KEY_FLAG_STRING, NULL },
        { "IPAMDriver", "--ipam-driver", KEY_FLAG_STRING, NULL },
        { "InterfaceName", "--interface-name", KEY_FLAG_STRING, NULL },
        { "Subnet", "--subnet", KEY_FLAG_LIST, NULL },
        { "Gateway", "--gateway", KEY_FLAG_LIST, NULL },
        { "IPRange", "--ip-range", KEY_FLAG_LIST, NULL },
        { "IPv6", "--ipv6", KEY_FLAG_SWITCH, NULL },
        { "Internal", "--internal", KEY_FLAG_SWITCH, NULL },
        { "DisableDNS", "--disable-dns", KEY_FLAG_SWITCH, NULL },
        { "DNS", "--dns", KEY_FLAG_LIST, NULL },
        { "Options", "--opt", KEY_FLAG_LIST, NULL },
        { "Label", "--label", KEY_FLAG_WORDS, NULL },
};

static const char *const network_keys[] = { "NetworkName", "NetworkDeleteOnStop", NULL };

/* Each Gateway= and IPRange= belongs to the Subnet= in the same position. */
static int check_subnets(ConvertContext *c) {
        _cleanup_free_ const UnitEntry **subnets = NULL, **gateways = NULL, **ranges = NULL;
        int ns, ng, nr;

        ns = unit_file_lookup_list(c->in, "Network", "Subnet", &subnets);
        ng = unit_file_lookup_list(c->in, "Network", "Gateway", &gateways);
        nr = unit_file_lookup_list(c->in, "Network", "IPRange", &ranges);
        if (ns < 0 || ng < 0 || nr < 0)
                return -ENOMEM;
        if (ng > ns)
                return convert_error(c, gateways[ns],
                                "More Gateway= than Subnet= assignments; each gateway "
                                "belongs to the subnet in the same position.");
        if (nr > ns)
                return convert_error(c, ranges[ns],
                                "More IPRange= than Subnet= assignments; each range "
                                "belongs to the subnet in the same position.");
        return 0;
}

int convert_network(ConvertContext *c) {
        _cleanup_strv_free_ char **argv = NULL, **rm = NULL;
        _cleanup_free_ char *del = NULL, *driver = NULL;
        const UnitEntry *de, *dr;
        int r;

        r = convert_check_keys(c, network_flags, ELEMENTSOF(network_flags), network_keys, NULL);
        if (r >= 0)
                r = check_subnets(c);
        if (r < 0)
                return r;
        driver = convert_lookup(c, "Driver", &dr);
        if (driver && !streq(driver, "bridge"))
                return convert_error(c, dr, "'%s' is not supported: berth networks are bridges.", driver);
        del = convert_lookup(c, "NetworkDeleteOnStop", &de);
        if (del && parse_boolean(del) < 0)
                return convert_error(c, de, "'%s' is not a boolean (yes or no).", del);

        r = convert_cli_argv(&argv, "network", "create", "--ignore", NULL);
        if (r >= 0)
                r = convert_key_flags(c, network_flags, ELEMENTSOF(network_flags), &argv);
        if (r >= 0)
                r = strv_extend(&argv, c->def->resource_name);
        if (r >= 0)
                r = convert_oneshot_service(c);
        if (r >= 0)
                r = convert_add_exec(c, "ExecStart", argv);
        if (r < 0 || !del || parse_boolean(del) == 0)
                return r;
        /* Removed when the unit stops, so changed options apply on the next start. */
        r = convert_cli_argv(&rm, "network", "rm", "--ignore", c->def->resource_name, NULL);
        return r < 0 ? r : convert_add_exec(c, "ExecStopPost", rm);
}
