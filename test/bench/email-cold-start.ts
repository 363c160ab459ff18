// One cold start of the email function, run in a fresh process by
// email.bench.ts: import the handler module, run the setup of its first job
// (read the settings from process.env, build the clients and renderer)
// with the verification template, render the first mail. Prints the
// elapsed wall-clock and CPU milliseconds as JSON. The mail is not sent,
// so the SES and Redis endpoints in the environment are never contacted.
//
//   node test/bench/email-cold-start.ts precompiled | runtime-mjml
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CompiledTemplates } from "../../lib/email/templates.ts";

const mode = process.argv[2];
const started = performance.now();
const cpuStarted = process.cpuUsage();

const { createEmailContext } = await import("../../functions/email.ts");
const { createLogger } = await import("../../lib/log.ts");
const templates =
  mode === "runtime-mjml" ? await compileAtRunTime() : await precompiled();

const context = createEmailContext(
  process.env,
  templates,
  createLogger("function.email"),
);
const body = await context.renderer.render({
  Verification: { username: "ann", token: "a+b/c", valid_minutes: 30 },
});
if (!body.html.includes("Hi ann,")) throw new Error("render produced no mail");

const cpu = process.cpuUsage(cpuStarted);
const result = {
  wallMs: performance.now() - started,
  cpuMs: (cpu.user + cpu.system) / 1000,
};
process.stdout.write(`${JSON.stringify(result)}\n`);

async function precompiled(): Promise<CompiledTemplates> {
  const module = await import("../../lib/email/compiled-templates.ts");
  return module.compiledTemplates;
}

/** What the function would do without the build step: compile MJML now. */
async function compileAtRunTime(): Promise<CompiledTemplates> {
  const { compileMjml } = await import("../../scripts/template-compiler.ts");
  const directory = join(import.meta.dirname, "..", "..", "templates");
  const mjmlPath = join(directory, "verification.mjml");
  const html = await compileMjml(await readFile(mjmlPath, "utf8"), mjmlPath);
  const text = await readFile(join(directory, "verification.txt"), "utf8");
  const unused = { html: "", text: "" };
  return {
    verification: { html, text },
    "password-reset": unused,
    "email-change": unused,
  };
}
