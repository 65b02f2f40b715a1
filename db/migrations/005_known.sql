-- Events that name a bill and no box (a tax payment before any box of its
-- bill is known): found by bill when a box of that bill first arrives, and
-- listed when the broker starts (which bills it must look up at all).
CREATE INDEX event_bill_only ON event (transport_document_reference)
    WHERE equipment_reference IS NULL AND transport_document_reference IS NOT NULL;
