/* kouan — parties and their roles.
 *
 * A party is a terminal, a customs office or the tax bureau that sends messages
 * to the broker.  Its role decides which message kinds it may send; its format
 * decides which adapter reads them.  Both come from the configuration, keyed by
 * the CURVE public key the party authenticated with — never from the message.
 */
#ifndef KN_PARTY_H
#define KN_PARTY_H

typedef enum { KN_ROLE_NONE = 0, KN_ROLE_TERMINAL, KN_ROLE_CUSTOMS, KN_ROLE_TAX } kn_role_t;

/* "terminal", "customs", "tax"; "none" for KN_ROLE_NONE. */
const char *kn_role_name(kn_role_t role);

/* Role by name, or KN_ROLE_NONE when unknown. */
kn_role_t kn_role_parse(const char *name);

#endif
