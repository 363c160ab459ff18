import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { bridgeCommand } from "../../lib/bridge/node-command.ts";
import { readBridgeConfig } from "../../lib/config/bridge.ts";
import { cronCatalogue, cronNames } from "../../lib/cron/catalogue.ts";
import { ConfigError } from "../../lib/errors.ts";
import {
  functionNameVariable,
  invokeTimeoutMs,
  readLambdaConfig,
} from "../../lib/invoke/lambda-config.ts";
import { jobCatalogue, jobTypeNames } from "../../lib/jobs/catalogue.ts";
import { sitemapPrefix } from "../../lib/sitemap/generate.ts";
import {
  componentNamed,
  componentsOf,
  deployEnvironment,
  evaluateApp,
} from "./evaluate-app.ts";
import { runtimeImports } from "./imports.ts";
import { type Permission, type Recorded, secretMarker } from "./sst-doubles.ts";

// Evaluates sst.config.ts with recording doubles of the SST components and
// checks the resulting topology against the catalogues.

const root = join(import.meta.dirname, "../..");

/** What each function may be linked to, by component name. */
const expectedLinks: Record<string, string[]> = {
  email: ["EmailSending", "UpstashRedisRestUrl", "UpstashRedisRestToken"],
  "index-post": [
    "DatabaseUrl",
    "ContentBucketRead",
    "SearchSettings",
    "MeilisearchApiKey",
  ],
  "index-user": ["DatabaseUrl", "SearchSettings", "MeilisearchApiKey"],
  "reindex-posts": [
    "DatabaseUrl",
    "ContentBucketRead",
    "SearchSettings",
    "MeilisearchApiKey",
  ],
  "reindex-users": ["DatabaseUrl", "SearchSettings", "MeilisearchApiKey"],
  "delete-content": ["ContentBucketDelete"],
  cleanup: [
    "DatabaseUrl",
    "CleanupSettings",
    "UpstashRedisRestUrl",
    "UpstashRedisRestToken",
  ],
  sitemap: [
    "DatabaseUrl",
    "PublicBucketWrite",
    "SitemapSettings",
    "UpstashRedisRestUrl",
    "UpstashRedisRestToken",
  ],
  "orphan-scan": [
    "DatabaseUrl",
    "ContentBucketScan",
    "OrphanScanSettings",
    "UpstashRedisRestUrl",
    "UpstashRedisRestToken",
  ],
};

/** The EventBridge Scheduler expressions of the weekly crons. */
const expectedSchedules: Record<string, string> = {
  cleanup: "cron(0 4 ? * SAT *)",
  sitemap: "cron(0 3 ? * SUN *)",
  "orphan-scan": "cron(0 5 ? * FRI *)",
};

function functionWithHandler(recorded: Recorded[], module: string): Recorded {
  const handler = `functions/${module}.handler`;
  const found = componentsOf(recorded, "sst.aws.Function").filter(
    (entry) => entry.args.handler === handler,
  );
  assert.equal(found.length, 1, `one function runs ${handler}`);
  return found[0] as Recorded;
}

function seconds(duration: unknown): number {
  const match = /^(\d+) seconds?$/.exec(String(duration));
  assert.ok(match, `"${duration}" is a duration in seconds`);
  return Number(match[1]);
}

function linkNames(entry: Recorded): string[] {
  const links = (entry.args.link ?? []) as { name: string }[];
  return links.map((link) => link.name).sort();
}

function bridgeService(recorded: Recorded[]): Recorded {
  return componentNamed(recorded, "sst.aws.Service", "Bridge");
}

function bridgeEnvironment(recorded: Recorded[]): Record<string, string> {
  return bridgeService(recorded).args.environment as Record<string, string>;
}

test("production stage is retained and protected", async () => {
  const production = await evaluateApp("production", deployEnvironment());
  const staging = await evaluateApp("staging", deployEnvironment());

  assert.equal(production.app.name, "axumkit-worker");
  assert.equal(production.app.home, "aws");
  assert.equal(production.app.removal, "retain");
  assert.equal(production.app.protect, true);
  assert.equal(staging.app.removal, "remove");
  assert.equal(staging.app.protect, false);
  assert.deepEqual(production.app.providers, {
    aws: { region: "eu-west-1" },
  });
});

test("job function per catalogue entry", async () => {
  const { recorded } = await evaluateApp("test", deployEnvironment());

  for (const name of jobTypeNames) {
    const jobType = jobCatalogue[name];
    const { args } = functionWithHandler(recorded, jobType.functionModule);
    assert.equal(args.runtime, "nodejs24.x", name);
    assert.equal(args.architecture, "arm64", name);
    assert.equal(args.memory, `${jobType.memoryMb} MB`, name);
    assert.equal(seconds(args.timeout), jobType.timeoutSeconds, name);
    assert.equal(args.retries, 0, `${name} is retried by the bridge only`);
    assert.deepEqual(
      args.concurrency,
      { reserved: jobType.concurrency * 3 },
      `${name} reserves its concurrency times BRIDGE_MAX_TASKS`,
    );
  }
});

test("cron function and schedule per cron", async () => {
  const { recorded } = await evaluateApp("test", deployEnvironment());
  const schedules = componentsOf(recorded, "sst.aws.CronV2");
  const [queue] = componentsOf(recorded, "sst.aws.Queue");
  assert.equal(schedules.length, cronNames.length);
  assert.ok(queue, "a dead-letter queue exists");

  for (const name of cronNames) {
    const cron = cronCatalogue[name];
    const fn = functionWithHandler(recorded, cron.functionModule);
    const schedule = schedules.find(
      (entry) => entry.args.function === fn.component,
    );
    assert.ok(schedule, `a schedule runs ${name}`);
    assert.equal(schedule.args.schedule, expectedSchedules[name]);
    assert.equal(schedule.args.timezone, "Europe/Amsterdam");
    assert.ok(Number(schedule.args.retries) > 0, `${name} schedule retries`);
    assert.equal(
      schedule.args.dlq,
      (queue.component as { arn: string }).arn,
      `${name} dead-letters to the queue`,
    );
    assert.equal(seconds(fn.args.timeout), cron.timeoutSeconds, name);
    assert.equal(fn.args.memory, `${cron.memoryMb} MB`, name);
    assert.equal(fn.args.runtime, "nodejs24.x", name);
    assert.equal(fn.args.architecture, "arm64", name);
  }
});

test("handlers are unique and exist", async () => {
  const { recorded } = await evaluateApp("test", deployEnvironment());
  const handlers = componentsOf(recorded, "sst.aws.Function").map(
    (entry) => entry.args.handler as string,
  );

  assert.equal(handlers.length, jobTypeNames.length + cronNames.length);
  assert.equal(new Set(handlers).size, handlers.length, "no handler twice");
  for (const handler of handlers) {
    const file = `${handler.replace(/\.handler$/, "")}.ts`;
    assert.ok(existsSync(join(root, file)), `${file} exists`);
  }
});

test("email templates are bundled into email", async () => {
  const { recorded } = await evaluateApp("test", deployEnvironment());
  const email = functionWithHandler(
    recorded,
    jobCatalogue.email.functionModule,
  );
  const { files } = runtimeImports(
    `functions/${jobCatalogue.email.functionModule}.ts`,
  );

  // The compiled templates are a static JSON import, which the function's
  // bundler inlines, so the function needs no copied template files.
  assert.ok(files.has(join(root, "templates/build/templates.json")));
  assert.equal(email.args.copyFiles, undefined);
});

test("component names are unique per type", async () => {
  const { recorded } = await evaluateApp("test", deployEnvironment());
  const keys = recorded.map((entry) => `${entry.type} ${entry.name}`);
  assert.equal(new Set(keys).size, keys.length);
});

test("timeouts are ordered below ack_wait", async () => {
  const { recorded } = await evaluateApp("test", deployEnvironment());
  const environment = bridgeEnvironment(recorded);
  const lambda = readLambdaConfig(environment);
  const bridge = readBridgeConfig(environment);

  assert.equal(bridge.invoker, "lambda");
  for (const name of jobTypeNames) {
    const fn = functionWithHandler(recorded, jobCatalogue[name].functionModule);
    const functionTimeoutMs = seconds(fn.args.timeout) * 1_000;
    const clientTimeoutMs = invokeTimeoutMs(name, lambda);
    assert.ok(
      functionTimeoutMs < clientTimeoutMs,
      `${name}: function ${functionTimeoutMs} ms < invoke ${clientTimeoutMs} ms`,
    );
    assert.ok(
      clientTimeoutMs < bridge.ackWaitMs,
      `${name}: invoke ${clientTimeoutMs} ms < ack_wait ${bridge.ackWaitMs} ms`,
    );
    assert.equal(
      lambda.functionNames[name],
      (fn.component as { name: string }).name,
      `${functionNameVariable(name)} names the ${name} function`,
    );
  }
});

test("bridge linked to exactly the job functions", async () => {
  const { recorded } = await evaluateApp("test", deployEnvironment());
  const links = bridgeService(recorded).args.link as object[];
  const jobFunctions = jobTypeNames.map(
    (name) =>
      functionWithHandler(recorded, jobCatalogue[name].functionModule)
        .component,
  );

  assert.equal(links.length, jobFunctions.length);
  assert.deepEqual(new Set(links), new Set(jobFunctions));
});

test("bridge runs as a small Fargate service", async () => {
  const { recorded } = await evaluateApp("test", deployEnvironment());
  const vpc = componentNamed(recorded, "sst.aws.Vpc", "BridgeVpc");
  const cluster = componentNamed(recorded, "sst.aws.Cluster", "BridgeCluster");
  const { args } = bridgeService(recorded);

  assert.equal(vpc.args.nat, undefined, "no NAT gateway");
  assert.equal(cluster.args.vpc, vpc.component);
  assert.equal(args.cluster, cluster.component);
  assert.equal(args.cpu, "0.25 vCPU");
  assert.equal(args.memory, "0.5 GB");
  assert.equal(args.architecture, "arm64");
  assert.equal(args.capacity, undefined, "on-demand unless BRIDGE_SPOT");
  const scaling = args.scaling as Record<string, unknown>;
  assert.equal(scaling.min, 1);
  assert.equal(scaling.max, 3);
  assert.equal(typeof scaling.cpuUtilization, "number");
  assert.deepEqual(args.command, bridgeCommand);
  assert.deepEqual(args.image, { context: ".", dockerfile: "Dockerfile" });
  const health = args.health as { command: string[] };
  assert.equal(health.command[0], "CMD");
  assert.match(health.command.join(" "), /127\.0\.0\.1:9464\/healthz/);
  assert.equal(bridgeEnvironment(recorded).HEALTH_PORT, "9464");
});

test("bridge spot and prebuilt image settings", async () => {
  const { recorded } = await evaluateApp("test", {
    ...deployEnvironment(),
    BRIDGE_SPOT: "true",
    BRIDGE_IMAGE: "ghcr.io/example/axumkit-bridge:1.4.0",
  });
  const { args } = bridgeService(recorded);

  assert.equal(args.capacity, "spot");
  assert.equal(args.image, "ghcr.io/example/axumkit-bridge:1.4.0");
});

test("functions reach only what they use", async () => {
  const { recorded } = await evaluateApp("test", deployEnvironment());
  const catalogue = { ...jobCatalogue, ...cronCatalogue };

  for (const [name, expected] of Object.entries(expectedLinks)) {
    const entry = catalogue[name as keyof typeof catalogue];
    const fn = functionWithHandler(recorded, entry.functionModule);
    assert.deepEqual(linkNames(fn), [...expected].sort(), name);
    assert.equal(fn.args.permissions, undefined, `${name} has no extra grants`);
  }
});

test("bucket grants are narrow", async () => {
  const { recorded } = await evaluateApp("test", deployEnvironment());
  const grants = (name: string) =>
    (componentNamed(recorded, "sst.Linkable", name).args.include ??
      []) as Permission[];

  for (const linkable of componentsOf(recorded, "sst.Linkable")) {
    for (const grant of grants(linkable.name)) {
      for (const action of grant.actions) {
        assert.doesNotMatch(action, /\*/, `${linkable.name}: ${action}`);
      }
      assert.ok(!grant.resources.includes("*"), `${linkable.name}: no "*"`);
    }
  }

  const content = "arn:aws:s3:::test-contentbucket";
  assert.deepEqual(grants("ContentBucketDelete"), [
    {
      type: "aws.permission",
      actions: ["s3:DeleteObject"],
      resources: [`${content}/posts/*`, `${content}/drafts/*`],
    },
  ]);
  assert.deepEqual(grants("ContentBucketRead"), [
    {
      type: "aws.permission",
      actions: ["s3:GetObject"],
      resources: [`${content}/*`],
    },
  ]);
  assert.deepEqual(grants("ContentBucketScan"), [
    {
      type: "aws.permission",
      actions: ["s3:ListBucket"],
      resources: [content],
      conditions: [
        {
          test: "StringLike",
          variable: "s3:prefix",
          values: ["posts/*", "drafts/*"],
        },
      ],
    },
    {
      type: "aws.permission",
      actions: ["s3:DeleteObject"],
      resources: [`${content}/posts/*`, `${content}/drafts/*`],
    },
  ]);

  const publicBucket = "arn:aws:s3:::test-publicbucket";
  const [write, list] = grants("PublicBucketWrite");
  assert.deepEqual(write?.actions, ["s3:PutObject", "s3:DeleteObject"]);
  assert.deepEqual(write?.resources, [`${publicBucket}/${sitemapPrefix}*`]);
  assert.deepEqual(list?.actions, ["s3:ListBucket"]);
  assert.deepEqual(list?.resources, [publicBucket]);
  assert.deepEqual(list?.conditions?.[0]?.values, [`${sitemapPrefix}*`]);

  const [send] = grants("EmailSending");
  assert.deepEqual(send?.actions, ["ses:SendEmail"]);
  assert.deepEqual(send?.resources, [
    "arn:aws:ses:eu-west-1:123456789012:identity/mail.example.com",
  ]);
  assert.deepEqual(send?.conditions?.[0]?.values, ["noreply@mail.example.com"]);
});

test("no secret in a plain variable", async () => {
  const { recorded } = await evaluateApp("test", deployEnvironment());
  const markerPattern = /<secret:/;

  for (const fn of componentsOf(recorded, "sst.aws.Function")) {
    const environment = fn.args.environment ?? {};
    assert.doesNotMatch(JSON.stringify(environment), markerPattern, fn.name);
  }

  const { args } = bridgeService(recorded);
  assert.doesNotMatch(JSON.stringify(args.environment), markerPattern);
  for (const link of args.link as object[]) {
    assert.ok(!("value" in link), "no secret linked to the bridge");
    assert.ok(!("properties" in link), "no linkable linked to the bridge");
  }

  const parameter = componentNamed(
    recorded,
    "aws.ssm.Parameter",
    "BridgeNatsTokenParameter",
  );
  assert.equal(parameter.args.type, "SecureString");
  assert.equal(parameter.args.value, secretMarker("NatsToken"));
  const arn = (parameter.component as { arn: string }).arn;
  assert.deepEqual(args.ssm, { NATS_TOKEN: arn });
});

test("bridge execution role reads only its parameters", async () => {
  const { recorded } = await evaluateApp("test", deployEnvironment());
  const { args } = bridgeService(recorded);
  const transform = args.transform as {
    executionRole: (role: Record<string, unknown>) => void;
  };
  const role: Record<string, unknown> = {};
  transform.executionRole(role);

  const [policy] = role.inlinePolicies as { policy: string }[];
  const document = JSON.parse(policy?.policy ?? "{}");
  const parameter = componentNamed(
    recorded,
    "aws.ssm.Parameter",
    "BridgeNatsTokenParameter",
  );
  assert.deepEqual(document.Statement, [
    {
      Effect: "Allow",
      Action: ["ssm:GetParameters"],
      Resource: [(parameter.component as { arn: string }).arn],
    },
  ]);
});

test("NATS secrets follow NATS_AUTH", async () => {
  const secretNames = (recorded: Recorded[]) =>
    componentsOf(recorded, "sst.Secret").map((entry) => entry.name);

  const none = await evaluateApp("test", {
    ...deployEnvironment(),
    NATS_AUTH: "none",
  });
  assert.ok(
    !secretNames(none.recorded).some((name) => name.startsWith("Nats")),
  );
  assert.deepEqual(bridgeService(none.recorded).args.ssm, {});

  const password = await evaluateApp("test", {
    ...deployEnvironment(),
    NATS_AUTH: "user-password",
  });
  assert.ok(secretNames(password.recorded).includes("NatsUser"));
  assert.ok(secretNames(password.recorded).includes("NatsPassword"));
  assert.deepEqual(
    Object.keys(bridgeService(password.recorded).args.ssm as object).sort(),
    ["NATS_PASSWORD", "NATS_USER"],
  );
});

test("R2 storage links endpoint and keys", async () => {
  const { recorded } = await evaluateApp("test", {
    ...deployEnvironment(),
    STORAGE_PROVIDER: "r2",
    STORAGE_ENDPOINT: "https://account.r2.cloudflarestorage.com",
    CONTENT_BUCKET: "content",
    PUBLIC_BUCKET: "public",
  });
  const remove = componentNamed(
    recorded,
    "sst.Linkable",
    "ContentBucketDelete",
  );

  assert.equal(componentsOf(recorded, "sst.aws.Bucket").length, 0);
  assert.equal(componentsOf(recorded, "sst.aws.Bucket.get").length, 0);
  assert.deepEqual(remove.args.properties, {
    STORAGE_ENDPOINT: "https://account.r2.cloudflarestorage.com",
    STORAGE_REGION: "auto",
    STORAGE_ACCESS_KEY_ID: secretMarker("StorageAccessKeyId"),
    STORAGE_SECRET_ACCESS_KEY: secretMarker("StorageSecretAccessKey"),
    CONTENT_BUCKET: "content",
    CONTENT_ALLOWED_PREFIXES: "posts/,drafts/",
  });
  assert.equal(remove.args.include, undefined, "R2 needs no IAM grant");
});

test("named S3 buckets are referenced", async () => {
  const { recorded } = await evaluateApp("test", {
    ...deployEnvironment(),
    CONTENT_BUCKET: "existing-content",
  });
  const [referenced] = componentsOf(recorded, "sst.aws.Bucket.get");
  const created = componentsOf(recorded, "sst.aws.Bucket").map(
    (entry) => entry.name,
  );

  assert.deepEqual(referenced?.args, { bucketName: "existing-content" });
  assert.deepEqual(created, ["PublicBucket"]);
  const read = componentNamed(recorded, "sst.Linkable", "ContentBucketRead");
  assert.equal(
    (read.args.properties as Record<string, string>).CONTENT_BUCKET,
    "existing-content",
  );
});

test("missing settings are named at once", async () => {
  await assert.rejects(
    evaluateApp("test", { STORAGE_PROVIDER: "r2", CRON_TIMEZONE: "Mars/Base" }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      for (const name of [
        "NATS_URL",
        "EMAILS_FROM_EMAIL",
        "PROJECT_NAME",
        "FRONTEND_HOST",
        "MEILISEARCH_HOST",
        "R2_PUBLIC_DOMAIN",
        "STORAGE_ENDPOINT",
        "CONTENT_BUCKET",
        "PUBLIC_BUCKET",
        "CRON_TIMEZONE",
      ]) {
        assert.match(error.message, new RegExp(name));
      }
      return true;
    },
  );
});

test("ack_wait below invoke timeout fails deploy", async () => {
  await assert.rejects(
    evaluateApp("test", { ...deployEnvironment(), ACK_WAIT_MS: "24000" }),
    /must be below ACK_WAIT_MS 24000/,
  );
});
