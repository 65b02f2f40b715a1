-- Notifications.  An outbox row is written in the transaction of what caused
-- it (the broker's batch, a certificate step) and delivered by kouan notify,
-- at least once, in id order per order_key, with every try recorded.

-- DCSA Track & Trace 2.2 event subscriptions.
CREATE TABLE subscription (
    id                           text        PRIMARY KEY,  -- subscriptionID (UUID)
    callback_url                 text        NOT NULL,
    secret                       bytea       NOT NULL,     -- raw key bytes (base64 on the API)
    equipment_reference          text,                     -- filters: NULL = any
    transport_document_reference text,
    event_types                  text[],                   -- EQUIPMENT, TRANSPORT, SHIPMENT
    created_at                   timestamptz NOT NULL DEFAULT now(),
    updated_at                   timestamptz NOT NULL DEFAULT now(),
    disabled_at                  timestamptz,              -- set when the callback answered 410
    disabled_reason              text
);

CREATE TABLE outbox (
    id              bigserial   PRIMARY KEY,
    notification_id text        NOT NULL UNIQUE,   -- stable over retries: the receiver's idempotency key
    endpoint        text        NOT NULL,          -- miniprogram, sms, ems, or subscription:<id>
    order_key       text        NOT NULL,          -- same key: delivered in id order (a container, a certificate)
    kind            text        NOT NULL,          -- status, dcsa-event, pickup-code, ems-order
    content_type    text        NOT NULL DEFAULT 'application/json',
    body            text        NOT NULL,
    status          text        NOT NULL DEFAULT 'pending',  -- pending, delivered, dead, cancelled
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    leased_until    timestamptz,                   -- claimed by a kouan notify until then
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    last_error      text
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_order ON outbox (order_key, id) WHERE status = 'pending';
CREATE INDEX outbox_endpoint ON outbox (endpoint) WHERE status = 'pending';

-- Every delivery try, answered or not.
CREATE TABLE delivery_attempt (
    id            bigserial   PRIMARY KEY,
    outbox_id     bigint      NOT NULL REFERENCES outbox (id),
    attempt       integer     NOT NULL,
    worker        text        NOT NULL,            -- host:pid of the kouan notify
    started_at    timestamptz NOT NULL,
    duration_ms   integer     NOT NULL,
    http_status   integer,                         -- NULL: no answer (refused, timeout)
    error         text,
    retry_after_s integer
);
CREATE INDEX delivery_attempt_outbox ON delivery_attempt (outbox_id);

-- Certificates of origin mailed by EMS (DESIGN §7).
CREATE TABLE certificate (
    id                  bigserial   PRIMARY KEY,
    certificate_no      text        NOT NULL UNIQUE,
    agent               text        NOT NULL,      -- agent / declarant code
    phone               text        NOT NULL,      -- where the pickup code goes
    recipient_name      text        NOT NULL,
    recipient_prov      text        NOT NULL,      -- province, city, county, street address:
    recipient_city      text        NOT NULL,      -- as EMS wants them
    recipient_county    text        NOT NULL,
    recipient_address   text        NOT NULL,
    status              text        NOT NULL,      -- requested, deposited, ems_requested, ordered, in_transit, delivered, locked
    locker              text,
    compartment         text,
    code_hash           text,                      -- hex SHA-256 of salt and code
    code_salt           text,
    code_expires_at     timestamptz,
    code_attempts       integer     NOT NULL DEFAULT 0,
    code_failures_total integer     NOT NULL DEFAULT 0,
    ems_order_no        text,                      -- our logistics order number
    ems_waybill_no      text,                      -- EMS's mail number, from its answer or callbacks
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE certificate_event (
    id             bigserial   PRIMARY KEY,
    certificate_id bigint      NOT NULL REFERENCES certificate (id),
    at             timestamptz NOT NULL DEFAULT now(),
    status         text        NOT NULL,
    detail         text
);
CREATE INDEX certificate_event_cert ON certificate_event (certificate_id, id);
