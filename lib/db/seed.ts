import { randomUUID } from "node:crypto";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { encodePostContent } from "../search/post-content.ts";
import type { Pool } from "./pool.ts";

/** A post as stored: its row and its plain-text body. */
export interface SeedPost {
  id: string;
  authorId: string;
  title: string;
  storageKey: string;
  content: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface SeedUser {
  id: string;
  displayName: string;
  handle: string;
  bio: string | null;
  email: string;
  profileImage: string | null;
}

export interface ContentBucket {
  s3: S3Client;
  bucket: string;
}

const words = ["rust", "axum", "tokio", "serde", "nats", "search", "zstd"];
const rowsPerInsert = 1_000;
const concurrentUploads = 32;

/** Builds `count` users with unique handles and emails. */
export function makeUsers(count: number): SeedUser[] {
  return Array.from({ length: count }, (_, index) => {
    const suffix = `${index}_${randomUUID().slice(0, 6)}`;
    return {
      id: randomUUID(),
      displayName: `Seed User ${index}`,
      handle: `u${suffix}`.slice(0, 20),
      bio: index % 3 === 0 ? null : `Writes about ${words[index % 7]}`,
      email: `user${suffix}@example.com`,
      profileImage: index % 2 === 0 ? null : `avatars/${index}.webp`,
    };
  });
}

/** Builds `count` posts spread over the authors, titled `Post <n> ...`. */
export function makePosts(count: number, authorIds: string[]): SeedPost[] {
  const base = Date.UTC(2024, 0, 1) / 1000;
  return Array.from({ length: count }, (_, index) => {
    const id = randomUUID();
    const authorId = authorIds[index % authorIds.length] ?? randomUUID();
    const topic = words[index % words.length];
    return {
      id,
      authorId,
      title: `Post ${index} on ${topic}`,
      storageKey: `posts/${authorId}/${id}.zst`,
      content: `Notes number ${index} about ${topic}. ${"Lorem ipsum ".repeat(20)}`,
      createdAt: new Date((base + index * 60) * 1000),
      updatedAt: new Date((base + index * 60 + 30) * 1000),
    };
  });
}

/** Inserts users, a thousand rows per statement. */
export async function insertUsers(pool: Pool, users: SeedUser[]) {
  for (let start = 0; start < users.length; start += rowsPerInsert) {
    const chunk = users.slice(start, start + rowsPerInsert);
    await pool.query(
      `INSERT INTO users (id, display_name, handle, bio, email, profile_image)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::varchar[],
                            $4::varchar[], $5::varchar[], $6::text[])`,
      [
        chunk.map((user) => user.id),
        chunk.map((user) => user.displayName),
        chunk.map((user) => user.handle),
        chunk.map((user) => user.bio),
        chunk.map((user) => user.email),
        chunk.map((user) => user.profileImage),
      ],
    );
  }
}

/** Inserts post rows, a thousand per statement. Content is separate. */
export async function insertPosts(pool: Pool, posts: SeedPost[]) {
  for (let start = 0; start < posts.length; start += rowsPerInsert) {
    const chunk = posts.slice(start, start + rowsPerInsert);
    await pool.query(
      `INSERT INTO posts (id, author_id, title, storage_key, created_at,
                          updated_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[],
                            $5::timestamptz[], $6::timestamptz[])`,
      [
        chunk.map((post) => post.id),
        chunk.map((post) => post.authorId),
        chunk.map((post) => post.title),
        chunk.map((post) => post.storageKey),
        chunk.map((post) => post.createdAt.toISOString()),
        chunk.map((post) => post.updatedAt.toISOString()),
      ],
    );
  }
}

/** Uploads each post's body, zstd-compressed, under its storage key. */
export async function uploadContent(
  target: ContentBucket,
  posts: SeedPost[],
  onUploaded: (count: number) => void = () => {},
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < posts.length) {
      const post = posts[next++] as SeedPost;
      await putObject(
        target,
        post.storageKey,
        await encodePostContent(post.content),
      );
      onUploaded(1);
    }
  };
  const workers = Math.min(concurrentUploads, posts.length);
  await Promise.all(Array.from({ length: workers }, worker));
}

/** Writes raw bytes under a key, for content the test wants corrupt. */
export async function putObject(
  target: ContentBucket,
  key: string,
  body: Uint8Array,
): Promise<void> {
  await target.s3.send(
    new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: body }),
  );
}

/** Writes users and posts with their content objects; returns them. */
export async function seed(
  pool: Pool,
  content: ContentBucket,
  counts: { users: number; posts: number },
  onUploaded?: (count: number) => void,
): Promise<{ users: SeedUser[]; posts: SeedPost[] }> {
  const users = makeUsers(counts.users);
  const posts = makePosts(
    counts.posts,
    users.map((user) => user.id),
  );
  await insertUsers(pool, users);
  await insertPosts(pool, posts);
  await uploadContent(content, posts, onUploaded);
  return { users, posts };
}
