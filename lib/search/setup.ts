import { EnvReader, type EnvSource } from "../config/env-reader.ts";
import {
  type ContentBucketConfig,
  readContentBucketConfig,
} from "../config/storage.ts";
import { type DatabaseConfig, readDatabaseConfig } from "../db/config.ts";
import { createDatabasePool } from "../db/pool.ts";
import type { Logger } from "../log.ts";
import { createS3Client } from "../storage/s3-client.ts";
import { createSearchClient } from "./client.ts";
import { readSearchConfig, type SearchConfig } from "./config.ts";
import { createPostSource } from "./post-source.ts";
import { SearchIndexes } from "./search-indexes.ts";
import type { SearchKind } from "./settings.ts";
import type { DocumentSource } from "./source.ts";
import { createUserSource } from "./user-source.ts";

/** Clients the index and reindex functions of one kind use. */
export interface SearchDeps {
  source: DocumentSource;
  indexes: SearchIndexes;
  logger: Logger;
}

/** Settings of the index and reindex functions of one kind. */
export interface SearchSettings {
  search: SearchConfig;
  database: DatabaseConfig;
  /** Set for posts only: their content is read from the object store. */
  content?: ContentBucketConfig;
}

/**
 * Reads the settings of a search function, recording problems in `env`.
 * Posts need `CONTENT_BUCKET` and the object store settings as well.
 */
export function readSearchSettings(
  kind: SearchKind,
  env: EnvReader,
): SearchSettings {
  return {
    search: readSearchConfig(env),
    database: readDatabaseConfig(env),
    content: kind === "posts" ? readContentBucketConfig(env) : undefined,
  };
}

/**
 * Reads the configuration of a search function and builds its clients.
 * Posts need `CONTENT_BUCKET` and the object store settings as well; every
 * missing variable is named in one ConfigError.
 */
export function setUpSearch(
  kind: SearchKind,
  source: EnvSource,
  logger: Logger,
): SearchDeps {
  const env = new EnvReader(source);
  const { search, database, content } = readSearchSettings(kind, env);
  env.assertValid();

  const pool = createDatabasePool(database, logger);
  const client = createSearchClient(search);
  const live = kind === "posts" ? search.postsIndex : search.usersIndex;
  const documentSource =
    content === undefined
      ? createUserSource(pool)
      : createPostSource({
          pool,
          s3: createS3Client(content.store),
          bucket: content.bucket,
        });

  return {
    source: documentSource,
    indexes: new SearchIndexes(client, pool, kind, live),
    logger,
  };
}
