/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The --format templates of ps, images, inspect, network ls and volume ls (lib/basic/go-template.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "go-template.h"
#include "tap.h"

static char *render(const char *format, const char *json) {
        json_t *rows = json_loads(json, 0, NULL);
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        int r = f && rows ? go_template_print_rows(f, format, rows,
                                            (const GoTemplateHeading[]) { { ".ID", "CONTAINER ID" }, {} })
                          : -ENOMEM;

        if (f)
                fclose(f);
        json_decref(rows);
        if (r < 0) {
                free(text);
                return NULL;
        }
        return text;
}

static void check_render(const char *format, const char *json, const char *expected) {
        char *got = render(format, json);
        /* by the format, since expected holds newlines that would break the TAP line */
        tap_n++;
        if (got && strcmp(got, expected) == 0)
                printf("ok %d - %s\n", tap_n, format);
        else {
                printf("not ok %d - %s\n", tap_n, format);
                tap_failed++;
        }
        free(got);
}

int main(void) {
        const char *rows = "[{\"ID\": \"abc\", \"Names\": \"web\", \"State\": {\"Status\": \"running\", \"Pid\": 42}, "
                           "\"Labels\": {\"a\": \"b\"}, \"Ok\": true, \"Gone\": null}]";

        check_render("{{.Names}}", rows, "web\n");
        check_render("{{ .Names }} is {{.State.Status}} as {{.State.Pid}}", rows, "web is running as 42\n");
        check_render("{{json .Labels}}", rows, "{\"a\":\"b\"}\n");
        check_render("{{json .Names}}", rows, "\"web\"\n");
        check_render("{{.Ok}} {{.Gone}} {{.Missing.Deeper}}", rows, "true <no value> <no value>\n");
        check_render("table {{.ID}}\\t{{.Names}}", rows, "CONTAINER ID\tNAMES\nabc\tweb\n");
        check_render("{{.Names}}", "[]", "");
        check_render("{{.Name}} {{.NetworkInterface}}", "[{\"name\": \"n\", \"network_interface\": \"b0\"}]", "n b0\n");
        CHECK(go_template_check("{{.Names}}") == 0);
        CHECK(go_template_check("{{.Names") == -EINVAL);
        CHECK(go_template_check("{{range .Names}}") == -EINVAL);
        CHECK(go_template_check("{{}}") == -EINVAL);
        CHECK(!render("{{Names}}", rows));
        return tap_done();
}
