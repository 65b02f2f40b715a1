#include "log.h"
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

kn_log_level_t kn_log_threshold = KN_LOG_INFO;
static const char *s_ident = "kouan";
static const char *s_names[] = {"debug", "info", "notice", "warning", "error"};

int kn_log_set_level(const char *name)
{
    for (int i = 0; i <= KN_LOG_ERROR; i++)
        if (strcmp(name, s_names[i]) == 0) {
            kn_log_threshold = (kn_log_level_t)i;
            return 0;
        }
    return KN_EINVAL;
}

void kn_log_set_ident(const char *ident)
{
    s_ident = ident;
}

void kn__log(kn_log_level_t level, const char *fmt, ...)
{
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line,
                     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, s_names[level], s_ident);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    /* One write per line so lines from several processes do not interleave. */
    fprintf(stderr, "%s\n", line);
}
