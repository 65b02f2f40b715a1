#include "embed.h"

#include <string.h>

const kn_embedded_t *kn_embedded_find(const kn_embedded_t *table, const char *name)
{
    for (const kn_embedded_t *e = table; e->name; e++)
        if (!strcmp(e->name, name))
            return e;
    return NULL;
}
