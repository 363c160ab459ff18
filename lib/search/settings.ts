import type { Settings } from "meilisearch";

/** What a search index contains; decides its settings. */
export type SearchKind = "posts" | "users";

const rankingRules = ["words", "typo", "proximity", "attribute", "exactness"];

/**
 * Settings applied when an index is created. Searchable attributes are in
 * order of importance, which the `attribute` ranking rule uses.
 */
export const indexSettings: Record<SearchKind, Settings> = {
  posts: {
    searchableAttributes: ["title", "content"],
    filterableAttributes: ["author_id"],
    displayedAttributes: [
      "id",
      "author_id",
      "title",
      "content",
      "created_at",
      "updated_at",
    ],
    rankingRules,
  },
  users: {
    searchableAttributes: ["handle", "display_name", "bio"],
    displayedAttributes: [
      "id",
      "handle",
      "display_name",
      "bio",
      "profile_image",
    ],
    rankingRules,
  },
};

export const primaryKey = "id";
