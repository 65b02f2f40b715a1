/* kouan — small things the HTTP servers (kouan sink, callbacks, api) share. */
#include "http.h"
#include "err.h"

#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kn_http_parse_listen(const char *listen, char *host, size_t hostsize, char *port,
                         size_t portsize, char *errbuf, size_t errsize)
{
    const char *h = listen, *colon = NULL;
    size_t hlen = 0;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (close && close[1] == ':') {
            h = listen + 1;
            hlen = (size_t)(close - h);
            colon = close + 1;
        }
    } else {
        colon = strrchr(listen, ':');
        hlen = colon ? (size_t)(colon - listen) : 0;
        if (colon && memchr(listen, ':', hlen))
            colon = NULL; /* a bare IPv6 address: ambiguous */
    }
    const char *p = colon ? colon + 1 : "";
    size_t plen = strlen(p);
    if (!colon || hlen >= hostsize || plen == 0 || plen > 5 || strspn(p, "0123456789") != plen ||
        atoi(p) > 65535 || plen >= portsize) {
        snprintf(errbuf, errsize,
                 "listen \"%s\" is not host:port (an IPv6 address goes in brackets, as in "
                 "[::1]:7790)",
                 listen);
        return KN_ECONFIG;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    memcpy(port, p, plen + 1);
    return 0;
}

int kn_http_start(const char *listen, unsigned flags, MHD_AccessHandlerCallback handler, void *cls,
                  MHD_RequestCompletedCallback completed, struct MHD_Daemon **daemon, char *address,
                  size_t addrsize, char *errbuf, size_t errsize)
{
    char host[256], port[8];
    struct addrinfo *ai = NULL;
    *daemon = NULL;
    if (kn_http_parse_listen(listen, host, sizeof host, port, sizeof port, errbuf, errsize))
        return KN_ECONFIG;
    struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
                             .ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM};
    int gai = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
    if (gai != 0) {
        snprintf(errbuf, errsize, "listen %s: %s", listen, gai_strerror(gai));
        return KN_ECONFIG;
    }
    flags |= MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* the address carries the port; the port argument only names it in
     * libmicrohttpd's messages */
    *daemon = MHD_start_daemon(flags, (uint16_t)atoi(port), NULL, NULL, handler, cls,
                               MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_CONNECTION_LIMIT, 256u,
                               MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_NOTIFY_COMPLETED,
                               completed, cls, MHD_OPTION_END);
    freeaddrinfo(ai);
    const union MHD_DaemonInfo *info =
        *daemon ? MHD_get_daemon_info(*daemon, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!info || !info->port) {
        if (*daemon)
            MHD_stop_daemon(*daemon);
        *daemon = NULL;
        snprintf(errbuf, errsize, "cannot listen on %s", listen);
        return KN_EIO;
    }
    snprintf(address, addrsize, "%s%s%s:%u", strchr(host, ':') ? "[" : "", host,
             strchr(host, ':') ? "]" : "", (unsigned)info->port);
    return 0;
}

int kn_http_body(void **state, const char *data, size_t *size, size_t max, kn_http_body_t **out)
{
    kn_http_body_t *body = *state;
    if (!body) {
        if (!(body = calloc(1, sizeof *body)))
            return -1;
        *state = body;
        return 1;
    }
    if (*size) {
        if (body->len + *size > max)
            body->too_big = true;
        else {
            char *grown = realloc(body->data, body->len + *size + 1);
            if (!grown)
                return -1;
            memcpy(grown + body->len, data, *size);
            body->data = grown;
            body->len += *size;
            body->data[body->len] = '\0';
        }
        *size = 0;
        return 1;
    }
    *out = body;
    return 0;
}

void kn_http_body_free(void **state)
{
    kn_http_body_t *body = *state;
    if (body)
        free(body->data);
    free(body);
    *state = NULL;
}
