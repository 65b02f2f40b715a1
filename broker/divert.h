/* kouan — smart cloud diversion inside the broker's transaction.
 *
 * For each batch about to be written: the events of its accepted messages are
 * applied to their boxes' container visits (rules/visit.c), every touched visit
 * is decided with the diversion table, and what follows — the visit's row, a
 * decision row when something changes, a KN10051 instruction for the box's
 * terminal — is added to the same transaction (kn_store_extra_t).  Visits are
 * cached in memory and rebuilt from the database (their events and the route
 * in force) when not cached, so a restart loses nothing.
 */
#ifndef KN_DIVERT_H
#define KN_DIVERT_H

#include "arena.h"
#include "config.h"
#include "dmn.h"
#include "store.h"

#include <stddef.h>

typedef struct kn_divert kn_divert_t;

/* An empty visit cache; NULL on no memory. */
kn_divert_t *kn_divert_new(void);

void kn_divert_destroy(kn_divert_t **self);

/* Apply items' events, decide, and fill *extra (rows in arena).  rules holds
 * the decision "diversion"; cfg names the terminal parties.  Needs the store
 * idle (it may load visits).  Returns 0, or KN_EDB / KN_ENOMEM / KN_EINVAL
 * with the reason in errbuf (the visits touched are then forgotten). */
int kn_divert_batch(kn_divert_t *self, kn_store_t *store, const kn_dmn_t *rules,
                    const kn_config_t *cfg, kn_inbound_t *items, size_t n, kn_arena_t *arena,
                    kn_store_extra_t *extra, char *errbuf, size_t errsize);

/* Forget the cached visits of the boxes in items and of every box extra has a
 * visit row for (boxes reached through a bill too): what was decided for them
 * did not commit as computed; they are rebuilt from the database next time.
 * extra may be NULL. */
void kn_divert_forget(kn_divert_t *self, const kn_inbound_t *items, size_t n,
                      const kn_store_extra_t *extra);

/* Visits held in memory. */
size_t kn_divert_cached(const kn_divert_t *self);

#endif
