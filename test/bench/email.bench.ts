// Cold init of the email function with precompiled templates versus
// compiling MJML at run time. Each run is a fresh Node process that imports
// the handler module, runs the setup of its first job and renders the first
// verification mail. The process measures from before its first import to
// the rendered mail. Both modes alternate in the same run, with the same
// settings in the environment. The ratio uses CPU time (user + system),
// which other load on the machine disturbs far less than wall-clock time.
// Both are printed.
//
//   npm run bench:email [-- --runs 9]
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "9" } },
});
const runs = Number(values.runs);
const script = join(import.meta.dirname, "email-cold-start.ts");
const modes = ["precompiled", "runtime-mjml"] as const;

// The settings the email function requires. Loopback endpoints, because
// the cold start builds the clients but sends nothing.
const environment = {
  ...process.env,
  EMAILS_FROM_EMAIL: "noreply@example.com",
  PROJECT_NAME: "SevenWiki",
  FRONTEND_HOST: "https://app.example.com",
  SES_REGION: "us-east-1",
  SES_ENDPOINT: "http://127.0.0.1:9",
  UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9",
  UPSTASH_REDIS_REST_TOKEN: "bench",
  LOG_LEVEL: "warn",
};

interface ColdStart {
  wallMs: number;
  cpuMs: number;
}

function coldStart(mode: (typeof modes)[number]): ColdStart {
  const output = execFileSync(process.execPath, [script, mode], {
    encoding: "utf8",
    env: environment,
  });
  return JSON.parse(output) as ColdStart;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

// One discarded run per mode warms the file system cache.
for (const mode of modes) coldStart(mode);

const samples = {
  precompiled: [] as ColdStart[],
  "runtime-mjml": [] as ColdStart[],
};
for (let run = 0; run < runs; run++) {
  for (const mode of modes) samples[mode].push(coldStart(mode));
}

const summary = Object.fromEntries(
  modes.map((mode) => [
    mode,
    {
      wallMs: median(samples[mode].map((sample) => sample.wallMs)),
      cpuMs: median(samples[mode].map((sample) => sample.cpuMs)),
    },
  ]),
) as Record<(typeof modes)[number], ColdStart>;

console.log(`runs per mode: ${runs} (medians, a fresh process each)`);
for (const mode of modes) {
  const { wallMs, cpuMs } = summary[mode];
  console.log(
    `${mode} cold init: ${cpuMs.toFixed(1)} ms CPU, ${wallMs.toFixed(1)} ms wall`,
  );
}
const ratio = summary.precompiled.cpuMs / summary["runtime-mjml"].cpuMs;
console.log(`precompiled/runtime-mjml cold init ratio: ${ratio.toFixed(2)}`);
