/* kouan — files built into the binary (schema migrations, XSDs).
 *
 * cmake/embed.cmake turns a folder's files into a table of these, so the
 * executable needs nothing from the source tree at run time. */
#ifndef KN_EMBED_H
#define KN_EMBED_H

#include <stddef.h>

typedef struct {
    const char *name; /* file name, e.g. "001_inbound.sql"; NULL ends a table */
    const char *data; /* its bytes, NUL-terminated */
    size_t len;       /* bytes without the NUL */
} kn_embedded_t;

/* The entry called name in table, or NULL. */
const kn_embedded_t *kn_embedded_find(const kn_embedded_t *table, const char *name);

#endif
