import { type EnvSource, envValue } from "../config/env-reader.ts";
import { createLogger } from "../log.ts";
import { LocalSes, localSesCredentials } from "./ses-server.ts";
import { pickSet, reusedService, type ServiceStarter } from "./stack.ts";

/**
 * Values the email function requires, filled in for local runs when unset
 * so `npm run dev` works without a .env file.
 */
const localEmailDefaults = {
  PROJECT_NAME: "AxumKit",
  EMAILS_FROM_EMAIL: "noreply@axumkit.localhost",
  FRONTEND_HOST: "http://localhost:3000",
};

/**
 * Starts the local SES with its mail viewer, unless `SES_ENDPOINT` is set.
 * Either way it exports local defaults for the email settings that are unset.
 */
export const startSes: ServiceStarter = async ({ env, children }) => {
  const defaults = unsetDefaults(env);
  const endpoint = envValue(env, "SES_ENDPOINT");
  if (endpoint !== undefined) {
    return reusedService("ses", endpoint, {
      ...defaults,
      ...pickSet(env, [
        "SES_ENDPOINT",
        "SES_REGION",
        "SES_ACCESS_KEY_ID",
        "SES_SECRET_ACCESS_KEY",
      ]),
    });
  }

  const ses = await LocalSes.start({ children });
  createLogger("dev").info({ url: ses.endpoint }, "mail viewer ready");
  return {
    name: "ses",
    url: ses.endpoint,
    reused: false,
    env: {
      ...defaults,
      SES_ENDPOINT: ses.endpoint,
      SES_REGION: envValue(env, "SES_REGION") ?? "us-east-1",
      SES_ACCESS_KEY_ID: localSesCredentials.accessKeyId,
      SES_SECRET_ACCESS_KEY: localSesCredentials.secretAccessKey,
    },
    stop: () => ses.stop(),
  };
};

function unsetDefaults(env: EnvSource): Record<string, string> {
  return Object.fromEntries(
    Object.entries(localEmailDefaults).filter(
      ([name]) => envValue(env, name) === undefined,
    ),
  );
}
