/* kouan — small things the HTTP servers (kouan sink, kouan callbacks) share. */
#include "http.h"
#include "err.h"

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
