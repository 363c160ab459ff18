// Compiles the MJML email templates into templates/build/templates.json, the
// file the email function imports. `--check` writes nothing and exits with
// status 1 when that file is stale. `--dir <folder>` builds another
// templates folder (into its own build/templates.json).
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  compileTemplates,
  generateTemplateFile,
  TemplateBuildError,
} from "./template-compiler.ts";

const { values: options } = parseArgs({
  options: {
    check: { type: "boolean", default: false },
    dir: {
      type: "string",
      default: resolve(import.meta.dirname, "..", "templates"),
    },
  },
});
const templatesDir = resolve(options.dir);
const outputPath = join(templatesDir, "build", "templates.json");
const outputName = relative(process.cwd(), outputPath);

try {
  const source = generateTemplateFile(await compileTemplates(templatesDir));
  const current = await readFile(outputPath, "utf8").catch(() => undefined);

  if (options.check) {
    if (current !== source) {
      process.stderr.write(
        `${outputName} is stale; run \`npm run build:templates\`\n`,
      );
      process.exit(1);
    }
  } else if (current !== source) {
    await mkdir(dirname(outputPath), { recursive: true });
    await writeFile(outputPath, source);
    process.stdout.write(`wrote ${outputName}\n`);
  }
} catch (error) {
  if (!(error instanceof TemplateBuildError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
