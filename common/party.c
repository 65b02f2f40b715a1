#include "party.h"

#include <string.h>

static const char *s_names[] = {"none", "terminal", "customs", "tax"};

const char *kn_role_name(kn_role_t role)
{
    return (unsigned)role < sizeof s_names / sizeof s_names[0] ? s_names[role] : "none";
}

kn_role_t kn_role_parse(const char *name)
{
    for (int i = 1; i < (int)(sizeof s_names / sizeof s_names[0]); i++)
        if (strcmp(name, s_names[i]) == 0)
            return (kn_role_t)i;
    return KN_ROLE_NONE;
}
