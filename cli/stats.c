/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth stats [--no-stream] [--format json] [NAME...]: a container's CPU, memory and process counts.
 * Read from the unit's cgroup2 files (cpu.stat, memory.current, memory.max, pids.current); what a
 * hybrid host's cgroup2 lacks comes from systemd's accounting of the unit (MemoryCurrent, CPUUsageNSec,
 * TasksCurrent), and what neither knows is printed as "--" (null in JSON), never as "infinity". */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "container-cgroup.h"
#include "fs-util.h"
#include "log.h"
#include "strv.h"
#include "terminal.h"

#define UNIT_IFACE "org.freedesktop.systemd1.Service"

typedef struct Sample {
        char *name, *id;
        uint64_t cpu_usec, mem, mem_limit, pids; /* UINT64_MAX: unknown */
        uint64_t taken_usec;
        double cpu_percent; /* < 0: unknown */
} Sample;

static uint64_t monotonic_usec(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static uint64_t host_memory(void) {
        _cleanup_free_ char *text = NULL;
        unsigned long long kb = 0;
        const char *p;

        if (read_full_file("/proc/meminfo", &text, NULL) < 0 || !(p = strstr(text, "MemTotal:")))
                return UINT64_MAX;
        return sscanf(p, "MemTotal: %llu", &kb) == 1 ? kb * 1024 : UINT64_MAX;
}

/* A systemd accounting property; UINT64_MAX (systemd's "not known") when it has none. */
static uint64_t unit_u64(sd_bus *bus, const ContainerRef *c, const char *property) {
        uint64_t v = UINT64_MAX;
        if (!c->unit_path || systemd_unit_get_u64(bus, c->unit_path, UNIT_IFACE, property, &v) < 0)
                return UINT64_MAX;
        return v;
}

static int sample_take(sd_bus *bus, const ContainerRef *c, Sample *s) {
        _cleanup_free_ char *dir = NULL;
        uint64_t v;

        s->cpu_usec = s->mem = s->mem_limit = s->pids = UINT64_MAX;
        s->taken_usec = monotonic_usec();
        if (container_cgroup_dir(bus, c, &dir) >= 0) {
                if (cgroup_read_u64(dir, "cpu.stat", "usage_usec", &v) >= 0)
                        s->cpu_usec = v;
                if (cgroup_read_u64(dir, "memory.current", NULL, &v) >= 0)
                        s->mem = v;
                if (cgroup_read_u64(dir, "memory.max", NULL, &v) >= 0)
                        s->mem_limit = v;
                if (cgroup_read_u64(dir, "pids.current", NULL, &v) >= 0)
                        s->pids = v;
        }
        if (s->cpu_usec == UINT64_MAX && (v = unit_u64(bus, c, "CPUUsageNSec")) != UINT64_MAX)
                s->cpu_usec = v / 1000;
        if (s->mem == UINT64_MAX)
                s->mem = unit_u64(bus, c, "MemoryCurrent");
        if (s->mem_limit == UINT64_MAX)
                s->mem_limit = unit_u64(bus, c, "MemoryMax");
        if (s->mem_limit == UINT64_MAX)
                s->mem_limit = unit_u64(bus, c, "MemoryLimit"); /* the cgroup v1 memory controller */
        if (s->mem_limit == UINT64_MAX)
                s->mem_limit = host_memory(); /* no limit: the machine's memory, as docker shows it */
        if (s->pids == UINT64_MAX)
                s->pids = unit_u64(bus, c, "TasksCurrent");
        if (s->pids == UINT64_MAX && dir) {
                /* no pids controller: the container's processes, counted in its payload cgroup */
                _cleanup_free_ char *payload = path_join(dir, "payload");
                _cleanup_free_ pid_t *pids = NULL;
                size_t n = 0;
                if (payload && cgroup_pids_recursive(access(payload, F_OK) == 0 ? payload : dir, &pids, &n) >= 0)
                        s->pids = n;
        }
        return 0;
}

static void format_bytes(uint64_t v, char *buf, size_t size) {
        static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
        double x = (double) v;
        size_t u = 0;

        if (v == UINT64_MAX) {
                (void) snprintf(buf, size, "--");
                return;
        }
        while (x >= 1024 && u + 1 < ELEMENTSOF(units)) {
                x /= 1024;
                u++;
        }
        (void) snprintf(buf, size, u == 0 ? "%.0f%s" : "%.2f%s", x, units[u]);
}

static json_t *sample_json(const Sample *s) {
        json_t *o = json_pack("{s:s, s:s}", "ID", s->id, "Name", s->name);
#define SET_U64(key, v)                                                                                                \
        (void) json_object_set_new(o, key, (v) == UINT64_MAX ? json_null() : json_integer((json_int_t) (v)))
        if (!o)
                return NULL;
        (void) json_object_set_new(o, "CPUPerc", s->cpu_percent < 0 ? json_null() : json_real(s->cpu_percent));
        SET_U64("MemUsage", s->mem);
        SET_U64("MemLimit", s->mem_limit);
        SET_U64("PIDs", s->pids);
        SET_U64("CPUUsageUsec", s->cpu_usec);
#undef SET_U64
        return o;
}

static void sample_print(const Sample *s) {
        char mem[32], limit[32], cpu[16] = "--", memp[16] = "--", pids[24] = "--", usage[80];

        format_bytes(s->mem, mem, sizeof mem);
        format_bytes(s->mem_limit, limit, sizeof limit);
        if (s->cpu_percent >= 0)
                (void) snprintf(cpu, sizeof cpu, "%.2f%%", s->cpu_percent);
        if (s->mem != UINT64_MAX && s->mem_limit != UINT64_MAX && s->mem_limit > 0)
                (void) snprintf(memp, sizeof memp, "%.2f%%", 100.0 * (double) s->mem / (double) s->mem_limit);
        if (s->pids != UINT64_MAX)
                (void) snprintf(pids, sizeof pids, "%" PRIu64, s->pids);
        (void) snprintf(usage, sizeof usage, "%s / %s", mem, limit);
        printf("%-14.12s %-20s %-8s %-22s %-8s %s\n", s->id, s->name, cpu, usage, memp, pids);
}

static void samples_free(Sample *samples, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(samples[i].name);
                free(samples[i].id);
        }
        free(samples);
}

/* One round: two samples apart by interval for the CPU share, then printed. */
static int stats_round(sd_bus *bus, char **names, bool json, bool clear) {
        Sample *samples = calloc(strv_length(names) ?: 1, sizeof(Sample));
        size_t n = 0;
        int r = 0;

        if (!samples)
                return log_oom();
        STRV_FOREACH(name, names) {
                _cleanup_(container_ref_done) ContainerRef ref = {};
                Sample *s = &samples[n];
                char id[CONTAINER_ID_LEN + 1];

                r = container_lookup(bus, *name, &ref);
                if (r < 0)
                        break;
                if (!ref.running) {
                        r = log_error_errno(-ESRCH, "Container '%s' is not running.", *name);
                        break;
                }
                if (!ref.state.id && container_id_from_name(ref.name, id) < 0) {
                        r = log_oom();
                        break;
                }
                s->name = strdup(ref.name);
                s->id = strdup(ref.state.id ?: id);
                n++;
                if (!s->name || !s->id) {
                        r = log_oom();
                        break;
                }
                (void) sample_take(bus, &ref, s);
        }
        if (r >= 0) {
                usleep(500000);
                for (size_t i = 0; i < n; i++) {
                        _cleanup_(container_ref_done) ContainerRef ref = {};
                        Sample later;
                        samples[i].cpu_percent = -1;
                        if (container_lookup(bus, samples[i].name, &ref) < 0 || sample_take(bus, &ref, &later) < 0)
                                continue;
                        if (later.cpu_usec != UINT64_MAX && samples[i].cpu_usec != UINT64_MAX &&
                                        later.taken_usec > samples[i].taken_usec)
                                samples[i].cpu_percent = 100.0 * (double) (later.cpu_usec - samples[i].cpu_usec) /
                                                         (double) (later.taken_usec - samples[i].taken_usec);
                        samples[i].mem = later.mem;
                        samples[i].mem_limit = later.mem_limit;
                        samples[i].pids = later.pids;
                        samples[i].cpu_usec = later.cpu_usec;
                }
                if (clear)
                        printf("\033[2J\033[H");
                if (!json)
                        printf("%-14s %-20s %-8s %-22s %-8s %s\n", "CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT",
                                        "MEM %", "PIDS");
                for (size_t i = 0; i < n; i++)
                        if (json) {
                                json_t *o = sample_json(&samples[i]);
                                char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
                                if (text)
                                        printf("%s\n", text);
                                free(text);
                                json_decref(o);
                        } else
                                sample_print(&samples[i]);
                fflush(stdout);
        }
        samples_free(samples, n);
        return r;
}

int verb_stats(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "no-stream", no_argument, NULL, 's' },
                { "all", no_argument, NULL, 'a' },
                { "format", required_argument, NULL, 'f' },
                {},
        };
        static const char usage[] = "Usage: berth stats [--no-stream] [--format json] [CONTAINER...]";
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_strv_free_ char **names = NULL;
        bool stream = true, json = false;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+ha", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("%s\n\nShows CPU, memory and process counts of running containers (all of them "
                               "without names), once with --no-stream, else every second.\n",
                                        usage);
                        return 0;
                case 's':
                        stream = false;
                        break;
                case 'a':
                        break; /* docker's -a adds stopped containers, which have no usage to show */
                case 'f':
                        if (!streq(optarg, "json") && !streq(optarg, "{{json .}}"))
                                return log_error_errno(-EINVAL, "Invalid --format '%s': expected json.", optarg);
                        json = true;
                        break;
                default:
                        return log_error_errno(-EINVAL, "%s", usage);
                }
        r = systemd_bus_open(&bus);
        if (r < 0)
                return r;
        if (optind < argc)
                names = strv_copy(argv + optind);
        else if (running_containers(&names) < 0)
                return log_error_errno(-EIO, "Failed to list the running containers.");
        if (!names && optind < argc)
                return log_oom();
        do {
                r = stats_round(bus, names, json, stream && terminal_wants_escapes(STDOUT_FILENO));
                if (r < 0)
                        return r;
                if (stream)
                        usleep(500000);
        } while (stream);
        return 0;
}
