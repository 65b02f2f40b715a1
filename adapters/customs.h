/* kouan — reader for China customs XML (customs to terminal).
 *
 * Two families, told apart by the root element:
 *
 * 1. <MESSAGE><MESSAGE_HEAD>…</MESSAGE_HEAD><MESSAGE_LIST>…</MESSAGE_LIST></MESSAGE>
 *    Head: MESSAGE_ID → message_ref, MESSAGE_TYPE → message_kind,
 *    FUNCTION_CODE 2 → KN_FUNC_ADD, 3 → KN_FUNC_WITHDRAW (any other code is
 *    refused, named), MESSAGE_CREATE_TIME "YYYY-MM-DD HH:MM:SS" (Beijing time)
 *    → event_datetime "YYYY-MM-DDTHH:MM:SS+08:00", RECEIVER (the terminal, e.g.
 *    XHCT) → facility_code.  All four but RECEIVER are required.
 *    Each MESSAGE_LIST holds BILL_INFO (BILL_NO required → transport document
 *    reference; SHIP_NAME_EN → vessel_name, VOYAGE_NO → voyage, ENTRY_ID →
 *    entry_id, AGENT_NAME → agent_name, AGENT_CODE → agent_code, EXAM_TYPE) and
 *    CONTAINER_INFO (CONTA_NO required → equipment_reference, CONTA_SIZE →
 *    iso_equipment_code, CONTA_MODEL F/L → LADEN and E → EMPTY, SEAL_NO →
 *    seals, EXAM_TYPE).  A CONTAINER_INFO inside a BILL_INFO belongs to that
 *    bill; one beside the BILL_INFOs (a child of MESSAGE_LIST) belongs to all
 *    the bills of that MESSAGE_LIST: its event carries their BILL_NOs (and
 *    distinct ENTRY_IDs) comma separated, vessel and agent from the first bill
 *    that gives them (at most 100 bills may share containers so; more is
 *    refused).  A bill with no container at all gives one bill-level
 *    event (bulk or break-bulk cargo).  One event per container otherwise.
 *
 *    Every event: eventType SHIPMENT, documentTypeCode "CUS", classifier ACT
 *    (customs' decision is a fact the moment it is sent):
 *      CLM10041 discharge instruction  → APPR  the box may be discharged
 *               (DCSA "approved": customs approved the manifested box for
 *               discharge; arrives before berthing, so rules can plan)
 *      CLM10021 inspection order       → HOLD  with exam_type (H986 scan,
 *               MANUAL opening, …; required unless withdrawing).  One HOLD per
 *               box, not an extra INSP: INSP is the terminal's report that the
 *               inspection happened; "inspect" is a HOLD whose exam_type is set,
 *               a plain hold has none
 *      CLM10011 release for pickup     → RELS
 *
 * 2. <Manifest><Head>…</Head><Response>…</Response></Manifest> — the manifest
 *    system's receipts (MT1101 original manifest, MT2101 pre-loading manifest,
 *    MT3101 arrival report, MT4101 loading manifest, MT5101 tally report), as
 *    customs returns them; any namespace (real ones carry
 *    urn:Declaration:datamodel:standard:CN:MTxxxx:1).  A <Declaration> body is
 *    read the same way.  Head: MessageID → message_ref, MessageType →
 *    message_kind, FunctionCode 3 → KN_FUNC_WITHDRAW (else add), SendTime
 *    YYYYMMDDHHmmss[fff] (Beijing time) → event_datetime.
 *    BorderTransportMeans: JourneyID → voyage, ID "UN"+IMO → vessel_imo,
 *    Name → vessel_name.  One event per Consignment
 *    (TransportContractDocument/ID required → bill), or per container of it
 *    (TransportEquipment/EquipmentIdentification/ID); with no Consignment, one
 *    event for the vessel call.  Each: SHIPMENT, code RECE ("received"),
 *    document_type_code "CUS", classifier ACT: the receipt is recorded and
 *    linked to the vessel call; its ResponseType code is not interpreted.
 *
 * Refused: any other root element or message type (KN_EUNKNOWN, named); a
 * missing required element (KN_ESCHEMA, position = its XPath); unsafe or
 * broken XML (KN_EXML/KN_ETOOBIG, see xmlsafe.h).  Encodings UTF-8, GBK,
 * GB18030; every string on an event is UTF-8.  A container number that fails
 * the ISO 6346 check digit is kept, with warning "CHECK_DIGIT" on its event.
 */
#ifndef KN_CUSTOMS_H
#define KN_CUSTOMS_H

#include "adapter.h"

/* A kn_read_fn: read one customs message from in into events appended to out
 * (strings in arena).  Returns 0, or a negative kn_err_t with err filled and
 * nothing appended to out. */
int kn_customs_read(const kn_inmsg_t *in, kn_arena_t *arena, kn_event_list_t *out, kn_error_t *err);

#endif
