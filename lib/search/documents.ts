// Search documents as the app's search reads them. Times are Unix seconds.
// Documents are type aliases, not interfaces, so they fit JSON object types.

export interface PostRow {
  id: string;
  author_id: string;
  title: string;
  storage_key: string;
  created_at: Date;
  updated_at: Date;
}

export interface UserRow {
  id: string;
  handle: string;
  display_name: string;
  bio: string | null;
  profile_image: string | null;
}

export type PostDocument = {
  id: string;
  author_id: string;
  title: string;
  content: string;
  created_at: number;
  updated_at: number;
};

export type UserDocument = {
  id: string;
  handle: string;
  display_name: string;
  bio: string | null;
  profile_image: string | null;
};

export function toPostDocument(row: PostRow, content: string): PostDocument {
  return {
    id: row.id,
    author_id: row.author_id,
    title: row.title,
    content,
    created_at: unixSeconds(row.created_at),
    updated_at: unixSeconds(row.updated_at),
  };
}

export function toUserDocument(row: UserRow): UserDocument {
  return {
    id: row.id,
    handle: row.handle,
    display_name: row.display_name,
    bio: row.bio,
    profile_image: row.profile_image,
  };
}

function unixSeconds(time: Date): number {
  return Math.floor(time.getTime() / 1000);
}
