/* kouan — reader for the tax bureau's TaxPayment XML.
 *
 * TaxPayment is kouan's own format (the bureau has none we could adopt); its
 * schema is adapters/schema/taxpayment.xsd, which every message is validated
 * against (built into the binary; parsed once and cached).  No namespace, no DOCTYPE; UTF-8, GBK or
 * GB18030.
 *
 *   <TaxPayment>
 *     <Head>
 *       <MessageID>TAX-3502-20261122-000318</MessageID>   → message_ref
 *       <MessageType>DUTY_PAID</MessageType>              → message_kind
 *           DUTY_PAID | GUARANTEE_ACCEPTED | REFUSED | CANCELLED
 *       <SenderID>XMTAX</SenderID>
 *       <SendTime>2026-11-22T04:55:12+08:00</SendTime>    xs:dateTime with offset
 *     </Head>
 *     <Payment>                                           1..1000, one per declaration
 *       <EntryID>370120261000123456</EntryID>             → entry_id (18 digits)
 *       <BillNo>COSU8801234568</BillNo>                   → bill (optional)
 *       <Status>PAID</Status>                             → tax_status
 *       <Amount currency="CNY">18342.50</Amount>          required for PAID, GUARANTEED
 *       <PaidAt>2026-11-22T04:54:40+08:00</PaidAt>        required for PAID
 *       <GuaranteeNo>BG-2026-0091</GuaranteeNo>           required for GUARANTEED
 *       <Reason>…</Reason>                                optional, REFUSED / CANCELLED
 *     </Payment>
 *   </TaxPayment>
 *
 * Status must match MessageType: DUTY_PAID–PAID, GUARANTEE_ACCEPTED–GUARANTEED,
 * REFUSED–REFUSED, CANCELLED–CANCELLED.
 *
 * Each Payment → one SHIPMENT event, classifier ACT, document_type_code "TAX"
 * (kouan's extension: DCSA 2.2 has no tax document type; CUS stays customs'),
 * event code from DCSA's shipmentEventTypeCode list:
 *   PAID       → CMPL  duty settled: the tax side of the declaration is complete
 *   GUARANTEED → APPR  a bank guarantee was approved in place of payment
 *   REFUSED    → REJE  payment or guarantee rejected: the box may not leave
 *   CANCELLED  → VOID  an earlier payment or guarantee is void
 * event_datetime is PaidAt when given, else SendTime.  The rules read
 * tax_status; the code is what DCSA subscribers see.
 *
 * Refused: another root element or MessageType (KN_EUNKNOWN, named); a schema
 * violation (KN_ESCHEMA, position = XPath of the element, message with its
 * line); a status that contradicts the type or lacks what it requires
 * (KN_ESCHEMA); unsafe or broken XML (KN_EXML / KN_ETOOBIG); a schema that
 * cannot be loaded (KN_ECONFIG: a deployment fault).
 */
#ifndef KN_TAX_H
#define KN_TAX_H

#include "adapter.h"

/* A kn_read_fn: read one TaxPayment message from in into events appended to
 * out (strings in arena).  Returns 0, or a negative kn_err_t with err filled
 * and nothing appended to out. */
int kn_tax_read(const kn_inmsg_t *in, kn_arena_t *arena, kn_event_list_t *out, kn_error_t *err);

#endif
