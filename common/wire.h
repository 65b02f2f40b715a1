/* kouan — the wire protocol (DESIGN §4).
 *
 * Multipart ZeroMQ messages, first frame "KN1":
 *   party → broker   MSG    <party message id> <content type> <payload>
 *   broker → party   ACK    <party message id> <events accepted> [<warnings>]
 *                    NACK   <party message id> <error code> <reason>
 *   broker → party   OUT    <instruction id> <content type> <payload>
 *   party → broker   OUTACK <instruction id>
 *   party → broker   READY                  (this connection takes instructions)
 * Decoding works on plain (pointer, length) frames so it can be tested without
 * sockets; kn_wire_send() writes a message to a ZeroMQ socket.
 */
#ifndef KN_WIRE_H
#define KN_WIRE_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>

#define KN_WIRE_VERSION "KN1"
#define KN_WIRE_MAX_FRAMES 8 /* more than any command has */
#define KN_WIRE_MAX_ID 128   /* bytes in a message or instruction id */
#define KN_WIRE_MAX_CTYPE 64 /* bytes in a content type */

typedef enum {
    KN_WIRE_MSG = 1,
    KN_WIRE_ACK,
    KN_WIRE_NACK,
    KN_WIRE_OUT,
    KN_WIRE_OUTACK,
    KN_WIRE_READY
} kn_wire_cmd_t;

/* One frame, borrowed. */
typedef struct {
    const void *data;
    size_t len;
} kn_frame_t;

/* A decoded message; every field points into the frames it came from. */
typedef struct {
    kn_wire_cmd_t cmd;
    kn_frame_t id;           /* party message id or instruction id */
    kn_frame_t content_type; /* MSG, OUT */
    kn_frame_t payload;      /* MSG, OUT */
    kn_frame_t code;         /* ACK: events accepted; NACK: error code */
    kn_frame_t reason;       /* NACK: reason; ACK: warnings (may be empty) */
} kn_wire_t;

/* Decode n frames into out.  Returns 0, or KN_EWIRE with the reason in err;
 * when the id frame could be read it is still set in out->id so the NACK can
 * name it. */
int kn_wire_decode(const kn_frame_t *frames, size_t n, kn_wire_t *out, kn_error_t *err);

/* Command name ("MSG", "ACK", ...). */
const char *kn_wire_cmd_name(kn_wire_cmd_t cmd);

/* True when id is 1..KN_WIRE_MAX_ID printable ASCII bytes without spaces. */
bool kn_wire_valid_id(const void *id, size_t len);

/* Send frames on socket: an optional routing frame (ROUTER sockets), then
 * "KN1", the command name and the given frames.  Returns 0 or KN_EIO (errno
 * set by ZeroMQ; EAGAIN when flags has ZMQ_DONTWAIT and the queue is full). */
int kn_wire_send(void *socket, const kn_frame_t *routing, kn_wire_cmd_t cmd,
                 const kn_frame_t *frames, size_t n, int flags);

#endif
