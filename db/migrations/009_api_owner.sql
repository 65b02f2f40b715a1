-- DCSA subscriptions made over the HTTP API: the principal who made one
-- (principal.name) sees and changes it; an agent's or a terminal's only its
-- own.  NULL: made with kouan subscription, by an operator.
ALTER TABLE subscription ADD COLUMN owner text;
CREATE INDEX subscription_owner ON subscription (owner, created_at, id);
