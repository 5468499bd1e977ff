/* Internal helpers shared by the filter module's files (not installed). */
#ifndef FALCO_CORE_FILTER_INTERNAL_H
#define FALCO_CORE_FILTER_INTERNAL_H

#include <stddef.h>

/* Unescapes a quoted token (delimiters included) as upstream's unescape_str:
 * \b \f \n \r \t \\ \/ \xHH, "\ " gives a backslash, \" only inside "..",
 * \' only inside '..'. On success stores a malloc'd string in *out (caller
 * frees) and returns 0; on error returns -EINVAL with upstream's message. */
int flt_unescape(const char *tok, size_t len, char **out, size_t *outlen, char *msg, size_t msglen);

#endif
