#include "event.h"
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

kn_event_t *kn_event_append(kn_event_list_t *list, kn_arena_t *arena, kn_event_type_t type,
                            const char *code)
{
    kn_event_t *ev = kn_arena_calloc(arena, 1, sizeof *ev);
    if (!ev)
        return NULL;
    ev->type = type;
    ev->code = code;
    if (list->tail)
        list->tail->next = ev;
    else
        list->head = ev;
    list->tail = ev;
    list->count++;
    return ev;
}

int kn_event_warn(kn_event_t *ev, kn_arena_t *arena, const char *code, const char *fmt, ...)
{
    kn_warning_t *w = kn_arena_calloc(arena, 1, sizeof *w);
    if (!w)
        return KN_ENOMEM;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    w->code = code;
    w->text = kn_arena_strdup(arena, buf);
    if (!w->text)
        return KN_ENOMEM;
    /* Keep warnings in the order they were found. */
    kn_warning_t **tail = &ev->warnings;
    while (*tail)
        tail = &(*tail)->next;
    *tail = w;
    return 0;
}

const char *kn_event_type_name(kn_event_type_t type)
{
    switch (type) {
    case KN_EVENT_EQUIPMENT:
        return "EQUIPMENT";
    case KN_EVENT_TRANSPORT:
        return "TRANSPORT";
    case KN_EVENT_SHIPMENT:
        return "SHIPMENT";
    }
    return "UNKNOWN";
}

const char *kn_event_class_name(kn_event_class_t classifier)
{
    switch (classifier) {
    case KN_CLASS_ACT:
        return "ACT";
    case KN_CLASS_PLN:
        return "PLN";
    case KN_CLASS_EST:
        return "EST";
    }
    return "ACT";
}

/* ISO 6346 letter values skip multiples of 11. */
static int s_letter_value(char c)
{
    static const int values[26] = {10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24,
                                   25, 26, 27, 28, 29, 30, 31, 32, 34, 35, 36, 37, 38};
    return values[c - 'A'];
}

int kn_iso6346_check_digit(const char *number)
{
    if (!number)
        return -1;
    int sum = 0;
    for (int i = 0; i < 10; i++) {
        char c = number[i];
        int v;
        if (i < 4) {
            if (c < 'A' || c > 'Z')
                return -1;
            v = s_letter_value(c);
        } else {
            if (c < '0' || c > '9')
                return -1;
            v = c - '0';
        }
        sum += v << i;
    }
    return sum % 11 % 10;
}

bool kn_iso6346_valid(const char *number)
{
    if (!number || strlen(number) != 11 || number[10] < '0' || number[10] > '9')
        return false;
    int d = kn_iso6346_check_digit(number);
    return d >= 0 && d == number[10] - '0';
}
