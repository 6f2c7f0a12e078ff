/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The image store (see image-store.h). Placeholder while the real store is written. */
#include <errno.h>
#include <stdlib.h>

#include "image-store.h"

struct ImageStore {
        char *root;
};

int image_store_open(const char *root, ImageStore **ret) {
        return -EOPNOTSUPP;
}

ImageStore *image_store_free(ImageStore *store) {
        if (store) {
                free(store->root);
                free(store);
        }
        return NULL;
}

int image_store_import_rootfs(ImageStore *store, int fd, const char *name, Image **ret) {
        return -EOPNOTSUPP;
}

int image_store_lookup(ImageStore *store, const char *reference, Image **ret) {
        return -EOPNOTSUPP;
}

int image_store_list(ImageStore *store, Image ***ret, size_t *ret_n) {
        return -EOPNOTSUPP;
}

void image_config_done(ImageConfig *c) {
        if (!c)
                return;
        c->env = strv_free(c->env);
        c->entrypoint = strv_free(c->entrypoint);
        c->cmd = strv_free(c->cmd);
        free(c->working_dir);
        c->working_dir = NULL;
        free(c->user);
        c->user = NULL;
        free(c->stop_signal);
        c->stop_signal = NULL;
        c->exposed_ports = strv_free(c->exposed_ports);
        c->volumes = strv_free(c->volumes);
        c->labels = strv_free(c->labels);
}

Image *image_free(Image *image) {
        if (!image)
                return NULL;
        free(image->id);
        strv_free(image->names);
        strv_free(image->layer_dirs);
        image_config_done(&image->config);
        free(image);
        return NULL;
}
