/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth compose up/down/ps/...: the project's units are files in /run/systemd/system (so they live
 * until reboot or `down`, survive daemon-reload, and `systemctl` shows them as any other unit), each
 * carrying X-ComposeProject=PROJECT. `up` writes only what changed: nothing changed is no reload and a
 * start job systemd finishes at once; a changed service is restarted, the others are left alone. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compose-cli.h"
#include "container-record.h"
#include "fs-util.h"
#include "log.h"
#include "paths.h"
#include "strv.h"
#include "systemd-unit.h"
#include "unit-compose.h"
#include "unit-container-env.h"
#include "volume-store.h"

static const char *unit_dir(void) {
        return getenv("BERTH_COMPOSE_UNIT_DIR") ?: "/run/systemd/system";
}

/* Runs argv and waits; returns its exit status (or a negative errno when it could not run). */
static int run_program(char *const *argv) {
        pid_t pid = fork();
        int status;

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                execvp(argv[0], argv);
                _exit(127);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static const char *get_scalar(const YNode *n, const char *key) {
        const YNode *v = ynode_get(n, key);
        return v && v->kind == Y_SCALAR ? v->value : NULL;
}

static int systemctl(const char *verb, char *const *units) {
        _cleanup_strv_free_ char **argv = NULL;
        int r;

        if (!units || !*units)
                return 0;
        r = strv_extend(&argv, "systemctl");
        if (r >= 0)
                r = strv_extend(&argv, verb);
        if (r >= 0)
                r = strv_extend_strv(&argv, units);
        if (r < 0)
                return log_oom();
        r = run_program(argv);
        if (r != 0)
                return log_error_errno(r < 0 ? r : -EIO, "systemctl %s failed.", verb);
        return 0;
}

/* Makes the failed ones of units forget their failure, so that they are unloaded with the others
 * (the ones that stopped cleanly are unloaded already): one ListUnitsByPatterns finds them. */
static void reset_failed(char *const *units) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        char *failed[] = { (char *) "failed", NULL };
        UnitInfo *infos = NULL;
        size_t n = 0;

        if (!units || !*units || sd_bus_open_system(&bus) < 0 || systemd_list_units(bus, failed, units, &infos, &n) < 0)
                return;
        for (size_t i = 0; i < n; i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                (void) systemd_reset_failed_unit(bus, infos[i].id, &error);
                sd_bus_error_free(&error);
        }
        unit_info_array_free(infos, n);
}

static int daemon_reload(void) {
        return systemctl("daemon-reload", (char *[]) { (char *) "--no-ask-password", NULL });
}

/* Whether systemd holds any of the units whose files changed (ret_loaded: what it holds is stale, even
 * a stub of a unit it found no file for, which a loaded unit's dependency keeps: a daemon-reload is
 * due), and which of them run (ret_running: to restart). A unit systemd does not hold needs no reload:
 * loading it (the start) reads the new file, as systemd notices that the unit directory changed. So
 * an `up` after `down` (whose units systemd unloaded) reloads nothing. */
static int changed_units_state(sd_bus *bus, char *const *changed, bool *ret_loaded, char ***ret_running) {
        _cleanup_strv_free_ char **running = NULL;
        UnitInfo *units = NULL;
        size_t n = 0;
        int r;

        /* compose names have no glob characters: each pattern matches its unit alone */
        r = systemd_list_units(bus, NULL, changed, &units, &n);
        if (r < 0)
                return log_error_errno(r, "Failed to list units: %m");
        for (size_t i = 0; i < n && r >= 0; i++)
                if (endswith(units[i].id, ".service") && !unit_active_state_is_ended(units[i].active_state))
                        r = strv_extend(&running, units[i].id);
        unit_info_array_free(units, n);
        if (r < 0)
                return log_oom();
        *ret_loaded = n > 0;
        *ret_running = TAKE_PTR(running);
        return 0;
}

/* The units of a service list ("SERVICE..." on the command line), or all services. */
static int service_units(ComposeProject *p, int argc, char *argv[], char ***ret) {
        const YNode *services = ynode_get(p->root, "services");
        _cleanup_strv_free_ char **units = NULL;

        for (int i = 0; i < argc; i++) {
                if (argv[i][0] == '-')
                        continue;
                if (!ynode_get(services, argv[i]))
                        return log_error_errno(-EINVAL, "No service '%s' in project %s.", argv[i], p->name);
        }
        for (size_t i = 0; services && i < services->n_items; i++) {
                bool named = false, any = false;
                for (int k = 0; k < argc; k++)
                        if (argv[k][0] != '-') {
                                any = true;
                                named = named || streq(argv[k], services->items[i]->key);
                        }
                if (any && !named)
                        continue;
                _cleanup_free_ char *c = compose_container_name(p, services->items[i]->key);
                if (!c || strv_consume(&units, strjoin(c, ".service")) < 0)
                        return log_oom();
        }
        *ret = TAKE_PTR(units);
        return 0;
}

static bool file_has(const char *path, const char *text) {
        _cleanup_free_ char *old = NULL;
        return read_full_file(path, &old, NULL) >= 0 && streq(old, text);
}

static int write_units(const ComposeUnits *u, bool force, char ***ret_changed) {
        _cleanup_strv_free_ char **changed = NULL;
        const char *dir = unit_dir();
        int r;

        r = mkdir_p(dir, 0755);
        if (r < 0)
                return log_error_errno(r, "Cannot create %s: %m", dir);
        for (size_t i = 0; i < u->n_units; i++) {
                const GeneratedUnit *g = &u->units[i];
                _cleanup_free_ char *path = path_join(dir, g->name);
                if (!path)
                        return log_oom();
                if (g->private_name) {
                        _cleanup_free_ char *pp = path_join(dir, g->private_name);
                        _cleanup_free_ char *old = NULL;
                        size_t size = 0;
                        bool same = pp && read_full_file(pp, &old, &size) >= 0 && size == g->private_size &&
                                    memcmp(old, g->private_data, size) == 0;
                        if (!pp)
                                return log_oom();
                        if (!same) {
                                _cleanup_free_ char *pd = path_join(dir, UNIT_PRIVATE_DIR);
                                if (!pd || (mkdir(pd, 0700) < 0 && errno != EEXIST))
                                        return log_error_errno(-errno, "Cannot create %s: %m", pd);
                                r = write_file_atomic(pp, g->private_data, g->private_size, 0600, 0);
                                if (r < 0)
                                        return log_error_errno(r, "Cannot write %s: %m", pp);
                                if (strv_extend(&changed, g->name) < 0)
                                        return log_oom();
                        }
                }
                if (!force && file_has(path, g->text))
                        continue;
                r = write_file_atomic(path, g->text, strlen(g->text), 0644, 0);
                if (r < 0)
                        return log_error_errno(r, "Cannot write %s: %m", path);
                if (!strv_contains(changed, g->name) && strv_extend(&changed, g->name) < 0)
                        return log_oom();
        }
        *ret_changed = TAKE_PTR(changed);
        return 0;
}

static int generate(ComposeProject *p, ComposeUnits *u) {
        _cleanup_free_ char *error = NULL;
        int r = compose_generate_units(p, p->files[0], NULL, unit_dir(), false, u, &error);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "%s", error ?: "Failed to convert the project.");
        return 0;
}

/* Every unit file of the project in the unit directory (found by X-ComposeProject=). */
static int project_unit_files(const char *project, char ***ret) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ char *marker = strjoin("\nX-ComposeProject=", project, "\n");
        DIR *d = opendir(unit_dir());
        struct dirent *de;

        if (!marker)
                return log_oom();
        if (!d) {
                *ret = NULL;
                return 0;
        }
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL, *text = NULL;
                if (de->d_name[0] == '.' || (!endswith(de->d_name, ".service") && !endswith(de->d_name, ".target")))
                        continue;
                path = path_join(unit_dir(), de->d_name);
                if (path && read_full_file(path, &text, NULL) >= 0 && strstr(text, marker) &&
                                strv_extend(&names, de->d_name) < 0) {
                        closedir(d);
                        return log_oom();
                }
        }
        closedir(d);
        *ret = TAKE_PTR(names);
        return 0;
}

static int build_images(ComposeProject *p, bool always) {
        const YNode *services = ynode_get(p->root, "services");
        const char *berth = berth_path(BERTH_PATH_CLI_BINARY);
        int r;

        for (size_t i = 0; services && i < services->n_items; i++) {
                const YNode *svc = services->items[i], *build = ynode_get(svc, "build"), *img = ynode_get(svc, "image");
                _cleanup_free_ char *tag = img ? strdup(img->value) : strjoin(p->name, "-", svc->key);
                const YNode *ctx = ynode_get(build, "context"), *df = ynode_get(build, "dockerfile");
                _cleanup_free_ char *dockerfile = NULL;
                if (!build)
                        continue;
                if (!tag)
                        return log_oom();
                if (!always && run_program((char *[]) { (char *) berth, (char *) "image", (char *) "inspect", tag,
                                               NULL }) == 0)
                        continue;
                dockerfile = df ? (df->value[0] == '/' ? strdup(df->value) : path_join(ctx->value, df->value)) : NULL;
                r = run_program((char *[]) { (char *) berth, (char *) "build", (char *) "--help", NULL });
                if (r != 0)
                        return log_error_errno(-EOPNOTSUPP,
                                        "Service '%s' is built from %s, but this berth has no "
                                        "'build' command yet; build the image as %s another way.",
                                        svc->key, ctx->value, tag);
                r = run_program((char *[]) { (char *) berth, (char *) "build", (char *) "-t", tag, (char *) "-f",
                                dockerfile ?: (char *) "Dockerfile", ctx->value, NULL });
                if (r != 0)
                        return log_error_errno(-EIO, "Building %s for service '%s' failed.", tag, svc->key);
        }
        return 0;
}

/* Whether every unit of the project is loaded and active: then starting the target would be a job
 * that finds nothing to do, and one ListUnitsByPatterns is cheaper than its job and signal. */
static bool project_active(sd_bus *bus, const ComposeUnits *u) {
        _cleanup_strv_free_ char **names = NULL;
        UnitInfo *units = NULL;
        size_t n = 0, active = 0;

        for (size_t i = 0; i < u->n_units; i++)
                if (strv_extend(&names, u->units[i].name) < 0)
                        return false;
        if (!names || systemd_list_units(bus, NULL, names, &units, &n) < 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (streq(units[i].load_state, "loaded") && streq(units[i].active_state, "active"))
                        active++;
        unit_info_array_free(units, n);
        return active == u->n_units;
}

/* The project's target, which wants every service, started as `systemctl start` does (waiting for
 * the job), without running systemctl: what a no-op `up` spends most of its time on otherwise. */
static int start_target(sd_bus *bus, const char *target) {
        _cleanup_free_ char *result = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = systemd_start_unit(bus, target, true, &result, &error);
        if (r < 0) {
                log_error_errno(r, "Failed to start %s: %s", target, error.message ?: strerror(-r));
                sd_bus_error_free(&error);
                return r;
        }
        if (!streq(result, "done"))
                return log_error_errno(-EIO, "Failed to start %s (job %s). See 'systemctl status %s'.", target, result,
                                target);
        return 0;
}

static int compose_up(ComposeProject *p, int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(compose_units_done) ComposeUnits u = {};
        _cleanup_strv_free_ char **changed = NULL, **restart = NULL, **start = NULL;
        bool detach = false, force = false, build = false;
        int r;

        for (int i = 1; i < argc; i++)
                if (streq(argv[i], "-d") || streq(argv[i], "--detach"))
                        detach = true;
                else if (streq(argv[i], "--force-recreate"))
                        force = true;
                else if (streq(argv[i], "--build"))
                        build = true;
                else if (argv[i][0] == '-')
                        return log_error_errno(-EINVAL, "Unknown option '%s' for 'berth compose up'.", argv[i]);
        r = generate(p, &u);
        if (r < 0)
                return r;
        r = build_images(p, build);
        if (r < 0)
                return r;
        r = write_units(&u, force, &changed);
        if (r < 0)
                return r;
        r = systemd_bus_open(&bus);
        if (r < 0)
                return r;
        if (changed) {
                bool loaded;
                r = changed_units_state(bus, changed, &loaded, &restart);
                if (r >= 0 && loaded)
                        r = daemon_reload();
                /* recreated: the running services whose unit changed (try-restart leaves stopped ones alone) */
                if (r >= 0)
                        r = systemctl("try-restart", restart);
                if (r < 0)
                        return r;
        }
        r = service_units(p, argc - 1, argv + 1, &start);
        if (r < 0)
                return r;
        /* all of them: the target, which wants every service; named ones: just those */
        bool named = false;
        for (int i = 1; i < argc; i++)
                named = named || argv[i][0] != '-';
        if (named)
                r = systemctl("start", start);
        else if (changed || !project_active(bus, &u))
                r = start_target(bus, u.target);
        if (r < 0)
                return r;
        if (detach)
                return 0;
        {
                _cleanup_strv_free_ char **jargv = strv_copy((char *[]) { (char *) "journalctl", (char *) "-f",
                                (char *) "-n", (char *) "all", NULL });
                STRV_FOREACH(s, start)
                        if (strv_extend(&jargv, "-u") < 0 || strv_extend(&jargv, *s) < 0)
                                return log_oom();
                execvp(jargv[0], jargv);
                return log_error_errno(-errno, "Cannot run journalctl: %m");
        }
}

/* down -v: the services' anonymous volumes ("- /dst"), which their units keep with the project; each
 * named as berth-runtime named it for the container (anonymous_volume_name()). */
static int remove_anonymous_volumes(ComposeProject *p) {
        const YNode *services = ynode_get(p->root, "services");
        int ret = 0;

        for (size_t i = 0; services && i < services->n_items; i++) {
                const YNode *vols = ynode_get(services->items[i], "volumes");
                _cleanup_free_ char *c = compose_container_name(p, services->items[i]->key);
                if (!c)
                        return log_oom();
                for (size_t k = 0; vols && k < vols->n_items; k++) {
                        const char *type = get_scalar(vols->items[k], "type"),
                                   *dst = get_scalar(vols->items[k], "target");
                        char name[CONTAINER_ID_LEN + 1];
                        int r;
                        if (!streq_ptr(type, "volume") || get_scalar(vols->items[k], "source") || !dst)
                                continue;
                        r = anonymous_volume_name(c, dst, name);
                        if (r >= 0)
                                r = volume_remove(name, false);
                        if (r < 0 && r != -ENOENT)
                                ret = log_error_errno(r, "Failed to remove the anonymous volume %s of %s at %s: %m",
                                                name, c, dst);
                }
        }
        return ret;
}

static int compose_down(ComposeProject *p, int argc, char *argv[]) {
        _cleanup_strv_free_ char **files = NULL;
        const YNode *volumes = ynode_get(p->root, "volumes");
        const char *rmi = NULL;
        bool remove_volumes = false;
        int r, r2;

        for (int i = 1; i < argc; i++)
                if (streq(argv[i], "-v") || streq(argv[i], "--volumes"))
                        remove_volumes = true;
                else if (streq(argv[i], "--rmi") && i + 1 < argc)
                        rmi = argv[++i];
                else if (startswith(argv[i], "--rmi="))
                        rmi = argv[i] + 6;
                else
                        return log_error_errno(-EINVAL, "Unknown option '%s' for 'berth compose down'.", argv[i]);
        r = project_unit_files(p->name, &files);
        if (r < 0)
                return r;
        /* one job for all: the containers stop first, then their networks and volumes units (a network
         * goes with its unit), as each container is After= the ones it Requires= */
        r = systemctl("stop", files);
        /* while the units are still loaded: a failed one would stay listed after its file is gone */
        reset_failed(files);
        STRV_FOREACH(f, files) {
                _cleanup_free_ char *path = path_join(unit_dir(), *f), *priv = NULL;
                if (!path)
                        return log_oom();
                (void) unlink(path);
                priv = strjoin(unit_dir(), "/" UNIT_PRIVATE_DIR "/", *f, ".env");
                if (priv)
                        (void) unlink(priv);
        }
        /* No daemon-reload: stopped and unreferenced, the units are unloaded by systemd's garbage
         * collection, and with their files gone nothing loads them again. */
        if (remove_volumes)
                for (size_t i = 0; volumes && i < volumes->n_items; i++) {
                        const YNode *ext = ynode_get(volumes->items[i], "external"),
                                    *name = ynode_get(volumes->items[i], "name");
                        if (ext && streq(ext->value, "true"))
                                continue;
                        (void) run_program((char *[]) { (char *) berth_path(BERTH_PATH_CLI_BINARY), (char *) "volume",
                                        (char *) "rm", (char *) "-f", name->value, NULL });
                }
        if (remove_volumes && (r2 = remove_anonymous_volumes(p)) < 0)
                r = r2;
        if (rmi) {
                const YNode *svcs = ynode_get(p->root, "services");
                for (size_t i = 0; svcs && i < svcs->n_items; i++) {
                        const YNode *img = ynode_get(svcs->items[i], "image");
                        _cleanup_free_ char *tag = img ? strdup(img->value) : strjoin(p->name, "-", svcs->items[i]->key);
                        if (!tag)
                                return log_oom();
                        if (streq(rmi, "local") && img)
                                continue;
                        (void) run_program((char *[]) { (char *) berth_path(BERTH_PATH_CLI_BINARY), (char *) "image",
                                        (char *) "rm", tag, NULL });
                }
        }
        return r;
}

static int compose_ps(ComposeProject *p) {
        const YNode *services = ynode_get(p->root, "services");

        printf("%-30s %-16s %s\n", "NAME", "SERVICE", "STATUS");
        for (size_t i = 0; services && i < services->n_items; i++) {
                _cleanup_free_ char *c = compose_container_name(p, services->items[i]->key), *cmd = NULL;
                char state[64] = "unknown";
                FILE *f;
                if (!c || asprintf(&cmd, "systemctl show -P ActiveState %s.service 2>/dev/null", c) < 0)
                        return log_oom();
                f = popen(cmd, "r");
                if (f) {
                        if (fgets(state, sizeof state, f))
                                state[strcspn(state, "\n")] = 0;
                        pclose(f);
                }
                printf("%-30s %-16s %s\n", c, services->items[i]->key, state);
        }
        return 0;
}

static int compose_logs(ComposeProject *p, int argc, char *argv[]) {
        _cleanup_strv_free_ char **units = NULL, **jargv = NULL;
        bool follow = false;
        int r;

        for (int i = 1; i < argc; i++)
                if (streq(argv[i], "-f") || streq(argv[i], "--follow"))
                        follow = true;
        r = service_units(p, argc - 1, argv + 1, &units);
        if (r < 0)
                return r;
        r = strv_extend(&jargv, "journalctl");
        if (r >= 0)
                r = strv_extend_strv(&jargv, (char *[]) { (char *) "--no-pager", (char *) "-o", (char *) "cat", NULL });
        if (r >= 0 && follow)
                r = strv_extend(&jargv, "-f");
        STRV_FOREACH(u, units)
                if (r >= 0 && (r = strv_extend(&jargv, "-u")) >= 0)
                        r = strv_extend(&jargv, *u);
        if (r < 0)
                return log_oom();
        r = run_program(jargv);
        return r < 0 ? log_error_errno(r, "Cannot run journalctl: %m") : r == 0 ? 0 : -EIO;
}

static int compose_exec(ComposeProject *p, int argc, char *argv[]) {
        _cleanup_strv_free_ char **eargv = NULL;
        _cleanup_free_ char *c = NULL;
        int i = 1, r;

        while (i < argc && argv[i][0] == '-')
                i++;
        if (i >= argc || !ynode_get(ynode_get(p->root, "services"), argv[i]))
                return log_error_errno(-EINVAL, "'berth compose exec' needs a service of the project and a command.");
        c = compose_container_name(p, argv[i]);
        r = strv_extend(&eargv, berth_path(BERTH_PATH_CLI_BINARY));
        if (r >= 0)
                r = strv_extend(&eargv, "exec");
        for (int k = 1; r >= 0 && k < i; k++)
                r = strv_extend(&eargv, argv[k]);
        if (r >= 0 && c)
                r = strv_extend(&eargv, c);
        for (int k = i + 1; r >= 0 && k < argc; k++)
                r = strv_extend(&eargv, argv[k]);
        if (r < 0 || !c)
                return log_oom();
        execv(eargv[0], eargv);
        return log_error_errno(-errno, "Cannot run %s: %m", eargv[0]);
}

static int compose_pull(ComposeProject *p, int argc, char *argv[]) {
        const YNode *services = ynode_get(p->root, "services");
        int r = 0;

        for (size_t i = 0; services && i < services->n_items; i++) {
                const YNode *img = ynode_get(services->items[i], "image");
                bool named = false, any = false;
                for (int k = 1; k < argc; k++) {
                        any = true;
                        named = named || streq(argv[k], services->items[i]->key);
                }
                if (!img || (any && !named) || ynode_get(services->items[i], "build"))
                        continue;
                if (run_program((char *[]) { (char *) berth_path(BERTH_PATH_CLI_BINARY), (char *) "pull", img->value,
                                    NULL }) != 0)
                        r = log_error_errno(-EIO, "Pulling %s for service '%s' failed.", img->value,
                                        services->items[i]->key);
        }
        return r;
}

static int compose_units_print(ComposeProject *p) {
        _cleanup_(compose_units_done) ComposeUnits u = {};
        int r = generate(p, &u);

        if (r < 0)
                return r;
        for (size_t i = 0; i < u.n_units; i++)
                printf("---%s---\n%s", u.units[i].name, u.units[i].text);
        return 0;
}

static int push(char ***argv, const char *a, const char *b) {
        _cleanup_free_ char *ab = b ? strjoin(a, b) : strdup(a);
        return ab ? strv_consume(argv, TAKE_PTR(ab)) : -ENOMEM;
}

/* berth compose run: a one-off container of a service through `berth run` (a transient unit), with the
 * service's image, network, volumes, environment, user and working directory, after its dependencies
 * were started (their units written as `up` writes them). Named as docker compose names them:
 * PROJECT-SERVICE-run-XXXXXXXX, labelled com.docker.compose.oneoff=True. */
static int compose_run(ComposeProject *p, int argc, char *argv[]) {
        _cleanup_strv_free_ char **rargv = NULL, **extra = NULL, **deps = NULL, **changed = NULL;
        const char *name = NULL, *entrypoint = NULL, *v;
        bool no_deps = false;
        int i, r;

        r = push(&rargv, berth_path(BERTH_PATH_CLI_BINARY), NULL);
        if (r >= 0)
                r = push(&rargv, "run", NULL);
        for (i = 1; r >= 0 && i < argc && argv[i][0] == '-'; i++) {
                const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
                if (streq(a, "--rm") || streq(a, "-d") || streq(a, "--detach") || streq(a, "-i") || streq(a, "-t") ||
                                streq(a, "-it") || streq(a, "--interactive") || streq(a, "--tty"))
                        r = push(&rargv, a, NULL);
                else if (streq(a, "-T") || streq(a, "--no-TTY"))
                        continue;
                else if (streq(a, "--no-deps"))
                        no_deps = true;
                else if ((streq(a, "-e") || streq(a, "--env") || streq(a, "-u") || streq(a, "--user") ||
                                         streq(a, "-w") || streq(a, "--workdir") || streq(a, "-v") ||
                                         streq(a, "--volume") || streq(a, "-l") || streq(a, "--label")) &&
                                val) {
                        /* after the service's own, so these win */
                        const char *opt = streq(a, "-e") || streq(a, "--env")       ? "--env="
                                          : streq(a, "-u") || streq(a, "--user")    ? "--user="
                                          : streq(a, "-w") || streq(a, "--workdir") ? "--workdir="
                                          : streq(a, "-v") || streq(a, "--volume")  ? "--volume="
                                                                                    : "--label=";
                        r = push(&extra, opt, val);
                        i++;
                } else if (streq(a, "--name") && val) {
                        name = val;
                        i++;
                } else if (streq(a, "--entrypoint") && val) {
                        entrypoint = val;
                        i++;
                } else
                        return log_error_errno(-EINVAL, "Unknown option '%s' for 'berth compose run'.", a);
        }
        if (r < 0)
                return log_oom();
        const YNode *svc = i < argc ? ynode_get(ynode_get(p->root, "services"), argv[i]) : NULL;
        if (!svc)
                return log_error_errno(-EINVAL, i < argc ? "No service '%s' in project %s." : "%s%s",
                                i < argc ? argv[i] : "'berth compose run' needs a service", i < argc ? p->name : ".");
        i++;

        /* the dependencies run as `up` runs them */
        const YNode *depends = ynode_get(svc, "depends_on");
        if (depends && depends->n_items > 0 && !no_deps) {
                _cleanup_(compose_units_done) ComposeUnits u = {};
                r = generate(p, &u);
                if (r >= 0)
                        r = build_images(p, false);
                if (r >= 0)
                        r = write_units(&u, false, &changed);
                if (r >= 0 && changed)
                        r = daemon_reload();
                for (size_t k = 0; r >= 0 && k < depends->n_items; k++) {
                        _cleanup_free_ char *c = compose_container_name(p, depends->items[k]->key);
                        r = c ? strv_consume(&deps, strjoin(c, ".service")) : -ENOMEM;
                        if (r == -ENOMEM)
                                return log_oom();
                }
                if (r >= 0)
                        r = systemctl("start", deps);
                if (r < 0)
                        return r;
        } else if ((r = build_images(p, false)) < 0)
                return r;

        _cleanup_free_ char *cname = NULL;
        if (name)
                cname = strdup(name);
        else {
                unsigned char rnd[4];
                FILE *f = fopen("/dev/urandom", "re");
                bool ok = f && fread(rnd, 1, sizeof rnd, f) == sizeof rnd;
                if (f)
                        fclose(f);
                if (!ok)
                        return log_error_errno(-EIO, "Cannot read /dev/urandom.");
                if (asprintf(&cname, "%s-%s-run-%02x%02x%02x%02x", p->name, svc->key, rnd[0], rnd[1], rnd[2], rnd[3]) < 0)
                        cname = NULL;
        }
        if (!cname || push(&rargv, "--name=", cname) < 0)
                return log_oom();

        if ((v = get_scalar(svc, "network_mode")))
                r = push(&rargv, "--network=", v);
        else {
                const YNode *nets = ynode_get(svc, "networks");
                if (nets && nets->n_items > 0) {
                        const YNode *top = ynode_get(ynode_get(p->root, "networks"), nets->items[0]->key);
                        r = push(&rargv, "--network=", get_scalar(top, "name"));
                }
        }
        const YNode *n = ynode_get(svc, "volumes");
        for (size_t k = 0; r >= 0 && n && k < n->n_items; k++) {
                const YNode *vol = n->items[k];
                const char *type = get_scalar(vol, "type"), *src = get_scalar(vol, "source"),
                           *dst = get_scalar(vol, "target");
                bool ro = streq_ptr(get_scalar(vol, "read_only"), "true");
                _cleanup_free_ char *spec = NULL;
                if (streq_ptr(type, "tmpfs")) {
                        r = push(&rargv, "--tmpfs=", dst);
                        continue;
                }
                if (streq_ptr(type, "volume") && src)
                        src = get_scalar(ynode_get(ynode_get(p->root, "volumes"), src), "name");
                spec = src ? strjoin(src, ":", dst, ro ? ":ro" : "") : strdup(dst);
                r = spec ? push(&rargv, "--volume=", spec) : -ENOMEM;
        }
        n = ynode_get(svc, "environment");
        for (size_t k = 0; r >= 0 && n && k < n->n_items; k++) {
                _cleanup_free_ char *kv = strjoin(n->items[k]->key, "=", n->items[k]->value);
                r = kv ? push(&rargv, "--env=", kv) : -ENOMEM;
        }
        if (r >= 0 && (v = get_scalar(svc, "user")))
                r = push(&rargv, "--user=", v);
        if (r >= 0 && (v = get_scalar(svc, "working_dir")))
                r = push(&rargv, "--workdir=", v);
        if (r >= 0)
                r = push(&rargv, "--label=com.docker.compose.project=", p->name);
        if (r >= 0)
                r = push(&rargv, "--label=com.docker.compose.service=", svc->key);
        if (r >= 0)
                r = push(&rargv, "--label=com.docker.compose.oneoff=True", NULL);
        if (r >= 0)
                r = strv_extend_strv(&rargv, extra);

        /* entrypoint: the first word is the program, the others lead the command */
        const YNode *ep = ynode_get(svc, "entrypoint"), *cmd = ynode_get(svc, "command");
        if (r >= 0 && entrypoint)
                r = push(&rargv, "--entrypoint=", entrypoint);
        else if (r >= 0 && ep && ep->kind == Y_SEQ && ep->n_items > 0)
                r = push(&rargv, "--entrypoint=", ep->items[0]->value);
        if (r >= 0) {
                _cleanup_free_ char *image = get_scalar(svc, "image") ? strdup(get_scalar(svc, "image"))
                                                                      : strjoin(p->name, "-", svc->key);
                r = image ? push(&rargv, image, NULL) : -ENOMEM;
        }
        for (size_t k = 1; r >= 0 && !entrypoint && ep && ep->kind == Y_SEQ && k < ep->n_items; k++)
                r = push(&rargv, ep->items[k]->value, NULL);
        if (i < argc)
                for (; r >= 0 && i < argc; i++)
                        r = push(&rargv, argv[i], NULL);
        else
                for (size_t k = 0; r >= 0 && cmd && cmd->kind == Y_SEQ && k < cmd->n_items; k++)
                        r = push(&rargv, cmd->items[k]->value, NULL);
        if (r < 0)
                return log_oom();
        execv(rargv[0], rargv);
        return log_error_errno(-errno, "Cannot run %s: %m", rargv[0]);
}

int compose_command(ComposeProject *p, int argc, char *argv[]) {
        const char *verb = argv[0];
        _cleanup_strv_free_ char **units = NULL;
        int r;

        if (streq(verb, "up"))
                return compose_up(p, argc, argv);
        if (streq(verb, "down"))
                return compose_down(p, argc, argv);
        if (streq(verb, "ps"))
                return compose_ps(p);
        if (streq(verb, "logs"))
                return compose_logs(p, argc, argv);
        if (streq(verb, "exec"))
                return compose_exec(p, argc, argv);
        if (streq(verb, "pull"))
                return compose_pull(p, argc, argv);
        if (streq(verb, "build"))
                return build_images(p, true);
        if (streq(verb, "units"))
                return compose_units_print(p);
        if (streq(verb, "stop") || streq(verb, "start") || streq(verb, "restart")) {
                r = service_units(p, argc - 1, argv + 1, &units);
                return r < 0 ? r : systemctl(verb, units);
        }
        if (streq(verb, "run"))
                return compose_run(p, argc, argv);
        return log_error_errno(-EINVAL, "Unknown command '%s'; see 'berth compose --help'.", verb);
}
