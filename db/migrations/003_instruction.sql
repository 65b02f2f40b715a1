-- What kouan sends back to a party (diversion instructions to a terminal), and
-- when the party acknowledged it.  Delivered over OUT and redelivered until an
-- OUTACK names it; the receiver deduplicates by instruction_id.
CREATE TABLE instruction (
    id                  bigserial   PRIMARY KEY,
    party               text        NOT NULL,          -- the party it goes to
    instruction_id      text        NOT NULL UNIQUE,   -- its id on the wire
    equipment_reference text,
    route               text,
    content_type        text        NOT NULL,
    payload             bytea       NOT NULL,          -- the message as sent
    created_at          timestamptz NOT NULL DEFAULT now(),
    sent_at             timestamptz,                   -- last delivery attempt
    attempts            integer     NOT NULL DEFAULT 0,
    acked_at            timestamptz
);

CREATE INDEX instruction_unacked ON instruction (party, id) WHERE acked_at IS NULL;
