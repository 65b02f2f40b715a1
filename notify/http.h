/* kouan — small things the HTTP servers (kouan sink, kouan callbacks) share. */
#ifndef KN_HTTP_H
#define KN_HTTP_H

#include <stddef.h>

/* Split a listen address, "host:port" or "[v6]:port" (port 0: any free one),
 * into host and port (decimal text).  Returns 0, or KN_ECONFIG with errbuf
 * saying what form is expected. */
int kn_http_parse_listen(const char *listen, char *host, size_t hostsize, char *port,
                         size_t portsize, char *errbuf, size_t errsize);

#endif
