/* kn_poke — send raw frames to the broker as a party and print the reply.
 *
 * For integration tests that need what `kouan send` never produces (broken
 * frames, odd commands).  usage: kn_poke ENDPOINT BROKER.pub PARTY.key FRAME...
 * Prints the reply's frames separated by " | " and exits 0, or exits 1 when no
 * reply came within 5 seconds. */
#include "client.h"
#include "keys.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: kn_poke ENDPOINT BROKER.pub PARTY.key FRAME...\n");
        return 2;
    }
    char why[512], server[41], secret[41];
    uint8_t key[32];
    if (kn_keys_read_public(argv[2], key, server, why, sizeof why) ||
        kn_keys_read_secret(argv[3], secret, NULL, why, sizeof why)) {
        fprintf(stderr, "kn_poke: %s\n", why);
        return 2;
    }
    kn_client_t *c = kn_client_new(argv[1], server, secret, why, sizeof why);
    if (!c) {
        fprintf(stderr, "kn_poke: %s\n", why);
        return 2;
    }
    void *sock = kn_client_socket(c);
    for (int i = 4; i < argc; i++)
        zmq_send(sock, argv[i], strlen(argv[i]), i + 1 < argc ? ZMQ_SNDMORE : 0);
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    int rc = 1;
    if (zmq_poll(&item, 1, 5000) == 1) {
        int more = 1;
        for (int n = 0; more; n++) {
            char buf[2048];
            int len = zmq_recv(sock, buf, sizeof buf - 1, 0);
            if (len < 0)
                break;
            buf[len < (int)sizeof buf - 1 ? len : (int)sizeof buf - 1] = '\0';
            printf("%s%s", n ? " | " : "", buf);
            size_t sz = sizeof more;
            zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &sz);
        }
        printf("\n");
        rc = 0;
    } else
        fprintf(stderr, "kn_poke: no reply within 5 s\n");
    kn_client_destroy(&c);
    return rc;
}
