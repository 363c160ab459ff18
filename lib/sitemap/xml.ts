/** The XML namespace of sitemap files and sitemap indexes. */
export const sitemapNamespace = "http://www.sitemaps.org/schemas/sitemap/0.9";

const xmlDeclaration = '<?xml version="1.0" encoding="UTF-8"?>\n';

export const urlsetOpening = `${xmlDeclaration}<urlset xmlns="${sitemapNamespace}">\n`;
export const urlsetClosing = "</urlset>\n";

const xmlEntities: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/** Escapes the five characters XML reserves, once. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => xmlEntities[character] ?? "");
}

/**
 * Returns a URL in the form the sitemap protocol requires: absolute, with
 * non-ASCII characters percent-encoded as UTF-8 (`é` becomes `%C3%A9`) and
 * an IDN host in punycode. Sequences already percent-encoded stay as they
 * are, so a URL is never encoded twice. XML escaping comes after this.
 */
export function normalizeUrl(url: string): string {
  return new URL(url).href;
}

/**
 * Formats a time as a W3C datetime with seconds and an explicit offset,
 * always in UTC: `2024-03-10T14:05:00+00:00`.
 */
export function w3cDateTime(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

/** Formats one `<url>` element, ending with a line break. */
export function urlElement(loc: string, lastmod: Date): string {
  return `<url><loc>${escapeXml(normalizeUrl(loc))}</loc><lastmod>${w3cDateTime(lastmod)}</lastmod></url>\n`;
}

export interface SitemapReference {
  /** Public URL of a sitemap file. */
  loc: string;
  /** The latest `lastmod` among its URLs. */
  lastmod: Date;
}

/** Formats a sitemap index; with no references it is empty but well-formed. */
export function sitemapIndexDocument(
  sitemaps: readonly SitemapReference[],
): string {
  const entries = sitemaps.map(
    (sitemap) =>
      `<sitemap><loc>${escapeXml(normalizeUrl(sitemap.loc))}</loc><lastmod>${w3cDateTime(sitemap.lastmod)}</lastmod></sitemap>\n`,
  );
  return `${xmlDeclaration}<sitemapindex xmlns="${sitemapNamespace}">\n${entries.join("")}</sitemapindex>\n`;
}
