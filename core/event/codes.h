/* Event codes, numbered as upstream's event schema 4.x (ppm_event_code). */
#ifndef FALCO_CORE_EVENT_CODES_H
#define FALCO_CORE_EVENT_CODES_H

enum ev_code {
	EV_GENERIC_E = 0,
	EV_GENERIC_X = 1,
	EV_PLUGINEVENT_E = 322,
	EV_ASYNCEVENT_E = 402,
	EV_CODE_MAX = 454
};

#endif
