-- Canonical events: one row per container (vessel, declaration) fact that a
-- party's message gave, in DCSA Track & Trace 2.2 terms.  Written in the same
-- transaction as the message's inbound row.
ALTER TABLE inbound ADD COLUMN warnings text;  -- data-quality warnings, as sent back in the ACK

CREATE TABLE event (
    id                           bigserial   PRIMARY KEY,
    party                        text        NOT NULL,
    msg_id                       text        NOT NULL,
    seq                          integer     NOT NULL,   -- 1.. within the message
    event_type                   text        NOT NULL CHECK (event_type IN ('EQUIPMENT', 'TRANSPORT', 'SHIPMENT')),
    event_code                   text        NOT NULL,   -- DISC, LOAD, GTIN, GTOT, ARRI, DEPA, HOLD, RELS ...
    classifier                   text        NOT NULL CHECK (classifier IN ('ACT', 'PLN', 'EST')),
    withdrawn                    boolean     NOT NULL DEFAULT false,  -- the message withdraws an earlier one
    event_datetime               timestamptz,
    equipment_reference          text,
    transport_document_reference text,
    carrier_booking_reference    text,
    voyage                       text,
    vessel_imo                   text,
    has_warnings                 boolean     NOT NULL DEFAULT false,
    detail                       json        NOT NULL,   -- the whole event, DCSA field names, as sent on (json: no re-encoding on the ingest path)
    created_at                   timestamptz NOT NULL DEFAULT now()
    -- (party, msg_id) is the inbound row that gave the event.  No foreign key:
    -- the broker writes both in one transaction, and a per-row key check would
    -- cost more than the insert itself on the ingest path.
);

CREATE INDEX event_equipment ON event (equipment_reference, event_datetime);
CREATE INDEX event_document ON event (transport_document_reference) WHERE transport_document_reference IS NOT NULL;
CREATE INDEX event_created ON event USING brin (created_at);
