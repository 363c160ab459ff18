// Keeps secret values out of log lines: the logger masks every value found
// here, wherever it appears in a line.

/** Variable names whose values are secrets, by their ending. */
const secretNamePattern =
  /(PASSWORD|PASS|TOKEN|SECRET|SECRET_KEY|SECRET_ACCESS_KEY|API_KEY|MASTER_KEY|PRIVATE_KEY|CREDENTIALS)$/i;

/** Shorter values are left alone: masking them would garble ordinary text. */
const minimumSecretLength = 4;

/**
 * Collects the secret values of an environment: the values of variables
 * named like a secret, and the password part of any URL
 * (`postgres://user:password@host`).
 */
export function secretValuesOf(
  source: Readonly<Record<string, string | undefined>>,
): string[] {
  const secrets = new Set<string>();
  for (const [name, raw] of Object.entries(source)) {
    const value = raw?.trim() ?? "";
    if (value.length < minimumSecretLength) continue;
    if (secretNamePattern.test(name)) secrets.add(value);
    for (const candidate of value.split(",")) {
      const password = urlPassword(candidate.trim());
      if (password !== undefined && password.length >= minimumSecretLength) {
        secrets.add(password);
        secrets.add(decodeURIComponent(password));
      }
    }
  }
  // Longest first, so a secret that contains another is masked whole.
  return [...secrets].sort((a, b) => b.length - a.length);
}

function urlPassword(value: string): string | undefined {
  if (!value.includes("://") || !value.includes("@")) return undefined;
  try {
    const password = new URL(value).password;
    return password === "" ? undefined : password;
  } catch {
    return undefined;
  }
}

/** Replaces each secret, as written and as escaped inside JSON, in a line. */
export function maskSecrets(
  secrets: readonly string[],
): (line: string) => string {
  const forms = secrets.flatMap((secret) => {
    const escaped = JSON.stringify(secret).slice(1, -1);
    return escaped === secret ? [secret] : [escaped, secret];
  });
  return (line) => {
    let masked = line;
    for (const form of forms) {
      if (masked.includes(form)) masked = masked.replaceAll(form, "[redacted]");
    }
    return masked;
  };
}
