import type { Document, StoredIndex } from "./meilisearch-store.ts";
import { StandInError } from "./meilisearch-store.ts";

export interface SearchRequest {
  q?: string | null;
  limit?: number;
  offset?: number;
  filter?: string | null;
}

/**
 * Runs a basic search: a document matches when every query word occurs, case
 * folded, in one of its searchable attributes. Results keep insertion
 * order. There is no typo tolerance or relevance ranking: this is enough to
 * check what an index contains, not to judge search quality.
 */
export function searchIndex(index: StoredIndex, request: SearchRequest) {
  const words = (request.q ?? "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== "");
  const attributes = searchableAttributes(index);
  const keep = parseFilter(index, request.filter ?? null);

  const hits: Document[] = [];
  for (const document of index.documents.values()) {
    if (!keep(document)) continue;
    const text = attributes(document).join("\n").toLowerCase();
    if (words.every((word) => text.includes(word))) hits.push(document);
  }

  const offset = request.offset ?? 0;
  const limit = request.limit ?? 20;
  return {
    hits: hits.slice(offset, offset + limit).map((hit) => display(index, hit)),
    query: request.q ?? "",
    processingTimeMs: 0,
    limit,
    offset,
    estimatedTotalHits: hits.length,
  };
}

function searchableAttributes(index: StoredIndex) {
  const listed = index.settings.searchableAttributes;
  const names = Array.isArray(listed) && !listed.includes("*") ? listed : null;
  return (document: Document) =>
    (names ?? Object.keys(document))
      .map((name) => document[name])
      .filter((value): value is string => typeof value === "string");
}

/** Keeps the displayed attributes, or all when none are set. */
export function display(index: StoredIndex, document: Document): Document {
  const listed = index.settings.displayedAttributes;
  if (!Array.isArray(listed) || listed.includes("*")) return document;
  return Object.fromEntries(
    Object.entries(document).filter(([name]) => listed.includes(name)),
  );
}

/** Supports `attribute = "value"` filters on filterable attributes only. */
function parseFilter(index: StoredIndex, filter: string | null) {
  if (filter === null || filter.trim() === "") return () => true;
  const match = filter.match(/^\s*(\w+)\s*=\s*"?([^"]*)"?\s*$/);
  if (!match) {
    throw new StandInError(
      `The stand-in supports only \`attribute = "value"\` filters, got \`${filter}\`.`,
      "invalid_search_filter",
    );
  }
  const [, name = "", value] = match;
  const filterable = index.settings.filterableAttributes;
  if (!Array.isArray(filterable) || !filterable.includes(name)) {
    throw new StandInError(
      `Attribute \`${name}\` is not filterable.`,
      "invalid_search_filter",
    );
  }
  return (document: Document) => String(document[name]) === value;
}
