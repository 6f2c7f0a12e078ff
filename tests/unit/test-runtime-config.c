/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The runtime's pure parts: Docker's Entrypoint/Cmd/Env rules, users from passwd/group text, the
 * capability set, notify filtering, volume and resolv.conf parsing, cgroup files. */
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>

#include "../../runtime/caps.h"
#include "../../runtime/cgroup.h"
#include "../../runtime/config.h"
#include "../../runtime/health.h"
#include "../../runtime/mount.h"
#include "../../runtime/network.h"
#include "../../monitor/supervisor-protocol.h"
#include "../../runtime/notify.h"
#include "../../runtime/process.h"
#include "../../runtime/userns.h"
#include "container-record.h"
#include "run-options.h"
#include "tap.h"

static char *image_entrypoint[] = { "/docker-entrypoint.sh", NULL };
static char *image_cmd[] = { "nginx", "-g", "daemon off;", NULL };
static char *image_env[] = { "PATH=/opt/bin:/usr/bin", "A=image", "B=image", NULL };

static ImageConfig test_image(void) {
        return (ImageConfig) {
                .entrypoint = image_entrypoint,
                .cmd = image_cmd,
                .env = image_env,
                .working_dir = "srv",
                .user = "www",
        };
}

static void resolve(ContainerSpec *spec, char **argv, const ImageConfig *img, ProcessConfig *p) {
        int idx = 0;
        char *host_env[] = { "FROM_HOST=yes", NULL };

        container_spec_init(spec);
        CHECK(run_options_parse_argv(spec, (int) strv_length(argv), argv, &idx) == 0);
        if (argv[idx])
                spec->command = strv_copy(argv + idx);
        CHECK(process_config_resolve(spec, img, host_env, p) == 0);
}

static void test_entrypoint_and_cmd(void) {
        ImageConfig img = test_image();
        ContainerSpec spec;
        ProcessConfig p = {};

        {
                char *argv[] = { "--name=web", NULL };
                resolve(&spec, argv, &img, &p);
                CHECK_STREQ(p.argv[0], "/docker-entrypoint.sh");
                CHECK_STREQ(p.argv[3], "daemon off;");
                CHECK(strv_length(p.argv) == 4);
                CHECK_STREQ(p.workdir, "/srv");
                CHECK_STREQ(p.user, "www");
                CHECK_STREQ(p.hostname, "web");
                process_config_done(&p);
                container_spec_done(&spec);
        }
        {
                /* COMMAND replaces Cmd, keeps Entrypoint. */
                char *argv[] = { "--name=web", "sh", "-c", "true", NULL };
                resolve(&spec, argv, &img, &p);
                CHECK(strv_length(p.argv) == 4);
                CHECK_STREQ(p.argv[0], "/docker-entrypoint.sh");
                CHECK_STREQ(p.argv[1], "sh");
                process_config_done(&p);
                container_spec_done(&spec);
        }
        {
                /* --entrypoint replaces Entrypoint and drops the image's Cmd. */
                char *argv[] = { "--entrypoint=/bin/echo hi", NULL };
                resolve(&spec, argv, &img, &p);
                CHECK(strv_length(p.argv) == 2);
                CHECK_STREQ(p.argv[0], "/bin/echo");
                CHECK_STREQ(p.argv[1], "hi");
                process_config_done(&p);
                container_spec_done(&spec);
        }
        {
                char *argv[] = { "--entrypoint=/bin/echo", "--user=0", "-w", "/tmp", "x", NULL };
                resolve(&spec, argv, &img, &p);
                CHECK(strv_length(p.argv) == 2 && streq(p.argv[1], "x"));
                CHECK_STREQ(p.user, "0");
                CHECK_STREQ(p.workdir, "/tmp");
                process_config_done(&p);
                container_spec_done(&spec);
        }
        {
                /* No image, no command: an error, not an empty argv. */
                char *argv[] = { NULL };
                int idx = 0;
                container_spec_init(&spec);
                CHECK(run_options_parse_argv(&spec, 0, argv, &idx) == 0);
                CHECK(process_config_resolve(&spec, NULL, NULL, &p) == -EINVAL);
                container_spec_done(&spec);
        }
}

static void test_env(void) {
        ImageConfig img = test_image();
        ContainerSpec spec;
        ProcessConfig p = {};
        char *argv[] = { "--name=a_b", "-e", "B=cli", "-e", "FROM_HOST", "-e", "NOT_ON_HOST", NULL };

        resolve(&spec, argv, &img, &p);
        CHECK_STREQ(env_get(p.env, "PATH"), "/opt/bin:/usr/bin");
        CHECK_STREQ(env_get(p.env, "A"), "image");
        CHECK_STREQ(env_get(p.env, "B"), "cli");
        CHECK_STREQ(env_get(p.env, "FROM_HOST"), "yes");
        CHECK(env_get(p.env, "NOT_ON_HOST") == NULL);
        CHECK_STREQ(env_get(p.env, "HOSTNAME"), "a-b");
        CHECK_STREQ(env_get(p.env, "container"), "berth");
        process_config_done(&p);
        container_spec_done(&spec);

        char **env = NULL;
        CHECK(env_set(&env, "X=1") == 0);
        CHECK(env_set(&env, "X=2") == 0);
        CHECK(env_set(&env, "=bad") == -EINVAL);
        CHECK(env_set(&env, "nobad") == -EINVAL);
        CHECK(strv_length(env) == 1 && streq(env[0], "X=2"));
        strv_free(env);
}

static void test_small_parsers(void) {
        uint64_t usec;
        char *h;

        CHECK(signal_from_string("TERM") == SIGTERM);
        CHECK(signal_from_string("SIGKILL") == SIGKILL);
        CHECK(signal_from_string("sigusr1") == SIGUSR1);
        CHECK(signal_from_string("15") == 15);
        CHECK(signal_from_string("15x") == -EINVAL);
        CHECK(signal_from_string("SIGNOPE") == -EINVAL);
        CHECK(signal_from_string("0") == -EINVAL);
        CHECK(parse_duration("10", &usec) == 0 && usec == 10000000ULL);
        CHECK(parse_duration("0", &usec) == 0 && usec == 0);
        CHECK(parse_duration("-1", &usec) == -EINVAL);
        CHECK(parse_duration("1.5", &usec) == -EINVAL);
        CHECK(container_name_is_valid("web-1.a_b"));
        CHECK(!container_name_is_valid("-web"));
        CHECK(!container_name_is_valid("a/b"));
        CHECK(!container_name_is_valid(""));
        {
                char n[CONTAINER_NAME_MAX + 2];
                memset(n, 'a', sizeof n - 1);
                n[CONTAINER_NAME_MAX] = 0;
                CHECK(container_name_is_valid(n));
                n[CONTAINER_NAME_MAX] = 'a';
                n[CONTAINER_NAME_MAX + 1] = 0;
                CHECK(!container_name_is_valid(n));
                /* ASCII only, whatever the locale */
                CHECK(!container_name_is_valid("caf\xc3\xa9"));
        }
        h = hostname_from_name("my_app.x-");
        CHECK_STREQ(h, "my-app-xx");
        free(h);
}

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                             "www:x:33:33:www:/var/www:/bin/false\n"
                             "broken line without fields\n"
                             "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
static const char group[] = "root:x:0:\nwww:x:33:\nstaff:x:50:www,other\naudio:x:29:other\nnogroup:x:65534:\n";

static int resolve_user_from_text(const char *spec, char **group_add, UserIds *u) {
        FILE *p = fmemopen((void *) passwd, sizeof passwd - 1, "r");
        FILE *g = fmemopen((void *) group, sizeof group - 1, "r");
        int r = user_resolve(spec, group_add, p, g, u, NULL);
        fclose(p);
        fclose(g);
        return r;
}

static void test_users(void) {
        UserIds u = {};
        char *add[] = { "audio", "1000", NULL };

        CHECK(resolve_user_from_text(NULL, NULL, &u) == 0);
        CHECK(u.uid == 0 && u.gid == 0 && u.n_groups == 1);
        CHECK_STREQ(u.home, "/root");
        user_ids_done(&u);

        CHECK(resolve_user_from_text("www", add, &u) == 0);
        CHECK(u.uid == 33 && u.gid == 33);
        CHECK(u.n_groups == 4 && u.groups[0] == 33 && u.groups[1] == 50 && u.groups[2] == 29 && u.groups[3] == 1000);
        CHECK_STREQ(u.home, "/var/www");
        user_ids_done(&u);

        CHECK(resolve_user_from_text("www:staff", NULL, &u) == 0);
        CHECK(u.uid == 33 && u.gid == 50);
        user_ids_done(&u);

        CHECK(resolve_user_from_text("1234:5678", NULL, &u) == 0);
        CHECK(u.uid == 1234 && u.gid == 5678);
        CHECK_STREQ(u.home, "/");
        user_ids_done(&u);

        CHECK(resolve_user_from_text("65534", NULL, &u) == 0);
        CHECK(u.uid == 65534 && u.gid == 65534);
        user_ids_done(&u);

        /* Strict numbers: "1 " or "+1" or "-1" are names, and no such user exists. */
        CHECK(resolve_user_from_text("-1", NULL, &u) == -ESRCH);
        CHECK(resolve_user_from_text("+1", NULL, &u) == -ESRCH);
        CHECK(resolve_user_from_text("4294967295", NULL, &u) == -ESRCH);
        CHECK(resolve_user_from_text("nosuch", NULL, &u) == -ESRCH);
        CHECK(resolve_user_from_text("www:nosuch", NULL, &u) == -ESRCH);
        CHECK(resolve_user_from_text(":0", NULL, &u) == -EINVAL);
}

static void test_capabilities(void) {
        ContainerSpec spec;
        uint64_t caps;
        const uint64_t podman = 0x800405fbULL;

        CHECK(capability_from_name("CAP_NET_ADMIN") == CAP_NET_ADMIN);
        CHECK(capability_from_name("net_admin") == CAP_NET_ADMIN);
        CHECK(capability_from_name("CAP_NOPE") == -EINVAL);
        CHECK_STREQ(capability_to_name(CAP_SYS_ADMIN), "CAP_SYS_ADMIN");

        container_spec_init(&spec);
        CHECK(capabilities_from_spec(&spec, &caps) == 0 && caps == podman);
        CHECK(strv_extend(&spec.cap_add, "NET_ADMIN") == 0 && strv_extend(&spec.cap_drop, "chown") == 0);
        CHECK(capabilities_from_spec(&spec, &caps) == 0);
        CHECK(caps == ((podman | CAP_MASK(CAP_NET_ADMIN)) & ~CAP_MASK(CAP_CHOWN)));
        spec.cap_drop = strv_free(spec.cap_drop);
        CHECK(strv_extend(&spec.cap_drop, "all") == 0);
        CHECK(capabilities_from_spec(&spec, &caps) == 0 && caps == CAP_MASK(CAP_NET_ADMIN));
        CHECK(strv_extend(&spec.cap_add, "CAP_BOGUS") == 0);
        CHECK(capabilities_from_spec(&spec, &caps) == -EINVAL);
        spec.privileged = true;
        CHECK(capabilities_from_spec(&spec, &caps) == 0 && (caps & CAP_MASK(CAP_SYS_ADMIN)));
        container_spec_done(&spec);
}

static void test_notify_filter(void) {
        char *f = notify_filter("READY=1\nMAINPID=1\nSTATUS=serving\nFDSTORE=1\nWATCHDOG=1\nNOTIFYACCESS=all\n"
                                "EXTEND_TIMEOUT_USEC=5000000");

        CHECK_STREQ(f, "READY=1\nSTATUS=serving\nWATCHDOG=1\nEXTEND_TIMEOUT_USEC=5000000\n");
        free(f);
        f = notify_filter("MAINPID=4242");
        CHECK_STREQ(f, "");
        free(f);
        /* Empty lines go; a prefix alone is not a line that matches ("READY=10" is not READY=1). */
        f = notify_filter("\n\nREADY=10\nSTATUS=\n\nREADY=1");
        CHECK_STREQ(f, "STATUS=\nREADY=1\n");
        free(f);
        {
                /* What the monitor relays: a datagram with a NUL inside a line drops that line. */
                char buf[32] = "STATUS=a\0b\nREADY=1";
                size_t n = notify_filter_in_place(buf, 18);
                CHECK(n == 8 && memcmp(buf, "READY=1\n", 8) == 0);
        }
}

static void test_volumes(void) {
        VolumeSpec v = {};
        bool tmpfs;
        char *opts = NULL;

        CHECK(volume_spec_parse("/srv/data:/data:ro,z", &v) == 0);
        CHECK_STREQ(v.source, "/srv/data");
        CHECK_STREQ(v.destination, "/data");
        CHECK(v.read_only && !v.named);
        volume_spec_done(&v);
        CHECK(volume_spec_parse("cache:/var/cache", &v) == 0);
        CHECK(v.named && endswith(v.source, "/volumes/cache/_data"));
        volume_spec_done(&v);
        CHECK(volume_spec_parse("/a:relative", &v) == -EINVAL);
        CHECK(volume_spec_parse("/a", &v) == -EINVAL);
        CHECK(volume_spec_parse("../x:/x", &v) == -EINVAL);
        CHECK(volume_spec_parse("/a:/b:bogus", &v) == -EINVAL);

        CHECK(mount_spec_parse("type=bind,source=/a,target=/b,readonly", &v, &tmpfs, &opts) == 0);
        CHECK(!tmpfs && v.read_only && streq(v.source, "/a") && streq(v.destination, "/b"));
        volume_spec_done(&v);
        CHECK(mount_spec_parse("type=tmpfs,destination=/t,tmpfs-size=1m", &v, &tmpfs, &opts) == 0);
        CHECK(tmpfs && opts && streq(opts, "size=1m"));
        free(opts);
        volume_spec_done(&v);
        CHECK(mount_spec_parse("type=bind,source=name,destination=/b", &v, &tmpfs, &opts) == -EINVAL);
        CHECK(mount_spec_parse("type=nfs,source=/a,destination=/b", &v, &tmpfs, &opts) == -EINVAL);
}

/* Volume=/dst of a generator-made unit: checked as the named volume it becomes, named from the
 * container and the destination, and passed on to cleanup unless compose keeps it. */
static void test_unit_anonymous_volumes(void) {
        ContainerSpec spec;
        char **argv = NULL, **names = NULL, name[CONTAINER_ID_LEN + 1], other[CONTAINER_ID_LEN + 1];

        CHECK(volume_spec_check("/data", false) == 0);
        CHECK(volume_spec_check("relative", false) == -EINVAL);
        CHECK(volume_spec_check("type=volume,destination=/m", true) == 0);
        CHECK(volume_spec_check("type=bind,destination=/m", true) == -EINVAL);

        CHECK(anonymous_volume_name("web", "/data", name) == 0);
        CHECK_STREQ(name, "99ae43cbb120d9eaa17384b99e0c4c2d4514e7e1d5913b732adddb50f6895a9c");
        CHECK(anonymous_volume_name("web", "/m", other) == 0 && !streq(name, other));

        container_spec_init(&spec);
        spec.name = strdup("web");
        CHECK(strv_extend(&spec.volumes, "/data") >= 0 && strv_extend(&spec.volumes, "v:/v") >= 0);
        CHECK(strv_extend(&spec.mounts, "type=volume,destination=/m,ro") >= 0);
        CHECK(container_spec_cleanup_argv(&spec, &argv) == 0);
        CHECK(strv_contains(argv, "--volume=/data") && strv_contains(argv, "--mount=type=volume,destination=/m,ro"));
        CHECK(!strv_contains(argv, "--volume=v:/v"));
        argv = strv_free(argv);
        /* cleanup's own view: the names only, the entries as they were */
        CHECK(container_spec_unit_anonymous_volumes(&spec, false, &names) == 0);
        CHECK(strv_length(names) == 2 && streq(names[0], name) && streq(names[1], other));
        CHECK_STREQ(spec.volumes[0], "/data");
        names = strv_free(names);
        /* a compose service's stay with the project until down -v */
        CHECK(strv_extend(&spec.labels, "com.docker.compose.project=p") >= 0);
        CHECK(container_spec_cleanup_argv(&spec, &argv) == 0);
        CHECK(!strv_contains(argv, "--volume=/data") && strv_length(argv) == 3);
        strv_free(argv);
        container_spec_done(&spec);
}

static void test_anonymous_volumes(void) {
        char *named = NULL;
        char **volumes = NULL, **mounts = NULL;
        char *from_volumes[] = { "/srv:/srv", "v:/data:ro,z", NULL };
        char *from_mounts[] = { "type=tmpfs,dst=/t", "type=volume,source=v,dst=/m", NULL };

        /* -v /dst and --mount type=volume (its default type) without a source are anonymous */
        CHECK(volume_spec_name_anonymous("/data", false, "abc", &named) == 1);
        CHECK_STREQ(named, "abc:/data");
        free(named);
        CHECK(volume_spec_name_anonymous("/srv:/data", false, "abc", &named) == 0 && !named);
        CHECK(volume_spec_name_anonymous("relative", false, "abc", &named) == 0 && !named);
        CHECK(volume_spec_name_anonymous("type=volume,dst=/m,ro", true, "abc", &named) == 1);
        CHECK_STREQ(named, "type=volume,dst=/m,ro,source=abc");
        CHECK(volume_spec_check(named, true) == 0);
        free(named);
        CHECK(volume_spec_name_anonymous("target=/m", true, "abc", &named) == 1);
        CHECK_STREQ(named, "target=/m,type=volume,source=abc");
        free(named);
        CHECK(volume_spec_name_anonymous("type=volume,src=v,dst=/m", true, "abc", &named) == 0 && !named);
        CHECK(volume_spec_name_anonymous("type=tmpfs,dst=/m", true, "abc", &named) == 0 && !named);
        CHECK(volume_spec_name_anonymous("type=volumes,dst=/m", true, "abc", &named) == 0 && !named);

        /* --volumes-from: the same entries (no tmpfs), :ro making each read-only */
        CHECK(volume_specs_add_from(&volumes, &mounts, from_volumes, from_mounts, "ro") == 0);
        CHECK(strv_length(volumes) == 2 && strv_length(mounts) == 1);
        CHECK_STREQ(volumes[0], "/srv:/srv:ro");
        CHECK_STREQ(volumes[1], "v:/data:ro,z,ro");
        CHECK_STREQ(mounts[0], "type=volume,source=v,dst=/m,ro=true");
        for (size_t i = 0; volumes[i]; i++) {
                VolumeSpec v = {};
                CHECK(volume_spec_parse(volumes[i], &v) == 0 && v.read_only);
                volume_spec_done(&v);
        }
        volumes = strv_free(volumes);
        mounts = strv_free(mounts);
        CHECK(volume_specs_add_from(&volumes, &mounts, from_volumes, from_mounts, "rw") == 0);
        {
                VolumeSpec v = {};
                CHECK(volume_spec_parse(volumes[1], &v) == 0 && !v.read_only);
                volume_spec_done(&v);
        }
        CHECK_STREQ(mounts[0], "type=volume,source=v,dst=/m,ro=false");
        volumes = strv_free(volumes);
        mounts = strv_free(mounts);
        CHECK(volume_specs_add_from(&volumes, &mounts, from_volumes, from_mounts, NULL) == 0);
        CHECK_STREQ(volumes[1], "v:/data:ro,z");
        strv_free(volumes);
        strv_free(mounts);

        /* what covers an image's VOLUME path */
        {
                char *vols[] = { "/anon", "n:/named", NULL }, *mnts[] = { "type=volume,dst=/m", NULL },
                     *tmpfs[] = { "/t:size=1m", NULL };
                CHECK(volume_specs_cover(vols, mnts, tmpfs, "/anon"));
                CHECK(volume_specs_cover(vols, mnts, tmpfs, "/named"));
                CHECK(volume_specs_cover(vols, mnts, tmpfs, "/m"));
                CHECK(volume_specs_cover(vols, mnts, tmpfs, "/t"));
                CHECK(!volume_specs_cover(vols, mnts, tmpfs, "/n"));
                CHECK(!volume_specs_cover(vols, mnts, tmpfs, "/t2"));
                CHECK(!volume_specs_cover(NULL, NULL, NULL, "/anon"));
        }
}

static void test_network_files(void) {
        char *dns[] = { "192.0.2.1", NULL }, *search[] = { "example.org", NULL };
        char *r = resolv_conf_build("nameserver 127.0.0.53\nnameserver 10.0.0.1\nsearch lan\n", true, NULL, NULL, NULL);

        CHECK_STREQ(r, "nameserver 10.0.0.1\nsearch lan\n");
        free(r);
        r = resolv_conf_build("nameserver 10.0.0.1\nsearch lan\n", true, dns, search, NULL);
        CHECK_STREQ(r, "nameserver 192.0.2.1\nsearch example.org\n");
        free(r);
        CHECK(sysctl_is_namespaced("net.ipv4.ip_forward", true));
        CHECK(!sysctl_is_namespaced("net.ipv4.ip_forward", false));
        CHECK(sysctl_is_namespaced("kernel.shmmax", false));
        CHECK(!sysctl_is_namespaced("kernel.panic", true));
}

static void test_cgroup_files(void) {
        char *mount = NULL, *root = NULL, *path = NULL;
        const char *mountinfo = "22 1 0:21 / /sys rw - sysfs sysfs rw\n"
                                "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n";

        CHECK(cgroup2_mount_from_mountinfo(mountinfo, &mount, &root) == 0);
        CHECK_STREQ(mount, "/sys/fs/cgroup/unified");
        CHECK_STREQ(root, "/");
        free(mount);
        free(root);
        CHECK(cgroup2_mount_from_mountinfo("22 1 0:21 / /sys rw - sysfs sysfs rw\n", &mount, &root) == -ENOENT);
        CHECK(cgroup2_path_from_proc("4:memory:/x\n0::/system.slice/web.service\n", &path) == 0);
        CHECK_STREQ(path, "/system.slice/web.service");
        free(path);
        CHECK(cgroup2_path_from_proc("0::/\n", &path) == 0);
        CHECK_STREQ(path, "/");
        free(path);
        CHECK(cgroup2_path_from_proc("1:cpu:/\n", &path) == -ENOENT);
}

static void test_health(void) {
        ContainerSpec spec;
        HealthCheck h;
        uint64_t u;

        CHECK(parse_duration("30", &u) == 0 && u == 30000000ULL);
        CHECK(parse_duration("1m30s", &u) == 0 && u == 90000000ULL);
        CHECK(parse_duration("500ms", &u) == 0 && u == 500000ULL);
        CHECK(parse_duration("2h", &u) == 0 && u == 7200000000ULL);
        CHECK(parse_duration("10x", &u) == -EINVAL);
        CHECK(parse_duration("", &u) == -EINVAL);

        container_spec_init(&spec);
        CHECK(health_from_spec(&spec, &h) == 0 && h.argv == NULL);
        spec.health_cmd = strdup("curl -f http://localhost/ || exit 1");
        spec.health_interval = strdup("5s");
        spec.health_on_failure = strdup("stop");
        CHECK(health_from_spec(&spec, &h) == 0);
        CHECK(strv_length(h.argv) == 3 && streq(h.argv[0], "/bin/sh") && streq(h.argv[2], spec.health_cmd));
        CHECK(h.interval_usec == 5000000ULL && h.retries == 3 && h.on_failure == HEALTH_ACTION_STOP);
        health_done(&h);
        free(spec.health_cmd);
        spec.health_cmd = strdup("[\"CMD\", \"/bin/check\", \"--fast\"]");
        CHECK(health_from_spec(&spec, &h) == 0);
        CHECK(strv_length(h.argv) == 2 && streq(h.argv[0], "/bin/check"));
        health_done(&h);
        free(spec.health_on_failure);
        spec.health_on_failure = strdup("explode");
        CHECK(health_from_spec(&spec, &h) == -EINVAL);
        container_spec_done(&spec);

        /* The one counting rule (health-run and supervise's own loop): failures in the start period
         * do not count; `retries` in a row make it unhealthy; one pass makes it healthy again. */
        h = (HealthCheck) { .retries = 2,
                .start_period_usec = 1000,
                .status = "starting",
                .timer_fd = -EBADF,
                .check_pidfd = -EBADF };
        CHECK(!health_record(&h, false, 10) && h.failures == 0 && streq(h.status, "starting"));
        CHECK(!health_record(&h, false, 2000) && h.failures == 1 && streq(h.status, "starting"));
        CHECK(health_record(&h, false, 3000) && h.failures == 2 && streq(h.status, "unhealthy"));
        CHECK(!health_record(&h, false, 4000) && h.failures == 3);
        CHECK(health_record(&h, true, 5000) && h.failures == 0 && streq(h.status, "healthy"));
        CHECK(!health_record(&h, true, 6000));
}

static void test_subid(void) {
        uint64_t r[4][2];
        size_t n = 0;

        CHECK(subid_ranges("alice:100000:65536\nberth:200000:131072\n# x\nberth:900000:65536\nbroken\n", "berth", r, 4,
                              &n) == 0);
        CHECK(n == 2 && r[0][0] == 200000 && r[0][1] == 131072 && r[1][0] == 900000);
        n = 0;
        CHECK(subid_ranges("", "berth", r, 4, &n) == 0 && n == 0);
}

int main(void) {
        test_subid();
        test_health();
        test_entrypoint_and_cmd();
        test_env();
        test_small_parsers();
        test_users();
        test_capabilities();
        test_notify_filter();
        test_volumes();
        test_anonymous_volumes();
        test_unit_anonymous_volumes();
        test_network_files();
        test_cgroup_files();
        return tap_done();
}
