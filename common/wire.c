#include "wire.h"

#include <string.h>
#include <zmq.h>

static const char *s_cmds[] = {NULL, "MSG", "ACK", "NACK", "OUT", "OUTACK", "READY"};
/* frames after KN1 and the command, per command */
static const size_t s_min_args[] = {0, 3, 2, 3, 3, 1, 0};
static const size_t s_max_args[] = {0, 3, 3, 3, 3, 1, 0};

const char *kn_wire_cmd_name(kn_wire_cmd_t cmd)
{
    return (unsigned)cmd < sizeof s_cmds / sizeof s_cmds[0] && s_cmds[cmd] ? s_cmds[cmd] : "?";
}

bool kn_wire_valid_id(const void *id, size_t len)
{
    if (len == 0 || len > KN_WIRE_MAX_ID)
        return false;
    const unsigned char *p = id;
    for (size_t i = 0; i < len; i++)
        if (p[i] <= 0x20 || p[i] >= 0x7f)
            return false;
    return true;
}

static bool s_frame_is(const kn_frame_t *f, const char *s)
{
    size_t n = strlen(s);
    return f->len == n && memcmp(f->data, s, n) == 0;
}

static bool s_printable(const kn_frame_t *f)
{
    const unsigned char *p = f->data;
    for (size_t i = 0; i < f->len; i++)
        if (p[i] < 0x20 || p[i] >= 0x7f)
            return false;
    return true;
}

int kn_wire_decode(const kn_frame_t *frames, size_t n, kn_wire_t *out, kn_error_t *err)
{
    memset(out, 0, sizeof *out);
    if (n < 2)
        return kn_error_set(err, KN_EWIRE, "", "wire: %zu frame%s, a message has at least 3", n,
                            n == 1 ? "" : "s");
    if (!s_frame_is(&frames[0], KN_WIRE_VERSION))
        return kn_error_set(err, KN_EWIRE, "frame 1",
                            "wire: protocol version is not " KN_WIRE_VERSION);
    kn_wire_cmd_t cmd = 0;
    for (int c = KN_WIRE_MSG; c <= KN_WIRE_READY; c++)
        if (s_frame_is(&frames[1], s_cmds[c]))
            cmd = (kn_wire_cmd_t)c;
    if (!cmd)
        return kn_error_set(err, KN_EWIRE, "frame 2", "wire: unknown command (%zu bytes)",
                            frames[1].len);
    out->cmd = cmd;
    size_t args = n - 2;
    if (args >= 1 && kn_wire_valid_id(frames[2].data, frames[2].len))
        out->id = frames[2];
    if (args < s_min_args[cmd] || args > s_max_args[cmd])
        return kn_error_set(err, KN_EWIRE, "", "wire: %s has %zu frames, expected %zu", s_cmds[cmd],
                            n, s_min_args[cmd] + 2);
    /* A NACK may carry an empty id: the broker could not read the message's.
     * READY has none. */
    if (!out->id.data && cmd != KN_WIRE_READY && !(cmd == KN_WIRE_NACK && frames[2].len == 0))
        return kn_error_set(err, KN_EWIRE, "frame 3",
                            "wire: message id must be 1 to %d printable characters without "
                            "spaces",
                            KN_WIRE_MAX_ID);
    switch (cmd) {
    case KN_WIRE_MSG:
    case KN_WIRE_OUT:
        out->content_type = frames[3];
        out->payload = frames[4];
        if (frames[3].len == 0 || frames[3].len > KN_WIRE_MAX_CTYPE || !s_printable(&frames[3]))
            return kn_error_set(err, KN_EWIRE, "frame 4",
                                "wire: content type must be 1 to %d printable characters",
                                KN_WIRE_MAX_CTYPE);
        break;
    case KN_WIRE_ACK:
        out->code = frames[3];
        if (args == 3)
            out->reason = frames[4];
        break;
    case KN_WIRE_NACK:
        out->code = frames[3];
        out->reason = frames[4];
        break;
    case KN_WIRE_OUTACK:
    case KN_WIRE_READY:
        break;
    }
    return 0;
}

int kn_wire_send(void *socket, const kn_frame_t *routing, kn_wire_cmd_t cmd,
                 const kn_frame_t *frames, size_t n, int flags)
{
    if (routing && zmq_send(socket, routing->data, routing->len, flags | ZMQ_SNDMORE) < 0)
        return KN_EIO;
    if (zmq_send(socket, KN_WIRE_VERSION, 3, flags | ZMQ_SNDMORE) < 0)
        return KN_EIO;
    const char *name = s_cmds[cmd];
    if (zmq_send(socket, name, strlen(name), flags | (n ? ZMQ_SNDMORE : 0)) < 0)
        return KN_EIO;
    for (size_t i = 0; i < n; i++)
        if (zmq_send(socket, frames[i].data, frames[i].len, flags | (i + 1 < n ? ZMQ_SNDMORE : 0)) <
            0)
            return KN_EIO;
    return 0;
}
