import { maxUrlsPerSitemap } from "../sitemap/limits.ts";
import type { EnvReader } from "./env-reader.ts";
import { type ObjectStoreConfig, readObjectStoreConfig } from "./storage.ts";

/** Settings of the sitemap cron. Defaults in brackets. */
export interface SitemapConfig {
  /** `FRONTEND_HOST` without a trailing slash, required. */
  frontendHost: string;
  /** `R2_PUBLIC_DOMAIN` as a URL without a trailing slash, required. */
  publicBaseUrl: string;
  store: ObjectStoreConfig;
  /** `PUBLIC_BUCKET`, required. */
  bucket: string;
  /** `SITEMAP_URLS_PER_FILE`, at most the protocol's 50,000 [50000]. */
  urlsPerFile: number;
}

export function readSitemapConfig(env: EnvReader): SitemapConfig {
  return {
    frontendHost: readBaseUrl(env, "FRONTEND_HOST", false),
    publicBaseUrl: readBaseUrl(env, "R2_PUBLIC_DOMAIN", true),
    store: readObjectStoreConfig(env),
    bucket: env.required("PUBLIC_BUCKET"),
    urlsPerFile: env.integer("SITEMAP_URLS_PER_FILE", maxUrlsPerSitemap, {
      min: 1,
      max: maxUrlsPerSitemap,
    }),
  };
}

/**
 * Reads an http(s) base URL with no query or fragment and drops trailing
 * slashes. With `httpsByDefault`, a bare domain such as `cdn.example.com`
 * (as R2 shows a bucket's public domain) gets `https://` in front.
 */
function readBaseUrl(
  env: EnvReader,
  name: string,
  httpsByDefault: boolean,
): string {
  let value = env.required(name);
  if (value === "") return value;
  if (httpsByDefault && !/^[a-z][a-z0-9+.-]*:/i.test(value)) {
    value = `https://${value}`;
  }

  if (!/^https?:\/\/[^/?#\s]+[^?#\s]*$/.test(value)) {
    env.reject(
      `${name} must be an http(s) URL with no query or fragment, such as https://example.com, got "${value}"`,
    );
  }
  return value.replace(/\/+$/, "");
}
