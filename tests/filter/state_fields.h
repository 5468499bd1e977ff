/* Test bridge: a field class over core/state's extractors (see state_fields.c). */
#ifndef FALCO_TESTS_FILTER_STATE_FIELDS_H
#define FALCO_TESTS_FILTER_STATE_FIELDS_H
#include "fields/fields.h"
#include "state/state.h"
const struct fld_class *test_state_fields(void);
#endif
