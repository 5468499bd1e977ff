/*
 * Container metadata: what a runtime tells about one container, read from
 * its inspect answer (docker's /containers/ID/json or podman's libpod
 * /containers/ID/json), and the JSON text that carries it in the
 * `container` async event (the shape upstream's plugin and the older
 * container events use: {"container": {"id": ..., "Mounts": [...], ...}}).
 */
#ifndef CTR_INFO_H
#define CTR_INFO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ctr_mount {
	char *source, *dest, *mode, *propagation; /* owned */
	bool rw;
};

struct ctr_label {
	char *key, *value; /* owned */
};

/* Every string is owned by the struct, never NULL after a successful
 * parse ("" when unknown). */
struct ctr_info {
	char *id, *full_id, *name, *image, *imageid, *imagerepo, *imagetag, *imagedigest;
	char *ip, *user, *pod_sandbox_id, *cni_json;
	int type;                /* enum ctr_type */
	bool privileged, host_pid, host_network, host_ipc, is_pod_sandbox;
	int64_t created_time;    /* seconds since the epoch, 0 when unknown */
	struct ctr_mount *mounts; /* owned array */
	size_t nmounts;
	struct ctr_label *labels; /* owned array, sorted by key */
	size_t nlabels;
};

/* Frees what `c` owns (not `c` itself); NULL is a no-op. */
void ctr_info_clear(struct ctr_info *c);
void ctr_info_free(struct ctr_info *c); /* clear + free(c) */

/* Splits an image reference into repository and tag as upstream does: the
 * digest (from '@') is dropped; the tag follows the last ':' after the last
 * '/'. Writes malloc'd strings (caller frees); returns -ENOMEM or 0. */
int ctr_image_split(const char *image, char **repo, char **tag);

/* Fills `c` (zeroed by the caller) from a runtime's inspect JSON text.
 * `type` is the runtime's type; labels longer than label_max_len are left
 * out (0: no limit). Returns 0, or -EINVAL with a reason in err. */
int ctr_info_from_inspect(struct ctr_info *c, const char *json, size_t len, int type, size_t label_max_len,
                          char *err, size_t errlen);

/* The async event payload for `c`: a malloc'd NUL-terminated JSON text. */
char *ctr_info_to_json(const struct ctr_info *c);

/* Parses an async event payload (ours or upstream's). Returns 0 or -EINVAL. */
int ctr_info_from_json(struct ctr_info *c, const char *json, size_t len, char *err, size_t errlen);

/* The label `key`, or NULL. */
const char *ctr_info_label(const struct ctr_info *c, const char *key);

#endif
