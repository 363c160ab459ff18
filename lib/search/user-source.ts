import type { Pool } from "../db/pool.ts";
import { toUserDocument, type UserRow } from "./documents.ts";
import type { DocumentSource } from "./source.ts";
import { tableReads } from "./table-rows.ts";

const columns = "id, handle, display_name, bio, profile_image";

/** Users: rows from `users`; a user document needs nothing else. */
export function createUserSource(pool: Pool): DocumentSource {
  return {
    kind: "users",

    ...tableReads<UserRow>(pool, "users", columns),

    async buildDocuments(rows) {
      return {
        documents: (rows as UserRow[]).map(toUserDocument),
        errors: new Map(),
      };
    },
  };
}
