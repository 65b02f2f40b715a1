/* kouan — certificates of origin by EMS (DESIGN §7): the steps more than
 * one command takes (kouan cert, kouan api, and kouan callbacks receiving
 * EMS's pushes).
 *
 *   request   the agent asks for the certificate to be mailed
 *   deposit   the officer puts the signed certificate in a locker: a pickup
 *             code goes to the agent's phone through the SMS gateway
 *   pickup    the agent's code: right → an EMS order; wrong → counted, and
 *             after [certificate] code_attempts the code is locked
 *   show      a certificate and its history
 *
 * Each step writes the certificate's row, a line of its history and the
 * outbox rows it causes (SMS, EMS order, status events for the agent) with a
 * NOTIFY for kouan notify, inside the caller's transaction on conn: the
 * caller begins it, commits when the step returns 0 (whatever the outcome: a
 * wrong code is counted) and rolls back otherwise.  The code itself is never
 * stored, logged or returned: only HMAC-SHA256(key, salt || code), the key
 * in [certificate] code_key_file outside the database (a plain hash of six
 * digits is undone in a million tries); it reaches the agent by SMS alone.
 * Errors are reported in a message, never printed.
 */
#ifndef KN_CERTIFICATE_H
#define KN_CERTIFICATE_H

#include "config.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#define KN_CERTIFICATE_KEY_MAX 64
#define KN_CERTIFICATE_NO_MAX 64     /* bytes of a certificate number */
#define KN_CERTIFICATE_FIELD_MAX 256 /* bytes of a recipient's name or address part */
#define KN_CERTIFICATE_PLACE_MAX 16  /* bytes of a locker or compartment name */

/* The key the pickup codes are kept under.  A value rather than an object:
 * the caller keeps it on its stack and wipes it (OPENSSL_cleanse) when done. */
typedef struct {
    unsigned char bytes[KN_CERTIFICATE_KEY_MAX];
    size_t len; /* 16 to KN_CERTIFICATE_KEY_MAX */
} kn_certificate_key_t;

/* A mailing request, as the agent gives it (strings borrowed).  The names
 * are those the API's JSON uses, and the messages name fields by them. */
typedef struct {
    const char *certificate_no; /* certificateNo */
    const char *agent;          /* agent: the agent / declarant code */
    const char *phone;          /* phone: a mainland mobile number, for the pickup code */
    const char *name;           /* name: the recipient */
    const char *prov;           /* prov, city, county, address: as EMS wants them */
    const char *city;
    const char *county;
    const char *address;
} kn_certificate_request_t;

/* What a step came to.  A refusal is an outcome, not an error. */
typedef enum {
    KN_CERTIFICATE_DONE = 0,    /* the step was taken */
    KN_CERTIFICATE_UNKNOWN,     /* no such certificate (or not the agent's) */
    KN_CERTIFICATE_EXISTS,      /* request: the certificate was requested already */
    KN_CERTIFICATE_NOT_WAITING, /* the certificate is not waiting for this step */
    KN_CERTIFICATE_WRONG_CODE,  /* pickup: the code is wrong (counted) */
    KN_CERTIFICATE_LOCKED,      /* pickup: too many wrong codes; the officer deposits again */
    KN_CERTIFICATE_EXPIRED      /* pickup: the code has expired; the officer deposits again */
} kn_certificate_outcome_t;

typedef struct {
    kn_certificate_outcome_t outcome;
    char status[32];   /* the certificate's status after the step; "" when unknown */
    long tries_left;   /* pickup, KN_CERTIFICATE_WRONG_CODE: wrong codes before it locks */
    char message[512]; /* a line for a person: what was done, why not, or the error */
} kn_certificate_result_t;

/* Read [certificate] code_key_file (16 to 64 bytes) into key.  Returns 0, or
 * KN_ECONFIG with errbuf saying what is wrong and how to make one. */
int kn_certificate_key_read(const kn_config_t *cfg, kn_certificate_key_t *key, char *errbuf,
                            size_t errsize);

/* Is phone a mainland mobile number (11 digits, the first a 1)? */
bool kn_certificate_phone_valid(const char *phone);

/* The agent asks for certificate r->certificate_no to be mailed to the
 * recipient: the row in status requested, its history and a status event
 * for the agent.  Returns 0 with the outcome (DONE, EXISTS) in res;
 * KN_EINVAL when a field is missing or malformed, KN_EDB or KN_ENOMEM, with
 * res->message saying why. */
int kn_certificate_request(PGconn *conn, const kn_config_t *cfg, const kn_certificate_request_t *r,
                           kn_certificate_result_t *res);

/* The officer deposits certificate no in a locker's compartment: a new
 * pickup code (any earlier one void, its SMS cancelled if still waiting),
 * the SMS with it to the agent's phone, history and a status event.
 * Returns 0 with the outcome (DONE, UNKNOWN, NOT_WAITING) in res; KN_EINVAL
 * (locker or compartment empty or too long), KN_EIO (no random numbers),
 * KN_EDB or KN_ENOMEM, with res->message saying why. */
int kn_certificate_deposit(PGconn *conn, const kn_config_t *cfg, const kn_certificate_key_t *key,
                           const char *no, const char *locker, const char *compartment,
                           kn_certificate_result_t *res);

/* The agent's pickup code for certificate no; agent, when not NULL, is the
 * only agent whose certificate it may be (another's is UNKNOWN, and not
 * counted).  The row is locked: two tries at once are counted one after the
 * other.  Returns 0 with the outcome in res: DONE (the EMS order is in the
 * outbox), WRONG_CODE, LOCKED, EXPIRED, NOT_WAITING — each counted — or
 * UNKNOWN; KN_EDB or KN_ENOMEM with res->message saying why.  The caller
 * wipes its copy of code. */
int kn_certificate_pickup(PGconn *conn, const kn_config_t *cfg, const kn_certificate_key_t *key,
                          const char *no, const char *agent, const char *code,
                          kn_certificate_result_t *res);

/* Certificate no and its history, as the API gives it (the caller's to
 * json_decref): certificateNo, agent, status, phone (masked), recipient,
 * locker, compartment, codeExpiresDateTime, wrongCodes, wrongCodesTotal,
 * emsOrderNo, emsWaybillNo, createdDateTime, updatedDateTime (times in
 * ISO 8601 at +08:00; fields without a value left out) and history, a list
 * of {dateTime, status, detail}.  agent, when not NULL, is the only agent
 * whose certificate it may be.  Returns 0 with *out, KN_ENOTFOUND, or KN_EDB
 * or KN_ENOMEM with errbuf filled. */
int kn_certificate_show(PGconn *conn, const char *no, const char *agent, json_t **out, char *errbuf,
                        size_t errsize);

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
