import assert from "node:assert/strict";
import { test } from "node:test";
import {
  protocolLimits,
  type SitemapFile,
  SitemapFileBuilder,
} from "../../lib/sitemap/file-builder.ts";
import {
  escapeXml,
  sitemapIndexDocument,
  urlElement,
  w3cDateTime,
} from "../../lib/sitemap/xml.ts";
import { parseSitemapIndex, parseUrlset } from "./support/sitemap-xml.ts";

const lastmod = new Date("2026-01-02T03:04:05Z");

/** Runs `count` URLs of about `urlLength` characters through a builder. */
function buildFiles(count: number, urlLength = 0): SitemapFile[] {
  const builder = new SitemapFileBuilder(protocolLimits);
  const padding = "p".repeat(Math.max(urlLength - 40, 0));
  const files: SitemapFile[] = [];

  for (let i = 0; i < count; i += 1) {
    const loc = `https://example.com/${padding}/posts/${i}`;
    const file = builder.add(urlElement(loc, lastmod), lastmod);
    if (file !== undefined) files.push(file);
  }
  const last = builder.finish();
  if (last !== undefined) files.push(last);
  return files;
}

test("F10 loc escaped once, non-ASCII encoded", () => {
  const element = urlElement(
    "https://example.com/café/posts/1?tag=a&sort=new",
    lastmod,
  );
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${element}</urlset>\n`;

  assert.match(
    element,
    /<loc>https:\/\/example\.com\/caf%C3%A9\/posts\/1\?tag=a&amp;sort=new<\/loc>/,
  );
  assert.doesNotMatch(element, /&amp;amp;/);
  assert.doesNotMatch(element, /é/);
  const [entry] = parseUrlset(xml);
  assert.equal(
    entry?.loc,
    "https://example.com/caf%C3%A9/posts/1?tag=a&sort=new",
  );
});

test("F10 already encoded URL stays as is", () => {
  const element = urlElement(
    "https://example.com/caf%C3%A9/posts/2?a=1&b=2",
    lastmod,
  );

  assert.match(element, /caf%C3%A9\/posts\/2\?a=1&amp;b=2</);
  assert.doesNotMatch(element, /%25C3/);
});

test("escapeXml covers the five reserved characters", () => {
  assert.equal(
    escapeXml(`<a href="x">'&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;",
  );
});

test("F12 lastmod is W3C with an offset", () => {
  assert.equal(
    w3cDateTime(new Date("2024-03-10 14:05:00Z")),
    "2024-03-10T14:05:00+00:00",
  );
  assert.equal(
    w3cDateTime(new Date("2024-03-10T16:05:00.789+02:00")),
    "2024-03-10T14:05:00+00:00",
  );
});

test("F11 100,001 URLs make three files", () => {
  const files = buildFiles(100_001);

  assert.deepEqual(
    files.map((file) => file.urlCount),
    [50_000, 50_000, 1],
  );
  for (const file of files) {
    assert.equal(parseUrlset(file.body.toString()).length, file.urlCount);
  }
});

test("F11 exactly 50,000 URLs make one file", () => {
  const files = buildFiles(50_000);

  assert.equal(files.length, 1);
  assert.equal(files[0]?.urlCount, 50_000);
});

test("F11 50 MiB limit splits long URLs", () => {
  // 40,000 URLs of about 1,400 bytes are about 56 MB: past 50 MiB.
  const files = buildFiles(40_000, 1_400);

  assert.equal(files.length, 2);
  assert.equal(
    files.reduce((sum, file) => sum + file.urlCount, 0),
    40_000,
  );
  for (const file of files) {
    assert.ok(file.body.length <= protocolLimits.maxBytes);
    assert.ok(file.urlCount < protocolLimits.maxUrls);
  }
  // The first file is filled to within one URL of the byte limit.
  assert.ok(files[0] !== undefined);
  assert.ok(files[0].body.length > protocolLimits.maxBytes - 1_500);
});

test("F11 index lists only sitemap files", () => {
  const index = sitemapIndexDocument([
    { loc: "https://cdn.example.com/sitemaps/sitemap-1.xml", lastmod },
    { loc: "https://cdn.example.com/sitemaps/sitemap-2.xml", lastmod },
  ]);

  const entries = parseSitemapIndex(index);
  assert.deepEqual(
    entries.map((entry) => entry.loc),
    [
      "https://cdn.example.com/sitemaps/sitemap-1.xml",
      "https://cdn.example.com/sitemaps/sitemap-2.xml",
    ],
  );
  assert.equal(entries[0]?.lastmod, "2026-01-02T03:04:05+00:00");
});

test("empty index is well-formed", () => {
  const index = sitemapIndexDocument([]);

  assert.deepEqual(parseSitemapIndex(index), []);
});

test("builder rejects an element larger than a file", () => {
  const builder = new SitemapFileBuilder({ maxUrls: 10, maxBytes: 200 });

  assert.throws(
    () =>
      builder.add(
        urlElement(`https://example.com/${"x".repeat(300)}`, lastmod),
        lastmod,
      ),
    /cannot fit in a file of 200 bytes/,
  );
});

test("file lastmod is its latest URL's", () => {
  const builder = new SitemapFileBuilder({ maxUrls: 2, maxBytes: 10_000 });
  const early = new Date("2025-01-01T00:00:00Z");
  const late = new Date("2025-06-01T00:00:00Z");

  builder.add(urlElement("https://example.com/a", late), late);
  builder.add(urlElement("https://example.com/b", early), early);
  const full = builder.add(urlElement("https://example.com/c", early), early);

  assert.equal(full?.urlCount, 2);
  assert.equal(full?.lastmod.toISOString(), late.toISOString());
  assert.equal(builder.finish()?.lastmod.toISOString(), early.toISOString());
});
