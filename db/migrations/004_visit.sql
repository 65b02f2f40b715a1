-- Container visits and the decisions taken for them.
-- A visit can be rebuilt from its events alone, so event keeps the facts a
-- visit needs as columns (no JSON parsing on a rebuild).
ALTER TABLE event
    ADD COLUMN message_ref        text,
    ADD COLUMN iso_equipment_code text,
    ADD COLUMN document_type_code text,
    ADD COLUMN exam_type          text,
    ADD COLUMN tax_status         text,
    ADD COLUMN entry_id           text,
    ADD COLUMN facility_code      text,
    ADD COLUMN vessel_name        text;

-- One row per stay of a box in the port; the open one has no closed_at.
CREATE TABLE visit (
    id                  bigserial   PRIMARY KEY,
    equipment_reference text        NOT NULL,
    direction           text        NOT NULL,   -- import, export, unknown
    phase               text        NOT NULL,   -- PLANNED, DISCHARGED, AT_INSPECTION, ...
    route               text,                   -- the route last decided
    sent_route          text,                   -- the route of the instruction in force
    opened_at           timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    closed_at           timestamptz
);
CREATE UNIQUE INDEX visit_open ON visit (equipment_reference) WHERE closed_at IS NULL;
CREATE INDEX visit_box ON visit (equipment_reference, opened_at);

-- Every decision that changed something: the table, the rules that fired,
-- what they were given and what they said ("why did this box go there").
CREATE TABLE decision (
    id                  bigserial   PRIMARY KEY,
    equipment_reference text        NOT NULL,
    party               text        NOT NULL,   -- who sent the message that led to it
    msg_id              text,
    decided_at          timestamptz NOT NULL DEFAULT now(),
    decision_table      text        NOT NULL,
    rules               text        NOT NULL,   -- ids of the rules that fired
    inputs              json        NOT NULL,
    route               text,
    reason              text,
    action              text        NOT NULL,   -- SEND, WITHDRAW, CLOSE
    note                text,
    instruction_id      text
);
CREATE INDEX decision_box ON decision (equipment_reference, decided_at);
