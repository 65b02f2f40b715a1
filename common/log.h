/* kouan — logging.
 *
 * One line per call on stderr: "2026-11-22T08:15:00.123Z info broker: text".
 * Context goes in key=value form inside the text (party=xhct msg=…).  Below the
 * configured level nothing is formatted.  Payloads are never logged at info or
 * above.
 */
#ifndef KN_LOG_H
#define KN_LOG_H

typedef enum {
    KN_LOG_DEBUG = 0,
    KN_LOG_INFO,
    KN_LOG_NOTICE,
    KN_LOG_WARNING,
    KN_LOG_ERROR
} kn_log_level_t;

/* Current threshold; messages below it are dropped before formatting. */
extern kn_log_level_t kn_log_threshold;

/* Set the threshold by name ("debug", "info", "notice", "warning", "error");
 * returns 0, or KN_EINVAL for an unknown name. */
int kn_log_set_level(const char *name);

/* Name printed before every line, e.g. "broker". Borrowed, must outlive use. */
void kn_log_set_ident(const char *ident);

void kn__log(kn_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define kn_log(level, ...)                                                                         \
    do {                                                                                           \
        if ((level) >= kn_log_threshold)                                                           \
            kn__log((level), __VA_ARGS__);                                                         \
    } while (0)

#endif
