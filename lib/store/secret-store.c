/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "object-name.h"
#include "paths.h"
#include "secret-store.h"
#include "strv.h"

char *secret_store_path(const char *name) {
        return strjoin(berth_path(BERTH_PATH_STATE), "/secrets", name ? "/" : "", name ?: "");
}

int secret_store_create(const char *name, const void *data, size_t size, bool replace) {
        _cleanup_free_ char *dir = secret_store_path(NULL), *path = secret_store_path(name);
        int r;

        if (!dir || !path)
                return -ENOMEM;
        if (!secret_name_is_valid(name))
                return -EINVAL;
        if (size > SECRET_SIZE_MAX)
                return -EFBIG;
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return r;
        /* A directory made by someone else (or an older berth) gets the mode it must have. */
        if (chmod(dir, 0700) < 0)
                return negative_errno();
        if (!replace && access(path, F_OK) == 0)
                return -EEXIST;
        return write_file_atomic(path, data, size, 0600, WRITE_FILE_SYNC);
}

int secret_store_read(const char *name, char **ret, size_t *ret_size) {
        _cleanup_free_ char *path = secret_store_path(name);

        if (!path)
                return -ENOMEM;
        if (!secret_name_is_valid(name))
                return -EINVAL;
        return read_full_file(path, ret, ret_size);
}

int secret_store_remove(const char *name) {
        _cleanup_free_ char *path = secret_store_path(name);

        if (!path)
                return -ENOMEM;
        if (!secret_name_is_valid(name))
                return -EINVAL;
        return unlink(path) < 0 ? negative_errno() : 0;
}

static int compare(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int secret_store_list(char ***ret) {
        _cleanup_free_ char *dir = secret_store_path(NULL);
        _cleanup_strv_free_ char **names = NULL;
        DIR *d;
        struct dirent *de;
        int r = 0;

        if (!dir)
                return -ENOMEM;
        d = opendir(dir);
        if (!d && errno != ENOENT)
                return negative_errno();
        while (d && (de = readdir(d)))
                if (de->d_type == DT_REG && secret_name_is_valid(de->d_name) && (r = strv_extend(&names, de->d_name)) < 0)
                        break;
        if (d)
                closedir(d);
        if (r < 0)
                return r;
        if (!names && !(names = calloc(1, sizeof(char *))))
                return -ENOMEM;
        qsort(names, strv_length(names), sizeof(char *), compare);
        *ret = TAKE_PTR(names);
        return 0;
}
