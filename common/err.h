/* kouan — error codes.
 *
 * Functions return 0 on success or a negative kn_err_t.  kn_strerror() names
 * a code; kn_err_name() gives the short token sent on the wire in a NACK.
 * A rule outcome ("hold in yard") is a result, never one of these.
 */
#ifndef KN_ERR_H
#define KN_ERR_H

#include <stddef.h>

typedef enum {
    KN_OK = 0,
    KN_ENOMEM = -1,     /* out of memory */
    KN_EINVAL = -2,     /* caller passed an invalid argument */
    KN_EIO = -3,        /* operating-system I/O error (see errno) */
    KN_ECONFIG = -4,    /* configuration file is wrong */
    KN_EDB = -5,        /* database error or connection lost */
    KN_EWIRE = -6,      /* malformed wire frame */
    KN_EPARSE = -7,     /* message could not be read by its adapter */
    KN_EROLE = -8,      /* party's role may not send this kind of message */
    KN_ETOOBIG = -9,    /* message exceeds a size limit */
    KN_EAUTH = -10,     /* authentication refused */
    KN_ENOTFOUND = -11, /* no such thing */
    KN_ETIMEDOUT = -12, /* gave up waiting */
    KN_EXML = -13,      /* XML not well formed or refused by a safety limit */
    KN_ESCHEMA = -14,   /* message is well formed but breaks its schema */
    KN_EUNKNOWN = -15,  /* unknown message type */
    KN_ERR_MIN_ = -15
} kn_err_t;

/* Human-readable text for an error code; never NULL. */
const char *kn_strerror(int err);

/* Short stable token for the wire (e.g. "PARSE", "ROLE"); never NULL. */
const char *kn_err_name(int err);

/* A failure with its position in the input, as the adapters report it.
 * position is a segment number and tag ("segment 14 (EQD)") or an XPath. */
typedef struct {
    int code;           /* a kn_err_t */
    char position[128]; /* where in the message; empty when not applicable */
    char message[512];  /* primary text, lower case, no trailing period */
} kn_error_t;

/* Fill err with code, position and a printf-formatted message; returns code. */
int kn_error_set(kn_error_t *err, int code, const char *position, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Write "position: message" (or just message) into buf; returns buf. */
const char *kn_error_text(const kn_error_t *err, char *buf, size_t size);

#endif
