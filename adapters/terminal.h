/* kouan — terminal reader: EDIFACT COARRI, CODECO and BERMAN to canonical events.
 *
 * A terminal sends one UN/EDIFACT interchange (D.95B or D.00B, SMDG/ITG
 * profiles) per wire message; it may hold several messages.  Each container
 * fact becomes one event (common/event.h) with DCSA Track & Trace 2.2 codes:
 *
 * COARRI  BGM 1001 44 (discharge report) -> EQUIPMENT DISC ACT
 *         BGM 1001 46 (loading report)   -> EQUIPMENT LOAD ACT
 * CODECO  BGM 1001 34 (gate-in report)   -> EQUIPMENT GTIN ACT
 *         BGM 1001 36 (gate-out report)  -> EQUIPMENT GTOT ACT
 *   one event per EQD group with equipment qualifier CN (other equipment such
 *   as chassis is skipped).  From the group: EQD C237 container number, C224
 *   size/type, 8169 full/empty (5 LADEN, 4 EMPTY); RFF+BM bill of lading,
 *   RFF+BN booking (message-level RFF as default); LOC+147 stowage cell;
 *   MEA+AAE+G gross weight and MEA+AAE+VGM verified gross mass (KGM, TNE or
 *   LBR, converted to kg); SEL seal numbers (comma separated, at most
 *   KN_TERMINAL_MAX_SEALS); TMP+2 set point as "-18.0 CEL"; DTM+203 (COARRI) or
 *   DTM+7 (CODECO; each accepts the other) as the event time; a road TDT
 *   (mode 3) gives the truck plate (C222 8212, else 8213).  From the message
 *   (or the group when it has its own): the sea TDT gives voyage (8028), vessel
 *   IMO (C222 8213 when 1131 is 146), call sign (when 1131 is 103) and name
 *   (8212); LOC+11 / LOC+9 / LOC+165 give UN/LOCODE (C517) and terminal (C519),
 *   preferring 11 for discharge, 9 for loading and 165 at the gate.
 *   CNT+16 must equal the number of EQD groups.
 * BERMAN  every DTM of the transport (SG3) or port-of-call (SG4) groups with
 *   qualifier 132 / 232 / 178 -> TRANSPORT ARRI EST / PLN / ACT and
 *   133 / 189 / 186 / 136 -> TRANSPORT DEPA EST / PLN / ACT / ACT, with the
 *   vessel from the group's TDT and the place from its LOC (153, 11, 9, 165;
 *   a DTM before the group's LOC takes the group's first LOC).  Berthing and
 *   unberthing are ARRI and DEPA at the terminal named in the LOC's C519:
 *   DCSA 2.2 has no separate berthing code.
 *
 * BGM 1225 message function 1 (cancellation) marks every event of the message
 * KN_FUNC_WITHDRAW.  message_kind is the UNH message type, message_ref the BGM
 * document number, position the EQD (or DTM) segment, e.g. "segment 7 (EQD)".
 *
 * Times: formats 203 (CCYYMMDDHHMM) and 204 (CCYYMMDDHHMMSS) carry no zone;
 * terminal local time is taken as China Standard Time and written with
 * +08:00.  Formats 303 / 304 (…ZZZ: UTC, GMT, Z, +HH, +HHMM) and 205 (…ZHHMM)
 * carry their own zone, which is kept.  Output is ISO 8601 with offset:
 * 2026-11-22T08:12:00+08:00.
 *
 * Errors name the segment in kn_error_t.position ("segment 14 (EQD)") and
 * start their message with "edifact: " and the element, as edifact.h does.
 *
 * A container number that fails the ISO 6346 check digit still makes its
 * event, with warning CHECK_DIGIT ("container number MSCU5510221 fails the ISO
 * 6346 check digit (should be 0)").  An EQD group without DTM time gets
 * warning NO_EVENT_TIME and a NULL event_datetime.
 */
#ifndef KN_TERMINAL_H
#define KN_TERMINAL_H

#include "adapter.h"

/* Most SEL seal numbers kept for one container (KN_ESCHEMA above). */
#define KN_TERMINAL_MAX_SEALS 16

/* kn_read_fn for terminal parties.  Parses in->data as an EDIFACT interchange
 * and appends its events to out, all allocated in arena.  On failure nothing is
 * appended, err names the position and the return is negative:
 * syntax errors from kn_edifact_parse() as they come (KN_EPARSE, KN_ETOOBIG,
 * KN_EUNKNOWN for a directory other than D.95B/D.00B); KN_EUNKNOWN for a
 * message type a terminal may not send (anything but COARRI, CODECO, BERMAN);
 * KN_ESCHEMA for a message that breaks its profile (unknown BGM document code,
 * missing container number, bad date, unknown weight unit, CNT mismatch);
 * KN_ENOMEM. */
int kn_terminal_read(const kn_inmsg_t *in, kn_arena_t *arena, kn_event_list_t *out,
                     kn_error_t *err);

#endif
