/* kouan — small things the HTTP servers (kouan sink, callbacks, api) share. */
#ifndef KN_HTTP_H
#define KN_HTTP_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

/* Split a listen address, "host:port" or "[v6]:port" (port 0: any free one),
 * into host and port (decimal text).  Returns 0, or KN_ECONFIG with errbuf
 * saying what form is expected. */
int kn_http_parse_listen(const char *listen, char *host, size_t hostsize, char *port,
                         size_t portsize, char *errbuf, size_t errsize);

/* Start a libmicrohttpd server (at most 256 connections at once, idle ones
 * closed after 30 s; an internal thread, with flags added:
 * MHD_USE_THREAD_PER_CONNECTION, say) on listen
 * ("host:port", port 0: any free one) answering with handler(cls, ...), and
 * completed (may be NULL) after each request; on success *daemon is running
 * and address is "host:port" with the port bound.  Returns 0, or KN_ECONFIG
 * (listen malformed or unresolvable) or KN_EIO (cannot listen) with errbuf
 * filled. */
int kn_http_start(const char *listen, unsigned flags, MHD_AccessHandlerCallback handler, void *cls,
                  MHD_RequestCompletedCallback completed, struct MHD_Daemon **daemon, char *address,
                  size_t addrsize, char *errbuf, size_t errsize);

/* A request body as libmicrohttpd hands it over, chunk by chunk. */
typedef struct {
    char *data; /* NUL-terminated; NULL when there was none */
    size_t len;
    bool too_big; /* over the max given: the rest was dropped */
} kn_http_body_t;

/* Collect the body in *state (the request's per-connection pointer):
 * returns 1 when the handler must answer MHD_YES and wait for more (the
 * headers' call, or a chunk taken), 0 when the body is whole (*out), -1 when
 * out of memory.  kn_http_body_free() in the completion callback. */
int kn_http_body(void **state, const char *data, size_t *size, size_t max, kn_http_body_t **out);
void kn_http_body_free(void **state);

#endif
