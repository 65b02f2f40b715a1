/* kouan — reader for kouan's VesselStatus XML (terminals without BERMAN).
 *
 * A small format of kouan's own for terminals that cannot send UN/EDIFACT
 * BERMAN: vessel arrivals, berthings and departures, estimated or actual.  Its
 * schema is adapters/schema/vessel-status.xsd, which every message is
 * validated against (built into the binary; parsed once and cached).  No namespace, no DOCTYPE;
 * UTF-8, GBK or GB18030.
 *
 *   <VesselStatus version="1.0">
 *     <Head>
 *       <MessageID>XHCT-VS-20261122-0007</MessageID>   → message_ref
 *       <SenderID>XHCT</SenderID>
 *       <SendTime>2026-11-22T02:41:00+08:00</SendTime>
 *     </Head>
 *     <VesselCall>                                    1..100
 *       <Vessel>
 *         <IMO>9472141</IMO>                          → vessel_imo (7 digits)
 *         <Name>COSCO XIAMEN</Name>                   → vessel_name
 *         <CallSign>VRGH7</CallSign>                  → vessel_call_sign (optional)
 *       </Vessel>
 *       <Voyage>118E</Voyage>                         → voyage
 *       <Facility>XHCT</Facility>                     → facility_code (not for ARRIVED)
 *       <UNLocode>CNXMN</UNLocode>                    → un_location_code
 *       <Status>BERTHED</Status>                      ARRIVED | BERTHED | DEPARTED
 *       <Estimated>2026-11-22T02:30:00+08:00</Estimated>  optional
 *       <Actual>2026-11-22T02:36:00+08:00</Actual>        optional (one of the two at least)
 *     </VesselCall>
 *   </VesselStatus>
 *
 * Each time given → one TRANSPORT event: Estimated → classifier EST, Actual →
 * ACT, event_datetime that time, message_kind VESSEL_<STATUS>.
 *   ARRIVED  → ARRI, un_location_code only: arrived in port (pilot station or
 *              anchorage), not yet at the terminal, so no facility_code
 *   BERTHED  → ARRI with facility_code: DCSA's arrival at the berth
 *              (facilityTypeCode BRTH); berthing is the arrival that matters
 *              to discharge planning
 *   DEPARTED → DEPA with facility_code: left the berth
 * An IMO number failing its check digit is kept, with warning "CHECK_DIGIT".
 *
 * Refused: another root element (KN_EUNKNOWN); a schema violation
 * (KN_ESCHEMA, position = XPath, message with its line); unsafe or broken XML
 * (KN_EXML / KN_ETOOBIG); a schema that cannot be loaded (KN_ECONFIG).
 */
#ifndef KN_VESSEL_H
#define KN_VESSEL_H

#include "adapter.h"

#include <stdbool.h>

/* A kn_read_fn: read one VesselStatus message from in into events appended to
 * out (strings in arena).  Returns 0, or a negative kn_err_t with err filled
 * and nothing appended to out. */
int kn_vessel_read(const kn_inmsg_t *in, kn_arena_t *arena, kn_event_list_t *out, kn_error_t *err);

/* True when imo is 7 digits whose last is the IMO check digit. */
bool kn_vessel_imo_valid(const char *imo);

#endif
