import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { htmlLiquid, parseTemplate } from "../../lib/email/liquid.ts";
import {
  compileMjml,
  compileTemplates,
  generateTemplateFile,
  TemplateBuildError,
} from "../../scripts/template-compiler.ts";

const root = resolve(import.meta.dirname, "..", "..");
const templatesDir = join(root, "templates");
const scratch = await mkdtemp(join(tmpdir(), "email-templates-"));
after(() => rm(scratch, { recursive: true, force: true }));

/** Copies the real templates to a folder where a test may break them. */
async function copyOfTemplates(name: string): Promise<string> {
  const directory = join(scratch, name);
  await cp(templatesDir, directory, {
    recursive: true,
    filter: (source) => !source.includes(`${join("templates", "build")}`),
  });
  return directory;
}

test("generated file is current with templates", async () => {
  const expected = generateTemplateFile(await compileTemplates(templatesDir));
  const committed = await readFile(
    join(templatesDir, "build", "templates.json"),
    "utf8",
  );

  assert.ok(
    committed === expected,
    "templates/build/templates.json is stale; run `npm run build:templates`",
  );
});

for (const beautify of [false, true]) {
  test(`F04 placeholders survive MJML, beautify ${beautify}`, async () => {
    const path = join(import.meta.dirname, "fixtures", "loop.mjml");
    const html = await compileMjml(await readFile(path, "utf8"), path, {
      beautify,
    });
    const template = parseTemplate(htmlLiquid, "loop.mjml", html);
    const link = "https://app.example.com/verify-email?token=a%2Bb";

    assert.doesNotMatch(html, /%7B|%7D|%25/i);
    assert.match(html, /href="\{\{ link \}\}"/);
    for (const rows of [[], ["A", "B"]]) {
      const rendered = template.render({ link, rows });
      const rowCount = rendered.match(/Row [AB]/g)?.length ?? 0;
      const opened = rendered.match(/<table/g)?.length ?? 0;
      const closed = rendered.match(/<\/table>/g)?.length ?? 0;

      assert.equal(rowCount, rows.length, `rows ${JSON.stringify(rows)}`);
      assert.equal(opened, closed, `tables balanced for ${rows.length} rows`);
      assert.equal(rendered.split(`href="${link}"`).length - 1, 2);
      assert.match(rendered, /End/);
    }
  });
}

test("unknown variable fails the build", async () => {
  const directory = await copyOfTemplates("unknown-variable");
  const textPath = join(directory, "password-reset.txt");
  const text = await readFile(textPath, "utf8");
  await writeFile(textPath, text.replace("{{ link }}", "{{ reset_url }}"));

  const error = await compileTemplates(directory).catch((thrown) => thrown);
  assert.ok(error instanceof TemplateBuildError);
  assert.equal(error.problems.length, 1);
  assert.match(error.problems[0] ?? "", /password-reset\.txt/);
  assert.match(error.problems[0] ?? "", /undefined variable: reset_url/);
});

test("MJML error names the file and line", async () => {
  const directory = await copyOfTemplates("invalid-mjml");
  const mjmlPath = join(directory, "email-change.mjml");
  const lines = (await readFile(mjmlPath, "utf8")).split("\n");
  const columnLine = lines.findIndex((line) => line.includes("<mj-column>"));
  lines.splice(columnLine + 1, 0, "        <mj-section></mj-section>");
  await writeFile(mjmlPath, lines.join("\n"));

  const error = await compileTemplates(directory).catch((thrown) => thrown);
  assert.ok(error instanceof TemplateBuildError);
  assert.equal(error.problems.length, 1);
  assert.match(
    error.problems[0] ?? "",
    new RegExp(
      `email-change\\.mjml:${columnLine + 2}: mj-section cannot be used inside mj-column`,
    ),
  );
});

function runBuildScript(...args: string[]) {
  return spawnSync(
    process.execPath,
    [join(root, "scripts", "build-templates.ts"), ...args],
    { cwd: root, encoding: "utf8" },
  );
}

test("build script writes, then checks, the file", async () => {
  const directory = await copyOfTemplates("script");

  const built = runBuildScript("--dir", directory);
  assert.equal(built.status, 0, built.stderr);
  const fresh = runBuildScript("--dir", directory, "--check");
  assert.equal(fresh.status, 0, fresh.stderr);

  const textPath = join(directory, "verification.txt");
  await writeFile(textPath, `${await readFile(textPath, "utf8")}\nP.S.\n`);
  const stale = runBuildScript("--dir", directory, "--check");
  assert.equal(stale.status, 1);
  assert.match(stale.stderr, /templates\.json is stale/);
});

test("build script fails on invalid MJML", async () => {
  const directory = await copyOfTemplates("script-invalid");
  const mjmlPath = join(directory, "verification.mjml");
  const source = await readFile(mjmlPath, "utf8");
  await writeFile(
    mjmlPath,
    source.replace("<mj-column>", "<mj-column><mj-column>"),
  );

  const result = runBuildScript("--dir", directory);
  assert.equal(result.status, 1);
  assert.match(
    result.stderr,
    /verification\.mjml:\d+: mj-column cannot be used inside mj-column/,
  );
});

/** Imports a module in a fresh process that fails on any mjml import. */
function importWithoutMjml(modulePath: string) {
  const probe = `
    import { registerHooks } from "node:module";
    registerHooks({
      resolve(specifier, context, next) {
        if (/^mjml(-|$)/.test(specifier)) {
          throw new Error("mjml imported: " + specifier);
        }
        return next(specifier, context);
      },
    });
    await import(${JSON.stringify(modulePath)});
  `;
  return spawnSync(process.execPath, ["--input-type=module", "--eval", probe], {
    cwd: root,
    encoding: "utf8",
  });
}

test("email function never loads mjml", () => {
  const handlerModule = importWithoutMjml(join(root, "functions", "email.ts"));
  assert.equal(handlerModule.status, 0, handlerModule.stderr);

  // The probe itself must catch mjml where it is imported.
  const compiler = importWithoutMjml(
    join(root, "scripts", "template-compiler.ts"),
  );
  assert.notEqual(compiler.status, 0);
  assert.match(compiler.stderr, /mjml imported: mjml/);
});
