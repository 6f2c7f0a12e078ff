/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs-util.h"
#include "log.h"
#include "registry-client.h"

#define MAX_REDIRECTS  10
#define ERROR_BODY_MAX 4096
#define TOKEN_BODY_MAX (1024 * 1024)
#define USER_AGENT     "berth/" BERTH_VERSION

struct RegistryClient {
        char *domain, *repository;
        char *base; /* "https://host[:port]" */
        char *username, *password;
        bool insecure;
        unsigned stall_timeout_sec;
        char *authorization; /* "Authorization: ..." header line, once authenticated */
        CURLM *multi;
};

typedef struct Buffer {
        char *data;
        size_t size, allocated;
} Buffer;

struct RegistryTransfer {
        RegistryClient *client;
        CURL *easy;
        struct curl_slist *headers;
        char *url;
        Buffer in, out; /* body bytes arriving; bytes handed to the reader */
        Buffer error;   /* the start of a non-2xx body, for the message */
        bool added, done;
        CURLcode result;
        /* resuming a broken download with a Range request */
        char *accept;
        uint64_t delivered;  /* body bytes received so far */
        uint64_t range_from; /* this attempt asked for bytes from here on */
        uint64_t skip;       /* a server that ignored the Range: bytes to drop */
        bool range_checked, range_refused;
        unsigned resumes;
};

#define RESUMES_MAX 5

static int buffer_append(Buffer *b, const void *p, size_t n, size_t max) {
        if (!p)
                n = 0;
        if (max > 0 && b->size + n > max)
                n = max > b->size ? max - b->size : 0;
        if (b->size + n + 1 > b->allocated) {
                size_t a = MAX(b->allocated * 2, b->size + n + 1);
                char *d = realloc(b->data, MAX(a, (size_t) 16384));
                if (!d)
                        return -ENOMEM;
                b->data = d;
                b->allocated = MAX(a, (size_t) 16384);
        }
        if (n > 0)
                memcpy(b->data + b->size, p, n);
        b->size += n;
        b->data[b->size] = 0;
        return 0;
}

static void buffer_done(Buffer *b) {
        free(b->data);
        *b = (Buffer) {};
}

static void *mfree(void *p) {
        free(p);
        return NULL;
}

/* ---- transfers ----------------------------------------------------------------------------- */

/* The first bytes of a resumed download: a 206 must start where we asked, a 200 (Range ignored)
 * repeats what we have, which is dropped. */
static bool resumed_response_ok(RegistryTransfer *t, long status) {
        char expected[64];
        const char *range;

        if (status == 200) {
                t->skip = t->range_from;
                return true;
        }
        if (status != 206)
                return false;
        range = registry_transfer_header(t, "Content-Range");
        snprintf(expected, sizeof(expected), "bytes %ju-", (uintmax_t) t->range_from);
        return range && startswith(range, expected);
}

static size_t on_body(char *p, size_t size, size_t n, void *userdata) {
        RegistryTransfer *t = userdata;
        size_t len = size * n;
        long status = 0;

        (void) curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status < 200 || status >= 300) {
                (void) buffer_append(&t->error, p, len, ERROR_BODY_MAX);
                return len;
        }
        if (t->range_from > 0 && !t->range_checked) {
                t->range_checked = true;
                if (!resumed_response_ok(t, status)) {
                        t->range_refused = true;
                        return 0; /* aborts the transfer */
                }
        }
        if (t->skip > 0) {
                size_t k = (size_t) MIN(t->skip, (uint64_t) len);
                t->skip -= k;
                p += k;
                len -= k;
        }
        if (buffer_append(&t->in, p, len, 0) < 0)
                return 0;
        t->delivered += len;
        return size * n;
}

static void transfer_reset(RegistryTransfer *t) {
        if (t->added)
                curl_multi_remove_handle(t->client->multi, t->easy);
        t->added = t->done = t->range_checked = t->range_refused = false;
        t->skip = 0;
        if (t->easy)
                curl_easy_cleanup(t->easy);
        t->easy = NULL;
        curl_slist_free_all(t->headers);
        t->headers = NULL;
        t->in.size = t->out.size = t->error.size = 0;
}

RegistryTransfer *registry_transfer_free(RegistryTransfer *t) {
        if (!t)
                return NULL;
        transfer_reset(t);
        buffer_done(&t->in);
        buffer_done(&t->out);
        buffer_done(&t->error);
        free(t->url);
        free(t->accept);
        free(t);
        return NULL;
}

/* Scheme, host and port equal: only then may credentials go along. */
static bool same_origin(const char *a, const char *b) {
        CURLU *ua = curl_url(), *ub = curl_url();
        bool same = false;

        if (ua && ub && curl_url_set(ua, CURLUPART_URL, a, 0) == CURLUE_OK &&
                        curl_url_set(ub, CURLUPART_URL, b, 0) == CURLUE_OK) {
                static const CURLUPart parts[] = { CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT };
                same = true;
                for (size_t i = 0; same && i < ELEMENTSOF(parts); i++) {
                        char *x = NULL, *y = NULL;
                        (void) curl_url_get(ua, parts[i], &x, CURLU_DEFAULT_PORT);
                        (void) curl_url_get(ub, parts[i], &y, CURLU_DEFAULT_PORT);
                        same = x && y && strcasecmp(x, y) == 0;
                        curl_free(x);
                        curl_free(y);
                }
        }
        curl_url_cleanup(ua);
        curl_url_cleanup(ub);
        return same;
}

static int transfer_start(RegistryTransfer *t, const char *accept) {
        RegistryClient *c = t->client;

        transfer_reset(t);
        t->easy = curl_easy_init();
        if (!t->easy)
                return -ENOMEM;
        if (accept) {
                _cleanup_free_ char *h = strjoin("Accept: ", accept);
                if (!h || !(t->headers = curl_slist_append(t->headers, h)))
                        return -ENOMEM;
        }
        t->range_from = t->delivered;
        if (t->range_from > 0) {
                char h[64];
                snprintf(h, sizeof(h), "Range: bytes=%ju-", (uintmax_t) t->range_from);
                if (!(t->headers = curl_slist_append(t->headers, h)))
                        return -ENOMEM;
        }
        if (c->authorization && same_origin(t->url, c->base) &&
                        !(t->headers = curl_slist_append(t->headers, c->authorization)))
                return -ENOMEM;

        if (curl_easy_setopt(t->easy, CURLOPT_URL, t->url) != CURLE_OK ||
                        curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers) != CURLE_OK ||
                        curl_easy_setopt(t->easy, CURLOPT_USERAGENT, USER_AGENT) != CURLE_OK ||
                        curl_easy_setopt(t->easy, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
                        curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
                        curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
                        curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t) != CURLE_OK ||
                        curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT, 30L) != CURLE_OK ||
                        /* a stalled download fails instead of hanging: under 1 byte/s for the stall timeout */
                        curl_easy_setopt(t->easy, CURLOPT_LOW_SPEED_LIMIT, 1L) != CURLE_OK ||
                        curl_easy_setopt(t->easy, CURLOPT_LOW_SPEED_TIME, (long) c->stall_timeout_sec) != CURLE_OK ||
                        curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK)
                return -EIO;
        if (c->insecure) {
                (void) curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYPEER, 0L);
                (void) curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        if (curl_multi_add_handle(c->multi, t->easy) != CURLM_OK)
                return -EIO;
        t->added = true;
        return 0;
}

/* Runs curl until body bytes are waiting or the transfer ended. */
static int transfer_pump(RegistryTransfer *t) {
        while (t->in.size == 0 && !t->done) {
                CURLMsg *msg;
                int running, queued;

                if (curl_multi_perform(t->client->multi, &running) != CURLM_OK)
                        return -EIO;
                while ((msg = curl_multi_info_read(t->client->multi, &queued)))
                        if (msg->msg == CURLMSG_DONE && msg->easy_handle == t->easy) {
                                t->done = true;
                                t->result = msg->data.result;
                        }
                if (t->in.size == 0 && !t->done && curl_multi_poll(t->client->multi, NULL, 0, 1000, NULL) != CURLM_OK)
                        return -EIO;
        }
        return 0;
}

static long transfer_status(RegistryTransfer *t) {
        long status = 0;
        (void) curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        return status;
}

const char *registry_transfer_header(RegistryTransfer *t, const char *name) {
        struct curl_header *h = NULL;

        if (!t->easy || curl_easy_header(t->easy, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
                return NULL;
        return h->value;
}

int64_t registry_transfer_length(RegistryTransfer *t) {
        curl_off_t n = -1;
        (void) curl_easy_getinfo(t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &n);
        return n;
}

/* A stall (no byte for the stall timeout) is not transient: retrying would only wait as long again. */
static bool result_is_transient(CURLcode c) {
        return c == CURLE_PARTIAL_FILE || c == CURLE_RECV_ERROR || c == CURLE_SEND_ERROR || c == CURLE_GOT_NOTHING ||
               c == CURLE_HTTP2_STREAM;
}

ssize_t registry_transfer_read(RegistryTransfer *t, const void **ret_data, char **ret_error) {
        Buffer swap;
        int r;

        for (;;) {
                r = transfer_pump(t);
                if (r < 0)
                        return log_detail_errno(ret_error, r, "Download of %s failed.", t->url);
                if (t->in.size > 0)
                        break;
                if (t->result == CURLE_OK)
                        return 0;
                if (t->range_refused)
                        return log_detail_errno(ret_error, -EIO,
                                        "Download of %s: resuming at byte %ju failed: the server "
                                        "answered %ld.",
                                        t->url, (uintmax_t) t->range_from, transfer_status(t));
                if (t->result == CURLE_OPERATION_TIMEDOUT)
                        return log_detail_errno(ret_error, -ETIMEDOUT,
                                        "Download of %s stalled: no data for %u seconds, giving up "
                                        "after %ju bytes.",
                                        t->url, t->client->stall_timeout_sec, (uintmax_t) t->delivered);
                /* A connection that broke off after some progress is picked up where it stopped. */
                if (!result_is_transient(t->result) || t->delivered == 0 || t->resumes >= RESUMES_MAX)
                        return log_detail_errno(ret_error, -EIO, "Download of %s failed: %s", t->url,
                                        curl_easy_strerror(t->result));
                t->resumes++;
                log_warning("Download of %s broke off after %ju bytes (%s); resuming.", t->url,
                                (uintmax_t) t->delivered, curl_easy_strerror(t->result));
                r = transfer_start(t, t->accept);
                if (r < 0)
                        return log_detail_errno(ret_error, r, "Failed to set up the resumed request: %m");
        }
        /* Hand out what arrived; curl fills the other buffer meanwhile. */
        swap = t->out;
        t->out = t->in;
        t->in = swap;
        t->in.size = 0;
        *ret_data = t->out.data;
        return (ssize_t) t->out.size;
}

int registry_transfer_read_all(RegistryTransfer *t, size_t max, char **ret, size_t *ret_size, char **ret_error) {
        Buffer all = {};

        for (;;) {
                const void *p = NULL;
                ssize_t n = registry_transfer_read(t, &p, ret_error);
                if (n < 0) {
                        buffer_done(&all);
                        return (int) n;
                }
                if (n == 0)
                        break;
                if (all.size + (size_t) n > max) {
                        buffer_done(&all);
                        return log_detail_errno(ret_error, -EFBIG, "%s is larger than %zu bytes; refusing it.", t->url,
                                        max);
                }
                if (buffer_append(&all, p, (size_t) n, 0) < 0) {
                        buffer_done(&all);
                        return -ENOMEM;
                }
        }
        if (buffer_append(&all, "", 0, 0) < 0)
                return -ENOMEM;
        *ret = all.data;
        *ret_size = all.size;
        return 0;
}

/* ---- authentication ------------------------------------------------------------------------ */

static char *base64(const char *s) {
        size_t n = strlen(s);
        unsigned char *out = malloc(4 * ((n + 2) / 3) + 1);

        if (out)
                EVP_EncodeBlock(out, (const unsigned char *) s, (int) n);
        return (char *) out;
}

/* Pulls key="value" out of a challenge's parameter list. */
static char *challenge_param(const char *params, const char *key) {
        size_t l = strlen(key);

        for (const char *p = params ?: ""; *p;) {
                while (*p == ' ' || *p == ',')
                        p++;
                if (strncasecmp(p, key, l) == 0 && p[l] == '=') {
                        const char *v = p + l + 1, *end;
                        if (*v == '"') {
                                v++;
                                end = strchr(v, '"');
                        } else
                                end = v + strcspn(v, ", ");
                        return end ? strndup(v, end - v) : NULL;
                }
                /* skip this parameter, minding quoted commas */
                while (*p && *p != ',') {
                        if (*p == '"') {
                                const char *q = strchr(p + 1, '"');
                                p = q ? q + 1 : p + strlen(p);
                        } else
                                p++;
                }
        }
        return NULL;
}

static int basic_credentials(RegistryClient *c, char **ret) {
        _cleanup_free_ char *pair = strjoin(c->username, ":", c->password ?: ""), *b = NULL;

        if (!pair || !(b = base64(pair)))
                return -ENOMEM;
        *ret = strjoin("Authorization: Basic ", b);
        return *ret ? 0 : -ENOMEM;
}

static int fetch_token(RegistryClient *c, const char *params, char **ret_error) {
        _cleanup_free_ char *realm = challenge_param(params, "realm"), *service = challenge_param(params, "service"),
                            *scope = challenge_param(params, "scope"), *url = NULL, *default_scope = NULL, *body = NULL,
                            *basic = NULL;
        size_t size = 0;
        _cleanup_(registry_transfer_freep) RegistryTransfer *t = NULL;
        char *esc_service = NULL, *esc_scope = NULL;
        const char *token;
        json_t *j;
        int r;

        if (!realm)
                return log_detail_errno(ret_error, -EPROTO, "Registry %s: Bearer challenge without a realm.", c->domain);
        if (!startswith(realm, "https://") && !(c->insecure && startswith(realm, "http://")))
                return log_detail_errno(ret_error, -EPROTO, "Registry %s: refusing token realm %s (not https).",
                                c->domain, realm);
        default_scope = strjoin("repository:", c->repository, ":pull");
        if (!default_scope)
                return -ENOMEM;
        esc_service = service ? curl_easy_escape(NULL, service, 0) : NULL;
        esc_scope = curl_easy_escape(NULL, scope ?: default_scope, 0);
        if (!esc_scope || (service && !esc_service))
                r = -ENOMEM;
        else {
                url = strjoin(realm, strchr(realm, '?') ? "&" : "?", "scope=", esc_scope, service ? "&service=" : "",
                                esc_service ?: "");
                r = url ? 0 : -ENOMEM;
        }
        curl_free(esc_service);
        curl_free(esc_scope);
        if (r < 0)
                return r;

        /* The token server gets the credentials (if any); the registry only ever sees the token. */
        c->authorization = mfree(c->authorization);
        t = calloc(1, sizeof(RegistryTransfer));
        if (!t)
                return -ENOMEM;
        t->client = c;
        t->url = TAKE_PTR(url);
        r = transfer_start(t, "application/json");
        if (r < 0)
                return log_detail_errno(ret_error, r, "Failed to set up the token request: %m");
        if (c->username) {
                r = basic_credentials(c, &basic);
                if (r < 0 || !(t->headers = curl_slist_append(t->headers, basic)))
                        return -ENOMEM;
                (void) curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
        }
        r = registry_transfer_read_all(t, TOKEN_BODY_MAX, &body, &size, ret_error);
        if (r < 0)
                return r;
        if (transfer_status(t) != 200)
                return log_detail_errno(ret_error, -EACCES, "Registry %s: the token server %s answered %ld.", c->domain,
                                realm, transfer_status(t));
        j = json_loadb(body, size, 0, NULL);
        token = json_string_value(json_object_get(j, "token")) ?: json_string_value(json_object_get(j, "access_token"));
        if (!token || !*token) {
                json_decref(j);
                return log_detail_errno(ret_error, -EPROTO, "Registry %s: the token server's answer holds no token.",
                                c->domain);
        }
        c->authorization = strjoin("Authorization: Bearer ", token);
        json_decref(j);
        return c->authorization ? 0 : -ENOMEM;
}

/* Answers a 401: 0 when there is something new to try, -EACCES when not. */
static int authenticate(RegistryClient *c, RegistryTransfer *t, char **ret_error) {
        const char *challenge = registry_transfer_header(t, "WWW-Authenticate");
        const char *params;

        if (!challenge)
                return log_detail_errno(ret_error, -EACCES, "Registry %s: access denied (401 without a challenge).",
                                c->domain);
        if ((params = startswith(challenge, "Bearer ")) || (params = startswith(challenge, "bearer ")))
                return fetch_token(c, params, ret_error);
        if (startswith(challenge, "Basic ") || startswith(challenge, "basic ")) {
                if (!c->username)
                        return log_detail_errno(ret_error, -EACCES,
                                        "Registry %s wants a user name and password (--creds).", c->domain);
                free(c->authorization);
                return basic_credentials(c, &c->authorization) < 0 ? -ENOMEM : 0;
        }
        return log_detail_errno(ret_error, -EACCES, "Registry %s: unsupported authentication '%s'.", c->domain,
                        challenge);
}

/* ---- requests ------------------------------------------------------------------------------ */

static int report_error(RegistryClient *c, RegistryTransfer *t, long status, char **ret_error) {
        json_t *j = t->error.size > 0 ? json_loadb(t->error.data, t->error.size, 0, NULL) : NULL;
        json_t *e = json_array_get(json_object_get(j, "errors"), 0);
        const char *code = json_string_value(json_object_get(e, "code")),
                   *message = json_string_value(json_object_get(e, "message"));
        int r = status == 404 ? -ENOENT : status == 401 || status == 403 ? -EACCES : status == 429 ? -EBUSY : -EIO;

        (void) log_detail_errno(ret_error, r, "Registry %s: GET %s: %ld%s%s%s%s", c->domain, t->url, status,
                        code ? " " : "", code ?: "", message ? ": " : "", message ?: "");
        json_decref(j);
        return r;
}

int registry_get(RegistryClient *c, const char *kind, const char *reference, const char *accept, RegistryTransfer **ret,
                char **ret_error) {
        return registry_get_from(c, kind, reference, accept, 0, ret, ret_error);
}

int registry_get_from(RegistryClient *c, const char *kind, const char *reference, const char *accept, uint64_t offset,
                RegistryTransfer **ret, char **ret_error) {
        _cleanup_(registry_transfer_freep) RegistryTransfer *t = NULL;
        bool authenticated = false;
        int r;

        t = calloc(1, sizeof(RegistryTransfer));
        if (!t)
                return -ENOMEM;
        t->client = c;
        t->url = strjoin(c->base, "/v2/", c->repository, "/", kind, "/", reference);
        t->accept = accept ? strdup(accept) : NULL;
        if (!t->url || (accept && !t->accept))
                return -ENOMEM;
        t->delivered = offset;

        for (unsigned hops = 0;; hops++) {
                long status;

                r = transfer_start(t, accept);
                if (r < 0)
                        return log_detail_errno(ret_error, r, "Failed to set up the request for %s: %m", t->url);
                r = transfer_pump(t);
                if (r < 0)
                        return log_detail_errno(ret_error, r, "Request for %s failed.", t->url);
                /* A 2xx that already delivered bytes is the reader's: a break-off gets resumed there. */
                status = transfer_status(t);
                if (status >= 200 && status < 300 && (t->delivered > 0 || t->result == CURLE_OK))
                        break;
                if (t->done && t->result == CURLE_OPERATION_TIMEDOUT)
                        return log_detail_errno(ret_error, -ETIMEDOUT,
                                        "Registry %s: GET %s stalled: no answer for %u seconds.", c->domain, t->url,
                                        c->stall_timeout_sec);
                if (t->done && t->result != CURLE_OK)
                        return log_detail_errno(ret_error, -EIO, "Registry %s: GET %s: %s", c->domain, t->url,
                                        curl_easy_strerror(t->result));
                /* Not 2xx: the pump ran to the end of the (error) body. */

                if (status == 401 && !authenticated) {
                        r = authenticate(c, t, ret_error);
                        if (r < 0)
                                return r;
                        authenticated = true;
                        continue;
                }
                if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                        char *location = NULL;
                        if (hops >= MAX_REDIRECTS)
                                return log_detail_errno(ret_error, -ELOOP, "Registry %s: too many redirects for %s.",
                                                c->domain, reference);
                        if (curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_URL, &location) != CURLE_OK || !location)
                                return log_detail_errno(ret_error, -EPROTO, "Registry %s: redirect without a location.",
                                                c->domain);
                        free(t->url);
                        t->url = strdup(location);
                        if (!t->url)
                                return -ENOMEM;
                        continue;
                }
                return report_error(c, t, status, ret_error);
        }
        *ret = TAKE_PTR(t);
        return 0;
}

/* docker's rule: registries on the loopback may speak plain http. */
static bool host_is_loopback(const char *domain) {
        return startswith(domain, "localhost") || startswith(domain, "127.") || startswith(domain, "[::1]");
}

/* GET /v2/: 200 or 401 means a registry is there. Tries https, then http when allowed. */
static int ping(RegistryClient *c, const char *host, char **ret_error) {
        static const char *const schemes[] = { "https://", "http://" };
        _cleanup_free_ char *reason = NULL;
        int r = -EIO;

        for (size_t i = 0; i < ELEMENTSOF(schemes); i++) {
                _cleanup_(registry_transfer_freep) RegistryTransfer *t = NULL;
                long status;

                if (i > 0 && !c->insecure)
                        break;
                free(c->base);
                c->base = strjoin(schemes[i], host);
                t = calloc(1, sizeof(RegistryTransfer));
                if (!c->base || !t)
                        return -ENOMEM;
                t->client = c;
                t->url = strjoin(c->base, "/v2/");
                if (!t->url)
                        return -ENOMEM;
                r = transfer_start(t, NULL);
                if (r < 0)
                        return log_detail_errno(ret_error, r, "Failed to set up a request: %m");
                while (!t->done) {
                        t->in.size = 0;
                        r = transfer_pump(t);
                        if (r < 0)
                                return log_detail_errno(ret_error, r, "Request for %s failed.", t->url);
                }
                status = transfer_status(t);
                if (t->result == CURLE_OK && (status == 200 || status == 401))
                        return 0;
                /* An insecure registry gets a second chance over http: only the last failure is the reason. */
                reason = mfree(reason);
                if (t->result == CURLE_OK)
                        r = log_detail_errno(&reason, -EPROTO, "%s answered %ld: not a registry (v2 API).", t->url,
                                        status);
                else
                        r = log_detail_errno(&reason, -EHOSTUNREACH, "Cannot reach %s: %s", t->url,
                                        curl_easy_strerror(t->result));
        }
        error_pass(ret_error, &reason);
        return r;
}

/* $BERTH_PULL_STALL_TIMEOUT, seconds, else 60. */
static unsigned stall_timeout_from_env(void) {
        const char *e = getenv("BERTH_PULL_STALL_TIMEOUT");
        char *end;
        unsigned long v;

        if (isempty(e))
                return 60;
        errno = 0;
        v = strtoul(e, &end, 10);
        if (errno != 0 || *end || v == 0 || v > 86400) {
                log_warning("Ignoring BERTH_PULL_STALL_TIMEOUT=%s: not a number of seconds (1-86400).", e);
                return 60;
        }
        return (unsigned) v;
}

int registry_client_new(const char *domain, const char *repository, const RegistryOptions *options,
                RegistryClient **ret, char **ret_error) {
        _cleanup_(registry_client_freep) RegistryClient *c = NULL;
        int r;

        c = calloc(1, sizeof(RegistryClient));
        if (!c)
                return -ENOMEM;
        c->domain = strdup(domain);
        c->repository = strdup(repository);
        c->multi = curl_multi_init();
        if (!c->domain || !c->repository || !c->multi)
                return -ENOMEM;
        if (options && options->username) {
                c->username = strdup(options->username);
                c->password = strdup(options->password ?: "");
                if (!c->username || !c->password)
                        return -ENOMEM;
        }
        c->insecure = (options && options->insecure) || host_is_loopback(domain);
        c->stall_timeout_sec = options && options->stall_timeout_sec > 0 ? options->stall_timeout_sec
                                                                         : stall_timeout_from_env();

        /* docker.io is a name; the registry API lives elsewhere. */
        r = ping(c, streq(domain, "docker.io") ? "registry-1.docker.io" : domain, ret_error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

int registry_client_clone(RegistryClient *c, RegistryClient **ret) {
        _cleanup_(registry_client_freep) RegistryClient *n = NULL;

        n = calloc(1, sizeof(RegistryClient));
        if (!n)
                return -ENOMEM;
        *n = (RegistryClient) {
                .domain = strdup(c->domain),
                .repository = strdup(c->repository),
                .base = strdup(c->base),
                .username = c->username ? strdup(c->username) : NULL,
                .password = c->password ? strdup(c->password) : NULL,
                .insecure = c->insecure,
                .stall_timeout_sec = c->stall_timeout_sec,
                .authorization = c->authorization ? strdup(c->authorization) : NULL,
                .multi = curl_multi_init(),
        };
        if (!n->domain || !n->repository || !n->base || !n->multi || (c->username && !n->username) ||
                        (c->password && !n->password) || (c->authorization && !n->authorization))
                return -ENOMEM;
        *ret = TAKE_PTR(n);
        return 0;
}

RegistryClient *registry_client_free(RegistryClient *c) {
        if (!c)
                return NULL;
        if (c->multi)
                curl_multi_cleanup(c->multi);
        free(c->domain);
        free(c->repository);
        free(c->base);
        free(c->username);
        if (c->password)
                explicit_bzero(c->password, strlen(c->password));
        free(c->password);
        free(c->authorization);
        free(c);
        return NULL;
}
