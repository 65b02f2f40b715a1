/* kouan — certificates of origin by EMS: the steps more than one command
 * takes (kouan cert, and kouan callbacks receiving EMS's pushes).
 *
 * Each function works inside the caller's transaction on conn; errors are
 * reported in errbuf, never printed.
 */
#ifndef KN_CERTIFICATE_H
#define KN_CERTIFICATE_H

#include "config.h"

#include <libpq-fe.h>
#include <stddef.h>

/* A status event for the agent about certificate no (step, and a line in
 * Chinese and English) as an outbox row for the mini-program backend, in
 * order per certificate; nothing when no backend is configured.  Returns 0,
 * or KN_EDB / KN_ENOMEM with errbuf filled. */
int kn_certificate_tell_agent(PGconn *conn, const kn_config_t *cfg, const char *no,
                              const char *step, const char *zh, const char *en, char *errbuf,
                              size_t errsize);

/* An EMS track push: the form body EMS posts (len bytes), its
 * logitcsInterface sealed with our sign key ([notify] ems_key_file), whose
 * JSON names waybillNo, opCode, opName (and logisticsOrderNo).  In one
 * transaction: the certificate travelling as that waybill (or that order)
 * moves on — never back from delivered —, a line of its history, and a
 * message to the agent.  Returns 0 with what happened in msg; KN_EPARSE
 * (the push cannot be read), KN_ENOTFOUND (no certificate travels so),
 * KN_ECONFIG (the sign key cannot be read) or KN_EDB, with msg saying why. */
int kn_certificate_ems_push(PGconn *conn, const kn_config_t *cfg, const char *form, size_t len,
                            char *msg, size_t msgsize);

#endif
