-- Every message a party sent, raw bytes kept, accepted or rejected.
-- Nothing a party sends is ever lost: a message its adapter could not read is
-- stored here with the reason it was refused.
CREATE TABLE inbound (
    id           bigserial PRIMARY KEY,
    party        text        NOT NULL,            -- authenticated party name
    msg_id       text,                            -- the party's message id; NULL for a frame too broken to carry one
    content_type text,
    payload      bytea       NOT NULL,            -- the bytes as received
    status       text        NOT NULL CHECK (status IN ('accepted', 'rejected')),
    error_code   text,                            -- NACK code when rejected (PARSE, ROLE, WIRE, TOOBIG ...)
    reason       text,                            -- readable reason when rejected
    events       integer     NOT NULL DEFAULT 0,  -- canonical events the message yielded
    received_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inbound_party_msg UNIQUE (party, msg_id),
    CONSTRAINT inbound_reason CHECK (status = 'accepted' OR reason IS NOT NULL)
);

-- Rows arrive in time order, so a BRIN index serves time ranges at a fraction
-- of a btree's cost on every insert.
CREATE INDEX inbound_received ON inbound USING brin (received_at);
CREATE INDEX inbound_rejected ON inbound (received_at) WHERE status = 'rejected';
