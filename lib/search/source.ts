import type { SearchKind } from "./settings.ts";

/** A search document: a JSON object with a string `id`. */
export type SearchDocument = { id: string } & Record<string, unknown>;

/** Documents built from rows, and the rows that could not be built. */
export interface BuiltDocuments {
  documents: SearchDocument[];
  /** Row id to what its build threw (for posts, a content read). */
  errors: Map<string, unknown>;
}

/**
 * The origin of one kind of search document: its table, and for posts
 * the content bucket. The index and reindex jobs share it.
 */
export interface DocumentSource {
  kind: SearchKind;
  /** Rows by id; ids without a row are absent. */
  fetchByIds(ids: string[]): Promise<Map<string, unknown>>;
  /** Up to `limit` rows with ids after `afterId` (all when null), by id. */
  fetchPage(afterId: string | null, limit: number): Promise<{ id: string }[]>;
  /** Rows in the table, and how many have ids up to `throughId`. */
  countRows(throughId: string): Promise<{ total: number; through: number }>;
  buildDocuments(rows: unknown[]): Promise<BuiltDocuments>;
}
