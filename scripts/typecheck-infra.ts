// Type-checks sst.config.ts and infra/ against the SST platform types of the
// sst version in package.json, with no network access but the npm registry.
// `sst install` would lay out .sst/platform, but the sst binary fetches
// Pulumi (get.pulumi.com) and Bun (GitHub releases) from outside the npm
// registry, and the platform sources ship only inside that binary. So this
// script downloads the sst-linux-x64 package with npm, reads the sources out
// of the binary (never running it), installs their dependencies, lays them
// out in .sst/platform and runs `tsc -p tsconfig.sst.json`.
//
// Usage: node scripts/typecheck-infra.ts [PROJECT_DIR]
// PROJECT_DIR defaults to the current folder. The platform is cached in
// <os temp dir>/sst-typecheck-<version>, so only the first run downloads.
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { type EmbeddedEntry, extractEmbeddedFiles } from "./go-embed.ts";

/** A file the sst binary embeds under src/, to find its embed.FS table. */
const knownPlatformFile = "src/components/aws/function.ts";

/**
 * Declarations for .sst/platform/config.d.ts in place of the file that sst
 * writes for an app whose only provider is aws: the `$config` global and
 * the `aws` namespace.
 */
const configDeclarations = `import "./src/global.d.ts";
import "../types.generated";
import type { App, AppInput, Config } from "./src/config";
import * as awsProvider from "@pulumi/aws";

type AwsProvider =
  | (awsProvider.ProviderArgs & { package?: string; version?: string })
  | string;
type AppWithProviders = Omit<App, "providers"> & {
  providers?: { aws?: AwsProvider };
};

declare global {
  export import aws = awsProvider;
  export const $config: (
    input: Omit<Config, "app"> & {
      app(input: AppInput): AppWithProviders | Promise<AppWithProviders>;
    },
  ) => Config;
}
`;

/** Reads the exact sst version from the project's package.json. */
function readSstVersion(project: string): string {
  const manifest = JSON.parse(
    readFileSync(join(project, "package.json"), "utf8"),
  );
  const version =
    manifest.dependencies?.sst ?? manifest.devDependencies?.sst ?? "";
  if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)) {
    throw new Error(
      `sst in ${project}/package.json must be an exact version, ` +
        `found ${JSON.stringify(version)}`,
    );
  }
  return version;
}

/** Downloads sst-linux-x64 and returns the path of its sst binary. */
function downloadSstBinary(version: string, folder: string): string {
  const output = execFileSync(
    "npm",
    [
      "pack",
      `sst-linux-x64@${version}`,
      "--pack-destination",
      folder,
      "--json",
      "--loglevel=error",
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  const [{ filename: tarball }] = JSON.parse(output);
  execFileSync("tar", ["-xzf", tarball, "package/bin/sst"], { cwd: folder });
  rmSync(join(folder, tarball));
  return join(folder, "package/bin/sst");
}

/** Writes the platform's src/, package.json and tsconfig.json to `folder`. */
function writePlatformSources(binary: string, folder: string): void {
  let entries: EmbeddedEntry[];
  try {
    entries = extractEmbeddedFiles(readFileSync(binary), knownPlatformFile);
  } catch (error) {
    throw new Error(`failed to read the SST platform sources from ${binary}`, {
      cause: error,
    });
  }
  const platformEntries = entries.filter(
    (entry) =>
      (entry.name.startsWith("src/") && !entry.name.endsWith("/")) ||
      entry.name === "package.json" ||
      entry.name === "tsconfig.json",
  );
  for (const entry of platformEntries) {
    const path = join(folder, entry.name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, entry.data);
  }
}

/**
 * Returns the cached platform folder (sources and node_modules) of an sst
 * version, building it first when it is missing. A build goes to its own
 * folder and is renamed into place, so concurrent runs never see half of one.
 */
function preparePlatform(version: string): string {
  const cache = join(tmpdir(), `sst-typecheck-${version}`);
  const platform = join(cache, "platform");
  if (existsSync(platform)) return platform;

  console.error(`Building the SST ${version} platform types in ${cache}`);
  const build = mkdtempSync(`${cache}-build-`);
  try {
    const binary = downloadSstBinary(version, build);
    writePlatformSources(binary, join(build, "platform"));
    rmSync(join(build, "package"), { recursive: true });

    execFileSync(
      "npm",
      [
        "install",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
      ],
      { cwd: join(build, "platform"), stdio: ["ignore", "ignore", "inherit"] },
    );
    renameSync(build, cache);
  } catch (error) {
    rmSync(build, { recursive: true, force: true });
    // Another run may have renamed its finished build into place first.
    if (!existsSync(platform)) throw error;
  }
  return platform;
}

/**
 * Lays out .sst/ in the project the way `sst install` would. The new
 * .sst/platform is copied beside the old one and swapped in by renames, so
 * a run that overlaps another one on the same project never reads a
 * half-copied folder.
 */
function layOutProject(project: string, platform: string): void {
  const target = join(project, ".sst/platform");
  mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(`${target}-new-`);
  cpSync(platform, staging, { recursive: true, verbatimSymlinks: true });
  writeFileSync(join(staging, "config.d.ts"), configDeclarations);

  const previous = `${staging}-previous`;
  if (existsSync(target)) renameSync(target, previous);
  try {
    renameSync(staging, target);
  } catch (error) {
    // An overlapping run has put its copy, the same files, in place first.
    if (!existsSync(target)) throw error;
    rmSync(staging, { recursive: true, force: true });
  }
  rmSync(previous, { recursive: true, force: true });

  const generatedTypes = join(project, ".sst/types.generated.ts");
  if (!existsSync(generatedTypes)) writeFileSync(generatedTypes, "export {}\n");
}

const project = resolve(process.argv[2] ?? ".");
const platform = preparePlatform(readSstVersion(project));
layOutProject(project, platform);

const tsc = createRequire(join(project, "package.json")).resolve(
  "typescript/bin/tsc",
);
const check = spawnSync(
  process.execPath,
  [tsc, "--noEmit", "-p", "tsconfig.sst.json"],
  { cwd: project, stdio: "inherit" },
);
process.exitCode = check.status ?? 1;
