/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the --publish parser (lib/publish-spec.c), which reads -p, PublishPort= and the
 * leases' records. It may refuse anything, never crash; what it accepts formats to a text it reads
 * back to the same ports (the leases and `berth port` rely on that). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "publish-spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1), *text;
        PublishSpec p, q;

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = 0;
        if (publish_spec_parse(s, &p) >= 0) {
                text = publish_spec_format(&p);
                if (!text || publish_spec_parse(text, &q) < 0 || p.host_port != q.host_port ||
                                p.container_port != q.container_port || p.count != q.count ||
                                strcmp(p.proto, q.proto) != 0 || p.host_ip.family != q.host_ip.family ||
                                memcmp(p.host_ip.addr, q.host_ip.addr, sizeof p.host_ip.addr) != 0)
                        abort();
                free(text);
        }
        free(s);
        return 0;
}
