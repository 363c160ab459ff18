import assert from "node:assert/strict";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { sitemapNamespace } from "../../../lib/sitemap/xml.ts";

// The constraints of the sitemaps.org 0.9 schema (sitemap.xsd and
// siteindex.xsd) that the files we write can break, checked by hand
// because no XSD validator is installed: root element and namespace, the
// allowed children, absolute `loc` URLs of at most 2,048 characters in
// ASCII, and `lastmod` as a W3C datetime.

const w3cDateTime =
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseTagValue: false,
  isArray: (name) => name === "url" || name === "sitemap",
});

export interface SitemapEntry {
  loc: string;
  lastmod: string;
}

/** Parses a sitemap file, failing on anything the schema does not allow. */
export function parseUrlset(xml: string): SitemapEntry[] {
  const root = parseDocument(xml, "urlset");
  return entriesOf(root, "url");
}

/** Parses a sitemap index, failing on anything the schema does not allow. */
export function parseSitemapIndex(xml: string): SitemapEntry[] {
  const root = parseDocument(xml, "sitemapindex");
  return entriesOf(root, "sitemap");
}

function parseDocument(xml: string, rootName: string) {
  const valid = XMLValidator.validate(xml);
  assert.equal(valid, true, `not well-formed XML: ${JSON.stringify(valid)}`);

  const document = parser.parse(xml) as Record<string, unknown>;
  const roots = Object.keys(document).filter((name) => name !== "?xml");
  assert.deepEqual(roots, [rootName]);
  const root = (document[rootName] ?? {}) as Record<string, unknown>;
  assert.equal(root["@xmlns"], sitemapNamespace);
  return root;
}

function entriesOf(root: Record<string, unknown>, child: string) {
  const children = Object.keys(root).filter((name) => !name.startsWith("@"));
  assert.ok(
    children.every((name) => name === child),
    `unexpected elements: ${children.join(", ")}`,
  );

  const entries = (root[child] ?? []) as Record<string, unknown>[];
  return entries.map((entry) => {
    const { loc, lastmod } = entry as { loc: string; lastmod: string };
    assert.equal(typeof loc, "string");
    assert.ok(loc.length <= 2_048, `loc longer than 2,048: ${loc.length}`);
    assert.match(loc, /^https?:\/\/[\x21-\x7e]+$/);
    assert.match(lastmod, w3cDateTime);
    return { loc, lastmod };
  });
}
