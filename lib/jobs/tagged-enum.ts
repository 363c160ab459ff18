import { z } from "zod";

/**
 * Builds a schema for a Rust enum in serde's default, externally tagged form:
 * a JSON object with exactly one key, the variant name, whose value is the
 * variant's fields. `{"Verification": {"username": "ann", ...}}` is one.
 */
export function externallyTagged<
  const Variants extends Record<string, z.ZodType>,
>(variants: Variants) {
  const names = Object.keys(variants);
  const expected = names.map((name) => `"${name}"`).join(", ");

  return z.unknown().transform((input, context) => {
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      context.addIssue({
        code: "custom",
        message: `must be an object with one key, one of ${expected}`,
      });
      return z.NEVER;
    }

    const keys = Object.keys(input);
    if (keys.length !== 1) {
      context.addIssue({
        code: "custom",
        message: `must have exactly one key, one of ${expected}; found ${keys.length}`,
      });
      return z.NEVER;
    }

    const variant = keys[0] as string;
    // Own properties only, so keys such as "__proto__" or "toString"
    // do not find Object.prototype members.
    const schema = Object.hasOwn(variants, variant)
      ? variants[variant]
      : undefined;
    if (schema === undefined) {
      context.addIssue({
        code: "custom",
        message: `unknown variant "${variant}", expected one of ${expected}`,
      });
      return z.NEVER;
    }

    const parsed = schema.safeParse(
      (input as Record<string, unknown>)[variant],
    );
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        context.addIssue({
          code: "custom",
          message: issue.message,
          path: [variant, ...issue.path],
        });
      }
      return z.NEVER;
    }

    return { [variant]: parsed.data } as TaggedValue<Variants>;
  });
}

/** The union of `{ Variant: fields }` objects an externally tagged enum parses to. */
export type TaggedValue<Variants extends Record<string, z.ZodType>> = {
  [Name in keyof Variants]: { [Key in Name]: z.output<Variants[Name]> };
}[keyof Variants];
