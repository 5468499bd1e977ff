/*
 * The container plugin's fields: upstream's names, types, arguments and
 * suggested-output flags, in get_fields() order (field_id = enum value).
 */
#ifndef CTR_FIELDS_H
#define CTR_FIELDS_H
#include <stdint.h>

enum ctr_field {
	F_ID, F_FULL_ID, F_NAME, F_IMAGE, F_IMAGE_ID, F_TYPE, F_PRIVILEGED, F_MOUNTS, F_MOUNT, F_MOUNT_SOURCE,
	F_MOUNT_DEST, F_MOUNT_MODE, F_MOUNT_RDWR, F_MOUNT_PROPAGATION, F_IMAGE_REPOSITORY, F_IMAGE_TAG,
	F_IMAGE_DIGEST, F_HEALTHCHECK, F_LIVENESS_PROBE, F_READINESS_PROBE, F_START_TS, F_DURATION, F_IP,
	F_CNI_JSON, F_HOST_PID, F_HOST_NETWORK, F_HOST_IPC, F_LABEL, F_LABELS, F_IS_HEALTHCHECK,
	F_IS_LIVENESS_PROBE, F_IS_READINESS_PROBE, F_K8S_POD_NAME, F_K8S_NS_NAME, F_K8S_POD_ID, F_K8S_POD_UID,
	F_K8S_POD_SANDBOX_ID, F_K8S_POD_FULL_SANDBOX_ID, F_K8S_POD_LABEL, F_K8S_POD_LABELS, F_K8S_POD_IP,
	F_K8S_POD_CNI_JSON,
	F_DEPRECATED_K8S, /* first of the deprecated k8s.* fields: never a value */
	F_COUNT = F_DEPRECATED_K8S + 19
};

/* The get_fields() JSON text (static storage, built on first use). */
const char *ctr_fields_json(void);

#endif
