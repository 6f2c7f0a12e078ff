/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The compose schema's key tables (compose-schema.h): which keys a service and the top-level resources have,
 * and what each holds. */
#include <errno.h>
#include <string.h>

#include "compose-schema.h"

/* ports: "[[IP:]HOST:]CONTAINER[/PROTO]" with ranges, or the long form. */
const SchemaField compose_port_fields[] = {
        KEY("target", F_INT),
        KEY("published", F_STRING),
        KEY("host_ip", F_STRING),
        KEY("protocol", F_STRING),
        KEY("app_protocol", F_STRING),
        KEY("mode", F_STRING),
        KEY("name", F_STRING),
        {},
};

/* volumes: "SOURCE:TARGET[:OPTS]", "TARGET", or the long form. */
static const SchemaField volume_bind_fields[] = {
        KEY("propagation", F_STRING),
        KEY("create_host_path", F_BOOL),
        KEY("selinux", F_STRING),
        {},
};

static const SchemaField volume_volume_fields[] = { KEY("nocopy", F_BOOL), KEY("subpath", F_UNSUPPORTED), {} };

static const SchemaField volume_tmpfs_fields[] = { KEY("size", F_BYTES), KEY("mode", F_INT), {} };

const SchemaField compose_volume_fields[] = {
        KEY("type", F_STRING),
        KEY("source", F_STRING),
        KEY("target", F_STRING),
        KEY("read_only", F_BOOL),
        KEY_OBJECT("bind", volume_bind_fields, NULL),
        KEY_OBJECT("volume", volume_volume_fields, NULL),
        KEY_OBJECT("tmpfs", volume_tmpfs_fields, NULL),
        KEY("consistency", F_STRING),
        KEY("image", F_UNSUPPORTED),
        {},
};

/* depends_on: a list of names, or name → {condition, required, restart}. */
const SchemaField compose_depends_fields[] = { KEY("condition", F_STRING), KEY("required", F_BOOL),
        KEY("restart", F_BOOL), {} };

static const SchemaField healthcheck_fields[] = {
        KEY("test", F_ANY),
        KEY("interval", F_DURATION),
        KEY("timeout", F_DURATION),
        KEY("retries", F_INT),
        KEY("start_period", F_DURATION),
        KEY("start_interval", F_DURATION),
        KEY("disable", F_BOOL),
        {},
};

static const SchemaField limits_fields[] = { KEY("cpus", F_NUMBER), KEY("memory", F_BYTES), KEY("pids", F_INT), {} };

static const SchemaField reservations_fields[] = {
        KEY("cpus", F_NUMBER),
        KEY("memory", F_BYTES),
        KEY("devices", F_UNSUPPORTED),
        KEY("generic_resources", F_UNSUPPORTED),
        {},
};

static const SchemaField resources_fields[] = {
        KEY_OBJECT("limits", limits_fields, NULL),
        KEY_OBJECT("reservations", reservations_fields, NULL),
        {},
};

static const SchemaField restart_policy_fields[] = {
        KEY("condition", F_STRING),
        KEY("delay", F_DURATION),
        KEY("max_attempts", F_INT),
        KEY("window", F_DURATION),
        {},
};

static const SchemaField deploy_fields[] = {
        KEY_OBJECT("resources", resources_fields, NULL),
        KEY_OBJECT("restart_policy", restart_policy_fields, compose_norm_restart_policy),
        KEY("replicas", F_INT),
        KEY("mode", F_STRING),
        KEY("labels", F_DICT),
        KEY("placement", F_ANY),
        KEY("update_config", F_ANY),
        KEY("rollback_config", F_ANY),
        KEY("endpoint_mode", F_ANY),
        {},
};

static const SchemaField logging_fields[] = { KEY("driver", F_STRING), KEY("options", F_DICT), {} };

static const SchemaField service_fields[] = {
        KEY("image", F_STRING),
        KEY_CUSTOM("build", compose_norm_build),
        KEY("command", F_COMMAND),
        KEY("entrypoint", F_COMMAND),
        KEY_CUSTOM("environment", compose_norm_environment),
        KEY_CUSTOM("env_file", compose_norm_env_file),
        KEY_CUSTOM("ports", compose_norm_ports),
        KEY("expose", F_LIST),
        KEY_CUSTOM("volumes", compose_norm_volumes),
        KEY_CUSTOM("networks", compose_norm_networks),
        KEY("network_mode", F_STRING),
        KEY_CUSTOM("depends_on", compose_norm_depends_on),
        KEY_OBJECT("healthcheck", healthcheck_fields, compose_norm_healthcheck),
        KEY_CUSTOM("restart", compose_norm_restart),
        KEY_OBJECT("deploy", deploy_fields, NULL),
        KEY("user", F_STRING),
        KEY("working_dir", F_STRING),
        KEY("labels", F_DICT),
        KEY("annotations", F_DICT),
        KEY("cap_add", F_LIST),
        KEY("cap_drop", F_LIST),
        KEY("privileged", F_BOOL),
        KEY("read_only", F_BOOL),
        KEY("tmpfs", F_STRLIST),
        KEY_CUSTOM("ulimits", compose_norm_ulimits),
        KEY("init", F_BOOL),
        KEY("stop_signal", F_STRING),
        KEY("stop_grace_period", F_DURATION),
        KEY("container_name", F_STRING),
        KEY("hostname", F_STRING),
        KEY_CUSTOM("extra_hosts", compose_norm_extra_hosts),
        KEY("dns", F_STRLIST),
        KEY("dns_search", F_STRLIST),
        KEY("dns_opt", F_LIST),
        KEY_CUSTOM("secrets", compose_norm_file_refs),
        KEY_CUSTOM("configs", compose_norm_file_refs),
        KEY("profiles", F_LIST),
        KEY("extends", F_ANY), /* resolved before normalisation */
        KEY("pull_policy", F_STRING),
        KEY("mem_limit", F_BYTES),
        KEY("memswap_limit", F_UNSUPPORTED),
        KEY("mem_reservation", F_BYTES),
        KEY("cpus", F_NUMBER),
        KEY("cpu_shares", F_INT),
        KEY("pids_limit", F_INT),
        KEY("sysctls", F_DICT),
        KEY("devices", F_LIST),
        KEY("group_add", F_LIST),
        KEY("security_opt", F_LIST),
        KEY("shm_size", F_UNSUPPORTED),
        KEY("stdin_open", F_BOOL),
        KEY("tty", F_BOOL),
        KEY("userns_mode", F_STRING),
        KEY("pid", F_STRING),
        KEY("ipc", F_STRING),
        KEY("uts", F_STRING),
        KEY_OBJECT("logging", logging_fields, compose_norm_logging),
        KEY("platform", F_STRING),
        KEY("scale", F_INT),
        KEY("domainname", F_UNSUPPORTED),
        KEY("attach", F_BOOL),
        KEY("links", F_UNSUPPORTED),
        KEY("external_links", F_UNSUPPORTED),
        KEY("volumes_from", F_UNSUPPORTED),
        KEY("mac_address", F_UNSUPPORTED),
        KEY("gpus", F_UNSUPPORTED),
        KEY("blkio_config", F_UNSUPPORTED),
        KEY("cgroup", F_UNSUPPORTED),
        KEY("cgroup_parent", F_UNSUPPORTED),
        KEY("develop", F_ANY),
        KEY("post_start", F_UNSUPPORTED),
        KEY("pre_stop", F_UNSUPPORTED),
        KEY("runtime", F_UNSUPPORTED),
        KEY("oom_score_adj", F_UNSUPPORTED),
        KEY("oom_kill_disable", F_UNSUPPORTED),
        KEY("storage_opt", F_UNSUPPORTED),
        KEY("device_cgroup_rules", F_UNSUPPORTED),
        {},
};

const SchemaField compose_service_network_fields[] = {
        KEY("aliases", F_LIST),
        KEY("ipv4_address", F_STRING),
        KEY("ipv6_address", F_STRING),
        KEY("interface_name", F_STRING),
        KEY("priority", F_INT),
        KEY("gw_priority", F_INT),
        KEY("mac_address", F_UNSUPPORTED),
        KEY("link_local_ips", F_UNSUPPORTED),
        KEY("driver_opts", F_DICT),
        {},
};

const SchemaField compose_build_fields[] = {
        KEY("context", F_STRING),
        KEY("dockerfile", F_STRING),
        KEY("dockerfile_inline", F_STRING),
        KEY("args", F_DICT),
        KEY("target", F_STRING),
        KEY("labels", F_DICT),
        KEY("tags", F_LIST),
        KEY("no_cache", F_BOOL),
        KEY("pull", F_BOOL),
        KEY("network", F_STRING),
        KEY("cache_from", F_LIST),
        KEY("cache_to", F_LIST),
        KEY("extra_hosts", F_ANY),
        KEY("shm_size", F_UNSUPPORTED),
        KEY("platforms", F_LIST),
        KEY("secrets", F_UNSUPPORTED),
        KEY("ssh", F_UNSUPPORTED),
        KEY("additional_contexts", F_UNSUPPORTED),
        KEY("isolation", F_UNSUPPORTED),
        KEY("privileged", F_UNSUPPORTED),
        KEY("ulimits", F_UNSUPPORTED),
        {},
};

const SchemaField compose_env_file_fields[] = { KEY("path", F_STRING), KEY("required", F_BOOL), KEY("format", F_STRING),
        {} };

const SchemaField compose_ipam_config_fields[] = {
        KEY("subnet", F_STRING),
        KEY("ip_range", F_STRING),
        KEY("gateway", F_STRING),
        KEY("aux_addresses", F_DICT),
        {},
};

static const SchemaField ipam_fields[] = {
        KEY("driver", F_STRING),
        KEY_CUSTOM("config", compose_norm_ipam_config),
        KEY("options", F_DICT),
        {},
};

static const SchemaField network_fields[] = {
        KEY("name", F_STRING),
        KEY("driver", F_STRING),
        KEY("driver_opts", F_DICT),
        KEY("external", F_BOOL),
        KEY("internal", F_BOOL),
        KEY("enable_ipv6", F_BOOL),
        KEY("enable_ipv4", F_BOOL),
        KEY("attachable", F_BOOL),
        KEY("labels", F_DICT),
        KEY_OBJECT("ipam", ipam_fields, NULL),
        {},
};

static const SchemaField volume_top_fields[] = {
        KEY("name", F_STRING),
        KEY("driver", F_STRING),
        KEY("driver_opts", F_DICT),
        KEY("external", F_BOOL),
        KEY("labels", F_DICT),
        {},
};

static const SchemaField secret_top_fields[] = {
        KEY("name", F_STRING),
        KEY("file", F_STRING),
        KEY("environment", F_STRING),
        KEY("content", F_STRING),
        KEY("external", F_BOOL),
        KEY("labels", F_DICT),
        KEY("driver", F_UNSUPPORTED),
        KEY("driver_opts", F_UNSUPPORTED),
        KEY("template_driver", F_UNSUPPORTED),
        {},
};

const SchemaField compose_ulimit_fields[] = { KEY("soft", F_INT), KEY("hard", F_INT), {} };

/* secrets and configs of a service: names, or {source, target, uid, gid, mode}. */
const SchemaField compose_file_ref_fields[] = {
        KEY("source", F_STRING),
        KEY("target", F_STRING),
        KEY("uid", F_STRING),
        KEY("gid", F_STRING),
        KEY("mode", F_INT),
        {},
};

int compose_normalize_service(YNode *svc, const char *path, const char *dir, char *const *env, char **ret_error) {
        SchemaCtx c = { .dir = dir, .env = env, .error = ret_error };

        if (svc->kind == Y_NULL)
                svc->kind = Y_MAP;
        return schema_object(&c, svc, service_fields, path);
}

int compose_normalize_resource(YNode *res, const char *section, const char *path, const char *dir, char **ret_error) {
        SchemaCtx c = { .dir = dir, .error = ret_error };
        const SchemaField *fields = streq(section, "networks")  ? network_fields
                                    : streq(section, "volumes") ? volume_top_fields
                                                                : secret_top_fields;
        YNode *ext, *file;
        int r;

        if (res->kind == Y_NULL)
                res->kind = Y_MAP;
        /* external: {name: x}, the old spelling of external: true and name: x */
        ext = ynode_get(res, "external");
        if (ext && ext->kind == Y_MAP) {
                YNode *name = ynode_get(ext, "name");
                if (name) {
                        YNode *copy = ynode_copy(name);
                        if (!copy || ynode_set(res, "name", copy) < 0)
                                return -ENOMEM;
                }
                ext = ynode_get(res, "external");
                ext->n_items = 0;
                ext->kind = Y_SCALAR;
                if (schema_set_scalar(ext, "true", Y_PLAIN) < 0)
                        return -ENOMEM;
        }
        r = schema_object(&c, res, fields, path);
        if (r < 0)
                return r;
        ext = ynode_get(res, "external");
        if (ext && streq(ext->value, "true"))
                for (size_t i = 0; i < res->n_items; i++)
                        if (!streq(res->items[i]->key, "external") && !streq(res->items[i]->key, "name") &&
                                        !startswith(res->items[i]->key, "x-"))
                                return compose_error(ret_error, res->items[i], path,
                                                "an external %.*s takes only name, "
                                                "not '%s'.",
                                                (int) strlen(section) - 1, section, res->items[i]->key);
        if (streq(section, "secrets") || streq(section, "configs")) {
                file = ynode_get(res, "file");
                if (file)
                        return schema_make_absolute(&c, file);
                if (!ext && !ynode_get(res, "environment") && !ynode_get(res, "content"))
                        return compose_error(ret_error, res, path, "needs file, environment%s or external.",
                                        streq(section, "configs") ? ", content" : "");
        }
        return 0;
}
