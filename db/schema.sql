-- Tables the worker reads, as the AxumKit server creates them. Local runs
-- and tests apply this file; the app's own migrations own the real schema.
-- Every statement is idempotent, so applying it twice is harmless. There are
-- no foreign keys, so a test can write a post or token without its user.

CREATE TABLE IF NOT EXISTS users (
    id            uuid PRIMARY KEY,
    display_name  text NOT NULL,
    handle        varchar(20) NOT NULL UNIQUE,
    bio           varchar(200),
    email         varchar(254) NOT NULL UNIQUE,
    profile_image text,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS posts (
    id          uuid PRIMARY KEY,
    author_id   uuid NOT NULL,
    title       text NOT NULL,
    storage_key text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS posts_author_id_idx ON posts (author_id);

CREATE TABLE IF NOT EXISTS auth_tokens (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL,
    purpose    text NOT NULL,
    token_hash text NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS auth_tokens_expires_at_idx
    ON auth_tokens (expires_at);
