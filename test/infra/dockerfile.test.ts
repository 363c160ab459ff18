import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import {
  bridgeCommand,
  bridgeNodeFlags,
} from "../../lib/bridge/node-command.ts";
import { runtimeImports } from "./imports.ts";

// Docker is not available to the tests, so the bridge image is checked by
// reading its Dockerfile: pinned base image, non-root user, production
// dependencies only, and every file the bridge imports copied in.

const root = join(import.meta.dirname, "../..");

interface Instruction {
  keyword: string;
  argument: string;
}

interface Stage {
  image: string;
  alias?: string;
  instructions: Instruction[];
}

/** Parses the Dockerfile into stages, joining continued lines. */
function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));

  const stages: Stage[] = [];
  for (const line of lines) {
    const [keyword = "", ...rest] = line.split(/\s+/);
    const instruction = {
      keyword: keyword.toUpperCase(),
      argument: rest.join(" "),
    };
    if (instruction.keyword === "FROM") {
      const [image = "", as, alias] = rest;
      assert.ok(as === undefined || as.toUpperCase() === "AS", line);
      stages.push({ image, alias, instructions: [] });
    } else {
      assert.ok(stages.length > 0, `${line} comes after a FROM`);
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

function packageJson(): {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
} {
  return JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
}

/** The source paths of a COPY, without its flags and destination. */
function copySources(argument: string): string[] {
  const words = argument.split(/\s+/).filter((word) => !word.startsWith("--"));
  return words.slice(0, -1);
}

const stages = parseDockerfile(readFileSync(join(root, "Dockerfile"), "utf8"));
const finalStage = stages.at(-1) as Stage;
const finalInstructions = (keyword: string) =>
  finalStage.instructions.filter((entry) => entry.keyword === keyword);

test("base images are pinned to the project's Node", () => {
  const nodeVersion = packageJson().devDependencies.node;
  const aliases = new Set(stages.map((stage) => stage.alias));

  assert.ok(stages.length >= 2, "a multi-stage build");
  for (const stage of stages) {
    if (aliases.has(stage.image)) continue;
    assert.match(stage.image, /^node:\d+\.\d+\.\d+-[a-z]+$/, stage.image);
    assert.equal(stage.image.split(":")[1]?.split("-")[0], nodeVersion);
  }
});

test("bridge runs as a non-root user", () => {
  const users = finalInstructions("USER");
  const last = finalStage.instructions.at(-1);

  assert.equal(users.length, 1);
  assert.ok(!["root", "0"].includes(users[0]?.argument ?? ""), "not root");
  const userIndex = finalStage.instructions.indexOf(users[0] as Instruction);
  const commandIndex = finalStage.instructions.findIndex(
    (entry) => entry.keyword === "CMD",
  );
  assert.ok(userIndex < commandIndex, "USER comes before CMD");
  assert.equal(last?.keyword, "CMD");
  assert.deepEqual(JSON.parse(last?.argument ?? "[]"), bridgeCommand);
});

test("only production dependencies are installed", () => {
  const installs = stages
    .flatMap((stage) => stage.instructions)
    .filter(
      (entry) => entry.keyword === "RUN" && /\bnpm\b/.test(entry.argument),
    );

  assert.equal(installs.length, 1, "one npm step");
  assert.match(installs[0]?.argument ?? "", /\bnpm ci\b/);
  assert.match(installs[0]?.argument ?? "", /--omit=dev\b/);
  assert.match(installs[0]?.argument ?? "", /--ignore-scripts\b/);

  const copies = finalInstructions("COPY");
  const modules = copies.filter((entry) =>
    copySources(entry.argument).some((source) =>
      source.includes("node_modules"),
    ),
  );
  assert.equal(modules.length, 1);
  const installStage = stages.find((stage) =>
    stage.instructions.includes(installs[0] as Instruction),
  );
  assert.match(
    modules[0]?.argument ?? "",
    new RegExp(`--from=${installStage?.alias}\\b`),
  );
  for (const copy of copies) {
    for (const source of copySources(copy.argument)) {
      assert.ok(
        !/^(\.|test|functions|templates|infra|scripts)(\/|$)/.test(source),
        `${source} stays out of the image`,
      );
    }
  }
});

test("omitted optional packages are only sst binaries", () => {
  const lock = JSON.parse(
    readFileSync(join(root, "package-lock.json"), "utf8"),
  );
  const packages = lock.packages as Record<
    string,
    { optional?: boolean; dev?: boolean; devOptional?: boolean }
  >;
  const optional = Object.entries(packages)
    .filter(([, entry]) => entry.optional && !entry.dev && !entry.devOptional)
    .map(([path]) => path);

  for (const path of optional) {
    assert.match(path, /^node_modules\/sst-[a-z0-9-]+$/);
  }
});

test("image holds every file the bridge imports", () => {
  const { files, packages } = runtimeImports("bin/bridge.ts");
  assert.ok(files.size > 10, `the walk found ${files.size} files`);
  assert.ok(packages.has("@nats-io/jetstream"), "the walk found packages");
  const copied = finalInstructions("COPY")
    .filter((entry) => !entry.argument.includes("--from="))
    .flatMap((entry) => copySources(entry.argument));
  const ignoreRules = readFileSync(join(root, ".dockerignore"), "utf8");

  for (const file of files) {
    const path = relative(root, file);
    assert.ok(
      copied.some((source) => path === source || path.startsWith(`${source}/`)),
      `${path} is copied into the image`,
    );
  }
  const contextSources = stages
    .flatMap((stage) => stage.instructions)
    .filter(
      (entry) =>
        entry.keyword === "COPY" && !entry.argument.includes("--from="),
    )
    .flatMap((entry) => copySources(entry.argument));
  for (const source of contextSources) {
    const isFile = /\.[a-z]+$/.test(source);
    const rule = isFile ? `!${source}` : `!${source}/`;
    assert.ok(
      ignoreRules.split("\n").includes(rule),
      `.dockerignore keeps ${source}`,
    );
  }

  const { dependencies } = packageJson();
  for (const name of packages) {
    assert.ok(name in dependencies, `${name} is a production dependency`);
  }
});

test("npm bridge script uses the bridge flags", () => {
  const script = (
    JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    }
  ).scripts.bridge;
  for (const flag of bridgeNodeFlags) {
    assert.ok(script?.includes(flag), `${flag} in "${script}"`);
  }
});
