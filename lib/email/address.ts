// Email addresses and the From header's display name.

/**
 * The address syntax of HTML's `<input type="email">`: an ASCII local part
 * and a dotted hostname. SES accepts only ASCII addresses (an international
 * domain must be given in punycode), so this matches what SES can send to.
 */
const addressPattern =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** Maximum length of an address in the SMTP path (RFC 5321, 4.5.3.1.3). */
const maxAddressLength = 254;

export function isValidEmailAddress(address: string): boolean {
  return address.length <= maxAddressLength && addressPattern.test(address);
}

/** RFC 5322 `atext` plus space: a display name that needs no quoting. */
const plainPhrase = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]*$/;

/** Printable ASCII, the only bytes a quoted display name may hold. */
const printableAscii = /^[\x20-\x7e]*$/;

/**
 * Bytes of UTF-8 per encoded word. RFC 2047 limits an encoded word to 75
 * characters: `=?UTF-8?B?` and `?=` take 12, and 45 bytes become 60 base64
 * characters.
 */
const encodedWordBytes = 45;

/**
 * Formats `Name <address>` for a From header. A name outside printable
 * ASCII is sent as RFC 2047 encoded words, which SES requires for
 * non-ASCII display names. A name with specials (`,` `"` `<` ...) is quoted.
 */
export function formatMailbox(name: string, address: string): string {
  const trimmed = name.trim();
  if (trimmed === "") return address;
  if (plainPhrase.test(trimmed)) return `${trimmed} <${address}>`;
  if (printableAscii.test(trimmed)) {
    const escaped = trimmed.replace(/["\\]/g, "\\$&");
    return `"${escaped}" <${address}>`;
  }
  return `${encodeWords(trimmed).join(" ")} <${address}>`;
}

/** Splits the text into base64 encoded words without cutting a character. */
function encodeWords(text: string): string[] {
  const words: string[] = [];
  let chunk = "";

  for (const character of text) {
    const candidate = chunk + character;
    if (Buffer.byteLength(candidate) > encodedWordBytes) {
      words.push(encodeWord(chunk));
      chunk = character;
    } else {
      chunk = candidate;
    }
  }
  if (chunk !== "") words.push(encodeWord(chunk));
  return words;
}

function encodeWord(text: string): string {
  return `=?UTF-8?B?${Buffer.from(text, "utf8").toString("base64")}?=`;
}
