-- Inspection without appointment: the slot a box routed to the inspection
-- area was given (one hour from slot_start), kept on its visit.
ALTER TABLE visit
    ADD COLUMN slot_area  text,
    ADD COLUMN slot_start timestamptz;
CREATE INDEX visit_slot ON visit (slot_area, slot_start)
    WHERE slot_start IS NOT NULL AND closed_at IS NULL;
