import { maxBytesPerSitemap, maxUrlsPerSitemap } from "./limits.ts";
import { urlsetClosing, urlsetOpening } from "./xml.ts";

export interface SitemapFileLimits {
  /** URLs per file [50,000]. */
  maxUrls: number;
  /** Uncompressed bytes per file [50 MiB]. */
  maxBytes: number;
}

export const protocolLimits: SitemapFileLimits = {
  maxUrls: maxUrlsPerSitemap,
  maxBytes: maxBytesPerSitemap,
};

/** One finished sitemap file. */
export interface SitemapFile {
  body: Buffer;
  urlCount: number;
  /** The latest `lastmod` of its URLs. */
  lastmod: Date;
}

const frameBytes =
  Buffer.byteLength(urlsetOpening) + Buffer.byteLength(urlsetClosing);

/**
 * Collects `<url>` elements into sitemap files, starting a new file before
 * one would pass either limit, so every file stays within both.
 */
export class SitemapFileBuilder {
  readonly #limits: SitemapFileLimits;
  #elements: string[] = [];
  #bytes = frameBytes;
  #lastmod = new Date(0);

  constructor(limits: SitemapFileLimits = protocolLimits) {
    this.#limits = limits;
  }

  /**
   * Adds one `<url>` element. Returns the file it completed when the element
   * did not fit, else undefined.
   */
  add(element: string, lastmod: Date): SitemapFile | undefined {
    const elementBytes = Buffer.byteLength(element);
    if (frameBytes + elementBytes > this.#limits.maxBytes) {
      throw new RangeError(
        `a sitemap <url> element of ${elementBytes} bytes cannot fit in a file of ${this.#limits.maxBytes} bytes`,
      );
    }

    const full =
      this.#elements.length >= this.#limits.maxUrls ||
      this.#bytes + elementBytes > this.#limits.maxBytes;
    const completed = full ? this.finish() : undefined;

    this.#elements.push(element);
    this.#bytes += elementBytes;
    if (lastmod > this.#lastmod) this.#lastmod = lastmod;
    return completed;
  }

  /** Returns the file in progress and starts an empty one; undefined if empty. */
  finish(): SitemapFile | undefined {
    if (this.#elements.length === 0) return undefined;

    const body = Buffer.from(
      urlsetOpening + this.#elements.join("") + urlsetClosing,
    );
    const file = {
      body,
      urlCount: this.#elements.length,
      lastmod: this.#lastmod,
    };
    this.#elements = [];
    this.#bytes = frameBytes;
    this.#lastmod = new Date(0);
    return file;
  }
}
