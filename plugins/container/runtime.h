/*
 * Runtime clients: an HTTP GET over a unix socket (docker's API and podman's
 * docker-compatible and libpod APIs), with a deadline on the whole exchange.
 */
#ifndef CTR_RUNTIME_H
#define CTR_RUNTIME_H
#include <stddef.h>

/* Sends `GET path` (HTTP/1.0, so the server closes after one plain body)
 * to the unix socket `sock` and reads the answer within timeout_ms. On
 * success returns the HTTP status and sets *body (malloc'd, NUL-terminated,
 * caller frees) and *len. On failure returns a negative errno (-ENOENT:
 * no socket there, -ETIMEDOUT, -EPROTO: not HTTP, -E2BIG: over 8 MiB) with
 * the reason in err. */
int ctr_http_get(const char *sock, const char *path, int timeout_ms, char **body, size_t *len, char *err,
                 size_t errlen);

/* Asks the runtime behind `sock` about container `id`: the libpod endpoint
 * for podman (type CTR_T_PODMAN), docker's otherwise. Fills `c` (zeroed by
 * the caller). Returns 0, -ENOENT when the runtime does not know the id, or
 * another negative errno with the reason in err. */
struct ctr_info;
int ctr_runtime_inspect(const char *sock, int type, const char *id, int timeout_ms, size_t label_max_len,
                        struct ctr_info *c, char *err, size_t errlen);

#endif
