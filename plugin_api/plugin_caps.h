/*
 * plugin_caps.h: capability bits a host derives from the functions a plugin
 * exports (the names of upstream's plugin loader). Hosts include this;
 * plugins do not need it.
 *
 *  CAP_SOURCING           open, close and next_batch (and get_id with a
 *                         non-empty get_event_source, or neither)
 *  CAP_EXTRACTION         get_fields and extract_fields
 *  CAP_PARSING            parse_event
 *  CAP_ASYNC              get_async_events and set_async_event_handler
 *  CAP_CAPTURE_LISTENING  capture_open and capture_close
 *  CAP_BROKEN             a capability is half implemented: refuse the plugin
 */
#ifndef FALCO_PLUGIN_CAPS_H
#define FALCO_PLUGIN_CAPS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	CAP_NONE = 0,
	CAP_SOURCING = 1 << 0,
	CAP_EXTRACTION = 1 << 1,
	CAP_PARSING = 1 << 2,
	CAP_ASYNC = 1 << 3,
	CAP_CAPTURE_LISTENING = 1 << 4,
	CAP_BROKEN = 1u << 31,
} plugin_caps_t;

#ifdef __cplusplus
}
#endif

#endif
