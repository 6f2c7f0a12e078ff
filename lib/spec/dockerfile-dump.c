/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A parsed Dockerfile printed as S-expressions (dockerfile_dump of dockerfile.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dockerfile.h"
#include "strv.h"

static int dump_string(FILE *f, const char *s) {
        fputc('"', f);
        for (; *s; s++) {
                if (*s == '"' || *s == '\\')
                        fprintf(f, "\\%c", *s);
                else if (*s == '\n')
                        fputs("\\n", f);
                else if (*s == '\t')
                        fputs("\\t", f);
                else
                        fputc(*s, f);
        }
        fputc('"', f);
        return 0;
}

static void dump_instruction(FILE *f, const DockerfileInstruction *in) {
        char lower[32];
        size_t n = MIN(strlen(in->keyword), sizeof(lower) - 1);

        for (size_t i = 0; i < n; i++)
                lower[i] = (char) tolower((unsigned char) in->keyword[i]);
        lower[n] = 0;
        fprintf(f, "(%s", lower);
        STRV_FOREACH(fl, in->flags)
                fprintf(f, " --%s", *fl);
        if (in->onbuild) {
                fputc(' ', f);
                dump_instruction(f, in->onbuild);
        } else if (in->json) {
                fputs(" [", f);
                STRV_FOREACH(a, in->argv) {
                        if (a != in->argv)
                                fputc(' ', f);
                        dump_string(f, *a);
                }
                fputc(']', f);
        } else if (in->argv) {
                STRV_FOREACH(a, in->argv) {
                        fputc(' ', f);
                        dump_string(f, *a);
                }
        } else {
                fputc(' ', f);
                dump_string(f, in->args);
        }
        for (size_t k = 0; k < in->n_heredocs; k++) {
                fprintf(f, " %s<<%s%s=", in->heredocs[k].fd ? "fd" : "", in->heredocs[k].expand ? "" : "'",
                                in->heredocs[k].delimiter);
                dump_string(f, in->heredocs[k].body);
        }
        fputc(')', f);
}

int dockerfile_dump(const Dockerfile *d, char **ret) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < d->n_instructions; i++) {
                dump_instruction(f, &d->instructions[i]);
                fputc('\n', f);
        }
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}
