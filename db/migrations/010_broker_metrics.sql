-- What each running broker counts, written every few seconds on a connection
-- of its own, for kouan api's /metrics (the API reads PostgreSQL only).
CREATE TABLE broker_metrics (
    instance    text        PRIMARY KEY,   -- host:pid
    started_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    metrics     json        NOT NULL       -- counters and histograms, see broker/broker.c
);
