import assert from "node:assert/strict";
import { test } from "node:test";
import { MessageRejected, SESServiceException } from "@aws-sdk/client-ses";
import { readEmailConfig } from "../../lib/config/email.ts";
import { EnvReader } from "../../lib/config/env-reader.ts";
import { readRedisConfig } from "../../lib/config/redis.ts";
import { formatMailbox, isValidEmailAddress } from "../../lib/email/address.ts";
import { compiledTemplates } from "../../lib/email/compiled-templates.ts";
import { TemplateRenderError } from "../../lib/email/liquid.ts";
import { EmailRenderer } from "../../lib/email/render.ts";
import {
  classifySesError,
  SesRejectedError,
  SesUnavailableError,
} from "../../lib/email/ses-errors.ts";
import { ConfigError, isPermanent } from "../../lib/errors.ts";
import { decodeEncodedWords } from "./support.ts";

const settings = {
  projectName: "SevenWiki",
  frontendHost: "https://app.example.com",
  paths: {
    verifyEmail: "/verify-email",
    resetPassword: "/reset-password",
    confirmEmailChange: "/confirm-email-change",
  },
};
const renderer = new EmailRenderer(compiledTemplates, settings);

test("F05 username escaped once in HTML", async () => {
  const username = "Tom & Jerry <script>x</script>";
  const body = await renderer.render({
    Verification: { username, token: "t", valid_minutes: 30 },
  });

  assert.ok(
    body.html.includes("Tom &amp; Jerry &lt;script&gt;x&lt;/script&gt;"),
  );
  assert.ok(!body.html.includes("<script>"));
  assert.ok(!body.html.includes("&amp;amp;"));
  assert.ok(body.text.includes(`Hi ${username},`));
  assert.ok(!body.text.includes("&amp;"));
});

test("token link survives URL encoding", async () => {
  const token = "a+b/c&d#e f";
  const body = await renderer.render({
    PasswordReset: { handle: "ann", token, valid_minutes: 15 },
  });

  const link = body.text.match(/https:\/\/\S+/)?.[0] ?? "";
  const url = new URL(link);
  assert.equal(
    url.origin + url.pathname,
    "https://app.example.com/reset-password",
  );
  assert.equal(url.searchParams.get("token"), token);
  assert.equal(url.hash, "");
  const escapedLink = link.replaceAll("&", "&amp;");
  assert.ok(body.html.includes(`href="${escapedLink}"`));
});

test("expiry reads one minute or minutes", async () => {
  const one = await renderer.render({
    EmailChange: { username: "ann", token: "t", valid_minutes: 1 },
  });
  const many = await renderer.render({
    EmailChange: { username: "ann", token: "t", valid_minutes: 45 },
  });

  assert.match(one.text, /expires in 1 minute\./);
  assert.match(one.html, /expires in 1 minute\./);
  assert.match(many.text, /expires in 45 minutes\./);
});

test("custom HTML sent as given with text", async () => {
  const html =
    '<h1>News</h1><p>Read <a href="https://example.com/a?b=1&amp;c=2">the post</a>.</p><img src="x.png">';
  const body = await renderer.render({ Custom: { html_content: html } });

  assert.equal(body.html, html);
  assert.match(body.text, /NEWS/);
  assert.match(
    body.text,
    /Read the post \[https:\/\/example\.com\/a\?b=1&c=2\]\./,
  );
  assert.doesNotMatch(body.text, /x\.png/);
});

test("unknown variable fails render permanently", async () => {
  const broken = {
    ...compiledTemplates,
    verification: {
      html: compiledTemplates.verification.html,
      text: "Hi {{ first_name }}",
    },
  };
  const brokenRenderer = new EmailRenderer(broken, settings);

  await assert.rejects(
    () =>
      brokenRenderer.render({
        Verification: { username: "ann", token: "t", valid_minutes: 5 },
      }),
    (error: unknown) =>
      error instanceof TemplateRenderError &&
      isPermanent(error) &&
      /verification\.txt.*undefined variable: first_name/.test(error.message),
  );
});

test("From name encoding", () => {
  const cases = [
    { name: "SevenWiki", expected: "SevenWiki <a@example.com>" },
    { name: "Seven, Wiki", expected: '"Seven, Wiki" <a@example.com>' },
    { name: 'Say "hi"', expected: '"Say \\"hi\\"" <a@example.com>' },
    { name: "", expected: "a@example.com" },
  ];
  for (const { name, expected } of cases) {
    assert.equal(formatMailbox(name, "a@example.com"), expected);
  }

  const name = "세븐위키 Sévén ✉ ".repeat(6).trim();
  const encoded = formatMailbox(name, "a@example.com");
  const words = encoded.replace(" <a@example.com>", "").split(" ");
  assert.ok(words.length > 1);
  for (const word of words) {
    assert.match(word, /^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
    assert.ok(word.length <= 75, `${word.length} characters`);
  }
  assert.equal(decodeEncodedWords(encoded), `${name} <a@example.com>`);
});

test("recipient address validation", () => {
  for (const valid of ["a@example.com", "first.last+tag@sub.example.co"]) {
    assert.equal(isValidEmailAddress(valid), true, valid);
  }
  const invalid = [
    "not-an-address",
    "a@",
    "@example.com",
    "a b@example.com",
    "a@exa mple.com",
    "Ann <a@example.com>",
    "a@example.com\r\nBcc: b@example.com",
    `${"a".repeat(250)}@example.com`,
  ];
  for (const address of invalid) {
    assert.equal(isValidEmailAddress(address), false, address);
  }
});

function sesError(name: string, status: number) {
  return new SESServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
    message: `${name} from SES`,
  });
}

test("SES errors classified retryable or permanent", () => {
  const retryable = [
    sesError("Throttling", 400),
    sesError("ServiceUnavailable", 503),
    sesError("InternalFailure", 500),
    sesError("TooManyRequestsException", 429),
    Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
      name: "Error",
    }),
  ];
  const permanent = [
    new MessageRejected({
      $metadata: { httpStatusCode: 400 },
      message: "Email address is not verified.",
    }),
    sesError("InvalidParameterValue", 400),
    sesError("MailFromDomainNotVerifiedException", 400),
  ];

  for (const error of retryable) {
    const classified = classifySesError(error);
    assert.ok(classified instanceof SesUnavailableError, error.name);
    assert.equal(isPermanent(classified), false, error.name);
    assert.equal(classified.cause, error);
  }
  for (const error of permanent) {
    const classified = classifySesError(error);
    assert.ok(classified instanceof SesRejectedError, error.name);
    assert.equal(isPermanent(classified), true, error.name);
    assert.match(classified.message, new RegExp(error.name));
  }
});

test("config names every missing variable", () => {
  const env = new EnvReader({ EMAILS_FROM_NAME: "Wiki" });
  readEmailConfig(env);

  assert.throws(
    () => env.assertValid(),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual([...error.problems].sort(), [
        "EMAILS_FROM_EMAIL is missing",
        "FRONTEND_HOST is missing",
        "PROJECT_NAME is missing",
        "UPSTASH_REDIS_REST_TOKEN is missing",
        "UPSTASH_REDIS_REST_URL is missing",
      ]);
      return true;
    },
  );
});

test("config defaults and checks", () => {
  const env = new EnvReader({
    EMAILS_FROM_EMAIL: "noreply@example.com",
    PROJECT_NAME: "Wiki",
    FRONTEND_HOST: "https://example.com/",
    UPSTASH_REDIS_REST_URL: "http://127.0.0.1:1",
    UPSTASH_REDIS_REST_TOKEN: "t",
  });
  const config = readEmailConfig(env);
  env.assertValid();

  assert.equal(config.fromName, "SevenWiki");
  assert.equal(config.frontendHost, "https://example.com");
  assert.deepEqual(config.paths, {
    verifyEmail: "/verify-email",
    resetPassword: "/reset-password",
    confirmEmailChange: "/confirm-email-change",
  });
  assert.equal(config.sentKeyTtlDays, 7);

  const invalid = new EnvReader({
    EMAILS_FROM_EMAIL: "not an address",
    PROJECT_NAME: "Wiki",
    FRONTEND_HOST: "example.com",
    FRONTEND_PATH_VERIFY_EMAIL: "verify",
    EMAIL_SENT_TTL_DAYS: "0",
    UPSTASH_REDIS_REST_URL: "http://127.0.0.1:1",
    UPSTASH_REDIS_REST_TOKEN: "t",
  });
  readEmailConfig(invalid);
  assert.throws(
    () => invalid.assertValid(),
    (error: unknown) =>
      error instanceof ConfigError && error.problems.length === 4,
  );
});

test("Redis URL rejected at config", () => {
  for (const url of ["127.0.0.1:8079", "ftp://127.0.0.1", "http://."]) {
    const env = new EnvReader({
      UPSTASH_REDIS_REST_URL: url,
      UPSTASH_REDIS_REST_TOKEN: "t",
    });
    readRedisConfig(env);
    assert.throws(
      () => env.assertValid(),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 1, url);
        assert.match(error.problems[0] ?? "", /UPSTASH_REDIS_REST_URL must/);
        return true;
      },
    );
  }

  for (const url of ["http://127.0.0.1:8079", "https://a.upstash.io/"]) {
    const env = new EnvReader({
      UPSTASH_REDIS_REST_URL: url,
      UPSTASH_REDIS_REST_TOKEN: "t",
    });
    assert.equal(readRedisConfig(env).url, url);
    assert.doesNotThrow(() => env.assertValid(), url);
  }
});
