#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    int code;
    const char *name;
    const char *text;
} s_errors[] = {
    {KN_OK, "OK", "success"},
    {KN_ENOMEM, "NOMEM", "out of memory"},
    {KN_EINVAL, "INVAL", "invalid argument"},
    {KN_EIO, "IO", "input/output error"},
    {KN_ECONFIG, "CONFIG", "configuration error"},
    {KN_EDB, "DB", "database unavailable"},
    {KN_EWIRE, "WIRE", "malformed wire frame"},
    {KN_EPARSE, "PARSE", "message could not be read"},
    {KN_EROLE, "ROLE", "message kind not allowed for this party"},
    {KN_ETOOBIG, "TOOBIG", "message too large"},
    {KN_EAUTH, "AUTH", "authentication refused"},
    {KN_ENOTFOUND, "NOTFOUND", "not found"},
    {KN_ETIMEDOUT, "TIMEDOUT", "timed out"},
    {KN_EXML, "XML", "XML refused"},
    {KN_ESCHEMA, "SCHEMA", "message breaks its schema"},
    {KN_EUNKNOWN, "UNKNOWN", "unknown message type"},
};

static int s_index(int err)
{
    for (size_t i = 0; i < sizeof s_errors / sizeof s_errors[0]; i++)
        if (s_errors[i].code == err)
            return (int)i;
    return -1;
}

const char *kn_strerror(int err)
{
    int i = s_index(err);
    return i < 0 ? "unknown error" : s_errors[i].text;
}

const char *kn_err_name(int err)
{
    int i = s_index(err);
    return i < 0 ? "ERROR" : s_errors[i].name;
}

int kn_error_set(kn_error_t *err, int code, const char *position, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->position, sizeof err->position, "%s", position ? position : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

const char *kn_error_text(const kn_error_t *err, char *buf, size_t size)
{
    if (err->position[0])
        snprintf(buf, size, "%s: %s", err->position, err->message);
    else
        snprintf(buf, size, "%s", err->message);
    return buf;
}
