import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createHandler } from "../../functions/email.ts";
import { readEmailConfig } from "../../lib/config/email.ts";
import { EnvReader } from "../../lib/config/env-reader.ts";
import type { JobResult } from "../../lib/contract.ts";
import { compiledTemplates } from "../../lib/email/compiled-templates.ts";
import { createEmailJobContext } from "../../lib/email/context.ts";
import { TemplateRenderError } from "../../lib/email/liquid.ts";
import { sendEmailJob } from "../../lib/email/send-email-job.ts";
import { SendOnceLedger } from "../../lib/email/send-once.ts";
import { isPermanent } from "../../lib/errors.ts";
import type { EmailJob } from "../../lib/jobs/schemas.ts";
import { freePort } from "../../lib/local/free-port.ts";
import { LocalSes } from "../../lib/local/ses-server.ts";
import { createRedisClient } from "../../lib/redis/client.ts";
import { silentLogger } from "../support/handlers.ts";
import {
  decodeEncodedWords,
  type EmailTestServices,
  emailsTo,
  fromName,
  startEmailTestServices,
  uniqueRecipient,
} from "./support.ts";

// Each test sends through the email function's handler to the local SES
// server and reads the stored mail back from its /store API. The send-once
// keys live in the machine's Redis behind the REST proxy.

let services: EmailTestServices;
before(async () => {
  services = await startEmailTestServices();
});
after(() => services.stop());

const token = "a+b/c&d#e f";
const encodedToken = "a%2Bb%2Fc%26d%23e%20f";

const variants = [
  {
    name: "Verification",
    template: { Verification: { username: "ann", token, valid_minutes: 30 } },
    path: "/verify-email",
    button: "Verify email address",
  },
  {
    name: "PasswordReset",
    template: { PasswordReset: { handle: "ann", token, valid_minutes: 30 } },
    path: "/reset-password",
    button: "Reset password",
  },
  {
    name: "EmailChange",
    template: { EmailChange: { username: "ann", token, valid_minutes: 30 } },
    path: "/confirm-email-change",
    button: "Confirm new email address",
  },
] as const;

function assertNoFailures(result: JobResult) {
  assert.deepEqual(result.failures, []);
}

for (const variant of variants) {
  test(`${variant.name} mail arrives complete`, async () => {
    const handler = createHandler(services.env());
    const to = uniqueRecipient();
    const subject = `Your ${variant.name} mail — ✓`;
    const job: EmailJob = { to, subject, template: variant.template };

    assertNoFailures(await handler({ records: [services.record(job)] }));

    const [mail, ...others] = await emailsTo(services.ses.endpoint, to);
    assert.ok(mail, "one mail stored");
    assert.equal(others.length, 0);
    assert.deepEqual(mail.destination.to, [to]);
    assert.equal(
      decodeEncodedWords(mail.from),
      `${fromName} <noreply@example.com>`,
    );
    assert.match(mail.from, /^=\?UTF-8\?B\?/);
    assert.equal(mail.subject, subject);

    const link = `https://app.example.com${variant.path}?token=${encodedToken}`;
    const html = mail.body.html ?? "";
    const text = mail.body.text ?? "";
    assert.ok(html.includes(`href="${link}"`), "link in the HTML button");
    assert.ok(html.includes(variant.button));
    assert.ok(html.includes(">SevenWiki<"), "project name heading");
    assert.ok(html.includes("Hi ann,"));
    assert.ok(html.includes("This link expires in 30 minutes."));
    assert.ok(text.includes(`\n${link}\n`), "link on its own line");
    assert.ok(text.includes("Hi ann,"));
    assert.ok(text.includes("This link expires in 30 minutes."));
    assert.doesNotMatch(text, /<[a-z]/i);
    assert.equal(new URL(link).searchParams.get("token"), token);
  });
}

test("hostile username escaped in HTML only", async () => {
  const handler = createHandler(services.env());
  const to = uniqueRecipient();
  const username = '<img src=x onerror=alert(1)> & "quoted"';
  const subject = "Tom & Jerry <script>x</script>";

  const result = await handler({
    records: [
      services.record({
        to,
        subject,
        template: { Verification: { username, token, valid_minutes: 10 } },
      }),
    ],
  });
  assertNoFailures(result);

  const [mail] = await emailsTo(services.ses.endpoint, to);
  const html = mail?.body.html ?? "";
  assert.ok(
    html.includes(
      "Hi &lt;img src=x onerror=alert(1)&gt; &amp; &#34;quoted&#34;,",
    ),
  );
  assert.ok(!html.includes("<img src=x"));
  assert.ok(mail?.body.text?.includes(`Hi ${username},`));
  assert.equal(mail?.subject, subject);
});

test("custom HTML arrives with text part", async () => {
  const handler = createHandler(services.env());
  const to = uniqueRecipient();
  const html = "<p>Hello <b>there</b> &amp; welcome</p>";

  assertNoFailures(
    await handler({
      records: [
        services.record({
          to,
          subject: "News",
          template: { Custom: { html_content: html } },
        }),
      ],
    }),
  );

  const [mail] = await emailsTo(services.ses.endpoint, to);
  assert.equal(mail?.body.html, html);
  assert.equal(mail?.body.text, "Hello there & welcome");
});

test("same job delivered twice sends once", async () => {
  const handler = createHandler(services.env());
  const to = uniqueRecipient();
  const first = services.record({
    to,
    subject: "Once",
    template: { Verification: { username: "ann", token, valid_minutes: 5 } },
  });
  const redelivery = { ...first, deliveryCount: 2 };

  assertNoFailures(await handler({ records: [first] }));
  assertNoFailures(await handler({ records: [redelivery] }));
  // A second cold start shares nothing in memory with the first.
  assertNoFailures(
    await createHandler(services.env())({ records: [redelivery] }),
  );

  assert.equal((await emailsTo(services.ses.endpoint, to)).length, 1);
});

test("failed send retried, sends once on recovery", async () => {
  const port = await freePort();
  const handler = createHandler(
    services.env({ SES_ENDPOINT: `http://127.0.0.1:${port}` }),
  );
  const to = uniqueRecipient();
  const record = services.record({
    to,
    subject: "Retry",
    template: { Verification: { username: "ann", token, valid_minutes: 5 } },
  });

  const down = await handler({ records: [record] });
  assert.equal(down.failures.length, 1);
  assert.equal(down.failures[0]?.retryable, true);
  assert.match(down.failures[0]?.reason ?? "", /SES send failed/);

  const recovered = await LocalSes.start({ port });
  after(() => recovered.stop());
  assertNoFailures(
    await handler({ records: [{ ...record, deliveryCount: 2 }] }),
  );
  assertNoFailures(
    await handler({ records: [{ ...record, deliveryCount: 3 }] }),
  );

  assert.equal((await emailsTo(recovered.endpoint, to)).length, 1);
});

test("invalid recipient fails permanently", async () => {
  const handler = createHandler(services.env());
  const record = services.record({
    to: "not-an-address",
    subject: "Nope",
    template: { Verification: { username: "ann", token, valid_minutes: 5 } },
  });

  const result = await handler({ records: [record] });

  assert.equal(result.failures.length, 1);
  assert.equal(result.failures[0]?.retryable, false);
  assert.match(
    result.failures[0]?.reason ?? "",
    /not-an-address.*not a valid email address/,
  );
  assert.equal(
    (await emailsTo(services.ses.endpoint, "not-an-address")).length,
    0,
  );
});

test("SES rejection fails permanently, no resend", async () => {
  const handler = createHandler(services.env());
  const to = uniqueRecipient();
  // The local SES rejects a mail without a subject with HTTP 400.
  const record = services.record({
    to,
    subject: "",
    template: { Custom: { html_content: "<p>x</p>" } },
  });

  const result = await handler({ records: [record] });

  assert.equal(result.failures.length, 1);
  assert.equal(result.failures[0]?.retryable, false);
  assert.match(
    result.failures[0]?.reason ?? "",
    /SES rejected the mail.*HTTP 400/,
  );
  assert.equal((await emailsTo(services.ses.endpoint, to)).length, 0);
});

test("missing config fails before any send", async () => {
  const handler = createHandler(services.env({ PROJECT_NAME: "" }));
  const to = uniqueRecipient();

  const result = await handler({
    records: [
      services.record({
        to,
        subject: "Config",
        template: {
          Verification: { username: "ann", token, valid_minutes: 5 },
        },
      }),
    ],
  }).catch((error: Error) => error);

  assert.ok(result instanceof Error);
  assert.match(result.message, /PROJECT_NAME is missing/);
  assert.equal((await emailsTo(services.ses.endpoint, to)).length, 0);
});

test("template error never sends a blank", async () => {
  const env = new EnvReader(services.env());
  const config = readEmailConfig(env);
  env.assertValid();
  const broken = {
    ...compiledTemplates,
    "password-reset": {
      html: compiledTemplates["password-reset"].html.replace(
        "{{ username }}",
        "{{ display_name }}",
      ),
      text: compiledTemplates["password-reset"].text,
    },
  };
  const context = createEmailJobContext(config, broken, silentLogger);
  const to = uniqueRecipient();
  const record = services.record({
    to,
    subject: "Broken",
    template: { PasswordReset: { handle: "ann", token, valid_minutes: 5 } },
  });

  await assert.rejects(
    sendEmailJob(context, record.job, record),
    (error: unknown) =>
      error instanceof TemplateRenderError &&
      isPermanent(error) &&
      /undefined variable: display_name/.test(error.message),
  );
  assert.equal((await emailsTo(services.ses.endpoint, to)).length, 0);
  const key = context.ledger.keyFor(record);
  assert.equal(await services.redis.exists(key), 0);
});

test("claim held elsewhere retries without sending", async () => {
  const handler = createHandler(services.env());
  const to = uniqueRecipient();
  const record = services.record({
    to,
    subject: "Busy",
    template: { Verification: { username: "ann", token, valid_minutes: 5 } },
  });
  const ledger = new SendOnceLedger(createRedisClient(redisConfig()), {
    sentTtlSeconds: 60,
  });
  const key = ledger.keyFor(record);
  await services.redis.set(key, "claimed:other-delivery", "EX", 60);

  const busy = await handler({ records: [record] });
  assert.equal(busy.failures[0]?.retryable, true);
  assert.match(
    busy.failures[0]?.reason ?? "",
    /being sent by another delivery/,
  );
  assert.equal((await emailsTo(services.ses.endpoint, to)).length, 0);

  await services.redis.del(key);
  assertNoFailures(await handler({ records: [record] }));
  assert.equal((await emailsTo(services.ses.endpoint, to)).length, 1);
  const sentTtl = await services.redis.ttl(key);
  assert.ok(sentTtl > 6 * 86_400, `TTL ${sentTtl}`);
  assert.ok(sentTtl <= 7 * 86_400, `TTL ${sentTtl}`);
  assert.match((await services.redis.get(key)) ?? "", /^sent:ses-/);
});

function redisConfig() {
  const env = services.env();
  return {
    url: env.UPSTASH_REDIS_REST_URL ?? "",
    token: env.UPSTASH_REDIS_REST_TOKEN ?? "",
  };
}
