// Follows a module's static imports, for checks on what an image or a
// function bundle must contain.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const root = join(import.meta.dirname, "../..");

const importPattern =
  /^\s*(import|export)\s+(type\s+)?[^"']*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm;

/**
 * Walks the runtime imports from `entry`: the project files it loads and
 * the packages it needs. Type-only imports are erased when Node strips the
 * types, so they are left out.
 */
export function runtimeImports(entry: string): {
  files: Set<string>;
  packages: Set<string>;
} {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [resolve(root, entry)];

  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (files.has(file)) continue;
    files.add(file);

    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(importPattern)) {
      if (match[2] !== undefined) continue;
      const specifier = (match[3] ?? match[4]) as string;
      if (specifier.startsWith(".")) {
        pending.push(resolve(dirname(file), specifier));
      } else if (!specifier.startsWith("node:")) {
        const parts = specifier.split("/");
        const name = specifier.startsWith("@")
          ? parts.slice(0, 2).join("/")
          : parts[0];
        packages.add(name as string);
      }
    }
  }
  return { files, packages };
}
