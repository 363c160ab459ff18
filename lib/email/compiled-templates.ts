import built from "../../templates/build/templates.json" with { type: "json" };
import type { CompiledTemplates } from "./templates.ts";

/**
 * The token mail templates as `npm run build:templates` wrote them. JSON
 * loads without type stripping or mjml, which keeps cold starts short.
 */
export const compiledTemplates: CompiledTemplates = built;
