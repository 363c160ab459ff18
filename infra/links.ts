import type { DeploySettings } from "./settings.ts";

/** Properties named after the environment variables the code reads. */
export type LinkedVariables = Record<string, $util.Input<string>>;

/** A component a function can be linked to. */
export type Link = sst.Secret | sst.Linkable<LinkedVariables>;

/** The settings linkables that are not storage: email, search and crons. */
export interface SettingsLinks {
  /** SES sending for the configured identity, and the email settings. */
  emailSending: sst.Linkable<LinkedVariables>;
  /** Meilisearch host and index names. */
  search: sst.Linkable<LinkedVariables>;
  /** Batch sizes and key prefixes of the cleanup cron. */
  cleanup: sst.Linkable<LinkedVariables>;
  /** Frontend host and public domain of the sitemap. */
  sitemap: sst.Linkable<LinkedVariables>;
  /** Age limit, dry run and delete limit of the orphan scan. */
  orphanScan: sst.Linkable<LinkedVariables>;
}

export function createSettingsLinks(settings: DeploySettings): SettingsLinks {
  return {
    emailSending: emailSendingLink(settings),
    search: new sst.Linkable("SearchSettings", {
      properties: settings.search,
    }),
    cleanup: new sst.Linkable("CleanupSettings", {
      properties: settings.cleanup,
    }),
    sitemap: new sst.Linkable("SitemapSettings", {
      properties: settings.sitemap,
    }),
    orphanScan: new sst.Linkable("OrphanScanSettings", {
      properties: settings.orphanScan,
    }),
  };
}

/**
 * Creates the email settings linkable, with `ses:SendEmail` on the one SES identity, and
 * only for mail whose From address is `EMAILS_FROM_EMAIL`.
 */
function emailSendingLink(
  settings: DeploySettings,
): sst.Linkable<LinkedVariables> {
  const account = aws.getCallerIdentityOutput({}).accountId;
  const region = settings.email.SES_REGION ?? settings.region;
  const identityArn = $interpolate`arn:aws:ses:${region}:${account}:identity/${settings.sesIdentity}`;

  return new sst.Linkable("EmailSending", {
    properties: settings.email,
    include: [
      sst.aws.permission({
        actions: ["ses:SendEmail"],
        resources: [identityArn],
        conditions: [
          {
            test: "StringEquals",
            variable: "ses:FromAddress",
            values: [settings.email.EMAILS_FROM_EMAIL ?? ""],
          },
        ],
      }),
    ],
  });
}
