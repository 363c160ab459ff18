import { isValidEmailAddress } from "../email/address.ts";
import type { EnvReader } from "./env-reader.ts";
import { type RedisConfig, readRedisConfig } from "./redis.ts";

/** SES, reached with `@aws-sdk/client-ses`. */
export interface SesConfig {
  /** `SES_REGION`, else `AWS_REGION` [us-east-1]. */
  region: string;
  /** `SES_ENDPOINT`: unset for AWS SES; the local SES in dev and tests. */
  endpoint?: string;
  /** Unset to use the default AWS credential chain (a Lambda's role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Frontend paths the links point to, each appended to `FRONTEND_HOST`. */
export interface FrontendPaths {
  verifyEmail: string;
  resetPassword: string;
  confirmEmailChange: string;
}

export interface EmailConfig {
  /** `EMAILS_FROM_EMAIL`, required. */
  fromEmail: string;
  /** `EMAILS_FROM_NAME` [SevenWiki]. */
  fromName: string;
  /** `PROJECT_NAME`, required: shown in every mail. */
  projectName: string;
  /** `FRONTEND_HOST`, required: base URL of the links, e.g. https://example.com. */
  frontendHost: string;
  paths: FrontendPaths;
  ses: SesConfig;
  redis: RedisConfig;
  /** `EMAIL_SENT_TTL_DAYS`: how long a sent mail's key blocks a resend [7]. */
  sentKeyTtlDays: number;
}

/** Reads the email function's settings; problems are collected in `env`. */
export function readEmailConfig(env: EnvReader): EmailConfig {
  const fromEmail = env.required("EMAILS_FROM_EMAIL");
  if (fromEmail !== "" && !isValidEmailAddress(fromEmail)) {
    env.reject(`EMAILS_FROM_EMAIL "${fromEmail}" is not a valid address`);
  }

  return {
    fromEmail,
    fromName: env.string("EMAILS_FROM_NAME", "SevenWiki"),
    projectName: env.required("PROJECT_NAME"),
    frontendHost: readFrontendHost(env),
    paths: {
      verifyEmail: readPath(env, "FRONTEND_PATH_VERIFY_EMAIL", "/verify-email"),
      resetPassword: readPath(
        env,
        "FRONTEND_PATH_RESET_PASSWORD",
        "/reset-password",
      ),
      confirmEmailChange: readPath(
        env,
        "FRONTEND_PATH_CONFIRM_EMAIL_CHANGE",
        "/confirm-email-change",
      ),
    },
    ses: readSesConfig(env),
    redis: readRedisConfig(env),
    sentKeyTtlDays: env.integer("EMAIL_SENT_TTL_DAYS", 7, { min: 1, max: 365 }),
  };
}

export function readSesConfig(env: EnvReader): SesConfig {
  const accessKeyId = env.optional("SES_ACCESS_KEY_ID");
  const secretAccessKey = env.optional("SES_SECRET_ACCESS_KEY");
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    env.reject(
      "SES_ACCESS_KEY_ID and SES_SECRET_ACCESS_KEY must be set together",
    );
  }

  return {
    region: env.optional("SES_REGION") ?? env.string("AWS_REGION", "us-east-1"),
    endpoint: env.optional("SES_ENDPOINT"),
    credentials:
      accessKeyId !== undefined && secretAccessKey !== undefined
        ? { accessKeyId, secretAccessKey }
        : undefined,
  };
}

/** Reads the frontend URL without a trailing slash, so paths join with one `/`. */
function readFrontendHost(env: EnvReader): string {
  const host = env.required("FRONTEND_HOST");
  if (host === "") return host;
  if (!/^https?:\/\/[^/?#\s]+[^?#\s]*$/.test(host)) {
    env.reject(
      `FRONTEND_HOST must be an http(s) URL with no query or fragment, such as https://example.com, got "${host}"`,
    );
  }
  return host.replace(/\/+$/, "");
}

function readPath(env: EnvReader, name: string, fallback: string): string {
  const path = env.string(name, fallback);
  if (!path.startsWith("/") || /[?#\s]/.test(path)) {
    env.reject(
      `${name} must start with "/" and contain no "?", "#" or spaces, got "${path}"`,
    );
  }
  return path;
}
