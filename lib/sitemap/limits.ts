// Limits of the sitemap protocol (sitemaps.org, protocol 0.9).

/** URLs one sitemap file may list. */
export const maxUrlsPerSitemap = 50_000;

/** Bytes one sitemap file may have before compression: 50 MiB. */
export const maxBytesPerSitemap = 50 * 1024 * 1024;

/** Sitemaps one index may list; an index never lists another index. */
export const maxSitemapsPerIndex = 50_000;

/** Characters a `<loc>` URL may have. */
export const maxUrlLength = 2_048;
