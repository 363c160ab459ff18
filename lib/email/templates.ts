// The token mails and what their templates may use. Each name has an MJML
// file `templates/<name>.mjml` (compiled to HTML at build time) and a
// plain-text Liquid template `templates/<name>.txt`.

export const tokenTemplateNames = [
  "verification",
  "password-reset",
  "email-change",
] as const;

export type TokenTemplateName = (typeof tokenTemplateNames)[number];

/**
 * The variables a token mail template can read. Rendering uses strict
 * variables, so a template that reads any other name fails.
 */
export interface TokenMailVariables {
  project_name: string;
  /** The username, or the handle for a password reset. */
  username: string;
  /** Frontend URL carrying the URL-encoded token. */
  link: string;
  valid_minutes: number;
}

/** One token mail after the build: HTML with Liquid tags, and plain text. */
export interface CompiledTemplate {
  html: string;
  text: string;
}

export type CompiledTemplates = Readonly<
  Record<TokenTemplateName, CompiledTemplate>
>;
