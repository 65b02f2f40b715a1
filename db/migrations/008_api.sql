-- The HTTP API's principals and the audit trail (DESIGN §8).

-- Who may call kouan api: a bearer token, stored as its SHA-256 only.
CREATE TABLE principal (
    id          bigserial   PRIMARY KEY,
    name        text        NOT NULL UNIQUE,
    role        text        NOT NULL CHECK (role IN ('agent', 'officer', 'terminal', 'admin')),
    agent_code  text,                             -- agents: the declarant code customs names them by
    token_hash  bytea       NOT NULL UNIQUE,      -- SHA-256 of the token
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    CHECK ((role = 'agent') = (agent_code IS NOT NULL))
);

-- Every read (and write) of cargo data through the API.
CREATE TABLE audit (
    id          bigserial   PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    principal   text        NOT NULL,             -- principal.name
    role        text        NOT NULL,
    action      text        NOT NULL,             -- e.g. "GET /v2/events"
    resource    text,                             -- what was asked: the query, a container
    result      integer     NOT NULL,             -- HTTP status answered
    items       integer     NOT NULL DEFAULT 0    -- records returned
);
CREATE INDEX audit_at ON audit USING brin (at);

-- An agent's cargo: the bills customs names the agent on.
CREATE INDEX event_agent ON event ((detail->>'agentCode'))
    WHERE detail->>'agentCode' IS NOT NULL;
